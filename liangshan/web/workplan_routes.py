"""Work-plan pages and JSON API (``router``), for the office, the units and the public.

Signed-in pages under ``/workplan`` (tasks and progress, meetings and follow-ups, tracked items and the
digest, checklist bundle, unit scores, supervision reports, public-page settings and the survey) and
JSON under ``/api/workplan``; public pages without login under ``/public/{region}`` (the published
summary, the satisfaction survey, the supervision form and the receipt look-up). Every write checks
the role on the server: the office manages meetings, routing, settings and surveys; a unit reports
progress on its own tasks, updates its own items and the reports routed to it.
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select

from liangshan.services.permissions import Actor, PermissionDenied, check_office, check_region
from liangshan.store.errors import NotFoundError
from liangshan.store.models import Region, Unit
from liangshan.store.models_workplan import (
    WpAction,
    WpChecklistItem,
    WpMilestone,
    WpSurvey,
    WpTask,
    WpTaskUnit,
)
from liangshan.web.deps import csrf_protect, ctx_of, current_actor, pick_region, redirect, render
from liangshan.workplan.errors import DuplicateResponse, RateLimited, SurveyClosed, WorkplanError

router = APIRouter(dependencies=[Depends(csrf_protect)])
ActorDep = Annotated[Actor, Depends(current_actor)]
SURVEY_COOKIE = "ls_survey_token"
DAY = 86400


def _today() -> date:
    return date.today()


def _date(text: str | None, field: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise WorkplanError(f"{field}应为日期 YYYY-MM-DD，收到：{text}") from None


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _lines(text: str) -> list[str]:
    return [x.strip() for x in (text or "").splitlines() if x.strip()]


def _units(session: Any, region: str) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Unit.id, Unit.name).where(Unit.region_code == region).order_by(Unit.sort, Unit.id)
    ).all()
    return [{"id": i, "name": n} for i, n in rows]


def _download(data: bytes, filename: str, media: str) -> Response:
    return Response(
        data,
        media_type=media,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


# ------------------------------------------------------------------------------------- signed-in pages
@router.get("/workplan", include_in_schema=False)
def workplan_home(
    request: Request, actor: ActorDep, region: str | None = None, on: str | None = None
) -> Response:
    from liangshan.workplan.plan import plan_dict
    from liangshan.workplan.tracking import digest

    ctx = ctx_of(request)
    code = pick_region(request, actor, region)
    day = _date(on, "日期") or _today()
    with ctx.read() as s:
        data = plan_dict(s, code, day)
        rows = digest(s, code, day, unit_id=actor.unit_id if actor.is_unit else None, catalog=ctx.catalog)
    return render(
        request,
        "workplan/index.html",
        {"data": data, "digest": rows, "current_region": code, "region": code, "on": day.isoformat()},
    )


def _task_access(session: Any, actor: Actor, task_id: int) -> tuple[WpTask, str | None]:
    task = session.get(WpTask, task_id)
    if task is None:
        raise WorkplanError(f"任务不存在：{task_id}")
    check_region(actor, task.region_code)
    role = None
    if actor.unit_id is not None:
        role = session.scalars(
            select(WpTaskUnit.role).where(WpTaskUnit.task_id == task_id, WpTaskUnit.unit_id == actor.unit_id)
        ).first()
    return task, role


@router.get("/workplan/tasks/{task_id}", include_in_schema=False)
def task_page(request: Request, actor: ActorDep, task_id: int) -> Response:
    from liangshan.store.models_workplan import WpProgress

    ctx = ctx_of(request)
    with ctx.read() as s:
        task, role = _task_access(s, actor, task_id)
        names = {u["id"]: u["name"] for u in _units(s, task.region_code)}
        units = s.execute(
            select(WpTaskUnit.unit_id, WpTaskUnit.role, WpTaskUnit.source_name)
            .where(WpTaskUnit.task_id == task_id)
            .order_by(WpTaskUnit.seq, WpTaskUnit.id)
        ).all()
        reports = s.scalars(
            select(WpProgress)
            .where(WpProgress.task_id == task_id)
            .order_by(WpProgress.reported_on.desc(), WpProgress.id.desc())
        ).all()
        view = {
            "id": task.id,
            "code": task.code,
            "title": task.title,
            "text": task.text,
            "indicators": task.indicators,
            "region": task.region_code,
            "units": [{"name": names[u], "role": r, "source": src} for u, r, src in units],
            "reports": [
                {
                    "id": p.id,
                    "unit": names.get(p.unit_id),
                    "on": p.reported_on.isoformat(),
                    "percent": p.percent,
                    "text": p.text,
                    "by": p.created_by,
                    "comment": p.comment,
                    "commented_by": p.commented_by,
                }
                for p in reports
            ],
        }
    can_report = actor.role == "office" or (actor.is_unit and role is not None)
    return render(
        request,
        "workplan/task.html",
        {"task": view, "role": role, "can_report": can_report, "today": _today().isoformat()},
    )


@router.post("/workplan/tasks/{task_id}/progress", include_in_schema=False)
def task_progress(
    request: Request,
    actor: ActorDep,
    task_id: int,
    reported_on: Annotated[str, Form()],
    percent: Annotated[float, Form()],
    text: Annotated[str, Form()],
) -> Response:
    from liangshan.workplan.plan import office_unit
    from liangshan.workplan.tracking import add_progress

    ctx = ctx_of(request)
    with ctx.write() as s:
        task, role = _task_access(s, actor, task_id)
        if actor.role == "office":
            # the office reports as the office unit of the task's region (its account may have no unit)
            office = office_unit(s, task.region_code)
            if office is None:
                raise WorkplanError(f"地区 {task.region_code} 没有领导小组办公室单位，无法以办公室名义报送")
            unit_id = office.id
        elif actor.is_unit and actor.unit_id is not None and role is not None:
            unit_id = actor.unit_id
        else:
            why = (
                f"本单位（{actor.unit_name}）不是该任务的责任单位"
                if actor.is_unit
                else f"您的角色是{actor.role_label}"
            )
            raise PermissionDenied(f"只有该任务的牵头单位、配合单位或领导小组办公室可以报送进展；{why}")
        day = _date(reported_on, "报送日期") or _today()
        add_progress(s, task_id, unit_id, reported_on=day, text=text, percent=percent, actor=actor.username)
    return redirect(request, f"/workplan/tasks/{task_id}", ("ok", "进展已报送"))


@router.post("/workplan/progress/{progress_id}/comment", include_in_schema=False)
def progress_comment(
    request: Request, actor: ActorDep, progress_id: int, comment: Annotated[str, Form()]
) -> Response:
    from liangshan.store.models_workplan import WpProgress
    from liangshan.workplan.tracking import comment_progress

    check_office(actor, "对进展报告提出意见")
    ctx = ctx_of(request)
    with ctx.write() as s:
        p = s.get(WpProgress, progress_id)
        if p is None:
            raise WorkplanError(f"进展报告不存在：{progress_id}")
        task, _ = _task_access(s, actor, p.task_id)
        comment_progress(s, progress_id, comment, actor=actor.username)
    return redirect(request, f"/workplan/tasks/{task.id}", ("ok", "意见已保存"))


@router.get("/workplan/meetings", include_in_schema=False)
def meetings_page(request: Request, actor: ActorDep, region: str | None = None) -> Response:
    from liangshan.store.models_workplan import WpMeeting

    ctx = ctx_of(request)
    code = pick_region(request, actor, region)
    with ctx.read() as s:
        rows = s.scalars(
            select(WpMeeting).where(WpMeeting.region_code == code).order_by(WpMeeting.held_on.desc())
        ).all()
        meetings = [
            {"id": m.id, "title": m.title, "held_on": m.held_on.isoformat(), "place": m.place} for m in rows
        ]
        units = _units(s, code)
    return render(
        request,
        "workplan/meetings.html",
        {"meetings": meetings, "units": units, "region": code, "current_region": code, "today": _today()},
    )


@router.post("/workplan/meetings", include_in_schema=False)
def meeting_create(
    request: Request,
    actor: ActorDep,
    region: Annotated[str, Form()],
    title: Annotated[str, Form()],
    held_on: Annotated[str, Form()],
    place: Annotated[str, Form()] = "",
    chair: Annotated[str, Form()] = "",
    attendees: Annotated[str, Form()] = "",
    topics: Annotated[str, Form()] = "",
    decisions: Annotated[str, Form()] = "",
    action_title: Annotated[list[str] | None, Form()] = None,
    action_unit: Annotated[list[str] | None, Form()] = None,
    action_due: Annotated[list[str] | None, Form()] = None,
    action_decision: Annotated[list[str] | None, Form()] = None,
) -> Response:
    from liangshan.workplan.tracking import ActionSpec, create_meeting

    check_office(actor, "安排调度会议")
    check_region(actor, region)
    titles, units = action_title or [], action_unit or []
    dues, decs = action_due or [], action_decision or []
    specs = []
    for i, t in enumerate(titles):
        if not t.strip():
            continue
        unit = units[i] if i < len(units) else ""
        if not unit.strip().isdigit():
            raise WorkplanError(f"督办事项“{t}”须选择责任单位")
        due = _date(dues[i] if i < len(dues) else "", "完成时限")
        dec = decs[i].strip() if i < len(decs) else ""
        specs.append(ActionSpec(t, int(unit), due, int(dec) if dec.isdigit() else None))
    day = _date(held_on, "会议日期")
    if day is None:
        raise WorkplanError("请填写会议日期")
    ctx = ctx_of(request)
    with ctx.write() as s:
        m = create_meeting(
            s,
            region,
            title=title,
            held_on=day,
            actor=actor.username,
            place=place,
            chair=chair,
            attendees=_lines(attendees),
            topics=_lines(topics),
            decisions=_lines(decisions),
            actions=specs,
        )
        mid = m.id
    return redirect(request, f"/workplan/meetings/{mid}", ("ok", f"会议已记录，督办事项 {len(specs)} 项"))


def _meeting(request: Request, actor: Actor, meeting_id: int) -> dict[str, Any]:
    from liangshan.workplan.tracking import meeting_dict

    with ctx_of(request).read() as s:
        m = meeting_dict(s, meeting_id)
        check_region(actor, m["region"])
        reg = s.get(Region, m["region"])
        m["region_name"] = reg.name if reg else ""
    return m


@router.get("/workplan/meetings/{meeting_id}", include_in_schema=False)
def meeting_page(request: Request, actor: ActorDep, meeting_id: int) -> Response:
    m = _meeting(request, actor, meeting_id)
    return render(request, "workplan/meeting.html", {"m": m, "current_region": m["region"]})


@router.get("/workplan/meetings/{meeting_id}/minutes.docx", include_in_schema=False)
def meeting_minutes(request: Request, actor: ActorDep, meeting_id: int) -> Response:
    import tempfile
    from pathlib import Path

    from liangshan.workplan.documents import write_minutes

    m = _meeting(request, actor, meeting_id)
    with tempfile.TemporaryDirectory() as tmp:
        out = write_minutes(m, Path(tmp) / "minutes.docx", region_name=m["region_name"])
        data = out.read_bytes()
    return _download(
        data,
        f"调度会议纪要_{m['held_on']}.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )


@router.get("/workplan/items", include_in_schema=False)
def items_page(
    request: Request,
    actor: ActorDep,
    region: str | None = None,
    on: str | None = None,
    kind: str | None = None,
) -> Response:
    from liangshan.workplan.tracking import tracked_items

    ctx = ctx_of(request)
    code = pick_region(request, actor, region)
    day = _date(on, "日期") or _today()
    with ctx.read() as s:
        items = tracked_items(s, code, day, catalog=ctx.catalog)
    rows = [
        i.as_dict()
        for i in items
        if (not actor.is_unit or i.unit_id == actor.unit_id) and (kind is None or i.kind == kind)
    ]
    order = {"overdue": 0, "due_soon": 1, "open": 2, "no_due": 3, "done_late": 4, "done": 5, "cancelled": 6}
    rows.sort(key=lambda r: (order[r["state"]], r["due"] or "9999"))
    return render(
        request,
        "workplan/items.html",
        {"rows": rows, "region": code, "current_region": code, "on": day.isoformat(), "kind": kind},
    )


@router.post("/workplan/items/{kind}/{item_id}", include_in_schema=False)
def item_update(
    request: Request,
    actor: ActorDep,
    kind: str,
    item_id: int,
    status: Annotated[str, Form()],
    done_on: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    from liangshan.workplan.tracking import update_item

    model: Any = {"milestone": WpMilestone, "action": WpAction, "checklist": WpChecklistItem}.get(kind)
    if model is None:
        raise WorkplanError(f"未知事项类型：{kind}")
    ctx = ctx_of(request)
    with ctx.write() as s:
        row = s.get(model, item_id)
        if row is None:
            raise WorkplanError(f"事项不存在：{item_id}")
        check_region(actor, row.region_code)
        if actor.role != "office" and not (actor.is_unit and row.owner_unit_id == actor.unit_id):
            raise PermissionDenied("只有该事项的责任单位或领导小组办公室可以更新该事项")
        if actor.role != "office" and status != "done":
            # cancelling or reopening takes an item out of the overdue list and the unit's score
            raise PermissionDenied(
                "责任单位只能将事项标记为完成；取消或重新打开事项只有领导小组办公室可以操作"
            )
        day = _date(done_on, "完成日期") or (_today() if status == "done" else None)
        if day is not None and day > _today():
            raise WorkplanError(f"完成日期 {day.isoformat()} 晚于今天，不能预先标记完成")
        update_item(s, kind, item_id, actor=actor.username, status=status, done_on=day, note=note or None)
        region = row.region_code
    return redirect(request, f"/workplan/items?region={region}", ("ok", "事项已更新"))


@router.get("/workplan/bundle.zip", include_in_schema=False)
def bundle_download(request: Request, actor: ActorDep, region: str | None = None) -> Response:
    import tempfile
    from pathlib import Path

    from liangshan.workplan.bundle import export_bundle

    check_office(actor, "导出申报资料包")
    ctx = ctx_of(request)
    code = pick_region(request, actor, region)
    with tempfile.TemporaryDirectory() as tmp, ctx.read() as s:
        out = Path(tmp) / "bundle.zip"
        export_bundle(s, code, ctx.files_dir, out, as_of=_today())
        data = out.read_bytes()
    return _download(data, f"{code}_申报资料包_{_today().isoformat()}.zip", "application/zip")


SCORE_ROLES = frozenset({"office", "leader"})


def _check_scores(actor: Actor) -> None:
    """The units' ranking is for the office and the leading group (not units, experts or analysts)."""
    if actor.role not in SCORE_ROLES:
        raise PermissionDenied(f"只有领导小组办公室和领导可以查看年度考核排名；您的角色是{actor.role_label}")


@router.get("/workplan/scores", include_in_schema=False)
def scores_page(
    request: Request, actor: ActorDep, region: str | None = None, year: int | None = None
) -> Response:
    from liangshan.workplan.scoring import COMPONENT_LABELS, assess_units

    _check_scores(actor)
    ctx = ctx_of(request)
    code = pick_region(request, actor, region)
    y = year or _today().year
    with ctx.read() as s:
        data = assess_units(s, code, y, as_of=min(_today(), date(y, 12, 31)), catalog=ctx.catalog)
    return render(
        request,
        "workplan/scores.html",
        {"data": data, "labels": COMPONENT_LABELS, "region": code, "current_region": code},
    )


@router.get("/workplan/reports", include_in_schema=False)
def reports_page(request: Request, actor: ActorDep, region: str | None = None) -> Response:
    from liangshan.workplan.supervision import NEXT_STATUS, STATUS_LABELS, list_reports

    ctx = ctx_of(request)
    code = pick_region(request, actor, region)
    if actor.is_unit and actor.unit_id is None:
        raise PermissionDenied("账号未关联单位")
    with ctx.read() as s:
        rows = list_reports(s, code, actor.unit_id if actor.is_unit else None)
        units = _units(s, code)
    return render(
        request,
        "workplan/reports.html",
        {
            "rows": rows,
            "units": units,
            "region": code,
            "current_region": code,
            "next_status": NEXT_STATUS,
            "labels": STATUS_LABELS,
        },
    )


@router.post("/workplan/reports/{report_id}/route", include_in_schema=False)
def report_route(
    request: Request,
    actor: ActorDep,
    report_id: int,
    unit_id: Annotated[int, Form()],
    public_note: Annotated[str, Form()] = "",
    internal_note: Annotated[str, Form()] = "",
) -> Response:
    from liangshan.store.models_workplan import WpReport
    from liangshan.workplan.supervision import route_report

    check_office(actor, "转交群众监督举报")
    with ctx_of(request).write() as s:
        rep = s.get(WpReport, report_id)
        if rep is None:
            raise WorkplanError(f"监督举报不存在：{report_id}")
        check_region(actor, rep.region_code)
        route_report(
            s, report_id, unit_id, actor=actor.username, public_note=public_note, internal_note=internal_note
        )
        region = rep.region_code
    return redirect(request, f"/workplan/reports?region={region}", ("ok", "已转交责任单位"))


@router.post("/workplan/reports/{report_id}/status", include_in_schema=False)
def report_status(
    request: Request,
    actor: ActorDep,
    report_id: int,
    status: Annotated[str, Form()],
    public_note: Annotated[str, Form()] = "",
    internal_note: Annotated[str, Form()] = "",
) -> Response:
    from liangshan.store.models_workplan import WpReport
    from liangshan.workplan.supervision import update_report

    if actor.role not in ("office", "unit"):
        raise PermissionDenied(f"只有领导小组办公室和承办单位可以办理举报；您的角色是{actor.role_label}")
    with ctx_of(request).write() as s:
        rep = s.get(WpReport, report_id)
        if rep is None:
            raise WorkplanError(f"监督举报不存在：{report_id}")
        check_region(actor, rep.region_code)
        if actor.is_unit and (actor.unit_id is None or rep.unit_id != actor.unit_id):
            raise PermissionDenied(f"监督举报 #{report_id} 未转交本单位（{actor.unit_name}），无权办理")
        update_report(
            s,
            report_id,
            status,
            actor=actor.username,
            actor_unit_id=actor.unit_id if actor.is_unit else None,
            public_note=public_note,
            internal_note=internal_note,
        )
        region = rep.region_code
    return redirect(request, f"/workplan/reports?region={region}", ("ok", "办理状态已更新"))


@router.get("/workplan/reports/{report_id}/photos/{evidence_id}", include_in_schema=False)
def report_photo(request: Request, actor: ActorDep, report_id: int, evidence_id: int) -> Response:
    """A photo of a supervision report, for whoever may see the report: the office and the read roles
    of its region, and the unit it was routed to (report photos belong to no unit, so the evidence
    download of the data-entry pages would refuse that unit)."""
    from fastapi.responses import FileResponse

    from liangshan.store.evidence import blob_path
    from liangshan.store.models import Evidence
    from liangshan.store.models_workplan import WpAttachment, WpReport

    ctx = ctx_of(request)
    with ctx.read() as s:
        rep = s.get(WpReport, report_id)
        if rep is None:
            raise NotFoundError(f"监督举报不存在：{report_id}")
        check_region(actor, rep.region_code)
        if actor.is_unit and (actor.unit_id is None or rep.unit_id != actor.unit_id):
            raise PermissionDenied(f"监督举报 #{report_id} 未转交本单位（{actor.unit_name}），无权查看照片")
        linked = s.scalars(
            select(WpAttachment.id).where(
                WpAttachment.entity == "report",
                WpAttachment.entity_id == report_id,
                WpAttachment.evidence_id == evidence_id,
            )
        ).first()
        ev = s.get(Evidence, evidence_id) if linked is not None else None
        if ev is None:
            raise NotFoundError(f"监督举报 #{report_id} 没有照片 {evidence_id}")
        sha, name, ctype = ev.sha256, ev.filename, ev.content_type
    path = blob_path(ctx.files_dir, sha)
    if not path.exists():
        raise NotFoundError(f"照片 {evidence_id} 的文件不在存储中")
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


@router.get("/workplan/public-admin", include_in_schema=False)
def public_admin(request: Request, actor: ActorDep, region: str | None = None) -> Response:
    from liangshan.services.queries import current_round
    from liangshan.workplan.public import get_settings
    from liangshan.workplan.survey import survey_dict

    check_office(actor, "管理公开页面与问卷")
    code = pick_region(request, actor, region)
    with ctx_of(request).read() as s:
        settings = get_settings(s, code)
        ids = s.scalars(
            select(WpSurvey.id).where(WpSurvey.region_code == code).order_by(WpSurvey.id.desc())
        ).all()
        surveys = [survey_dict(s, i) for i in ids]
        rnd = current_round(s, code)
        round_years = (rnd.start_year, rnd.end_year) if rnd is not None else None
    return render(
        request,
        "workplan/public_admin.html",
        {
            "settings": settings,
            "surveys": surveys,
            "region": code,
            "current_region": code,
            "year": _today().year,
            "round_years": round_years,
        },
    )


@router.post("/workplan/public-admin", include_in_schema=False)
def public_admin_save(
    request: Request,
    actor: ActorDep,
    region: Annotated[str, Form()],
    published: Annotated[bool, Form()] = False,
    show_index: Annotated[bool, Form()] = False,
    show_verdicts: Annotated[bool, Form()] = False,
    show_progress: Annotated[bool, Form()] = False,
    supervision: Annotated[bool, Form()] = False,
    message: Annotated[str, Form()] = "",
    survey_id: Annotated[str, Form()] = "",
) -> Response:
    from liangshan.workplan.public import set_settings

    check_office(actor, "管理公开页面")
    check_region(actor, region)
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
        set_settings(s, region, changes, actor=actor.username)
    return redirect(request, f"/workplan/public-admin?region={region}", ("ok", "公开设置已保存"))


@router.post("/workplan/surveys", include_in_schema=False)
def survey_open(
    request: Request, actor: ActorDep, region: Annotated[str, Form()], year: Annotated[int, Form()]
) -> Response:
    from liangshan.workplan.public import get_settings, set_settings
    from liangshan.workplan.survey import open_survey

    check_office(actor, "发起问卷")
    check_region(actor, region)
    with ctx_of(request).write() as s:
        sv = open_survey(s, region, year, actor=actor.username)
        if get_settings(s, region)["survey_id"] is None:
            set_settings(s, region, {"survey_id": sv.id}, actor=actor.username)
    return redirect(request, f"/workplan/public-admin?region={region}", ("ok", "问卷已发起"))


@router.post("/workplan/surveys/{survey_id}/{action}", include_in_schema=False)
def survey_action(request: Request, actor: ActorDep, survey_id: int, action: str) -> Response:
    from liangshan.services.queries import current_round
    from liangshan.workplan.survey import close_survey, get_survey, record_indicator

    check_office(actor, "管理问卷")
    with ctx_of(request).write() as s:
        sv = get_survey(s, survey_id)
        check_region(actor, sv.region_code)
        region = sv.region_code
        if action == "close":
            close_survey(s, survey_id, actor=actor.username)
            msg = "问卷已结束"
        elif action == "record":
            subs = record_indicator(s, survey_id, actor=actor.username)
            valid = next(x.value for x in subs if x.item_code == "survey_valid")
            msg = f"已记录指标17：有效样本 {valid:g} 份（待审核）"
            rnd = current_round(s, region)
            if rnd is not None and not rnd.start_year <= sv.year <= rnd.end_year:
                msg += (
                    f"。注意：问卷年度 {sv.year} 不在当前评估批次（{rnd.start_year}—{rnd.end_year}年）内，"
                    "该值不会出现在审核列表和两山指数中"
                )
        else:
            raise WorkplanError(f"未知操作：{action}")
    return redirect(request, f"/workplan/public-admin?region={region}", ("ok", msg))


@router.get("/workplan/surveys/{survey_id}/export.csv", include_in_schema=False)
def survey_export(request: Request, actor: ActorDep, survey_id: int) -> Response:
    from liangshan.workplan.survey import export_csv, get_survey

    check_office(actor, "导出问卷原始数据")
    with ctx_of(request).read() as s:
        sv = get_survey(s, survey_id)
        check_region(actor, sv.region_code)
        data = export_csv(s, survey_id)
    return _download(data, f"survey_{survey_id}_{sv.year}_responses.csv", "text/csv; charset=utf-8")


# ------------------------------------------------------------------------------------------ JSON API
@router.get("/api/workplan/{region}", tags=["工作方案"])
def api_plan(request: Request, actor: ActorDep, region: str, on: str | None = None) -> dict[str, Any]:
    """工作方案：organisation、phases（节点与状态）、tasks（牵头/配合单位、关联指标、进展）、safeguards。"""
    from liangshan.workplan.plan import plan_dict

    check_region(actor, region)
    with ctx_of(request).read() as s:
        return plan_dict(s, region, _date(on, "日期") or _today())


@router.get("/api/workplan/{region}/digest", tags=["工作方案"])
def api_digest(request: Request, actor: ActorDep, region: str, on: str | None = None) -> dict[str, Any]:
    """每日提醒：各单位（单位账号只看本单位）已逾期与即将到期事项。"""
    from liangshan.workplan.tracking import digest

    check_region(actor, region)
    ctx = ctx_of(request)
    day = _date(on, "日期") or _today()
    with ctx.read() as s:
        rows = digest(s, region, day, unit_id=actor.unit_id if actor.is_unit else None, catalog=ctx.catalog)
    return {"region": region, "date": day.isoformat(), "units": rows}


@router.get("/api/workplan/{region}/scores", tags=["工作方案"])
def api_scores(request: Request, actor: ActorDep, region: str, year: int) -> dict[str, Any]:
    """年度工作目标考核：各单位得分、各考核项分子分母与排名。"""
    from liangshan.workplan.scoring import assess_units

    check_region(actor, region)
    _check_scores(actor)
    with ctx_of(request).read() as s:
        return assess_units(s, region, year, catalog=ctx_of(request).catalog)


@router.get("/api/workplan/meetings/{meeting_id}", tags=["工作方案"])
def api_meeting(request: Request, actor: ActorDep, meeting_id: int) -> dict[str, Any]:
    """调度会议：议题、议定事项与督办事项。"""
    return _meeting(request, actor, meeting_id)


# ------------------------------------------------------------------------------------- public (no login)
def _region(session: Any, code: str) -> Region:
    reg = session.get(Region, code)
    if reg is None:
        raise NotFoundError(f"未知地区代码：{code}")
    return reg


@router.get("/public/{region}", include_in_schema=False)
def public_page(request: Request, region: str) -> Response:
    from liangshan.store.regions import get_region, open_round, overrides, profile
    from liangshan.store.submissions import approved_observations
    from liangshan.workplan.public import get_settings, public_view

    ctx = ctx_of(request)
    with ctx.read() as s:
        _region(s, region)
        settings = get_settings(s, region)
        assessment = None
        if settings["published"] and (settings["show_index"] or settings["show_verdicts"]):
            from liangshan.assess import assess

            try:
                rnd = open_round(s, region)
                years = list(range(rnd.start_year, rnd.end_year + 1))
                obs = approved_observations(s, region, years)
                reg = get_region(s, region)
                assessment = assess(ctx.catalog, profile(reg), years, obs, overrides(s, region))
            except ValueError:  # no open round: nothing to assess yet
                assessment = None
        view = public_view(s, region, assessment, _today())
    if view is None:
        return render(request, "workplan/public.html", {"view": None, "region": region}, 404)
    return render(request, "workplan/public.html", {"view": view, "region": region})


def _public_survey(session: Any, region: str) -> WpSurvey | None:
    """The survey the region's published page links to (None when the page is not published)."""
    from liangshan.workplan.public import get_settings

    settings = get_settings(session, region)
    if not settings["published"]:
        return None
    sid = settings["survey_id"]
    sv = session.get(WpSurvey, sid) if sid else None
    return sv if sv is not None and sv.region_code == region else None


@router.get("/public/{region}/survey", include_in_schema=False)
def public_survey(request: Request, region: str) -> Response:
    from liangshan.workplan.survey import has_answered, survey_dict

    token = request.cookies.get(SURVEY_COOKIE) or secrets.token_urlsafe(24)
    with ctx_of(request).read() as s:
        reg = _region(s, region)
        sv = _public_survey(s, region)
        info = survey_dict(s, sv.id) if sv else None
        answered = bool(sv and has_answered(s, sv.id, token))
    resp = render(
        request,
        "workplan/public_survey.html",
        {"survey": info, "answered": answered, "region": region, "region_name": reg.name, "error": None},
        200 if info else 404,
    )
    _token_cookie(request, resp, token)
    return resp


def _token_cookie(request: Request, resp: Response, token: str) -> None:
    resp.set_cookie(
        SURVEY_COOKIE,
        token,
        max_age=365 * DAY,
        httponly=True,
        samesite="lax",
        secure=ctx_of(request).secure_cookies,
        path="/public",
    )


@router.post("/public/{region}/survey", include_in_schema=False)
def public_survey_submit(
    request: Request,
    region: str,
    answer: Annotated[str, Form()] = "",
    township: Annotated[str, Form()] = "",
    urban_rural: Annotated[str, Form()] = "",
) -> Response:
    from liangshan.workplan.survey import submit_response, survey_dict

    token = request.cookies.get(SURVEY_COOKIE) or ""
    error, status, retry_after = None, 200, None
    with ctx_of(request).write() as s:
        reg = _region(s, region)
        sv = _public_survey(s, region)
        if sv is None:
            raise NotFoundError("当前没有进行中的问卷")
        try:
            submit_response(
                s,
                sv.id,
                token=token,
                answer=answer,
                township=township,
                urban_rural=urban_rural,
                client=_client(request),
            )
        except RateLimited as e:
            error, status, retry_after = str(e), 429, e.retry_after
        except (DuplicateResponse, SurveyClosed) as e:
            error, status = str(e), 409
        except WorkplanError as e:
            error, status = str(e), 422
        info = survey_dict(s, sv.id)
    if error is None:
        return render(
            request,
            "workplan/public_done.html",
            {"region": region, "region_name": reg.name, "message": "感谢您参与满意度调查！", "receipt": None},
        )
    resp = render(
        request,
        "workplan/public_survey.html",
        {
            "survey": info,
            "answered": status == 409,
            "region": region,
            "region_name": reg.name,
            "error": error,
        },
        status,
    )
    if retry_after is not None:
        resp.headers["Retry-After"] = str(retry_after)
    return resp


@router.get("/public/{region}/report", include_in_schema=False)
def public_report(request: Request, region: str) -> Response:
    from liangshan.workplan.public import get_settings
    from liangshan.workplan.supervision import CATEGORIES

    with ctx_of(request).read() as s:
        reg = _region(s, region)
        st = get_settings(s, region)
        open_ = st["published"] and st["supervision"]
    return render(
        request,
        "workplan/public_report.html",
        {"region": region, "region_name": reg.name, "categories": CATEGORIES, "open": open_, "error": None},
        200 if open_ else 404,
    )


@router.post("/public/{region}/report", include_in_schema=False)
async def public_report_submit(
    request: Request,
    region: str,
    category: Annotated[str, Form()] = "",
    location: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
    lon: Annotated[str, Form()] = "",
    lat: Annotated[str, Form()] = "",
    photos: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    from liangshan.workplan.supervision import CATEGORIES, MAX_PHOTOS, Photo

    files = [f for f in (photos or []) if f.filename]
    if len(files) > MAX_PHOTOS:
        raise WorkplanError(f"最多上传 {MAX_PHOTOS} 张照片")
    pics = [Photo(await f.read(), f.filename or "photo") for f in files]
    return _report_submit(request, region, category, location, text, lon, lat, pics, CATEGORIES)


def _report_submit(
    request: Request,
    region: str,
    category: str,
    location: str,
    text: str,
    lon: str,
    lat: str,
    pics: list[Any],
    categories: tuple[str, ...],
) -> Response:
    from liangshan.workplan.public import get_settings
    from liangshan.workplan.supervision import submit_report

    ctx = ctx_of(request)
    error, status, code, retry_after = None, 200, None, None
    with ctx.write() as s:
        reg = _region(s, region)
        st = get_settings(s, region)
        if not (st["published"] and st["supervision"]):
            raise NotFoundError("该地区未开通群众监督渠道")
        try:
            x = float(lon) if lon.strip() else None
            y = float(lat) if lat.strip() else None
        except ValueError:
            x = y = None
            error, status = "经纬度应为数字", 422
        if error is None:
            try:
                _, code = submit_report(
                    s,
                    region,
                    category=category,
                    location=location,
                    text=text,
                    lon=x,
                    lat=y,
                    photos=pics,
                    client=_client(request),
                    files_root=ctx.files_dir,
                )
            except RateLimited as e:
                error, status, retry_after = str(e), 429, e.retry_after
            except WorkplanError as e:
                error, status = str(e), 422
    if error is not None:
        resp = render(
            request,
            "workplan/public_report.html",
            {
                "region": region,
                "region_name": reg.name,
                "categories": categories,
                "open": True,
                "error": error,
            },
            status,
        )
        if retry_after is not None:
            resp.headers["Retry-After"] = str(retry_after)
        return resp
    return render(
        request,
        "workplan/public_done.html",
        {"region": region, "region_name": reg.name, "message": "您的反映已收到。", "receipt": code},
    )


@router.get("/public/receipt/lookup", include_in_schema=False)
def receipt_form(request: Request) -> Response:
    return render(request, "workplan/public_receipt.html", {"view": None, "error": None})


@router.post("/public/receipt/lookup", include_in_schema=False)
def receipt_lookup(request: Request, code: Annotated[str, Form()] = "") -> Response:
    from liangshan.workplan.supervision import lookup_receipt

    try:
        with ctx_of(request).write() as s:
            view = lookup_receipt(s, code, client=_client(request))
    except RateLimited as e:
        resp = render(request, "workplan/public_receipt.html", {"view": None, "error": str(e)}, 429)
        resp.headers["Retry-After"] = str(e.retry_after)
        return resp
    if view is None:
        return render(request, "workplan/public_receipt.html", {"view": None, "error": "未找到该回执码"}, 404)
    return render(request, "workplan/public_receipt.html", {"view": view, "error": None})


@router.post("/api/public/receipt", tags=["公众"])
def api_receipt(request: Request, code: Annotated[str, Form()]) -> JSONResponse:
    """按回执码查询群众监督举报的办理状态（不含举报内容、地点和照片）。"""
    from liangshan.workplan.supervision import lookup_receipt

    try:
        with ctx_of(request).write() as s:
            view = lookup_receipt(s, code, client=_client(request))
    except RateLimited as e:
        return JSONResponse(
            {"detail": str(e), "code": "rate_limited"}, 429, {"Retry-After": str(e.retry_after)}
        )
    if view is None:
        return JSONResponse({"detail": "未找到该回执码", "code": "not_found"}, 404)
    return JSONResponse(view)
