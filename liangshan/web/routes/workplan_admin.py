"""The office's settings of the public page and its satisfaction surveys (指标17 公众满意度).

Handlers parse the form, call :mod:`liangshan.workplan.views` / :mod:`liangshan.workplan.actions`
(which hold the office-only rule) and render or redirect."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from liangshan.web.deps import IdPath, csrf_protect, ctx_of, pick_region, redirect, render
from liangshan.web.routes.workplan_common import ActorDep, download, today
from liangshan.workplan import actions, views

router = APIRouter(dependencies=[Depends(csrf_protect)])


@router.get("/workplan/public-admin", include_in_schema=False)
def public_admin(request: Request, actor: ActorDep, region: str | None = None) -> Response:
    code = pick_region(request, actor, region)
    with ctx_of(request).read() as s:
        view = views.public_admin_view(s, actor, code, today())
    return render(request, "workplan/public_admin.html", {**view, "current_region": code})


@router.post("/workplan/public-admin", include_in_schema=False)
def public_admin_save(
    request: Request,
    actor: ActorDep,
    region: Annotated[str, Form(max_length=200)],
    published: Annotated[bool, Form()] = False,
    show_index: Annotated[bool, Form()] = False,
    show_verdicts: Annotated[bool, Form()] = False,
    show_progress: Annotated[bool, Form()] = False,
    supervision: Annotated[bool, Form()] = False,
    message: Annotated[str, Form(max_length=5000)] = "",
    survey_id: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    changes = {
        "published": published,
        "show_index": show_index,
        "show_verdicts": show_verdicts,
        "show_progress": show_progress,
        "supervision": supervision,
        "message": message,
        "survey_id": int(survey_id) if survey_id.strip().isdigit() else None,
    }
    with ctx_of(request).write() as s:
        actions.save_public_settings(s, actor, region, changes)
    return redirect(request, f"/workplan/public-admin?region={region}", ("ok", "公开设置已保存"))


@router.post("/workplan/surveys", include_in_schema=False)
def survey_open(
    request: Request,
    actor: ActorDep,
    region: Annotated[str, Form(max_length=200)],
    year: Annotated[int, Form(ge=1900, le=9999)],
) -> Response:
    with ctx_of(request).write() as s:
        actions.start_survey(s, actor, region, year)
    return redirect(request, f"/workplan/public-admin?region={region}", ("ok", "问卷已发起"))


@router.post("/workplan/surveys/{survey_id}/{action}", include_in_schema=False)
def survey_action(request: Request, actor: ActorDep, survey_id: IdPath, action: str) -> Response:
    with ctx_of(request).write() as s:
        region, msg = actions.act_on_survey(s, actor, survey_id, action)
    return redirect(request, f"/workplan/public-admin?region={region}", ("ok", msg))


@router.get("/workplan/surveys/{survey_id}/export.csv", include_in_schema=False)
def survey_export(request: Request, actor: ActorDep, survey_id: IdPath) -> Response:
    with ctx_of(request).read() as s:
        data, year = actions.export_survey(s, actor, survey_id)
    return download(data, f"survey_{survey_id}_{year}_responses.csv", "text/csv; charset=utf-8")
