"""Honest charts: the value axis includes the target and starts at a sensible baseline, the donut's labels
are whole, and every chart carries a text table of the same numbers (options built server-side)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from html import unescape

import pytest
from fastapi.testclient import TestClient

from liangshan.web.charts import indicator_option, indicator_table, nice_ceil, value_axis, verdict_option

Clients = Callable[[str], tuple[TestClient, str]]
R = "411224"


def test_forest_cover_axis_shows_target_and_starts_at_zero() -> None:
    """Indicator 7: 70.0 → 70.2 % against a 60 % target — not a 0.2-wide window."""
    opt = indicator_option("林草覆盖率", "%", [2023, 2024, 2025], [69.95, 70.2, 70.4], 60.0)
    y = opt["yAxis"]
    assert y["min"] == 0 and y["max"] == 100
    assert y["min"] <= 60 <= y["max"] and opt["series"][0]["markLine"]["data"] == [{"yAxis": 60.0}]


@pytest.mark.parametrize(
    ("values", "target", "unit", "lo", "hi"),
    [
        ([812.0, 845.0, 860.0], 900.0, "万元/km²", 0.0, 1000.0),  # target above the values: on the axis
        ([3.0, 3.2], None, "种", 0.0, 5.0),
        ([-2.5, 1.0, 0.5], 0.0, "%", -5.0, 2.0),  # negative change: margin, never a tiny window
        ([101.0, 99.0], 100.0, "%", 0.0, 200.0),
    ],
)
def test_axis_rule(values: list[float], target: float | None, unit: str, lo: float, hi: float) -> None:
    axis = value_axis(values, target, unit)
    assert (axis["min"], axis["max"]) == (lo, hi)
    nums = [*values, *([target] if target is not None else [])]
    assert axis["min"] <= min(nums) and axis["max"] >= max(nums)
    assert axis["max"] - axis["min"] >= 0.1 * max(abs(v) for v in nums)


def test_nice_ceil() -> None:
    assert [nice_ceil(x) for x in (0.7, 1.0, 1.3, 2.2, 4.1, 77.0, 990.0)] == [1, 1, 2, 2.5, 5, 100, 1000]


def test_donut_labels_are_whole() -> None:
    opt = verdict_option({"达标": 12, "基本达标": 3, "未达标": 2, "数据缺失": 0, "不适用": 3})
    names = [d["name"] for d in opt["series"][0]["data"]]
    assert names == ["达标 12 项", "基本达标 3 项", "未达标 2 项", "不适用 3 项"]
    assert opt["legend"]["orient"] == "vertical" and opt["series"][0]["label"]["position"] == "inside"
    assert "overflow" not in json.dumps(opt["legend"])  # legend text is never truncated


def test_indicator_table_has_the_same_numbers() -> None:
    t = indicator_table("林草覆盖率", "%", [2024, 2025], [70.2, None], 60.0)
    assert t["rows"] == [["2024年", "70.2%"], ["2025年", "—"], ["目标", "60%"]]


def _chart_data(html: str, attr_owner: str) -> dict:  # type: ignore[type-arg]
    m = re.search(attr_owner + r'[^>]*data-chart="([^"]*)"', html)
    assert m is not None
    return json.loads(unescape(m.group(1)))


def test_pages_carry_options_and_tables(client_for: Clients) -> None:
    office, _ = client_for("office")
    dash = _chart_data(office.get(f"/dashboard?region={R}").text, 'id="dashboard"')
    assert dash["options"]["verdict"]["series"][0]["type"] == "pie"
    comp = dash["options"]["completeness"]
    assert comp["xAxis"]["min"] == 0 and comp["yAxis"]["axisLabel"]["overflow"] == "break"
    assert [r[0] for r in dash["tables"]["completeness"]["rows"]] == dash["completeness"]["units"]
    assert {r[0] for r in dash["tables"]["verdict"]["rows"]} == set(dash["counts"])
    for t in dash["trend"]:
        nums = [v for v in t["values"] if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if t["threshold"] is not None and nums:
            assert t["axis"]["min"] <= t["threshold"] <= t["axis"]["max"]
    ind = _chart_data(office.get(f"/indicator/7?region={R}").text, 'id="indicator-chart"')
    assert ind["option"]["yAxis"]["min"] == 0 and ind["option"]["yAxis"]["max"] == 100
    years = [f"{y}年" for y in ind["years"]]
    assert [r[0] for r in ind["table"]["rows"]] == years + (["目标"] if ind["threshold"] is not None else [])
