"""Build the 卢氏县 demo database: region, units, users, round, and values for 2020–2025.

The work plan of 卢办〔2023〕16号 (organisation, phases, tasks, checklist) is loaded with its
示例数据 tracking (:mod:`.workplan`). Values of indicators 1–10 and 17 come from the calculators
run on synthetic raw data written into ``work_dir`` (示例数据) — with provenance — and the
units' statistics from :mod:`.manual`. Every value is submitted by the supplying unit's user
(or the technical analyst for computed values) and approved by the office. Timestamps are
fixed, so the same command builds the same database.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from liangshan.catalog import Catalog, load_catalog
from liangshan.config import evidence_root
from liangshan.demo import manual, official
from liangshan.demo.workplan import seed_workplan
from liangshan.provenance import ComputedValues
from liangshan.store.db import session_scope
from liangshan.store.evidence import store_evidence
from liangshan.store.models import Region, Unit, User
from liangshan.store.regions import find_unit, load_profile
from liangshan.store.service import ensure_db
from liangshan.store.submissions import submit_value, transition

REGION = "411224"
PROFILE = Path(__file__).with_name("lushi.yaml")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # fixed clock of the demo
OFFICE, ANALYST, LEADER = "office", "analyst", "leader"


def calculators() -> list[Callable[[Path], list[ComputedValues]]]:
    """The demo hooks of the calculators (imported here so the store never imports them)."""
    from liangshan.demo import air, eco, land, water

    return [air.compute_demo, water.compute_demo, land.compute_demo, eco.compute_demo]


def _users(session: Session) -> dict[str, str]:
    """One account per unit (``u01``…), plus the office admin, the analyst and a leader."""
    units = list(session.scalars(select(Unit).where(Unit.region_code == REGION).order_by(Unit.sort)))
    office = next(u for u in units if u.kind == "office")
    session.add_all(
        [
            User(
                username=OFFICE,
                display_name="领导小组办公室",
                role="office",
                unit_id=office.id,
                region_code=REGION,
            ),
            User(username=ANALYST, display_name="技术支持单位", role="analyst", region_code=REGION),
            User(username=LEADER, display_name="领导小组", role="leader", region_code=REGION),
        ]
    )
    by_unit = {}
    for i, u in enumerate(units, start=1):
        name = f"u{i:02d}"
        session.add(
            User(username=name, display_name=f"{u.name}联络员", role="unit", unit_id=u.id, region_code=REGION)
        )
        by_unit[u.name] = name
    session.flush()
    return by_unit


def _supplier(session: Session, catalog: Catalog, code: str, users: dict[str, str]) -> str:
    el = catalog.element(code)
    unit = find_unit(session, REGION, el.suppliers[0]) if el.suppliers else None
    return users[unit.name] if unit else ANALYST


def build_demo(url: str, work_dir: Path | None = None) -> bool:
    """Create the demo in the database at ``url``. Returns False (and changes nothing) if present."""
    ensure_db(url)
    with session_scope(url) as s:
        if s.get(Region, REGION) is not None:
            return False
    catalog = load_catalog()
    if work_dir is None:
        with tempfile.TemporaryDirectory(prefix="liangshan-demo-") as tmp:
            computed = [r for hook in calculators() for r in hook(Path(tmp))]
    else:
        work_dir.mkdir(parents=True, exist_ok=True)
        computed = [r for hook in calculators() for r in hook(work_dir)]
    clock = iter(T0 + timedelta(seconds=i) for i in range(1_000_000))
    with session_scope(url) as s:
        load_profile(s, PROFILE, at=next(clock))
        users = _users(s)
        seed_workplan(s, clock)
        seen: set[tuple[str, int]] = set()
        for res in computed:
            prov = res.provenance.model_dump(mode="json")
            for code, value in res.values.items():
                if (code, res.year) in seen or value is None:
                    continue  # the same element from two calculators (e.g. 国土面积): the first wins
                seen.add((code, res.year))
                sub = submit_value(
                    s,
                    region=REGION,
                    item=code,
                    year=res.year,
                    value=value,
                    user=ANALYST,
                    unit=catalog.element(code).unit,
                    note=res.notes.get(code, "示例数据"),
                    provenance=prov,
                    at=next(clock),
                )
                transition(s, sub.id, "approve", OFFICE, at=next(clock))
        root = evidence_root(url)
        for code, series in manual.SERIES.items():
            for year, value in zip(manual.YEARS, series, strict=True):
                if value is None:
                    continue
                user = _supplier(s, catalog, code, users)
                evidence = []
                if (code, year) in manual.EVIDENCE_ITEMS:
                    text = f"示例佐证材料（示例数据）：{catalog.element(code).name}，{year}年。\n"
                    ev = store_evidence(
                        s,
                        root,
                        text.encode(),
                        f"{code}_{year}_佐证.txt",
                        "text/plain",
                        region=REGION,
                        user=user,
                        at=next(clock),
                    )
                    evidence.append(ev.id)
                note = manual.NOTES.get((code, year), "示例数据")
                sub = submit_value(
                    s,
                    region=REGION,
                    item=code,
                    year=year,
                    value=value,
                    user=user,
                    unit=catalog.element(code).unit,
                    note=note,
                    evidence_ids=evidence,
                    at=next(clock),
                )
                transition(s, sub.id, "approve", OFFICE, at=next(clock))
        official.seed_official(s, clock, catalog=catalog, users=users, evidence_dir=root)
    return True
