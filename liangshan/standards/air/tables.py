"""Tables of the air-quality standards, transcribed once, as data, keyed by edition.

Nothing in this module computes anything: it holds the breakpoint tables of HJ 633 (AQI), the
AQI levels/categories/colours, the GB 3095 concentration limits and the HJ 663 / GB 3095 表4
data-validity thresholds, each keyed by the edition of the standard with its effective date.

References
----------
HJ 633-2012《环境空气质量指数（AQI）技术规定（试行）》表1, 表2.
HJ 633-2026《环境空气质量指数（AQI）技术规定》表3 (particulate columns changed), clause 4.2.2 (rounding),
notes b and c (special rules).
HJ 633-2026 4.2.2 (six daily indicators) and 表3 note a (1-h columns for the real-time report only).
GB 3095-2012《环境空气质量标准》表1, 表2, 表4; GB 3095-2026 表1 (过渡阶段 and final limits, 一级/二级), 表2,
4.4 (stages), 表4 (validity; page images in shared/standards).
HJ 663-2013《环境空气质量评价技术规范（试行）》.  See docs/air.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Literal

POLLUTANTS: tuple[str, ...] = ("so2", "no2", "pm10", "pm2_5", "co", "o3")
"""Pollutant codes of the column contract (µg/m³; CO in mg/m³)."""

DISPLAY_NAMES = MappingProxyType(
    {
        "so2": "SO2",
        "no2": "NO2",
        "pm10": "PM10",
        "pm2_5": "PM2.5",
        "co": "CO",
        "o3": "O3",
        "o3_1h": "O3_1h",
        "o3_8h": "O3_8h",
    }
)
UNITS = MappingProxyType({p: ("mg/m³" if p == "co" else "µg/m³") for p in POLLUTANTS})

IAQI_POINTS: tuple[int, ...] = (0, 50, 100, 150, 200, 300, 400, 500)
"""IAQI values at the breakpoints (HJ 633 表1 first column)."""

Period = Literal["1h", "24h", "8h"]


@dataclass(frozen=True)
class Edition:
    """One edition of a standard: its code, title and the date from which it applies."""

    code: str
    title: str
    effective: date
    note: str = ""


AQI_EDITIONS = MappingProxyType(
    {
        "HJ633-2012": Edition(
            "HJ633-2012",
            "环境空气质量指数（AQI）技术规定（试行）",
            date(2012, 2, 29),
            "issued 2012-02-29, applied by phases (key regions 2012, all cities 2016-01-01)",
        ),
        "HJ633-2026": Edition("HJ633-2026", "环境空气质量指数（AQI）技术规定", date(2026, 3, 1)),
    }
)
EDITION_SWITCH = date(2026, 3, 1)
"""Dates on/after this day use HJ 633-2026 / GB 3095-2026 / HJ 663-2026 when ``edition="auto"``."""

# HJ 633-2012 表1 (HJ 633-2012 表1). Concentrations at the IAQI points 0, 50, 100, ... (µg/m³; CO mg/m³).
# The SO2 1-h and O3 8-h columns stop at 800 µg/m³: above, a special rule applies (SPECIAL_RULES).
_BP_2012: dict[tuple[str, str], tuple[float, ...]] = {
    ("so2", "24h"): (0, 50, 150, 475, 800, 1600, 2100, 2620),
    ("so2", "1h"): (0, 150, 500, 650, 800),
    ("no2", "24h"): (0, 40, 80, 180, 280, 565, 750, 940),
    ("no2", "1h"): (0, 100, 200, 700, 1200, 2340, 3090, 3840),
    ("pm10", "24h"): (0, 50, 150, 250, 350, 420, 500, 600),
    ("co", "24h"): (0, 2, 4, 14, 24, 36, 48, 60),
    ("co", "1h"): (0, 5, 10, 35, 60, 90, 120, 150),
    ("o3", "1h"): (0, 160, 200, 300, 400, 800, 1000, 1200),
    ("o3", "8h"): (0, 100, 160, 215, 265, 800),
    ("pm2_5", "24h"): (0, 35, 75, 115, 150, 250, 350, 500),
}
# HJ 633-2026 表3: only the particulate columns change (docs/air.md).
_BP_2026 = {
    **_BP_2012,
    ("pm2_5", "24h"): (0, 35, 60, 115, 150, 250, 350, 500),
    ("pm10", "24h"): (0, 50, 120, 250, 350, 420, 500, 600),
}
BREAKPOINTS = MappingProxyType(
    {"HJ633-2012": MappingProxyType(_BP_2012), "HJ633-2026": MappingProxyType(_BP_2026)}
)


@dataclass(frozen=True)
class SpecialRule:
    """What to do when a concentration is above ``threshold`` (strictly greater).

    ``action`` is ``"fixed"`` (the IAQI *is* ``iaqi``), ``"use_24h"`` (no IAQI from the 1-h value; report the
    24-h IAQI instead) or ``"use_1h"`` (no IAQI from the 8-h value; report the 1-h IAQI instead).
    """

    threshold: float
    action: Literal["fixed", "use_24h", "use_1h"]
    iaqi: float | None = None


SPECIAL_RULES = MappingProxyType(
    {
        # HJ 633-2012 表1 注 (2), (3).
        "HJ633-2012": {("so2", "1h"): SpecialRule(800, "use_24h"), ("o3", "8h"): SpecialRule(800, "use_1h")},
        # HJ 633-2026 表3 注 b, c.
        "HJ633-2026": {
            ("so2", "1h"): SpecialRule(800, "fixed", 200),
            ("o3", "8h"): SpecialRule(800, "fixed", 300),
        },
    }
)

# Decimals kept when concentrations are rounded (GB/T 8170 round half to even) before the IAQI.
# HJ 633-2026 clause 4.2.2; for HJ 633-2012 the same digits come from HJ 663-2013 (HJ 663-2013, UNVERIFIED
# digits) — applied by default, switchable with ``round_inputs=False``.
INPUT_DECIMALS = MappingProxyType(
    {
        ed: MappingProxyType({"so2": 0, "no2": 0, "pm10": 0, "pm2_5": 0, "co": 1, "o3": 0})
        for ed in BREAKPOINTS
    }
)


@dataclass(frozen=True)
class Level:
    """One AQI level of HJ 633 表2 (same in both editions)."""

    upper: int
    level: str
    category: str
    colour: str
    hex: str


LEVELS: tuple[Level, ...] = (
    Level(50, "一级", "优", "绿色", "#00E400"),
    Level(100, "二级", "良", "黄色", "#FFFF00"),
    Level(150, "三级", "轻度污染", "橙色", "#FF7E00"),
    Level(200, "四级", "中度污染", "红色", "#FF0000"),
    Level(300, "五级", "重度污染", "紫色", "#99004C"),
    Level(10**9, "六级", "严重污染", "褐红色", "#7E0023"),
)
CATEGORIES: tuple[str, ...] = tuple(lv.category for lv in LEVELS)


DAILY_INDICATORS = MappingProxyType(
    {
        # HJ 633-2012 日报 (式（1）): five 24-h means, O3 daily maximum 1-h and daily maximum 8-h mean.
        "HJ633-2012": ("so2", "no2", "pm10", "pm2_5", "co", "o3_1h", "o3_8h"),
        # HJ 633-2026 4.2.2: SO2, NO2, CO, PM10, PM2.5 日平均 and O3 日最大8小时平均 — six indicators;
        # 表3 note a: the 1-h columns of SO2, NO2, CO and O3 serve the real-time report (实时报) only.
        "HJ633-2026": ("so2", "no2", "pm10", "pm2_5", "co", "o3_8h"),
    }
)
"""Daily statistics that enter the daily AQI (日报) of each HJ 633 edition."""

GRADES: tuple[str, ...] = ("一级", "二级")
"""GB 3095 4.2: 一类区 uses the 一级 limits, 二类区 the 二级 limits."""


@dataclass(frozen=True)
class LimitSet:
    """GB 3095 concentration limits of one edition/stage, valid from ``effective`` to ``until`` (inclusive).

    Keys are ``(pollutant, statistic)`` with statistic ``annual`` (年平均), ``24h`` (日平均/24 小时平均),
    ``8h`` (O3 日最大8小时平均, GB 3095-2026 3.9), ``1h`` (1 小时平均) or ``season`` (季平均, Pb only);
    values in µg/m³ (CO mg/m³). ``grade1``/``grade2``: 一级/二级 limits of 表1 (basic items);
    ``other1``/``other2``: 表2 (other items: ``tsp``, ``nox``, ``pb``, ``bap``). :meth:`name` is the Chinese
    name shown to users.
    """

    code: str
    effective: date
    until: date | None
    grade2: MappingProxyType[tuple[str, str], float | None]
    grade1: MappingProxyType[tuple[str, str], float | None]
    other2: MappingProxyType[tuple[str, str], float | None]
    other1: MappingProxyType[tuple[str, str], float | None]
    edition: str
    stage: str

    def name(self, grade: str = "二级") -> str:
        """Chinese name of edition, stage and grade, e.g. ``GB 3095-2026 过渡阶段 二级``."""
        return " ".join(part for part in (self.edition, self.stage, grade) if part)

    def values(
        self, grade: str = "二级", *, other: bool = False
    ) -> MappingProxyType[tuple[str, str], float | None]:
        """Limits of ``grade`` (一级/二级): 表1 (basic items) or, with ``other``, 表2."""
        if grade not in GRADES:
            raise ValueError(f"未知的浓度限值级别 {grade!r}，应为 一级 或 二级")
        if other:
            return self.other1 if grade == "一级" else self.other2
        return self.grade1 if grade == "一级" else self.grade2


def _grades(rows: dict[tuple[str, str], tuple[float, float]]) -> tuple[dict, dict]:
    return {k: v[0] for k, v in rows.items()}, {k: v[1] for k, v in rows.items()}


# GB 3095-2012 表1 (GB 3095-2012 表1), (一级, 二级).
_GB2012_T1 = {
    ("so2", "annual"): (20, 60),
    ("so2", "24h"): (50, 150),
    ("so2", "1h"): (150, 500),
    ("no2", "annual"): (40, 40),
    ("no2", "24h"): (80, 80),
    ("no2", "1h"): (200, 200),
    ("co", "24h"): (4, 4),
    ("co", "1h"): (10, 10),
    ("o3", "8h"): (100, 160),
    ("o3", "1h"): (160, 200),
    ("pm10", "annual"): (40, 70),
    ("pm10", "24h"): (50, 150),
    ("pm2_5", "annual"): (15, 35),
    ("pm2_5", "24h"): (35, 75),
}
# GB 3095-2012 表2 (not among the page images in shared/standards; its values are the ones GB 3095-2026 表2
# keeps, with the NOx values that 表2 notes a/b of the 2026 edition carry over for the transition stage).
_GB2012_T2 = {
    ("tsp", "annual"): (80, 200),
    ("tsp", "24h"): (120, 300),
    ("nox", "annual"): (50, 50),
    ("nox", "24h"): (100, 100),
    ("nox", "1h"): (250, 250),
    ("pb", "annual"): (0.5, 0.5),
    ("pb", "season"): (1, 1),
    ("bap", "annual"): (0.001, 0.001),
    ("bap", "24h"): (0.0025, 0.0025),
}
# GB 3095-2026 表1, 过渡阶段浓度限值 (一级, 二级) — page image GB3095-2026_p3_table1_limits.png.
_GB2026_T1_TRANSITION = {
    ("so2", "annual"): (20, 60),
    ("so2", "24h"): (50, 150),
    ("so2", "1h"): (150, 500),
    ("no2", "annual"): (40, 40),
    ("no2", "24h"): (80, 80),
    ("no2", "1h"): (200, 200),
    ("co", "24h"): (4, 4),
    ("co", "1h"): (10, 10),
    ("o3", "8h"): (100, 160),
    ("o3", "1h"): (160, 200),
    ("pm10", "annual"): (40, 60),
    ("pm10", "24h"): (50, 120),
    ("pm2_5", "annual"): (15, 30),
    ("pm2_5", "24h"): (35, 60),
}
# GB 3095-2026 表1, 浓度限值 (final, from 2031-01-01 nationwide, 4.4).
_GB2026_T1_FINAL = {
    ("so2", "annual"): (20, 20),
    ("so2", "24h"): (50, 50),
    ("so2", "1h"): (150, 150),
    ("no2", "annual"): (30, 30),
    ("no2", "24h"): (50, 50),
    ("no2", "1h"): (200, 200),
    ("co", "24h"): (4, 4),
    ("co", "1h"): (10, 10),
    ("o3", "8h"): (100, 160),
    ("o3", "1h"): (160, 200),
    ("pm10", "annual"): (20, 50),
    ("pm10", "24h"): (50, 100),
    ("pm2_5", "annual"): (10, 25),
    ("pm2_5", "24h"): (25, 50),
}
# GB 3095-2026 表2 (page image GB3095-2026_p4_table2_transition.png). Notes a/b: NOx annual 50 and 24-h
# 100 µg/m³ in the transition stage (to 2030-12-31); 40 and 70 afterwards. 4.5: how 表2 applies is decided
# by the ministry or the provincial government.
_GB2026_T2_FINAL = {
    ("tsp", "annual"): (80, 200),
    ("tsp", "24h"): (120, 300),
    ("nox", "annual"): (40, 40),
    ("nox", "24h"): (70, 70),
    ("nox", "1h"): (250, 250),
    ("pb", "annual"): (0.5, 0.5),
    ("pb", "season"): (1, 1),
    ("bap", "annual"): (0.001, 0.001),
    ("bap", "24h"): (0.0025, 0.0025),
}
_GB2026_T2_TRANSITION = {**_GB2026_T2_FINAL, ("nox", "annual"): (50, 50), ("nox", "24h"): (100, 100)}


def _limit_set(
    code: str, effective: date, until: date | None, t1: dict, t2: dict, edition: str, stage: str
) -> LimitSet:
    g1, g2 = _grades(t1)
    o1, o2 = _grades(t2)
    return LimitSet(
        code,
        effective,
        until,
        MappingProxyType(g2),
        MappingProxyType(g1),
        MappingProxyType(o2),
        MappingProxyType(o1),
        edition,
        stage,
    )


GB3095_LIMITS = MappingProxyType(
    {
        "GB3095-2012": _limit_set(
            "GB3095-2012", date(2012, 2, 29), date(2026, 2, 28), _GB2012_T1, _GB2012_T2, "GB 3095-2012", ""
        ),
        # GB 3095-2026 4.4: 过渡阶段 from the effective date (2026-03-01) to 2030-12-31.
        "GB3095-2026-过渡阶段": _limit_set(
            "GB3095-2026-过渡阶段",
            date(2026, 3, 1),
            date(2030, 12, 31),
            _GB2026_T1_TRANSITION,
            _GB2026_T2_TRANSITION,
            "GB 3095-2026",
            "过渡阶段",
        ),
        "GB3095-2026": _limit_set(
            "GB3095-2026", date(2031, 1, 1), None, _GB2026_T1_FINAL, _GB2026_T2_FINAL, "GB 3095-2026", ""
        ),
    }
)


@dataclass(frozen=True)
class Validity:
    """Data-validity thresholds (GB 3095 表4 / HJ 663).

    GB 3095-2026 表4 (read from the page image) confirms the 24-h (≥ 20 hourly values), 8-h (≥ 6 hourly
    values) and annual (≥ 324 daily values, ≥ 27 per month, 25 in February) thresholds; the 14-of-17 window
    rule and the O3 1-h daily maximum rule are HJ 663-2013 practice (HJ 663-2013, UNVERIFIED).

    Attributes (counts)
    -------------------
    min_hours_24h : valid hourly values needed for a 24-h mean (20).
    min_hours_8h : valid hourly values needed in an 8-h O3 window (6 of 8).
    n_windows_o3_8h, min_windows_o3_8h : 8-h windows per day (17) and valid ones needed (14).
    min_hours_o3_1h_max : valid O3 hours needed for the daily 1-h maximum (20; our choice, UNVERIFIED).
    min_days_annual, min_days_month, min_days_february : annual-statistic validity (324; 27; 25).
    """

    code: str
    min_hours_24h: int = 20
    min_hours_8h: int = 6
    n_windows_o3_8h: int = 17
    min_windows_o3_8h: int = 14
    min_hours_o3_1h_max: int = 20
    min_days_annual: int = 324
    min_days_month: int = 27
    min_days_february: int = 25


# HJ 663-2026 details are UNVERIFIED (docs/air.md): its thresholds default to the HJ 663-2013 ones.
VALIDITY = MappingProxyType({"HJ663-2013": Validity("HJ663-2013"), "HJ663-2026": Validity("HJ663-2026")})
COMPANION = MappingProxyType(
    {
        "HJ633-2012": {"validity": "HJ663-2013", "limits": "GB3095-2012"},
        "HJ633-2026": {"validity": "HJ663-2026", "limits": "GB3095-2026-过渡阶段"},
    }
)
"""Validity rules and limit set used together with each AQI edition."""
