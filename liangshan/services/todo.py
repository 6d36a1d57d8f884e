"""待办 (what to do next) for every role: the page each user lands on after login.

One function, :func:`todo`, builds the list from the services every other page uses:

- a unit (责任单位): the element-years of the open round it has not submitted yet (of a shared element
  a cooperating unit's part: not contributed yet and the value not approved), with the round's
  deadline (the work plan's 四（三） "落实“两山指数”指标评估": each unit reports its data for every year of
  the round); the items the office returned, each with the office's reason; what is overdue; its
  supervision cases (督办事项: follow-up actions, milestones, checklist items and 群众监督 reports routed
  to it, 五、(一)(三)); upcoming dispatch meetings (调度会议, 五、(一) 定期召开调度会议); the quantified
  commitments it leads (四、主要任务) whose actual value of the judged year is not reported yet or was
  returned, with the office's reason (:func:`liangshan.workplan.commitment_desk.todo_items`);
- the office (领导小组办公室): the submissions waiting for its review, grouped by unit with the days
  the oldest has waited; the units with overdue items;
- a leader, reviewer or analyst: the verdict counts of the 两山指数 self-assessment (approved values
  only), the indicators at risk (未达标 / 数据缺失) and the units with overdue items.

Names, never codes: units by name, people by their unit and role (``people_labels``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liangshan import localtime
from liangshan.catalog import Catalog
from liangshan.services.assessment import assess_region, unit_completeness
from liangshan.services.contributions import CONTRIBUTED, contributed_keys, is_cooperating, status_for_unit
from liangshan.services.permissions import ROLE_LABELS, STATUS_LABELS, Actor, check_region, visible_elements
from liangshan.services.queries import (
    SUBMITTED,
    current_round,
    latest_map,
    review_queue,
    round_dict,
    round_years,
)
from liangshan.store.models import Region, Review, Unit, User
from liangshan.store.models_workplan import WpMeeting
from liangshan.workplan.commitment_desk import todo_items as commitment_todo
from liangshan.workplan.tracking import tracked_items

RISK_VERDICTS = ("未达标", "数据缺失")
OPEN_STATES = ("overdue", "due_soon", "open", "no_due")
MEETING_DAYS = 30  # meetings within this many days count as upcoming


def people_labels(session: Session, usernames: Iterable[str]) -> dict[str, str]:
    """Account name → how a user reads it: the person's unit and role (``财政局（责任单位）``).

    An account without a unit is shown by its display name and role (``领导小组（领导（只读））``);
    a name that is no account (a system job) is kept as it is."""
    names = sorted({n for n in usernames if n})
    if not names:
        return {}
    rows = session.execute(
        select(User.username, User.display_name, User.role, Unit.name)
        .outerjoin(Unit, Unit.id == User.unit_id)
        .where(User.username.in_(names))
    ).all()
    out = {n: n for n in names}
    for username, display, role, unit in rows:
        role_label = ROLE_LABELS.get(role, role)
        if role == "office":
            out[username] = role_label
        else:
            out[username] = f"{unit or display}（{role_label}）"
    return out


def _days(day: date, today: date) -> int:
    return max(0, (today - day).days)


def _deadline(rnd_d: dict[str, Any] | None) -> date | None:
    if rnd_d is None or not rnd_d.get("deadline"):
        return None
    try:
        return date.fromisoformat(str(rnd_d["deadline"]))
    except ValueError:
        return None


def _unit_part(session: Session, catalog: Catalog, actor: Actor, region: str, today: date) -> dict[str, Any]:
    rnd = current_round(session, region)
    open_round = rnd is not None and rnd.state == "open"
    years = round_years(rnd) if open_round else []
    elements = visible_elements(actor, catalog)
    latest = latest_map(session, region, years, [e.code for e in elements]) if years else {}
    done = contributed_keys(session, region, years) if years else set()
    deadline = _deadline(round_dict(rnd)) if open_round else None
    late = deadline is not None and today > deadline
    due: list[dict[str, Any]] = []
    returned: list[dict[str, Any]] = []
    for e in elements:
        for y in sorted(years, reverse=True):
            sub = latest.get((e.code, y))
            contributed = (e.code, y, actor.unit_id) in done
            status = status_for_unit(e, actor.unit_names, sub.status if sub else None, contributed)
            if status in SUBMITTED or status == CONTRIBUTED:
                continue
            row = {
                "item": e.code,
                "name": e.name,
                "year": y,
                "status": status or "none",
                "status_label": "未提交分项数据"
                if status is None and is_cooperating(actor.unit_names, e)
                else STATUS_LABELS.get(status, "未填报"),
                "deadline": deadline.isoformat() if deadline else None,
                "overdue": late,
                "days_left": (deadline - today).days if deadline else None,
            }
            if status == "returned" and sub is not None:
                review = session.scalars(
                    select(Review)
                    .where(Review.submission_id == sub.id, Review.action == "return")
                    .order_by(Review.id.desc())
                ).first()
                row["version"] = sub.version
                row["reason"] = review.reason if review else ""
                row["returned_by"] = review.actor if review else ""
                row["returned_on"] = localtime.beijing_day(review.at).isoformat() if review else None
                returned.append(row)
            else:
                due.append(row)
    who = people_labels(session, [r["returned_by"] for r in returned])
    for r in returned:
        by = r["returned_by"]
        r["returned_by"] = who.get(by, by) if by else ROLE_LABELS["office"]
    cases = []
    if actor.unit_id is not None:
        for it in tracked_items(session, region, today, catalog=catalog, include_submissions=False):
            if it.unit_id == actor.unit_id and it.state in OPEN_STATES:
                d = it.as_dict()
                cases.append(
                    {
                        "kind": d["kind"],
                        "kind_label": d["kind_label"],
                        "title": it.title,
                        "due": d["due"],
                        "state": it.state,
                        "state_label": d["state_label"],
                        "source": it.source,
                    }
                )
        order = {s: i for i, s in enumerate(OPEN_STATES)}
        cases.sort(key=lambda c: (order[c["state"]], c["due"] or "9999"))
    return {
        "due": due,
        "returned": returned,
        "overdue": sum(r["overdue"] for r in due + returned) + sum(c["state"] == "overdue" for c in cases),
        "cases": cases,
    }


def _meetings(session: Session, region: str, today: date) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(WpMeeting)
        .where(
            WpMeeting.region_code == region,
            WpMeeting.held_on >= today,
            WpMeeting.held_on <= today + timedelta(days=MEETING_DAYS),
        )
        .order_by(WpMeeting.held_on, WpMeeting.id)
    ).all()
    return [
        {
            "id": m.id,
            "title": m.title,
            "held_on": m.held_on.isoformat(),
            "place": m.place,
            "days": (m.held_on - today).days,
        }
        for m in rows
    ]


def _overdue_units(session: Session, catalog: Catalog, region: str, today: date) -> list[dict[str, Any]]:
    comp = unit_completeness(session, catalog, region, today=today)
    out: list[dict[str, Any]] = []
    for u in comp.units:
        c = u.counts()
        if c["overdue"]:
            out.append({"unit": u.unit, **{k: c[k] for k in ("overdue", "missing", "returned")}})
    out.sort(key=lambda r: -r["overdue"])
    return out


def _waiting(session: Session, catalog: Catalog, region: str, today: date) -> list[dict[str, Any]]:
    per: dict[str, dict[str, Any]] = {}
    for d in review_queue(session, catalog, region, ("submitted", "reopened")):
        unit = d["suppliers"][0] if d["suppliers"] else "未指定单位"
        days = _days(localtime.beijing_day(d["created_at"]), today)
        entry = per.setdefault(unit, {"unit": unit, "count": 0, "oldest_days": 0, "items": []})
        entry["count"] += 1
        entry["oldest_days"] = max(entry["oldest_days"], days)
        entry["items"].append({"item": d["item"], "name": d["name"], "year": d["year"], "days": days})
    return sorted(per.values(), key=lambda e: (-e["oldest_days"], e["unit"]))


def _summary(session: Session, catalog: Catalog, region: str) -> dict[str, Any]:
    rnd = current_round(session, region)
    years = round_years(rnd)
    if not years:
        return {"counts": {}, "risks": []}
    result = assess_region(session, catalog, region, years)
    risks = [
        {"id": r.indicator.id, "name": r.indicator.name, "verdict": r.verdict, "reason": r.judgement.reason}
        for r in result.results
        if r.verdict in RISK_VERDICTS
    ]
    risks.sort(key=lambda r: (RISK_VERDICTS.index(r["verdict"]), r["id"]))  # 未达标 before 数据缺失
    return {"counts": result.counts(), "risks": risks}


def _after_naming(
    session: Session, catalog: Catalog, actor: Actor, region: str, today: date
) -> dict[str, Any]:
    """预警 of the current round's last year (:mod:`liangshan.services.warnings`: a unit sees those of the
    indicators it leads) and the serious open incidents, risks to the title (every role but a unit)."""
    from liangshan.services.incidents import register_rows, title_risks
    from liangshan.services.warnings import for_unit, region_warnings

    years = round_years(current_round(session, region))
    found = region_warnings(session, catalog, region, years[-1]) if years else []
    if actor.is_unit:
        return {"warnings": for_unit(found, [*actor.unit_names, actor.unit_name or ""]), "title_risks": []}
    risks = [{k: r[k] for k in ("id", "kind", "title", "responsible_unit", "state", "due_on")}
             for r in title_risks(register_rows(session, region, today))]  # fmt: skip
    return {"warnings": found, "title_risks": risks}


def todo(
    session: Session, catalog: Catalog, actor: Actor, region: str, today: date | None = None
) -> dict[str, Any]:
    """What ``actor`` should do next in ``region`` (see the module docstring for each role's list).

    Every list is empty rather than missing, so the page and its JSON twin have one shape:
    ``due``, ``returned``, ``cases``, ``commitments`` (unit), ``waiting`` (office), ``counts`` and
    ``risks`` (leader, reviewer, analyst), ``overdue_units`` (every role but a unit), ``meetings``
    (everyone), ``warnings`` (everyone; a unit only its own) and ``title_risks`` (every role but a unit).
    """
    check_region(actor, region)
    day = today or localtime.today()
    reg = session.get(Region, region)
    rnd = current_round(session, region)
    out: dict[str, Any] = {
        "region": region,
        "region_name": reg.name if reg else region,
        "role": actor.role,
        "role_label": actor.role_label,
        "unit": actor.unit_name if actor.is_unit else None,
        "today": day.isoformat(),
        "round": round_dict(rnd),
        "due": [],
        "returned": [],
        "overdue": 0,
        "cases": [],
        "waiting": [],
        "overdue_units": [],
        "counts": {},
        "risks": [],
        "meetings": _meetings(session, region, day),
        "warnings": [],
        "title_risks": [],
        "commitments": [],
    }
    out.update(_after_naming(session, catalog, actor, region, day))
    if actor.is_unit:
        out.update(_unit_part(session, catalog, actor, region, day))
        out["commitments"] = commitment_todo(session, actor, region, day)
        return out
    out["overdue_units"] = _overdue_units(session, catalog, region, day)
    out["overdue"] = sum(u["overdue"] for u in out["overdue_units"])
    if actor.role == "office":
        out["waiting"] = _waiting(session, catalog, region, day)
    else:
        out.update(_summary(session, catalog, region))
    return out
