"""Work-plan pages for signed-in users: the plan with the daily digest, tasks and their progress reports,
the units' yearly ranking and the checklist bundle download.

Each handler parses the request, calls :mod:`liangshan.workplan.views` (what a page shows) or
:mod:`liangshan.workplan.actions` (a write with its permission rule) and renders the result.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from liangshan.web.deps import IdPath, OptYearQuery, csrf_protect, ctx_of, pick_region, redirect, render
from liangshan.web.routes.workplan_common import ActorDep, download, parse_date, today
from liangshan.workplan import actions, views

router = APIRouter(dependencies=[Depends(csrf_protect)])


@router.get("/workplan", include_in_schema=False)
def workplan_home(
    request: Request, actor: ActorDep, region: str | None = None, on: str | None = None
) -> Response:
    ctx = ctx_of(request)
    code = pick_region(request, actor, region)
    day = parse_date(on, "日期") or today()
    with ctx.read() as s:
        view = views.overview(s, ctx.catalog, actor, code, day)
    return render(request, "workplan/index.html", {**view, "current_region": code})


@router.get("/workplan/tasks/{task_id}", include_in_schema=False)
def task_page(request: Request, actor: ActorDep, task_id: IdPath) -> Response:
    with ctx_of(request).read() as s:
        view = views.task_view(s, actor, task_id, today())
    return render(request, "workplan/task.html", view)


@router.post("/workplan/tasks/{task_id}/progress", include_in_schema=False)
def task_progress(
    request: Request,
    actor: ActorDep,
    task_id: IdPath,
    reported_on: Annotated[str, Form(max_length=200)],
    percent: Annotated[float, Form()],
    text: Annotated[str, Form(max_length=5000)],
) -> Response:
    with ctx_of(request).write() as s:
        day = parse_date(reported_on, "报送日期") or today()
        actions.report_progress(s, actor, task_id, reported_on=day, text=text, percent=percent)
    return redirect(request, f"/workplan/tasks/{task_id}", ("ok", "进展已报送"))


@router.post("/workplan/progress/{progress_id}/comment", include_in_schema=False)
def progress_comment(
    request: Request, actor: ActorDep, progress_id: IdPath, comment: Annotated[str, Form(max_length=5000)]
) -> Response:
    with ctx_of(request).write() as s:
        task_id = actions.comment_on_progress(s, actor, progress_id, comment)
    return redirect(request, f"/workplan/tasks/{task_id}", ("ok", "意见已保存"))


@router.get("/workplan/bundle.zip", include_in_schema=False)
def bundle_download(request: Request, actor: ActorDep, region: str | None = None) -> Response:
    ctx = ctx_of(request)
    code = pick_region(request, actor, region)
    with tempfile.TemporaryDirectory() as tmp, ctx.read() as s:
        out = Path(tmp) / "bundle.zip"
        actions.export_checklist_bundle(s, actor, code, ctx.files_dir, out, today())
        data = out.read_bytes()
    return download(data, f"{code}_申报资料包_{today().isoformat()}.zip", "application/zip")


@router.get("/workplan/scores", include_in_schema=False)
def scores_page(
    request: Request, actor: ActorDep, region: str | None = None, year: OptYearQuery = None
) -> Response:
    ctx = ctx_of(request)
    code = pick_region(request, actor, region)
    y = year or today().year
    with ctx.read() as s:
        view = views.scores_view(s, ctx.catalog, actor, code, y, min(today(), date(y, 12, 31)))
    return render(request, "workplan/scores.html", {**view, "current_region": code})
