"""Sample counties for trying the roll-ups (示例数据: every value here is synthetic).

:func:`add_sample_counties` adds, next to the 卢氏县 demo, the other county-level regions of 三门峡市,
three counties of 洛阳市 and 济源市 (directly under 河南省) — real GB/T 2260 codes and names, so that
a boundary file of 三门峡市 or 河南省 (e.g. DataV ``adcode``) matches, but **synthetic values**:
卢氏县's approved values scaled by a size factor (万元, km², 亩) and by a quality factor with a small
deterministic jitter per county, indicator and year. Some counties lack a value (数据缺失), one has
no population (indicator 11 is then not rolled up for it), weaker ones have no market mechanism.
Every value is approved by ``system`` and noted 示例数据. Two accounts without password are added
(``city-leader`` at 三门峡市, ``province-office`` at 河南省; ``liangshan user demo-passwords`` sets
one). Adding is idempotent: counties already present are left alone.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path

from sqlalchemy import select

from liangshan.catalog import load_catalog
from liangshan.catalog.models import Catalog
from liangshan.config import evidence_root
from liangshan.store.db import session_scope
from liangshan.store.errors import NotFoundError
from liangshan.store.evidence import store_evidence
from liangshan.store.models import AssessmentRound, Region, User
from liangshan.store.rollup_queries import subtree_observations
from liangshan.store.service import ensure_db
from liangshan.store.submissions import submit_value, transition

BASE = "411224"
T0 = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
SIZE_UNITS = frozenset({"万元", "km²", "亩"})
NOTE = "示例数据（合成数值，仅用于演示汇总）"
EVIDENCE = "示例佐证材料（合成，仅用于演示）\n".encode()


@dataclass(frozen=True)
class SampleCounty:
    code: str
    name: str
    parent: str
    zone: str
    population: int | None
    size: float  # scales 万元, km², 亩
    quality: float  # scales numerators of ratios
    skip: tuple[tuple[str, int], ...] = ()


CITIES = (
    ("410000", "河南省", "province", None),
    ("411200", "三门峡市", "city", "410000"),
    ("410300", "洛阳市", "city", "410000"),
)
COUNTIES = (
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


def _jitter(*parts: object) -> float:
    """A deterministic number in [-1, 1] for the given parts."""
    return (zlib.crc32("|".join(map(str, parts)).encode()) % 20001) / 10000 - 1


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


def sample_values(
    catalog: Catalog, county: SampleCounty, base: dict[tuple[str, int], float | bool]
) -> dict[tuple[str, int], float | bool]:
    """The synthetic values of one county from the base county's values (see the module text)."""
    num_of, parts = _roles(catalog)
    out: dict[tuple[str, int], float | bool] = {}
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


def add_sample_counties(url: str, files_root: Path | None = None) -> list[str]:
    """Add the sample counties (and their cities, accounts, rounds) to the demo database at ``url``.

    Returns the codes of the counties added (empty when all were present). Needs the 卢氏县 demo
    (``liangshan demo``) as the base of the values.
    """
    ensure_db(url)
    catalog = load_catalog()
    root = files_root or evidence_root(url)
    ticks = (T0 + timedelta(seconds=i) for i in count())
    added: list[str] = []
    with session_scope(url) as s:
        if s.get(Region, BASE) is None:
            raise NotFoundError(f"没有示例县 {BASE}（卢氏县）的数据：请先运行 liangshan demo")
        obs = subtree_observations(s, BASE, range(2019, 2026)).get(BASE, {})
        base = {k: o.value for k, o in obs.items() if o.value is not None and ":" not in k[0]}
        for code, name, level, parent in CITIES:
            if s.get(Region, code) is None:
                s.add(Region(code=code, name=name, level=level, parent_code=parent, note=NOTE))
        s.flush()
        for c in COUNTIES:
            if s.get(Region, c.code) is not None:
                continue
            s.add(Region(code=c.code, name=c.name, level="county", parent_code=c.parent, terrain_zone=c.zone,
                         population=c.population, note=NOTE))  # fmt: skip
            s.flush()
            s.add(AssessmentRound(region_code=c.code, name="示例评估批次（2023—2025年）", start_year=2023,
                                  end_year=2025, deadline="2026-12-31"))  # fmt: skip
            s.flush()
            ev = store_evidence(s, root, EVIDENCE, "示例佐证材料.txt", "text/plain", region=c.code,
                                user="system", at=next(ticks))  # fmt: skip
            for (item, year), value in sorted(sample_values(catalog, c, base).items()):
                proof = [ev.id] if (value is True or (item == "eco_brands_obtained" and value)) else []
                sub = submit_value(s, region=c.code, item=item, year=year, value=value, user="system",
                                   unit=catalog.element(item).unit, note=NOTE, evidence_ids=proof,
                                   at=next(ticks))  # fmt: skip
                transition(s, sub.id, "approve", "system", at=next(ticks))
            added.append(c.code)
        for username, display, role, region in (
            ("city-leader", "三门峡市领导（示例）", "leader", "411200"),
            ("province-office", "河南省生态环境厅（示例）", "office", "410000"),
        ):
            if s.scalars(select(User).where(User.username == username)).first() is None:
                s.add(User(username=username, display_name=display, role=role, region_code=region))
    return added
