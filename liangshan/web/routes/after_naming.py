"""基地状态与问题整改台账 (``/base``) and the JSON twins ``/api/base`` and ``/api/incidents``, on the
services :mod:`liangshan.services.base_status` and :mod:`liangshan.services.incidents`: every user of a
region reads them; the office changes the status and records findings and rectification steps."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from liangshan.services import base_status, incidents
from liangshan.services.checks import EntryError
from liangshan.services.permissions import Actor
from liangshan.store.errors import NotFoundError, StoreError
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
from liangshan.web.schemas import Model

router = APIRouter(dependencies=[Depends(csrf_protect)])
TAG = "基地状态与问题整改"


class StatusBody(BaseModel):
    region: str = Field(max_length=12, description="地区代码")
    status: str | None = Field(
        None, max_length=10, description="创建中、已申报、已命名、复核中、复核通过或撤销"
    )
    started_on: str | None = Field(None, max_length=10, description="启动创建日期 YYYY-MM-DD")
    applied_on: str | None = Field(None, max_length=10, description="申报日期")
    applied_doc: str | None = Field(None, max_length=300, description="申报文件")
    named_on: str | None = Field(None, max_length=10, description="命名日期（命名年份即后评估基准年）")
    named_doc: str | None = Field(None, max_length=300, description="命名文件")
    reviewed_on: str | None = Field(None, max_length=10, description="复核日期")
    review_doc: str | None = Field(None, max_length=300, description="复核文件")
    note: str | None = Field(None, max_length=2000, description="说明")
    example: bool | None = Field(None, description="日期为示例（未核实）")


class StatusOut(Model):
    """基地状态（页面 /base）。"""

    region: str
    region_name: str | None = None
    status: str
    started_on: str | None
    applied_on: str | None
    applied_doc: str
    named_on: str | None
    named_doc: str
    reviewed_on: str | None
    review_doc: str
    note: str
    example: bool
    recorded: bool = Field(description="是否已登记（未登记时按“创建中”显示）")
    baseline_year: int | None = Field(description="基准年：命名年份；未命名时为启动创建年份")
    baseline_label: str
    review_interval_years: int = Field(description="复核周期（年，系统参数，待按规程核实）")
    next_review_year: int | None
    basis: dict[str, str] = Field(description="管理依据（管理规程名称、印发机关、日期）")
    history: list[dict[str, Any]] | None = None
    statuses: list[str] | None = None
    can_edit: bool | None = None


class IncidentBody(BaseModel):
    region: str = Field(max_length=12)
    kind: str = Field(max_length=20, description="重特大突发环境事件、中央生态环境保护督察、省级督察或其他")
    occurred_on: str = Field(max_length=10, description="发生或交办日期 YYYY-MM-DD")
    title: str = Field(max_length=200, description="问题")
    description: str = Field("", max_length=4000, description="情况说明")
    responsible_unit: str = Field(max_length=100, description="责任单位")
    due_on: str | None = Field(None, max_length=10, description="整改期限")
    evidence: str = Field("", max_length=2000, description="佐证")
    serious: bool = Field(False, description="标为严重问题（前两类总是严重）")
    example: bool = Field(False, description="示例（未核实）")


class StepBody(BaseModel):
    status: str = Field(max_length=10, description="整改中、已整改或逾期")
    note: str = Field(max_length=2000, description="整改情况说明（必填）")
    due_on: str | None = Field(None, max_length=10, description="新的整改期限（不写则沿用）")
    done_on: str | None = Field(None, max_length=10, description="完成日期（已整改时必填）")
    evidence: str = Field("", max_length=2000, description="佐证")


class IncidentOut(Model):
    """问题整改台账的一项。"""

    id: int
    region: str
    kind: str
    occurred_on: str
    title: str
    description: str
    responsible_unit: str
    serious: bool
    example: bool
    status: str = Field(description="最新记录的整改状态")
    state: str = Field(description="当天的整改状态（整改中超过期限为逾期）")
    due_on: str | None
    done_on: str | None
    latest_note: str
    evidence: str
    risk: bool = Field(description="对称号构成风险（严重且未整改完成）")
    history: list[dict[str, Any]]


class IncidentList(Model):
    """问题整改台账（页面 /base）。"""

    region: str
    region_name: str
    today: str
    items: list[IncidentOut]
    counts: dict[str, int]
    risks: list[int]
    kinds: list[str]
    states: list[str]
    can_edit: bool


def _page(
    request: Request, actor: Actor, region: str | None, error: str | None = None, status: int = 200
) -> Response:
    ws = ctx_of(request)
    code = pick_region(request, actor, region)
    data = base_status.get_status(ws, actor, code)
    register = incidents.list_incidents(ws, actor, code)
    ctx = {"data": data, "register": register, "error": error, "current_region": code, "section": "base"}
    return render(request, "base_status.html", ctx, status)


@router.get("/base", include_in_schema=False)
def base_page(request: Request, actor: ActorDep, region: str | None = None) -> Response:
    return _page(request, actor, region)


def _blank(v: str) -> str | None:
    return v if v.strip() else None


@router.post("/base", include_in_schema=False)
def base_set(
    request: Request,
    actor: ActorDep,
    region: Annotated[str, Form(max_length=12)],
    status: Annotated[str, Form(max_length=10)],
    started_on: Annotated[str, Form(max_length=10)] = "",
    applied_on: Annotated[str, Form(max_length=10)] = "",
    applied_doc: Annotated[str, Form(max_length=300)] = "",
    named_on: Annotated[str, Form(max_length=10)] = "",
    named_doc: Annotated[str, Form(max_length=300)] = "",
    reviewed_on: Annotated[str, Form(max_length=10)] = "",
    review_doc: Annotated[str, Form(max_length=300)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    example: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    fields = {
        "status": status, "started_on": started_on, "applied_on": applied_on, "applied_doc": applied_doc,
        "named_on": named_on, "named_doc": named_doc, "reviewed_on": reviewed_on, "review_doc": review_doc,
        "note": note, "example": bool(example),
    }  # fmt: skip
    try:
        out = base_status.set_status(ctx_of(request), actor, region, **fields)
    except (StoreError, EntryError) as exc:
        if isinstance(exc, NotFoundError):
            raise
        return _page(request, actor, region, error_text(exc), error_status(exc))
    return redirect(request, f"/base?region={region}", ("ok", f"基地状态已更新为“{out['status']}”"))


@router.post("/base/incidents", include_in_schema=False)
def incident_add(
    request: Request,
    actor: ActorDep,
    region: Annotated[str, Form(max_length=12)],
    kind: Annotated[str, Form(max_length=20)],
    occurred_on: Annotated[str, Form(max_length=10)],
    title: Annotated[str, Form(max_length=200)],
    responsible_unit: Annotated[str, Form(max_length=100)],
    description: Annotated[str, Form(max_length=4000)] = "",
    due_on: Annotated[str, Form(max_length=10)] = "",
    evidence: Annotated[str, Form(max_length=2000)] = "",
    serious: Annotated[str, Form(max_length=5)] = "",
    example: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    try:
        out = incidents.add_incident(
            ctx_of(request), actor, region, kind=kind, occurred_on=occurred_on, title=title,
            responsible_unit=responsible_unit, description=description, due_on=_blank(due_on),
            evidence=evidence, serious=bool(serious), example=bool(example),
        )  # fmt: skip
    except (StoreError, EntryError) as exc:
        if isinstance(exc, NotFoundError):
            raise
        return _page(request, actor, region, error_text(exc), error_status(exc))
    return redirect(request, f"/base?region={region}#incidents", ("ok", f"已登记问题“{out['title']}”"))


@router.post("/base/incidents/{incident_id}/update", include_in_schema=False)
def incident_step(
    request: Request,
    actor: ActorDep,
    incident_id: IdPath,
    status: Annotated[str, Form(max_length=10)],
    note: Annotated[str, Form(max_length=2000)] = "",
    due_on: Annotated[str, Form(max_length=10)] = "",
    done_on: Annotated[str, Form(max_length=10)] = "",
    evidence: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        out = incidents.update_incident(
            ctx_of(request), actor, incident_id, status=status, note=note, due_on=_blank(due_on),
            done_on=_blank(done_on), evidence=evidence,
        )  # fmt: skip
    except EntryError as exc:
        return _page(request, actor, None, error_text(exc), error_status(exc))
    return redirect(
        request, f"/base?region={out['region']}#incidents", ("ok", f"已记录整改进展：{out['state']}")
    )


@router.get(
    "/api/base",
    tags=[TAG],
    summary="基地状态、关键日期、基准年与下次复核（页面 /base）",
    response_model=StatusOut,
)
def api_base(request: Request, actor: ActorDep, region: str | None = None) -> dict[str, Any]:
    return base_status.get_status(ctx_of(request), actor, pick_region(request, actor, region))


@router.post(
    "/api/base", tags=[TAG], summary="修改基地状态（领导小组办公室；只改给出的项）", response_model=StatusOut
)
def api_base_set(request: Request, actor: ActorDep, body: StatusBody) -> dict[str, Any]:
    fields = {k: v for k, v in body.model_dump().items() if k != "region" and v is not None}
    return base_status.set_status(ctx_of(request), actor, body.region, **fields)


@router.get(
    "/api/incidents",
    tags=[TAG],
    summary="突发环境事件与督察问题整改台账（页面 /base）",
    response_model=IncidentList,
)
def api_incidents(request: Request, actor: ActorDep, region: str | None = None) -> dict[str, Any]:
    return incidents.list_incidents(ctx_of(request), actor, pick_region(request, actor, region))


@router.post(
    "/api/incidents",
    tags=[TAG],
    status_code=201,
    summary="登记一项问题（办公室）",
    response_model=IncidentOut,
)
def api_incident_add(request: Request, actor: ActorDep, body: IncidentBody) -> dict[str, Any]:
    data = body.model_dump()
    region = data.pop("region")
    return incidents.add_incident(ctx_of(request), actor, region, **data)


@router.post(
    "/api/incidents/{incident_id}/update",
    tags=[TAG],
    summary="记录一次整改进展（办公室，追加）",
    response_model=IncidentOut,
)
def api_incident_step(
    request: Request, actor: ActorDep, incident_id: IdPath, body: StepBody
) -> dict[str, Any]:
    return incidents.update_incident(ctx_of(request), actor, incident_id, **body.model_dump())
