"""Dispatch meetings (调度会议, 五、(一)): the list, recording one with its decisions and follow-ups, the
meeting page and its minutes (.docx). Handlers parse, call :mod:`liangshan.workplan`, render."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from liangshan.web.deps import IdPath, csrf_protect, ctx_of, pick_region, redirect, render
from liangshan.web.routes.workplan_common import ActorDep, download, lines, parse_date, today
from liangshan.workplan import actions, views
from liangshan.workplan.documents import write_minutes
from liangshan.workplan.errors import WorkplanError
from liangshan.workplan.tracking import ActionSpec

router = APIRouter(dependencies=[Depends(csrf_protect)])


@router.get("/workplan/meetings", include_in_schema=False)
def meetings_page(request: Request, actor: ActorDep, region: str | None = None) -> Response:
    code = pick_region(request, actor, region)
    with ctx_of(request).read() as s:
        view = views.meetings_view(s, actor, code, today())
    return render(request, "workplan/meetings.html", {**view, "current_region": code})


def _action_specs(
    titles: list[str], units: list[str], dues: list[str], decisions: list[str]
) -> list[ActionSpec]:
    """The follow-up rows of the meeting form (rows without a title are skipped)."""
    specs = []
    for i, t in enumerate(titles):
        if not t.strip():
            continue
        unit = units[i] if i < len(units) else ""
        if not unit.strip().isdigit():
            raise WorkplanError(f"督办事项“{t}”须选择责任单位")
        due = parse_date(dues[i] if i < len(dues) else "", "完成时限")
        dec = decisions[i].strip() if i < len(decisions) else ""
        specs.append(ActionSpec(t, int(unit), due, int(dec) if dec.isdigit() else None))
    return specs


@router.post("/workplan/meetings", include_in_schema=False)
def meeting_create(
    request: Request,
    actor: ActorDep,
    region: Annotated[str, Form(max_length=200)],
    title: Annotated[str, Form(max_length=500)],
    held_on: Annotated[str, Form(max_length=200)],
    place: Annotated[str, Form(max_length=500)] = "",
    chair: Annotated[str, Form(max_length=500)] = "",
    attendees: Annotated[str, Form(max_length=5000)] = "",
    topics: Annotated[str, Form(max_length=5000)] = "",
    decisions: Annotated[str, Form(max_length=5000)] = "",
    action_title: Annotated[list[str] | None, Form()] = None,
    action_unit: Annotated[list[str] | None, Form()] = None,
    action_due: Annotated[list[str] | None, Form()] = None,
    action_decision: Annotated[list[str] | None, Form()] = None,
) -> Response:
    specs = _action_specs(action_title or [], action_unit or [], action_due or [], action_decision or [])
    day = parse_date(held_on, "会议日期")
    if day is None:
        raise WorkplanError("请填写会议日期")
    with ctx_of(request).write() as s:
        mid = actions.record_meeting(
            s,
            actor,
            region,
            title=title,
            held_on=day,
            place=place,
            chair=chair,
            attendees=lines(attendees),
            topics=lines(topics),
            decisions=lines(decisions),
            actions=specs,
        )
    return redirect(request, f"/workplan/meetings/{mid}", ("ok", f"会议已记录，督办事项 {len(specs)} 项"))


@router.get("/workplan/meetings/{meeting_id}", include_in_schema=False)
def meeting_page(request: Request, actor: ActorDep, meeting_id: IdPath) -> Response:
    with ctx_of(request).read() as s:
        m = views.meeting_view(s, actor, meeting_id)
    return render(request, "workplan/meeting.html", {"m": m, "current_region": m["region"]})


@router.get("/workplan/meetings/{meeting_id}/minutes.docx", include_in_schema=False)
def meeting_minutes(request: Request, actor: ActorDep, meeting_id: IdPath) -> Response:
    with ctx_of(request).read() as s:
        m = views.meeting_view(s, actor, meeting_id)
    with tempfile.TemporaryDirectory() as tmp:
        out = write_minutes(m, Path(tmp) / "minutes.docx", region_name=m["region_name"])
        data = out.read_bytes()
    return download(
        data,
        f"调度会议纪要_{m['held_on']}.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
