"""Review pages: the office's queue with context (previous years, change, evidence), filters, pages,
approve / return with a reason / reopen with a reason, and batch approval of selected rows.

The list itself is :func:`liangshan.services.review_list.review_list`; ``/api/review`` answers the same
data (:class:`ReviewList`).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from liangshan.services.checks import EntryError
from liangshan.services.permissions import Actor, check_region, item_name
from liangshan.services.review_list import (
    TABS,
    ReviewFilters,
    approve_many,
    batch_message,
    review_list,
)
from liangshan.services.values import review
from liangshan.store.errors import StoreError
from liangshan.web.deps import (
    MAX_ID,
    ActorDep,
    IdPath,
    OptIdQuery,
    csrf_protect,
    ctx_of,
    error_status,
    error_text,
    pick_region,
    redirect,
    render,
)
from liangshan.web.schemas import QueueRow, UnitRef

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
__all__ = ["TABS", "ReviewList", "queue_context", "router"]


class PreviousValue(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    year: int
    value: float | None = Field(description="该年数值（最新未退回版本；无则为空）")
    value_text: str | None


class ReviewRow(QueueRow):
    previous: list[PreviousValue] = Field(description="前三年的数值（由远到近）")
    change: float | None = Field(description="与上一年相比的相对变化（0.35 即 +35%）")
    change_text: str | None
    jump: bool = Field(description="变化超过 ±30%（与填报时要求说明的阈值相同）")
    age_days: int = Field(description="本版本已等待的天数")


class IndicatorRef(BaseModel):
    id: int
    name: str


class ReviewList(BaseModel):
    """审核列表 (page ``/review``): one page of rows with context, counts per tab, filters."""

    model_config = ConfigDict(populate_by_name=True)
    region: str
    tab: str = Field(description="pending / returned / approved / draft")
    tabs: dict[str, str]
    counts: dict[str, int] = Field(description="各标签（同样筛选条件下）的条数")
    rows: list[ReviewRow]
    units: list[UnitRef]
    indicators: list[IndicatorRef]
    ages: dict[str, str]
    unit_filter: int | None
    indicator_filter: int | None
    age_filter: int
    page: int
    pages: int
    page_size: int
    total: int
    jump_threshold: float
    can_review: bool


def queue_context(
    request: Request,
    actor: Actor,
    region: str | None,
    unit: int | None,
    tab: str,
    indicator: int | None = None,
    age: int = 0,
    page: int = 1,
) -> dict[str, Any]:
    ctx = ctx_of(request)
    code = pick_region(request, actor, region)
    with ctx.read() as s:
        return review_list(s, ctx.catalog, actor, code, tab, ReviewFilters(unit, indicator, age, page))


def _page_url(data: dict[str, Any], **change: Any) -> str:
    q: dict[str, Any] = {"region": data["region"], "tab": data["tab"]}
    for key, name in (("unit", "unit_filter"), ("indicator", "indicator_filter"), ("age", "age_filter")):
        if data.get(name):
            q[key] = data[name]
    q.update({k: v for k, v in change.items() if v is not None})
    return "/review?" + urlencode(q)


@router.get("/review")
def review_page(
    request: Request,
    actor: ActorDep,
    region: str | None = None,
    unit: OptIdQuery = None,
    tab: str = "pending",
    indicator: int | None = None,
    age: int = 0,
    page: int = 1,
) -> Response:
    data = queue_context(request, actor, region, unit, tab, indicator, age, page)
    return render(request, "review.html", {"data": data, "error": None, "page_url": _page_url})


@router.post("/review/batch")
def review_batch(
    request: Request,
    actor: ActorDep,
    region: Annotated[str, Form(max_length=12)],
    ids: Annotated[list[str], Form()] = [],  # noqa: B006 — FastAPI's form list default
    tab: Annotated[str, Form(max_length=10)] = "pending",
    back: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    """Approve the selected rows (``ids`` = ``<submission id>:<version>``); per-row results in the flash."""
    ctx = ctx_of(request)
    check_region(actor, region)
    try:
        rows = []
        for raw in ids:
            sid, _, ver = raw.partition(":")
            if not sid.isdigit() or (ver and not ver.isdigit()):
                raise EntryError(f"勾选的数据编号无效：{raw[:40]}")
            rows.append((int(sid), int(ver) if ver else None))
        results = approve_many(ctx, actor, rows)
    except (StoreError, EntryError) as exc:
        data = queue_context(request, actor, region, None, tab)
        ctx_ = {"data": data, "error": error_text(exc), "page_url": _page_url}
        return render(request, "review.html", ctx_, error_status(exc))
    target = (
        back
        if back.startswith("/review?") and "//" not in back
        else "/review?" + urlencode({"region": region, "tab": tab})
    )
    return redirect(request, target, batch_message(results))


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
        ctx_ = {"data": data, "error": error_text(exc), "page_url": _page_url}
        return render(request, "review.html", ctx_, error_status(exc))
    labels = {
        "approve": "已审核通过",
        "return": "已退回",
        "reopen": "已重新打开",
        "comment": "已添加评论",
        "submit": "已提交",
    }
    name = item_name(ctx.catalog, sub["item"])
    msg = f"{name} {sub['year']}年第 {sub['version']} 版{labels.get(action, action)}"
    if back.startswith("/entry/") and "//" not in back:
        return redirect(request, back, ("ok", msg))
    if back.startswith("/review?") and "//" not in back:
        return redirect(request, back, ("ok", msg))
    return redirect(request, "/review?" + urlencode({"region": sub["region"], "tab": tab}), ("ok", msg))
