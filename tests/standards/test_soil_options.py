"""Soil method options: C from product sampling (指标5) and the 十四五 definition of 指标6."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from liangshan.cli import app
from liangshan.services.calculators import soil as soil_calc
from liangshan.standards import soil
from liangshan.standards.soil import SoilInputError, plots_safe_use_rate, sampling_c_area

runner = CliRunner()

# P1: 4 samples, 3 达标 (75 %); P2: 2 samples, both 达标; P3: 达标 but no safe-use measures.
SAMPLING = """年份,地块编号,地块面积（亩）,样品编号,农产品,是否达标,实测值,限量值,是否落实安全利用措施
2024,P1,100,S1,稻谷,是,0.10,0.2,是
2024,P1,100,S2,稻谷,是,0.12,0.2,是
2024,P1,100,S3,稻谷,是,0.15,0.2,是
2024,P1,100,S4,稻谷,否,0.31,0.2,是
2024,P2,40.5,S5,小麦,达标,,,是
2024,P2,40.5,S6,小麦,合格,,,
2024,P3,20,S7,玉米,是,,,否
"""
FARMLAND = "year,b_area,c_area,d_area,e_area\n2024,600,300,60,1000\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_default_rule_counts_only_parcels_whose_every_sample_is_compliant(tmp_path: Path) -> None:
    got = sampling_c_area(write(tmp_path, "s.csv", SAMPLING))[2024]
    assert got.c_area == pytest.approx(40.5)
    assert [c["parcel"] for c in got.counted] == ["P2"]
    reasons = {x["parcel"]: x["reason"] for x in got.excluded}
    assert reasons == {"P1": "达标样品占比 75.0% 低于 100%", "P3": "未落实安全利用措施"}
    assert got.counted[0]["samples"] == 2 and got.counted[0]["compliant"] == 2


@pytest.mark.parametrize(("share", "c_area"), [(75.0, 140.5), (75.1, 40.5), (50.0, 140.5)])
def test_share_threshold_both_sides(tmp_path: Path, share: float, c_area: float) -> None:
    got = sampling_c_area(write(tmp_path, "s.csv", SAMPLING), min_share_percent=share)[2024]
    assert got.c_area == pytest.approx(c_area)
    assert ("P1" in [c["parcel"] for c in got.counted]) == (share <= 75.0)


@pytest.mark.parametrize("share", [0, -5, 100.5, float("nan")])
def test_share_threshold_out_of_range(tmp_path: Path, share: float) -> None:
    with pytest.raises(SoilInputError, match="阈值"):
        sampling_c_area(write(tmp_path, "s.csv", SAMPLING), min_share_percent=share)


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        ("S4,稻谷,否", "S4,稻谷,也许", "第 5 行，列 是否达标：应为 是/否"),
        ("2024,P2,40.5,S6", "2024,P2,41,S6", "第 7 行，列 地块面积（亩）：地块 P2 的地块面积在各行中不一致"),
        ("S2,稻谷,是,0.12", "S2,稻谷,是,0.25", "第 3 行，列 是否达标：实测值 0.25 与限量值 0.2"),
        ("2024,P1,100,S2", "2024,P1,100,S1", "第 3 行，列 样品编号：样品 S1 在地块 P1 中重复"),
        ("2024,P3,20,S7", "2024,P3,-20,S7", "第 8 行，列 地块面积（亩）：不能为负数"),
    ],
)
def test_bad_rows_name_row_and_column(tmp_path: Path, old: str, new: str, match: str) -> None:
    assert old in SAMPLING
    path = write(tmp_path, "bad.csv", SAMPLING.replace(old, new, 1))
    with pytest.raises(SoilInputError, match=match) as e:
        sampling_c_area(path)
    assert "bad.csv" in str(e.value)


def test_missing_column_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "s.csv", "年份,地块编号,样品编号,是否达标\n2024,P1,S1,是\n")
    with pytest.raises(
        SoilInputError, match="缺少列 地块面积（应有列：年份、地块、地块面积、样品、是否达标"
    ) as e:
        sampling_c_area(path)
    assert "parcel_area" not in str(e.value)  # the file's headers are Chinese: so is the message
    english = write(tmp_path, "e.csv", "year,parcel,sample,compliant\n2024,P1,S1,是\n")
    with pytest.raises(SoilInputError, match="缺少列 parcel_area"):  # English headers: the field name
        sampling_c_area(english)


def test_calculator_replaces_c_and_records_parcels_in_provenance(tmp_path: Path) -> None:
    files = {"csv": write(tmp_path, "f.csv", FARMLAND), "sampling": write(tmp_path, "s.csv", SAMPLING)}
    comp = soil_calc.FARMLAND.compute(files, {"c_min_share": 75.0})
    (cv,) = comp.results
    assert cv.values["farmland_c_area"] == pytest.approx(140.5)
    prov = cv.provenance
    assert prov.parameters["c_from_sampling"] is True and prov.parameters["c_min_share_percent"] == 75.0
    assert [i.name for i in prov.inputs] == ["f.csv", "s.csv"]
    sampled = prov.components["c_from_sampling"]
    assert [c["parcel"] for c in sampled["parcels_counted"]] == ["P1", "P2"]
    assert [x["parcel"] for x in sampled["parcels_excluded"]] == ["P3"]
    assert prov.components["rate_percent"] == pytest.approx((600 + 140.5 + 60) / 10)
    assert any("面积表中为 300 亩，未采用" in w for w in comp.warnings)
    # without the sampling file the table's C is used, as before
    plain = soil_calc.FARMLAND.compute({"csv": files["csv"]}).results[0]
    assert plain.values["farmland_c_area"] == 300 and "c_from_sampling" not in plain.provenance.components


def test_calculator_refuses_a_year_without_sampling(tmp_path: Path) -> None:
    files = {
        "csv": write(tmp_path, "f.csv", FARMLAND + "2025,600,300,60,1000\n"),
        "sampling": write(tmp_path, "s.csv", SAMPLING),
    }
    with pytest.raises(SoilInputError, match="没有 2025 年的抽样结果"):
        soil_calc.FARMLAND.compute(files)


def test_cli_c_from_sampling(tmp_path: Path) -> None:
    f, s = write(tmp_path, "f.csv", FARMLAND), write(tmp_path, "s.csv", SAMPLING)
    res = runner.invoke(app, ["soil", "farmland", str(f), "--c-from-sampling", str(s), "--json"])
    assert res.exit_code == 0, res.output
    (row,) = json.loads(res.output)["years"]
    assert row["c_area"] == pytest.approx(40.5) and row["rate_percent"] == pytest.approx(70.05)
    assert row["c_from_sampling"]["min_share_percent"] == 100.0
    res = runner.invoke(app, ["soil", "farmland", str(f), "--c-from-sampling", str(s), "--c-min-share", "75"])
    assert res.exit_code == 0, res.output
    assert "C = 140.5 亩，计入地块 2 个，未计入 1 个" in res.output
    assert "未计入 P3（20 亩）：未落实安全利用措施" in res.output


# ------------------------------------------------------------------------------ 指标6 十四五 definition
def test_plots_14th_definition_names_its_terms() -> None:
    old = plots_safe_use_rate(19, 20)
    new = plots_safe_use_rate(19, 20, definition="14th")
    assert old.rate == new.rate == pytest.approx(95.0)
    assert old.method.startswith(soil.METHOD_PLOTS) and new.method.startswith(soil.METHOD_PLOTS_14TH)
    assert "重点建设用地" in new.reason and "十四五" in new.method
    zero = plots_safe_use_rate(0, 0, definition="14th")
    assert zero.rate is None and "开发利用的重点建设用地为 0" in zero.reason
    with pytest.raises(ValueError, match="definition"):
        plots_safe_use_rate(1, 2, definition="15th")  # type: ignore[arg-type]


def test_plots_definition_is_a_calculator_and_cli_parameter(tmp_path: Path) -> None:
    path = write(tmp_path, "p.csv", "year,plots_redeveloped,plots_safe_use\n2024,10,9\n")
    cv = soil_calc.PLOTS.compute({"csv": path}, {"definition": "14th"}).results[0]
    assert cv.provenance.parameters["definition"] == "14th"
    assert cv.provenance.parameters["method"].startswith(soil.METHOD_PLOTS_14TH)
    default = soil_calc.PLOTS.compute({"csv": path}).results[0]
    assert default.provenance.parameters["definition"] == "pre-14th"
    res = runner.invoke(app, ["soil", "plots", str(path), "--definition", "14th", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["definition"] == "14th" and out["method"] == soil.METHOD_PLOTS_14TH
    bad = runner.invoke(app, ["soil", "plots", str(path), "--definition", "13th"])
    assert bad.exit_code != 0 and "--definition 应为 pre-14th、14th 之一" in bad.output


def test_sampling_file_in_gb18030_and_excel_gives_the_same_c(tmp_path: Path) -> None:
    """County files come as GB18030 CSV or Excel workbooks with Chinese headers: both read as UTF-8 does."""
    from openpyxl import Workbook

    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(SAMPLING.encode("gb18030"))
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for line in SAMPLING.strip().splitlines():
        ws.append([float(x) if x.replace(".", "", 1).isdigit() and x != "" else x for x in line.split(",")])
    xlsx = tmp_path / "s.xlsx"
    wb.save(xlsx)
    want = sampling_c_area(write(tmp_path, "s.csv", SAMPLING))[2024].c_area
    assert sampling_c_area(gbk)[2024].c_area == pytest.approx(want)
    assert sampling_c_area(xlsx)[2024].c_area == pytest.approx(want)


@pytest.mark.parametrize("area", ["NaN", "inf", "1e400", "-5", "十亩"])
def test_sampling_file_refuses_bad_parcel_areas_naming_row_and_column(tmp_path: Path, area: str) -> None:
    bad = SAMPLING.replace("2024,P2,40.5,S5", f"2024,P2,{area},S5")
    with pytest.raises(SoilInputError) as e:
        sampling_c_area(write(tmp_path, "bad.csv", bad))
    msg = str(e.value)
    assert "bad.csv" in msg and "第 6 行" in msg and "列 地块面积（亩）" in msg, msg
