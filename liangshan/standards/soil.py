"""Soil indicators: 受污染耕地安全利用率 (indicator 5) and 污染地块安全利用率 (indicator 6).

References
----------
- 农业农村部《受污染耕地安全利用率核算方法（试行）》(2020), formula (1)::

      A = (B + C + D) / E × 100%

  B 轻微污染耕地中落实优先保护类措施的面积, C 轻中度污染耕地中落实安全利用措施且农产品达标的面积,
  D 重度污染耕地中落实严格管控措施的面积, E 受污染耕地总面积 (= 轻微 + 轻中度 + 重度), all in 亩.
- 《“十四五”期间重点建设用地安全利用指标核算办法》(环办土壤函〔2023〕7号). The exact formula is
  UNVERIFIED (docs/ecology.md); implemented as the 2016《土壤污染防治行动计划》-era definition::

      rate = 安全利用的再开发污染地块数 / 再开发利用的污染地块数 × 100%

  counted by number of plots (``basis="count"``, default) or by area (``basis="area"``).

Zero denominators (docs/ecology.md design decision): a county without contaminated farmland or without
re-developed contaminated plots gets **不适用** (no rate, never 100%). Some provinces count this case as
达标; pass ``zero_denominator="deemed_met"`` to apply such a rule (the result still has no rate).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl

from liangshan.standards.errors import InputError
from liangshan.standards.tabular import TableError, parse_numbers, read_fields

__all__ = [
    "FARMLAND_COLUMNS",
    "METHOD_FARMLAND",
    "METHOD_PLOTS",
    "PLOTS_COLUMNS",
    "STATUS_COMPUTED",
    "STATUS_DEEMED_MET",
    "STATUS_NOT_APPLICABLE",
    "FarmlandRecord",
    "PlotsRecord",
    "SafeUseResult",
    "SoilInputError",
    "farmland_safe_use_rate",
    "plots_safe_use_rate",
    "read_farmland_csv",
    "read_plots_csv",
]

METHOD_FARMLAND = "农业农村部《受污染耕地安全利用率核算方法（试行）》(2020) 公式(1) A=(B+C+D)/E×100%"
METHOD_PLOTS = (
    "《“十四五”期间重点建设用地安全利用指标核算办法》(环办土壤函〔2023〕7号)；"
    "公式按《土壤污染防治行动计划》口径（UNVERIFIED）：安全利用的再开发污染地块 / 再开发利用的污染地块 × 100%"
)

STATUS_COMPUTED = "已核算"
STATUS_NOT_APPLICABLE = "不适用"
STATUS_DEEMED_MET = "视为达标"

ZeroDenominatorRule = Literal["not_applicable", "deemed_met"]

#: Relative tolerance when checking B + C + D ≤ E (areas are often typed with 2 decimals).
_AREA_RTOL = 1e-9

FARMLAND_COLUMNS = ("year", "b_area", "c_area", "d_area", "e_area")
PLOTS_COLUMNS = ("year", "plots_redeveloped", "plots_safe_use")


class SoilInputError(InputError):
    """Bad soil input (see :class:`~liangshan.standards.errors.InputError`)."""


@dataclass(frozen=True)
class SafeUseResult:
    """A safe-use rate with its status.

    Attributes
    ----------
    rate : float or None
        Rate in percent (0–100); ``None`` when the denominator is zero.
    status : str
        ``已核算`` (computed), ``不适用`` (zero denominator) or ``视为达标`` (zero denominator under a
        provincial rule that counts it as met).
    reason : str
        Why, in Chinese, for the report.
    numerator, denominator : float
        The figures the rate is computed from (亩 for farmland, plots or 亩 for plots).
    method : str
        The accounting rule applied.
    components : dict
        B, C, D, E (farmland) or safe/redeveloped (plots).
    """

    rate: float | None
    status: str
    reason: str
    numerator: float
    denominator: float
    method: str
    components: dict[str, float] = field(default_factory=dict)


def _check_number(name: str, value: float) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise SoilInputError(f"{name} 应为数值，得到 {value!r}") from None
    if not math.isfinite(v):
        raise SoilInputError(f"{name} 应为有限数值，得到 {value!r}")
    if v < 0:
        raise SoilInputError(f"{name} 不能为负数，得到 {v:g}")
    return v


def _zero_result(
    rule: ZeroDenominatorRule, what: str, method: str, components: dict[str, float]
) -> SafeUseResult:
    if rule == "deemed_met":
        return SafeUseResult(
            None,
            STATUS_DEEMED_MET,
            f"{what}为 0，按省级规定视为达标（无比率）",
            0.0,
            0.0,
            method,
            components,
        )
    if rule == "not_applicable":
        return SafeUseResult(
            None,
            STATUS_NOT_APPLICABLE,
            f"{what}为 0，指标不适用（不报告为 100%）",
            0.0,
            0.0,
            method,
            components,
        )
    raise ValueError(f"zero_denominator 应为 'not_applicable' 或 'deemed_met'，得到 {rule!r}")


def farmland_safe_use_rate(
    b_area: float,
    c_area: float,
    d_area: float,
    e_area: float,
    *,
    zero_denominator: ZeroDenominatorRule = "not_applicable",
) -> SafeUseResult:
    """受污染耕地安全利用率 ``A = (B + C + D) / E × 100``.

    Parameters
    ----------
    b_area : float
        B, 轻微污染耕地中落实优先保护类措施的面积, 亩.
    c_area : float
        C, 轻中度污染耕地中落实安全利用措施且农产品质量达标的面积, 亩.
    d_area : float
        D, 重度污染耕地中落实严格管控措施的面积, 亩.
    e_area : float
        E, 受污染耕地总面积 (轻微 + 轻中度 + 重度), 亩.
    zero_denominator : {"not_applicable", "deemed_met"}
        What E = 0 means: ``不适用`` (default, docs/ecology.md) or ``视为达标`` (a provincial rule).

    Returns
    -------
    SafeUseResult
        ``rate`` in percent, or ``None`` with the status when E = 0.

    Raises
    ------
    SoilInputError
        A negative or non-numeric area, or B + C + D > E (a plot may be counted only once).
    """
    b = _check_number("B（优先保护类面积）", b_area)
    c = _check_number("C（安全利用类面积）", c_area)
    d = _check_number("D（严格管控类面积）", d_area)
    e = _check_number("E（受污染耕地总面积）", e_area)
    num = b + c + d
    comps = {"b_area": b, "c_area": c, "d_area": d, "e_area": e}
    if num > e * (1 + _AREA_RTOL) + 1e-12:
        raise SoilInputError(
            f"B + C + D = {num:g} 亩 大于 E = {e:g} 亩；同一地块只能计入一类（核算方法要求不重复计算）"
        )
    if e == 0:
        return _zero_result(zero_denominator, "受污染耕地总面积 E ", METHOD_FARMLAND, comps)
    return SafeUseResult(
        min(100.0, num / e * 100.0), STATUS_COMPUTED, "按 (B+C+D)/E×100% 核算", num, e, METHOD_FARMLAND, comps
    )


def plots_safe_use_rate(
    safe_use: float,
    redeveloped: float,
    *,
    basis: Literal["count", "area"] = "count",
    zero_denominator: ZeroDenominatorRule = "not_applicable",
) -> SafeUseResult:
    """污染地块安全利用率 = safe-used re-developed plots / re-developed contaminated plots × 100.

    Parameters
    ----------
    safe_use : float
        Re-developed contaminated plots whose soil meets the planned use (GB 36600-2018 after risk
        assessment / remediation): number of plots (个) for ``basis="count"``, or area (亩) for "area".
    redeveloped : float
        Contaminated plots re-developed in the period (个 or 亩). Plots under risk control but not
        re-developed are excluded (docs/ecology.md).
    basis : {"count", "area"}
        Count plots (default) or sum their areas.
    zero_denominator : {"not_applicable", "deemed_met"}
        What zero re-developed plots means: ``不适用`` (default) or ``视为达标`` (provincial rule,
        "无再开发利用污染地块, 指标达标").

    Returns
    -------
    SafeUseResult

    Raises
    ------
    SoilInputError
        Negative values, non-integer counts, or safe-use > re-developed.
    """
    if basis not in ("count", "area"):
        raise ValueError(f"basis 应为 'count' 或 'area'，得到 {basis!r}")
    s = _check_number("安全利用地块", safe_use)
    r = _check_number("再开发利用污染地块", redeveloped)
    if basis == "count" and (s != int(s) or r != int(r)):
        raise SoilInputError(f"按个数核算时地块数应为整数，得到 {s:g} / {r:g}")
    comps = {"plots_safe_use": s, "plots_redeveloped": r}
    if s > r * (1 + _AREA_RTOL) + 1e-12:
        raise SoilInputError(f"安全利用地块 {s:g} 大于再开发利用污染地块 {r:g}")
    method = METHOD_PLOTS + ("（按个数）" if basis == "count" else "（按面积）")
    if r == 0:
        return _zero_result(zero_denominator, "再开发利用的污染地块", method, comps)
    return SafeUseResult(
        min(100.0, s / r * 100.0), STATUS_COMPUTED, "按 安全利用/再开发利用 核算", s, r, method, comps
    )


# ----------------------------------------------------------------------------------------------- CSV


@dataclass(frozen=True)
class FarmlandRecord:
    """One year of farmland areas read from a CSV, with its result."""

    year: int
    b_area: float
    c_area: float
    d_area: float
    e_area: float
    result: SafeUseResult


@dataclass(frozen=True)
class PlotsRecord:
    """One year of plot counts read from a CSV, with its result."""

    year: int
    plots_redeveloped: float
    plots_safe_use: float
    result: SafeUseResult


def _read_numeric_csv(
    path: Path, columns: tuple[str, ...], integer: tuple[str, ...], schema: str
) -> pl.DataFrame:
    """Read ``path`` (CSV in UTF-8/GB18030, or .xlsx; headers through the ``schema`` synonyms of
    ``tabular_headers.yaml``), check the columns and convert them; errors name row and column."""
    name = str(path)
    try:
        df = read_fields(path, schema, name=name).frame
    except TableError as exc:
        raise SoilInputError(exc.reason, file=exc.file, row=exc.row, column=exc.column) from None
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise SoilInputError(f"缺少列 {', '.join(missing)}（应有列：{', '.join(columns)}）", file=name)
    if df.height == 0:
        raise SoilInputError("没有数据行", file=name)
    out = {}
    for col in columns:
        raw = df[col].str.strip_chars()
        try:
            num = parse_numbers(raw, file=name, column=col, allow_empty=False)
        except TableError as exc:
            i = (exc.row or 2) - 2
            raise SoilInputError(f"应为数值，得到 {raw[i]!r}", file=name, row=exc.row, column=col) from None
        arr = num.to_numpy()
        neg = arr < 0
        if neg.any():
            i = int(np.flatnonzero(neg)[0])
            raise SoilInputError(f"不能为负数，得到 {arr[i]:g}", file=name, row=i + 2, column=col)
        if col in integer:
            frac = arr != np.round(arr)
            if frac.any():
                i = int(np.flatnonzero(frac)[0])
                raise SoilInputError(f"应为整数，得到 {arr[i]:g}", file=name, row=i + 2, column=col)
        out[col] = arr
    frame = pl.DataFrame(out).with_columns(pl.col("year").cast(pl.Int64))
    dup = (~frame["year"].is_first_distinct()).to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise SoilInputError(f"年份 {frame['year'][i]} 重复", file=name, row=i + 2, column="year")
    return frame


def read_farmland_csv(
    path: str | Path, *, zero_denominator: ZeroDenominatorRule = "not_applicable"
) -> list[FarmlandRecord]:
    """Read a farmland CSV (columns ``year,b_area,c_area,d_area,e_area``, areas in 亩) and compute A.

    Parameters
    ----------
    path : str or Path
        CSV (UTF-8 or GB18030) or .xlsx, header row then one row per year; Chinese headers (年份,
        优先保护面积, 安全利用面积, 严格管控面积, 受污染耕地面积 …) per ``tabular_headers.yaml``.
    zero_denominator : {"not_applicable", "deemed_met"}
        Passed to :func:`farmland_safe_use_rate`.

    Returns
    -------
    list of FarmlandRecord
        In the file's order.

    Raises
    ------
    SoilInputError
        Missing column, non-numeric / negative value, duplicate year, or B + C + D > E, naming the row.
    """
    p = Path(path)
    df = _read_numeric_csv(p, FARMLAND_COLUMNS, ("year",), "soil_farmland")
    b, c, d, e = (df[k].to_numpy() for k in ("b_area", "c_area", "d_area", "e_area"))
    over = (b + c + d) > e * (1 + _AREA_RTOL) + 1e-12
    if over.any():
        i = int(np.flatnonzero(over)[0])
        raise SoilInputError(
            f"B + C + D = {b[i] + c[i] + d[i]:g} 大于 E = {e[i]:g}（同一地块只能计入一类）",
            file=str(p),
            row=i + 2,
            column="e_area",
        )
    out = []
    for row in df.iter_rows(named=True):  # one row per year: a handful of rows
        res = farmland_safe_use_rate(
            row["b_area"], row["c_area"], row["d_area"], row["e_area"], zero_denominator=zero_denominator
        )
        out.append(
            FarmlandRecord(
                int(row["year"]), row["b_area"], row["c_area"], row["d_area"], row["e_area"], result=res
            )
        )
    return out


def read_plots_csv(
    path: str | Path,
    *,
    basis: Literal["count", "area"] = "count",
    zero_denominator: ZeroDenominatorRule = "not_applicable",
) -> list[PlotsRecord]:
    """Read a plots CSV (columns ``year,plots_redeveloped,plots_safe_use``) and compute the rate.

    Parameters
    ----------
    path : str or Path
        CSV file; counts (个) for ``basis="count"`` (must be integers) or areas (亩) for "area".
    basis : {"count", "area"}
        See :func:`plots_safe_use_rate`.
    zero_denominator : {"not_applicable", "deemed_met"}
        See :func:`plots_safe_use_rate`.

    Returns
    -------
    list of PlotsRecord

    Raises
    ------
    SoilInputError
        Missing column, bad value, duplicate year, or safe-use > re-developed, naming the row.
    """
    p = Path(path)
    integer = ("year", "plots_redeveloped", "plots_safe_use") if basis == "count" else ("year",)
    df = _read_numeric_csv(p, PLOTS_COLUMNS, integer, "soil_plots")
    s, r = df["plots_safe_use"].to_numpy(), df["plots_redeveloped"].to_numpy()
    over = s > r * (1 + _AREA_RTOL) + 1e-12
    if over.any():
        i = int(np.flatnonzero(over)[0])
        raise SoilInputError(
            f"安全利用地块 {s[i]:g} 大于再开发利用污染地块 {r[i]:g}",
            file=str(p),
            row=i + 2,
            column="plots_safe_use",
        )
    out = []
    for row in df.iter_rows(named=True):
        res = plots_safe_use_rate(
            row["plots_safe_use"], row["plots_redeveloped"], basis=basis, zero_denominator=zero_denominator
        )
        out.append(PlotsRecord(int(row["year"]), row["plots_redeveloped"], row["plots_safe_use"], res))
    return out
