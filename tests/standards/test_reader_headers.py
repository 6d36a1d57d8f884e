"""Reader errors name the file's own header (类群, 满意度, 人口 …), never the program's field name
(taxon, answer, population …): county files come as GB18030 CSV or Excel with Chinese headers."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from liangshan.cli import app
from liangshan.demo.build import PROFILE
from liangshan.standards import survey as sv
from liangshan.standards.biodiversity import SpeciesInputError, read_species_csv
from liangshan.standards.survey import SurveyInputError
from liangshan.store.db import session_scope
from liangshan.store.regions import load_profile
from liangshan.store.service import ensure_db

SPECIES_HEADER = [
    *("年份", "物种类群", "物种数量", "调查来源"),
    *("调查强度", "强度单位", "分类修订调整量", "修订依据"),
]
SPECIES_OK = ["2020", "鸟类", "20", "样线调查", "10", "km", "0", ""]


def _write(tmp_path: Path, kind: str, header: list[str], rows: list[list[str]]) -> Path:
    """The table as a GB18030 CSV (``gbk``) or an .xlsx workbook (``xlsx``)."""
    if kind == "gbk":
        p = tmp_path / "表.csv"
        with p.open("w", encoding="gb18030", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            w.writerows(rows)
        return p
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(header)
    for r in rows:
        ws.append([None if c == "" else c for c in r])
    p = tmp_path / "表.xlsx"
    wb.save(p)
    return p


KINDS = ["gbk", "xlsx"]

SPECIES_CASES = [
    (["2021", "昆虫", "5", "调查", "10", "km", "0", ""], "物种类群", "taxon", "未知类群"),
    (["2021", "鸟类", "2.5", "调查", "10", "km", "0", ""], "物种数量", "count", "应为整数"),
    (["2021", "鸟类", "-1", "调查", "10", "km", "0", ""], "物种数量", "count", "不能为负数"),
    (["二〇二一", "鸟类", "1", "调查", "10", "km", "0", ""], "年份", "year", "应为整数"),
    (["2020", "鸟", "21", "调查", "10", "km", "0", ""], "物种类群", "taxon", "重复"),
    (["2021", "鸟类", "20", "调查", "0", "km", "0", ""], "调查强度", "effort", "调查强度应为正数"),
    (["2021", "鸟类", "20", "调查", "10", "km", "x", ""], "分类修订调整量", "revision_", "应为整数"),
    (["2021", "鸟类", "20", "调查", "10", "km", "-3", ""], "修订依据", "revision_note", "须填写修订依据"),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("bad", "header", "field", "words"), SPECIES_CASES)
def test_species_errors_name_the_chinese_header(
    tmp_path: Path, kind: str, bad: list[str], header: str, field: str, words: str
) -> None:
    p = _write(tmp_path, kind, SPECIES_HEADER, [SPECIES_OK, bad])
    with pytest.raises(SpeciesInputError) as ei:
        read_species_csv(p)
    msg = str(ei.value).replace(str(p), p.name)
    assert ei.value.row == 3 and ei.value.column == header, msg
    assert f"列 {header}" in msg and words in msg and p.name in msg, msg
    assert field not in msg, msg


@pytest.mark.parametrize("kind", KINDS)
def test_species_missing_column_is_named_in_chinese(tmp_path: Path, kind: str) -> None:
    p = _write(tmp_path, kind, ["年份", "类群"], [["2020", "鸟类"]])
    with pytest.raises(SpeciesInputError) as ei:
        read_species_csv(p)
    msg = str(ei.value).replace(str(p), p.name)
    assert "缺少列 物种数（必需列：年份、类群、物种数）" in msg and "count" not in msg, msg


RESPONSES_HEADER = ["编号", "满意程度", "乡镇街道", "城乡类型"]


@pytest.mark.parametrize("kind", KINDS)
def test_survey_answer_and_stratum_errors_name_the_chinese_header(tmp_path: Path, kind: str) -> None:
    good = ["1", "很满意", "城关镇", "城镇"]
    p = _write(tmp_path, kind, RESPONSES_HEADER, [good, ["2", "非常满意", "城关镇", "农村"]])
    with pytest.raises(SurveyInputError) as ei:
        sv.read_responses(p)
    msg = str(ei.value).replace(str(p), p.name)  # the test's directory name holds field names
    assert (ei.value.row, ei.value.column) == (3, "满意程度") and "列 满意程度" in msg, msg
    assert "answer" not in msg, msg
    p2 = _write(tmp_path, kind, RESPONSES_HEADER, [good, ["2", "满意", "", "农村"]])
    with pytest.raises(SurveyInputError) as ei2:
        sv.read_responses(p2)
    msg2 = str(ei2.value).replace(str(p2), p2.name)
    assert (ei2.value.row, ei2.value.column) == (3, "乡镇街道") and "township" not in msg2, msg2


@pytest.mark.parametrize("kind", KINDS)
def test_survey_missing_answer_column_named_in_chinese(tmp_path: Path, kind: str) -> None:
    p = _write(tmp_path, kind, ["编号", "乡镇"], [["1", "城关镇"]])
    with pytest.raises(SurveyInputError) as ei:
        sv.read_responses(p)
    msg = str(ei.value).replace(str(p), p.name)
    assert "缺少列 答案（现有列：编号, 乡镇）" in msg and "answer" not in msg, msg


Check = Callable[[SurveyInputError], bool]
POP = "常住人口"
WEIGHT_CASES: list[tuple[list[str], list[list[str]], Check, tuple[str, ...]]] = [
    (["乡镇", POP], [["城关镇", "1"], ["文峪乡", "很多"]], lambda e: e.column == POP, ("列 常住人口",)),
    (["乡镇", "常住人口"], [["城关镇", "0"]], lambda e: e.column == "常住人口", ("常住人口 合计必须大于 0",)),
    (["乡镇", "人口数"], [["城关镇", "1"], ["城关镇", "2"]], lambda e: e.column == "乡镇", ("分层重复",)),
    (["编号", "人口数"], [["1", "1"]], lambda e: e.column is None, ("乡镇 和/或 城乡",)),
    (["乡镇", "备注"], [["城关镇", "x"]], lambda e: e.column is None, ("缺少 人口 或 权重 列",)),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("header", "rows", "where", "words"), WEIGHT_CASES)
def test_weights_errors_name_the_chinese_header(
    tmp_path: Path,
    kind: str,
    header: list[str],
    rows: list[list[str]],
    where: Callable[[SurveyInputError], bool],
    words: tuple[str, ...],
) -> None:
    p = _write(tmp_path, kind, header, rows)
    with pytest.raises(SurveyInputError) as ei:
        sv.read_weights(p)
    msg = str(ei.value).replace(str(p), p.name)
    assert where(ei.value) and all(w in msg for w in words), msg
    for field in ("township", "urban_rural", "population", "weight"):
        assert field not in msg, msg


@pytest.fixture
def lushi(db: str) -> str:
    ensure_db(db)
    with session_scope(db) as s:
        load_profile(s, PROFILE)
    return db


@pytest.mark.parametrize("kind", KINDS)
def test_value_import_errors_name_the_chinese_header(lushi: str, tmp_path: Path, kind: str) -> None:
    header = ["地区代码", "指标或数据元素", "年份", "数值", "单位", "备注"]
    rows = [["411224", "gdp", "二〇二五", "约一百亿", "", ""], ["999999", "gdp", "2025", "1", "", ""]]
    p = _write(tmp_path, kind, header, rows)
    res = CliRunner().invoke(app, ["import", str(p), "--db", lushi])
    assert res.exit_code == 2, res.output
    err = res.stderr
    assert "第 2 行，列“年份”：年份应为整数" in err and "第 2 行，列“数值”：应为数值" in err, err
    assert "第 3 行，列“地区代码”：未知地区代码“999999”" in err, err
    for field in ("“region”", "“year”", "“value”"):
        assert field not in err, err
