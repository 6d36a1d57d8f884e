"""Evaluations with exactly known answers: sections (2011 method), sources, groundwater, the demo."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest

from liangshan.standards.water import drinking_water as dw
from liangshan.standards.water import groundwater as gw
from liangshan.standards.water import surface_water as sw
from liangshan.standards.water.classify import (
    classify_keys,
    classify_means,
    exceedance_over_iii,
    key_indices,
    round_report,
)
from liangshan.standards.water.io import normalize
from liangshan.standards.water.limits import GB3838_2002, GBT14848_2017, Standard


def frame(rows: list[tuple], extra: dict[str, list] | None = None) -> pl.DataFrame:
    """Rows of (site, site_type, date, item, value, unit[, detection_limit])."""
    cols = ["site", "site_type", "date", "item", "value", "unit", "detection_limit"]
    data = {
        c: [str(r[i]) if i < len(r) and r[i] is not None else "" for r in rows] for i, c in enumerate(cols)
    }
    return normalize(pl.DataFrame({**data, **(extra or {})}))


def monthly(site: str, kind: str, item: str, values: list, unit: str = "mg/L") -> list[tuple]:
    return [(site, kind, f"2024-{m + 1:02d}-10", item, v, unit) for m, v in enumerate(values)]


def one(df: pl.DataFrame, year: int = 2024, **kw) -> sw.SiteClass:
    res = sw.evaluate_sections(df, year, **kw)
    assert len(res.sites) == 1
    return res.sites[0]


def test_annual_mean_first_then_class() -> None:
    s = one(frame(monthly("A", "river", "氨氮", [0.4, 1.8])))  # samples Ⅱ and 劣Ⅴ; mean 1.1 → Ⅳ
    assert (s.cls, s.class_name, s.limiting_items, s.n_samples) == (4, "Ⅳ", ["nh3n"], 2)
    assert s.exceeding == [{"item": "nh3n", "multiple": 0.1}] and s.quality == "轻度污染"


def test_means_compared_at_reporting_precision() -> None:
    df = frame(monthly("A", "river", "总磷", [0.1] * 12))  # float mean 0.10000000000000002
    assert one(df).cls == 2
    assert one(df, rounding=False).cls == 3  # what a raw float comparison would say
    assert one(frame(monthly("A", "river", "总磷", [0.1004, 0.1]))).cls == 2  # 0.1002 → 0.100 at 3 decimals
    assert one(frame(monthly("A", "river", "总磷", [0.1014, 0.1]))).cls == 3  # 0.1007 → 0.101


def test_worst_factor_and_limiting_items() -> None:
    rows = [
        *monthly("A", "river", "溶解氧", [5.5]),
        *monthly("A", "river", "氨氮", [0.3]),
        *monthly("A", "river", "COD", [10]),
    ]
    s = one(frame(rows))
    assert (s.cls, s.limiting_items, s.exceeding) == (3, ["do"], [])
    rows = [
        *monthly("B", "river", "氨氮", [1.2]),
        *monthly("B", "river", "高锰酸盐指数", [9.0]),
        *monthly("B", "river", "pH", [7], "无量纲"),
    ]
    s = one(frame(rows))
    assert s.cls == 4 and s.limiting_items == ["codmn", "nh3n"]  # codmn 0.5× over Ⅲ before nh3n 0.2×
    assert one(frame(monthly("C", "river", "COD", [10]))).limiting_items == []  # class Ⅰ: nothing limits


def test_reference_items_excluded_from_the_class() -> None:
    rows = [
        *monthly("A", "river", "氨氮", [0.1]), *monthly("A", "river", "总氮", [5.0]),
        *monthly("A", "river", "粪大肠菌群", [100000], "个/L"), *monthly("A", "river", "水温", [30], "℃"),
    ]  # fmt: skip
    assert one(frame(rows)).cls == 1
    lake = [*monthly("L", "lake", "氨氮", [0.1]), *monthly("L", "lake", "总氮", [1.2])]
    s = one(frame(lake))
    assert s.cls == 1 and s.extra["tn_class"] == "Ⅳ"  # TN of lakes: reference class only


def test_tp_column_by_water_body() -> None:
    assert one(frame(monthly("R", "river", "总磷", [0.05]))).cls == 2
    assert one(frame(monthly("K", "reservoir", "总磷", [0.05]))).cls == 3
    assert one(frame(monthly("K", "lake", "总磷", [0.051]))).cls == 4


def test_detection_limit_handling() -> None:
    df = frame([("A", "river", "2024-01-10", "氨氮", "<0.3", "mg/L")])
    assert one(df).cls == 1  # ½ × 0.3 = 0.15 → Ⅰ
    assert one(df, nd_factor=1.0).cls == 2  # 0.3 → Ⅱ
    df = frame(
        [
            ("A", "river", "2024-01-10", "氨氮", "ND", "mg/L", "0.3"),
            ("A", "river", "2024-02-10", "氨氮", 0.45, "mg/L"),
        ]
    )
    assert one(df).cls == 2  # (0.15 + 0.45) / 2 = 0.3


def test_empty_years_and_excluded_sections() -> None:
    df = frame([*monthly("A", "river", "氨氮", [0.1]), ("B", "river", "2024-03-10", "COD", "断流", "mg/L"),
                ("C", "river", "2023-03-10", "COD", 10, "mg/L")])  # fmt: skip
    res = sw.evaluate_sections(df, 2024)
    assert (res.good, res.total, res.ratio) == (1, 1, 100.0)
    assert res.excluded == [{"site": "B", "reason": "断流/干涸，年内无有效监测数据"},
                            {"site": "C", "reason": "年内无有效监测数据"}]  # fmt: skip
    empty = sw.evaluate_sections(df, 2030)
    assert (empty.good, empty.total, empty.ratio, empty.sites) == (0, 0, None, [])
    assert [e["site"] for e in empty.excluded] == ["A", "B", "C"]


def test_ratio_le_iii() -> None:
    rows = [r for i, v in enumerate([0.1, 0.9, 1.2, 2.5]) for r in monthly(f"S{i}", "river", "氨氮", [v])]
    res = sw.evaluate_sections(frame(rows), 2024)
    assert [s.cls for s in res.sites] == [1, 3, 4, 6] and (res.good, res.total, res.ratio) == (2, 4, 50.0)


@pytest.mark.parametrize(
    ("classes", "quality"),
    [
        ([1] * 9 + [6], "优"), ([2] * 3 + [4], "良好"), ([3] * 7 + [4] * 2 + [6], "轻度污染"),
        ([1] * 5 + [5, 5, 6, 6, 6], "中度污染"), ([1] * 4 + [6] * 6, "重度污染"),
        ([3] * 6 + [6] * 4, "中度污染"),
        ([3] * 89 + [4] * 11, "良好"), ([3] * 74 + [4] * 7 + [6] * 19, "轻度污染"),
        ([3] * 74 + [4] * 6 + [6] * 20, "中度污染"),
    ],
)  # fmt: skip
def test_describe_river_thresholds(classes: list[int], quality: str) -> None:
    assert sw.describe_river(classes) == quality


def test_river_description_in_evaluation() -> None:
    vals = [0.1, 0.2, 0.3, 0.9, 2.5]  # 4 of 5 at Ⅰ–Ⅲ (80 %) → 良好
    rows = [r for i, v in enumerate(vals) for r in monthly(f"L{i}", "river", "氨氮", [v])]
    rows += [*monthly("G1", "river", "氨氮", [0.9]), *monthly("G2", "river", "氨氮", [1.3])]
    river = ["洛河"] * 5 + ["老灌河"] * 2
    df = frame(rows, {"river": river})
    res = {r["river"]: r for r in sw.evaluate_sections(df, 2024).rivers}
    assert res["洛河"]["method"] == "断面水质类别比例法" and res["洛河"]["quality"] == "良好"
    assert res["老灌河"]["method"] == "断面浓度均值法" and res["老灌河"]["class_name"] == "Ⅳ"  # mean 1.1


def test_a_section_belongs_to_its_first_named_river() -> None:
    """A section's river is the first non-empty river cell in file order (the empty ones skipped), also
    when the file names another river further down."""
    rows = [*monthly("S1", "river", "氨氮", [0.1, 0.2, 0.3]), *monthly("S2", "river", "氨氮", [1.3, 1.2])]
    df = frame(rows, {"river": ["", "洛河", "老灌河", "", "老灌河"]})
    res = {r["river"]: r["n_sections"] for r in sw.evaluate_sections(df, 2024).rivers}
    assert res == {"洛河": 1, "老灌河": 1}


def test_tli_and_trophic_state() -> None:
    parts = {"chla": 10 * (2.5 + 1.086 * math.log(10)), "tp": 10 * (9.436 + 1.624 * math.log(0.05)),
             "tn": 10 * (5.453 + 1.694 * math.log(1.0)), "sd": 10 * (5.118 - 1.94 * math.log(1.5)),
             "codmn": 10 * (0.109 + 2.661 * math.log(4.0))}  # fmt: skip
    r2 = {"chla": 1.0, "tp": 0.84**2, "tn": 0.82**2, "sd": 0.83**2, "codmn": 0.83**2}
    expected = sum(r2[k] * parts[k] for k in parts) / sum(r2.values())
    assert sw.tli(10, 0.05, 1.0, 1.5, 4.0) == pytest.approx(expected)
    assert sw.tli(10, sd=1.5) == pytest.approx((parts["chla"] + 0.83**2 * parts["sd"]) / (1 + 0.83**2))
    states = [sw.trophic_state(v) for v in (29.99, 30, 50, 50.01, 60, 60.01, 70, 70.01)]
    assert states == [
        "贫营养",
        "中营养",
        "中营养",
        "轻度富营养",
        "轻度富营养",
        "中度富营养",
        "中度富营养",
        "重度富营养",
    ]
    lake = [*monthly("L", "lake", "叶绿素a", [10], "mg/m3"), *monthly("L", "lake", "透明度", [1.5], "m"),
            *monthly("L", "lake", "总磷", [0.05]), *monthly("L", "lake", "总氮", [1.0]),
            *monthly("L", "lake", "高锰酸盐指数", [4.0])]  # fmt: skip
    s = one(frame(lake))
    assert s.extra["tli"] == round(expected, 1) and s.extra["trophic_state"] == sw.trophic_state(expected)


def _sources() -> pl.DataFrame:
    rows = [
        *monthly("W1", "reservoir", "氨氮", [0.5, 0.6]), *monthly("W1", "reservoir", "铁", [0.4, 0.1]),
        *monthly("W2", "river", "氨氮", [0.2]), *monthly("W2", "river", "苯", [20], "µg/L"),
        *monthly("G1", "groundwater", "氨氮", [0.2]), *monthly("G1", "groundwater", "硝酸盐", [25]),
        *monthly("P1", "groundwater", "氨氮", [0.2]),
    ]  # fmt: skip
    kinds = {"W1": "surface", "W2": "surface", "G1": "groundwater", "P1": ""}
    vols = {"W1": "100", "W2": "50", "G1": "30", "P1": ""}
    return frame(rows, {"source_kind": [kinds[r[0]] for r in rows], "volume": [vols[r[0]] for r in rows]})


def test_sources_count_volume_events() -> None:
    df = _sources()
    res = dw.evaluate_sources(df, 2024)
    got = {s.site: (s.cls, s.extra["compliant"], s.extra["failing_items"]) for s in res.sources}
    # W1: Fe mean 0.25 ≤ 0.3; W2: 苯 0.02 > 0.01 (表3); G1: 硝酸盐 25 → GB/T 14848 Ⅳ; P1 is not a source
    assert got == {"W1": (3, True, []), "W2": (2, False, ["benzene"]), "G1": (4, False, [])}
    assert (res.compliant, res.total, res.rate) == (1, 3, pytest.approx(100 / 3))
    vol = dw.evaluate_sources(df, 2024, basis="volume")
    assert (vol.compliant, vol.total) == (100.0, 180.0)
    ev = dw.evaluate_sources(df, 2024, basis="events")  # W1 Jan (Fe 0.4) fails, Feb passes; W2, G1 fail
    assert (ev.compliant, ev.total) == (1, 4)
    assert dw.evaluate_sources(df, 2024, table3_items=["toluene"]).compliant == 2  # 苯 not selected


def test_sources_without_source_kind_and_missing_volume() -> None:
    df = frame([*monthly("W", "river", "锰", [0.2]), *monthly("W", "river", "氨氮", [0.2])])
    res = dw.evaluate_sources(df, 2024)  # every site is a source; 锰 0.2 > 0.1 (表2)
    assert [(s.site, s.cls, s.extra["failing_items"]) for s in res.sources] == [("W", 2, ["mn"])]
    with pytest.raises(ValueError, match="供水量"):
        dw.evaluate_sources(df, 2024, basis="volume")
    with pytest.raises(ValueError, match="basis"):
        dw.evaluate_sources(df, 2024, basis="pipes")  # type: ignore[arg-type]


def test_groundwater_points() -> None:
    rows = [
        ("P1", "groundwater", "2024-04-10", "阴离子表面活性剂", "<0.05", "mg/L"),
        ("P1", "groundwater", "2024-09-10", "阴离子表面活性剂", "<0.05", "mg/L"),
        ("P2", "groundwater", "2024-04-10", "阴离子表面活性剂", "<0.05", "mg/L"),
        ("P2", "groundwater", "2024-09-10", "阴离子表面活性剂", 0.05, "mg/L"),
        ("P3", "groundwater", "2024-04-10", "硝酸盐", 20, "mg/L"),
        ("P3", "groundwater", "2024-09-10", "硝酸盐", 22, "mg/L"),
        ("P3", "groundwater", "2024-04-10", "溶解氧", 5, "mg/L"),
        ("P4", "groundwater", "2023-04-10", "锰", 0.05, "mg/L"),
    ]  # fmt: skip
    res = gw.evaluate_points(frame(rows), 2024)
    got = {s.site: (s.cls, s.limiting_items) for s in res.sites}
    assert got == {"P1": (1, []), "P2": (2, ["las"]), "P3": (4, ["no3n"])}  # 不得检出 → Ⅰ only if all ND
    assert (res.good, res.total) == (2, 3) and res.excluded == [
        {"site": "P4", "reason": "年内无有效监测数据"}
    ]
    assert res.parameters["ignored_items"] == ["do"]
    assert gw.evaluate_points(frame(rows), 2023).sites[0].cls == 1  # Mn 0.05: equal Ⅰ/Ⅱ limits → Ⅰ


def test_demo_is_deterministic_and_designed(tmp_path: Path) -> None:
    from liangshan.demo.water import FILE_NAME, compute_demo

    a = compute_demo(tmp_path / "a")
    b = compute_demo(tmp_path / "b")
    assert (tmp_path / "a" / FILE_NAME).read_bytes() == (tmp_path / "b" / FILE_NAME).read_bytes()
    assert [cv.values for cv in a] == [cv.values for cv in b] and [cv.year for cv in a] == list(
        range(2020, 2026)
    )
    sw_good = [cv.values["sw_sections_good"] for cv in a]
    assert sw_good == [8, 8, 7, 8, 7, 8] and all(cv.values["sw_sections_total"] == 8 for cv in a)
    assert [cv.values["dws_compliant"] for cv in a] == [3, 2, 3, 3, 3, 3]
    assert [cv.values["gw_points_good"] for cv in a] == [5, 5, 4, 5, 6, 6]
    prov = a[0].provenance
    assert prov.inputs[0].name == FILE_NAME and len(prov.inputs[0].sha256) == 64
    assert set(prov.components) == {"surface_water", "drinking_water", "groundwater"}
    assert prov.components["drinking_water"]["parameters"]["basis"] == "count"


def test_section_results_as_columns_match_the_objects(tmp_path: Path) -> None:
    """evaluate_sections_years keeps the sites as columns: their JSON form, the provenance's list and the
    objects built on demand say the same (rivers, lakes with TLI, excluded sections included)."""
    from liangshan.demo.water import synthetic_results

    demo = synthetic_results().with_columns(pl.all().cast(pl.String))
    dry = demo.head(1).with_columns(site=pl.lit("干涸断面"), value=pl.lit("断流"), site_type=pl.lit("river"),
                                    source_kind=pl.lit(None), river=pl.lit(None))  # fmt: skip
    lake = demo.filter(pl.col("site_type") == "reservoir").with_columns(
        site=pl.lit("湖心断面"), site_type=pl.lit("lake"), source_kind=pl.lit(None), volume=pl.lit(None)
    )
    tp = lake.filter(pl.col("item") == "tp")
    tli = [tp.with_columns(item=pl.lit(k), unit=pl.lit(u), value=pl.lit(v)) for k, u, v in
           (("chla", "mg/m3", "12"), ("sd", "m", "1.5"))]  # fmt: skip
    df = normalize(pl.concat([demo, dry, lake, *tli]))
    fresh = sw.evaluate_sections_years(df)
    built = sw.evaluate_sections_years(df)
    assert fresh and any(r.rivers for r in fresh) and any(r.excluded for r in fresh)
    assert any("tli" in d for r in fresh for d in r.site_dicts())
    for a, b in zip(fresh, built, strict=True):
        objects = b.sites  # built from the columns
        assert a.site_dicts() == [s.to_dict() for s in objects] == b.site_dicts()
        assert a.site_summaries() == b.site_summaries()
        assert [s["site"] for s in a.site_summaries()] == sorted(s.site for s in objects)
        assert (a.good, a.total) == (sum(s.cls <= 3 for s in objects), len(objects))
        # the objects as site_class builds them from classify_sites' rows (the way before the columns)
        scope = df.filter(pl.col("site_type").is_in(sw.SURFACE_TYPES) & pl.col("source_kind").is_null())
        year = scope.filter(pl.col("year") == a.year)
        _, worst = sw.classify_sites(year)
        kinds = dict(zip(*scope.select(pl.col("site", "site_type").cast(pl.String)), strict=False))
        extras = sw._lake_extras(year, 0.5)
        rows = worst.sort("site").to_dicts()
        by_rows = [sw.site_class(r, kinds[r["site"]], extras.get(r["site"], {})).to_dict() for r in rows]
        assert a.site_dicts() == by_rows


def test_integer_group_keys_give_the_text_keys_results() -> None:
    """Categorical site and item columns (io.normalize) are grouped on one integer key; the same rows as
    text are grouped on the columns: same means in the same order, same counts, same sections."""
    from liangshan.demo.water import synthetic_results
    from liangshan.standards.water.limits import EVALUATION_ITEMS_2011

    df = normalize(synthetic_results().with_columns(pl.all().cast(pl.String)))
    text = df.with_columns(pl.col(pl.Categorical).cast(pl.String))
    scope = pl.col("site_type").is_in(sw.SURFACE_TYPES) & pl.col("source_kind").is_null()
    by = ("year", "site")
    coded = sw._sites_queries(df.lazy().filter(scope), items=EVALUATION_ITEMS_2011, nd_factor=0.5, by=by)
    plain = sw._sites_queries(text.lazy().filter(scope), items=EVALUATION_ITEMS_2011, nd_factor=0.5, by=by)
    assert "_key" in coded[0].explain() and "_key" not in plain[0].explain()
    (m1, s1), (m2, s2) = pl.collect_all(coded), pl.collect_all(plain)
    as_text = pl.col(pl.Categorical).cast(pl.String)
    assert m1.with_columns(as_text).equals(m2.with_columns(as_text))
    assert s1.with_columns(as_text).sort(by).equals(s2.sort(by))
    a, b = sw.evaluate_sections_years(df), sw.evaluate_sections_years(text)
    assert [r.site_dicts() for r in a] == [r.site_dicts() for r in b]
    assert [r.rivers for r in a] == [r.rivers for r in b]


def test_sites_json_parses_to_the_site_dicts() -> None:
    """The compact JSON of a year's sites (polars' writer over the columns, or the standard encoder when
    lake extras are merged in) parses to site_dicts(), also after the objects were built."""
    import json

    from liangshan.demo.water import synthetic_results

    demo = synthetic_results().with_columns(pl.all().cast(pl.String))
    lake = demo.filter(pl.col("site_type") == "reservoir").with_columns(
        site=pl.lit("湖心断面"), site_type=pl.lit("lake"), source_kind=pl.lit(None), volume=pl.lit(None)
    )
    tp = lake.filter(pl.col("item") == "tp")
    chla = tp.with_columns(item=pl.lit("chla"), unit=pl.lit("mg/m3"))
    sd = tp.with_columns(item=pl.lit("sd"), unit=pl.lit("m"), value=pl.lit("1"))
    for frame, lakes in ((demo, False), (pl.concat([demo, lake, chla, sd]), True)):
        for r in sw.evaluate_sections_years(normalize(frame)):
            assert bool(r._extras) is lakes
            text = r.sites_json()
            assert "\n" not in text and text.startswith("[{")
            assert json.loads(text) == r.site_dicts() == [s.to_dict() for s in r.sites]
            assert json.loads(r.sites_json()) == r.site_dicts()  # from the objects now


def _classify_means_numpy(
    means: pl.DataFrame, standard: Standard, decimals: dict[str, int] | None
) -> pl.DataFrame:
    """The numpy formulation classify_means had before it became polars expressions."""
    import numpy as np

    digits = {**standard.decimals, **(decimals or {})}
    keys = means["item"]
    x = means["mean"].to_numpy().astype(np.float64)
    dec = keys.replace_strict(digits, default=None, return_dtype=pl.Int64).to_numpy()
    has = ~np.isnan(dec.astype(np.float64))
    with np.errstate(invalid="ignore"):
        x = np.where(has, round_report(x, np.where(has, dec, 0)), x)
    nd_zero = (keys.is_in(list(standard.not_detected_class1)) & means["all_nd"]).to_numpy()
    ki = key_indices(standard, keys)
    return means.with_columns(
        pl.Series("value", x),
        pl.Series("class", classify_keys(standard, ki, np.where(nd_zero, 0.0, x))),
        pl.Series("exceedance", exceedance_over_iii(standard, ki, x)),
    )


@pytest.mark.parametrize("standard", [GB3838_2002, GBT14848_2017], ids=lambda s: s.edition)
@pytest.mark.parametrize("decimals", [None, {"nh3n": 0, "do": 3}])
def test_classify_means_bit_for_bit_as_the_numpy_functions(
    standard: Standard, decimals: dict[str, int] | None
) -> None:
    """classify_means (polars, GB/T 8170-2008 §3.3 rounding, GB 3838-2002 §4 classes) gives the same
    bits as round_report, classify_keys and exceedance_over_iii: values on limits, halves, negatives,
    NaN, infinity, keys without limits, all-below-DL items."""
    import numpy as np

    rng = np.random.default_rng(5)
    keys = [*standard.keys, *standard.single, "unknown"]
    n = 20_000
    k = rng.choice(keys, n)
    ki = np.array([standard.index.get(str(x), -1) for x in k])
    limit = standard.hi[np.maximum(ki, 0), rng.integers(0, standard.n_classes, n)]
    base = np.where(ki >= 0, np.nan_to_num(limit, posinf=7.0), 1.0)
    mode = rng.integers(0, 5, n)
    v = np.select(
        [mode == 0, mode == 1, mode == 2, mode == 3],
        [base, base * rng.lognormal(0, 0.5, n), np.round(base * rng.lognormal(0, 1, n), 3) + 0.0005, -base],
        rng.normal(0, 100, n),
    )
    v[rng.random(n) < 0.01] = np.nan
    v[rng.random(n) < 0.01] = np.inf
    means = pl.DataFrame({"item": k, "mean": v, "all_nd": rng.random(n) < 0.3, "n": 1})
    got = classify_means(means, standard, decimals=decimals)
    want = _classify_means_numpy(means, standard, decimals)
    assert got.schema == want.schema
    assert got["class"].to_list() == want["class"].to_list()
    assert set(got["class"].to_list()) >= {0, 1, standard.worst_class}
    for col in ("value", "exceedance"):
        a, b = got[col].to_numpy(), want[col].to_numpy()
        assert (np.isnan(a) == np.isnan(b)).all()
        assert (a[~np.isnan(a)].view(np.int64) == b[~np.isnan(b)].view(np.int64)).all(), col


def test_sections_command_imports_neither_numpy_nor_rich(tmp_path: Path) -> None:
    """``water sections FILE --json`` classifies with polars alone: numpy (≈ 0.07 s to import) is not
    loaded on that path, nor rich (≈ 0.016 s; only the table output prints through it)."""
    import json
    import os
    import subprocess
    import sys

    path = tmp_path / "results.csv"
    rows = ["site,site_type,date,item,value,unit"]
    rows += [f"断面{s},river,2024-0{m}-10,{i},{v},mg/L" for s in (1, 2) for m in (1, 2) for i, v in
             (("nh3n", "0.4"), ("do", "6.5"), ("tp", "<0.01"))]  # fmt: skip
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code = (
        "import atexit, sys\n"
        "loaded = lambda: [m for m in ('numpy', 'rich') if m in sys.modules]\n"
        "atexit.register(lambda: sys.stderr.write('\\nloaded:' + ','.join(loaded())))\n"
        "from liangshan.cli import app\n"
        "sys.argv = ['liangshan', 'water', 'sections', sys.argv[1], '--json']\n"
        "app()\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr
    assert [s["class"] for y in json.loads(done.stdout)["years"] for s in y["sites"]] == [2, 2]
    assert done.stderr.strip().splitlines()[-1] == "loaded:"
