"""The office's survey invitation codes (a printable sheet) and its view of answer bursts.

Invitation codes sit beside open answering: each code answers once and is not subject to the
per-address rate limit (a village behind one address); the burst view lists addresses (as the first
characters of their keyed hash) with more than a threshold of open answers within the last hour."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response

from liangshan.services.permissions import Actor, check_office, check_region
from liangshan.web.deps import IdPath, csrf_protect, ctx_of, render
from liangshan.web.routes.workplan_common import ActorDep
from liangshan.workplan.errors import WorkplanError
from liangshan.workplan.survey import MAX_CODES, bursts, code_counts, create_codes, get_survey

router = APIRouter(dependencies=[Depends(csrf_protect)])


def _view(request: Request, actor: Actor, survey_id: int, threshold: int) -> dict[str, Any]:
    with ctx_of(request).read() as s:
        check_office(actor, "管理问卷邀请码")
        sv = get_survey(s, survey_id)
        check_region(actor, sv.region_code)
        return {
            "survey": {"id": sv.id, "title": sv.title, "year": sv.year, "status": sv.status},
            "region": sv.region_code,
            "counts": code_counts(s, survey_id),
            "bursts": [
                {**b, "first": b["first"].strftime("%H:%M"), "last": b["last"].strftime("%H:%M")}
                for b in bursts(s, survey_id, threshold)
            ],
            "threshold": threshold,
            "max_codes": MAX_CODES,
            "codes": None,
            "error": None,
        }


@router.get("/workplan/survey-codes/{survey_id}", include_in_schema=False)
def survey_codes_page(
    request: Request,
    actor: ActorDep,
    survey_id: IdPath,
    threshold: Annotated[int, Query(ge=1, le=1000)] = 10,
) -> Response:
    return render(request, "workplan/survey_codes.html", _view(request, actor, survey_id, threshold))


@router.post("/workplan/survey-codes/{survey_id}", include_in_schema=False)
def survey_codes_create(
    request: Request, actor: ActorDep, survey_id: IdPath, n: Annotated[int, Form(ge=1, le=MAX_CODES)]
) -> Response:
    view = _view(request, actor, survey_id, 10)
    try:
        with ctx_of(request).write(values=False) as s:
            codes = create_codes(s, survey_id, n, actor=actor.username)
    except WorkplanError as e:
        return render(request, "workplan/survey_codes.html", {**view, "error": str(e)}, 409)
    base = str(request.base_url).rstrip("/")
    view["codes"] = [{"code": c, "url": f"{base}/public/{view['region']}/survey?code={c}"} for c in codes]
    view["counts"] = {**view["counts"], "total": view["counts"]["total"] + len(codes)}
    return render(request, "workplan/survey_codes.html", view)
