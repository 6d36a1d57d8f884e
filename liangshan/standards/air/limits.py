"""GB 3095 concentration limits in force on a date or for a calendar year, by grade (一级/二级).

References
----------
GB 3095-2012 表1, 表2 (to 2026-02-28). GB 3095-2026 4.4: 表1 过渡阶段浓度限值 from the standard's effective
date (2026-03-01) to 2030-12-31, 表1 浓度限值 nationwide from 2031-01-01; 表2 notes a/b (NOx transition
limits); 4.2: 一类区 → 一级, 二类区 → 二级. The tables themselves are data in
:data:`liangshan.standards.air.tables.GB3095_LIMITS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

import numpy as np

from liangshan.standards.air.tables import GB3095_LIMITS, GRADES, LimitSet


@dataclass(frozen=True)
class Limits:
    """The limits of one GB 3095 edition/stage for one grade.

    Attributes
    ----------
    code : str
        Key of :data:`GB3095_LIMITS` (``GB3095-2012``, ``GB3095-2026-过渡阶段``, ``GB3095-2026``).
    name : str
        Chinese name shown to users, e.g. ``GB 3095-2026 过渡阶段 二级``.
    grade : str
        ``一级`` or ``二级``.
    basic, other : mapping (pollutant, statistic) → limit
        表1 and 表2 limits, µg/m³ (CO mg/m³).
    effective, until : date
        Period in which the edition/stage applies (``until`` None: open-ended).
    """

    code: str
    name: str
    grade: str
    basic: MappingProxyType[tuple[str, str], float | None]
    other: MappingProxyType[tuple[str, str], float | None]
    effective: date
    until: date | None

    def get(self, pollutant: str, statistic: str) -> float | None:
        """Limit of ``pollutant`` for ``statistic`` (annual, 24h, 8h, 1h, season), None when it has none."""
        return self.basic.get((pollutant, statistic), self.other.get((pollutant, statistic)))


def limit_set_on(day: date, limits: str = "auto") -> LimitSet:
    """The :class:`LimitSet` in force on ``day`` (or the one named by ``limits``)."""
    if limits != "auto":
        if limits not in GB3095_LIMITS:
            raise ValueError(f"未知的限值版本 {limits!r}，应为 auto 或 {'、'.join(GB3095_LIMITS)}")
        return GB3095_LIMITS[limits]
    for ls in GB3095_LIMITS.values():
        if ls.effective <= day and (ls.until is None or day <= ls.until):
            return ls
    return GB3095_LIMITS["GB3095-2012"]  # before 2012: the oldest edition we hold


def _day(date_or_year: Any) -> date:
    """A calendar year means 31 December of that year (the stage in force at the end of the year)."""
    if isinstance(date_or_year, datetime):
        return date_or_year.date()
    if isinstance(date_or_year, date):
        return date_or_year
    if isinstance(date_or_year, int | np.integer):
        return date(int(date_or_year), 12, 31)
    if isinstance(date_or_year, np.datetime64):
        return date.fromisoformat(str(date_or_year.astype("datetime64[D]")))
    if isinstance(date_or_year, str):
        text = date_or_year.strip()
        if text.isdigit() and len(text) == 4:
            return date(int(text), 12, 31)
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            pass
    raise ValueError(f"无法识别的日期或年份 {date_or_year!r}，应为 2026-03-01 或 2026 这样的值")


def limits_for(date_or_year: Any, grade: str = "二级", limits: str = "auto") -> Limits:
    """GB 3095 limits in force on a date, or for a calendar year, for ``grade``.

    Parameters
    ----------
    date_or_year : date, datetime, numpy.datetime64, int or str
        A day (``2026-03-01``) or a year (``2026``: the stage in force on 31 December, i.e. the one an annual
        evaluation of that year uses — GB 3095-2026 4.4).
    grade : {"一级", "二级"}
        GB 3095 4.2: 一类区 uses 一级, 二类区 二级 (county 两山 evaluation: 二级).
    limits : str
        ``auto`` (by date) or a key of :data:`GB3095_LIMITS` to force an edition/stage.

    Raises
    ------
    ValueError
        Unknown grade, edition/stage or date.
    """
    if grade not in GRADES:
        raise ValueError(f"未知的浓度限值级别 {grade!r}，应为 一级 或 二级")
    ls = limit_set_on(_day(date_or_year), limits)
    return Limits(
        ls.code,
        ls.name(grade),
        grade,
        ls.values(grade),
        ls.values(grade, other=True),
        ls.effective,
        ls.until,
    )


def limits_for_year(year: int, limits: str = "auto") -> LimitSet:
    """GB 3095 limit set for a calendar year: ``auto`` takes the one in force on 31 December of that year."""
    return limit_set_on(date(int(year), 12, 31), limits)
