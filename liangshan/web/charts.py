"""ECharts options of the dashboard and indicator pages, built here (the page script only draws them),
with a text table of the same numbers for each chart.

Axis rule (:func:`value_axis`), so that a change looks as large as it is and the target is on the axis:

* a percentage (unit ``%``) runs from 0 to 100 (further if a value or the target exceeds 100);
* any other quantity whose values and target are all ≥ 0 starts at 0;
* otherwise (negative values, e.g. a change) the axis spans min(values, target) − 10 % of the range to
  max(values, target) + 10 %, the range being at least 10 % of the largest magnitude — never a window
  a few tenths wide;
* the upper end is rounded up to a "nice" number (1, 2, 2.5, 5 × 10ⁿ) and always includes the target.

Labels are never cut: the verdict donut shows the count on the slice and the full category names with
counts in a legend beside it; the completeness bars wrap long unit names instead of truncating them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

VERDICT_COLORS = {
    "达标": "#1e8e3e",
    "基本达标": "#e8a33d",
    "未达标": "#c5221f",
    "数据缺失": "#6b4fbb",
    "不适用": "#9aa0a6",
}
LINE = "#1d6b45"


def nice_ceil(x: float) -> float:
    """The smallest of 1, 2, 2.5, 5, 10 × 10ⁿ that is ≥ ``x`` (x > 0)."""
    if x <= 0:
        return 0.0
    exp = math.floor(math.log10(x))
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        v = m * 10.0**exp
        if v >= x * (1 - 1e-12):
            return float(f"{v:.12g}")
    return float(f"{10.0 ** (exp + 1):.12g}")


def nice_floor(x: float) -> float:
    return -nice_ceil(-x) if x < 0 else 0.0


def value_axis(values: Sequence[float | None], target: float | None, unit: str | None) -> dict[str, float]:
    """``{"min", "max"}`` of the value axis by the rule in the module docstring."""
    nums = [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if isinstance(target, (int, float)) and not isinstance(target, bool):
        nums.append(float(target))
    if not nums:
        return {"min": 0.0, "max": 100.0 if unit == "%" else 1.0}
    lo, hi = min(nums), max(nums)
    if unit == "%" and lo >= 0:
        return {"min": 0.0, "max": 100.0 if hi <= 100 else nice_ceil(hi)}
    if lo >= 0:
        return {"min": 0.0, "max": nice_ceil(hi * 1.1) if hi > 0 else 1.0}
    span = max(hi - lo, 0.1 * max(abs(lo), abs(hi)))
    top = hi + 0.1 * span
    return {"min": nice_floor(lo - 0.1 * span), "max": nice_ceil(top) if top > 0 else 0.0}


def _fmt(v: float | None, unit: str | None = "") -> str:
    if v is None:
        return "—"
    return f"{v:g}{unit or ''}"


def _cell(v: Any, unit: str | None) -> str:
    if isinstance(v, bool):
        return "是" if v else "否"
    return _fmt(float(v), unit) if isinstance(v, (int, float)) else "—"


def indicator_option(
    name: str, unit: str | None, years: Sequence[int], values: Sequence[float | None], threshold: float | None
) -> dict[str, Any]:
    """The indicator page's line chart: values by year, the target as a dashed line on the axis."""
    nums = [float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None for v in values]
    axis = value_axis(nums, threshold, unit)
    series: dict[str, Any] = {
        "name": name,
        "type": "line",
        "data": nums,
        "connectNulls": False,
        "label": {"show": True},
        "symbolSize": 8,
        "lineStyle": {"width": 3, "color": LINE},
        "itemStyle": {"color": LINE},
    }
    if isinstance(threshold, (int, float)):
        series["markLine"] = {
            "symbol": "none",
            "lineStyle": {"color": "#c5221f", "type": "dashed"},
            "label": {"formatter": f"目标 {threshold:g}{unit or ''}", "position": "insideEndTop"},
            "data": [{"yAxis": threshold}],
        }
    return {
        "animation": False,
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 60, "right": 40, "top": 30, "bottom": 30, "containLabel": True},
        "xAxis": {"type": "category", "data": [f"{y}年" for y in years]},
        "yAxis": {"type": "value", "name": unit or "", "min": axis["min"], "max": axis["max"]},
        "series": [series],
    }


def indicator_table(
    name: str, unit: str | None, years: Sequence[int], values: Sequence[float | None], threshold: float | None
) -> dict[str, Any]:
    rows = [[f"{y}年", _cell(v, unit)] for y, v in zip(years, values, strict=True)]
    if threshold is not None:
        rows.append(["目标", _fmt(threshold, unit)])
    return {"caption": f"{name}（图表数据）", "columns": ["年份", "数值"], "rows": rows}


def sparkline_axis(
    values: Sequence[float | None], threshold: float | None, unit: str | None
) -> dict[str, float]:
    """The dashboard sparklines use the same axis rule as the indicator chart."""
    return value_axis(values, threshold, unit)


def verdict_option(counts: Mapping[str, int]) -> dict[str, Any]:
    """The verdict donut: counts on the slices, the full names with counts in a legend beside it."""
    data = [
        {"name": f"{k} {v} 项", "value": v, "itemStyle": {"color": VERDICT_COLORS.get(k, "#888888")}}
        for k, v in counts.items()
        if v > 0
    ]
    return {
        "animation": False,
        "tooltip": {"trigger": "item", "formatter": "{b}（{d}%）"},
        "legend": {
            "orient": "vertical",
            "right": 0,
            "top": "middle",
            "itemGap": 8,
            "textStyle": {"fontSize": 13},
        },
        "series": [
            {
                "type": "pie",
                "radius": ["42%", "70%"],
                "center": ["32%", "50%"],
                "data": data,
                "label": {"show": True, "position": "inside", "formatter": "{c}", "color": "#ffffff"},
                "labelLine": {"show": False},
            }
        ],
    }


def verdict_table(counts: Mapping[str, int]) -> dict[str, Any]:
    return {
        "caption": "各指标结论统计（图表数据）",
        "columns": ["结论", "指标数"],
        "rows": [[k, str(v)] for k, v in counts.items()],
    }


def completeness_option(
    units: Sequence[str], approved: Sequence[int], pending: Sequence[int], missing: Sequence[int]
) -> dict[str, Any]:
    """Stacked bars per unit; long unit names wrap (never truncated); the count axis starts at 0."""
    return {
        "animation": False,
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0},
        "grid": {"left": 10, "right": 20, "top": 30, "bottom": 20, "containLabel": True},
        "xAxis": {"type": "value", "minInterval": 1, "min": 0},
        "yAxis": {
            "type": "category",
            "data": list(units),
            "inverse": True,
            "axisLabel": {"width": 170, "overflow": "break", "lineHeight": 14},
        },
        "series": [
            {
                "name": "已审核通过",
                "type": "bar",
                "stack": "t",
                "data": list(approved),
                "itemStyle": {"color": "#1e8e3e"},
            },
            {
                "name": "已提交待审",
                "type": "bar",
                "stack": "t",
                "data": list(pending),
                "itemStyle": {"color": "#4a8fe7"},
            },
            {
                "name": "未提交",
                "type": "bar",
                "stack": "t",
                "data": list(missing),
                "itemStyle": {"color": "#d9d9d9"},
            },
        ],
    }


def completeness_table(
    units: Sequence[str], approved: Sequence[int], pending: Sequence[int], missing: Sequence[int]
) -> dict[str, Any]:
    rows = [[u, str(a), str(p), str(m)] for u, a, p, m in zip(units, approved, pending, missing, strict=True)]
    return {
        "caption": "各责任单位数据报送情况（图表数据）",
        "columns": ["责任单位", "已审核通过", "已提交待审", "未提交"],
        "rows": rows,
    }
