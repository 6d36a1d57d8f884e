"""Gap analysis: how far an indicator is from its target, said in the indicator's own units.

For every indicator result this module writes one sentence a county office can act on — "需再增加
5 个优良天", "林草覆盖率高于山区目标 9.8 个百分点", "需回升 1.3 个百分点（恢复到2023年的 16.1%）" — and,
where the target is numeric, the trend needed to reach it by a chosen year:

- the **linear view**: the change per year needed from the latest value to the target by the target
  year, against the average change per year observed over the window, and the value the observed
  trend would reach;
- the **Open SDG view** (open-sdg/sdg-build progress measure, used by national SDG platforms):
  growth ratio = CAGR_observed ÷ |CAGR_required|, with CAGR_observed = (x_t / x_0)^(1/(t−t0)) − 1 and
  CAGR_required = (target / x_0)^(1/(T−t0)) − 1 from the base year t0 of the window; ratio ≥ 0.95 进展显著,
  ≥ 0.6 进展一般, ≥ 0 进展有限, < 0 倒退; a value already at the target is 已达到目标. Without a numeric
  target (稳定提高 met), CAGR_observed is compared with 1.5 % / 0.5 % / 0 instead. The components are
  kept so an auditor can recompute the ratio.

The shortfall of a ratio indicator is also turned into its numerator (优良天数, 满意样本, 生态环保投入 …)
at the latest year's denominator: for counts, the smallest whole number that makes the *reported*
(GB/T 8170-rounded) value meet the target; for amounts, the amount that lifts the value to the smallest
reportable passing value. Pure functions: no database, no clock.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from liangshan.assess.index import IndicatorResult
from liangshan.assess.rules import FAIL, MISSING, NA, PARTIAL, PASS, RegionProfile, zone_threshold
from liangshan.assess.values import YearValue, round_half_even
from liangshan.catalog.models import Catalog, Indicator
from liangshan.report.measures import GapTerm

# Open SDG progress thresholds (sdg-build ProgressMeasure defaults), as data.
RATIO_THRESHOLDS = (("进展显著", 0.95), ("进展一般", 0.6), ("进展有限", 0.0))  # with a target
GROWTH_THRESHOLDS = (("进展显著", 0.015), ("进展一般", 0.005), ("进展有限", 0.0))  # without a target
ACHIEVED, DETERIORATION, NOT_AVAILABLE = "已达到目标", "倒退", "无法计算"


@dataclass(frozen=True)
class Trajectory:
    """The trend needed to reach a target by ``target_year`` versus the trend observed.

    Values are in the indicator's unit; changes in unit per year; growth rates as fractions.
    """

    base_year: int
    base_value: float
    current_year: int
    current_value: float
    target_year: int
    target_value: float | None
    observed_annual_change: float | None
    required_annual_change: float | None
    projected_value: float | None
    cagr_observed: float | None
    cagr_required: float | None
    growth_ratio: float | None
    status: str
    method: str  # "target" (growth ratio) | "no_target" (growth rate)
    note: str = ""


@dataclass(frozen=True)
class Need:
    """How much more of a ratio's numerator the target needs, at the latest year's denominator."""

    amount: float
    unit: str
    noun: str
    text: str


@dataclass(frozen=True)
class MissingItem:
    year: int
    code: str
    name: str
    units: tuple[str, ...]


@dataclass(frozen=True)
class Gap:
    """The gap of one indicator: a headline sentence, details, and the figures behind them.

    ``shortfall`` is how far the latest value is below what the target requires (indicator unit,
    positive = short); ``margin`` how far a passing value is above its threshold.
    """

    indicator_id: int
    verdict: str
    is_problem: bool
    headline: str
    details: tuple[str, ...] = ()
    shortfall: float | None = None
    margin: float | None = None
    need: Need | None = None
    trajectory: Trajectory | None = None
    missing: tuple[MissingItem, ...] = ()


# ---- formatting in the indicator's own units ------------------------------------------------------
def fmt_value(ind: Indicator, v: float | bool | None) -> str:
    """A value as reported: GB/T 8170 rounding to the indicator's precision, with its unit."""
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "是" if v else "否"
    s = f"{round_half_even(float(v), ind.precision):,.{ind.precision}f}"
    if ind.unit in ("%", ""):
        return f"{s}{ind.unit}"
    return f"{s} {ind.unit}"


def fmt_delta(ind: Indicator, d: float) -> str:
    """A difference of two values: percentage points for ``%``, else the indicator's unit."""
    s = f"{round_half_even(abs(float(d)), ind.precision):,.{ind.precision}f}"
    return f"{s} 个百分点" if ind.unit == "%" else f"{s}{' ' + ind.unit if ind.unit else ''}"


def fmt_rate(ind: Indicator, d: float) -> str:
    """A signed change per year."""
    unit = "个百分点" if ind.unit == "%" else ind.unit
    return f"{d:+,.{max(ind.precision, 1) + 1}f} {unit}/年".replace("  ", " ")


def _num(x: float, digits: int = 1) -> str:
    return f"{x:,.{digits}f}" if digits else f"{x:,.0f}"


def _rounded(ind: Indicator, yv: YearValue) -> float:
    return round_half_even(float(yv.value), ind.precision)  # type: ignore[arg-type]


def _cmp(v: float, op: str, t: float) -> bool:
    return v > t if op == ">" else v >= t


def reach_value(ind: Indicator, op: str, threshold: float) -> float:
    """The smallest reportable value meeting ``op threshold`` (``> 90`` at 1 decimal → 90.1)."""
    return threshold + 10.0 ** (-ind.precision) if op == ">" else threshold


# ---- trend ----------------------------------------------------------------------------------------
def _band(value: float, bands: Sequence[tuple[str, float]]) -> str:
    for label, lower in bands:
        if value >= lower:
            return label
    return DETERIORATION


def trajectory(
    points: Sequence[tuple[int, float]], target: float | None, target_year: int
) -> Trajectory | None:
    """Observed and required trend from yearly ``points`` (year, value) to ``target`` by ``target_year``.

    Parameters
    ----------
    points : sequence of (int, float)
        Known values by year (year, value in the indicator's unit), in year order.
    target : float or None
        The value to reach (indicator unit); None when the rule has no numeric target.
    target_year : int
        The year by which the target should be reached (year).
    """
    if not points:
        return None
    (y0, v0), (y1, v1) = points[0], points[-1]
    observed = (v1 - v0) / (y1 - y0) if y1 > y0 else None
    projected = v1 + observed * (target_year - y1) if observed is not None and target_year > y1 else None
    cagr_o: float | None = None
    note = ""
    if y1 > y0 and v0 > 0 and v1 > 0:
        cagr_o = (v1 / v0) ** (1 / (y1 - y0)) - 1
    elif y1 > y0:
        note = "基期或当期值不为正，无法计算增长率"
    else:
        note = "仅有一年数据，无法计算趋势"
    if target is None:
        status = NOT_AVAILABLE if cagr_o is None else _band(cagr_o, GROWTH_THRESHOLDS)
        return Trajectory(
            y0,
            v0,
            y1,
            v1,
            target_year,
            None,
            observed,
            None,
            projected,
            cagr_o,
            None,
            None,
            status,
            "no_target",
            note,
        )
    if v1 >= target:
        return Trajectory(
            y0,
            v0,
            y1,
            v1,
            target_year,
            target,
            observed,
            0.0,
            projected,
            cagr_o,
            None,
            None,
            ACHIEVED,
            "target",
            note,
        )
    required = (target - v1) / (target_year - y1) if target_year > y1 else None
    cagr_r: float | None = None
    ratio: float | None = None
    if v0 > 0 and target > 0 and target_year > y0:
        cagr_r = (target / v0) ** (1 / (target_year - y0)) - 1
        if cagr_r <= 0:
            # the base year already met the target: Open SDG's ratio has no meaning here
            note = f"{y0}年已达到目标值，增长比不适用；须扭转下降趋势"
            cagr_r = None
        elif cagr_o is not None:
            ratio = cagr_o / cagr_r
    if ratio is not None:
        status = _band(ratio, RATIO_THRESHOLDS)
    elif observed is not None and observed < 0:
        status = DETERIORATION
    else:
        status = NOT_AVAILABLE
    return Trajectory(
        y0,
        v0,
        y1,
        v1,
        target_year,
        target,
        observed,
        required,
        projected,
        cagr_o,
        cagr_r,
        ratio,
        status,
        "target",
        note,
    )


def trajectory_sentence(ind: Indicator, t: Trajectory) -> str:
    """The trend in words, with the growth-ratio components."""
    parts = []
    if t.observed_annual_change is not None:
        digits = max(ind.precision, 1) + 1
        if round(t.observed_annual_change, digits) == 0:  # "+0.00 个百分点/年" reads like a defect
            parts.append(f"{t.base_year}—{t.current_year}年保持 {fmt_value(ind, t.current_value)} 不变")
        else:
            rate = fmt_rate(ind, t.observed_annual_change)
            parts.append(f"{t.base_year}—{t.current_year}年年均变化 {rate}")
    if t.method == "no_target":
        if t.cagr_observed is not None:
            parts.append(f"年均增长率 {t.cagr_observed:+.2%}（{t.status}，按 1.5%/0.5%/0 分档）")
        return "；".join(parts) + "。" if parts else ""
    if t.status == ACHIEVED:
        return "；".join([*parts, "已达到目标"]) + "。"
    assert t.target_value is not None
    if t.required_annual_change is not None:
        parts.append(
            f"要在{t.target_year}年达到 {fmt_value(ind, t.target_value)}，需年均 "
            f"{fmt_rate(ind, t.required_annual_change)}"
        )
    if t.projected_value is not None:
        parts.append(f"按现有趋势{t.target_year}年约为 {fmt_value(ind, t.projected_value)}")
    if t.growth_ratio is not None and t.cagr_observed is not None and t.cagr_required is not None:
        parts.append(
            f"增长比 = 观测年均增长率 {t.cagr_observed:+.2%} ÷ 所需年均增长率 {t.cagr_required:+.2%} = "
            f"{t.growth_ratio:.2f}（{t.status}）"
        )
    elif t.note:
        parts.append(t.note)
    return "；".join(parts) + "。"


# ---- numerator needed -----------------------------------------------------------------------------
def numerator_needed(
    ind: Indicator, numerator: float, denominator: float, op: str, threshold: float, integer: bool
) -> float | None:
    """How much the numerator must grow (same denominator) for the reported value to meet the target.

    Parameters
    ----------
    ind : Indicator
        The ratio indicator (its ``formula.scale`` and ``precision`` are used).
    numerator, denominator : float
        The latest year's Σnumerator and Σdenominator (in the elements' unit: 天, 个, 万元, 亩 …).
    op : str
        ``">"`` or ``">="``.
    threshold : float
        Target in the indicator's unit (e.g. 90 for > 90 %).
    integer : bool
        True when the numerator is a count: the answer is the smallest whole number of extra units.

    Returns
    -------
    float or None
        The extra amount (≥ 0), or None when the denominator is 0 or the target is out of reach
        even with the whole denominator (ratio indicators capped at 100 %).
    """
    scale = ind.formula.scale
    if denominator <= 0:
        return None

    def ok(n: float) -> bool:
        return _cmp(round_half_even(n / denominator * scale, ind.precision), op, threshold)

    if ok(numerator):
        return 0.0
    if not integer:
        reach = reach_value(ind, op, threshold)
        return max(0.0, reach * denominator / scale - numerator)
    n = max(math.ceil(numerator), math.floor((threshold - 1.0) * denominator / scale))
    limit = n + int(denominator) + 10
    while n <= limit:
        if ok(n):
            return float(n) - numerator
        n += 1
    return None


def _need(
    ind: Indicator,
    yv: YearValue,
    op: str,
    threshold: float,
    catalog: Catalog,
    terms: Mapping[int, GapTerm],
) -> Need | None:
    if ind.formula.kind != "ratio" or yv.source != "elements":
        return None
    comps = yv.components
    if "numerator" not in comps or "denominator" not in comps:
        return None
    integer = all(catalog.element(c).kind == "count" for c in ind.formula.numerator)
    amount = numerator_needed(ind, comps["numerator"], comps["denominator"], op, threshold, integer)
    if amount is None or amount <= 0:
        return None
    term = terms.get(ind.id)
    if term is None:
        el = catalog.element(ind.formula.numerator[0])
        term = GapTerm(unit=el.unit, noun=el.name)
    den_names = "、".join(catalog.element(c).name for c in ind.formula.denominator)
    den_unit = catalog.element(ind.formula.denominator[0]).unit
    digits = 0 if integer else 1
    den = float(comps["denominator"])
    shown = math.ceil(amount) if integer else math.ceil(amount * 10) / 10
    text = (
        f"按{yv.year}年{den_names} {_num(den, 0 if float(den).is_integer() else 2)} {den_unit}不变计，"
        f"需再增加 {_num(shown, digits)} {term.unit}{term.noun}"
    ).replace("  ", " ")
    return Need(float(shown), term.unit.strip(), term.noun, text)


# ---- missing data ---------------------------------------------------------------------------------
def missing_items(ind: Indicator, series: Sequence[YearValue], catalog: Catalog) -> tuple[MissingItem, ...]:
    """Every element-year missing in the window, with the units that supply it."""
    out = []
    codes = {e.code for e in catalog.data_elements}
    for yv in series:
        if yv.status != "missing":
            continue
        for code in yv.missing:
            if code in codes:
                el = catalog.element(code)
                units = el.suppliers or ind.responsible_units
                out.append(MissingItem(yv.year, code, el.name, tuple(units)))
            else:
                out.append(MissingItem(yv.year, code, code, ind.responsible_units))
    return tuple(out)


def missing_sentence(items: Sequence[MissingItem]) -> str:
    by_year: dict[int, list[str]] = {}
    for m in items:
        by_year.setdefault(m.year, []).append(f"{m.name}（{'、'.join(m.units)}）")
    return "；".join(f"{y}年缺少{'、'.join(v)}" for y, v in sorted(by_year.items()))


# ---- per rule -------------------------------------------------------------------------------------
def _points(ind: Indicator, series: Sequence[YearValue]) -> list[tuple[int, float]]:
    return [
        (yv.year, round_half_even(float(yv.value), ind.precision))
        for yv in series
        if yv.value is not None and not isinstance(yv.value, bool)
    ]


def analyse(
    result: IndicatorResult,
    region: RegionProfile,
    catalog: Catalog,
    target_year: int,
    terms: Mapping[int, GapTerm] | None = None,
) -> Gap:
    """The gap of one assessed indicator.

    Parameters
    ----------
    result : IndicatorResult
        The assessment of the indicator (values per year, verdict, reason, threshold).
    region : RegionProfile
        The region (its terrain zone names the 林草覆盖率 target).
    catalog : Catalog
        The indicator catalog (element names, units and suppliers).
    target_year : int
        Year by which the target should be reached, for the required trend (year).
    terms : mapping of int to GapTerm, optional
        How each ratio indicator's numerator is named in "需再增加 …" (from ``measures.yaml``).
    """
    ind, tgt, series, j = result.indicator, result.target, result.years, result.judgement
    terms = terms or {}
    missing = missing_items(ind, series, catalog)
    last = series[-1]
    earlier_missing = tuple(m for m in missing if m.year != last.year)
    details: list[str] = []
    if earlier_missing:
        details.append(f"数据缺失：{missing_sentence(earlier_missing)}")
    if j.verdict == MISSING:
        head = (
            f"数据缺失：{missing_sentence(missing)}，未报送或未审核通过，无法判断是否达标"
            if missing
            else f"数据缺失：{j.reason}"
        )
        return Gap(ind.id, j.verdict, True, head, (), missing=missing)
    if j.verdict == NA:
        return Gap(ind.id, j.verdict, False, f"不适用：{j.reason}", tuple(details), missing=missing)
    rule = tgt.rule
    if rule in ("threshold", "zoned_threshold", "equals"):
        return _threshold_gap(result, region, catalog, target_year, terms, details, missing)
    if rule == "steady_improvement":
        return _steady_gap(result, catalog, target_year, terms, details, missing)
    if rule == "not_decrease":
        assert last.value is not None
        v = _rounded(ind, last)
        base = float(j.threshold if j.threshold is not None else v)
        diff = v - base
        if j.verdict == PASS:
            word = f"较基数增加 {fmt_delta(ind, diff)}" if diff > 0 else "与基数持平"
            return Gap(ind.id, j.verdict, False, f"{j.reason}，{word}", tuple(details), margin=diff)
        head = (
            f"{last.year}年{ind.name} {fmt_value(ind, v)}，需恢复 {fmt_delta(ind, -diff)}"
            f"（不低于基数 {fmt_value(ind, base)}）"
        )
        return Gap(ind.id, j.verdict, True, head, tuple(details), shortfall=-diff, missing=missing)
    if rule == "obtained":
        if j.verdict == PASS:
            return Gap(ind.id, j.verdict, False, j.reason, tuple(details))
        if "无佐证" in j.reason:
            head = "已填报获得品牌，但缺少佐证材料：须上传授牌文件、命名文件等"
        else:
            head = (
                f"{series[0].year}—{last.year}年尚未获得国际国内生态文化品牌："
                f"须在{target_year}年前争取获得至少 1 个国家级及以上生态文化品牌，并上传授牌文件"
            )
        return Gap(ind.id, j.verdict, True, head, tuple(details), shortfall=1.0, missing=missing)
    # established
    if j.verdict == PASS:
        return Gap(ind.id, j.verdict, False, j.reason, tuple(details))
    if "未印发" in j.reason:
        head = f"{last.year}年制度文件尚未印发：须印发制度文件（文号、日期、发文机关）并在当年实施"
    elif "未见当年实施" in j.reason:
        head = f"制度文件已印发，但未见{last.year}年实施：须补充当年实施佐证（会议纪要、资金拨付、案例等）"
    else:
        head = f"{last.year}年已填报建立实施，但缺少佐证材料：须上传印发文件和实施佐证"
    return Gap(ind.id, j.verdict, True, head, tuple(details), missing=missing)


def _threshold_gap(
    result: IndicatorResult,
    region: RegionProfile,
    catalog: Catalog,
    target_year: int,
    terms: Mapping[int, GapTerm],
    details: list[str],
    missing: tuple[MissingItem, ...],
) -> Gap:
    ind, tgt, series, j = result.indicator, result.target, result.years, result.judgement
    last = series[-1]
    assert last.value is not None
    v = _rounded(ind, last)
    if tgt.rule == "equals":
        op, threshold, label = ">=", float(tgt.value or 0), ""
    else:
        op = tgt.op or ">="
        threshold = float(j.threshold if j.threshold is not None else tgt.value or 0)
        label = ""
        if tgt.rule == "zoned_threshold":
            zt = zone_threshold(tgt, region)
            label = zt[1] if zt and not region.zone_shares else ("加权" if zt else "")
    target_text = f"{label}目标" if label else "目标"
    t_shown = f"{threshold:g}{ind.unit}" if ind.unit in ("%", "") else f"{threshold:g} {ind.unit}"
    reach = reach_value(ind, op, threshold)
    traj = trajectory(_points(ind, series), reach, target_year)
    if j.verdict == PASS:
        margin = v - threshold
        if margin > 0:
            head = (
                f"{ind.name}高于{target_text} {fmt_delta(ind, margin)}"
                f"（{last.year}年 {fmt_value(ind, v)}，目标 {tgt.text}）"
            )
        else:
            head = f"{ind.name}达到{target_text}（{last.year}年 {fmt_value(ind, v)}，目标 {tgt.text}）"
        if traj is not None and traj.observed_annual_change is not None:
            details.append(trajectory_sentence(ind, traj))
        return Gap(ind.id, j.verdict, False, head, tuple(details), margin=margin, trajectory=traj)
    shortfall = threshold - v
    if shortfall > 0:
        head = (
            f"{last.year}年{ind.name} {fmt_value(ind, v)}，低于{target_text}"
            f"（{tgt.text}）{fmt_delta(ind, shortfall)}"
        )
    else:
        head = f"{last.year}年{ind.name} {fmt_value(ind, v)}，恰好为 {t_shown}，须高于 {t_shown}"
    need = _need(ind, last, op, threshold, catalog, terms)
    if need is not None:
        head += f"；{need.text}"
    if traj is not None:
        details.append(trajectory_sentence(ind, traj))
    return Gap(
        ind.id,
        j.verdict,
        True,
        head,
        tuple(details),
        shortfall=reach - v,
        need=need,
        trajectory=traj,
        missing=missing,
    )


def _steady_gap(
    result: IndicatorResult,
    catalog: Catalog,
    target_year: int,
    terms: Mapping[int, GapTerm],
    details: list[str],
    missing: tuple[MissingItem, ...],
) -> Gap:
    ind, series, j = result.indicator, result.years, result.judgement
    pts = _points(ind, series)
    (y0, v0), (y1, v1) = pts[0], pts[-1]
    if j.verdict == PASS:
        traj = trajectory(pts, None, target_year)
        if traj is not None and traj.observed_annual_change is not None:
            details.append(trajectory_sentence(ind, traj))
        return Gap(ind.id, j.verdict, False, f"{ind.name}：{j.reason}", tuple(details), trajectory=traj)
    prev = pts[-2][1] if len(pts) > 1 else v1
    if v1 < v0:
        recover_to, what = v0, f"恢复到{y0}年的 {fmt_value(ind, v0)}"
    elif v1 < prev:
        recover_to, what = prev, f"恢复到{pts[-2][0]}年的 {fmt_value(ind, prev)}"
    else:
        recover_to, what = None, ""
    if j.verdict == PARTIAL or recover_to is None:
        head = f"{j.reason}；须保持逐年不下降，{y1 + 1}年不低于 {fmt_value(ind, v1)}"
        traj = trajectory(pts, None, target_year)
        if traj is not None and traj.observed_annual_change is not None:
            details.append(trajectory_sentence(ind, traj))
        return Gap(
            ind.id, j.verdict, True, head, tuple(details), shortfall=0.0, trajectory=traj, missing=missing
        )
    shortfall = recover_to - v1
    head = f"{y1}年{ind.name} {fmt_value(ind, v1)}，需回升 {fmt_delta(ind, shortfall)}（{what}）"
    need = _need(ind, series[-1], ">=", recover_to, catalog, terms) if series[-1].value is not None else None
    if need is not None:
        head += f"；{need.text}"
    traj = trajectory(pts, recover_to, target_year)
    if traj is not None:
        details.append(trajectory_sentence(ind, traj))
    return Gap(
        ind.id,
        j.verdict,
        True,
        head,
        tuple(details),
        shortfall=shortfall,
        need=need,
        trajectory=traj,
        missing=missing,
    )


def analyse_all(
    results: Sequence[IndicatorResult],
    region: RegionProfile,
    catalog: Catalog,
    target_year: int,
    terms: Mapping[int, GapTerm] | None = None,
) -> list[Gap]:
    """:func:`analyse` for every result, in catalog order."""
    return [analyse(r, region, catalog, target_year, terms) for r in results]


PROBLEM_VERDICTS = (PARTIAL, FAIL, MISSING)
__all__ = [
    "ACHIEVED",
    "PROBLEM_VERDICTS",
    "Gap",
    "MissingItem",
    "Need",
    "Trajectory",
    "analyse",
    "analyse_all",
    "fmt_delta",
    "fmt_value",
    "numerator_needed",
    "reach_value",
    "trajectory",
]
