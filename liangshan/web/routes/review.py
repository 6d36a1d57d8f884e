"""Review pages: the office's queue (approve / return with a reason / reopen with a reason)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from liangshan.services.checks import EntryError
from liangshan.services.permissions import Actor, PermissionDenied, check_region
from liangshan.services.queries import review_queue, unit_elements
from liangshan.services.values import review
from liangshan.store.errors import StoreError
from liangshan.store.models import Unit
from liangshan.web.deps import (
    MAX_ID,
    IdPath,
    OptIdQuery,
    csrf_protect,
    ctx_of,
    current_actor,
    error_status,
    error_text,
    pick_region,
    redirect,
    render,
)

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
ActorDep = Annotated[Actor, Depends(current_actor)]
TABS = {
    "pending": ("待审核", ("submitted", "reopened")),
    "returned": ("已退回", ("returned",)),
    "approved": ("已通过", ("approved",)),
    "draft": ("草稿", ("draft",)),
}


def queue_context(
    request: Request, actor: Actor, region: str | None, unit: int | None, tab: str
) -> dict[str, Any]:
    ctx = ctx_of(request)
    if actor.is_unit:
        raise PermissionDenied(
            "审核页面供领导小组办公室、评审专家和领导使用；责任单位请在“数据填报”中查看本单位状态"
        )
    code = pick_region(request, actor, region)
    if tab not in TABS:
        tab = "pending"
    with ctx.read() as s:
        u = None
        if unit is not None:
            u = s.get(Unit, unit)
            if u is None or u.region_code != code:
                raise PermissionDenied(f"单位 {unit} 不属于地区 {code}")
        rows = review_queue(s, ctx.catalog, code, TABS[tab][1], u)
        units = [{"id": x.id, "name": x.name} for x, _ in unit_elements(s, ctx.catalog, code)]
    counts = None
    return {
        "region": code,
        "tab": tab,
        "tabs": {k: v[0] for k, v in TABS.items()},
        "rows": rows,
        "units": units,
        "unit_filter": unit,
        "counts": counts,
        "can_review": actor.role == "office",
    }


@router.get("/review")
def review_page(
    request: Request,
    actor: ActorDep,
    region: str | None = None,
    unit: OptIdQuery = None,
    tab: str = "pending",
) -> Response:
    data = queue_context(request, actor, region, unit, tab)
    return render(request, "review.html", {"data": data, "error": None})


@router.post("/review/{submission_id}")
def review_post(
    request: Request,
    actor: ActorDep,
    submission_id: IdPath,
    action: Annotated[str, Form(max_length=10)],
    reason: Annotated[str, Form(max_length=5000)] = "",
    version: Annotated[int | None, Form(ge=0, le=MAX_ID)] = None,
    region: Annotated[str | None, Form(max_length=12)] = None,
    tab: Annotated[str, Form(max_length=10)] = "pending",
    back: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    ctx = ctx_of(request)
    if region:
        check_region(actor, region)
    try:
        sub = review(ctx, actor, submission_id, action, reason, version)
    except (StoreError, EntryError) as exc:
        if back.startswith("/entry/"):
            return redirect(request, back, ("error", error_text(exc)))
        data = queue_context(request, actor, region, None, tab)
        return render(request, "review.html", {"data": data, "error": error_text(exc)}, error_status(exc))
    labels = {
        "approve": "已审核通过",
        "return": "已退回",
        "reopen": "已重新打开",
        "comment": "已添加评论",
        "submit": "已提交",
    }
    msg = f"{sub['item']} {sub['year']}年第 {sub['version']} 版{labels.get(action, action)}"
    if back.startswith("/entry/") and "//" not in back:
        return redirect(request, back, ("ok", msg))
    return redirect(request, "/review?" + urlencode({"region": sub["region"], "tab": tab}), ("ok", msg))
