"""HJ 633-2026 daily AQI (six indicators, 5.3.1), GB 3095-2026 limits and stages, annual evaluation,
sand-dust days.

Acceptance scenario: one station, three complete days in June 2025 (HJ 633-2012 / GB 3095-2012) and the same
three days in June 2026 (HJ 633-2026 / GB 3095-2026 过渡阶段):

* day 1 — O3 1-h spike of 250 µg/m³, O3 daily maximum 8-h mean 89 µg/m³ (other pollutants low);
* day 2 — PM2.5 24-h mean 70 µg/m³;
* day 3 — PM10 24-h mean 130 µg/m³.

Expected from the tables (formula (1), rounded up, HJ 633 4.2.6 / 2012 4.4):

=====  =====================================================  ========================================
day    HJ 633-2012 表1 (7 indicators incl. O3 1-h)            HJ 633-2026 表3 (6 indicators, 4.2.2)
=====  =====================================================  ========================================
1      O3 1-h 250 in 200–300: 100 + 50·50/100 = 125 轻度污染     O3 8-h 89 in 0–100: 50·89/100 = 44.5 → 45 优
2      PM2.5 70 in 35–75: 50 + 50·35/40 = 93.75 → 94 良        PM2.5 70 in 60–115: 100 + 50·10/55 → 110 轻度
3      PM10 130 in 50–150: 50 + 50·80/100 = 90 良              PM10 130 in 120–250: 100 + 50·10/130 → 104 轻度
=====  =====================================================  ========================================

So 2025: 3 valid days, 2 good (良 2, 轻度污染 1); 2026: 3 valid days, 1 good (优 1, 轻度污染 2).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from liangshan.cli import app
from liangshan.standards.air import AirInputError
from liangshan.standards.air.annual import annual_evaluation, annual_stats, good_days_report
from liangshan.standards.air.cube import to_cube
from liangshan.standards.air.daily import daily_frame, daily_stats
from liangshan.standards.air.dust import DustRule, parse_dust_days, read_dust_days
from liangshan.standards.air.io import validate
from liangshan.standards.air.limits import limits_for, limits_for_year
from liangshan.standards.air.tables import DAILY_INDICATORS, GB3095_LIMITS

runner = CliRunner()
BASE = {"so2": 10.0, "no2": 20.0, "pm10": 40.0, "pm2_5": 20.0, "co": 0.5, "o3": 40.0}
PM_MISSING = np.r_[20.0, np.full(23, np.nan)]
"""PM2.5 with one valid hour: the pollutant is invalid for the day (1 < 20 hours)."""


def three_days(year: int) -> pl.DataFrame:
    """The acceptance days, 10–12 June of ``year``, one station ``城关站``."""
    t = np.arange(np.datetime64(f"{year}-06-10T00", "h"), np.datetime64(f"{year}-06-13T00", "h"))
    cols: dict[str, object] = {"station": np.full(t.size, "城关站"), "time": t.astype("datetime64[us]")}
    for p, v in BASE.items():
        cols[p] = np.full(t.size, v)
    o3 = cols["o3"]
    assert isinstance(o3, np.ndarray)
    o3[10:18] = 66.0  # 8-h window 10–17: (7·66 + 250) / 8 = 89, the day's maximum
    o3[13] = 250.0  # the 1-h spike
    pm2_5, pm10 = cols["pm2_5"], cols["pm10"]
    assert isinstance(pm2_5, np.ndarray) and isinstance(pm10, np.ndarray)
    pm2_5[24:48] = 70.0
    pm10[48:72] = 130.0
    return pl.DataFrame(cols)


@pytest.fixture
def acceptance_file(tmp_path: Path) -> Path:
    p = tmp_path / "城关站_2025_2026.csv"
    pl.concat([three_days(2025), three_days(2026)]).write_csv(p, datetime_format="%Y-%m-%dT%H:%M")
    return p


def run_json(*args: str) -> dict:
    res = runner.invoke(app, ["air", *args, "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def one_day(day: str, **over: object) -> pl.DataFrame:
    """One complete day for station A; ``over[p]`` replaces pollutant p (scalar or 24 values)."""
    t = np.arange(np.datetime64(f"{day}T00", "h"), np.datetime64(f"{day}T00", "h") + 24)
    cols: dict[str, object] = {"station": np.full(24, "A"), "time": t.astype("datetime64[us]")}
    for p, v in BASE.items():
        cols[p] = np.broadcast_to(np.asarray(over.get(p, v), dtype=float), (24,)).copy()
    return validate(pl.DataFrame(cols))


def day_row(df: pl.DataFrame, **kw: object) -> dict:
    return daily_frame(daily_stats(to_cube(df), edition="auto", **kw)).row(0, named=True)  # type: ignore[arg-type]


# --- acceptance -------------------------------------------------------------------------------------------


def test_good_days_cli_counts_per_edition(acceptance_file: Path) -> None:
    years = {y["year"]: y for y in run_json("good-days", str(acceptance_file))["years"]}
    y25, y26 = years[2025], years[2026]
    assert y25["editions"] == ["HJ633-2012"] and "HJ633-2026" in y26["editions"]
    assert (y25["valid_days"], y25["good_days"]) == (3, 2)
    assert (y25["categories"]["良"], y25["categories"]["轻度污染"]) == (2, 1)
    assert (y26["valid_days"], y26["good_days"]) == (3, 1)
    assert (y26["categories"]["优"], y26["categories"]["轻度污染"]) == (1, 2)


def test_daily_aqi_six_indicators_from_2026(acceptance_file: Path) -> None:
    res = daily_stats(to_cube(validate(pl.read_csv(acceptance_file, try_parse_dates=True))), edition="auto")
    frame = daily_frame(res).filter(pl.col("status") != "无数据")
    got = [
        (str(r["date"]), r["aqi"], r["category"], r["primary_pollutant"]) for r in frame.iter_rows(named=True)
    ]
    assert got == [
        ("2025-06-10", 125, "轻度污染", "O3_1h"),
        ("2025-06-11", 94, "良", "PM2.5"),
        ("2025-06-12", 90, "良", "PM10"),
        ("2026-06-10", 45, "优", None),  # O3 1-h 250 not in the 2026 daily report; AQI ≤ 50: no primary
        ("2026-06-11", 110, "轻度污染", "PM2.5"),
        ("2026-06-12", 104, "轻度污染", "PM10"),
    ]
    spike = frame.row(3, named=True)
    assert spike["o3_1h"] == 250 and spike["o3_8h"] == 89 and spike["nonattainment"] is None


def test_annual_cli_limits_by_year(acceptance_file: Path) -> None:
    years = {y["year"]: y for y in run_json("annual", str(acceptance_file))["years"]}
    assert years[2025]["limits"] == "GB 3095-2012 二级"
    assert years[2026]["limits"] == "GB 3095-2026 过渡阶段 二级"

    def limit(year: int, pollutant: str, statistic: str) -> float:
        (item,) = [
            i
            for i in years[year]["area"]["items"]
            if i["pollutant"] == pollutant and i["statistic"] == statistic
        ]
        return item["limit"]

    # GB 3095-2026 表1 过渡阶段 二级 (page image) and GB 3095-2012 表1 二级.
    assert limit(2026, "SO2", "年平均") == 60 and limit(2025, "SO2", "年平均") == 60
    assert limit(2026, "PM2.5", "年平均") == 30 and limit(2025, "PM2.5", "年平均") == 35
    assert limit(2026, "PM10", "年平均") == 60 and limit(2025, "PM10", "年平均") == 70
    assert limit(2026, "PM10", "24小时平均第95百分位数") == 120
    assert limit(2025, "PM10", "24小时平均第95百分位数") == 150
    assert limit(2026, "PM2.5", "24小时平均第95百分位数") == 60
    assert limit(2026, "O3", "日最大8小时滑动平均第90百分位数") == 160
    area = years[2026]["area"]
    (pm10_p95,) = [i for i in area["items"] if i["pollutant"] == "PM10" and i["statistic"].startswith("24")]
    # Three days 40, 40, 130: k = 1 + 2·0.95 = 2.9 → 40 + 0.9·90 = 121 (HJ 663 formula).
    assert pm10_p95["value"] == 121 and pm10_p95["days"] == 3 and pm10_p95["complete"] is False
    assert pm10_p95["attained"] is None and area["attained"] is None  # 3 days < 324: not judged (表4)
    assert [s["station"] for s in years[2026]["stations"]] == ["城关站"]


def test_annual_cli_grade_one_and_bad_grade(acceptance_file: Path) -> None:
    years = run_json("annual", str(acceptance_file), "--grade", "一级")["years"]
    assert years[1]["limits"] == "GB 3095-2026 过渡阶段 一级"
    res = runner.invoke(app, ["air", "annual", str(acceptance_file), "--grade", "三级"])
    assert res.exit_code == 2 and "一级 或 二级" in res.output


def test_annual_cli_table_in_chinese(acceptance_file: Path) -> None:
    res = runner.invoke(app, ["air", "annual", str(acceptance_file)])
    assert res.exit_code == 0, res.output
    assert "GB 3095-2026 过渡阶段 二级" in res.stdout and "数据不足" in res.stdout


# --- HJ 633-2026 daily rules -------------------------------------------------------------------------------


def test_daily_indicator_sets() -> None:
    assert "o3_1h" in DAILY_INDICATORS["HJ633-2012"] and len(DAILY_INDICATORS["HJ633-2012"]) == 7
    assert DAILY_INDICATORS["HJ633-2026"] == ("so2", "no2", "pm10", "pm2_5", "co", "o3_8h")


def test_o3_1h_validity_rule_only_where_used() -> None:
    o3 = np.full(24, 50.0)
    o3[19:] = (
        np.nan
    )  # 19 valid hours: O3 1-h maximum invalid (< 20); 8-h windows 0–13 keep ≥ 6 of 8 → 14 valid
    old = day_row(one_day("2025-06-01", o3=o3))
    new = day_row(one_day("2026-06-01", o3=o3))
    assert old["status"] == "无效" and old["reason"] == "O3_1h有效小时数19<20" and old["aqi"] is None
    assert new["status"] == "有效" and new["reason"] is None and new["aqi"] == 40 and new["n_o3_8h"] == 14
    o3[18] = np.nan  # 18 valid hours: window 13 (13–20) now has 5 → 13 windows, invalid in both editions
    assert day_row(one_day("2026-06-01", o3=o3))["reason"] == "O3_8h有效8小时值13<14"


def test_5_3_1_missing_pollutant_na_unless_above_100() -> None:
    missing = day_row(one_day("2026-06-01", pm2_5=PM_MISSING))
    assert missing["status"] == "无效" and missing["valid"] is False
    assert (missing["aqi"], missing["level"], missing["category"]) == (None, None, None)
    assert missing["reason"] == "PM2.5有效小时数1<20"
    # PM2.5 missing, PM10 200: the others give 100 + 50·80/130 = 130.8 → 131 > 100 → published (5.3.1).
    high = day_row(one_day("2026-06-01", pm2_5=PM_MISSING, pm10=200.0))
    assert (high["aqi"], high["category"], high["status"], high["valid"]) == (
        131,
        "轻度污染",
        "不完整但超标",
        True,
    )
    assert high["reason"].startswith("缺项，其余污染物 AQI 大于 100 仍发布（HJ 633-2026 5.3.1），计入有效天")
    # Exactly 100 from the others is not published: PM10 120 → IAQI 100.
    edge = day_row(one_day("2026-06-01", pm2_5=PM_MISSING, pm10=120.0))
    assert edge["aqi"] is None and edge["status"] == "无效"
    edge = day_row(one_day("2026-06-01", pm2_5=PM_MISSING, pm10=121.0))
    assert edge["aqi"] == 101 and edge["status"] == "不完整但超标"


def test_5_3_1_partial_days_parameter() -> None:
    df = one_day("2026-06-01", pm2_5=PM_MISSING, pm10=200.0)
    counted = daily_stats(to_cube(df), edition="auto")
    excluded = daily_stats(to_cube(df), edition="auto", partial_days="exclude")
    assert annual_stats(counted).row(0, named=True)["valid_days"] == 1
    row = annual_stats(excluded).row(0, named=True)
    assert (row["valid_days"], row["good_days"], row["轻度污染"]) == (0, 0, 0)
    assert daily_frame(excluded).row(0, named=True)["reason"].endswith("不计入有效天：PM2.5有效小时数1<20")
    with pytest.raises(ValueError, match="partial_days"):
        daily_stats(to_cube(df), edition="auto", partial_days="maybe")


def test_incomplete_statistic_2012_counts_2026_uses_others_only() -> None:
    pm = np.full(24, 200.0)
    pm[15:] = np.nan  # 15 valid hours at 200 µg/m³
    old = day_row(one_day("2025-06-01", pm2_5=pm))
    assert old["status"] == "不完整但超标" and old["aqi"] == 250  # HJ 663-2013: the incomplete value counts
    new = day_row(one_day("2026-06-01", pm2_5=pm))  # GB 3095-2026 6.4: incomplete = invalid; others ≤ 100
    assert new["status"] == "无效" and new["aqi"] is None
    # The other pollutants above 100 under 5.3.1: the AQI is theirs, not the incomplete PM2.5's.
    both = day_row(one_day("2026-06-01", pm2_5=pm, pm10=200.0))
    assert both["aqi"] == 131 and both["primary_pollutant"] == "PM10"


# --- GB 3095 limits ---------------------------------------------------------------------------------------

# GB 3095-2026 表1, transcribed here independently from the page image: (一级, 二级) per stage.
TRANSITION = {
    ("so2", "annual"): (20, 60), ("so2", "24h"): (50, 150), ("so2", "1h"): (150, 500),
    ("no2", "annual"): (40, 40), ("no2", "24h"): (80, 80), ("no2", "1h"): (200, 200),
    ("co", "24h"): (4, 4), ("co", "1h"): (10, 10), ("o3", "8h"): (100, 160), ("o3", "1h"): (160, 200),
    ("pm10", "annual"): (40, 60), ("pm10", "24h"): (50, 120),
    ("pm2_5", "annual"): (15, 30), ("pm2_5", "24h"): (35, 60),
}  # fmt: skip
FINAL = {
    ("so2", "annual"): (20, 20), ("so2", "24h"): (50, 50), ("so2", "1h"): (150, 150),
    ("no2", "annual"): (30, 30), ("no2", "24h"): (50, 50), ("no2", "1h"): (200, 200),
    ("co", "24h"): (4, 4), ("co", "1h"): (10, 10), ("o3", "8h"): (100, 160), ("o3", "1h"): (160, 200),
    ("pm10", "annual"): (20, 50), ("pm10", "24h"): (50, 100),
    ("pm2_5", "annual"): (10, 25), ("pm2_5", "24h"): (25, 50),
}  # fmt: skip


@pytest.mark.parametrize(("code", "table"), [("GB3095-2026-过渡阶段", TRANSITION), ("GB3095-2026", FINAL)])
def test_gb3095_2026_table1(code: str, table: dict) -> None:
    ls = GB3095_LIMITS[code]
    assert dict(ls.grade1) == {k: v[0] for k, v in table.items()}
    assert dict(ls.grade2) == {k: v[1] for k, v in table.items()}


def test_gb3095_2026_table2_and_nox_transition_notes() -> None:
    t, f = GB3095_LIMITS["GB3095-2026-过渡阶段"], GB3095_LIMITS["GB3095-2026"]
    assert (f.other2[("nox", "annual")], f.other2[("nox", "24h")], f.other2[("nox", "1h")]) == (40, 70, 250)
    assert (t.other2[("nox", "annual")], t.other2[("nox", "24h")]) == (50, 100)  # notes a, b
    assert (f.other1[("tsp", "annual")], f.other2[("tsp", "annual")], f.other2[("tsp", "24h")]) == (
        80,
        200,
        300,
    )
    assert (f.other2[("pb", "annual")], f.other2[("pb", "season")], f.other2[("bap", "24h")]) == (
        0.5,
        1,
        0.0025,
    )


@pytest.mark.parametrize(
    ("when", "code", "name"),
    [
        (date(2026, 2, 28), "GB3095-2012", "GB 3095-2012 二级"),
        (date(2026, 3, 1), "GB3095-2026-过渡阶段", "GB 3095-2026 过渡阶段 二级"),
        (date(2030, 12, 31), "GB3095-2026-过渡阶段", "GB 3095-2026 过渡阶段 二级"),
        (date(2031, 1, 1), "GB3095-2026", "GB 3095-2026 二级"),
        (2025, "GB3095-2012", "GB 3095-2012 二级"),
        (2026, "GB3095-2026-过渡阶段", "GB 3095-2026 过渡阶段 二级"),
        ("2031-06-30", "GB3095-2026", "GB 3095-2026 二级"),
    ],
)
def test_limits_for_dates_and_years(when: object, code: str, name: str) -> None:
    lim = limits_for(when)
    assert (lim.code, lim.name) == (code, name)
    assert limits_for_year(2026).code == "GB3095-2026-过渡阶段"


def test_limits_for_grades_and_errors() -> None:
    one = limits_for(2026, "一级")
    assert one.name == "GB 3095-2026 过渡阶段 一级" and one.get("pm2_5", "annual") == 15
    assert one.get("o3", "8h") == 100 and one.get("nox", "24h") == 100 and one.get("co", "annual") is None
    assert limits_for(2026).get("so2", "annual") == 60  # was missing before: annual attainment was null
    with pytest.raises(ValueError, match="一级 或 二级"):
        limits_for(2026, "三级")
    with pytest.raises(ValueError, match="无法识别"):
        limits_for("明年")


def year_frame(year: int, pollutant: str, value: float) -> pl.DataFrame:
    t = np.arange(np.datetime64(f"{year}-01-01T00", "h"), np.datetime64(f"{year + 1}-01-01T00", "h"))
    cols: dict[str, object] = {"station": np.full(t.size, "A"), "time": t.astype("datetime64[us]")}
    for p, v in BASE.items():
        cols[p] = np.full(t.size, value if p == pollutant else v)
    return validate(pl.DataFrame(cols))


# Every GB 3095-2026 limit the annual evaluation uses that differs from GB 3095-2012 二级, both sides.
@pytest.mark.parametrize(
    ("year", "grade", "pollutant", "statistic", "limit"),
    [
        (2027, "二级", "pm10", "年平均", 60), (2027, "二级", "pm10", "24小时平均第95百分位数", 120),
        (2027, "二级", "pm2_5", "年平均", 30), (2027, "二级", "pm2_5", "24小时平均第95百分位数", 60),
        (2032, "二级", "so2", "年平均", 20), (2032, "二级", "so2", "24小时平均第98百分位数", 50),
        (2032, "二级", "no2", "年平均", 30), (2032, "二级", "no2", "24小时平均第98百分位数", 50),
        (2032, "二级", "pm10", "年平均", 50), (2032, "二级", "pm10", "24小时平均第95百分位数", 100),
        (2032, "二级", "pm2_5", "年平均", 25), (2032, "二级", "pm2_5", "24小时平均第95百分位数", 50),
        (2032, "一级", "pm10", "年平均", 20), (2032, "一级", "pm2_5", "年平均", 10),
        (2032, "一级", "pm2_5", "24小时平均第95百分位数", 25),
        (2027, "一级", "o3", "日最大8小时滑动平均第90百分位数", 100),
        (2027, "二级", "co", "24小时平均第95百分位数", 4),
    ],
)  # fmt: skip
def test_annual_evaluation_limit_both_sides(
    year: int, grade: str, pollutant: str, statistic: str, limit: float
) -> None:
    step = 0.1 if pollutant == "co" else 1
    label = {"pm2_5": "PM2.5", "pm10": "PM10", "so2": "SO2", "no2": "NO2", "o3": "O3", "co": "CO"}[pollutant]
    for value, attained in ((limit, True), (limit + step, False)):
        res = daily_stats(to_cube(year_frame(year, pollutant, value)), edition="auto")
        (row,) = annual_evaluation(res, grade=grade)
        (item,) = [i for i in row["items"] if i["pollutant"] == label and i["statistic"] == statistic]
        assert item["limit"] == limit and item["value"] == pytest.approx(value)
        assert item["complete"] is True and item["attained"] is attained, (value, item)
        if statistic == "年平均" or pollutant in ("co", "o3"):  # the pollutant's other item (if any) attains
            assert row["pollutants"][label] is attained


def test_annual_evaluation_percentiles_hj663() -> None:
    days = np.arange(365, dtype=float)  # PM2.5 daily means 0 … 364 (one per day)
    df = year_frame(2027, "pm2_5", 20.0).with_columns(pl.Series("pm2_5", np.repeat(days, 24)))
    (row,) = annual_evaluation(daily_stats(to_cube(df), edition="auto"))
    items = {(i["pollutant"], i["statistic"]): i["value"] for i in row["items"]}
    # k = 1 + 364·0.95 = 346.8 → x(346) + 0.8·(x(347) − x(346)) = 345.8 → 346 (half to even)
    assert items[("PM2.5", "24小时平均第95百分位数")] == 346 and items[("PM2.5", "年平均")] == 182
    assert items[("SO2", "24小时平均第98百分位数")] == 10
    assert row["pollutants"]["PM2.5"] is False and row["attained"] is False


# --- dust days --------------------------------------------------------------------------------------------


def test_dust_file_formats(tmp_path: Path) -> None:
    p = tmp_path / "沙尘.csv"
    p.write_text(
        "\ufeff# 2027 年沙尘过程\n日期,发布文件\n2027-03-14~2027-03-16,省站通报第3期\n"
        "2027/4/2\n20270405,\n\n",
        encoding="utf-8",
    )
    dust = read_dust_days(p)
    assert [d.isoformat() for d in dust.dates] == [
        "2027-03-14", "2027-03-15", "2027-03-16", "2027-04-02", "2027-04-05",
    ]  # fmt: skip
    assert dust.documents[date(2027, 3, 15)] == "省站通报第3期" and dust.documents[date(2027, 4, 2)] == ""
    tab = parse_dust_days("2027-03-14\t通报\n")
    assert tab.documents == {date(2027, 3, 14): "通报"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("date\n2027-03-14\n2027-13-01\n", "文件 d.csv，第 3 行，列 date：日期 '2027-13-01' 不存在"),
        ("2027-03-14\n昨天\n", "第 2 行，列 date：日期 '昨天' 无法识别"),
        ("2027-03-16~2027-03-14\n", "第 1 行，列 date：日期范围 '2027-03-16~2027-03-14' 的结束日早于开始日"),
        ("2027-01-01~2027-03-01\n", "共 60 天，超过 31 天"),
        ("2027-03-14,通报,多余\n", "第 1 行，列 3：多出 1 列"),
    ],
)
def test_dust_file_errors_name_row_and_column(text: str, message: str) -> None:
    with pytest.raises(AirInputError) as err:
        parse_dust_days(text, "d.csv")
    assert message in str(err.value)


def test_dust_file_missing_or_not_utf8(tmp_path: Path) -> None:
    with pytest.raises(AirInputError, match="不存在"):
        read_dust_days(tmp_path / "none.csv")
    p = tmp_path / "gbk.csv"
    p.write_bytes("2027-03-14,省站通报\n".encode("gbk"))
    with pytest.raises(AirInputError, match="UTF-8"):
        read_dust_days(p)


def dusty_year() -> tuple[pl.DataFrame, object]:
    """2027, PM10 40 every day except three dust days at 300 (PM2.5 100 on those days)."""
    df = year_frame(2027, "pm10", 40.0)
    dust_days = pl.col("time").dt.date().is_in([date(2027, 3, 14), date(2027, 3, 15), date(2027, 3, 16)])
    df = df.with_columns(
        pl.when(dust_days).then(300.0).otherwise(pl.col("pm10")).alias("pm10"),
        pl.when(dust_days).then(100.0).otherwise(pl.col("pm2_5")).alias("pm2_5"),
    )
    return df, parse_dust_days("2027-03-14~2027-03-16,沙尘过程通报\n")


def test_good_days_report_dust_excluded_and_not() -> None:
    df, dust = dusty_year()
    res = daily_stats(to_cube(df), edition="auto")
    (row,) = good_days_report(res, dust_days=dust)  # type: ignore[arg-type]
    # 不扣沙: PM10 300 → IAQI 150 + 50·50/100 = 175 (HJ 633-2026 表3), three non-good days.
    assert (row["valid_days"], row["good_days"]) == (365, 362)
    assert row["annual"]["pm10"] == round((362 * 40 + 3 * 300) / 365)  # 42.1 → 42
    ex = row["dust_excluded"]
    assert (ex["valid_days"], ex["good_days"], ex["ratio"]) == (365, 362, row["ratio"])  # default: days kept
    assert ex["annual"]["pm10"] == 40 and ex["annual"]["pm2_5"] == 20 and ex["dust_days_with_data"] == 3
    assert row["dust_days"][0] == {"date": "2027-03-14", "document": "沙尘过程通报"}
    assert "沙尘天仍计入有效天数和优良天数" in ex["rule"]
    (drop,) = good_days_report(
        res,
        dust_days=dust,  # type: ignore[arg-type]
        dust_rule=DustRule(exclude_from_good_day_ratio=True),
    )
    assert (drop["dust_excluded"]["valid_days"], drop["dust_excluded"]["good_days"]) == (362, 362)
    assert "dust_excluded" not in good_days_report(res)[0]  # no dust list: the report is unchanged


def test_annual_evaluation_dust_excluded() -> None:
    df, dust = dusty_year()
    df = df.with_columns(pl.col("pm10") + 30.0)  # 70 on ordinary days: above the 2027 annual limit 60
    (row,) = annual_evaluation(daily_stats(to_cube(df), edition="auto"), dust_days=dust)  # type: ignore[arg-type]
    plain = {i["statistic"]: i for i in row["items"] if i["pollutant"] == "PM10"}
    deducted = {i["statistic"]: i for i in row["dust_excluded"]["items"] if i["pollutant"] == "PM10"}
    assert plain["年平均"]["value"] == round((362 * 70 + 3 * 330) / 365) and deducted["年平均"]["value"] == 70
    assert deducted["年平均"]["complete"] is True and deducted["年平均"]["days"] == 365
    so2 = [i for i in row["dust_excluded"]["items"] if i["pollutant"] == "SO2"]
    assert so2 == [i for i in row["items"] if i["pollutant"] == "SO2"]  # only PM10/PM2.5 are deducted


def test_annual_cli_dust_days(acceptance_file: Path, tmp_path: Path) -> None:
    dust = tmp_path / "dust.csv"
    dust.write_text("2026-06-12,沙尘通报\n", encoding="utf-8")
    out = run_json("annual", str(acceptance_file), "--dust-days", str(dust))
    y26 = out["years"][1]["area"]
    deducted = {(i["pollutant"], i["statistic"]): i["value"] for i in y26["dust_excluded"]["items"]}
    assert deducted[("PM10", "年平均")] == 40 and y26["dust_days"] == [
        {"date": "2026-06-12", "document": "沙尘通报"}
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text("2026-06-12\n2026-02-30\n", encoding="utf-8")
    res = runner.invoke(app, ["air", "annual", str(acceptance_file), "--dust-days", str(bad)])
    assert res.exit_code == 2 and "文件 bad.csv，第 2 行，列 date" in res.output
