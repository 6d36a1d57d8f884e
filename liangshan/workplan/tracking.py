"""Tracked items (milestones, follow-up actions, checklist items, routed supervision reports and data
still to be submitted), their state on any date, progress reports, meetings, and the daily digest.

The state of an item on a date ``d`` is a pure function of (due, status, done_on, d), so the same
database answers “what was overdue on 1 July?” and “what is overdue today?”:

- ``cancelled``: cancelled;
- ``done`` / ``done_late``: done on or before ``d`` (late when done after the due date);
- an item done after ``d`` counts as still open on ``d``;
- ``overdue``: open and ``d`` is after the due date (the due day itself is not overdue);
- ``due_soon``: open and due within ``horizon_days`` days from ``d`` (0 = due today);
- ``open`` (due later) or ``no_due`` (no due date set).

A follow-up action *about data* (督办事项 whose text contains :data:`DATA_ACTION_MARK`) closes itself once
its unit's data are approved (:func:`data_closure`): every element-year the unit is expected to supply in
the region's rounds whose deadline falls in the action's year (its due date's, else the day's). It is then
done on the day of the last approval. The item list and the annual unit assessment
(:mod:`liangshan.workplan.scoring`) apply this one rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liangshan import localtime
from liangshan.catalog import Catalog, load_catalog
from liangshan.store.db import now
from liangshan.store.models import AssessmentRound, Evidence, Submission, Unit
from liangshan.store.models_workplan import (
    WpAction,
    WpAttachment,
    WpChecklistItem,
    WpDecision,
    WpMeeting,
    WpMilestone,
    WpPhase,
    WpProgress,
    WpReport,
    WpTask,
    WpTaskUnit,
)
from liangshan.store.submissions import audit
from liangshan.workplan.errors import WorkplanError, WorkplanNotFound

STATES = ("overdue", "due_soon", "open", "no_due", "done", "done_late", "cancelled")
STATE_LABELS = {
    "overdue": "已逾期",
    "due_soon": "即将到期",
    "open": "进行中",
    "no_due": "未定期限",
    "done": "已完成",
    "done_late": "逾期完成",
    "cancelled": "已取消",
}
KIND_LABELS = {
    "milestone": "阶段节点",
    "action": "督办事项",
    "checklist": "资料清单",
    "report": "群众监督",
    "submission": "数据填报",
}
ITEM_STATUSES = ("open", "done", "cancelled")
DEFAULT_HORIZON_DAYS = 7
#: Days a unit has to answer a supervision report routed to it (a choice; the seed sets none).
DEFAULT_REPORT_DAYS = 15
DATA_ACTION_MARK = "数据"  # a follow-up action whose text contains this is about the unit's data


def item_state(
    due: date | None, status: str, done_on: date | None, as_of: date, horizon_days: int = DEFAULT_HORIZON_DAYS
) -> str:
    """State of a tracked item on ``as_of`` (see the module docstring).

    Parameters
    ----------
    due : date or None
        Due date (inclusive: the item is on time when done on that day).
    status : str
        ``open``, ``done`` or ``cancelled``.
    done_on : date or None
        Day it was done (``status == "done"``).
    as_of : date
        Day the state is evaluated for.
    horizon_days : int
        Days ahead (inclusive) in which an open item counts as ``due_soon``.

    Returns
    -------
    str
        One of :data:`STATES`.
    """
    if status == "cancelled":
        return "cancelled"
    if status == "done" and done_on is not None and done_on <= as_of:
        return "done_late" if due is not None and done_on > due else "done"
    if due is None:
        return "no_due"
    if as_of > due:
        return "overdue"
    if (due - as_of).days <= horizon_days:
        return "due_soon"
    return "open"


@dataclass(frozen=True)
class TrackedItem:
    kind: str  # milestone | action | checklist | report | submission
    id: int | str
    title: str
    unit_id: int | None
    unit: str | None
    due: date | None
    status: str
    done_on: date | None
    state: str
    source: str = ""

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["due"] = self.due.isoformat() if self.due else None
        d["done_on"] = self.done_on.isoformat() if self.done_on else None
        d["kind_label"] = KIND_LABELS[self.kind]
        d["state_label"] = STATE_LABELS[self.state]
        return d


def is_data_action(title: str) -> bool:
    """Whether a follow-up action is about its unit's data (its text contains :data:`DATA_ACTION_MARK`)."""
    return DATA_ACTION_MARK in title


def data_closure(
    session: Session, catalog: Catalog, region: str, year: int, today: date | None = None
) -> dict[int, date | None]:
    """Per unit of ``region``: the day its data were all approved, or None while any is not.

    "All" is every element-year the unit is expected to supply (every supplying unit,
    :func:`liangshan.services.assessment.unit_completeness`) in the region's rounds whose deadline falls
    in ``year``; with no such round, or nothing to supply, there is nothing to close (None). The day is
    that of the last approval of those element-years (the review record; the version's own date when the
    value was stored approved)."""
    from liangshan.services.assessment import unit_completeness
    from liangshan.store.models import Review

    rounds = [
        r
        for r in session.scalars(select(AssessmentRound).where(AssessmentRound.region_code == region))
        if r.deadline and date.fromisoformat(str(r.deadline)).year == year
    ]
    complete: dict[int, bool] = {}
    expected: dict[int, set[tuple[str, int]]] = {}
    for r in rounds:
        for up in unit_completeness(session, catalog, region, r, today=today).units:
            if up.unit_id is None:
                continue
            c = up.counts()
            complete[up.unit_id] = complete.get(up.unit_id, True) and c["approved"] == c["expected"]
            keys = expected.setdefault(up.unit_id, set())
            keys.update((it.code, cell.year) for it in up.items for cell in it.years)
    out: dict[int, date | None] = {}
    for uid, ok in complete.items():
        keys = expected.get(uid, set())
        if not ok or not keys:
            out[uid] = None
            continue
        codes, years = sorted({k[0] for k in keys}), sorted({k[1] for k in keys})
        last: date | None = None
        subs = session.execute(
            select(Submission.id, Submission.item_code, Submission.year, Submission.created_at).where(
                Submission.region_code == region,
                Submission.item_code.in_(codes),
                Submission.year.in_(years),
                Submission.status.in_(["approved", "reopened"]),
            )
        ).all()
        mine = [(sid, created) for sid, code, y, created in subs if (code, y) in keys]
        approved_at = dict(
            session.execute(
                select(Review.submission_id, Review.at).where(
                    Review.submission_id.in_([sid for sid, _ in mine]), Review.action == "approve"
                )
            ).all()
        )
        for sid, created in mine:
            day = (approved_at.get(sid) or created).date()
            last = day if last is None or day > last else last
        out[uid] = last
    return out


def _unit_names(session: Session, region: str) -> dict[int, str]:
    return dict(session.execute(select(Unit.id, Unit.name).where(Unit.region_code == region)).all())


def tracked_items(
    session: Session,
    region: str,
    as_of: date,
    *,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    report_days: int = DEFAULT_REPORT_DAYS,
    catalog: Catalog | None = None,
    include_submissions: bool = True,
) -> list[TrackedItem]:
    """Every tracked item of a region with its state on ``as_of``.

    Parameters
    ----------
    session : Session
    region : str
        Region code.
    as_of : date
        Day the states are evaluated for.
    horizon_days : int
        Days ahead counted as ``due_soon``.
    report_days : int
        Days a unit has to close a supervision report routed to it (due = routed day + report_days).
    catalog : Catalog, optional
        For the data elements each unit supplies.
    include_submissions : bool
        Add one item per data element × year of each open round with a deadline that the supplying
        unit has not submitted yet (due = the round's deadline).
    """
    names = _unit_names(session, region)
    out: list[TrackedItem] = []

    def add(
        kind: str,
        ident: int | str,
        title: str,
        unit_id: int | None,
        due: date | None,
        status: str,
        done_on: date | None,
        source: str = "",
    ) -> None:
        out.append(
            TrackedItem(
                kind,
                ident,
                title,
                unit_id,
                names.get(unit_id) if unit_id else None,
                due,
                status,
                done_on,
                item_state(due, status, done_on, as_of, horizon_days),
                source,
            )
        )

    q_ms = (
        select(WpMilestone, WpPhase.name)
        .join(WpPhase, WpPhase.id == WpMilestone.phase_id)
        .where(WpMilestone.region_code == region)
        .order_by(WpPhase.seq, WpMilestone.seq)
    )
    for m, phase in session.execute(q_ms):
        add("milestone", m.id, f"{phase}：{m.title}", m.owner_unit_id, m.due, m.status, m.done_on, phase)
    q_act = select(WpAction).where(WpAction.region_code == region).order_by(WpAction.id)
    closures: dict[int, dict[int, date | None]] = {}
    for a in session.scalars(q_act):
        src = f"调度会议 #{a.meeting_id}" if a.meeting_id else ""
        status, done_on = a.status, a.done_on
        if status == "open" and a.owner_unit_id is not None and is_data_action(a.title):
            year = (a.due or as_of).year
            if year not in closures:
                closures[year] = data_closure(session, catalog or load_catalog(), region, year, as_of)
            closed_on = closures[year].get(a.owner_unit_id)
            if closed_on is not None and closed_on <= as_of:  # closed by its data (module docstring)
                status, done_on = "done", closed_on
        add("action", a.id, a.title, a.owner_unit_id, a.due, status, done_on, src)
    q_ck = select(WpChecklistItem).where(WpChecklistItem.region_code == region).order_by(WpChecklistItem.seq)
    for c in session.scalars(q_ck):
        add(
            "checklist",
            c.id,
            f"{c.category}：{c.title}",
            c.owner_unit_id,
            c.due,
            c.status,
            c.done_on,
            c.source,
        )
    q_rep = select(WpReport).where(WpReport.region_code == region, WpReport.unit_id.is_not(None))
    for r in session.scalars(q_rep.order_by(WpReport.id)):
        due = r.routed_on + timedelta(days=report_days) if r.routed_on else None
        closed = r.status in ("resolved", "rejected")
        done_on = _report_closed_on(session, r.id) if closed else None
        status = "done" if closed else "open"
        add(
            "report", r.id, f"群众监督 #{r.id}（{r.category}）：{r.location}", r.unit_id, due, status, done_on
        )
    if include_submissions:
        out.extend(
            _missing_submissions(session, region, as_of, horizon_days, catalog or load_catalog(), names)
        )
    return out


def _report_closed_on(session: Session, report_id: int) -> date | None:
    from liangshan.store.models_workplan import WpReportEvent

    ev = session.scalars(
        select(WpReportEvent)
        .where(WpReportEvent.report_id == report_id, WpReportEvent.status.in_(["resolved", "rejected"]))
        .order_by(WpReportEvent.at.desc())
    ).first()
    return localtime.beijing_day(ev.at) if ev else None


def _missing_submissions(
    session: Session, region: str, as_of: date, horizon_days: int, catalog: Catalog, names: dict[int, str]
) -> list[TrackedItem]:
    rounds = session.scalars(
        select(AssessmentRound).where(
            AssessmentRound.region_code == region,
            AssessmentRound.state == "open",
            AssessmentRound.deadline.is_not(None),
        )
    ).all()
    if not rounds:
        return []
    units = session.scalars(select(Unit).where(Unit.region_code == region)).all()
    by_name: dict[str, int] = {}
    for u in units:
        for n in [u.name, *(u.aliases or [])]:
            by_name.setdefault(n, u.id)
    out = []
    for rnd in rounds:
        years = list(range(rnd.start_year, rnd.end_year + 1))
        due = date.fromisoformat(str(rnd.deadline))
        rows = session.execute(
            select(Submission.item_code, Submission.year, Submission.created_at).where(
                Submission.region_code == region,
                Submission.year.in_(years),
                Submission.status != "draft",
            )
        )
        first: dict[tuple[str, int], date] = {}
        for code, year, created in rows:
            d = created.date()
            if (code, year) not in first or d < first[(code, year)]:
                first[(code, year)] = d
        for el in catalog.data_elements:
            uid = next((by_name[s] for s in el.suppliers if s in by_name), None)
            if uid is None:
                continue
            for y in years:
                done_on = first.get((el.code, y))
                status = "done" if done_on is not None else "open"
                state = item_state(due, status, done_on, as_of, horizon_days)
                if state in ("done", "done_late"):
                    continue
                out.append(
                    TrackedItem(
                        "submission",
                        f"{el.code}:{y}",
                        f"{rnd.name}：{el.name}（{y}年）",
                        uid,
                        names.get(uid),
                        due,
                        status,
                        done_on,
                        state,
                        rnd.name,
                    )
                )
    return out


def digest(
    session: Session,
    region: str,
    on: date,
    *,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    report_days: int = DEFAULT_REPORT_DAYS,
    unit_id: int | None = None,
    catalog: Catalog | None = None,
) -> list[dict[str, Any]]:
    """Daily digest per unit: its overdue items and the items due within ``horizon_days`` of ``on``.

    Returns a list (units in profile order, only units with something to do) of
    ``{"unit", "unit_id", "overdue": [...], "due_soon": [...]}``, items sorted by due date.
    """
    items = tracked_items(
        session, region, on, horizon_days=horizon_days, report_days=report_days, catalog=catalog
    )
    order = {u.id: (u.sort, u.id) for u in session.scalars(select(Unit).where(Unit.region_code == region))}
    per: dict[int, dict[str, Any]] = {}
    for it in items:
        if it.unit_id is None or it.state not in ("overdue", "due_soon"):
            continue
        if unit_id is not None and it.unit_id != unit_id:
            continue
        entry = per.setdefault(
            it.unit_id, {"unit": it.unit, "unit_id": it.unit_id, "overdue": [], "due_soon": []}
        )
        entry[it.state].append(it)
    out = []
    for uid in sorted(per, key=lambda k: order.get(k, (0, k))):
        e = per[uid]
        for key in ("overdue", "due_soon"):
            e[key] = [i.as_dict() for i in sorted(e[key], key=lambda i: (i.due or date.max, str(i.id)))]
        out.append(e)
    return out


# ---------------------------------------------------------------------------------- evidence links
def attach(session: Session, entity: str, entity_id: int, evidence_ids: Iterable[int]) -> None:
    for eid in evidence_ids:
        if session.get(Evidence, eid) is None:
            raise WorkplanNotFound(f"佐证材料不存在：{eid}")
        session.add(WpAttachment(entity=entity, entity_id=entity_id, evidence_id=eid))
    session.flush()


def attachments_of(session: Session, entity: str, ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """entity id → its files (evidence id, name, sha256, size)."""
    if not ids:
        return {}
    rows = session.execute(
        select(WpAttachment.entity_id, Evidence)
        .join(Evidence, Evidence.id == WpAttachment.evidence_id)
        .where(WpAttachment.entity == entity, WpAttachment.entity_id.in_(list(ids)))
        .order_by(WpAttachment.id)
    )
    out: dict[int, list[dict[str, Any]]] = {}
    for eid, ev in rows:
        out.setdefault(eid, []).append(
            {"evidence_id": ev.id, "filename": ev.filename, "sha256": ev.sha256, "size": ev.size}
        )
    return out


# ------------------------------------------------------------------------------------ state changes
def _check_status(status: str, done_on: date | None) -> None:
    if status not in ITEM_STATUSES:
        raise WorkplanError(f"状态应为 {'、'.join(ITEM_STATUSES)} 之一，得到 {status!r}")
    if status == "done" and done_on is None:
        raise WorkplanError("标记为完成时须填写完成日期")


def update_item(
    session: Session,
    kind: str,
    item_id: int,
    *,
    actor: str,
    status: str | None = None,
    done_on: date | None = None,
    due: date | None = None,
    clear_due: bool = False,
    note: str | None = None,
    evidence_ids: Sequence[int] = (),
    at: datetime | None = None,
) -> WpMilestone | WpAction | WpChecklistItem:
    """Change the status, completion date, due date or note of a milestone, action or checklist item."""
    models: dict[str, Any] = {
        "milestone": WpMilestone,
        "action": WpAction,
        "checklist": WpChecklistItem,
    }
    model = models.get(kind)
    if model is None:
        raise WorkplanError(f"未知事项类型：{kind}")
    row: WpMilestone | WpAction | WpChecklistItem | None = session.get(model, item_id)
    if row is None:
        raise WorkplanNotFound(f"{KIND_LABELS[kind]}不存在：{item_id}")
    before = {"status": row.status, "due": _iso(row.due), "done_on": _iso(row.done_on)}
    new_status = status or row.status
    new_done = done_on if done_on is not None else (row.done_on if new_status == "done" else None)
    _check_status(new_status, new_done)
    row.status = new_status
    row.done_on = new_done if new_status == "done" else None
    if clear_due:
        row.due = None
    elif due is not None:
        row.due = due
    if note is not None:
        if isinstance(row, WpAction):
            row.result = note
        else:
            row.note = note
    session.flush()
    if evidence_ids:
        attach(session, kind, row.id, evidence_ids)
    after = {"status": row.status, "due": _iso(row.due), "done_on": _iso(row.done_on)}
    audit(session, actor, "update", f"wp_{kind}", row.id, before, after, detail=note or "", at=at)
    return row


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


PROGRESS_TEXT_MAX = 5000


def plan_years(session: Session, region: str) -> tuple[int, int]:
    """The years a progress report of a region's work plan may be dated in: from the year the plan was
    issued (or loaded) to ten years on or the year of its last milestone, whichever is later — and
    never beyond next year (a report is never dated 2099)."""
    from sqlalchemy import func

    from liangshan.store.models_workplan import WpMilestone, WpPlan

    plan = session.scalars(select(WpPlan).where(WpPlan.region_code == region)).first()
    if plan is None:
        return 1900, 2100
    start = (plan.issued_on or localtime.beijing_day(plan.loaded_at)).year
    due = session.scalar(select(func.max(WpMilestone.due)).where(WpMilestone.region_code == region))
    return start, min(max(start + 10, due.year if due else start), now().year + 1)


def add_progress(
    session: Session,
    task_id: int,
    unit_id: int,
    *,
    reported_on: date,
    text: str,
    percent: float,
    actor: str,
    evidence_ids: Sequence[int] = (),
    at: datetime | None = None,
) -> WpProgress:
    """A unit's progress report on a task it is responsible for (the office may report on any task)."""
    task = session.get(WpTask, task_id)
    if task is None:
        raise WorkplanError(f"任务不存在：{task_id}")
    unit = session.get(Unit, unit_id)
    if unit is None or unit.region_code != task.region_code:
        raise WorkplanError(f"单位 {unit_id} 不属于任务所在地区")
    role = session.scalars(
        select(WpTaskUnit.role).where(WpTaskUnit.task_id == task_id, WpTaskUnit.unit_id == unit_id)
    ).first()
    if role is None and unit.kind != "office":
        raise WorkplanError(f"“{unit.name}”不是任务“{task.code} {task.title}”的责任单位，不能报送进展")
    if not text.strip():
        raise WorkplanError("进展说明不能为空")
    if len(text) > PROGRESS_TEXT_MAX:
        raise WorkplanError(f"进展说明不能超过 {PROGRESS_TEXT_MAX} 字（现 {len(text)} 字）")
    if not 0 <= percent <= 100:
        raise WorkplanError(f"完成百分比应在 0–100 之间，得到 {percent}")
    first, last = plan_years(session, task.region_code)
    if not first <= reported_on.year <= last:
        raise WorkplanError(f"报送日期 {reported_on.isoformat()} 不在实施方案的年份内（{first}—{last} 年）")
    ts = at or now()
    p = WpProgress(
        task_id=task_id,
        unit_id=unit_id,
        reported_on=reported_on,
        text=text.strip(),
        percent=float(percent),
        created_by=actor,
        created_at=ts,
    )
    session.add(p)
    session.flush()
    if evidence_ids:
        attach(session, "progress", p.id, evidence_ids)
    audit(
        session,
        actor,
        "report",
        "wp_progress",
        p.id,
        after={"task": task.id, "unit": unit.name, "percent": p.percent, "on": reported_on.isoformat()},
        at=ts,
    )
    return p


def comment_progress(
    session: Session, progress_id: int, comment: str, *, actor: str, at: datetime | None = None
) -> WpProgress:
    """The office's comment on a progress report."""
    p = session.get(WpProgress, progress_id)
    if p is None:
        raise WorkplanError(f"进展报告不存在：{progress_id}")
    if not comment.strip():
        raise WorkplanError("意见不能为空")
    ts = at or now()
    before = {"comment": p.comment}
    p.comment, p.commented_by, p.commented_at = comment.strip(), actor, ts
    session.flush()
    audit(session, actor, "comment", "wp_progress", p.id, before, {"comment": p.comment}, at=ts)
    return p


@dataclass(frozen=True)
class ActionSpec:
    """A follow-up action to create with a meeting: what, which unit (id), by when, for which decision."""

    title: str
    owner_unit_id: int
    due: date | None = None
    decision: int | None = None  # 1-based index into the meeting's decisions
    task_id: int | None = None


def create_meeting(
    session: Session,
    region: str,
    *,
    title: str,
    held_on: date,
    actor: str,
    place: str = "",
    chair: str = "",
    attendees: Sequence[str] = (),
    topics: Sequence[str] = (),
    decisions: Sequence[str] = (),
    actions: Sequence[ActionSpec] = (),
    notes: str = "",
    at: datetime | None = None,
) -> WpMeeting:
    """Record a dispatch meeting with its decisions; each follow-up action becomes a tracked item."""
    if not title.strip():
        raise WorkplanError("会议名称不能为空")
    ts = at or now()
    m = WpMeeting(
        region_code=region,
        title=title.strip(),
        held_on=held_on,
        place=place,
        chair=chair,
        attendees=[a for a in attendees if a.strip()],
        topics=[t for t in topics if t.strip()],
        notes=notes,
        created_by=actor,
        created_at=ts,
    )
    session.add(m)
    session.flush()
    decs = []
    for i, text in enumerate((d for d in decisions if d.strip()), start=1):
        d = WpDecision(meeting_id=m.id, seq=i, text=text.strip())
        session.add(d)
        decs.append(d)
    session.flush()
    for spec in actions:
        dec_id = None
        if spec.decision is not None:
            if not 1 <= spec.decision <= len(decs):
                raise WorkplanError(
                    f"督办事项“{spec.title}”指向第 {spec.decision} 项议定事项，但只有 {len(decs)} 项"
                )
            dec_id = decs[spec.decision - 1].id
        add_action(session, region, spec, actor=actor, meeting_id=m.id, decision_id=dec_id, at=ts)
    audit(
        session,
        actor,
        "create",
        "wp_meeting",
        m.id,
        after={
            "title": m.title,
            "held_on": held_on.isoformat(),
            "decisions": len(decs),
            "actions": len(actions),
        },
        at=ts,
    )
    return m


def add_action(
    session: Session,
    region: str,
    spec: ActionSpec,
    *,
    actor: str,
    meeting_id: int | None = None,
    decision_id: int | None = None,
    at: datetime | None = None,
) -> WpAction:
    """A follow-up action (督办事项) for a unit of the region."""
    unit = session.get(Unit, spec.owner_unit_id)
    if unit is None or unit.region_code != region:
        raise WorkplanError(f"督办事项“{spec.title}”的责任单位 {spec.owner_unit_id} 不属于地区 {region}")
    if not spec.title.strip():
        raise WorkplanError("督办事项内容不能为空")
    ts = at or now()
    a = WpAction(
        region_code=region,
        meeting_id=meeting_id,
        decision_id=decision_id,
        task_id=spec.task_id,
        title=spec.title.strip(),
        owner_unit_id=unit.id,
        due=spec.due,
        created_by=actor,
        created_at=ts,
    )
    session.add(a)
    session.flush()
    audit(
        session,
        actor,
        "create",
        "wp_action",
        a.id,
        after={"title": a.title, "unit": unit.name, "due": _iso(a.due)},
        at=ts,
    )
    return a


def meeting_dict(session: Session, meeting_id: int) -> dict[str, Any]:
    """A meeting with its decisions and follow-up actions (for the minutes and the API)."""
    m = session.get(WpMeeting, meeting_id)
    if m is None:
        raise WorkplanError(f"调度会议不存在：{meeting_id}")
    names = _unit_names(session, m.region_code)
    decs = session.scalars(
        select(WpDecision).where(WpDecision.meeting_id == m.id).order_by(WpDecision.seq)
    ).all()
    seq_of = {d.id: d.seq for d in decs}
    acts = session.scalars(select(WpAction).where(WpAction.meeting_id == m.id).order_by(WpAction.id)).all()
    return {
        "id": m.id,
        "region": m.region_code,
        "title": m.title,
        "held_on": m.held_on.isoformat(),
        "place": m.place,
        "chair": m.chair,
        "attendees": list(m.attendees or []),
        "topics": list(m.topics or []),
        "notes": m.notes,
        "decisions": [{"seq": d.seq, "text": d.text} for d in decs],
        "actions": [
            {
                "id": a.id,
                "title": a.title,
                "unit": names.get(a.owner_unit_id),
                "unit_id": a.owner_unit_id,
                "due": _iso(a.due),
                "status": a.status,
                "done_on": _iso(a.done_on),
                "decision": seq_of.get(a.decision_id) if a.decision_id else None,
            }
            for a in acts
        ],
    }
