"""Counties next to the 卢氏县 demo (示例数据: every value here is synthetic), derived by one rule.

Two kinds of county use the same rule (:func:`county_values`):

* the **roll-up neighbours** (:data:`NEIGHBOURS`): the other county-level regions of 三门峡市, three
  counties of 洛阳市 and 济源市 (directly under 河南省) — real GB/T 2260 codes and names, so that a
  boundary file of 三门峡市 or 河南省 (e.g. DataV ``adcode``) matches — with **synthetic values**;
* **示例县NNN** (:func:`synthetic`): codes ``9NNNNN`` under 三门峡市 (411200), any number of them, for
  the web tests, the concurrency tests and the benchmarks.

The rule: a county's value is 卢氏县's value of the same element and year, multiplied by the county's
size factor when the element is an amount (万元, km², 亩), and — for the numerators of ratio
indicators and 物种丰富度 — by its quality factor with a small deterministic jitter per county,
indicator and year; a share never exceeds 100 %, counts stay whole. Elements in ``skip`` are left out
(数据缺失); weaker counties (quality < 1) have no market mechanism. 示例县 have quality 1 (their shares
and verdicts equal 卢氏县's) and a size between 0.75 and 1.25 derived from their code.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from liangshan.catalog import load_catalog
from liangshan.catalog.models import Catalog
from liangshan.config import evidence_root
from liangshan.store.db import session_scope
from liangshan.store.errors import NotFoundError
from liangshan.store.evidence import store_evidence
from liangshan.store.models import AssessmentRound, Region, Unit, User
from liangshan.store.rollup_queries import subtree_observations
from liangshan.store.service import ensure_db
from liangshan.store.submissions import submit_value, transition

BASE = "411224"
T0 = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)  # fixed clock of the added counties
SIZE_UNITS = frozenset({"万元", "km²", "亩"})
NOTE = "示例数据（合成数值，仅用于演示汇总）"
EVIDENCE = "示例佐证材料（合成，仅用于演示）\n".encode()
ROUND_NAME = "示例评估批次（2023—2025年）"

Values = dict[tuple[str, int], float | bool]


@dataclass(frozen=True)
class SampleCounty:
    """A county added next to the demo; ``account`` is its office's user name (None: values by ``system``)."""

    code: str
    name: str
    parent: str
    zone: str
    population: int | None
    size: float  # scales 万元, km², 亩
    quality: float  # scales numerators of ratios
    skip: tuple[tuple[str, int], ...] = ()
    account: str | None = None
    land_area_km2: float | None = None


CITIES = (
    ("410000", "河南省", "province", None),
    ("411200", "三门峡市", "city", "410000"),
    ("410300", "洛阳市", "city", "410000"),
)
NEIGHBOURS = (
    SampleCounty("411202", "湖滨区", "411200", "丘陵区", 330_000, 1.1, 0.96, (("gdp", 2025),)),
    SampleCounty("411203", "陕州区", "411200", "丘陵区", 340_000, 0.8, 1.01),
    SampleCounty("411221", "渑池县", "411200", "丘陵区", 330_000, 0.9, 1.03),
    SampleCounty("411281", "义马市", "411200", "丘陵区", 140_000, 0.4, 0.95),
    SampleCounty("411282", "灵宝市", "411200", "山区", 720_000, 2.1, 1.0),
    SampleCounty("410324", "栾川县", "410300", "山区", 340_000, 1.0, 1.04),
    SampleCounty("410325", "嵩县", "410300", "山区", None, 0.8, 0.99),
    SampleCounty("410328", "洛宁县", "410300", "山区", 400_000, 0.9, 1.02, (("survey_valid", 2025),)),
    SampleCounty("419001", "济源市", "410000", "丘陵区", 730_000, 2.4, 0.98),
)
# accounts of the roll-up: user name, display name, role, region
ROLLUP_ACCOUNTS = (
    ("city-leader", "三门峡市领导（示例）", "leader", "411200"),
    ("province-office", "河南省生态环境厅（示例）", "office", "410000"),
)


def _jitter(*parts: object) -> float:
    """A deterministic number in [-1, 1] for the given parts."""
    return (zlib.crc32("|".join(map(str, parts)).encode()) % 20001) / 10000 - 1


def synthetic(k: int, land_area_km2: float = 4004.0) -> SampleCounty:
    """示例县 number ``k`` (1, 2, …): code ``9`` + five digits, under 三门峡市, 山区, size from its code.

    Its land area is 卢氏县's ``land_area_km2`` times its size (none when that is 0).
    """
    code = f"9{k:05d}"
    size = round(1 + 0.25 * _jitter("size", code), 2)
    area = round(land_area_km2 * size, 2) or None
    return SampleCounty(code, f"示例县{k:03d}", "411200", "山区", None, size, 1.0,
                        account=f"office{k:03d}", land_area_km2=area)  # fmt: skip


def synthetic_counties(n: int, land_area_km2: float = 4004.0) -> tuple[SampleCounty, ...]:
    return tuple(synthetic(k, land_area_km2) for k in range(1, n + 1))


def _roles(catalog: Catalog) -> tuple[dict[str, int], dict[int, tuple[list[str], list[str]]]]:
    """element → ratio indicator whose numerator it is; indicator → (numerator, denominator)."""
    num_of: dict[str, int] = {}
    parts: dict[int, tuple[list[str], list[str]]] = {}
    for ind in catalog.indicators:
        if ind.formula.kind == "ratio":
            parts[ind.id] = (list(ind.formula.numerator), list(ind.formula.denominator))
            for c in ind.formula.numerator:
                num_of[c] = ind.id
    return num_of, parts


def county_values(
    catalog: Catalog, county: SampleCounty, base: Mapping[tuple[str, int], float | bool]
) -> Values:
    """The synthetic values of one county from 卢氏县's values ``base`` (the rule of the module text)."""
    num_of, parts = _roles(catalog)
    out: Values = {}
    for (code, year), v in base.items():
        el = catalog.element(code)
        if isinstance(v, bool):
            weak = county.quality < 1 and code.startswith("market_")
            out[(code, year)] = False if weak else v
            continue
        x = float(v) * (county.size if el.unit in SIZE_UNITS else 1.0)
        if code == "species_richness":
            x *= county.quality
        out[(code, year)] = x
    if county.quality != 1.0:
        for (code, year), x in list(out.items()):
            ind_id = num_of.get(code)
            if ind_id is None or isinstance(x, bool):
                continue
            q = county.quality * (1 + 0.015 * _jitter(county.code, ind_id, year))
            out[(code, year)] = x * q
    for ind_id, (nums, dens) in parts.items():  # a share never above 100%
        ind = catalog.indicator(ind_id)
        if ind.max_value != 100:
            continue
        for year in {y for _, y in base}:
            keys = [(c, year) for c in nums + dens]
            if not all(k in out for k in keys):
                continue
            num = sum(float(out[(c, year)]) for c in nums)
            den = sum(float(out[(c, year)]) for c in dens)
            if num > den > 0:
                for c in nums:
                    out[(c, year)] = float(out[(c, year)]) * den / num
    for key, x in out.items():
        if not isinstance(x, bool):
            kind = catalog.element(key[0]).kind
            out[key] = float(math.floor(x)) if kind == "count" else round(x, 2)
    for key in county.skip:
        out.pop(key, None)
    return out


def _add_region(session: Session, c: SampleCounty, units: list[tuple[str, list[str], str]]) -> None:
    session.add(Region(code=c.code, name=c.name, level="county", parent_code=c.parent, terrain_zone=c.zone,
                       population=c.population, land_area_km2=c.land_area_km2, note=NOTE))  # fmt: skip
    session.flush()
    for i, (name, aliases, kind) in enumerate(units):
        session.add(Unit(region_code=c.code, name=name, aliases=aliases, kind=kind, sort=i))
    session.add(AssessmentRound(region_code=c.code, name=ROUND_NAME, start_year=2023, end_year=2025,
                                deadline="2026-12-31"))  # fmt: skip
    session.flush()


def add_counties(
    session: Session,
    catalog: Catalog,
    counties: tuple[SampleCounty, ...],
    base: Mapping[tuple[str, int], float | bool],
    files_root: Path,
    *,
    password_hash: str | None = None,
    clock: Iterator[datetime] | None = None,
    evidence: bool = True,
) -> list[str]:
    """Add the counties absent from the database with their values derived from ``base``.

    示例县 (those with an ``account``) get a copy of 卢氏县's units and an office account that submits
    and approves their values; the roll-up neighbours get no units and their values come from
    ``system``. Every county gets the 2023—2025 round and (with ``evidence``) a 示例佐证材料 file
    attached to its 是/获得 values.
    Returns the codes added.
    """
    ticks = clock if clock is not None else (T0 + timedelta(seconds=i) for i in count())
    home = session.scalars(select(Unit).where(Unit.region_code == BASE).order_by(Unit.sort)).all()
    units = [(u.name, list(u.aliases or []), u.kind) for u in home]
    added: list[str] = []
    for c in counties:
        if session.get(Region, c.code) is not None:
            continue
        _add_region(session, c, units if c.account else [])
        who = c.account or "system"
        if c.account:
            session.add(User(username=c.account, display_name=f"{c.name}办公室", role="office",
                             region_code=c.code, password_hash=password_hash))  # fmt: skip
            session.flush()
        values = sorted(county_values(catalog, c, base).items())
        proven = {k for k, v in values if v is True or (k[0] == "eco_brands_obtained" and v)}
        ev_ids: list[int] = []
        if evidence and proven:
            ev = store_evidence(session, files_root, EVIDENCE, "示例佐证材料.txt", "text/plain",
                                region=c.code, user=who, at=next(ticks))  # fmt: skip
            ev_ids.append(ev.id)
        for (item, year), value in values:
            proof = ev_ids if (item, year) in proven else []
            sub = submit_value(session, region=c.code, item=item, year=year, value=value, user=who,
                               unit=catalog.element(item).unit, note=NOTE, evidence_ids=proof,
                               at=next(ticks))  # fmt: skip
            transition(session, sub.id, "approve", who, at=next(ticks))
        added.append(c.code)
    return added


def add_rollup_regions(session: Session, password_hash: str | None = None) -> None:
    """The cities above the neighbours and the two roll-up accounts (when absent)."""
    for code, name, level, parent in CITIES:
        if session.get(Region, code) is None:
            session.add(Region(code=code, name=name, level=level, parent_code=parent, note=NOTE))
    session.flush()
    for username, display, role, region in ROLLUP_ACCOUNTS:
        if session.scalars(select(User).where(User.username == username)).first() is None:
            session.add(User(username=username, display_name=display, role=role, region_code=region,
                             password_hash=password_hash))  # fmt: skip


def add_sample_counties(url: str, files_root: Path | None = None) -> list[str]:
    """Add the roll-up neighbours (and their cities, accounts, rounds) to the demo database at ``url``.

    Returns the codes of the counties added (empty when all were present). Needs the 卢氏县 demo
    (``liangshan demo``) as the base of the values: its approved values are read back from the database.
    The two accounts have no password (``liangshan user demo-passwords`` sets one).
    """
    ensure_db(url)
    catalog = load_catalog()
    root = files_root or evidence_root(url)
    with session_scope(url) as s:
        if s.get(Region, BASE) is None:
            raise NotFoundError(f"没有示例县 {BASE}（卢氏县）的数据：请先运行 liangshan demo")
        obs = subtree_observations(s, BASE, range(2019, 2026)).get(BASE, {})
        base = {k: o.value for k, o in obs.items() if o.value is not None and ":" not in k[0]}
        add_rollup_regions(s)
        added = add_counties(s, catalog, NEIGHBOURS, base, root)
    return added
