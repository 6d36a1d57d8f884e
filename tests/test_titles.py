"""The title register (称号登记簿) and indicator 16 (获得 read as 持有 a valid national title)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from liangshan.assess import FAIL, PASS, Observation, RegionProfile, assess
from liangshan.assess.values import TITLES_KEY
from liangshan.catalog import Catalog
from liangshan.cli import app
from liangshan.config import evidence_root
from liangshan.report.content import load_content
from liangshan.services.assessment import assess_region
from liangshan.services.checks import EntryError
from liangshan.services.permissions import PermissionDenied, system_actor
from liangshan.services.titles import add_title, list_titles, register_observations
from liangshan.services.workspace import Workspace
from liangshan.store.db import session_scope
from liangshan.store.models import Region, TitleAward
from liangshan.store.service import ensure_db

LUSHI = RegionProfile("411224", "卢氏县", "山区")
Y3 = (2023, 2024, 2025)


def title(year: int, **kw: object) -> dict[str, object]:
    base = {"name": "国家生态文明建设示范区", "level": "国家", "awarding_body": "生态环境部", "year": year,
            "document": "命名文件", "example": False}  # fmt: skip
    return {**base, **kw}


def run16(catalog: Catalog, held: dict[int, list[dict[str, object]]], counts=(None, None, None), **target):
    obs = {
        (TITLES_KEY, y): Observation(float(len(ts)), len(ts), meta={"titles": ts}) for y, ts in held.items()
    }
    obs.update(
        {
            ("eco_brands_obtained", y): Observation(v, 1)
            for y, v in zip(Y3, counts, strict=True)
            if v is not None
        }
    )
    overrides = {16: target} if target else None
    return next(r for r in assess(catalog, LUSHI, Y3, obs, overrides).results if r.indicator.id == 16)


def test_held_title_passes_even_if_won_before_the_window(catalog: Catalog) -> None:
    r = run16(catalog, {y: [title(2019)] for y in Y3})
    assert r.verdict == PASS
    assert (
        "2025年持有有效称号 1 个：国家生态文明建设示范区（国家，生态环境部，2019年授予）"
        in r.judgement.reason
    )
    assert r.titles()[0]["awarding_body"] == "生态环境部" and r.to_dict(catalog)["titles"][0]["year"] == 2019


def test_no_title_held_in_the_evaluation_year_fails(catalog: Catalog) -> None:
    r = run16(catalog, {2023: [title(2019)], 2024: [], 2025: []}, counts=(1, 0, 0))
    assert r.verdict == FAIL and "2025年未持有有效的国家级及以上生态文化品牌、称号" in r.judgement.reason


def test_won_in_window_reading_is_a_catalog_option(catalog: Catalog) -> None:
    held = {y: [title(2019)] for y in Y3}
    assert run16(catalog, held, counts=(0, 0, 0), obtained="won_in_window").verdict == FAIL
    assert run16(catalog, held, counts=(0, 1, 0), obtained="won_in_window").verdict == PASS


def test_without_register_the_counts_decide_and_say_so(catalog: Catalog) -> None:
    r = run16(catalog, {}, counts=(0, 1, 0))
    assert r.verdict == PASS and "称号登记簿无记录" in r.judgement.reason


@pytest.fixture
def ws(sqlite_db: str, catalog: Catalog) -> Workspace:
    ensure_db(sqlite_db)
    with session_scope(sqlite_db) as s:
        s.add(Region(code="411224", name="卢氏县", level="county", terrain_zone="山区"))
    return Workspace(sqlite_db, evidence_root(sqlite_db), catalog)


def _system(ws: Workspace):
    with ws.read() as s:
        return system_actor(s)


def test_validity_at_year_end_and_levels(ws: Workspace) -> None:
    actor = _system(ws)
    add = lambda **kw: add_title(ws, actor, region="411224", awarding_body="某部", document="某文件", **kw)  # noqa: E731
    add(name="甲", level="国家", awarded_on="2020-06-01", valid_until="2023-06-30")
    add(name="乙", level="省", awarded_on="2018")
    add(name="丙", level="国际", awarded_on="2025-12-31")
    with ws.read() as s:
        obs = register_observations(s, "411224", [2019, 2020, 2022, 2023, 2025])
    held = {y: [t["name"] for t in o.meta["titles"]] for (_, y), o in obs.items()}
    assert held == {2019: [], 2020: ["甲"], 2022: ["甲"], 2023: [], 2025: ["丙"]}  # 乙 is 省级: not counted
    assert obs[(TITLES_KEY, 2020)].value == 1.0 and obs[(TITLES_KEY, 2023)].value == 0.0
    data = list_titles(ws, actor, "411224", 2022)
    assert [t["name"] for t in data["titles"]] == ["乙", "甲", "丙"] and len(data["held"]) == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"level": "市"}, "级别应为 国际、国家、省 之一"),
        ({"document": " "}, "授予文件（文号或公告名称）不能为空"),
        ({"awarded_on": "2020-02-30"}, "授予日期不是有效日期：2020-02-30"),
        ({"awarded_on": "去年"}, "授予日期格式应为 YYYY-MM-DD"),
        ({"valid_until": "2019"}, "有效期至 2019 早于授予日期 2020"),
    ],
)
def test_bad_entry_is_refused_and_nothing_written(ws: Workspace, fields: dict, message: str) -> None:
    good = {
        "name": "甲",
        "level": "国家",
        "awarding_body": "某部",
        "document": "某文件",
        "awarded_on": "2020",
    }
    with pytest.raises(EntryError, match=message):
        add_title(ws, _system(ws), region="411224", **{**good, **fields})
    with ws.read() as s:
        assert s.query(TitleAward).count() == 0


def test_only_the_office_registers(ws: Workspace) -> None:
    from dataclasses import replace

    unit = replace(_system(ws), role="unit")
    with pytest.raises(PermissionDenied, match="只有领导小组办公室可以登记或撤销称号"):
        add_title(ws, unit, region="411224", name="甲", level="国家", awarding_body="某部", document="某文件",
                  awarded_on="2020")  # fmt: skip


def test_cli_add_list_and_duplicate(ws: Workspace) -> None:
    base = ["titles", "add", "--region", "411224", "--name", "中国天然氧吧", "--level", "国家", "--body",
            "中国气象服务协会", "--document", "授牌公告", "--awarded", "2021", "--db", ws.db_url]  # fmt: skip
    res = CliRunner().invoke(app, [*base, "--json"])
    assert res.exit_code == 0, res.output
    again = CliRunner().invoke(app, base)
    assert again.exit_code == 2 and "已登记" in again.stderr
    listing = ["titles", "list", "--region", "411224", "--year", "2021", "--db", ws.db_url, "--json"]
    out = CliRunner().invoke(app, listing)
    data = json.loads(out.stdout)
    assert [t["name"] for t in data["titles"]] == ["中国天然氧吧"] and data["held"] == [
        data["titles"][0]["id"]
    ]


def test_demo_indicator_16_passes_every_year_a_national_title_is_held(demo_db: str, catalog: Catalog) -> None:
    with session_scope(demo_db) as s:
        rows = s.query(TitleAward).filter_by(region_code="411224").all()
        national = [t for t in rows if t.level in ("国家", "国际")]
        assert any(t.example for t in rows) and any(t.level == "省" for t in rows)
        for end in range(2020, 2026):
            held = [
                t
                for t in national
                if int(t.awarded_on[:4]) <= end and (t.valid_until is None or int(t.valid_until[:4]) >= end)
            ]
            r = next(
                x
                for x in assess_region(s, catalog, "411224", [end - 2, end - 1, end]).results
                if x.indicator.id == 16
            )
            assert bool(held) and r.verdict == PASS, (end, r.judgement.reason)
            assert sorted(t["name"] for t in r.titles()) == sorted(t.name for t in held)
            assert "中国天然氧吧" not in r.judgement.reason or end <= 2022  # expired 示例 title
    content = load_content(demo_db, "411224", years=[2023, 2024, 2025])
    sec = next(x for x in content.indicators if x.id == 16)  # the report names title, body and year
    named = {(t["name"], t["awarding_body"], t["year"]) for t in sec.titles}
    assert ("国家生态文明建设示范区", "生态环境部", 2025) in named
    assert sec.rule_basis["kind"] == "convention" and sec.rule_basis["label"] == "本系统约定"
