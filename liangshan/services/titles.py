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

import re
from collections.abc import Sequence
from datetime import date, datetime
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
from liangshan.store.submissions import audit

LEVELS = ("国际", "国家", "省")
COUNTED_LEVELS = ("国际", "国家")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")
EDIT_WHAT = "登记或撤销称号"


def parse_date(text: str | None, field: str, *, required: bool) -> str | None:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (checked to be a real date), or None when empty."""
    t = (text or "").strip().replace("/", "-").replace(".", "-")
    if not t:
        if required:
            raise EntryError(f"{field}不能为空（格式 YYYY-MM-DD，或只写年份 YYYY）")
        return None
    m = _DATE.match(t)
    if m is None:
        raise EntryError(f"{field}格式应为 YYYY-MM-DD（或 YYYY、YYYY-MM），收到：{text}")
    y, mo, d = int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1)
    try:
        date(y, mo, d)
    except ValueError:
        raise EntryError(f"{field}不是有效日期：{text}") from None
    if not 1949 <= y <= 2100:
        raise EntryError(f"{field}的年份应在 1949—2100 之间，收到：{y}")
    return t


def first_day(text: str) -> str:
    """The first day a partial date can mean (``2019`` → ``2019-01-01``)."""
    parts = text.split("-")
    return "-".join([parts[0], *[*parts[1:], "01", "01"][:2]])


def last_day(text: str) -> str:
    """The last day a partial date can mean (``2030`` → ``2030-12-31``; months end at 31, a bound)."""
    parts = text.split("-")
    return "-".join([parts[0], *[*parts[1:], "12", "31"][:2]])


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
    _check_fields(**fields)  # before the write transaction: a bad entry never waits for the lock
    with ws.write() as s:
        return new_title(s, actor.username, region, at=at, **fields)


def _check_fields(
    *,
    name: str,
    level: str,
    awarding_body: str,
    document: str,
    awarded_on: str,
    valid_until: str | None = None,
    evidence: str = "",
    example: bool = False,
) -> dict[str, Any]:
    name, awarding_body, document = name.strip(), awarding_body.strip(), document.strip()
    if not name:
        raise EntryError("称号名称不能为空")
    if len(name) > 200 or len(awarding_body) > 200 or len(document) > 300:
        raise EntryError("称号名称、授予机关不超过200字，授予文件不超过300字")
    if level not in LEVELS:
        raise EntryError(f"级别应为 {'、'.join(LEVELS)} 之一，收到：{level or '（空）'}")
    if not awarding_body:
        raise EntryError("授予机关不能为空")
    if not document:
        raise EntryError("授予文件（文号或公告名称）不能为空：称号须有授予文件为据")
    start = parse_date(awarded_on, "授予日期", required=True)
    until = parse_date(valid_until, "有效期至", required=False)
    assert start is not None
    if until is not None and last_day(until) < first_day(start):
        raise EntryError(f"有效期至 {until} 早于授予日期 {start}")
    return {
        "name": name,
        "level": level,
        "awarding_body": awarding_body,
        "document": document,
        "awarded_on": start,
        "valid_until": until,
        "evidence": evidence.strip(),
        "example": bool(example),
    }


def new_title(
    session: Session, username: str, region: str, *, at: datetime | None = None, **fields: Any
) -> dict[str, Any]:
    """Check and insert one register entry in ``session`` (audited) — the one rule behind
    :func:`add_title` and the demo. Raises :class:`EntryError` and writes nothing on a bad field."""
    clean = _check_fields(**fields)
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
