"""评估批次管理 pages (``/rounds``) and the JSON API (``/api/rounds``) on the same services
(:mod:`liangshan.services.rounds`); the office of the region only."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from liangshan.services import rounds
from liangshan.services.checks import EntryError
from liangshan.services.permissions import Actor, check_office, check_region
from liangshan.store.errors import NotFoundError, StoreError
from liangshan.web import schemas as sc
from liangshan.web.deps import (
    ActorDep,
    IdPath,
    csrf_protect,
    ctx_of,
    error_status,
    error_text,
    pick_region,
    redirect,
    render,
)

router = APIRouter(dependencies=[Depends(csrf_protect)])
LABELS = {"close": "已关闭", "reopen": "已重新打开", "deadline": "截止日期已更新"}


class RoundBody(BaseModel):
    region: str = Field(max_length=12, description="地区代码")
    name: str = Field(max_length=200, description="名称，如“2023—2025年自评估”")
    start_year: int = Field(description="起始年份")
    end_year: int = Field(description="结束年份")
    deadline: str | None = Field(None, max_length=20, description="截止日期 YYYY-MM-DD（各单位同一截止日期）")


class RoundActionBody(BaseModel):
    action: Literal["close", "reopen", "deadline"]
    reason: str = Field("", max_length=5000, description="关闭、重新打开必须填写理由")
    deadline: str | None = Field(None, max_length=20, description="新的截止日期（action=deadline；空为不设）")


def _list_page(
    request: Request,
    actor: Actor,
    region: str | None,
    error: str | None,
    form: dict[str, Any],
    status: int = 200,
) -> Response:
    check_office(actor, "管理评估批次")
    code = pick_region(request, actor, region)
    data = rounds.list_rounds(ctx_of(request), actor, code)
    return render(request, "rounds.html", {"data": data, "error": error, "form": form}, status)


@router.get("/rounds", include_in_schema=False)
def rounds_page(request: Request, actor: ActorDep, region: str | None = None) -> Response:
    return _list_page(request, actor, region, None, {})


@router.post("/rounds", include_in_schema=False)
def rounds_create(
    request: Request,
    actor: ActorDep,
    region: Annotated[str, Form(max_length=12)],
    name: Annotated[str, Form(max_length=200)],
    start_year: Annotated[int, Form(ge=1900, le=2100)],
    end_year: Annotated[int, Form(ge=1900, le=2100)],
    deadline: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    check_office(actor, "管理评估批次")
    check_region(actor, region)
    try:
        out = rounds.create_round(
            ctx_of(request), actor, region=region, name=name, start_year=start_year, end_year=end_year,
            deadline=deadline,
        )  # fmt: skip
    except (StoreError, EntryError) as exc:
        if isinstance(exc, NotFoundError):
            raise
        form = {"name": name, "start_year": start_year, "end_year": end_year, "deadline": deadline}
        return _list_page(request, actor, region, error_text(exc), form, error_status(exc))
    return redirect(request, f"/rounds/{out['id']}", ("ok", f"已新建评估批次“{out['name']}”"))


@router.get("/rounds/{round_id}", include_in_schema=False)
def round_page(request: Request, actor: ActorDep, round_id: IdPath) -> Response:
    data = rounds.round_detail(ctx_of(request), actor, round_id)
    return render(request, "round_detail.html", {"data": data, "error": None})


@router.post("/rounds/{round_id}/{action}", include_in_schema=False)
def round_post(
    request: Request,
    actor: ActorDep,
    round_id: IdPath,
    action: str,
    reason: Annotated[str, Form(max_length=5000)] = "",
    deadline: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    ctx = ctx_of(request)
    try:
        out = rounds.round_action(ctx, actor, round_id, action, reason, deadline)
    except (StoreError, EntryError) as exc:
        if isinstance(exc, NotFoundError):
            raise
        data = rounds.round_detail(ctx, actor, round_id)
        return render(
            request, "round_detail.html", {"data": data, "error": error_text(exc)}, error_status(exc)
        )
    return redirect(request, f"/rounds/{round_id}", ("ok", f"评估批次“{out['name']}”{LABELS[action]}"))


@router.get(
    "/api/rounds",
    tags=["评估批次"],
    summary="地区的评估批次及各批次应报、已报、已通过、逾期（办公室，页面 /rounds）",
    response_model=sc.RoundList,
)
def api_rounds(request: Request, actor: ActorDep, region: str | None = None) -> dict[str, Any]:
    check_office(actor, "管理评估批次")
    return rounds.list_rounds(ctx_of(request), actor, pick_region(request, actor, region))


@router.post(
    "/api/rounds",
    tags=["评估批次"],
    status_code=201,
    summary="新建评估批次（办公室；须先关闭进行中的批次）",
    response_model=sc.RoundWithRegion,
)
def api_round_create(request: Request, actor: ActorDep, body: RoundBody) -> dict[str, Any]:
    return rounds.create_round(
        ctx_of(request), actor, region=body.region, name=body.name, start_year=body.start_year,
        end_year=body.end_year, deadline=body.deadline,
    )  # fmt: skip


@router.get(
    "/api/rounds/{round_id}",
    tags=["评估批次"],
    summary="一个评估批次：各单位应报数据项、截止日期与完成情况（页面 /rounds/{round_id}）",
    response_model=sc.RoundDetail,
    response_model_exclude_unset=True,
)
def api_round(request: Request, actor: ActorDep, round_id: IdPath) -> dict[str, Any]:
    return rounds.round_detail(ctx_of(request), actor, round_id)


@router.post(
    "/api/rounds/{round_id}/actions",
    tags=["评估批次"],
    summary="关闭 / 重新打开（须理由，记入审计日志）/ 调整截止日期",
    response_model=sc.RoundWithRegion,
)
def api_round_action(
    request: Request, actor: ActorDep, round_id: IdPath, body: RoundActionBody
) -> dict[str, Any]:
    return rounds.round_action(ctx_of(request), actor, round_id, body.action, body.reason, body.deadline)
