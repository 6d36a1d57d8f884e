"""Long-form water input: names, units, detection limits, and errors naming file, row and column."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from liangshan.standards.water.io import WaterInputError, normalize, read_results

HEAD = "site,site_type,date,item,value,unit,detection_limit"


def write(
    tmp_path: Path, lines: list[str], head: str = HEAD, name: str = "in.csv", enc: str = "utf-8"
) -> Path:
    p = tmp_path / name
    p.write_bytes(("\n".join([head, *lines]) + "\n").encode(enc))
    return p


def test_names_units_and_detection_limits(tmp_path: Path) -> None:
    p = write(tmp_path, [
        "A,河流,2024-01-15,氨氮,0.5,mg/L,",
        "A,river,2024/2/15,NH3-N,<0.025,mg/L,",
        "A,river,2024-03,总磷,80,µg/L,",
        "A,river,20240415,溶解氧,ND,mg/L,0.2",
        "A,river,2024-05-15,tp,0.01L,mg/L,",
        "A,river,2024-06-15,cod,断流,mg/L,",
        "A,river,2024-07-15,粪大肠菌群,23,个/100mL,",
        "A,river,2024-08-15,hg,0.03,μg/L,0.04",
        "B,水库,2024-01-15,叶绿素a,12,µg/L,",
        "B,reservoir,2024-01-15,透明度,150,cm,",
        "B,reservoir,2024-01-15,pH,7.5,无量纲,",
    ])  # fmt: skip
    df = read_results(p)
    assert df["row"].to_list() == list(range(2, 13))
    assert df["item"].to_list() == [
        "nh3n",
        "nh3n",
        "tp",
        "do",
        "tp",
        "cod",
        "fecal_coliform",
        "hg",
        "chla",
        "sd",
        "ph",
    ]
    assert df["site_type"].to_list()[:1] == ["river"] and df["site_type"][8] == "reservoir"
    v = df["value"].to_list()
    assert v[0] == 0.5 and v[2] == pytest.approx(0.08) and v[6] == 230.0 and v[9] == pytest.approx(1.5)
    assert v[8] == 12.0 and v[5] is None and df["dry"][5]
    assert df["below_dl"].to_list() == [
        False,
        True,
        False,
        True,
        True,
        False,
        False,
        True,
        False,
        False,
        False,
    ]
    assert df["detection_limit"][1] == 0.025 and v[1] == 0.025 and df["detection_limit"][4] == 0.01
    assert df["detection_limit"][7] == pytest.approx(0.00004)  # 0.03 µg/L < DL 0.04 µg/L → below DL, in mg/L
    assert str(df["date"][2]) == "2024-03-01" and df["year"].unique().to_list() == [2024]


def test_gb18030_csv_and_chinese_headers(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        ["甲断面,河流,2024-01-15,氨氮,0.5,mg/L,"],
        head="断面,类型,日期,项目,监测值,单位,检出限",
        enc="gb18030",
    )
    assert read_results(p)["site"].to_list() == ["甲断面"]


def test_parquet(tmp_path: Path) -> None:
    p = tmp_path / "in.parquet"
    pl.DataFrame({"site": ["A"], "site_type": ["lake"], "date": ["2024-01-15"], "item": ["总磷"],
                  "value": [0.03], "unit": ["mg/L"]}).write_parquet(p)  # fmt: skip
    assert read_results(p)["value"].to_list() == [0.03]


@pytest.mark.parametrize(
    ("line", "column", "needle"),
    [
        ("A,river,2024-01-15,氨氮氮,0.5,mg/L,", "item", "未知的监测项目"),
        ("A,river,2024-01-15,氨氮,0.5,mg/m3,", "unit", "单位"),
        ("A,ocean,2024-01-15,氨氮,0.5,mg/L,", "site_type", "水体类型"),
        ("A,river,2024-01-15,氨氮,abc,mg/L,", "value", "数值"),
        ("A,river,2024-01-15,氨氮,-0.5,mg/L,", "value", "负"),
        ("A,river,2024-13-45,氨氮,0.5,mg/L,", "date", "日期"),
        ("A,river,2024-01-15,氨氮,ND,mg/L,", "detection_limit", "检出限"),
        ("A,river,2024-01-15,氨氮,0.5,mg/L,x", "detection_limit", "数值"),
        (",river,2024-01-15,氨氮,0.5,mg/L,", "site", "不能为空"),
    ],
)
def test_bad_rows_name_file_row_and_column(tmp_path: Path, line: str, column: str, needle: str) -> None:
    p = write(tmp_path, ["A,river,2024-01-01,氨氮,0.5,mg/L,", line])
    with pytest.raises(WaterInputError) as exc:
        read_results(p)
    e = exc.value
    assert isinstance(e, ValueError) and e.file == "in.csv" and e.row == 3 and e.column == column
    assert needle in str(e) and "第 3 行" in str(e)


def test_counts_other_bad_rows_and_reports_the_first(tmp_path: Path) -> None:
    p = write(tmp_path, ["A,river,2024-01-01,foo,1,mg/L,", "A,river,2024-01-02,bar,1,mg/L,"])
    with pytest.raises(WaterInputError, match=r"第 2 行.*另有 1 行"):
        read_results(p)


def test_duplicates_mixed_types_and_missing_columns(tmp_path: Path) -> None:
    dup = write(tmp_path, ["A,river,2024-01-01,氨氮,0.5,mg/L,", "A,river,2024-01-01,NH3-N,0.6,mg/L,"])
    with pytest.raises(WaterInputError, match=r"第 3 行.*与第 2 行重复"):
        read_results(dup)
    mixed = write(tmp_path, ["A,river,2024-01-01,氨氮,0.5,mg/L,", "A,lake,2024-02-01,氨氮,0.6,mg/L,"])
    with pytest.raises(WaterInputError, match="多种水体类型"):
        read_results(mixed)
    with pytest.raises(WaterInputError, match="缺少必需列 unit"):
        cols = {
            "site": ["A"],
            "site_type": ["river"],
            "date": ["2024-01-01"],
            "item": ["氨氮"],
            "value": ["1"],
        }
        normalize(pl.DataFrame(cols))


def test_source_kind_must_match_site_type(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        ["W,river,2024-01-01,氨氮,0.5,mg/L,groundwater"],
        head="site,site_type,date,item,value,unit,source_kind",
    )
    with pytest.raises(WaterInputError, match="source_kind"):
        read_results(p)


def test_standard_header_needs_no_synonym_table() -> None:
    """The standard English header is taken as is (no YAML); it is exactly what the synonym match gives,
    and a Chinese header still goes through the synonyms."""
    import itertools
    import subprocess
    import sys

    from liangshan.standards.tabular import match_columns
    from liangshan.standards.water import io

    fields = [*io.REQUIRED, *io.OPTIONAL]
    for r in range(1, len(fields) + 1):
        for cols in itertools.combinations(fields, r):
            assert io._columns(list(cols), "x.csv") == match_columns(list(cols), "water", file="x.csv")
    assert io._columns(["断面名称", "监测项目"], "x.csv") == match_columns(["断面名称", "监测项目"], "water")
    assert io.HEADER_ALIASES["监测项目"] == "item"
    code = "import sys, liangshan.standards.water.io; print('yaml' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


TRICKY = [
    " A ,river,2024-01-15,氨氮, 0.5 ,mg/L,",
    "A,河流,2024/2/15,NH3-N,<0.025,mg/L,",
    'A,river,2024-03,"总磷",80,µg/L,""',
    "A,river,20240415,溶解氧,ND,mg/L,0.2",
    "A,river,2024-05-15,tp,0.01L,mg/L,",
    "A,river,2024-06-15,cod,断流,mg/L,",
    "A,river,2024-07-15,嗅和味,有,无,",
    "A,river,2024-08-15,pH,7.5,,",
    '"B, 湖",lake,2024-01-15,水温,-1.5,℃,',
]


def _as_text(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(pl.col(pl.Categorical).cast(pl.String))


def _general(p: Path) -> pl.DataFrame:
    from liangshan.standards.tabular import read_table

    return normalize(read_table(p).frame, file=p.name)


def test_typed_csv_reader_gives_what_read_table_gives(tmp_path: Path) -> None:
    """The fast path (plain UTF-8 CSV parsed typed) and the general one (every cell as text through
    read_table) normalize to the same frame, with padding, quotes, markers, BOM and CRLF."""
    from liangshan.standards.water import io

    for name, eol, bom in (("a.csv", "\n", b""), ("b.csv", "\r\n", b"\xef\xbb\xbf"), ("c.txt", "\n", b"")):
        p = tmp_path / name
        p.write_bytes(bom + (eol.join([HEAD, *TRICKY]) + eol).encode("utf-8"))
        assert io._read_csv_typed(p) is not None
        fast = read_results(p)
        assert fast.schema["site"] == pl.Categorical(fast.schema["site"].categories)  # type: ignore[attr-defined]
        assert _as_text(fast).equals(_as_text(_general(p)))
        assert fast["site"].to_list()[:2] == ["A", "A"] and fast["value"][6] == 1.0 and fast["dry"][5]


@pytest.mark.parametrize(
    ("name", "head", "enc", "why"),
    [
        ("gbk.csv", HEAD, "gb18030", "GB18030 data rows, ASCII header: polars refuses them"),
        ("head.csv", "断面,类型,日期,项目,监测值,单位,检出限", "gb18030", "GB18030 header"),
        ("tab.csv", HEAD.replace(",", "\t"), "utf-8", "tab delimiter"),
        ("extra.csv", HEAD + ",备注", "utf-8", "a column the layout does not use"),
        ("pad.csv", HEAD.replace("item", " item"), "utf-8", "a header with spaces"),
        ("quoted.csv", HEAD.replace("item", '"item"'), "utf-8", "a quoted header"),
        ("u16.csv", HEAD, "utf-16", "UTF-16 with BOM"),
    ],
)
def test_other_files_fall_back_to_read_table(
    tmp_path: Path, name: str, head: str, enc: str, why: str
) -> None:
    """Files the typed reader does not take are read by read_table, with the same result."""
    from liangshan.standards.water import io

    sep = "\t" if "\t" in head else ","
    extra = ",备注x" if head.endswith("备注") else ""
    lines = [ln.replace(",", sep) + extra for ln in TRICKY[1:-1]]
    p = tmp_path / name
    p.write_bytes(("\n".join([head, *lines]) + "\n").encode(enc))
    assert io._read_csv_typed(p) is None, why
    same = tmp_path / "utf8.csv"
    same.write_bytes(("\n".join([HEAD, *TRICKY[1:-1]]) + "\n").encode("utf-8"))
    assert io._read_csv_typed(same) is not None
    assert _as_text(read_results(p)).equals(_as_text(read_results(same)))


def test_typed_reader_falls_back_on_excel_and_long_cells(tmp_path: Path) -> None:
    """An .xlsx and a CSV with a cell over the budget go through read_table (its checks and messages)."""
    from liangshan.standards.water import io

    x = tmp_path / "in.xlsx"
    pl.DataFrame({"site": ["A"], "site_type": ["river"], "date": ["2024-01-15"], "item": ["氨氮"],
                  "value": ["0.5"], "unit": ["mg/L"]}).write_excel(x)  # fmt: skip
    assert io._read_csv_typed(x) is None
    assert read_results(x)["value"].to_list() == [0.5]
    row = "A,river,2024-01-15,氨氮,0.5,mg/L,"
    long = write(tmp_path, [row, "A" * 40_000 + row[1:]])
    assert io._read_csv_typed(long) is None
    with pytest.raises(WaterInputError, match=r"第 3 行 列 site.*超过上限"):
        read_results(long)
    ragged = write(tmp_path, ["A,river,2024-01-15,氨氮,0.5,mg/L,,,"])
    assert io._read_csv_typed(ragged) is None
    with pytest.raises(WaterInputError, match="第 2 行"):
        read_results(ragged)


@pytest.mark.parametrize(
    "line",
    [
        "A,river,2024-01-15,氨氮氮,0.5,mg/L,",
        "A,river,2024-01-15,氨氮,0.5,mg/m3,",
        "A,ocean,2024-01-15,氨氮,0.5,mg/L,",
        'A,river,2024-01-15,氨氮,"",mg/L,',
        "A,river,2024-01-15,氨氮, abc ,mg/L,",
        "A,river,2024-13-45,氨氮,0.5,mg/L,",
        'A,river,"",氨氮,0.5,mg/L,',
        "A,river,2024-01-15,氨氮,ND,mg/L,",
        '"",river,2024-01-15,氨氮,0.5,mg/L,',
        " ,river,2024-01-15,氨氮,0.5,mg/L,",
        "A,river,2024-01-01,NH3-N,0.6,mg/L,",
    ],
)
def test_typed_reader_errors_are_read_tables(tmp_path: Path, line: str) -> None:
    """A bad row gives the same message (file, row, column, the cell as written) on both paths."""
    from liangshan.standards.water import io

    p = write(tmp_path, ["A,river,2024-01-01,氨氮,0.5,mg/L,", line])
    assert io._read_csv_typed(p) is not None
    with pytest.raises(WaterInputError) as fast:
        read_results(p)
    with pytest.raises(WaterInputError) as general:
        _general(p)
    assert str(fast.value) == str(general.value) and fast.value.row == 3


def test_mixed_types_name_the_first_row_of_the_mixed_site(tmp_path: Path) -> None:
    """Every row of a site with two water types is flagged (the first one reported), other sites are not."""
    p = write(tmp_path, [
        "A,river,2024-01-01,氨氮,0.5,mg/L,",
        "B,river,2024-01-01,氨氮,0.5,mg/L,",
        "A,river,2024-02-01,氨氮,0.5,mg/L,",
        "B,lake,2024-02-01,氨氮,0.5,mg/L,",
        "C,lake,2024-02-01,氨氮,0.5,mg/L,",
    ])  # fmt: skip
    expected = r"第 3 行 列 site_type: 'river': 同一站点出现多种水体类型（另有 1 行"
    with pytest.raises(WaterInputError, match=expected):
        read_results(p)


def test_sites_padded_differently_are_one_site_for_duplicates_and_types(tmp_path: Path) -> None:
    """'A' and ' A' are the same site: a repeated (site, date, item) and two water types are found
    across the two spellings, as read_table's stripped cells give them."""
    dup = write(tmp_path, ["A,river,2024-01-01,氨氮,0.5,mg/L,", " A,river,2024-01-01,氨氮,0.6,mg/L,"])
    with pytest.raises(WaterInputError, match=r"第 3 行.*与第 2 行重复"):
        read_results(dup)
    mixed = write(tmp_path, ["A ,river,2024-01-01,氨氮,0.5,mg/L,", "A,lake,2024-02-01,氨氮,0.6,mg/L,"])
    with pytest.raises(WaterInputError, match=r"第 2 行 列 site_type.*多种水体类型"):
        read_results(mixed)
    fine = write(tmp_path, ["A,river,2024-01-01,氨氮,0.5,mg/L,", "B,river,2024-01-01,氨氮,0.6,mg/L,"])
    assert read_results(fine)["site"].to_list() == ["A", "B"]


@pytest.mark.parametrize("text", ["nan", "NaN", "inf", "-inf", "1e400"])
@pytest.mark.parametrize("enc", ["utf-8", "gb18030"])
def test_non_finite_values_and_limits_are_refused(tmp_path: Path, text: str, enc: str) -> None:
    """NaN, infinities and numbers beyond float range (1e400) are not measurements: refused naming the row,
    on the typed UTF-8 path and the general reader alike (GB18030 goes through the latter)."""
    head = "断面,类型,日期,项目,监测值,单位,检出限" if enc == "gb18030" else HEAD
    bad_value = write(tmp_path, ["A,河流,2024-01-15,氨氮,0.5,mg/L,", f"A,河流,2024-02-15,氨氮,{text},mg/L,"],
                      head=head, enc=enc)  # fmt: skip
    with pytest.raises(WaterInputError, match="第 3 行") as e:
        read_results(bad_value)
    assert "有限数值" in str(e.value) or ("-inf" in text and "不能为负" in str(e.value))
    bad_dl = write(tmp_path, [f"A,河流,2024-01-15,氨氮,<0.01,mg/L,{text}"], head=head, enc=enc, name="dl.csv")
    with pytest.raises(WaterInputError, match="第 2 行"):
        read_results(bad_dl)


ZH_HEAD = ["断面名称", "水体类型", "采样日期", "监测项目", "监测值", "单位", "检出限"]
ZH_GOOD = ["甲断面", "河流", "2024-01-01", "氨氮", "0.5", "mg/L", ""]


def write_zh(tmp_path: Path, rows: list[list[str]], fmt: str, head: list[str] = ZH_HEAD) -> Path:
    """A file with Chinese headers: UTF-8 CSV (the typed fast path), GB18030 CSV or .xlsx (read_table)."""
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        assert ws is not None
        for r in [head, *rows]:
            ws.append(r)
        p = tmp_path / "监测结果.xlsx"
        wb.save(p)
        return p
    p = tmp_path / f"监测结果_{fmt}.csv"
    p.write_bytes(("\n".join(",".join(r) for r in [head, *rows]) + "\n").encode(fmt))
    return p


@pytest.mark.parametrize("fmt", ["utf-8", "gb18030", "xlsx"])
@pytest.mark.parametrize(
    ("cell", "value", "header", "needle"),
    [
        (4, "abc", "监测值", "'abc': 监测值应为数值"),
        (4, "1e400", "监测值", "监测值应为有限数值"),
        (4, "-0.5", "监测值", "监测值不能为负"),
        (6, "x", "检出限", "'x': 检出限应为数值"),
        (6, "nan", "检出限", "检出限应为有限数值"),
        (2, "2024-13-45", "采样日期", "日期无法识别"),
        (3, "氨氮氮", "监测项目", "未知的监测项目"),
        (5, "mg/m3", "单位", "单位不适用"),
        (1, "海洋", "水体类型", "水体类型应为"),
        (0, "", "断面名称", "站点名称不能为空"),
    ],
)
def test_errors_name_the_files_own_chinese_header(
    tmp_path: Path, fmt: str, cell: int, value: str, header: str, needle: str
) -> None:
    """Every row error names the column by the header the user wrote (监测值), not the field (value),
    with the file and the row — on the typed UTF-8 path and the general reader (GB18030, Excel) alike."""
    bad = ["乙断面", "河流", "2024-01-02", "氨氮", "0.6", "mg/L", ""]
    bad[cell] = value
    p = write_zh(tmp_path, [ZH_GOOD, bad], fmt)
    if fmt == "utf-8":
        from liangshan.standards.water import io

        assert io._read_csv_typed(p) is not None  # the fast path reads it
    with pytest.raises(WaterInputError) as exc:
        read_results(p)
    e = exc.value
    assert (e.file, e.row, e.column) == (p.name, 3, header)
    assert str(e).startswith(f"{p.name} 第 3 行 列 {header}: ") and needle in str(e)
    field = ["site", "site_type", "date", "item", "value", "unit", "detection_limit"][cell]
    assert f"列 {field}" not in str(e)


@pytest.mark.parametrize("fmt", ["utf-8", "gb18030", "xlsx"])
def test_missing_duplicate_and_mixed_name_chinese_headers(tmp_path: Path, fmt: str) -> None:
    p = write_zh(tmp_path, [r[:5] for r in [ZH_GOOD]], fmt, head=ZH_HEAD[:5])
    with pytest.raises(WaterInputError) as exc:
        read_results(p)
    assert exc.value.column == "单位" and "缺少必需列 单位（必需列: 断面名称、水体类型" in str(exc.value)
    assert "unit" not in str(exc.value)
    dup = write_zh(tmp_path, [ZH_GOOD, [*ZH_GOOD[:4], "0.7", "mg/L", ""]], fmt)
    with pytest.raises(WaterInputError, match=rf"^{dup.name} 第 3 行 列 监测项目: 与第 2 行重复"):
        read_results(dup)
    mixed = write_zh(tmp_path, [ZH_GOOD, ["甲断面", "湖泊", "2024-02-01", "氨氮", "0.5", "mg/L", ""]], fmt)
    with pytest.raises(WaterInputError, match=rf"^{mixed.name} 第 2 行 列 水体类型: .*多种水体类型"):
        read_results(mixed)


def test_fast_path_and_general_reader_give_the_same_text(tmp_path: Path) -> None:
    """The typed UTF-8 reader and read_table (the same file forced through it) word errors alike."""
    from liangshan.standards.water import io

    rows = [ZH_GOOD, ["乙断面", "河流", "2024-01-02", "氨氮", "1e400", "mg/L", ""]]
    p = write_zh(tmp_path, rows, "utf-8")
    with pytest.raises(WaterInputError) as fast:
        read_results(p)
    with pytest.raises(WaterInputError) as general:
        io.normalize(io.read_table(p).frame, file=p.name)
    assert str(fast.value) == str(general.value)
    assert "列 监测值" in str(fast.value)


def test_missing_column_of_an_english_file_keeps_the_field_name(tmp_path: Path) -> None:
    p = write(tmp_path, ["A,river,2024-01-01,氨氮,0.5"], head="site,site_type,date,item,value")
    with pytest.raises(WaterInputError, match=r"列 unit: 缺少必需列 unit（必需列: site、site_type"):
        read_results(p)
