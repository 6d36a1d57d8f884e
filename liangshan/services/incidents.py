"""The register of incidents and 督察 findings (突发环境事件与督察问题整改台账) and their risk to the title.

Each entry: kind (重特大突发环境事件 / 中央生态环境保护督察 / 省级督察 / 其他), date, title and description,
responsible unit, and its rectification (整改) history. The entry itself is never changed; each
rectification step (状态 整改中 / 已整改 / 逾期, due date, note, evidence) is a new history row, and
the newest row is the entry's state (append-only, like the submissions).

**Effective state** (本系统约定): an entry recorded 整改中 whose due date has passed on the day of
reading is shown 逾期; 已整改 needs the date it was done.

**Risk to the title** (对称号的风险, 本系统约定, docs/after-naming.md): an entry that is *serious* and not
yet 已整改. 重特大突发环境事件 and 中央生态环境保护督察 findings are always serious; a 省级督察 finding or
another matter is serious when the office marks it so. The 管理规程 (2024-02-01) lets the ministry
revoke a title for serious problems; which problems count is not quantified in the texts the system
has (UNVERIFIED), hence this convention.

Permissions: every signed-in user of the region reads the register; the office records entries and
their rectification steps, each audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liangshan import localtime
from liangshan.services.permissions import Actor, check_office, check_region
from liangshan.services.workspace import Workspace
from liangshan.store.db import now, utc_seconds
from liangshan.store.errors import NotFoundError
from liangshan.store.models import Region
from liangshan.store.models_after import INCIDENT_KINDS, INCIDENT_STATES, Incident, IncidentUpdate
from liangshan.store.record_rules import DONE, check_incident, check_later_step, last_day
from liangshan.store.submissions import audit

KINDS = INCIDENT_KINDS
STATES = INCIDENT_STATES
EDIT_WHAT = "登记问题或更新整改情况"
HEADER = ("编号", "类别", "发生/交办日期", "问题", "情况说明", "责任单位", "严重问题", "整改状态",
          "整改期限", "完成日期", "最新整改情况", "佐证", "示例")  # fmt: skip


def effective_state(status: str, due_on: str | None, today: date) -> str:
    """整改中 past its due date reads 逾期 (see the module docstring)."""
    if status == "整改中" and due_on is not None and last_day(due_on) < today.isoformat():
        return "逾期"
    return status


def _history(session: Session, ids: Sequence[int]) -> dict[int, list[IncidentUpdate]]:
    out: dict[int, list[IncidentUpdate]] = {}
    if not ids:
        return out
    q = (
        select(IncidentUpdate)
        .where(IncidentUpdate.incident_id.in_(list(ids)))
        .order_by(IncidentUpdate.at, IncidentUpdate.id)
    )
    for u in session.scalars(q):
        out.setdefault(u.incident_id, []).append(u)
    return out


def _entry(i: Incident, hist: list[IncidentUpdate], today: date) -> dict[str, Any]:
    last = hist[-1]
    due = next((u.due_on for u in reversed(hist) if u.due_on), None)
    state = effective_state(last.status, due, today)
    return {
        "id": i.id,
        "region": i.region_code,
        "kind": i.kind,
        "occurred_on": i.occurred_on,
        "title": i.title,
        "description": i.description,
        "responsible_unit": i.responsible_unit,
        "serious": bool(i.serious),
        "example": bool(i.example),
        "status": last.status,
        "state": state,
        "due_on": due,
        "done_on": last.done_on,
        "latest_note": last.note,
        "evidence": "；".join(u.evidence for u in hist if u.evidence),
        "risk": bool(i.serious) and state != DONE,
        "history": [
            {
                "status": u.status,
                "due_on": u.due_on,
                "done_on": u.done_on,
                "note": u.note,
                "evidence": u.evidence,
                "actor": u.actor,
                "at": utc_seconds(u.at),
            }
            for u in hist
        ],
    }


def register_rows(session: Session, region: str, today: date) -> list[dict[str, Any]]:
    """Every entry of ``region`` with its effective state on ``today``, by date (oldest first)."""
    rows = list(
        session.scalars(
            select(Incident).where(Incident.region_code == region).order_by(Incident.occurred_on, Incident.id)
        )
    )
    hist = _history(session, [r.id for r in rows])
    return [_entry(r, hist[r.id], today) for r in rows if r.id in hist]


def title_risks(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries that are risks to the title: serious and not 已整改."""
    return [r for r in rows if r["risk"]]


def list_incidents(ws: Workspace, actor: Actor, region: str, today: date | None = None) -> dict[str, Any]:
    """The register of ``region`` with counts by state and the risks to the title."""
    check_region(actor, region)
    day = today or localtime.today()
    with ws.read() as s:
        reg = s.get(Region, region)
        if reg is None:
            raise NotFoundError(f"未知地区代码：{region}")
        rows = register_rows(s, region, day)
    return {
        "region": region,
        "region_name": reg.name,
        "today": day.isoformat(),
        "items": rows,
        "counts": {st: sum(r["state"] == st for r in rows) for st in STATES},
        "risks": [r["id"] for r in title_risks(rows)],
        "kinds": list(KINDS),
        "states": list(STATES),
        "can_edit": actor.role == "office",
    }


def new_incident(
    session: Session, username: str, region: str, *, at: datetime | None = None, **fields: Any
) -> dict[str, Any]:
    """Check and insert one entry with its first rectification step (audited); the one rule behind
    :func:`add_incident` and the demo. Nothing is written when a field is bad."""
    clean = check_incident(fields)
    if session.get(Region, region) is None:
        raise NotFoundError(f"未知地区代码：{region}")
    ts = at or now()
    inc = Incident(region_code=region, created_by=username, created_at=ts, **clean["entry"])
    session.add(inc)
    session.flush()
    session.add(IncidentUpdate(incident_id=inc.id, actor=username, at=ts, **clean["step"]))
    session.flush()
    out = _entry(inc, _history(session, [inc.id])[inc.id], ts.date())
    after = {k: v for k, v in out.items() if k != "history"}
    audit(session, username, "create", "incident", inc.id, after=after, at=at)
    return out


def add_incident(ws: Workspace, actor: Actor, region: str, **fields: Any) -> dict[str, Any]:
    """Record an incident or 督察 finding of ``region`` (office only)."""
    check_office(actor, EDIT_WHAT)
    check_region(actor, region)
    with ws.write() as s:
        return new_incident(s, actor.username, region, **fields)


def record_step(
    session: Session,
    username: str,
    incident_id: int,
    *,
    status: str,
    note: str,
    due_on: str | None = None,
    done_on: str | None = None,
    evidence: str = "",
    at: datetime | None = None,
) -> dict[str, Any]:
    """Append a rectification step to entry ``incident_id`` (audited). A step needs a note; the due
    date is kept from the previous step unless a new one is given."""
    inc = session.get(Incident, incident_id)
    if inc is None:
        raise NotFoundError(f"没有编号为 {incident_id} 的问题")
    step = check_later_step(inc.occurred_on, status=status, note=note, due_on=due_on, done_on=done_on,
                            evidence=evidence)  # fmt: skip
    ts = at or now()
    before = _entry(inc, _history(session, [inc.id])[inc.id], ts.date())
    session.add(IncidentUpdate(incident_id=inc.id, actor=username, at=ts, **step))
    session.flush()
    out = _entry(inc, _history(session, [inc.id])[inc.id], ts.date())
    audit(session, username, "update", "incident", inc.id,
          before={"status": before["status"], "due_on": before["due_on"]},
          after={"status": out["status"], "due_on": out["due_on"], "done_on": out["done_on"]},
          detail=step["note"], at=at)  # fmt: skip
    return out


def update_incident(ws: Workspace, actor: Actor, incident_id: int, **step: Any) -> dict[str, Any]:
    """Record a rectification step (office of the entry's region)."""
    check_office(actor, EDIT_WHAT)
    with ws.write() as s:
        inc = s.get(Incident, incident_id)
        if inc is None:
            raise NotFoundError(f"没有编号为 {incident_id} 的问题")
        check_region(actor, inc.region_code)
        return record_step(s, actor.username, incident_id, **step)


def register_xlsx(rows: Sequence[dict[str, Any]], title: str) -> bytes:
    """The register as an Excel sheet (every text cell formula-safe, :mod:`liangshan.store.safe_cells`)."""
    import io

    from openpyxl import Workbook

    from liangshan.store.safe_cells import append_row

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "问题整改台账"
    append_row(ws, [title])
    append_row(ws, HEADER)
    for r in rows:
        append_row(ws, [
            r["id"], r["kind"], r["occurred_on"], r["title"], r["description"], r["responsible_unit"],
            "是" if r["serious"] else "否", r["state"], r["due_on"] or "", r["done_on"] or "",
            r["latest_note"], r["evidence"], "示例" if r["example"] else "",
        ])  # fmt: skip
    for col, width in zip("ABCDEFGHIJKLM", (6, 20, 12, 30, 40, 16, 8, 10, 12, 12, 40, 30, 6), strict=True):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
