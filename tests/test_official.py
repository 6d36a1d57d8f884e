"""Official (published) figures beside the recomputed ones, reconciliation, and indicator 1's second
condition (完成上级下达的改善目标)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from liangshan.assess import FAIL, MISSING, PASS, Observation, RegionProfile, assess, official_key
from liangshan.catalog import Catalog
from liangshan.cli import app
from liangshan.demo.build import build_demo
from liangshan.services.checks import EntryError
from liangshan.services.reconcile import OfficialInput, check_official, explain
from liangshan.store.db import dispose_engines, session_scope
from liangshan.store.models import AuditLog, Submission, Unit, User

LUSHI = RegionProfile("411224", "卢氏县", "山区")
Y3 = (2023, 2024, 2025)
TARGET = "air_improvement_target_met"


def air_obs(good: float = 335, valid: float = 365, target: bool | None = True, evidence: int = 1) -> dict:
    obs = {
        (c, y): Observation(v) for y in Y3 for c, v in (("air_good_days", good), ("air_valid_days", valid))
    }
    if target is not None:
        obs[(TARGET, 2025)] = Observation(target, evidence)
    return obs


def result(catalog: Catalog, obs: dict, ind_id: int = 1):
    return next(r for r in assess(catalog, LUSHI, Y3, obs).results if r.indicator.id == ind_id)


# -- indicator 1's second condition ---------------------------------------------------------------
def test_catalog_has_indicator_1_condition_and_value_sources(catalog: Catalog) -> None:
    one = catalog.indicator(1)
    assert [c.element for c in one.conditions] == [TARGET] and one.conditions[0].require_evidence
    el = catalog.element(TARGET)
    assert el.kind == "boolean" and el.suppliers == ("市生态环境局卢氏分局",)
    assert el.name == "完成上级下达的环境空气质量改善目标"
    assert {i.id for i in catalog.indicators if i.value_source == "official_first"} == {1, 2, 3, 4, 7}
    assert catalog.indicator(20).value_source == "recomputed"
    assert [i.id for i in catalog.indicators_conditioned_on(TARGET)] == [1]


def test_indicator_1_fails_when_target_not_met_although_ratio_passes(catalog: Catalog) -> None:
    r = result(catalog, air_obs(target=False))
    assert r.values()["2025"] == 91.8  # 335 / 365 > 90 %
    assert r.verdict == FAIL
    assert r.judgement.reason == "2025年 91.8% > 90%，但2025年未完成上级下达的改善目标"
    assert r.conditions[0].value is False and not r.conditions[0].met


def test_indicator_1_missing_condition_is_missing_naming_element_and_unit(catalog: Catalog) -> None:
    r = result(catalog, air_obs(target=None))
    assert r.verdict == MISSING
    assert r.judgement.reason.startswith(
        "2025年数据缺失（完成上级下达的环境空气质量改善目标，市生态环境局卢氏分局）"
    )
    assert r.to_dict(catalog)["conditions"][0]["value"] is None


def test_indicator_1_condition_needs_the_target_document(catalog: Catalog) -> None:
    r = result(catalog, air_obs(evidence=0))
    assert r.verdict == FAIL and "无佐证材料" in r.judgement.reason
    ok = result(catalog, air_obs())
    assert ok.verdict == PASS and ok.judgement.reason == "2025年 91.8% > 90%" and ok.conditions[0].met


def test_failing_ratio_stays_failing_whatever_the_condition(catalog: Catalog) -> None:
    r = result(catalog, air_obs(good=300, target=True))
    assert r.verdict == FAIL and "未达到目标" in r.judgement.reason


# -- official figures in the pure assessment ------------------------------------------------------
def with_official(obs: dict, ind_id: int, year: int, value: float) -> dict:
    official = {"publisher": "三门峡市生态环境局", "document": "公报（测试）",
                "published_on": f"{year + 1}-01-15", "explanation": "按全年天数"}  # fmt: skip
    meta = {"kind": "official", "official": official}
    return {**obs, (official_key(ind_id), year): Observation(value, 1, 99, 1, meta)}


def test_official_first_judges_the_published_figure_and_keeps_the_recomputation(catalog: Catalog) -> None:
    obs = with_official(air_obs(good=329.5), 1, 2025, 90.4)  # recomputed 90.27 → 90.3; published 90.4
    r = result(catalog, obs)
    d = r.to_dict(catalog)
    assert d["values"]["2025"] == 90.4 and d["recomputed"]["2025"] == 90.3
    assert d["used"] == {"2023": "recomputed", "2024": "recomputed", "2025": "official"}
    assert d["official"]["2025"]["document"] == "公报（测试）" and d["official"]["2025"]["value"] == 90.4
    assert d["sources"]["2025"] == "official"
    # the published figure can change the verdict legitimately: 89.9 published vs 90.3 recomputed
    low = result(catalog, with_official(air_obs(good=329.5), 1, 2025, 89.9))
    assert low.verdict == FAIL and low.recomputed[-1].value == pytest.approx(90.27, abs=0.01)


def test_recomputed_value_source_ignores_the_published_figure_for_the_verdict(catalog: Catalog) -> None:
    raw = catalog.model_dump()
    for ind in raw["indicators"]:
        if ind["id"] == 1:
            ind["value_source"] = "recomputed"
    cat = Catalog.model_validate(raw)
    r = result(cat, with_official(air_obs(good=329.5), 1, 2025, 89.9))
    assert r.verdict == PASS and r.values()["2025"] == 90.3
    d = r.to_dict(cat)
    assert d["used"]["2025"] == "recomputed" and d["official"]["2025"]["value"] == 89.9


def test_catalog_refuses_a_condition_on_a_non_boolean_element(catalog: Catalog) -> None:
    raw = catalog.model_dump()
    raw["indicators"][0]["conditions"] = [{"element": "gdp", "text": "x"}]
    with pytest.raises(ValueError, match="须为是/否数据元素"):
        Catalog.model_validate(raw)


def test_official_fields_are_checked(catalog: Catalog) -> None:
    ind = catalog.indicator(1)
    good = OfficialInput("三门峡市生态环境局", "2025年公报", "2026-01-15", "说明")
    assert check_official(ind, 2025, good)["published_on"] == "2026-01-15"
    with pytest.raises(EntryError, match="请填写发布单位"):
        check_official(ind, 2025, OfficialInput(" ", "文件", "2026-01-15"))
    with pytest.raises(EntryError, match="请填写文件或公报名称及文号"):
        check_official(ind, 2025, OfficialInput("单位", "", "2026-01-15"))
    with pytest.raises(EntryError, match="发布日期应为"):
        check_official(ind, 2025, OfficialInput("单位", "文件", "2026/01/15"))
    with pytest.raises(EntryError, match="不是有效日期"):
        check_official(ind, 2025, OfficialInput("单位", "文件", "2026-02-30"))
    with pytest.raises(EntryError, match="早于数据年份"):
        check_official(ind, 2025, OfficialInput("单位", "文件", "2024-12-31"))
    with pytest.raises(EntryError, match="不是数值型指标"):
        check_official(catalog.indicator(18), 2025, good)


def test_explanations_from_provenance(catalog: Catalog) -> None:
    prov = {
        "standard": "HJ633-2012; HJ663-2013; GB3095-2012",
        "parameters": {"stations": ["一号站", "二号站"]},
        "components": {"days": 365, "invalid_day_count": 1, "sand_dust_days": 2,
                       "invalid_days": [{"date": "2025-01-13", "reason": "PM10有效小时数10<20"}]},
    }  # fmt: skip
    lines = explain(catalog.indicator(1), prov, {"air_good_days": 332, "air_valid_days": 362}, 91.5)
    text = "\n".join(lines)
    assert "全年 365 天，有效监测 362 天、优良 332 天" in text and "2025-01-13" in text
    assert "沙尘天气影响日 2 天" in text and "一号站、二号站" in text and "HJ663-2013" in text
    assert "官方比例相当于优良约 331.2 天" in text
    cover = {"land_area_km2": 4004.0, "forest_area_km2": 2600.0, "grass_area_km2": 218.7,
             "method": {"cell_area": "等积投影"}}  # fmt: skip
    land = {"components": {"land_cover": cover}}
    assert any("等积投影" in x for x in explain(catalog.indicator(7), land, {}, 70.2))
    manual = explain(catalog.indicator(20), None, {"eco_env_investment": 40.0, "gdp": 1000.0}, None)
    assert manual == ["复算值由各单位填报的数据计算（分子 40，分母 1000），无计算来源记录"]
    generic = explain(
        catalog.indicator(5), {"calculator": "liangshan.standards.soil.x", "standard": "GB 15618"}, {}, 1
    )
    assert "liangshan" not in "".join(generic) and "GB 15618" in "".join(generic)


# -- the demo through the CLI ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("official") / "demo.db"
    assert build_demo(f"sqlite:///{path}") is True
    yield path
    dispose_engines()


def cli(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(app, list(args))
    return res.exit_code, res.stdout, res.stderr


def test_reconcile_demo_json_lists_1_3_7_with_official_recomputed_difference(demo: Path) -> None:
    code, out, err = cli("reconcile", "--region", "411224", "--db", f"sqlite:///{demo}", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["years"] == [2023, 2024, 2025] and data["region"]["name"] == "卢氏县"
    by_id = {i["id"]: i for i in data["indicators"]}
    for ind_id in (1, 3, 7):
        rows = by_id[ind_id]["years"]
        assert [r["year"] for r in rows] == [2023, 2024, 2025]
        for r in rows:
            assert r["official"]["document"] and r["official"]["publisher"] and r["used"] == "official"
            assert r["recomputed"] is not None
            assert r["difference"] == pytest.approx(r["official"]["value"] - r["recomputed"], abs=1e-9)
            assert r["explanation"]
    air25 = by_id[1]["years"][2]
    assert (air25["official"]["value"], air25["recomputed"], air25["difference"]) == (91.5, 91.7, -0.2)
    assert "无效日 3 天" in "".join(air25["explanation"]) and "缺 3 天" in air25["unit_note"]
    water24 = by_id[3]["years"][1]
    assert (water24["official"]["value"], water24["recomputed"]) == (88.9, 87.5)
    assert "参与评价断面 8 个" in water24["explanation"][0]
    assert any("面积方法" in x for x in by_id[7]["years"][0]["explanation"])
    # indicators preferring official figures but without one are listed with the recomputation only
    assert all(r["official"] is None and r["used"] == "recomputed" for r in by_id[2]["years"])
    # the verdicts of the demo are unchanged by the published figures
    code, out, _ = cli("assess", "--region", "411224", "--db", f"sqlite:///{demo}", "--json")
    verdicts = {i["id"]: i["verdict"] for i in json.loads(out)["indicators"]}
    assert verdicts[1] == verdicts[3] == verdicts[7] == "达标"
    # human output: Chinese table
    code, out, _ = cli("reconcile", "--region", "411224", "--db", f"sqlite:///{demo}", "--years", "2025")
    assert code == 0 and "官方发布值与复算值对账" in out and "三门峡市生态环境局" in out


def test_official_figure_goes_through_submit_and_approve(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert build_demo(url) is True
    with session_scope(url) as s:
        epb = s.scalars(select(User.username).join(Unit, Unit.id == User.unit_id)
                        .where(Unit.name == "市生态环境局卢氏分局", User.role == "unit")).first()  # fmt: skip
        forestry = s.scalars(select(User.username).join(Unit, Unit.id == User.unit_id)
                             .where(Unit.name == "林业局", User.role == "unit")).first()  # fmt: skip
    assert epb and forestry
    doc = tmp_path / "通报.pdf"
    doc.write_bytes(b"%PDF-1.4\n% test bulletin\n")
    base = ["official", "add", "--region", "411224", "--indicator", "2", "--year", "2025", "--value", "100",
            "--publisher", "河南省生态环境厅", "--document", "2025年饮用水水源地水质通报（测试）",
            "--date", "2026-01-20", "--explanation", "与复算一致",
            "--evidence", str(doc), "--db", url]  # fmt: skip
    # a unit cannot enter another unit's indicator
    code, _, err = cli(*base, "--as", forestry)
    assert code == 2 and "责任单位" in err
    code, out, err = cli(*base, "--as", epb, "--json")
    assert code == 0, err
    sub = json.loads(out)["submission"]
    assert sub["item"] == official_key(2) and sub["status"] == "submitted" and sub["version"] == 1
    assert sub["provenance"]["official"]["publisher"] == "河南省生态环境厅"
    assert len(sub["evidence"]) == 1
    # not approved yet: the assessment still judges the recomputation
    rec = json.loads(cli("reconcile", "--region", "411224", "--indicator", "2", "--db", url, "--json")[1])
    assert rec["indicators"][0]["years"][2]["official"] is None
    # a unit cannot review; the office approves
    review = ["official", "review", "--id", str(sub["id"]), "--db", url]
    code, _, err = cli(*review, "--action", "approve", "--as", epb)
    assert code == 2 and "只有领导小组办公室可以审核" in err
    code, out, err = cli(*review, "--action", "approve", "--json")
    assert code == 0 and json.loads(out)["status"] == "approved", err
    rec = json.loads(cli("reconcile", "--region", "411224", "--indicator", "2", "--db", url, "--json")[1])
    row = rec["indicators"][0]["years"][2]
    assert row["used"] == "official" and row["official"]["value"] == 100.0 and row["difference"] == 0.0
    # approved = locked: a new figure needs a reopen with a reason, which keeps the versions
    code, _, err = cli(*base, "--as", epb)
    assert code == 2 and "锁定" in err
    code, _, err = cli(*review, "--action", "reopen")
    assert code == 2 and "理由" in err
    with session_scope(url) as s:
        actions = s.scalars(
            select(AuditLog.action).where(
                AuditLog.entity == "submission", AuditLog.entity_id == str(sub["id"])
            )
        ).all()
        assert list(actions) == ["submit", "approve"]
        assert s.get(Submission, sub["id"]).status == "approved"


# -- the services on SQLite and PostgreSQL --------------------------------------------------------
def test_save_review_and_reconcile_services(db: str, tmp_path: Path, catalog: Catalog) -> None:
    from liangshan.demo.build import PROFILE
    from liangshan.services.permissions import Actor, PermissionDenied
    from liangshan.services.reconcile import reconcile, save_official
    from liangshan.services.values import review
    from liangshan.services.workspace import Workspace
    from liangshan.store.regions import load_profile
    from liangshan.store.service import ensure_db
    from liangshan.store.submissions import submit_value, transition

    ensure_db(db)
    with session_scope(db) as s:
        load_profile(s, PROFILE)
        cover = {"land_area_km2": 4004.0, "method": {"cell_area": "等积投影像元面积"}}
        prov = {"standard": "GB/T 21010-2017", "components": {"land_cover": cover}}
        for item, v in (("forest_area_km2", 2600.0), ("grass_area_km2", 218.7), ("land_area_km2", 4004.0)):
            sub = submit_value(
                s, region="411224", item=item, year=2025, value=v, user="analyst", provenance=prov
            )
            transition(s, sub.id, "approve", "office")
    ctx = Workspace(db, tmp_path / "files", catalog)
    office = Actor(1, "office", "办公室", "office", "411224", regions=frozenset({"411224"}))
    forestry = Actor(2, "u09", "林业局联络员", "unit", "411224", unit_id=9, unit_name="林业局",
                     unit_names=frozenset({"林业局"}), regions=frozenset({"411224"}))  # fmt: skip
    data = OfficialInput(
        "河南省林业局", "2025年度林草湿综合监测成果（测试）", "2026-03-01", "以国土变更调查面积为分母"
    )
    with pytest.raises(PermissionDenied):
        save_official(ctx, forestry, region="411224", indicator=1, year=2025, value="91", data=data)
    out = save_official(ctx, forestry, region="411224", indicator=7, year=2025, value="70.2", data=data)
    assert out.submission["status"] == "submitted" and out.submission["item"] == "official:7"
    before = reconcile(ctx, forestry, "411224", [2025])
    assert [i["id"] for i in before["indicators"]] == [7]
    assert before["indicators"][0]["years"][0]["official"] is None  # not approved yet
    review(ctx, office, out.submission["id"], "approve")
    row = reconcile(ctx, office, "411224", [2025], 7)["indicators"][0]["years"][0]
    assert row["used"] == "official" and row["official"]["value"] == 70.2
    assert row["recomputed"] == 70.4 and row["difference"] == -0.2
    assert any("等积投影像元面积" in x for x in row["explanation"])
    assert row["unit_note"] == "以国土变更调查面积为分母"
    with pytest.raises(PermissionDenied):
        reconcile(ctx, forestry, "411224", [2025], 3)
