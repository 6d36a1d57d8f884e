"""A small site for tests, benchmarks and trying the web app: 卢氏县 with accounts and values.

Builds on :func:`liangshan.store.regions.load_profile` (the 卢氏县 profile of the demo) and adds one
account per unit (``u01``… in profile order, as the demo does), ``office``, ``leader``, ``expert``
(reviewer) and ``analyst``, all with the same password hash, and approved 示例数据 for the round's
years from :mod:`liangshan.demo.manual`. ``extra_regions`` adds synthetic counties (示例县NNN) with
the same units, round and values, each with an ``officeNNN`` account.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from itertools import count

from sqlalchemy import select
from sqlalchemy.orm import Session

from liangshan.catalog import load_catalog
from liangshan.demo import manual
from liangshan.demo.build import PROFILE, REGION
from liangshan.store.db import session_scope
from liangshan.store.models import AssessmentRound, Region, Unit, User
from liangshan.store.regions import find_unit, load_profile
from liangshan.store.service import ensure_db
from liangshan.store.submissions import submit_value, transition

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ROUND_YEARS = (2023, 2024, 2025)


def _unit_users(session: Session, region: str, pw_hash: str, prefix: str = "u") -> dict[str, str]:
    units = session.scalars(select(Unit).where(Unit.region_code == region).order_by(Unit.sort)).all()
    out = {}
    for i, u in enumerate(units, start=1):
        name = f"{prefix}{i:02d}"
        session.add(
            User(
                username=name,
                display_name=f"{u.name}联络员",
                role="unit",
                unit_id=u.id,
                region_code=region,
                password_hash=pw_hash,
            )
        )
        out[u.name] = name
    return out


def _values(
    session: Session, region: str, users: dict[str, str], skip: Iterable[str], clock: Iterable[datetime]
) -> None:
    cat = load_catalog()
    tick = iter(clock)
    for code, series in manual.SERIES.items():
        if code in set(skip):
            continue
        el = cat.element(code)
        unit = find_unit(session, region, el.suppliers[0])
        who = users.get(unit.name, "analyst") if unit else "analyst"
        for year, value in zip(manual.YEARS, series, strict=True):
            if year not in ROUND_YEARS or value is None:
                continue
            sub = submit_value(
                session, region=region, item=code, year=year, value=value, user=who, unit=el.unit,
                note="示例数据", at=next(tick),
            )  # fmt: skip
            transition(session, sub.id, "approve", "office", at=next(tick))


def seed_site(
    url: str,
    pw_hash: str,
    *,
    skip: Iterable[str] = ("eco_env_investment",),
    extra_regions: int = 0,
    values: bool = True,
) -> dict[str, str]:
    """Create the site in an empty database; returns unit name → user name for 卢氏县."""
    ensure_db(url)
    ticks = (T0 + timedelta(seconds=i) for i in count())
    skip = tuple(skip)
    with session_scope(url) as s:
        load_profile(s, PROFILE, at=next(ticks))
        office_unit = s.scalars(select(Unit).where(Unit.region_code == REGION, Unit.kind == "office")).first()
        s.add_all(
            [
                User(username="office", display_name="领导小组办公室", role="office", region_code=REGION,
                     unit_id=office_unit.id if office_unit else None, password_hash=pw_hash),
                User(username="leader", display_name="领导小组", role="leader", region_code=REGION,
                     password_hash=pw_hash),
                User(username="expert", display_name="评审专家", role="reviewer", region_code=REGION,
                     password_hash=pw_hash),
                User(username="analyst", display_name="技术支持单位", role="analyst", region_code=REGION,
                     password_hash=pw_hash),
            ]
        )  # fmt: skip
        users = _unit_users(s, REGION, pw_hash)
        s.flush()
        if values:
            _values(s, REGION, users, skip, ticks)
        units = s.scalars(select(Unit).where(Unit.region_code == REGION).order_by(Unit.sort)).all()
        specs = [(u.name, list(u.aliases or []), u.kind) for u in units]
        for k in range(1, extra_regions + 1):
            code = f"9{k:05d}"
            s.add(
                Region(code=code, name=f"示例县{k:03d}", level="county", parent_code="411200",
                       terrain_zone="山区", land_area_km2=3000.0 + k, note="示例数据")
            )  # fmt: skip
            s.flush()
            for i, (name, aliases, kind) in enumerate(specs):
                s.add(Unit(region_code=code, name=name, aliases=aliases, kind=kind, sort=i))
            s.add(
                AssessmentRound(region_code=code, name="示例评估批次（2023—2025年）", start_year=2023,
                                end_year=2025, deadline="2026-12-31")
            )  # fmt: skip
            s.add(User(username=f"office{k:03d}", display_name=f"示例县{k:03d}办公室", role="office",
                       region_code=code, password_hash=pw_hash))  # fmt: skip
            s.flush()
            if values:
                region_users = {name: f"office{k:03d}" for name, _, _ in specs}
                _values(s, code, region_users, skip, ticks)
    return users
