"""Soil indicators: 受污染耕地安全利用率 (indicator 5) and 污染地块安全利用率 (indicator 6).

References
----------
- 农业农村部《受污染耕地安全利用率核算方法（试行）》(2020), formula (1)::

      A = (B + C + D) / E × 100%

  B 轻微污染耕地中落实优先保护类措施的面积, C 轻中度污染耕地中落实安全利用措施且农产品达标的面积,
  D 重度污染耕地中落实严格管控措施的面积, E 受污染耕地总面积 (= 轻微 + 轻中度 + 重度), all in 亩.
- 《“十四五”期间重点建设用地安全利用指标核算办法》(环办土壤函〔2023〕7号). The exact formula is
  UNVERIFIED (docs/ecology.md). Two definitions (``definition``):

  ``pre-14th`` (default, the 2016《土壤污染防治行动计划》-era definition)::

      rate = 安全利用的再开发污染地块数 / 再开发利用的污染地块数 × 100%

  ``14th`` (《“十四五”土壤、地下水和农村生态环境保护规划》(环土壤〔2021〕120号, number UNVERIFIED)
  主要指标 “重点建设用地安全利用率”, accounted by 环办土壤函〔2023〕7号)::

      rate = 开发利用前符合土壤污染风险管控和修复名录要求的重点建设用地 / 开发利用的重点建设用地 × 100%

  where 重点建设用地 are plots whose use changes to 住宅、公共管理与公共服务用地 (“一住两公”) and those
  listed in the 土壤污染风险管控和修复名录; a plot counts as safe when, before it is used, it is not on the
  名录 or has been removed from it after risk control / remediation reached the planned use (UNVERIFIED
  restatement). Both count plots (``basis="count"``, default) or areas (``basis="area"``).
- C from product sampling (:func:`sampling_c_area`): C is the area of the light-to-moderately polluted
  parcels under safe-use measures whose sampled agricultural products met GB 2762 (the 核算方法's “且农产品
  质量达标”). A parcel counts when the share of its samples that are 达标 reaches ``min_share_percent``
  (default 100 %: every sample 达标). The threshold is a parameter because the 核算方法 does not say how a
  parcel with several samples is judged (UNVERIFIED; provinces differ).

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
from liangshan.standards.tabular import TableError, field_label, parse_numbers, read_fields

__all__ = [
    "FARMLAND_COLUMNS",
    "METHOD_FARMLAND",
    "METHOD_PLOTS",
    "METHOD_PLOTS_14TH",
    "METHOD_SAMPLING_C",
    "PLOTS_COLUMNS",
    "PLOT_DEFINITIONS",
    "SAMPLING_COLUMNS",
    "STATUS_COMPUTED",
    "STATUS_DEEMED_MET",
    "STATUS_NOT_APPLICABLE",
    "FarmlandRecord",
    "PlotsRecord",
    "SafeUseResult",
    "SamplingC",
    "SoilInputError",
    "farmland_safe_use_rate",
    "plots_safe_use_rate",
    "read_farmland_csv",
    "read_plots_csv",
    "sampling_c_area",
]

METHOD_FARMLAND = "农业农村部《受污染耕地安全利用率核算方法（试行）》(2020) 公式(1) A=(B+C+D)/E×100%"
METHOD_PLOTS = (
    "《“十四五”期间重点建设用地安全利用指标核算办法》(环办土壤函〔2023〕7号)；"
    "公式按《土壤污染防治行动计划》口径（UNVERIFIED）：安全利用的再开发污染地块 / 再开发利用的污染地块 × 100%"
)
METHOD_PLOTS_14TH = (
    "《“十四五”土壤、地下水和农村生态环境保护规划》（环土壤〔2021〕120号，文号 UNVERIFIED）"
    "重点建设用地安全利用率，"
    "按《“十四五”期间重点建设用地安全利用指标核算办法》(环办土壤函〔2023〕7号)（公式 UNVERIFIED）："
    "开发利用前符合土壤污染风险管控和修复名录要求的重点建设用地 / 开发利用的重点建设用地 × 100%"
)
PLOT_DEFINITIONS: dict[str, str] = {"pre-14th": METHOD_PLOTS, "14th": METHOD_PLOTS_14TH}
"""The two definitions of indicator 6 (see the module docstring), by ``definition`` value."""
METHOD_SAMPLING_C = (
    "C 按农产品抽样结果核算：落实安全利用措施且所抽农产品达标（GB 2762）的轻中度污染耕地地块面积之和"
    "（农业农村部《受污染耕地安全利用率核算方法（试行）》(2020) C 的定义）"
)

STATUS_COMPUTED = "已核算"
STATUS_NOT_APPLICABLE = "不适用"
STATUS_DEEMED_MET = "视为达标"

ZeroDenominatorRule = Literal["not_applicable", "deemed_met"]
PlotDefinition = Literal["pre-14th", "14th"]

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
    definition: PlotDefinition = "pre-14th",
) -> SafeUseResult:
    """污染地块安全利用率 = safe-used re-developed plots / re-developed contaminated plots × 100.

    Under ``definition="14th"`` the same ratio is taken over 重点建设用地: plots meeting the
    土壤污染风险管控和修复名录 requirements before use / 重点建设用地 developed in the period
    (环土壤〔2021〕120号 主要指标; 环办土壤函〔2023〕7号).

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
    definition : {"pre-14th", "14th"}
        ``pre-14th`` (default): 再开发利用的污染地块 (《土壤污染防治行动计划》口径); ``14th``: 重点建设用地
        meeting the 名录 requirements before use (十四五 口径). The counts are the caller's; the
        definition names what they count, in the method and the zero-denominator reason.

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
    if definition not in PLOT_DEFINITIONS:
        raise ValueError(f"definition 应为 'pre-14th' 或 '14th'，得到 {definition!r}")
    s = _check_number("安全利用地块", safe_use)
    r = _check_number("再开发利用污染地块", redeveloped)
    if basis == "count" and (s != int(s) or r != int(r)):
        raise SoilInputError(f"按个数核算时地块数应为整数，得到 {s:g} / {r:g}")
    comps = {"plots_safe_use": s, "plots_redeveloped": r}
    if s > r * (1 + _AREA_RTOL) + 1e-12:
        raise SoilInputError(f"安全利用地块 {s:g} 大于再开发利用污染地块 {r:g}")
    method = PLOT_DEFINITIONS[definition] + ("（按个数）" if basis == "count" else "（按面积）")
    fourteenth = definition == "14th"
    if r == 0:
        what = "开发利用的重点建设用地" if fourteenth else "再开发利用的污染地块"
        return _zero_result(zero_denominator, what, method, comps)
    how = "按 符合名录要求/开发利用的重点建设用地 核算" if fourteenth else "按 安全利用/再开发利用 核算"
    return SafeUseResult(min(100.0, s / r * 100.0), STATUS_COMPUTED, how, s, r, method, comps)


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
        table = read_fields(path, schema, name=name)
    except TableError as exc:
        raise SoilInputError(exc.reason, file=exc.file, row=exc.row, column=exc.column) from None
    df, head = table.frame, table.header_of  # messages name the file's own header
    missing = [c for c in columns if c not in df.columns]
    if missing:

        def named(c: str) -> str:  # a column the file lacks, as this file's user would write it
            return field_label(schema, c, table.headers)

        need = "、".join(map(named, columns))
        raise SoilInputError(f"缺少列 {'、'.join(map(named, missing))}（应有列：{need}）", file=name)
    if df.height == 0:
        raise SoilInputError("没有数据行", file=name)
    out = {}
    for col in columns:
        raw = df[col].str.strip_chars()
        try:
            num = parse_numbers(raw, file=name, column=col, allow_empty=False)
        except TableError as exc:
            i = (exc.row or 2) - 2
            msg = f"应为数值，得到 {raw[i]!r}"
            raise SoilInputError(msg, file=name, row=exc.row, column=head(col)) from None
        arr = num.to_numpy()
        neg = arr < 0
        if neg.any():
            i = int(np.flatnonzero(neg)[0])
            raise SoilInputError(f"不能为负数，得到 {arr[i]:g}", file=name, row=i + 2, column=head(col))
        if col in integer:
            frac = arr != np.round(arr)
            if frac.any():
                i = int(np.flatnonzero(frac)[0])
                raise SoilInputError(f"应为整数，得到 {arr[i]:g}", file=name, row=i + 2, column=head(col))
        out[col] = arr
    frame = pl.DataFrame(out).with_columns(pl.col("year").cast(pl.Int64))
    dup = (~frame["year"].is_first_distinct()).to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise SoilInputError(f"年份 {frame['year'][i]} 重复", file=name, row=i + 2, column=head("year"))
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
    definition: PlotDefinition = "pre-14th",
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
    definition : {"pre-14th", "14th"}
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
            row["plots_safe_use"],
            row["plots_redeveloped"],
            basis=basis,
            zero_denominator=zero_denominator,
            definition=definition,
        )
        out.append(PlotsRecord(int(row["year"]), row["plots_redeveloped"], row["plots_safe_use"], res))
    return out


# ------------------------------------------------------------------------------------- C from sampling

SAMPLING_COLUMNS = ("year", "parcel", "parcel_area", "sample", "compliant")
"""Required columns of a sampling table (``product``, ``measured``, ``limit``, ``measures`` optional)."""

_YES = frozenset({"是", "达标", "合格", "y", "yes", "true", "1", "√", "✓"})
_NO = frozenset({"否", "不达标", "不合格", "超标", "n", "no", "false", "0", "×", "✗"})


@dataclass(frozen=True)
class SamplingC:
    """C of one year from product sampling: the parcels counted and those excluded, with reasons.

    Attributes
    ----------
    year : int
    c_area : float
        Sum of the counted parcels' areas, 亩.
    min_share_percent : float
        The share of 达标 samples a parcel needed (100 = every sample).
    counted, excluded : list of dict
        ``{"parcel", "area", "samples", "compliant", "share_percent"}`` per parcel; excluded parcels
        also have ``"reason"`` (Chinese).
    """

    year: int
    c_area: float
    min_share_percent: float
    counted: list[dict[str, object]]
    excluded: list[dict[str, object]]

    def summary(self) -> dict[str, object]:
        """What the provenance records: C, the rule, the parcels counted and excluded."""
        return {
            "c_area": self.c_area,
            "min_share_percent": self.min_share_percent,
            "parcels_counted": self.counted,
            "parcels_excluded": self.excluded,
        }


def _yes_no(raw: pl.Series, *, file: str, column: str, allow_empty: bool) -> np.ndarray:
    """``是/否``-style text → bool array (``None`` kept as True when empty is allowed)."""
    text = raw.cast(pl.String).fill_null("").str.strip_chars().str.to_lowercase().to_list()
    out = np.empty(len(text), dtype=bool)
    for i, t in enumerate(text):
        if t in _YES or (allow_empty and t == ""):
            out[i] = True
        elif t in _NO:
            out[i] = False
        else:
            raise SoilInputError(
                f"应为 是/否（达标/不达标），得到 {raw[i]!r}", file=file, row=i + 2, column=column
            )
    return out


def _first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def sampling_c_area(path: str | Path, *, min_share_percent: float = 100.0) -> dict[int, SamplingC]:
    """C (亩) per year from a product-sampling table of the parcels under safe-use measures.

    Rule (农业农村部《受污染耕地安全利用率核算方法（试行）》(2020) 公式(1), C: 轻中度污染耕地中落实安全
    利用措施 **且农产品质量达标** 的面积): a parcel counts with its whole area when it is under safe-use
    measures and the share of its samples judged 达标 (GB 2762-2022 污染物限量) is at least
    ``min_share_percent``. The 核算方法 does not say how several samples of one parcel are combined:
    the default 100 (every sample 达标) is this system's choice, UNVERIFIED, and a province's own rule
    (e.g. 80) is a parameter.

    Parameters
    ----------
    path : str or Path
        CSV (UTF-8/GB18030) or .xlsx, one row per sample: ``year`` (年份), ``parcel`` (地块编号),
        ``parcel_area`` (地块面积, 亩), ``sample`` (样品编号), ``compliant`` (是否达标: 是/否); optional
        ``product`` (农产品), ``measured`` (实测值, mg/kg) with ``limit`` (限量值, mg/kg) — when both are
        given the row must agree with ``compliant`` (measured ≤ limit ⇔ 达标) — and ``measures``
        (落实安全利用措施: 是/否, default 是). Headers per ``tabular_headers.yaml`` (schema
        ``soil_sampling``).
    min_share_percent : float
        Share (%) of a parcel's samples that must be 达标, in (0, 100].

    Returns
    -------
    dict of int to SamplingC
        By year.

    Raises
    ------
    SoilInputError
        Missing column, bad value, a parcel whose area differs between its rows, a sample listed twice,
        or ``compliant`` contradicting ``measured``/``limit``; the message names the file, row and column.
    """
    share = float(min_share_percent)
    if not math.isfinite(share) or not 0 < share <= 100:
        raise SoilInputError(f"地块达标样品占比阈值应在 (0, 100] 内，得到 {min_share_percent!r}")
    p = Path(path)
    name = str(p)
    try:
        table = read_fields(p, "soil_sampling", name=name)
    except TableError as exc:
        raise SoilInputError(exc.reason, file=exc.file, row=exc.row, column=exc.column) from None
    df, head = table.frame, table.header_of  # messages name the file's own header
    missing = [c for c in SAMPLING_COLUMNS if c not in df.columns]
    if missing:

        def named(c: str) -> str:  # a column the file lacks, as this file's user would write it
            return field_label("soil_sampling", c, table.headers)

        optional = "、".join(map(named, ("product", "measured", "limit", "measures")))
        raise SoilInputError(
            f"缺少列 {'、'.join(map(named, missing))}（应有列：{'、'.join(map(named, SAMPLING_COLUMNS))}；"
            f"可选 {optional}）",
            file=name,
        )
    if df.height == 0:
        raise SoilInputError("没有数据行", file=name)
    for col in ("parcel", "sample"):
        ids = df[col].cast(pl.String).fill_null("").str.strip_chars()
        empty = (ids == "").to_numpy()
        if empty.any():
            raise SoilInputError("不能为空", file=name, row=_first_bad(empty) + 2, column=head(col))
        df = df.with_columns(ids.alias(col))

    def numbers(col: str, allow_empty: bool = False) -> np.ndarray:
        raw = df[col]
        try:
            arr = parse_numbers(raw, file=name, column=head(col), allow_empty=allow_empty).to_numpy()
        except TableError as exc:
            raise SoilInputError(exc.reason, file=name, row=exc.row, column=head(col)) from None
        neg = np.nan_to_num(arr, nan=0.0) < 0
        if neg.any():
            i = _first_bad(neg)
            raise SoilInputError(f"不能为负数，得到 {arr[i]:g}", file=name, row=i + 2, column=head(col))
        return arr

    year = numbers("year")
    frac = year != np.round(year)
    if frac.any():
        i = _first_bad(frac)
        raise SoilInputError(f"应为整数年份，得到 {year[i]:g}", file=name, row=i + 2, column=head("year"))
    area = numbers("parcel_area")
    ok = _yes_no(df["compliant"], file=name, column=head("compliant"), allow_empty=False)
    measures = (
        _yes_no(df["measures"], file=name, column=head("measures"), allow_empty=True)
        if "measures" in df.columns
        else np.ones(df.height, dtype=bool)
    )
    if "measured" in df.columns and "limit" in df.columns:
        measured, limit = numbers("measured", True), numbers("limit", True)
        both = ~np.isnan(measured) & ~np.isnan(limit)
        clash = both & ((measured <= limit) != ok)
        if clash.any():
            i = _first_bad(clash)
            verdict = "达标" if ok[i] else "不达标"
            raise SoilInputError(
                f"实测值 {measured[i]:g} 与限量值 {limit[i]:g} 的比较结果与“{verdict}”不符",
                file=name,
                row=i + 2,
                column=head("compliant"),
            )
    frame = pl.DataFrame(
        {
            "row": np.arange(2, df.height + 2),
            "year": year.astype(np.int64),
            "parcel": df["parcel"],
            "sample": df["sample"],
            "area": area,
            "ok": ok,
            "measures": measures,
        }
    )
    dup = frame.select(~pl.struct("year", "parcel", "sample").is_first_distinct()).to_series().to_numpy()
    if dup.any():
        i = _first_bad(dup)
        raise SoilInputError(
            f"样品 {frame['sample'][i]} 在地块 {frame['parcel'][i]} 中重复",
            file=name,
            row=i + 2,
            column=head("sample"),
        )
    for col, label in (("area", "地块面积"), ("measures", "是否落实安全利用措施")):
        differs = pl.col(col) != pl.col(col).first().over("year", "parcel")
        bad = frame.select(differs).to_series().to_numpy()
        if bad.any():
            i = _first_bad(bad)
            raise SoilInputError(
                f"地块 {frame['parcel'][i]} 的{label}在各行中不一致",
                file=name,
                row=i + 2,
                column=head("parcel_area" if col == "area" else "measures"),
            )
    parcels = (
        frame.group_by("year", "parcel", maintain_order=True)
        .agg(
            pl.col("area").first(),
            pl.col("measures").first(),
            pl.len().alias("samples"),
            pl.col("ok").sum().alias("compliant"),
        )
        .with_columns((pl.col("compliant") / pl.col("samples") * 100.0).alias("share_percent"))
    )
    out: dict[int, SamplingC] = {}
    for (y,), part in parcels.group_by("year", maintain_order=True):
        counted: list[dict[str, object]] = []
        excluded: list[dict[str, object]] = []
        for r in part.iter_rows(named=True):  # one row per parcel
            rec: dict[str, object] = {
                "parcel": r["parcel"],
                "area": float(r["area"]),
                "samples": int(r["samples"]),
                "compliant": int(r["compliant"]),
                "share_percent": round(float(r["share_percent"]), 4),
            }
            if not r["measures"]:
                excluded.append({**rec, "reason": "未落实安全利用措施"})
            elif r["share_percent"] + 1e-9 < share:
                excluded.append({**rec, "reason": f"达标样品占比 {r['share_percent']:.1f}% 低于 {share:g}%"})
            else:
                counted.append(rec)
        c_area = float(part.filter(pl.col("parcel").is_in([c["parcel"] for c in counted]))["area"].sum())
        out[int(y)] = SamplingC(int(y), c_area, share, counted, excluded)
    return out
