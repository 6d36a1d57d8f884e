"""Target rules: from an indicator's yearly values to a verdict and a one-line reason in Chinese.

Rules follow docs/assessment.md (judging rules for the 两山指数 targets; UNVERIFIED in the official texts,
so every choice is a :class:`~liangshan.catalog.models.Target` parameter):

- ``threshold``: the evaluation (latest) year's value, rounded to the reporting precision, is
  compared with the target as written: ``>`` strict, ``>=`` inclusive.
- ``equals``: the rounded value equals the target (``100%``: every source complies).
- ``zoned_threshold``: the threshold of the region's terrain zone (山区/丘陵区/平原区), or the
  area-weighted threshold Σ shareₖ × thresholdₖ when zone shares are given.
- ``steady_improvement`` (稳定提高), default mode ``no_decline``: no year-on-year decline over the
  window → 达标; latest ≥ first with at most ``max_dips`` (1) dips → 基本达标; otherwise 未达标.
  ``tolerance`` absorbs statistical noise; a value held at ``ceiling`` passes. Modes
  ``latest_vs_base`` and ``ols_slope`` are alternatives.
- ``not_decrease`` (不减少): latest ≥ baseline − tolerance; the baseline is the approved
  delineation (region override), else the first year of the window (said in the reason).
- ``obtained`` (获得), default reading ``held``: the region holds at least one valid national or
  international title in the evaluation year (from the title register, see
  :data:`liangshan.assess.values.TITLES_KEY`); reading ``won_in_window``, or no register entry at
  all: at least one title newly won in the window (the yearly counts), with evidence.
- ``established`` (建立实施): document issued AND implemented in the evaluation year, with evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from liangshan.assess.values import YearValue, round_half_even
from liangshan.catalog.models import Indicator, Target

PASS, PARTIAL, FAIL, MISSING, NA = "达标", "基本达标", "未达标", "数据缺失", "不适用"
VERDICTS = (PASS, PARTIAL, FAIL, MISSING, NA)
MAX_DIPS = 1


@dataclass(frozen=True)
class RegionProfile:
    """What the rules need to know about a region."""

    code: str
    name: str
    terrain_zone: str | None = None
    zone_shares: dict[str, float] | None = None


@dataclass(frozen=True)
class Judgement:
    verdict: str
    reason: str
    threshold: float | None = None


def _fmt(ind: Indicator, v: float) -> str:
    s = f"{round_half_even(v, ind.precision):.{ind.precision}f}"
    return f"{s}{ind.unit}" if ind.unit in ("%", "") else f"{s} {ind.unit}"


def _delta_unit(ind: Indicator) -> str:
    return " 个百分点" if ind.unit == "%" else f" {ind.unit}"


def _rounded(ind: Indicator, yv: YearValue) -> float:
    assert isinstance(yv.value, float | int) and not isinstance(yv.value, bool)
    return round_half_even(float(yv.value), ind.precision)


def _missing(yv: YearValue, ind: Indicator) -> Judgement:
    if yv.status == "not_applicable":
        return Judgement(NA, f"{yv.year}年分母为0（无评价对象），不适用")
    what = "；".join(yv.missing_labels or yv.missing) if yv.missing else "指标值"
    return Judgement(MISSING, f"{yv.year}年数据缺失（{what}）")


def _compare(v: float, op: str, t: float) -> bool:
    return v > t if op == ">" else v >= t


def judge_threshold(
    ind: Indicator, tgt: Target, series: Sequence[YearValue], threshold: float, label: str = ""
) -> Judgement:
    last = series[-1]
    if last.value is None:
        return _missing(last, ind)
    v = _rounded(ind, last)
    op = tgt.op or ">="
    tt = f"{threshold:g}{ind.unit}"
    suffix = f"（{label}）" if label else ""
    if _compare(v, op, threshold):
        return Judgement(
            PASS, f"{last.year}年 {_fmt(ind, v)} {op if op == '>' else '≥'} {tt}{suffix}", threshold
        )
    rel = "≤" if op == ">" else "<"
    return Judgement(FAIL, f"{last.year}年 {_fmt(ind, v)} {rel} {tt}{suffix}，未达到目标", threshold)


def judge_equals(ind: Indicator, tgt: Target, series: Sequence[YearValue]) -> Judgement:
    last = series[-1]
    if last.value is None:
        return _missing(last, ind)
    v, t = _rounded(ind, last), float(tgt.value or 0)
    if v == t:
        return Judgement(PASS, f"{last.year}年 {_fmt(ind, v)} = {t:g}{ind.unit}", t)
    return Judgement(FAIL, f"{last.year}年 {_fmt(ind, v)}，未达到 {t:g}{ind.unit}", t)


def zone_threshold(tgt: Target, region: RegionProfile) -> tuple[float, str] | None:
    """Threshold for the region's terrain zone, or the area-weighted one from zone shares."""
    zones = tgt.zones or {}
    if region.zone_shares:
        total = sum(region.zone_shares.values())
        t = sum(share * zones[z] for z, share in region.zone_shares.items()) / total
        parts = "、".join(f"{z}{s / total:.0%}" for z, s in region.zone_shares.items())
        return round(t, 2), f"按面积加权：{parts}"
    if region.terrain_zone in zones:
        return zones[region.terrain_zone], region.terrain_zone or ""
    return None


def judge_steady(ind: Indicator, tgt: Target, series: Sequence[YearValue]) -> Judgement:
    first, last = series[0], series[-1]
    for yv in (last, first):
        if yv.value is None:
            return _missing(yv, ind)
    known = [yv for yv in series if yv.value is not None]
    gaps = [yv.year for yv in series if yv.value is None]
    gap_note = f"（{'、'.join(map(str, gaps))}年缺失，按已有年份判断）" if gaps else ""
    vals = np.array([_rounded(ind, yv) for yv in known])
    years = [yv.year for yv in known]
    eps, du = tgt.tolerance, _delta_unit(ind)
    at_ceiling = tgt.ceiling is not None and bool(np.all(vals >= tgt.ceiling))
    span = f"{years[0]}→{years[-1]}"
    if at_ceiling:
        return Judgement(PASS, f"{span} 保持在上限 {_fmt(ind, float(tgt.ceiling or 0))}{gap_note}")
    change = vals[-1] - vals[0]
    if tgt.mode == "latest_vs_base":
        ok = change >= -eps
        rel = "不低于" if ok else "低于"
        return Judgement(
            PASS if ok else FAIL,
            f"{years[-1]}年 {_fmt(ind, vals[-1])} {rel}{years[0]}年 {_fmt(ind, vals[0])}{gap_note}",
        )
    if tgt.mode == "ols_slope":
        slope = float(np.polyfit(np.array(years, dtype=float), vals, 1)[0]) if len(vals) > 1 else 0.0
        ok = slope > 0
        return Judgement(PASS if ok else FAIL, f"{span} 线性趋势斜率 {slope:+.3g}{du}/年{gap_note}")
    steps = np.diff(vals)
    dips = [(years[i + 1], -float(d)) for i, d in enumerate(steps) if d < -eps]
    if not dips:
        word = "连续提高" if bool(np.all(steps > 0)) else "未下降"
        return Judgement(PASS, f"{span} {word}（{_fmt(ind, vals[0])}→{_fmt(ind, vals[-1])}）{gap_note}")
    dip_text = "；".join(f"{y}年较上年下降 {round_half_even(d, ind.precision):g}{du}" for y, d in dips)
    if change >= -eps and len(dips) <= MAX_DIPS:
        return Judgement(PARTIAL, f"{dip_text}，{years[-1]}年不低于{years[0]}年{gap_note}")
    return Judgement(
        FAIL,
        f"{dip_text}，{years[-1]}年较{years[0]}年"
        f"{'下降' if change < 0 else '变化'} {abs(round_half_even(float(change), ind.precision)):g}{du}"
        f"{gap_note}",
    )


def judge_not_decrease(ind: Indicator, tgt: Target, series: Sequence[YearValue]) -> Judgement:
    last = series[-1]
    if last.value is None:
        return _missing(last, ind)
    v = _rounded(ind, last)
    if tgt.baseline is not None:
        base, label = float(tgt.baseline), "批准基数"
    else:
        first = next((yv for yv in series if yv.value is not None), last)
        base, label = _rounded(ind, first), f"{first.year}年（未设置批准基数）"
    diff = v - base
    text = f"{last.year}年 {_fmt(ind, v)}，{label} {_fmt(ind, base)}"
    if diff >= -tgt.tolerance:
        return Judgement(PASS, f"{text}，未减少", base)
    return Judgement(FAIL, f"{text}，减少 {_fmt(ind, -diff)}", base)


def judge_obtained(ind: Indicator, tgt: Target, series: Sequence[YearValue]) -> Judgement:
    known = [yv for yv in series if yv.value is not None]
    if not known:
        return Judgement(MISSING, f"{series[0].year}—{series[-1].year}年均无填报")
    got = [yv for yv in known if float(yv.value or 0) > 0]
    if not got:
        return Judgement(FAIL, f"{series[0].year}—{series[-1].year}年未获得生态文化品牌")
    parts = "、".join(f"{yv.year}年 {float(yv.value or 0):g} 个" for yv in got)
    evid = sum(yv.evidence_count for yv in got)
    if tgt.require_evidence and evid == 0:
        return Judgement(FAIL, f"填报获得（{parts}），但无佐证材料")
    return Judgement(PASS, f"获得：{parts}（佐证 {evid} 份）")


def judge_held(ind: Indicator, tgt: Target, series: Sequence[YearValue]) -> Judgement:
    """获得 read as 持有: the evaluation year's count of valid national/international titles (from the
    register, ``components["titles"]`` lists them) must be at least 1; each counted title names its
    awarding document (the register requires it), so ``require_evidence`` holds by construction."""
    last = series[-1]
    if last.value is None:
        return _missing(last, ind)
    titles = [t for t in last.components.get("titles", ()) if isinstance(t, dict)]
    if float(last.value or 0) <= 0 or not titles:
        return Judgement(FAIL, f"{last.year}年未持有有效的国家级及以上生态文化品牌、称号（称号登记簿）")
    named = "；".join(title_phrase(t) for t in titles)
    return Judgement(PASS, f"{last.year}年持有有效称号 {len(titles)} 个：{named}")


def title_phrase(t: dict[str, object]) -> str:
    """``name（level，awarding body，year年授予[，示例]）`` for a register title."""
    parts = [str(t.get("level") or ""), str(t.get("awarding_body") or ""), f"{t.get('year')}年授予"]
    if t.get("example"):
        parts.append("示例，未核实")
    return f"{t.get('name')}（{'，'.join(p for p in parts if p)}）"


def judge_established(ind: Indicator, tgt: Target, series: Sequence[YearValue]) -> Judgement:
    last = series[-1]
    if last.value is None:
        return _missing(last, ind)
    comps = last.components
    issued = bool(comps.get(ind.formula.elements[0], last.value))
    done = bool(comps.get(ind.formula.elements[-1], last.value))
    if not issued:
        return Judgement(FAIL, f"{last.year}年制度文件未印发")
    if not done:
        return Judgement(FAIL, f"{last.year}年制度文件已印发，但未见当年实施")
    if tgt.require_evidence and last.evidence_count == 0:
        return Judgement(FAIL, f"{last.year}年填报已建立实施，但无佐证材料")
    return Judgement(PASS, f"{last.year}年制度文件已印发且当年已实施（佐证 {last.evidence_count} 份）")


def judge(ind: Indicator, tgt: Target, series: Sequence[YearValue], region: RegionProfile) -> Judgement:
    """Apply ``tgt.rule`` to the yearly ``series`` (ordered by year, the last is the evaluation year).

    A 不适用 verdict (zero denominator) becomes 达标 when ``tgt.na_counts_as_pass`` is set (some
    provinces' rule for counties with no contaminated plot re-developed, docs/ecology.md).
    """
    j = _judge(ind, tgt, series, region)
    if j.verdict == NA and tgt.na_counts_as_pass:
        return Judgement(PASS, j.reason.replace("，不适用", "，按省级规则计为达标"), j.threshold)
    return j


def _judge(ind: Indicator, tgt: Target, series: Sequence[YearValue], region: RegionProfile) -> Judgement:
    if tgt.rule == "threshold":
        return judge_threshold(ind, tgt, series, float(tgt.value or 0))
    if tgt.rule == "equals":
        return judge_equals(ind, tgt, series)
    if tgt.rule == "zoned_threshold":
        zt = zone_threshold(tgt, region)
        if zt is None:
            return Judgement(MISSING, f"未设置{region.name}的地形区（山区/丘陵区/平原区），无法选取目标值")
        return judge_threshold(ind, tgt, series, zt[0], zt[1])
    if tgt.rule == "steady_improvement":
        return judge_steady(ind, tgt, series)
    if tgt.rule == "not_decrease":
        return judge_not_decrease(ind, tgt, series)
    if tgt.rule == "obtained":
        if tgt.obtained == "held" and series and series[-1].source == "register":
            return judge_held(ind, tgt, series)
        j = judge_obtained(ind, tgt, series)
        if tgt.obtained == "held" and j.verdict in (PASS, FAIL):
            return Judgement(
                j.verdict, f"{j.reason}（称号登记簿无记录，按填报的当年获得数判断）", j.threshold
            )
        return j
    return judge_established(ind, tgt, series)
