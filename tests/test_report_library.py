"""The measures and case libraries, and the charts' fonts and determinism."""

from __future__ import annotations

import warnings
from datetime import date
from pathlib import Path

import pytest
import yaml

from liangshan.catalog import Catalog
from liangshan.demo.build import PROFILE
from liangshan.report.cases import DEFAULT_CASES, load_cases
from liangshan.report.charts import summary_chart, trend_chart
from liangshan.report.content import IndicatorSection, YearRow
from liangshan.report.gaps import Gap
from liangshan.report.measures import (
    DEFAULT_MEASURES,
    LibraryError,
    load_measures,
    resolve_deadline,
    unknown_units,
)


def test_every_indicator_has_a_measure(catalog: Catalog) -> None:
    lib = load_measures()
    for ind in catalog.indicators:
        assert lib.for_indicator(ind.id), f"指标 {ind.id} {ind.name} 无完善措施"


def test_measure_units_are_the_seeds_units() -> None:
    doc = yaml.safe_load(PROFILE.read_text(encoding="utf-8"))
    names = []
    for u in doc["units"]:
        names += [u["name"], *u.get("aliases", [])] if isinstance(u, dict) else [u]
    assert unknown_units(load_measures(), names) == []


def _edited(tmp_path: Path, change) -> Path:
    raw = yaml.safe_load(DEFAULT_MEASURES.read_text(encoding="utf-8"))
    change(raw)
    p = tmp_path / "m.yaml"
    p.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return p


def test_unit_not_named_by_seed_is_refused(tmp_path: Path) -> None:
    def change(raw: dict) -> None:
        raw["measures"][0]["cooperating"] = ["审计局"]  # 审计局 is not a unit of 四（四）1 nor of indicator 1

    with pytest.raises(LibraryError, match=r"m\.yaml：措施 M01-1 的单位“审计局”不是工作方案"):
        load_measures(_edited(tmp_path, change))


def test_unknown_task_and_indicator_are_refused(tmp_path: Path) -> None:
    def task(raw: dict) -> None:
        raw["measures"][0]["task"] = "四（九）"

    with pytest.raises(LibraryError, match="不存在的任务“四（九）”"):
        load_measures(_edited(tmp_path, task))

    def ind(raw: dict) -> None:
        raw["measures"][0]["indicators"] = [21]

    (tmp_path / "b").mkdir()
    with pytest.raises(LibraryError, match=r"不存在的指标序号 \[21\]"):
        load_measures(_edited(tmp_path / "b", ind))


def test_bad_deadline_and_missing_field(tmp_path: Path) -> None:
    def bad(raw: dict) -> None:
        raw["measures"][0]["deadline"] = "明年"

    with pytest.raises(LibraryError, match="完成时限“明年”格式"):
        load_measures(_edited(tmp_path, bad))

    def missing(raw: dict) -> None:
        del raw["measures"][0]["lead"]

    (tmp_path / "c").mkdir()
    with pytest.raises(LibraryError, match=r"measures\.0\.lead"):
        load_measures(_edited(tmp_path / "c", missing))


def test_deadline_rules() -> None:
    assert resolve_deadline("+1", 2025, None) == date(2026, 12, 31)
    assert resolve_deadline("round", 2025, "2026-06-30") == date(2026, 6, 30)
    assert resolve_deadline("round", 2025, None) == date(2026, 12, 31)
    assert resolve_deadline("2027-03-31", 2025, None) == date(2027, 3, 31)


def test_cases_are_labelled_examples_from_the_seed() -> None:
    lib = load_cases()
    cases = lib.for_region("411224")
    assert len(cases) == 3 and all(c.label == "示例" for c in cases)
    text = " ".join(c.title + c.summary for c in cases)
    for word in ("香菇", "连翘", "金融扶贫“卢氏模式”"):
        assert word in text
    assert lib.for_region("990001") == []


def test_case_photo_must_exist(tmp_path: Path) -> None:
    raw = yaml.safe_load(DEFAULT_CASES.read_text(encoding="utf-8"))
    raw["cases"][0]["photos"] = ["照片/不存在.jpg"]
    p = tmp_path / "c.yaml"
    p.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(LibraryError, match="照片不存在"):
        load_cases(p)


# ---- charts ---------------------------------------------------------------------------------------
def _section(rows: tuple[YearRow, ...], unit: str = "µg/m³", kind: str = "value") -> IndicatorSection:
    return IndicatorSection(
        id=99,
        name="PM₂.₅ 年均浓度（µg·m⁻³）测试",
        goal="构筑绿水青山",
        category="环境质量",
        unit=unit,
        precision=1,
        definition="",
        standards=(),
        target_text="≤ 35 µg/m³",
        rule="threshold",
        rule_text="",
        threshold=35.0,
        responsible_units=("市生态环境局卢氏分局",),
        elements=(),
        rows=rows,
        verdict="未达标",
        reason="",
        gap=Gap(99, "未达标", True, ""),
        provenance=(),
        evidence=(),
        approvals=(),
        kind=kind,
    )


ROWS = (
    YearRow(2023, 38.2, "38.2 µg/m³", "ok", "", ""),
    YearRow(2024, None, "数据缺失（市生态环境局卢氏分局）", "missing", "", "", ("市生态环境局卢氏分局",)),
    YearRow(2025, 33.0, "33.0 µg/m³", "ok", "", ""),
)


def test_chart_has_no_missing_glyphs_and_is_deterministic() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font(s)" for a box
        a = trend_chart(_section(ROWS))
        b = trend_chart(_section(ROWS))
    assert a == b and a[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"Software" not in a[:200]


def test_boolean_and_count_charts_render() -> None:
    rows = tuple(
        YearRow(y, v, "是" if v else "否", "ok", "", "")
        for y, v in ((2023, False), (2024, True), (2025, True))
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert trend_chart(_section(rows, "", "all_true"))[:4] == b"\x89PNG"
        counts = tuple(
            YearRow(y, float(v), f"{v} 个", "ok", "", "") for y, v in ((2023, 0), (2024, 0), (2025, 1))
        )
        assert trend_chart(_section(counts, "个", "count"))[:4] == b"\x89PNG"


def test_summary_chart_without_glyph_warnings(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from liangshan.report.content import GroupSummary

    counts = {"达标": 14, "基本达标": 1, "未达标": 3, "数据缺失": 1, "不适用": 1}
    fake = SimpleNamespace(
        categories=(
            GroupSummary("C1", "环境质量", 6, {"达标": 4, "未达标": 1, "不适用": 1}, "构筑绿水青山"),
        ),
        counts=counts,
        region=SimpleNamespace(name="卢氏县"),
        period="2023—2025年",
        indicators=[0] * 20,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = summary_chart(fake)  # type: ignore[arg-type]
    assert png[:4] == b"\x89PNG"
