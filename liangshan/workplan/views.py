"""What each signed-in work-plan page shows, as JSON-ready data: one function per page.

The HTML page renders the returned dict and its JSON twin under ``/api/workplan/…`` returns the same
dict, so both always agree. Each function takes a session, the actor and what the page was asked for,
checks the actor's right to see it (:mod:`liangshan.workplan.access`) and queries only that region and,
for a unit account, only that unit's rows. Pages: 工作方案与每日提醒, 任务与进展 (四、主要任务), 调度会议
(五、(一) 调度机制), 督办事项, 年度工作目标考核, 群众监督举报 (五、(三)), 公开页面与问卷设置.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liangshan.catalog import Catalog
from liangshan.services.permissions import Actor, check_office, check_region
from liangshan.services.queries import current_round
from liangshan.store.models import Region, Unit
from liangshan.store.models_workplan import WpMeeting, WpProgress, WpSurvey, WpTaskUnit
from liangshan.workplan.access import can_report, check_reports_list, check_scores, own_unit, task_access
from liangshan.workplan.commitments import commitment_rows, plan_years, summarize, summary_year
from liangshan.workplan.plan import plan_dict
from liangshan.workplan.public import get_settings
from liangshan.workplan.scoring import COMPONENT_LABELS, assess_units
from liangshan.workplan.supervision import NEXT_STATUS, STATUS_LABELS, list_reports
from liangshan.workplan.survey import survey_dict
from liangshan.workplan.tracking import digest, meeting_dict, tracked_items

__all__ = [
    "ITEM_ORDER",
    "items_view",
    "meeting_view",
    "meetings_view",
    "overview",
    "plan_view",
    "public_admin_view",
    "reports_view",
    "scores_view",
    "task_view",
    "unit_digest",
    "unit_options",
]

ITEM_ORDER = {"overdue": 0, "due_soon": 1, "open": 2, "no_due": 3, "done_late": 4, "done": 5, "cancelled": 6}
"""Order of the tracked items' states on the items page (most urgent first)."""


def unit_options(session: Session, region: str) -> list[dict[str, Any]]:
    """The region's units (``{"id", "name"}``) in profile order, for the pages' unit pickers."""
    rows = session.execute(
        select(Unit.id, Unit.name).where(Unit.region_code == region).order_by(Unit.sort, Unit.id)
    ).all()
    return [{"id": i, "name": n} for i, n in rows]


def unit_digest(
    session: Session, catalog: Catalog, actor: Actor, region: str, day: date
) -> list[dict[str, Any]]:
    """The daily digest (overdue and due-soon items per unit); a unit account sees only its own unit."""
    check_region(actor, region)
    return digest(session, region, day, unit_id=own_unit(actor), catalog=catalog)


def plan_view(session: Session, actor: Actor, region: str, day: date) -> dict[str, Any]:
    """The work plan of ``region`` with the states of its milestones and tasks as of ``day``."""
    check_region(actor, region)
    return plan_dict(session, region, day)


def overview(session: Session, catalog: Catalog, actor: Actor, region: str, day: date) -> dict[str, Any]:
    """The work-plan home page: the plan as of ``day`` (``data``) and the actor's digest."""
    return {
        "data": plan_view(session, actor, region, day),
        "digest": unit_digest(session, catalog, actor, region, day),
        "region": region,
        "on": day.isoformat(),
    }


def task_view(session: Session, actor: Actor, task_id: int, today: date) -> dict[str, Any]:
    """One task with its units, progress reports and commitments (targets, actuals and states by year,
    and the counts of the year the views count), the actor's role in it and whether it may report."""
    task, role = task_access(session, actor, task_id)
    names = {u["id"]: u["name"] for u in unit_options(session, task.region_code)}
    units = session.execute(
        select(WpTaskUnit.unit_id, WpTaskUnit.role, WpTaskUnit.source_name)
        .where(WpTaskUnit.task_id == task_id)
        .order_by(WpTaskUnit.seq, WpTaskUnit.id)
    ).all()
    reports = session.scalars(
        select(WpProgress)
        .where(WpProgress.task_id == task_id)
        .order_by(WpProgress.reported_on.desc(), WpProgress.id.desc())
    ).all()
    commitments = commitment_rows(session, task.region_code, task_ids=[task.id]).get(task.id, [])
    count_year = summary_year(plan_years(session, task.region_code), today)
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
        "commitments": commitments,
        "commitment_counts": summarize(commitments, count_year) if commitments and count_year else None,
    }
    return {"task": view, "role": role, "can_report": can_report(actor, role), "today": today.isoformat()}


def meetings_view(session: Session, actor: Actor, region: str, today: date) -> dict[str, Any]:
    """The region's dispatch meetings (newest first) and its units (for recording a meeting)."""
    check_region(actor, region)
    rows = session.scalars(
        select(WpMeeting).where(WpMeeting.region_code == region).order_by(WpMeeting.held_on.desc())
    ).all()
    meetings = [
        {"id": m.id, "title": m.title, "held_on": m.held_on.isoformat(), "place": m.place} for m in rows
    ]
    return {"meetings": meetings, "units": unit_options(session, region), "region": region, "today": today}


def meeting_view(session: Session, actor: Actor, meeting_id: int) -> dict[str, Any]:
    """A meeting with its decisions and follow-up actions, and the region's name (for the minutes)."""
    m = meeting_dict(session, meeting_id)
    check_region(actor, m["region"])
    reg = session.get(Region, m["region"])
    m["region_name"] = reg.name if reg else ""
    return m


def items_view(
    session: Session, catalog: Catalog, actor: Actor, region: str, day: date, kind: str | None
) -> dict[str, Any]:
    """The tracked items as of ``day`` (a unit account: its own), most urgent first; ``kind`` filters."""
    check_region(actor, region)
    rows = [
        i.as_dict()
        for i in tracked_items(session, region, day, catalog=catalog)
        if (not actor.is_unit or i.unit_id == actor.unit_id) and (kind is None or i.kind == kind)
    ]
    rows.sort(key=lambda r: (ITEM_ORDER[r["state"]], r["due"] or "9999"))
    return {"rows": rows, "region": region, "on": day.isoformat(), "kind": kind}


def scores_view(
    session: Session, catalog: Catalog, actor: Actor, region: str, year: int, as_of: date | None
) -> dict[str, Any]:
    """The units' ranking of ``year`` as of ``as_of`` (office and leaders only) with the labels."""
    check_region(actor, region)
    check_scores(actor)
    data = assess_units(session, region, year, as_of=as_of, catalog=catalog)
    return {"data": data, "labels": COMPONENT_LABELS, "region": region}


def reports_view(session: Session, actor: Actor, region: str) -> dict[str, Any]:
    """The supervision reports of the region (a unit account: those routed to its unit)."""
    check_region(actor, region)
    check_reports_list(actor)
    return {
        "rows": list_reports(session, region, own_unit(actor)),
        "units": unit_options(session, region),
        "region": region,
        "next_status": NEXT_STATUS,
        "labels": STATUS_LABELS,
    }


def public_admin_view(session: Session, actor: Actor, region: str, today: date) -> dict[str, Any]:
    """The public page's settings and the region's surveys (office only)."""
    check_office(actor, "管理公开页面与问卷")
    check_region(actor, region)
    ids = session.scalars(
        select(WpSurvey.id).where(WpSurvey.region_code == region).order_by(WpSurvey.id.desc())
    ).all()
    rnd = current_round(session, region)
    return {
        "settings": get_settings(session, region),
        "surveys": [survey_dict(session, i) for i in ids],
        "region": region,
        "year": today.year,
        "round_years": (rnd.start_year, rnd.end_year) if rnd is not None else None,
    }
