"""The title and brand register (称号登记簿) and what it gives indicator 16 (国际国内生态文化品牌).

附件2 writes the target of indicator 16 as “获得”. The system's default reading (本系统约定, see
``rule_bases.obtained`` in the catalog and docs/assessment.md) is that the region *holds* at least
one valid national or international title in the evaluation year; a county that won
国家生态文明建设示范区 before the window still holds it. The register records each title once:
name, level (国际/国家/省), awarding body, awarding document, date awarded, valid until, evidence.

A title is held in year *Y* when it is valid at the end of *Y* (12月31日): awarded on or before that
day and not expired before it (an empty ``valid_until`` never expires). Dates may be given to the
day, month or year (``2019``: awarded some day of 2019 — counted from 2019; ``valid_until`` ``2030``:
valid through 2030-12-31). Only 国家 and 国际 titles count for indicator 16; 省级 titles are kept in
the register but not counted.

The assessment stays a pure function: :func:`register_observations` computes, per year of the
window, one derived observation (item :data:`~liangshan.assess.values.TITLES_KEY`) — the number of
counted titles held, with the titles in its ``meta`` — and
:func:`liangshan.services.assessment.assess_region` adds it beside the approved values. A region
with no title in the register gets no such observation, and indicator 16 falls back to the units'
yearly counts (``eco_brands_obtained``).

Permissions: every signed-in user of the region sees the register (units view their own region);
only the office (领导小组办公室) adds or withdraws titles, each change audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liangshan.assess.values import TITLES_KEY, Observation
from liangshan.services.checks import EntryError
from liangshan.services.permissions import Actor, check_office, check_region
from liangshan.services.workspace import Workspace
from liangshan.store.db import now
from liangshan.store.errors import NotFoundError
from liangshan.store.models import Region, TitleAward
from liangshan.store.record_rules import LEVELS, check_title, first_day, last_day
from liangshan.store.submissions import audit

COUNTED_LEVELS = ("国际", "国家")
EDIT_WHAT = "登记或撤销称号"


def held_in(t: TitleAward, year: int) -> bool:
    """Whether ``t`` is valid at the end of ``year`` (see the module docstring)."""
    day = f"{year:04d}-12-31"
    if first_day(t.awarded_on) > day:
        return False
    return t.valid_until is None or last_day(t.valid_until) >= day


def title_dict(t: TitleAward) -> dict[str, Any]:
    """One register entry as the pages, the JSON and the assessment show it (no database id in the
    assessment's copy: see :func:`register_observations`)."""
    return {
        "id": t.id,
        "name": t.name,
        "level": t.level,
        "awarding_body": t.awarding_body,
        "document": t.document,
        "awarded_on": t.awarded_on,
        "year": int(t.awarded_on[:4]),
        "valid_until": t.valid_until,
        "evidence": t.evidence,
        "example": bool(t.example),
        "counted": t.level in COUNTED_LEVELS,
    }


def _rows(session: Session, region: str) -> list[TitleAward]:
    q = (
        select(TitleAward)
        .where(TitleAward.region_code == region)
        .order_by(TitleAward.awarded_on, TitleAward.name, TitleAward.id)
    )
    return list(session.scalars(q))


def register_observations(
    session: Session, region: str, years: Sequence[int]
) -> dict[tuple[str, int], Observation]:
    """Per year of ``years``: the number of national/international titles ``region`` holds, as the
    derived observation :data:`TITLES_KEY` (titles in ``meta["titles"]``, sorted by date and name).
    Empty when the register has no title of the region at all (indicator 16 then reads the counts)."""
    rows = _rows(session, region)
    if not rows:
        return {}
    out: dict[tuple[str, int], Observation] = {}
    for y in years:
        held = [t for t in rows if t.level in COUNTED_LEVELS and held_in(t, y)]
        titles = [{k: v for k, v in title_dict(t).items() if k != "id"} for t in held]
        documented = sum(1 for t in held if t.document.strip())
        out[(TITLES_KEY, y)] = Observation(float(len(held)), documented, meta={"titles": titles})
    return out


def list_titles(ws: Workspace, actor: Actor, region: str, year: int | None = None) -> dict[str, Any]:
    """The region's register; with ``year``, which titles count for indicator 16 in that year."""
    check_region(actor, region)
    with ws.read() as s:
        reg = s.get(Region, region)
        if reg is None:
            raise NotFoundError(f"未知地区代码：{region}")
        rows = _rows(s, region)
        titles = [title_dict(t) for t in rows]
        held = [t.id for t in rows if year is not None and t.level in COUNTED_LEVELS and held_in(t, year)]
    data: dict[str, Any] = {
        "region": region,
        "region_name": reg.name,
        "titles": titles,
        "levels": list(LEVELS),
        "can_edit": actor.role == "office",
    }
    if year is not None:
        data["year"] = year
        data["held"] = held
    return data


def add_title(
    ws: Workspace,
    actor: Actor,
    *,
    region: str,
    name: str,
    level: str,
    awarding_body: str,
    document: str,
    awarded_on: str,
    valid_until: str | None = None,
    evidence: str = "",
    example: bool = False,
    at: datetime | None = None,
) -> dict[str, Any]:
    """Register a title of ``region`` (office only). Every field is checked before anything is
    written; the same title (name and date awarded) cannot be registered twice."""
    check_office(actor, EDIT_WHAT)
    check_region(actor, region)
    fields: dict[str, Any] = dict(
        name=name, level=level, awarding_body=awarding_body, document=document, awarded_on=awarded_on,
        valid_until=valid_until, evidence=evidence, example=example,
    )  # fmt: skip
    check_title(**fields)  # before the write transaction: a bad entry never waits for the lock
    with ws.write() as s:
        return new_title(s, actor.username, region, at=at, **fields)


def new_title(
    session: Session, username: str, region: str, *, at: datetime | None = None, **fields: Any
) -> dict[str, Any]:
    """Check and insert one register entry in ``session`` (audited) — the one rule behind
    :func:`add_title` and the demo. Raises :class:`EntryError` and writes nothing on a bad field."""
    clean = check_title(**fields)
    if session.get(Region, region) is None:
        raise NotFoundError(f"未知地区代码：{region}")
    dup = session.scalars(
        select(TitleAward).where(
            TitleAward.region_code == region,
            TitleAward.name == clean["name"],
            TitleAward.awarded_on == clean["awarded_on"],
        )
    ).first()
    if dup is not None:
        raise EntryError(f"称号“{clean['name']}”（{clean['awarded_on']}授予）已登记（编号 {dup.id}）")
    t = TitleAward(region_code=region, created_by=username, created_at=at or now(), **clean)
    session.add(t)
    session.flush()
    out = title_dict(t)
    audit(session, username, "create", "title_award", t.id, after=out, at=at)
    return out


def remove_title(ws: Workspace, actor: Actor, title_id: int, reason: str) -> dict[str, Any]:
    """Withdraw a register entry (office of its region; a reason is required and audited)."""
    check_office(actor, EDIT_WHAT)
    if not reason.strip():
        raise EntryError("撤销称号须填写理由")
    with ws.write() as s:
        t = s.get(TitleAward, title_id)
        if t is None:
            raise NotFoundError(f"没有编号为 {title_id} 的称号")
        check_region(actor, t.region_code)
        before = title_dict(t)
        s.delete(t)
        audit(s, actor.username, "delete", "title_award", title_id, before=before, detail=reason.strip())
    return before
