"""Read-side queries shared by the HTML pages and the JSON API (the UI and the API use the same ones)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from liangshan import localtime
from liangshan.catalog.models import Catalog, DataElement
from liangshan.services.permissions import (
    ACTION_LABELS,
    COMMENT_ROLES,
    REVIEW_ROLES,
    STATUS_LABELS,
    Actor,
    edit_denial,
    resolve_item,
)
from liangshan.store.db import utc_seconds
from liangshan.store.models import (
    AssessmentRound,
    AuditLog,
    Evidence,
    Review,
    Submission,
    SubmissionEvidence,
    Unit,
)

SUBMITTED = ("submitted", "reopened", "approved")

# the history also shows what no user chooses: a superseded version, a value merged from a bundle
HISTORY_LABELS = {**ACTION_LABELS, "supersede": "被新版本取代", "import": "数据包导入（上级汇总）"}


def current_round(session: Session, region: str) -> AssessmentRound | None:
    """The region's newest open round, else its newest round (closed), else None."""
    rounds = session.scalars(
        select(AssessmentRound)
        .where(AssessmentRound.region_code == region)
        .order_by(AssessmentRound.end_year.desc(), AssessmentRound.id.desc())
    ).all()
    return next((r for r in rounds if r.state == "open"), rounds[0] if rounds else None)


def round_years(rnd: AssessmentRound | None) -> list[int]:
    return list(range(rnd.start_year, rnd.end_year + 1)) if rnd else []


def round_denial(rnd: AssessmentRound | None, region: str, year: int) -> str | None:
    """Why no value may be entered for ``year`` in this round (None = open and inside)."""
    if rnd is None:
        return f"地区 {region} 没有评估批次，暂不能填报"
    if rnd.state != "open":
        return f"评估批次“{rnd.name}”已关闭（截止日期 {rnd.deadline or '未设'}），不能再填报或修改"
    if not rnd.start_year <= year <= rnd.end_year:
        return f"{year}年不在评估批次“{rnd.name}”的年份 {rnd.start_year}—{rnd.end_year} 内"
    return None


def is_overdue(rnd: AssessmentRound | None, status: str | None, today: date | None = None) -> bool:
    if rnd is None or not rnd.deadline or status in SUBMITTED:
        return False
    return (today or localtime.today()).isoformat() > rnd.deadline


def latest_map(
    session: Session, region: str, years: Sequence[int], items: Iterable[str] | None = None
) -> dict[tuple[str, int], Submission]:
    """The newest version of every item-year of ``region`` in ``years`` (one query)."""
    inner = select(Submission.item_code, Submission.year, func.max(Submission.version).label("v")).where(
        Submission.region_code == region, Submission.year.in_(list(years))
    )
    item_list = list(items) if items is not None else None
    if item_list is not None:
        inner = inner.where(Submission.item_code.in_(item_list))
    sq = inner.group_by(Submission.item_code, Submission.year).subquery()
    q = select(Submission).join(
        sq,
        and_(
            Submission.region_code == region,
            Submission.item_code == sq.c.item_code,
            Submission.year == sq.c.year,
            Submission.version == sq.c.v,
        ),
    )
    return {(s.item_code, s.year): s for s in session.scalars(q)}


def evidence_of(session: Session, submission_ids: Iterable[int]) -> dict[int, list[Evidence]]:
    ids = list(submission_ids)
    out: dict[int, list[Evidence]] = {i: [] for i in ids}
    if not ids:
        return out
    rows = session.execute(
        select(SubmissionEvidence.submission_id, Evidence)
        .join(Evidence, Evidence.id == SubmissionEvidence.evidence_id)
        .where(SubmissionEvidence.submission_id.in_(ids))
        .order_by(Evidence.id)
    ).all()
    for sid, ev in rows:
        out[sid].append(ev)
    return out


def fmt_value(sub: Submission | None) -> str:
    if sub is None:
        return ""
    if sub.value_bool is not None:
        return "是" if sub.value_bool else "否"
    return plain_number(sub.value_num)


def plain_number(v: float | None) -> str:
    """A number as typed: no exponent, no thousands separators (so it can be edited and re-parsed)."""
    if v is None:
        return ""
    if float(v).is_integer() and abs(v) < 1e16:
        return str(int(v))
    return repr(float(v))


def evidence_dict(ev: Evidence) -> dict[str, Any]:
    return {
        "id": ev.id,
        "filename": ev.filename,
        "content_type": ev.content_type,
        "size": ev.size,
        "sha256": ev.sha256,
        "uploaded_by": ev.uploaded_by,
        "uploaded_at": utc_seconds(ev.uploaded_at) if ev.uploaded_at else None,
    }


def submission_dict(sub: Submission, evidence: Sequence[Evidence] = ()) -> dict[str, Any]:
    return {
        "id": sub.id,
        "region": sub.region_code,
        "item": sub.item_code,
        "year": sub.year,
        "version": sub.version,
        "value": sub.value,
        "value_text": fmt_value(sub),
        "unit": sub.value_unit,
        "note": sub.note,
        "status": sub.status,
        "status_label": STATUS_LABELS.get(sub.status, sub.status),
        "provenance": sub.provenance,
        "created_by": sub.created_by,
        "created_at": utc_seconds(sub.created_at) if sub.created_at else None,
        "evidence": [evidence_dict(e) for e in evidence],
    }


def actions_for(
    actor: Actor,
    catalog: Catalog,
    region: str,
    item: str,
    year: int,
    sub: Submission | None,
    rnd: AssessmentRound | None,
) -> dict[str, Any]:
    """The actions the user may take on an item-year now, and why the others are refused."""
    why: dict[str, str] = {}
    edit = edit_denial(actor, catalog, region, item) or round_denial(rnd, region, year)
    if edit is None and sub is not None and sub.status == "approved":
        edit = f"第 {sub.version} 版已审核通过并锁定；如需修改，须由领导小组办公室说明理由重新打开"
    for a in ("save", "submit"):
        if edit:
            why[a] = edit
    status = sub.status if sub else None
    if actor.role not in REVIEW_ROLES:
        reason = f"只有领导小组办公室可以审核；您的角色是{actor.role_label}"
        why.update({"approve": reason, "return": reason, "reopen": reason})
    else:
        label = STATUS_LABELS.get(status, str(status))
        if status not in ("submitted", "reopened"):
            why["approve"] = why["return"] = f"当前状态为“{label}”，没有待审核的版本"
        if status != "approved":
            why["reopen"] = f"当前状态为“{label}”，只有已审核通过的数据需要重新打开"
    if actor.role not in COMMENT_ROLES:
        why["comment"] = f"只有领导小组办公室和评审专家可以评论；您的角色是{actor.role_label}"
    elif sub is None:
        why["comment"] = "尚未填报，无可评论的版本"
    allowed = [a for a in ACTION_LABELS if a not in why]
    return {"allowed": allowed, "why_not": why}


def unit_elements(session: Session, catalog: Catalog, region: str) -> list[tuple[Unit, list[DataElement]]]:
    """Each unit of the region with the data elements it supplies (units supplying none left out)."""
    out = []
    units = session.scalars(select(Unit).where(Unit.region_code == region).order_by(Unit.sort, Unit.id))
    for u in units:
        names = {u.name, *(u.aliases or [])}
        els = [e for e in catalog.data_elements if names.intersection(e.suppliers)]
        if els:
            out.append((u, els))
    return out


def worklist(
    session: Session,
    catalog: Catalog,
    actor: Actor,
    region: str,
    elements: Sequence[DataElement],
    today: date | None = None,
) -> dict[str, Any]:
    """The entry list: each element with its years (status, value, version, due date, actions)."""
    rnd = current_round(session, region)
    years = round_years(rnd)
    latest = latest_map(session, region, years, [e.code for e in elements])
    ev = evidence_of(session, [s.id for s in latest.values()])
    rows = []
    for e in elements:
        cells = []
        for y in years:
            sub = latest.get((e.code, y))
            status = sub.status if sub else None
            cells.append(
                {
                    "year": y,
                    "status": status,
                    "status_label": STATUS_LABELS.get(status, str(status)),
                    "version": sub.version if sub else 0,
                    "submission_id": sub.id if sub else None,
                    "value_text": fmt_value(sub),
                    "evidence_count": len(ev.get(sub.id, [])) if sub else 0,
                    "overdue": is_overdue(rnd, status, today),
                    "actions": actions_for(actor, catalog, region, e.code, y, sub, rnd)["allowed"],
                }
            )
        rows.append(
            {
                "code": e.code,
                "name": e.name,
                "unit": e.unit,
                "kind": e.kind,
                "suppliers": list(e.suppliers),
                "indicators": [f"{i.id} {i.name}" for i in catalog.indicators_using(e.code)],
                "years": cells,
            }
        )
    return {
        "region": region,
        "round": round_dict(rnd),
        "years": years,
        "items": rows,
    }


def round_dict(rnd: AssessmentRound | None) -> dict[str, Any] | None:
    if rnd is None:
        return None
    return {
        "id": rnd.id,
        "name": rnd.name,
        "start_year": rnd.start_year,
        "end_year": rnd.end_year,
        "deadline": rnd.deadline,
        "state": rnd.state,
    }


def item_detail(
    session: Session, catalog: Catalog, actor: Actor, region: str, item: str, year: int
) -> dict[str, Any]:
    """Every version of an item-year with its evidence, reviews and comments, and the allowed actions."""
    el, ind = resolve_item(catalog, item)
    rnd = current_round(session, region)
    versions = list(
        session.scalars(
            select(Submission)
            .where(Submission.region_code == region, Submission.item_code == item, Submission.year == year)
            .order_by(Submission.version)
        )
    )
    ids = [v.id for v in versions]
    ev = evidence_of(session, ids)
    events: list[dict[str, Any]] = []
    if ids:
        for r in session.scalars(select(Review).where(Review.submission_id.in_(ids)).order_by(Review.id)):
            events.append(
                {
                    "at": utc_seconds(r.at),
                    "who": r.actor,
                    "action": r.action,
                    "action_label": HISTORY_LABELS.get(r.action, r.action),
                    "from": STATUS_LABELS.get(r.from_status, r.from_status),
                    "to": STATUS_LABELS.get(r.to_status, r.to_status),
                    "reason": r.reason,
                    "submission_id": r.submission_id,
                    "_id": (0, r.id),
                }
            )
        for a in session.scalars(
            select(AuditLog)
            .where(
                AuditLog.entity == "submission",
                AuditLog.action.in_(["comment", "submit"]),
                AuditLog.entity_id.in_([str(i) for i in ids]),
            )
            .order_by(AuditLog.id)
        ):
            label = "评论" if a.action == "comment" else "保存新版本"
            after = a.after or {}
            events.append(
                {
                    "at": utc_seconds(a.at),
                    "who": a.actor,
                    "action": a.action,
                    "action_label": label,
                    "from": "",
                    "to": STATUS_LABELS.get(after.get("status"), "") if a.action == "submit" else "",
                    "reason": a.detail,
                    "submission_id": int(a.entity_id),
                    "_id": (1, a.id),
                }
            )
    events.sort(key=lambda e: (e["at"], e["_id"]))
    for e in events:
        del e["_id"]
    cur = versions[-1] if versions else None
    if el is not None:
        name, unit, kind, suppliers = el.name, el.unit, el.kind, list(el.suppliers)
        inds = catalog.indicators_using(el.code)
    else:
        assert ind is not None
        name, unit, suppliers, inds = ind.name, ind.unit, list(ind.responsible_units), [ind]
        kind = "boolean" if ind.target.rule == "established" else "number"
    return {
        "region": region,
        "item": item,
        "name": name,
        "unit": unit,
        "kind": kind,
        "suppliers": suppliers,
        "indicators": [{"id": i.id, "name": i.name} for i in inds],
        "year": year,
        "round": round_dict(rnd),
        "current": submission_dict(cur, ev.get(cur.id, [])) if cur else None,
        "versions": [submission_dict(v, ev.get(v.id, [])) for v in versions],
        "events": events,
        "actions": actions_for(actor, catalog, region, item, year, cur, rnd),
    }


def review_queue(
    session: Session, catalog: Catalog, region: str, statuses: Sequence[str], unit: Unit | None = None
) -> list[dict[str, Any]]:
    """Newest versions in ``statuses`` (oldest first), optionally only a unit's elements."""
    rnd = current_round(session, region)
    years = round_years(rnd)
    items = None
    if unit is not None:
        names = {unit.name, *(unit.aliases or [])}
        items = [e.code for e in catalog.data_elements if names.intersection(e.suppliers)]
    latest = latest_map(session, region, years, items)
    subs = sorted((s for s in latest.values() if s.status in statuses), key=lambda s: (s.created_at, s.id))
    ev = evidence_of(session, [s.id for s in subs])
    out = []
    for s in subs:
        el, ind = resolve_item(catalog, s.item_code)
        d = submission_dict(s, ev.get(s.id, []))
        d["name"] = el.name if el else ind.name  # type: ignore[union-attr]
        d["suppliers"] = list(el.suppliers) if el else list(ind.responsible_units)  # type: ignore[union-attr]
        out.append(d)
    return out


def review_list(
    session: Session, catalog: Catalog, region: str, statuses: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """The newest version of every item-year of ``region`` (optionally only in ``statuses``), newest
    activity first: the later of the version's creation and its last review action."""
    newest: dict[tuple[str, int], Submission] = {}
    q = select(Submission).where(Submission.region_code == region).order_by(Submission.version)
    for sub in session.scalars(q):
        newest[(sub.item_code, sub.year)] = sub
    subs = [s for s in newest.values() if statuses is None or s.status in statuses]
    last: dict[int, Any] = dict(
        session.execute(
            select(Review.submission_id, func.max(Review.at))
            .where(Review.submission_id.in_([s.id for s in subs]))
            .group_by(Review.submission_id)
        )
        .tuples()
        .all()
    )
    rows: list[tuple[tuple[Any, int], dict[str, Any]]] = []
    for s in subs:
        at = max(x for x in (s.created_at, last.get(s.id)) if x is not None)
        try:
            el, ind = resolve_item(catalog, s.item_code)
            name = el.name if el else ind.name  # type: ignore[union-attr]
        except KeyError:
            name = s.item_code
        rows.append(
            (
                (_naive(at), s.id),
                {
                    "region": s.region_code,
                    "item": s.item_code,
                    "item_name": name,
                    "year": s.year,
                    "version": s.version,
                    "value": s.value,
                    "status": s.status,
                    "status_label": STATUS_LABELS.get(s.status, s.status),
                    "submitted_by": s.created_by,
                    "at": utc_seconds(at),
                },
            )
        )
    rows.sort(key=lambda r: r[0], reverse=True)
    return [r for _k, r in rows]


def _naive(at: Any) -> Any:
    """Compare timestamps from SQLite (naive UTC) and PostgreSQL (aware, in the session's zone) alike, as
    naive UTC."""
    return at.astimezone(UTC).replace(tzinfo=None) if getattr(at, "tzinfo", None) is not None else at
