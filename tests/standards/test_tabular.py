"""The shared table reader: encodings (strict), Excel, Chinese header synonyms, budgets, finite numbers."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from liangshan.standards import biodiversity, soil, survey
from liangshan.standards.air import AirInputError
from liangshan.standards.air.io import read_hourly
from liangshan.standards.tabular import (
    Budget,
    TableError,
    header_key,
    match_columns,
    parse_numbers,
    read_table,
)

OURS = "station,time,so2,no2,pm10,pm2_5,co,o3"
THEIRS = (
    "监测点位,监测时间,二氧化硫(μg/m³),二氧化氮(μg/m³),PM10(μg/m³),PM2.5(μg/m³),一氧化碳(mg/m³),臭氧(μg/m³)"
)
ROWS = [
    "卢氏县城,2024-01-01T00:00,5,20,40,25,0.8,60",
    "卢氏县城,2024-01-01T01:00,6,,41,26,0.9,61",
    "官道口镇,2024-01-01T00:00,4,18,38,,0.7,70",
    "官道口镇,2024-01-01T01:00,3,17,37,22,0.6,72",
]


def write(path: Path, head: str, rows: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes(("\n".join([head, *rows]) + "\n").encode(encoding))
    return path


def test_gb18030_chinese_headers_equal_the_programs_own_csv(tmp_path: Path) -> None:
    own = read_hourly(write(tmp_path / "own.csv", OURS, ROWS))
    gbk = write(tmp_path / "gbk.csv", THEIRS, ROWS, "gb18030")
    assert read_table(gbk).encoding == "gb18030"
    got = read_hourly(gbk)
    assert got.equals(own)
    assert got["station"].unique(maintain_order=True).to_list() == ["卢氏县城", "官道口镇"]  # not merged
    assert "\ufffd" not in "".join(got["station"].to_list())


def test_utf8_with_bom_and_full_width_headers(tmp_path: Path) -> None:
    head = "站点名称,日期,ＳＯ２（μg/m³）,二氧化氮,可吸入颗粒物,细颗粒物【μg/m³】,CO [mg/m³],O3"
    p = write(tmp_path / "bom.csv", "\ufeff" + head, ROWS)
    assert read_table(p).encoding == "utf-8-sig"
    assert read_table(p).columns[0] == "站点名称"  # BOM removed from the first header
    assert read_hourly(p).equals(read_hourly(write(tmp_path / "own.csv", OURS, ROWS)))
    assert header_key("ＰＭ２．５（μg/m³）") == "pm2.5" and header_key(" 二氧化硫 [ug/m3] ") == "二氧化硫"


def test_undecodable_file_names_line_and_byte(tmp_path: Path) -> None:
    good = ("\n".join([THEIRS, *ROWS]) + "\n").encode("gb18030")
    p = tmp_path / "broken.csv"
    p.write_bytes(good + b"\xff\xfe\xfd,2024-01-01T02:00,1,1,1,1,1,1\n")
    with pytest.raises(TableError) as ei:
        read_table(p)
    assert ei.value.row == 6 and ei.value.byte_offset == len(good)
    assert f"broken.csv，第 6 行：无法识别文件编码：第 {len(good)} 字节" in str(ei.value)
    with pytest.raises(AirInputError, match=r"broken.csv，第 6 行：无法识别文件编码"):
        read_hourly(p)


def test_xlsx_with_chinese_headers(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(THEIRS.split(","))
    for r in ROWS:
        cells = r.split(",")
        ws.append([cells[0], cells[1], *[float(c) if c else None for c in cells[2:]]])
    ws.append([None] * 8)  # formatted empty rows at the end are ignored
    p = tmp_path / "h.xlsx"
    wb.save(p)
    table = read_table(p)
    assert table.encoding == "xlsx" and table.sheet == "Sheet" and table.frame["二氧化硫(μg/m³)"][0] == "5"
    assert read_hourly(p).equals(read_hourly(write(tmp_path / "own.csv", OURS, ROWS)))


def test_budgets_refuse_before_loading(tmp_path: Path) -> None:
    big = write(tmp_path / "big.csv", OURS, ROWS * 50_000)  # 200,000 rows, ~8 MB
    t0 = time.perf_counter()
    with pytest.raises(TableError, match=r"big.csv：文件大小 .* 超过上限"):
        read_table(big, budget=Budget(max_file_bytes=1024**2))
    with pytest.raises(TableError, match=r"数据行数约 200,000 超过上限 1,000"):
        read_table(big, budget=Budget(max_rows=1000))
    assert time.perf_counter() - t0 < 2.0
    with pytest.raises(TableError, match="列数 8 超过上限 4"):
        read_table(big, budget=Budget(max_columns=4))
    long_cell = write(tmp_path / "cell.csv", "a,b", ["1,2", "3," + "x" * 500])
    with pytest.raises(TableError, match=r"第 3 行，列 b：单元格长度 500 个字符超过上限 100"):
        read_table(long_cell, budget=Budget(max_cell_chars=100))
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for i in range(300):
        ws.append([i, "x" * 200])
    wb.save(x := tmp_path / "x.xlsx")
    with pytest.raises(TableError, match=r"工作表 Sheet 有 300 行，超过上限 100"):
        read_table(x, budget=Budget(max_rows=100))
    with pytest.raises(TableError, match="解压后大小"):
        read_table(x, budget=Budget(max_uncompressed_bytes=10_000))
    with pytest.raises(AirInputError, match="超过上限"):
        read_hourly(big, budget=Budget(max_rows=10))


@pytest.mark.parametrize("bad", ["NaN", "inf", "1e400", "-Infinity"])
def test_non_finite_numbers_name_row_and_column(tmp_path: Path, bad: str) -> None:
    with pytest.raises(TableError, match=rf"文件 f.csv，第 4 行，列 v：'{bad}' 不是有限数值"):
        parse_numbers(pl.Series("v", ["1", "2", bad]), file="f.csv")
    rows = [*ROWS]
    rows[2] = rows[2].replace(",38,", f",{bad},")
    with pytest.raises(AirInputError, match=rf"第 4 行，列 pm10：'{bad}' 不是有限数值"):
        read_hourly(write(tmp_path / "h.csv", OURS, rows))
    p = write(tmp_path / "f.csv", "year,b_area,c_area,d_area,e_area", ["2020,1,1,1,10", f"2021,1,{bad},1,10"])
    with pytest.raises(soil.SoilInputError, match=r"第 3 行，列 c_area：应为数值"):
        soil.read_farmland_csv(p)


def test_numbers_helper() -> None:
    s = parse_numbers(pl.Series("v", [" 1.5", "", None, "1,497,000"]), thousands=True)
    assert s.to_list()[:3] == [1.5, None, None] and s[3] == 1497000
    with pytest.raises(TableError, match="第 3 行，列 v：数值为空"):
        parse_numbers(pl.Series("v", ["1", ""]), allow_empty=False)
    with pytest.raises(TableError, match="第 2 行，列 v：'约 3' 不是数值"):
        parse_numbers(pl.Series("v", ["约 3"]))


def test_ambiguous_and_explicit_headers(tmp_path: Path) -> None:
    with pytest.raises(TableError, match="列 '站点名称' 与列 '站点编码' 都表示 station"):
        match_columns(["站点名称", "站点编码", "时间"], "air", file="a.csv")
    head = "站点名称,站点编码,时间,SO2,NO2,PM10,PM2.5,CO,O3"
    rows = [r.replace(",", ",S1,", 1) for r in ROWS]
    p = write(tmp_path / "two.csv", head, rows)
    with pytest.raises(AirInputError, match="'站点名称' 与列 '站点编码' 都表示 station"):
        read_hourly(p)
    assert read_hourly(p, {"station": "站点编码"})["station"].unique().to_list() == ["S1"]


def test_csv_structure_and_header_errors(tmp_path: Path) -> None:
    with pytest.raises(TableError, match=r"第 3 行：有 3 个字段，多于表头的 2 列"):
        read_table(write(tmp_path / "r.csv", "a,b", ["1,2", "3,4,5"]))
    with pytest.raises(TableError, match="表头重复：第 1 列与第 3 列都是 'a'"):
        read_table(write(tmp_path / "d.csv", "a,b,a", ["1,2,3"]))
    t = read_table(write(tmp_path / "t.txt", "甲\t乙\t", ["1\t2\t", "3\t\t"], "gb18030"))
    assert t.columns == ["甲", "乙"] and t.frame["乙"].to_list() == ["2", None]  # tab, empty trailing column
    with pytest.raises(TableError, match=r"不支持的文件类型 \.json"):
        read_table(write(tmp_path / "x.json", "{}", []))


def test_other_readers_take_gb18030_and_chinese_headers(tmp_path: Path) -> None:
    species = ["2020,鸟类,210,名录", "2020,哺乳类,60,名录"]
    p = write(tmp_path / "sp.csv", "年份,类群,物种数,来源", species, "gb18030")
    assert biodiversity.read_species_csv(p)["count"].to_list() == [210, 60]
    p = write(tmp_path / "sv.csv", "满意度,乡镇", ["很满意,城关镇", "不满意,官道口镇"], "gb18030")
    assert survey.read_responses(p)["code"].to_list() == [0, 4]
    p = write(tmp_path / "w.csv", "乡镇,常住人口（人）", ["城关镇,1000", "官道口镇,3000"], "gb18030")
    assert np.allclose(survey.read_weights(p)["weight"].to_numpy(), [0.25, 0.75])
    p = write(tmp_path / "pl.csv", "年度,再开发利用污染地块(个),安全利用地块(个)", ["2020,4,3"], "gb18030")
    assert soil.read_plots_csv(p)[0].result.rate == 75


def test_import_of_a_gb18030_export_of_the_demo(tmp_path: Path) -> None:
    from liangshan.cli import app
    from liangshan.demo.build import PROFILE, build_demo
    from liangshan.store.db import dispose_engines, session_scope
    from liangshan.store.regions import load_profile
    from liangshan.store.service import ensure_db

    demo = f"sqlite:///{tmp_path / 'demo.db'}"
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    try:
        assert build_demo(demo) is True
        out = tmp_path / "values.csv"
        args = ["--format", "csv", "--years", "2023-2025", "--region", "411224"]
        res = CliRunner().invoke(app, ["export", "--db", demo, "--out", str(out), *args])
        assert res.exit_code == 0, res.output
        gbk = tmp_path / "values_gbk.csv"
        gbk.write_bytes(out.read_bytes().decode("utf-8-sig").encode("gb18030"))
        assert read_table(gbk).encoding == "gb18030"
        ensure_db(fresh)
        with session_scope(fresh) as s:
            load_profile(s, PROFILE)
        res = CliRunner().invoke(app, ["import", str(gbk), "--db", fresh, "--json"])
        assert res.exit_code == 0, res.output
        n = json.loads(res.stdout)["imported"]
        again = tmp_path / "again.csv"
        res = CliRunner().invoke(app, ["export", "--db", fresh, "--out", str(again), *args])
        assert res.exit_code == 0, res.output
        cols = ["region", "item", "item_name", "year", "value", "unit", "note"]
        before = pl.read_csv(out, infer_schema=False).select(cols)
        after = pl.read_csv(again, infer_schema=False).select(cols)
        assert n == before.height > 100
        assert after.equals(before)  # values, units and Chinese notes intact
        assert "示例数据" in after["note"].to_list()
    finally:
        dispose_engines()


def test_gep_parameters_sheet_with_chinese_headers(tmp_path: Path) -> None:
    from liangshan.standards.gep import GepWorkbookError, load_workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "settings"
    ws.append(["key", "value"])
    ws.append(["land_area_km2", 4004])
    ps = wb.create_sheet("parameters")
    ps.append(["核算项", "分区", "参数", "年份", "数值（元）", "单位", "来源"])
    ps.append(["recreation", None, "visits_10k", 2020, "1,250", "万人次", "文旅局"])
    ps.append(["recreation", None, "visits_10k", 2021, 1300, "万人次", None])
    wb.save(p := tmp_path / "gep.xlsx")
    book = load_workbook(p)
    pv = book.items["recreation"].params["visits_10k"]
    assert pv.by_year == {2020: 1250.0, 2021: 1300.0} and pv.unit == "万人次" and pv.source == "文旅局"
    assert book.land_area.constant == 4004
    ps.cell(row=3, column=5, value="inf")
    wb.save(p)
    with pytest.raises(GepWorkbookError, match=r"第 3 行.*有限数值"):
        load_workbook(p)
