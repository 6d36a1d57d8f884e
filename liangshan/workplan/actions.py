"""What the signed-in users change in the work plan, each write with its permission rule.

Progress reports on tasks (四、主要任务), the office's comments on them, dispatch meetings with their
decisions and follow-ups (五、(一) 调度机制), tracked items, the routing and handling of public supervision
reports (五、(三) 群众监督), the public page's settings and the satisfaction survey (指标17 公众满意度).
Every function takes the write session, the :class:`~liangshan.services.permissions.Actor` and parsed input;
the caller commits (``Workspace.write``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liangshan.services.permissions import Actor, check_office, check_region
from liangshan.services.queries import current_round
from liangshan.store.errors import NotFoundError
from liangshan.store.evidence import blob_path
from liangshan.store.models import Evidence
from liangshan.store.models_workplan import WpAttachment, WpProgress
from liangshan.workplan.access import (
    check_item_update,
    check_report_handler,
    item_row,
    reporting_unit,
    supervision_report,
    task_access,
)
from liangshan.workplan.errors import WorkplanError, WorkplanNotFound
from liangshan.workplan.public import get_settings, set_settings
from liangshan.workplan.supervision import route_report, update_report
from liangshan.workplan.survey import close_survey, export_csv, get_survey, open_survey, record_indicator
from liangshan.workplan.tracking import (
    ActionSpec,
    add_progress,
    comment_progress,
    create_meeting,
    update_item,
)

__all__ = [
    "PublicSettings",
    "act_on_survey",
    "comment_on_progress",
    "export_checklist_bundle",
    "export_survey",
    "handle_report",
    "record_meeting",
    "report_photo",
    "report_progress",
    "route_supervision_report",
    "save_public_settings",
    "start_survey",
    "update_tracked_item",
]

PublicSettings = dict[str, Any]


def report_progress(
    session: Session, actor: Actor, task_id: int, *, reported_on: date, text: str, percent: float
) -> None:
    """File a progress report on a task as the actor's unit (the office: as the office unit)."""
    task, role = task_access(session, actor, task_id)
    unit_id = reporting_unit(session, actor, task, role)
    add_progress(
        session, task_id, unit_id, reported_on=reported_on, text=text, percent=percent, actor=actor.username
    )


def comment_on_progress(session: Session, actor: Actor, progress_id: int, comment: str) -> int:
    """The office's comment on a progress report; returns the report's task id."""
    check_office(actor, "对进展报告提出意见")
    p = session.get(WpProgress, progress_id)
    if p is None:
        raise WorkplanNotFound(f"进展报告不存在：{progress_id}")
    task, _ = task_access(session, actor, p.task_id)
    comment_progress(session, progress_id, comment, actor=actor.username)
    return task.id


def record_meeting(
    session: Session,
    actor: Actor,
    region: str,
    *,
    title: str,
    held_on: date,
    place: str,
    chair: str,
    attendees: list[str],
    topics: list[str],
    decisions: list[str],
    actions: Sequence[ActionSpec],
) -> int:
    """Record a dispatch meeting with its decisions and follow-up actions (office only); returns its id."""
    check_office(actor, "安排调度会议")
    check_region(actor, region)
    m = create_meeting(
        session,
        region,
        title=title,
        held_on=held_on,
        actor=actor.username,
        place=place,
        chair=chair,
        attendees=attendees,
        topics=topics,
        decisions=decisions,
        actions=list(actions),
    )
    return m.id


def update_tracked_item(
    session: Session,
    actor: Actor,
    kind: str,
    item_id: int,
    *,
    status: str,
    done_on: date | None,
    note: str | None,
    today: date,
) -> str:
    """Mark a milestone, action or checklist entry done (its unit or the office), or cancel/reopen it
    (office); a completion date defaults to ``today`` and may not be later. Returns the item's region."""
    row = item_row(session, kind, item_id)
    check_item_update(actor, row, status)
    day = done_on or (today if status == "done" else None)
    if day is not None and day > today:
        raise WorkplanError(f"完成日期 {day.isoformat()} 晚于今天，不能预先标记完成")
    update_item(session, kind, item_id, actor=actor.username, status=status, done_on=day, note=note)
    return str(row.region_code)


def route_supervision_report(
    session: Session, actor: Actor, report_id: int, unit_id: int, *, public_note: str, internal_note: str
) -> str:
    """The office routes a supervision report to a unit; returns the report's region."""
    check_office(actor, "转交群众监督举报")
    rep = supervision_report(session, actor, report_id)
    route_report(
        session,
        report_id,
        unit_id,
        actor=actor.username,
        public_note=public_note,
        internal_note=internal_note,
    )
    return rep.region_code


def handle_report(
    session: Session, actor: Actor, report_id: int, status: str, *, public_note: str, internal_note: str
) -> str:
    """The office, or the unit the report was routed to, moves it on; returns the report's region."""
    check_report_handler(actor)
    rep = supervision_report(session, actor, report_id, unit_may="办理")
    update_report(
        session,
        report_id,
        status,
        actor=actor.username,
        actor_unit_id=actor.unit_id if actor.is_unit else None,
        public_note=public_note,
        internal_note=internal_note,
    )
    return rep.region_code


def report_photo(
    session: Session, actor: Actor, files_dir: Path, report_id: int, evidence_id: int
) -> tuple[Path, str, str | None]:
    """A photo of a supervision report (path, original name, content type), for whoever may see the
    report: the office and the read roles of its region, and the unit it was routed to (report photos
    belong to no unit, so the evidence download of the data-entry pages would refuse that unit)."""
    supervision_report(session, actor, report_id, unit_may="查看照片", missing=NotFoundError)
    linked = session.scalars(
        select(WpAttachment.id).where(
            WpAttachment.entity == "report",
            WpAttachment.entity_id == report_id,
            WpAttachment.evidence_id == evidence_id,
        )
    ).first()
    ev = session.get(Evidence, evidence_id) if linked is not None else None
    if ev is None:
        raise NotFoundError(f"监督举报 #{report_id} 没有照片 {evidence_id}")
    path = blob_path(files_dir, ev.sha256)
    if not path.exists():
        raise NotFoundError(f"照片 {evidence_id} 的文件不在存储中")
    return path, ev.filename, ev.content_type


def save_public_settings(session: Session, actor: Actor, region: str, changes: PublicSettings) -> None:
    """Change what the region's public page shows (office only)."""
    check_office(actor, "管理公开页面")
    check_region(actor, region)
    set_settings(session, region, changes, actor=actor.username)


def start_survey(session: Session, actor: Actor, region: str, year: int) -> None:
    """Open the satisfaction survey of ``year``; the public page links to it if it links to none yet."""
    check_office(actor, "发起问卷")
    check_region(actor, region)
    sv = open_survey(session, region, year, actor=actor.username)
    if get_settings(session, region)["survey_id"] is None:
        set_settings(session, region, {"survey_id": sv.id}, actor=actor.username)


def act_on_survey(session: Session, actor: Actor, survey_id: int, action: str) -> tuple[str, str]:
    """``close`` the survey or ``record`` its result as indicator 17 (pending review); returns the
    region and the message for the user (with a warning when the survey's year is outside the round)."""
    check_office(actor, "管理问卷")
    sv = get_survey(session, survey_id)
    check_region(actor, sv.region_code)
    region = sv.region_code
    if action == "close":
        close_survey(session, survey_id, actor=actor.username)
        return region, "问卷已结束"
    if action != "record":
        raise WorkplanError(f"未知操作：{action}")
    subs = record_indicator(session, survey_id, actor=actor.username)
    valid = next(x.value for x in subs if x.item_code == "survey_valid")
    msg = f"已记录指标17：有效样本 {valid:g} 份（待审核）"
    rnd = current_round(session, region)
    if rnd is not None and not rnd.start_year <= sv.year <= rnd.end_year:
        msg += (
            f"。注意：问卷年度 {sv.year} 不在当前评估批次（{rnd.start_year}—{rnd.end_year}年）内，"
            "该值不会出现在审核列表和两山指数中"
        )
    return region, msg


def export_survey(session: Session, actor: Actor, survey_id: int) -> tuple[bytes, int]:
    """The survey's raw answers as CSV (office only) and the survey's year."""
    check_office(actor, "导出问卷原始数据")
    sv = get_survey(session, survey_id)
    check_region(actor, sv.region_code)
    return export_csv(session, survey_id), sv.year


def export_checklist_bundle(
    session: Session, actor: Actor, region: str, files_dir: Path, out: Path, today: date
) -> None:
    """Write the 申报 materials bundle (checklist and evidence files) of ``region`` to ``out`` (office)."""
    from liangshan.workplan.bundle import export_bundle

    check_office(actor, "导出申报资料包")
    check_region(actor, region)
    export_bundle(session, region, files_dir, out, as_of=today, values_evidence=True)
