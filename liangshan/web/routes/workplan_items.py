"""Tracked items (督办事项: milestones, meeting follow-ups, checklist entries) and the public
supervision reports routed to the units (群众监督举报, 五、(三)).

Handlers parse, call :mod:`liangshan.workplan`, render."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, Response

from liangshan.web.deps import MAX_ID, IdPath, csrf_protect, ctx_of, pick_region, redirect, render
from liangshan.web.routes.workplan_common import ActorDep, parse_date, today
from liangshan.workplan import actions, views

router = APIRouter(dependencies=[Depends(csrf_protect)])


@router.get("/workplan/items", include_in_schema=False)
def items_page(
    request: Request,
    actor: ActorDep,
    region: str | None = None,
    on: str | None = None,
    kind: str | None = None,
) -> Response:
    ctx = ctx_of(request)
    code = pick_region(request, actor, region)
    day = parse_date(on, "日期") or today()
    with ctx.read() as s:
        view = views.items_view(s, ctx.catalog, actor, code, day, kind)
    return render(request, "workplan/items.html", {**view, "current_region": code})


@router.post("/workplan/items/{kind}/{item_id}", include_in_schema=False)
def item_update(
    request: Request,
    actor: ActorDep,
    kind: str,
    item_id: IdPath,
    status: Annotated[str, Form(max_length=200)],
    done_on: Annotated[str, Form(max_length=200)] = "",
    note: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    with ctx_of(request).write() as s:
        region = actions.update_tracked_item(
            s,
            actor,
            kind,
            item_id,
            status=status,
            done_on=parse_date(done_on, "完成日期"),
            note=note or None,
            today=today(),
        )
    return redirect(request, f"/workplan/items?region={region}", ("ok", "事项已更新"))


@router.get("/workplan/reports", include_in_schema=False)
def reports_page(request: Request, actor: ActorDep, region: str | None = None) -> Response:
    code = pick_region(request, actor, region)
    with ctx_of(request).read() as s:
        view = views.reports_view(s, actor, code)
    return render(request, "workplan/reports.html", {**view, "current_region": code})


@router.post("/workplan/reports/{report_id}/route", include_in_schema=False)
def report_route(
    request: Request,
    actor: ActorDep,
    report_id: IdPath,
    unit_id: Annotated[int, Form(ge=1, le=MAX_ID)],
    public_note: Annotated[str, Form(max_length=5000)] = "",
    internal_note: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    with ctx_of(request).write() as s:
        region = actions.route_supervision_report(
            s, actor, report_id, unit_id, public_note=public_note, internal_note=internal_note
        )
    return redirect(request, f"/workplan/reports?region={region}", ("ok", "已转交责任单位"))


@router.post("/workplan/reports/{report_id}/status", include_in_schema=False)
def report_status(
    request: Request,
    actor: ActorDep,
    report_id: IdPath,
    status: Annotated[str, Form(max_length=200)],
    public_note: Annotated[str, Form(max_length=5000)] = "",
    internal_note: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    with ctx_of(request).write() as s:
        region = actions.handle_report(
            s, actor, report_id, status, public_note=public_note, internal_note=internal_note
        )
    return redirect(request, f"/workplan/reports?region={region}", ("ok", "办理状态已更新"))


@router.get("/workplan/reports/{report_id}/photos/{evidence_id}", include_in_schema=False)
def report_photo(request: Request, actor: ActorDep, report_id: IdPath, evidence_id: IdPath) -> Response:
    """A photo of a supervision report, for whoever may see the report."""
    ctx = ctx_of(request)
    with ctx.read() as s:
        path, name, ctype = actions.report_photo(s, actor, ctx.files_dir, report_id, evidence_id)
    return FileResponse(
        path,
        media_type=ctype or "application/octet-stream",
        headers={
            "Content-Disposition": (
                f"inline; filename=\"photo-{evidence_id}\"; filename*=UTF-8''{quote(name)}"
            ),
            "X-Content-Type-Options": "nosniff",
        },
    )
