"""Regions, units, users, the leading group and rounds: loading a region profile from YAML."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from liangshan.assess.rules import RegionProfile
from liangshan.store.errors import NotFoundError
from liangshan.store.models import AssessmentRound, GroupMember, Region, TargetOverride, Unit, User
from liangshan.store.submissions import audit


def get_region(session: Session, code: str) -> Region:
    region = session.get(Region, code)
    if region is None:
        known = "、".join(session.scalars(select(Region.code)).all()) or "无"
        raise NotFoundError(f"未知地区代码：{code}（已有：{known}）")
    return region


def profile(region: Region) -> RegionProfile:
    return RegionProfile(region.code, region.name, region.terrain_zone, region.zone_shares)


def overrides(session: Session, code: str) -> dict[int, dict[str, Any]]:
    rows = session.scalars(select(TargetOverride).where(TargetOverride.region_code == code))
    return {r.indicator_id: dict(r.params) for r in rows}


def find_unit(session: Session, region: str, name: str) -> Unit | None:
    """A unit by its name or one of its aliases (the seed spells some units two ways)."""
    for unit in session.scalars(select(Unit).where(Unit.region_code == region)):
        if name == unit.name or name in (unit.aliases or []):
            return unit
    return None


def open_round(session: Session, region: str, round_id: int | None = None) -> AssessmentRound:
    """The round asked for, else the region's newest open round."""
    if round_id is not None:
        rnd = session.get(AssessmentRound, round_id)
        if rnd is None or rnd.region_code != region:
            raise NotFoundError(f"地区 {region} 没有编号为 {round_id} 的评估批次")
        return rnd
    q = (
        select(AssessmentRound)
        .where(AssessmentRound.region_code == region, AssessmentRound.state == "open")
        .order_by(AssessmentRound.end_year.desc(), AssessmentRound.id.desc())
    )
    rnd = session.scalars(q).first()
    if rnd is None:
        raise NotFoundError(f"地区 {region} 没有进行中的评估批次")
    return rnd


def load_profile(
    session: Session, path: str | Path, actor: str = "system", at: datetime | None = None
) -> Region:
    """Create a region with its units, leading group, users, rounds and target overrides from YAML."""
    with open(path, encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    r = doc["region"]
    for parent in doc.get("parents", []):
        if session.get(Region, parent["code"]) is None:
            session.add(Region(**parent))
    region = Region(**r)
    session.add(region)
    session.flush()
    audit(session, actor, "create", "region", region.code, after=r, at=at)
    units: dict[str, Unit] = {}
    for i, u in enumerate(doc.get("units", [])):
        spec = u if isinstance(u, dict) else {"name": u}
        unit = Unit(region_code=region.code, sort=i, **spec)
        session.add(unit)
        units[unit.name] = unit
    session.flush()
    for i, m in enumerate(doc.get("leading_group", [])):
        session.add(GroupMember(region_code=region.code, sort=i, **m))
    for u in doc.get("users", []):
        spec = dict(u)
        unit_name = spec.pop("unit", None)
        session.add(User(region_code=region.code, unit_id=units[unit_name].id if unit_name else None, **spec))
    for rnd in doc.get("rounds", []):
        session.add(AssessmentRound(region_code=region.code, **rnd))
    for ind_id, params in (doc.get("target_overrides") or {}).items():
        session.add(TargetOverride(region_code=region.code, indicator_id=int(ind_id), params=params))
    session.flush()
    return region
