"""Demo hook for indicators 2–4 (water) of 卢氏县 (411224), 2020–2025 — 示例数据, not official results.

Writes one deterministic long-form CSV of synthetic monitoring results: 8 surface-water sections in the
洛河 (Yellow River) and 老灌河 (Yangtze, to 丹江口) basins, monthly; 3 centralised drinking-water sources
(2 surface, 1 groundwater), monthly or quarterly; 6 groundwater points, twice a year. Then runs the
three water calculator specs on it (:mod:`liangshan.services.calculators.water` — the runs of the CLI's
``--to-indicator`` and of the web upload) and returns one :class:`ComputedValues` per year holding all six
data elements (sw_*, dws_*, gw_*); each spec's provenance is kept whole as a component.
Designed outcomes: the 洛河县城段 section is class Ⅳ (氨氮) in 2022 and 2024; the reservoir source fails
表2 锰 in 2021; two wells push the groundwater Ⅰ–Ⅲ share through a dip in 2022 (4/6) before rising to 6/6.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from liangshan.provenance import ComputedValues, Provenance
from liangshan.services.calculators import water as water_calc

REGION = "411224"
YEARS = tuple(range(2020, 2026))
SEED = 411224
FILE_NAME = "卢氏县_水质监测结果_2020-2025_示例数据.csv"
README = """示例数据（非官方）— 卢氏县地表水断面、集中式饮用水水源地、地下水点位监测结果（合成）

{name} 由 liangshan.demo.water 以固定随机种子 {seed} 生成，仅用于演示，不是卢氏县的真实监测数据；
断面、水源地、点位名称均为示例。长表格式，列：site, site_type, date, item, value, unit,
detection_limit, source_kind, volume, river（说明见 docs/water.md）。ND 表示低于检出限。
"""

# item: (unit, typical value, log-sd, decimals, detection limit or None)
SURFACE_ITEMS: dict[str, tuple[str, float, float, int, float | None]] = {
    "water_temp": ("℃", 14.0, 0.35, 1, None), "ph": ("无量纲", 7.8, 0.03, 2, None),
    "do": ("mg/L", 8.6, 0.08, 1, None), "codmn": ("mg/L", 2.4, 0.2, 1, 0.5),
    "cod": ("mg/L", 9.0, 0.2, 0, 4.0), "bod5": ("mg/L", 1.6, 0.25, 1, 0.5),
    "nh3n": ("mg/L", 0.18, 0.35, 3, 0.025), "tp": ("mg/L", 0.05, 0.3, 3, 0.01),
    "tn": ("mg/L", 1.6, 0.25, 2, 0.05), "cu": ("mg/L", 0.002, 0.5, 4, 0.001),
    "zn": ("mg/L", 0.01, 0.5, 3, 0.004), "f": ("mg/L", 0.32, 0.2, 2, 0.05),
    "se": ("mg/L", 0.0002, 0.5, 4, 0.0004), "as": ("µg/L", 1.2, 0.4, 1, 0.3),
    "hg": ("µg/L", 0.02, 0.5, 3, 0.04), "cd": ("mg/L", 0.00005, 0.5, 5, 0.0001),
    "cr6": ("mg/L", 0.002, 0.5, 3, 0.004), "pb": ("mg/L", 0.0008, 0.5, 4, 0.001),
    "cn": ("mg/L", 0.001, 0.5, 3, 0.004), "phenol": ("mg/L", 0.0002, 0.5, 4, 0.0003),
    "petroleum": ("mg/L", 0.012, 0.5, 3, 0.01), "las": ("mg/L", 0.02, 0.5, 3, 0.05),
    "sulfide": ("mg/L", 0.003, 0.5, 3, 0.005), "fecal_coliform": ("个/L", 900.0, 0.6, 0, 20.0),
}  # fmt: skip
SOURCE_EXTRA = {
    "so4": ("mg/L", 35.0, 0.15, 1, None), "cl": ("mg/L", 12.0, 0.2, 1, None),
    "no3n": ("mg/L", 1.4, 0.2, 2, 0.02), "fe": ("mg/L", 0.05, 0.4, 3, 0.03),
    "mn": ("mg/L", 0.02, 0.4, 3, 0.01), "benzene": ("µg/L", 0.3, 0.5, 1, 1.0),
    "chloroform": ("µg/L", 1.0, 0.5, 1, 0.4),
}  # fmt: skip
GROUND_ITEMS: dict[str, tuple[str, float, float, int, float | None]] = {
    "ph": ("无量纲", 7.4, 0.02, 2, None), "hardness": ("mg/L", 260.0, 0.03, 0, None),
    "tds": ("mg/L", 420.0, 0.03, 0, None), "so4": ("mg/L", 60.0, 0.03, 1, None),
    "cl": ("mg/L", 25.0, 0.03, 1, None), "fe": ("mg/L", 0.08, 0.1, 3, 0.03),
    "mn": ("mg/L", 0.03, 0.1, 3, 0.01), "nh3n": ("mg/L", 0.06, 0.1, 3, 0.025),
    "no3n": ("mg/L", 6.0, 0.03, 2, 0.02), "no2n": ("mg/L", 0.004, 0.3, 3, 0.003),
    "f": ("mg/L", 0.4, 0.05, 2, 0.05), "codmn": ("mg/L", 1.2, 0.1, 1, 0.5),
    "as": ("mg/L", 0.0008, 0.2, 4, 0.0003), "hg": ("mg/L", 0.00002, 0.3, 5, 0.00004),
    "cd": ("mg/L", 0.00005, 0.3, 5, 0.0001), "cr6": ("mg/L", 0.002, 0.2, 3, 0.004),
    "pb": ("mg/L", 0.0008, 0.2, 4, 0.0025), "total_coliform": ("MPN/100mL", 1.0, 0.3, 0, 2.0),
    "bacteria": ("CFU/mL", 30.0, 0.2, 0, None),
}  # fmt: skip
# (site, site_type, river) of the 8 assessed sections
SECTIONS = [
    ("洛河卢氏入境（示例）", "river", "洛河"), ("洛河县城段（示例）", "river", "洛河"),
    ("洛河范里（示例）", "river", "洛河"), ("洛河出境（示例）", "river", "洛河"),
    ("文峪河入洛口（示例）", "river", "洛河"), ("老灌河五里川（示例）", "river", "老灌河"),
    ("老灌河朱阳关（示例）", "river", "老灌河"), ("淇河出境（示例）", "river", "老灌河"),
]  # fmt: skip
# (site, site_type, source_kind, annual supply 万 m³)
SOURCES = [
    ("洛河城区饮用水水源地（示例）", "river", "surface", 320.0),
    ("窑子沟水库饮用水水源地（示例）", "reservoir", "surface", 120.0),
    ("县城地下水井群水源地（示例）", "groundwater", "groundwater", 80.0),
]
POINTS = [f"地下水监测点{i}（示例）" for i in "一二三四五六"]
# (site, item) → {year: typical value}: the designed departures from the defaults above.
OVERRIDES: dict[tuple[str, str], dict[int, float]] = {
    ("洛河县城段（示例）", "nh3n"): {2022: 1.25, 2024: 1.18},
    ("窑子沟水库饮用水水源地（示例）", "mn"): {2021: 0.16},
    ("窑子沟水库饮用水水源地（示例）", "tp"): {y: 0.02 for y in YEARS},
    ("地下水监测点三（示例）", "no3n"): {
        2020: 23.0,
        2021: 22.5,
        2022: 24.0,
        2023: 22.0,
        2024: 17.5,
        2025: 16.5,
    },
    ("地下水监测点五（示例）", "hardness"): {y: 480.0 if y == 2022 else 395.0 for y in YEARS},
}


def _dates(months: tuple[int, ...]) -> list[date]:
    return [date(y, m, 12) for y in YEARS for m in months]


def _rows(
    rng: np.random.Generator, site: str, items: dict[str, Any], dates: list[date], **cols: Any
) -> pl.DataFrame:
    """One site's results: every item on every date (vectorized over dates; one step per item)."""
    years = np.array([d.year for d in dates])
    frames = []
    for item, (unit, typical, sd, dec, dl) in items.items():
        base = np.array([OVERRIDES.get((site, item), {}).get(int(y), typical) for y in years])
        noise = rng.uniform(-1.0, 1.0, len(dates)) * sd if sd <= 0.1 else rng.normal(0.0, sd, len(dates))
        v = np.round(base * np.exp(noise), dec)
        text = [f"{x:.{dec}f}" for x in v]
        nd = np.zeros(len(v), bool) if dl is None else v < dl
        frames.append(pl.DataFrame({
            "site": site, "date": dates, "item": item, "value": np.where(nd, "ND", text), "unit": unit,
            "detection_limit": "" if dl is None else f"{dl:g}",
        }))  # fmt: skip
    return pl.concat(frames).with_columns(**{k: pl.lit(v) for k, v in cols.items()})


def synthetic_results(seed: int = SEED) -> pl.DataFrame:
    """All synthetic results of the demo, in the long-form column contract of :mod:`.io`."""
    rng = np.random.default_rng(seed)
    monthly, quarterly, twice = _dates(tuple(range(1, 13))), _dates((2, 5, 8, 11)), _dates((4, 9))
    frames = []
    for site, kind, river in SECTIONS:
        frames.append(
            _rows(rng, site, SURFACE_ITEMS, monthly, site_type=kind, source_kind="", volume="", river=river)
        )
    for site, kind, source, vol in SOURCES:
        items = GROUND_ITEMS if source == "groundwater" else {**SURFACE_ITEMS, **SOURCE_EXTRA}
        dates = quarterly if source == "groundwater" else monthly
        frames.append(
            _rows(rng, site, items, dates, site_type=kind, source_kind=source, volume=f"{vol:g}", river="")
        )
    for site in POINTS:
        frames.append(
            _rows(
                rng, site, GROUND_ITEMS, twice, site_type="groundwater", source_kind="", volume="", river=""
            )
        )
    cols = [
        "site",
        "site_type",
        "date",
        "item",
        "value",
        "unit",
        "detection_limit",
        "source_kind",
        "volume",
        "river",
    ]
    return pl.concat(frames).select(cols).sort("site", "date", "item")


def compute_demo(work_dir: Path) -> list[ComputedValues]:
    """Write the synthetic CSV into ``work_dir``, run the water specs on it, return 2020–2025 values."""
    work_dir.mkdir(parents=True, exist_ok=True)
    path = work_dir / FILE_NAME
    synthetic_results().write_csv(path)
    (work_dir / "README_水质示例数据.txt").write_text(
        README.format(name=FILE_NAME, seed=SEED), encoding="utf-8"
    )
    per_kind = [spec.compute({"results": path}, {}, REGION).results for spec in water_calc.SPECS]
    out = []
    for year in YEARS:
        parts = [r for results in per_kind for r in results if r.year == year]
        values: dict[str, float | bool | None] = {}
        components: dict[str, Any] = {}
        for p in parts:
            values.update(p.values)
            key = p.provenance.calculator.rsplit(".", 2)[-2]
            components[key] = {"calculator": p.provenance.calculator, "standard": p.provenance.standard,
                               "parameters": p.provenance.parameters, **p.provenance.components}  # fmt: skip
        prov = Provenance(
            calculator="liangshan.demo.water.compute_demo",
            standard="; ".join(water_calc.cited_standards()),
            parameters={"seed": SEED, "synthetic": "示例数据（非官方）"},
            inputs=parts[0].provenance.inputs,
            components=components,
        )
        out.append(ComputedValues(year=year, values=values, provenance=prov, region=REGION))
    return out
