"""情况说明 of an indicator: ``/explain/{indicator_id}`` (page, form) and its JSON twin ``/api/explain/…``.

The responsible unit (or the office) writes per year the 数据来源, 工作开展情况 and 变化原因 and submits
them (:func:`liangshan.services.explanations.save_explanation`, item ``explain:N``); the office then
approves or returns them on the ordinary review page. Approved explanations appear in the report.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel

from liangshan.services import explanations as svc
from liangshan.services.checks import EntryError
from liangshan.services.permissions import Actor
from liangshan.services.reconcile import default_years
from liangshan.store.errors import StoreError
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


class ExplainYear(BaseModel):
    year: int
    source: str
    work: str
    cause: str
    version: int
    status: str
    status_label: str
    submission_id: int | None
    reason: str = ""  # the office's reason when it returned or reopened this version


class ExplainIndicator(BaseModel):
    id: int
    name: str
    unit: str
    responsible_units: list[str]


class ExplainRegion(BaseModel):
    code: str
    name: str


class ExplainPage(BaseModel):
    region: ExplainRegion
    indicator: ExplainIndicator
    years: list[ExplainYear]
    editable: bool
    fields: dict[str, str]


def _data(request: Request, actor: Actor, indicator_id: int, region: str | None) -> dict[str, object]:
    ctx = ctx_of(request)
    code = pick_region(request, actor, region)
    return svc.explain_view(ctx, actor, code, indicator_id, default_years(ctx, code))


@router.get(
    "/api/explain/{indicator_id}", tags=["情况说明"], summary="指标情况说明", response_model=ExplainPage
)
def api_explain(
    request: Request, actor: ActorDep, indicator_id: IdPath, region: str | None = None
) -> ExplainPage:
    """每年的数据来源、工作开展情况、变化原因，及其版本和审核状态。"""
    return ExplainPage.model_validate(_data(request, actor, indicator_id, region))


@router.get("/explain/{indicator_id}", include_in_schema=False)
def explain_page(
    request: Request, actor: ActorDep, indicator_id: IdPath, region: str | None = None
) -> Response:
    return render(request, "explain.html", {"data": _data(request, actor, indicator_id, region), "form": {}})


@router.post("/explain/{indicator_id}", include_in_schema=False)
def explain_post(
    request: Request,
    actor: ActorDep,
    indicator_id: IdPath,
    region: Annotated[str, Form(max_length=12)],
    year: Annotated[int, Form()],
    source: Annotated[str, Form(max_length=5000)] = "",
    work: Annotated[str, Form(max_length=5000)] = "",
    cause: Annotated[str, Form(max_length=5000)] = "",
    version: Annotated[int | None, Form()] = None,
    action: Annotated[str, Form(max_length=10)] = "submit",
) -> Response:
    form = {"year": year, "source": source, "work": work, "cause": cause}
    try:
        code = pick_region(request, actor, region)
        out = svc.save_explanation(
            ctx_of(request),
            actor,
            region=code,
            indicator=indicator_id,
            year=year,
            data=form,
            action="save" if action == "save" else "submit",
            expected_version=version,
        )
    except (StoreError, EntryError) as exc:
        data = _data(request, actor, indicator_id, region)
        page = {"data": data, "error": error_text(exc), "form": form}
        return render(request, "explain.html", page, error_status(exc))
    msg = f"指标{indicator_id} {year}年情况说明{out.message}"
    return redirect(request, f"/explain/{indicator_id}?region={code}", ("ok", msg))
