"""Roll-ups over the region hierarchy: Σ/Σ arithmetic, rankings, verdict counts, the store helper,
the boundaries import and the ``liangshan rollup`` command (DB tests on SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from typer.testing import CliRunner

from liangshan.assess import Observation, assess
from liangshan.assess.rollup import (
    NATION,
    RegionNode,
    RegionTree,
    build_rollup,
    competition_rank,
    direction_of,
    rollup_values,
)
from liangshan.catalog import Catalog
from liangshan.catalog.models import Target
from liangshan.cli import app
from liangshan.store.boundaries import BoundaryError, import_boundaries, read_boundaries
from liangshan.store.db import get_engine, session_scope
from liangshan.store.models import Region
from liangshan.store.regions import get_region, overrides, profile
from liangshan.store.rollup_queries import (
    default_window,
    load_subtree,
    observation_frame,
    region_tree,
    rollup_of,
    subtree_observations,
    window,
)
from liangshan.store.service import ensure_db
from liangshan.store.submissions import approved_observations, submit_value, transition

Obs = dict[tuple[str, int], Observation]


def o(values: Mapping[tuple[str, int], float | bool]) -> Obs:
    return {k: Observation(v) for k, v in values.items()}


def small_tree() -> RegionTree:
    """河南省 > 三门峡市 > A, B; 河南省 > D (a county directly under the province); E without parent."""
    return RegionTree(
        [
            RegionNode("410000", "河南省", "province"),
            RegionNode("411200", "三门峡市", "city", "410000"),
            RegionNode("900001", "甲县", "county", "411200", "山区", population=100),
            RegionNode("900002", "乙县", "county", "411200", "山区", population=300),
            RegionNode("900003", "丙县", "county", "410000", "山区"),
            RegionNode("900004", "丁县", "county", "990000", "山区"),  # parent not loaded → under the nation
        ]
    )


# -- Σ numerator ÷ Σ denominator -------------------------------------------------------------------
def test_ratio_of_sums_is_not_the_mean_of_percentages(catalog: Catalog) -> None:
    tree = small_tree()
    obs = {
        "900001": o({("eco_env_investment", 2025): 10.0, ("gdp", 2025): 100.0}),  # 10 %
        "900002": o({("eco_env_investment", 2025): 1.0, ("gdp", 2025): 1000.0}),  # 0.1 %
    }
    vals = rollup_values(catalog, tree, obs, [2025])
    city = vals[("411200", 20, 2025)]
    assert (city.numerator, city.denominator) == (11.0, 1100.0)
    assert city.value == pytest.approx(1.0)  # 11 ÷ 1100 × 100
    mean_of_percentages = (10.0 + 0.1) / 2
    assert abs(city.value - mean_of_percentages) > 4  # 1.0 %, not 5.05 %
    assert (city.counties, city.covered, city.status) == (2, 2, "ok")
    # a county's own roll-up is its own ratio; the province adds nothing from the empty 丙县
    assert vals[("900001", 20, 2025)].value == pytest.approx(10.0)
    prov = vals[("410000", 20, 2025)]
    assert (prov.numerator, prov.denominator, prov.counties, prov.covered) == (11.0, 1100.0, 3, 2)
    assert prov.excluded == (("900003", "elements"),)
    # the nation covers the orphan county too
    assert vals[(NATION, 20, 2025)].counties == 4


def test_missing_denominator_is_excluded_and_listed(catalog: Catalog) -> None:
    tree = small_tree()
    obs = {
        "900001": o({("eco_env_investment", 2025): 10.0, ("gdp", 2025): 100.0}),
        "900002": o({("eco_env_investment", 2025): 500.0}),  # no GDP: its 500 must not be added
        "900003": o({("indicator:20", 2025): 4.2}),  # only a directly entered value
    }
    vals = rollup_values(catalog, tree, obs, [2025], root="410000")
    prov = vals[("410000", 20, 2025)]
    assert (prov.numerator, prov.denominator) == (10.0, 100.0)
    assert prov.excluded == (("900002", "elements"), ("900003", "direct"))
    assert (prov.covered, prov.counties) == (1, 3)
    assert ("900004", 20, 2025) not in vals  # outside the root


def test_zero_denominator_county_counts_and_all_zero_is_not_applicable(catalog: Catalog) -> None:
    tree = small_tree()
    obs = {
        "900001": o({("plots_safe_use", 2025): 0.0, ("plots_redeveloped", 2025): 0.0}),
        "900002": o({("plots_safe_use", 2025): 3.0, ("plots_redeveloped", 2025): 4.0}),
    }
    vals = rollup_values(catalog, tree, obs, [2024, 2025], root="411200")
    assert vals[("411200", 6, 2025)].value == pytest.approx(75.0)
    assert vals[("411200", 6, 2025)].covered == 2
    assert vals[("900001", 6, 2025)].status == "not_applicable"
    assert vals[("411200", 6, 2024)].status == "missing"


def test_per_capita_elements_are_weighted_by_population(catalog: Catalog) -> None:
    tree = small_tree()
    obs = {
        code: o({("eco_product_output_per_capita", 2025): pc, ("disposable_income_per_capita", 2025): 100.0})
        for code, pc in (("900001", 10.0), ("900002", 30.0), ("900003", 50.0))
    }
    vals = rollup_values(catalog, tree, obs, [2025], root="410000")
    city = vals[("411200", 11, 2025)]
    # (10×100 + 30×300) ÷ (100×100 + 100×300) = 25 %; the unweighted Σ would give 20 %
    assert city.value == pytest.approx(25.0)
    prov = vals[("410000", 11, 2025)]
    assert prov.value == pytest.approx(25.0) and prov.excluded == (("900003", "population"),)


def test_region_tree_walks_and_survives_a_cycle() -> None:
    tree = small_tree()
    assert tree.counties("410000") == ["900001", "900002", "900003"]
    assert tree.counties(NATION) == ["900001", "900002", "900003", "900004"]
    assert tree.ancestors("900001") == ["411200", "410000", NATION]
    assert [n.code for n in tree.at_level("city")] == ["411200"]
    cyc = RegionTree([RegionNode("1", "a", "city", "2"), RegionNode("2", "b", "city", "1")])
    assert cyc.ancestors("1") == ["2"] and cyc.counties(NATION) == []


# -- rankings ----------------------------------------------------------------------------------
def test_competition_ranking_1224_direction_and_missing() -> None:
    assert competition_rank([90.0, 95.0, 90.0, None, 80.0]) == [2, 1, 2, 5, 4]
    assert competition_rank([1.0, 1.0, 1.0, 2.0]) == [2, 2, 2, 1]
    assert competition_rank([3.0, 1.0, 1.0, None], "lower") == [3, 1, 1, 4]
    assert competition_rank([None, None]) == [1, 1]
    assert competition_rank([]) == []


def test_direction_comes_from_the_target() -> None:
    assert direction_of(Target(text="> 90%", rule="threshold", op=">", value=90)) == "higher"
    assert direction_of(Target(text="稳定提高", rule="steady_improvement")) == "higher"
    lower = Target.model_construct(text="< 35", rule="threshold", op="<", value=35)  # e.g. a PM2.5 target
    assert direction_of(lower) == "lower"


def air(good: float, valid: float = 360.0) -> dict[tuple[str, int], float]:
    return {("air_good_days", 2025): good, ("air_valid_days", 2025): valid}


def test_ranking_ties_on_the_reported_value_missing_last_and_year_change(catalog: Catalog) -> None:
    tree = RegionTree(
        [RegionNode("411200", "市", "city")]
        + [RegionNode(f"90000{i}", f"县{i}", "county", "411200", "山区") for i in range(1, 6)]
    )
    obs = {
        "900001": o({**air(330.0), ("air_good_days", 2024): 320.0, ("air_valid_days", 2024): 360.0}),
        "900002": o(air(330.2)),  # 91.72 % → 91.7 % as reported: ties with 900001 (91.67 %)
        "900003": o(air(350.0)),  # 97.2 %
        "900004": o({}),  # no data → last, flagged
        "900005": o(air(300.0)),  # 83.3 %
    }
    r = build_rollup(catalog, tree, obs, [2023, 2024, 2025], root="411200")
    rk = r.ranking("county", 1)
    rows = {row["code"]: row for row in rk["rows"]}
    assert [(row["code"], row["rank"]) for row in rk["rows"]] == [
        ("900003", 1), ("900001", 2), ("900002", 2), ("900005", 4), ("900004", 5),
    ]  # fmt: skip
    assert rows["900004"]["status"] == "missing" and rows["900004"]["status_label"] == "数据缺失"
    assert rows["900004"]["value"] is None
    assert rows["900001"]["value"] == rows["900002"]["value"] == 91.7
    # change vs the previous year in 个百分点 from the rounded values: 91.7 − 88.9
    assert rows["900001"]["previous"] == 88.9 and rows["900001"]["change"] == pytest.approx(2.8)
    assert rows["900001"]["previous_rank"] == 1 and rows["900003"]["previous_rank"] is None
    assert rk["change_unit"] == "个百分点" and rk["direction"] == "higher"
    assert (rk["year"], rk["previous_year"]) == (2025, 2024)
    json.dumps(rk, ensure_ascii=False)  # plain JSON


def test_ranking_refuses_values_that_do_not_exist(catalog: Catalog) -> None:
    r = build_rollup(catalog, small_tree(), {}, [2025])
    with pytest.raises(ValueError, match="是/否型"):
        r.ranking("county", 18)
    with pytest.raises(ValueError, match="不是比值指标"):
        r.ranking("city", 8)
    with pytest.raises(ValueError, match="级别"):
        r.ranking("township")
    assert [row["code"] for row in r.ranking("county", 8)["rows"]] == ["900001", "900002", "900003", "900004"]


# -- verdict counts ----------------------------------------------------------------------------
def lushi_like(scale: float = 1.0, *, market: bool = True) -> Obs:
    """A county with enough values for several verdicts (2023—2025)."""
    vals: dict[tuple[str, int], float | bool] = {}
    for y, good in ((2023, 320.0), (2024, 330.0), (2025, 335.0)):
        vals.update({("air_good_days", y): good * scale, ("air_valid_days", y): 360.0})
        vals.update({("eco_env_investment", y): 40.0, ("gdp", y): 1000.0})
        vals.update({("market_issued", y): market, ("market_implemented", y): market})
    out = o(vals)  # indicator 1's second condition: target met, with its document as evidence
    out.update({("air_improvement_target_met", y): Observation(True, 1) for y in (2023, 2024, 2025)})
    return out


def test_verdict_counts_passes_and_children(catalog: Catalog) -> None:
    tree = small_tree()
    obs = {"900001": lushi_like(), "900002": lushi_like(0.95, market=False), "900004": lushi_like()}
    r = build_rollup(catalog, tree, obs, [2023, 2024, 2025], root=NATION)
    per_county = {c: assess(catalog, tree.node(c).profile(), [2023, 2024, 2025], obs.get(c, {})) for c in obs}
    city = r.counts["411200"]
    assert all(sum(v.values()) == 2 for v in city.values())  # two counties per indicator
    assert city[1] == {"达标": 1, "基本达标": 0, "未达标": 1, "数据缺失": 0, "不适用": 0}  # 93.1 % vs 88.5 %
    assert city[20]["达标"] == 2 and city[19]["未达标"] == 2  # no market, or no evidence
    assert r.counts[NATION][1]["数据缺失"] == 1  # 丙县 has nothing
    summ = r.summary("410000")
    assert summ["counties"] == 3
    assert sum(summ["totals"].values()) == 3 * len(catalog.indicators)
    passes = {c: sum(x.verdict == "达标" for x in a.results) for c, a in per_county.items()}
    assert summ["passes"]["total"] == passes["900001"] + passes["900002"]
    assert summ["passes"]["mean"] == round((passes["900001"] + passes["900002"]) / 3, 1)
    assert summ["passes"]["with_data"] == 2
    kids = {k["code"]: k for k in summ["children"]}
    assert set(kids) == {"411200", "900003"}
    assert kids["411200"]["rank"] == 1 and kids["900003"]["rank"] == 2
    assert kids["900003"]["passes"]["status"] == "missing"
    ind1 = next(i for i in summ["indicators"] if i["id"] == 1)
    assert ind1["rolled_up"] and ind1["coverage"]["covered"] == 2
    assert ind1["values"]["2025"] == pytest.approx(round(100 * 653.25 / 720, 1))
    assert ind1["change_unit"] == "个百分点"
    ind18 = next(i for i in summ["indicators"] if i["id"] == 18)
    assert not ind18["rolled_up"] and "values" not in ind18 and ind18["method"] == "不汇总（只计结论）"
    # the city's children ranked by an indicator carry the verdict of each county
    cells = {k["code"]: k["indicator"] for k in r.summary("411200", 1)["children"]}
    assert cells["900001"]["verdict"] == "达标" and cells["900002"]["verdict"] == "未达标"
    assert cells["900001"]["pass_share"] == 100.0
    # ranked by the value where every child has one, else by the share of counties that pass
    assert r.summary("411200", 1)["rank_by"] == "value" and r.summary("411200", 19)["rank_by"] == "pass_share"
    by_share = r.summary("410000", 8)
    assert by_share["rank_by"] == "pass_share" and [k["rank"] for k in by_share["children"]] == [
        1,
        1,
    ]  # 0 % each
    assert r.summary("410000")["rank_by"] == "passes"
    json.dumps(summ, ensure_ascii=False)


def test_passes_change_uses_the_window_one_year_earlier(catalog: Catalog) -> None:
    tree = small_tree()
    obs = {"900001": lushi_like()}
    obs["900001"][("air_good_days", 2022)] = Observation(300.0)
    obs["900001"][("air_valid_days", 2022)] = Observation(360.0)
    r = build_rollup(catalog, tree, obs, [2023, 2024, 2025], root="411200")
    prev = assess(catalog, tree.node("900001").profile(), [2022, 2023, 2024], obs["900001"])
    cur = r.current["900001"]
    rows = {row["code"]: row for row in r.ranking("county", under="411200")["rows"]}
    n_cur = sum(x.verdict == "达标" for x in cur.results)
    n_prev = sum(x.verdict == "达标" for x in prev.results)
    assert rows["900001"]["value"] == n_cur and rows["900001"]["previous"] == n_prev
    assert rows["900001"]["change"] == n_cur - n_prev
    assert rows["900002"]["status"] == "missing" and rows["900002"]["rank"] == 2


# -- the database: one set of queries for a whole subtree ----------------------------------------
REGIONS = [
    {"code": "410000", "name": "河南省", "level": "province"},
    {"code": "411200", "name": "三门峡市", "level": "city", "parent_code": "410000"},
    {"code": "410300", "name": "洛阳市", "level": "city", "parent_code": "410000"},
]


def seed(url: str, counties: int = 4) -> list[str]:
    """Cities and ``counties`` counties with approved values (plus versions that must not count)."""
    ensure_db(url)
    codes = [f"41{1 + i % 2:01d}{i:03d}" for i in range(counties)]
    with session_scope(url) as s:
        for r in REGIONS:
            s.add(Region(**r))
        s.flush()
        for i, code in enumerate(codes):
            parent = "411200" if i % 2 == 0 else "410300"
            s.add(Region(code=code, name=f"县{i}", level="county", parent_code=parent, terrain_zone="山区",
                         population=1000 + i))  # fmt: skip
        s.flush()
        for i, code in enumerate(codes):
            for y in (2024, 2025):
                for item, v in (("air_good_days", 300 + i), ("air_valid_days", 360),
                                ("eco_env_investment", 30 + i), ("gdp", 1000)):  # fmt: skip
                    sub = submit_value(s, region=code, item=item, year=y, value=float(v), user="t")
                    transition(s, sub.id, "approve", "office")
            # a newer pending version of an approved value (reopened) and a plain pending one
            gdp = submit_value(s, region=code, item="gdp", year=2023, value=900.0, user="t")
            transition(s, gdp.id, "approve", "office")
            transition(s, gdp.id, "reopen", "office", reason="复核")
            submit_value(s, region=code, item="gdp", year=2023, value=950.0, user="t")
            submit_value(s, region=code, item="eco_env_investment", year=2023, value=5.0, user="t")
    return codes


def test_subtree_observations_equal_approved_observations(db: str) -> None:
    codes = seed(db)
    years = range(2022, 2026)
    with session_scope(db) as s:
        for pending in (False, True):
            got = subtree_observations(s, "410000", years, include_pending=pending)
            for code in codes:
                assert got.get(code, {}) == approved_observations(s, code, years, include_pending=pending)
        only_city = subtree_observations(s, "411200", years)
        assert set(only_city) == {c for i, c in enumerate(codes) if i % 2 == 0}
        assert region_tree(s, "411200").counties("411200") == sorted(only_city)


def test_load_subtree_runs_a_fixed_number_of_queries(db: str) -> None:
    seed(db, counties=2)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    def run(url: str) -> int:
        statements.clear()
        eng = get_engine(url)
        event.listen(eng, "before_cursor_execute", count)
        try:
            with session_scope(url) as s:
                data = load_subtree(s, NATION, range(2022, 2026))
        finally:
            event.remove(eng, "before_cursor_execute", count)
        assert data.observations
        return len([q for q in statements if q.lstrip().upper().startswith(("SELECT", "WITH"))])

    small = run(db)
    with session_scope(db) as s:
        for i in range(40):  # many more regions, no more queries
            s.add(Region(code=f"420{i:03d}", name=f"另县{i}", level="county", parent_code="410300"))
    assert run(db) == small <= 4


def test_rollup_of_matches_assess_per_county(db: str, catalog: Catalog) -> None:
    codes = seed(db)
    with session_scope(db) as s:
        assert default_window(s, "410000") is None
        assert window(s, "410000", year=2025) == (2023, 2024, 2025)
        r = rollup_of(s, catalog, "410000", [2024, 2025])
        for code in codes:
            obs = approved_observations(s, code, range(2024, 2026))
            direct = assess(catalog, profile(get_region(s, code)), [2024, 2025], obs, overrides(s, code))
            assert r.current[code].to_dict() == direct.to_dict()
    total_inv = sum(30 + i for i in range(len(codes)))
    v = r.values[("410000", 20, 2025)]
    assert (v.numerator, v.denominator) == (total_inv, 1000.0 * len(codes))


# -- boundaries ----------------------------------------------------------------------------------
def square(code: Any, x: float = 111.0, y: float = 34.0, prop: str = "code") -> dict[str, Any]:
    ring = [[x, y], [x + 0.5, y], [x + 0.5, y + 0.5], [x, y + 0.5], [x, y]]
    return {
        "type": "Feature",
        "properties": {prop: code},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def fc(*features: dict[str, Any]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def test_boundaries_import_validates_and_normalizes(sqlite_db: str, tmp_path: Path) -> None:
    codes = seed(sqlite_db)
    smx = [c for i, c in enumerate(codes) if i % 2 == 0]
    root = tmp_path / "files"
    with session_scope(sqlite_db) as s:
        source = fc(*(square(int(c), 111 + i, prop="adcode") for i, c in enumerate(smx)))
        res = import_boundaries(s, root, source, code_property="adcode")
        assert res.parent == "411200" and res.codes == tuple(smx)
        assert res.path == root / "boundaries" / "411200.geojson"
        stored = json.loads(read_boundaries(root, "411200") or b"")
        assert [f["properties"] for f in stored["features"]] == [
            {"code": c, "name": f"县{codes.index(c)}"} for c in smx
        ]
        assert read_boundaries(root, "410300") is None
        bad: list[tuple[bytes, str, str | None]] = [
            (b"not json", "JSON", None),
            (json.dumps({"type": "Feature"}).encode(), "FeatureCollection", None),
            (fc(), "没有要素", None),
            (fc(square(smx[0], prop="adcode")), "要素的属性有：adcode", None),
            (fc(square(smx[0]), square(smx[0])), "重复", None),
            (fc(square(smx[0], 12_000_000.0, 4_000_000.0)), "投影坐标", None),
            (
                fc({**square(smx[0]), "geometry": {"type": "Point", "coordinates": [111, 34]}}),
                "Polygon",
                None,
            ),
            (fc(square("999999")), "不存在", None),
            (fc(square(codes[0]), square(codes[1])), "--parent", None),
            (fc(square(codes[0])), "不是 410300 的下级", "410300"),
            (fc(square("41x")), "不是 6—12 位数字", None),
        ]
        for source, message, parent in bad:
            with pytest.raises(BoundaryError, match=message):
                import_boundaries(s, root, source, parent=parent)
    # a refused import leaves the stored file as it was
    assert json.loads(read_boundaries(root, "411200") or b"") == stored


# -- the command -----------------------------------------------------------------------------------
runner = CliRunner()


@pytest.fixture
def seeded(db: str) -> Iterator[tuple[str, list[str]]]:
    yield db, seed(db)


def test_cli_show_rank_and_boundaries(seeded: tuple[str, list[str]], tmp_path: Path) -> None:
    url, codes = seeded
    res = runner.invoke(app, ["rollup", "show", "410000", "--years", "2024-2025", "--db", url, "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["region"]["code"] == "410000" and data["counties"] == len(codes)
    assert {c["code"] for c in data["children"]} == {"411200", "410300"}
    ind20 = next(i for i in data["indicators"] if i["id"] == 20)
    assert ind20["values"]["2025"] == round(
        100 * sum(30 + i for i in range(len(codes))) / (1000 * len(codes)), 2
    )
    text = runner.invoke(app, ["rollup", "show", "411200", "--year", "2025", "--db", url])
    assert text.exit_code == 0 and "三门峡市（411200）" in text.stdout and "Σ分子÷Σ分母" in text.stdout
    res = runner.invoke(app, ["rollup", "rank", "--level", "county", "--indicator", "1", "--region", "410000",
                              "--years", "2024-2025", "--db", url, "--json"])  # fmt: skip
    assert res.exit_code == 0, res.output
    ranks = [(r["code"], r["rank"]) for r in json.loads(res.stdout)["rows"]]
    assert ranks == [(c, i + 1) for i, c in enumerate(sorted(codes, key=lambda c: -codes.index(c)))]
    res = runner.invoke(app, ["rollup", "rank", "--level", "city", "--by", "passes", "--years", "2024-2025",
                              "--db", url])  # fmt: skip
    assert res.exit_code == 0 and "县均达标指标数" in res.stdout and "1224" in res.stdout
    for args, message in (
        (["rollup", "rank", "--level", "city", "--indicator", "18", "--years", "2025"], "是/否型"),
        (["rollup", "rank", "--by", "fails"], "--by 只支持 passes"),
        (["rollup", "rank", "--level", "village"], "--level"),
        (["rollup", "show", "999999", "--years", "2025"], "未知地区代码"),
        (["rollup", "show", "410000"], "没有评估批次"),
        (["rollup", "rank", "--indicator", "99", "--years", "2025"], "未知指标"),
    ):
        bad = runner.invoke(app, [*args, "--db", url])
        assert bad.exit_code == 2 and message in bad.output, (args, bad.output)
    geo = tmp_path / "smx.geojson"
    smx = [c for i, c in enumerate(codes) if i % 2 == 0]
    geo.write_bytes(fc(*(square(c, 111 + i) for i, c in enumerate(smx))))
    files = tmp_path / "files"
    res = runner.invoke(app, ["rollup", "boundaries", "import", str(geo), "--files-dir", str(files),
                              "--db", url, "--json"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert (
        json.loads(res.stdout)["parent"] == "411200" and (files / "boundaries" / "411200.geojson").is_file()
    )
    res = runner.invoke(app, ["rollup", "boundaries", "import", str(geo), "--code-property", "adcode",
                              "--files-dir", str(files), "--db", url])  # fmt: skip
    assert res.exit_code == 2 and "adcode" in res.output


# -- the sample counties (示例数据) ----------------------------------------------------------------
def test_sample_counties_are_plausible_and_added_once(
    sqlite_db: str, demo_db: str, tmp_path: Path, catalog: Catalog
) -> None:
    from liangshan.demo.counties import NEIGHBOURS, add_sample_counties, county_values

    base = {("air_good_days", 2025): 330.0, ("air_valid_days", 2025): 360.0, ("gdp", 2025): 1000.0,
            ("eco_env_investment", 2025): 40.0, ("market_issued", 2025): True}  # fmt: skip
    strong, weak = NEIGHBOURS[5], NEIGHBOURS[3]  # quality 1.04 and 0.95
    hi, lo = county_values(catalog, strong, base), county_values(catalog, weak, base)
    assert hi[("air_good_days", 2025)] <= hi[("air_valid_days", 2025)] == 360.0  # a share stays ≤ 100 %
    assert lo[("gdp", 2025)] == round(1000.0 * weak.size, 2) and lo[("market_issued", 2025)] is False
    assert float(lo[("air_good_days", 2025)]).is_integer()  # counts stay whole
    with pytest.raises(Exception, match="liangshan demo"):
        add_sample_counties(sqlite_db, tmp_path)
    added = add_sample_counties(demo_db, tmp_path / "files")
    assert added == [c.code for c in NEIGHBOURS] and add_sample_counties(demo_db, tmp_path / "files") == []
    with session_scope(demo_db) as s:
        r = rollup_of(s, catalog, "410000", window(s, "410000"))
    assert r.years == (2023, 2024, 2025) and len(r.current) == 10
    rows = {x["code"]: x for x in r.ranking("county", 20)["rows"]}
    assert rows["411202"]["status"] == "missing"  # 湖滨区 has no 2025 GDP
    assert rows["411221"]["status"] == "ok" and rows["411202"]["rank"] == len(rows)
    assert [c["code"] for c in r.summary()["children"]] and r.summary()["counties"] == 10


def test_demo_builder_variants_share_the_county_rule(sqlite_db: str, demo_db: str, catalog: Catalog) -> None:
    """``build_demo(counties=…, rollup=True)`` adds the same neighbours as ``liangshan rollup demo`` does
    on the demo, and a 示例县 keeps every share (hence every verdict) of 卢氏县."""
    from liangshan.demo.build import build_demo
    from liangshan.demo.counties import NEIGHBOURS, add_sample_counties, synthetic

    add_sample_counties(demo_db)
    assert build_demo(sqlite_db, counties=2, rollup=True, workplan="none") is True
    years = range(2020, 2026)

    def values(s: Any, code: str) -> dict[tuple[str, int], Any]:
        return {k: o.value for k, o in approved_observations(s, code, years).items()}

    def assessed(s: Any, code: str) -> Any:
        obs = approved_observations(s, code, years)
        return assess(catalog, profile(get_region(s, code)), (2023, 2024, 2025), obs, overrides(s, code))

    with session_scope(sqlite_db) as s, session_scope(demo_db) as d:
        for c in NEIGHBOURS:
            assert values(s, c.code) == values(d, c.code) != {}, c.name
        home, other = assessed(s, "411224"), assessed(s, "900002")
        assert get_region(s, "900002").name == "示例县002" and synthetic(2).size != 1.0
    assert [r.verdict for r in other.results] == [r.verdict for r in home.results]

    # 卢氏县's published (official) figures are its own and are not derived: compare the recomputed shares
    def own(r: Any) -> dict[str, Any]:
        if not r.recomputed:
            return r.values()
        p = r.indicator.precision
        return {str(y.year): None if y.value is None else round(float(y.value), p) for y in r.recomputed}

    shares = [(own(r), own(h)) for r, h in zip(other.results, home.results, strict=True)
              if r.indicator.formula.kind == "ratio" and r.indicator.max_value == 100]  # fmt: skip
    assert len(shares) >= 10 and all(a == b for a, b in shares)


# -- comparable indicators only (issue 18 item 5) --------------------------------------------------
def _assign_set(url: str, region: str, set_id: str) -> None:
    from datetime import UTC, datetime

    from liangshan.store.models import RegionCatalog

    with session_scope(url) as s:
        s.add(RegionCatalog(region_code=region, catalog_set=set_id, updated_by="office",
                            updated_at=datetime(2026, 12, 1, tzinfo=UTC)))  # fmt: skip


def test_rollup_compares_only_the_indicators_common_to_every_set(
    demo_db: str, tmp_path: Path, catalog: Catalog
) -> None:
    """卢氏县 assessed by the 21-indicator henan_variant, its neighbours by the base set: the province's
    roll-up compares indicators 1–20, judges 卢氏县 by its own set, and says indicator 21 was left out."""
    from liangshan.catalog import load_set
    from liangshan.demo.counties import add_sample_counties
    from liangshan.services.rollup import rollup_view

    add_sample_counties(demo_db, tmp_path / "files")
    _assign_set(demo_db, "411224", "henan_variant")
    henan = load_set("henan_variant")
    with session_scope(demo_db) as s:
        ys = window(s, "410000")
        r = rollup_view(s, catalog, "410000", ys)
        own = rollup_view(s, catalog, "411224", ys)  # one county: its own set, all 21 indicators
        obs = approved_observations(s, "411224", range(ys[0], ys[-1] + 1))
        region = profile(get_region(s, "411224"))
    assert [i.id for i in r.catalog.indicators] == list(range(1, 21))
    comp = r.summary()["comparison"]
    assert comp["mixed"] and comp["compared"] == list(range(1, 21))
    assert {x["id"]: x["counties"] for x in comp["sets"]} == {"two_mountains": 9, "henan_variant": 1}
    [left] = comp["left_out"]
    assert (left["id"], left["name"], [x["id"] for x in left["sets"]]) == (
        21,
        "农村生活污水治理率",
        ["henan_variant"],
    )
    assert "只有" in left["reason"] and "指标 21 农村生活污水治理率" in comp["note"]
    assert all(row["id"] != 21 for row in r.summary()["indicators"])
    # 卢氏县 is judged by its own set (the reference, assess() with henan_variant), not by the base set
    ref = {x.indicator.id: x.verdict for x in assess(henan, region, ys, obs, None).results}
    assert all(r.current_verdicts.verdict_of("411224", i) == ref[i] for i in range(1, 21))
    assert r.current["411224"].catalog.framework == "henan_variant"
    assert [i.id for i in own.catalog.indicators] == list(range(1, 22))
    assert not own.summary()["comparison"]["mixed"] and own.summary()["comparison"]["note"] is None
    # the command says so, in text and in JSON; ranking by the left-out indicator is refused
    res = CliRunner().invoke(app, ["rollup", "show", "410000", "--db", demo_db, "--json"])
    assert res.exit_code == 0, res.output
    assert [x["id"] for x in json.loads(res.output)["comparison"]["left_out"]] == [21]
    res = CliRunner().invoke(app, ["rollup", "show", "410000", "--db", demo_db])
    assert res.exit_code == 0, res.output
    assert "指标体系不同" in res.output and "未参与比较：指标 21 农村生活污水治理率" in res.output.replace(
        "\n", ""
    )
    res = CliRunner().invoke(
        app, ["rollup", "rank", "--region", "410000", "--indicator", "21", "--db", demo_db]
    )
    assert res.exit_code != 0 and "指标 21 不参与本汇总的比较：只有按" in res.output.replace("\n", "")


def test_rollup_without_mixed_sets_says_nothing(demo_db: str, tmp_path: Path, catalog: Catalog) -> None:
    from liangshan.demo.counties import add_sample_counties
    from liangshan.services.rollup import rollup_view

    add_sample_counties(demo_db, tmp_path / "files")
    with session_scope(demo_db) as s:
        r = rollup_view(s, catalog, "410000", window(s, "410000"))
    comp = r.summary()["comparison"]
    assert r.catalog is catalog and comp["compared"] == list(range(1, 21))
    assert comp["sets"] == [{"id": "two_mountains", "name": catalog.title, "counties": 10}]
    assert (comp["mixed"], comp["left_out"], comp["note"]) == (False, [], None)


def test_observation_frame_equals_approved_observations_with_evidence(db: str) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import insert, select

    from liangshan.assess.vectorised import ObservationSource
    from liangshan.store.models import Evidence, Submission, SubmissionEvidence

    codes = seed(db)
    years = range(2022, 2026)
    with session_scope(db) as s:
        at = datetime(2026, 4, 1, tzinfo=UTC)
        docs = [
            Evidence(
                sha256=f"{i}" * 64,
                filename=f"证明{i}.txt",
                content_type="text/plain",
                size=1,
                region_code=codes[0],
                uploaded_by="t",
                uploaded_at=at,
            )
            for i in range(2)
        ]
        s.add_all(docs)
        s.flush()
        ids = list(s.scalars(select(Submission.id).order_by(Submission.id)))
        links = [(ids[0], docs[0].id), (ids[0], docs[1].id), (ids[3], docs[1].id), (ids[-1], docs[0].id)]
        s.execute(insert(SubmissionEvidence), [{"submission_id": a, "evidence_id": b} for a, b in links])
    with session_scope(db) as s:
        for pending in (False, True):
            source = ObservationSource(observation_frame(s, "410000", years, include_pending=pending))
            counted = 0
            for code in codes:
                want = approved_observations(s, code, years, include_pending=pending)
                assert source.get(code) == want
                counted += sum(ob.evidence_count for ob in want.values())
            assert counted >= 2  # the links of the chosen versions were read (two on one value)
        frame = observation_frame(s, "411200", years)
        assert set(frame["region"].to_list()) == {c for i, c in enumerate(codes) if i % 2 == 0}


def test_cli_rollup_enables_the_cycle_collector_again(seeded: tuple[str, list[str]]) -> None:
    import gc

    url, _ = seeded
    runner = CliRunner()
    assert gc.isenabled()
    res = runner.invoke(app, ["rollup", "show", "410000", "--years", "2024-2025", "--db", url, "--json"])
    assert res.exit_code == 0 and gc.isenabled()
    res = runner.invoke(app, ["rollup", "show", "999999", "--years", "2025", "--db", url])
    assert res.exit_code == 2 and gc.isenabled()
    res = runner.invoke(app, ["rollup", "rank", "--level", "city", "--indicator", "18", "--years", "2025",
                              "--db", url])  # fmt: skip
    assert res.exit_code == 2 and gc.isenabled()
