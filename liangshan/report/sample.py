"""示例数据 for the report's tests and benchmarks: 卢氏县 and any number of synthetic counties.

The 卢氏县 sample uses the demo's unit statistics (:mod:`liangshan.demo.manual`) and stands in for the
calculators' output with fixed figures carrying provenance (calculator, standard edition, input file
hash) — so the report can be built before every calculator's demo hook exists. Values are chosen so
that every verdict appears: 优良天数比例 2025 fails by 5 days, 林草覆盖率 passes the 山区 target by
9.8 points, 生态补偿 declines (未达标), 绿色有机 dips once (基本达标), 人均生态产品产值 2025 is missing
(数据缺失, 统计局…), 污染地块 has no plot (不适用). Synthetic counties (codes ``99xxxx``, names
``示例县NNN``) perturb these figures with a fixed random seed. Everything is labelled 示例数据.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from liangshan import __version__
from liangshan.catalog import load_catalog
from liangshan.config import evidence_root
from liangshan.demo import manual
from liangshan.demo.build import PROFILE
from liangshan.store.db import session_scope
from liangshan.store.evidence import store_evidence
from liangshan.store.models import (
    AssessmentRound,
    Region,
    Review,
    Submission,
    SubmissionEvidence,
    Unit,
    User,
)
from liangshan.store.regions import load_profile
from liangshan.store.service import ensure_db
from liangshan.store.submissions import submit_value, transition

YEARS = manual.YEARS  # 2020 … 2025
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OFFICE = "office"
ANALYST = "analyst"

# Figures the calculators would produce (示例数据), 2020 … 2025, with the provenance they carry.
COMPUTED: dict[str, tuple[float, ...]] = {
    "air_good_days": (320, 325, 310, 331, 336, 318),
    "air_valid_days": (362, 361, 360, 363, 362, 358),
    "dws_compliant": (3, 3, 3, 3, 3, 3),
    "dws_total": (3, 3, 3, 3, 3, 3),
    "sw_sections_good": (5, 6, 6, 5, 6, 6),
    "sw_sections_total": (6, 6, 6, 6, 6, 6),
    "gw_points_good": (7, 7, 8, 6, 7, 7),
    "gw_points_total": (8, 8, 8, 8, 8, 8),
    "farmland_b_area": (1000, 1050, 1080, 1100, 1150, 1200),
    "farmland_c_area": (2600, 2700, 2800, 2900, 3000, 3100),
    "farmland_d_area": (380, 400, 420, 430, 440, 450),
    "farmland_e_area": (5000, 5000, 4995, 4990, 4985, 4980),
    "plots_safe_use": (0, 0, 0, 0, 0, 0),
    "plots_redeveloped": (0, 0, 0, 0, 0, 0),
    "forest_area_km2": (2590.40, 2596.10, 2601.30, 2606.10, 2608.90, 2611.00),
    "grass_area_km2": (178.20, 178.90, 179.60, 176.68, 177.88, 183.79),
    "land_area_km2": (4004, 4004, 4004, 4004, 4004, 4004),
    "species_richness": (2310, 2325, 2331, 2340, 2352, 2361),
    "redline_area_km2": (1461.22, 1461.22, 1461.22, 1461.22, 1461.22, 1461.22),
    "gep_constant": (5_812_000, 5_866_000, 5_901_000, 5_974_000, 6_032_000, 6_095_000),
    "survey_satisfied": (1098, 1110, 1121, 1130, 1141, 1152),
    "survey_valid": (1200, 1200, 1200, 1200, 1200, 1200),
}
SOURCES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # calculator, standard edition, elements it produces
    "air": (
        "liangshan.standards.air.indicator.indicator_values",
        "HJ 633-2012; HJ 663-2013; GB 3095-2012",
        ("air_good_days", "air_valid_days"),
    ),
    "water": (
        "liangshan.standards.water.surface_water",
        "GB 3838-2002; GB/T 14848-2017; 环办〔2011〕22号",
        (
            "dws_compliant",
            "dws_total",
            "sw_sections_good",
            "sw_sections_total",
            "gw_points_good",
            "gw_points_total",
        ),
    ),
    "soil": (
        "liangshan.standards.soil",
        "受污染耕地安全利用率核算方法（试行）; GB 15618-2018; GB 36600-2018",
        (
            "farmland_b_area",
            "farmland_c_area",
            "farmland_d_area",
            "farmland_e_area",
            "plots_safe_use",
            "plots_redeveloped",
        ),
    ),
    "land": (
        "liangshan.standards.land_cover",
        "GB/T 21010-2017",
        ("forest_area_km2", "grass_area_km2", "land_area_km2", "redline_area_km2"),
    ),
    "eco": (
        "liangshan.standards.biodiversity; liangshan.standards.gep",
        "HJ 623-2011; 陆地生态系统生产总值（GEP）核算技术指南",
        ("species_richness", "gep_constant"),
    ),
    "survey": ("liangshan.standards.survey", "问卷调查（示例）", ("survey_satisfied", "survey_valid")),
}


def _provenance(kind: str, year: int, region: str) -> dict[str, Any]:
    calc, std, _ = SOURCES[kind]
    name = f"{region}_{kind}_{year}_示例数据.csv"
    digest = hashlib.sha256(f"示例数据 {region} {kind} {year}".encode()).hexdigest()
    return {
        "calculator": calc,
        "standard": std,
        "parameters": {"data": "示例数据（合成，非官方）"},
        "inputs": [{"name": name, "sha256": digest, "size": 1024 + year}],
        "package_version": __version__,
        "components": {},
    }


def _series(rng: np.random.Generator | None) -> dict[str, tuple[float | bool | None, ...]]:
    """The 卢氏县 figures, or a perturbed copy for a synthetic county (same seed → same figures)."""
    out: dict[str, tuple[float | bool | None, ...]] = {**COMPUTED, **manual.SERIES}
    if rng is None:
        return out
    for code, vals in sorted(out.items()):
        el = load_catalog().element(code)
        if el.kind == "boolean" or code.startswith(("plots_", "dws_", "sw_", "gw_")):
            continue
        f = rng.normal(1.0, 0.03)
        new: list[float | bool | None] = []
        for v in vals:
            if v is None or isinstance(v, bool):
                new.append(v)
            elif el.kind == "count":
                new.append(float(round(float(v) * f * rng.normal(1.0, 0.01))))
            else:
                new.append(round(float(v) * f * rng.normal(1.0, 0.01), 2))
        out[code] = tuple(new)
    # keep ratios meaningful: numerators never above their denominators
    for num, den in (("air_good_days", "air_valid_days"), ("survey_satisfied", "survey_valid")):
        out[num] = tuple(min(a, b) for a, b in zip(out[num], out[den], strict=True))  # type: ignore[type-var]
    return out


def _synthetic_region(session: Session, code: str, name: str) -> None:
    session.add(Region(code=code, name=name, level="county", terrain_zone="山区", land_area_km2=4004))
    session.flush()
    for i, unit in enumerate(
        [
            "市生态环境局卢氏分局",
            "县委办公室",
            "县政府办公室",
            "发改委",
            "财政局",
            "自然资源局",
            "文化广电和旅游局",
            "农业农村局",
            "林业局",
            "水利局",
            "住建局",
            "工业和信息化和科技局",
            "统计局",
            "金融服务中心",
        ]
    ):
        session.add(Unit(region_code=code, name=unit, sort=i, kind="office" if i == 0 else "department"))
    session.add(
        AssessmentRound(
            region_code=code,
            name="“两山指数”自评估（2023—2025年，示例）",
            start_year=2023,
            end_year=2025,
            deadline="2026-12-31",
        )
    )
    session.flush()


def _kind_of(code: str) -> str | None:
    for kind, (_, _, codes) in SOURCES.items():
        if code in codes:
            return kind
    return None


def _rows(
    code: str, series: dict[str, tuple[float | bool | None, ...]], years: tuple[int, ...]
) -> Iterator[tuple[str, int, float | bool, dict[str, Any] | None]]:
    idx = {y: i for i, y in enumerate(YEARS)}
    for item in sorted(series):
        kind = _kind_of(item)
        for y in years:
            v = series[item][idx[y]]
            if v is None:
                continue
            yield item, y, v, (_provenance(kind, y, code) if kind else None)


def build_sample(url: str, regions: int = 1, years: tuple[int, ...] = YEARS, bulk: bool = False) -> list[str]:
    """Create 示例数据 in the database at ``url``: 卢氏县 (411224) and ``regions − 1`` synthetic counties.

    Parameters
    ----------
    url : str
        Database URL (migrated here).
    regions : int
        Number of regions; the first is always 卢氏县 from the demo profile.
    years : tuple of int
        Years to fill (subset of 2020–2025).
    bulk : bool
        Insert approved rows directly (fast, for benchmarks) instead of through ``submit_value`` and
        ``transition`` (the path the application takes; used by the tests).

    Returns
    -------
    list of str
        The region codes created, 卢氏县 first.
    """
    ensure_db(url)
    catalog = load_catalog()
    codes = ["411224"] + [f"99{i:04d}" for i in range(1, regions)]
    clock = iter(T0 + timedelta(seconds=i) for i in range(10_000_000))
    root = evidence_root(url)
    with session_scope(url) as s:
        for n, code in enumerate(codes):
            if code == "411224":
                load_profile(s, PROFILE, at=next(clock))
                series = _series(None)
                s.add_all(
                    [
                        User(username=OFFICE, display_name="领导小组办公室", role="office", region_code=code),
                        User(username=ANALYST, display_name="技术支持单位", role="analyst", region_code=code),
                    ]
                )
            else:
                _synthetic_region(s, code, f"示例县{n:03d}")
                series = _series(np.random.default_rng(n))
            evidence: dict[tuple[str, int], list[int]] = {}
            for item, y in manual.EVIDENCE_ITEMS:
                if y in years and series[item][YEARS.index(y)] is not None:
                    text = f"示例佐证材料（示例数据）：{catalog.element(item).name}，{y}年。\n"
                    ev = store_evidence(
                        s,
                        root,
                        text.encode(),
                        f"{item}_{y}_佐证.txt",
                        "text/plain",
                        region=code,
                        user=OFFICE,
                        at=next(clock),
                    )
                    evidence[(item, y)] = [ev.id]
            for item, y, v, prov in _rows(code, series, years):
                unit = catalog.element(item).unit
                note = manual.NOTES.get((item, y), "示例数据")
                if not bulk:
                    sub = submit_value(
                        s,
                        region=code,
                        item=item,
                        year=y,
                        value=v,
                        user=ANALYST if prov else "u01",
                        unit=unit,
                        note=note,
                        provenance=prov,
                        evidence_ids=evidence.get((item, y), ()),
                        at=next(clock),
                    )
                    transition(s, sub.id, "approve", OFFICE, at=next(clock))
                    continue
                at = next(clock)
                sub = Submission(
                    region_code=code,
                    item_code=item,
                    year=y,
                    version=1,
                    value_num=None if isinstance(v, bool) else float(v),
                    value_bool=v if isinstance(v, bool) else None,
                    value_unit=unit,
                    note=note,
                    provenance=prov,
                    status="approved",
                    created_by=ANALYST,
                    created_at=at,
                )
                s.add(sub)
                s.flush()
                s.add(
                    Review(
                        submission_id=sub.id,
                        action="approve",
                        from_status="submitted",
                        to_status="approved",
                        reason="",
                        actor=OFFICE,
                        at=at,
                    )
                )
                for eid in evidence.get((item, y), ()):
                    s.add(SubmissionEvidence(submission_id=sub.id, evidence_id=eid))
    return codes
