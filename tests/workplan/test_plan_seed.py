"""The 卢氏县 plan in the database matches the seed (卢办〔2023〕16号), parsed at run time."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from wpsupport import (
    REGION,
    SEED,
    T0,
    make_plan_db,
    seed_annex1,
    seed_phases,
    seed_tasks,
    seed_text,
    squash,
)

from liangshan.demo.build import PROFILE
from liangshan.store.db import session_scope
from liangshan.store.models import Unit
from liangshan.store.models_workplan import WpPlan, WpTask
from liangshan.store.regions import load_profile
from liangshan.store.service import ensure_db
from liangshan.workplan.errors import PlanExistsError, PlanFileError
from liangshan.workplan.plan import LUSHI_PLAN, load_plan, plan_dict

# tasks whose lead is not the seed's first-listed unit (lushi_plan.yaml says why)
EXPLICIT_LEADS = {"做大做强优势农业主导产业": "农业农村局", "培育发展绿色循环工业": "工业和信息化和科技局"}
pytestmark = pytest.mark.skipif(not SEED.exists(), reason="shared/seed not beside the repository")
ON = date(2026, 3, 2)


def _townships(url: str) -> list[str]:
    with session_scope(url) as s:
        return list(
            s.scalars(
                select(Unit.name)
                .where(Unit.region_code == REGION, Unit.kind == "township")
                .order_by(Unit.sort)
            )
        )


def test_seven_tasks_and_units_match_seed(plan_db: str) -> None:
    seed = seed_tasks()
    assert [t["code"] for t in seed] == list("一二三四五六七")
    with session_scope(plan_db) as s:
        data = plan_dict(s, REGION, ON)
        db_units = {t.id: t for t in s.scalars(select(WpTask).where(WpTask.region_code == REGION))}
        assert len(db_units) == 7 + 2 + 3 + 4 + 3  # tasks, sub-tasks, safeguards
    towns = _townships(plan_db)
    assert len(towns) == 19
    tasks = data["tasks"]
    assert len(tasks) == 7
    pairs = []
    for st, dt in zip(seed, tasks, strict=True):
        assert dt["code"] == st["code"]
        assert dt["title"] == st["title"]
        assert squash(dt["text"]) == squash(st["body"])
        assert [x["code"] for x in dt["subtasks"]] == [x["code"] for x in st["subs"]]
        pairs.append((st, dt))
        for ss, ds in zip(st["subs"], dt["subtasks"], strict=True):
            assert ds["title"] == ss["title"]
            assert squash(ds["text"]) == squash(ss["body"])
            pairs.append((ss, ds))
    for s_node, d_node in pairs:
        units = s_node["units"]
        if not units:
            assert d_node["lead_unit"] is None and d_node["cooperating_units"] == []
            continue
        # the seed's spelling and order; the lead is named in the plan (never inferred from the order):
        # the first-listed unit except where its subject says otherwise (四、(六)1 and (六)2)
        lead = EXPLICIT_LEADS.get(d_node["title"], units[0])
        assert d_node["lead_unit"] == lead
        assert d_node["cooperating_units"] == [u for u in units if u != lead]
        assert d_node["units"] == units


def test_township_expansion_and_alias(plan_db: str) -> None:
    """“各乡镇” is every township government; 工业信息化和科技局 is the same unit as 附件1's spelling."""
    with session_scope(plan_db) as s:
        from liangshan.store.models_workplan import WpTaskUnit

        task = s.scalars(select(WpTask).where(WpTask.title == "打好污染防治攻坚战，筑牢环境质量基础")).one()
        rows = s.execute(
            select(Unit.name, WpTaskUnit.role, WpTaskUnit.source_name)
            .join(WpTaskUnit, WpTaskUnit.unit_id == Unit.id)
            .where(WpTaskUnit.task_id == task.id)
            .order_by(WpTaskUnit.seq, WpTaskUnit.id)
        ).all()
    assert rows[0] == ("市生态环境局卢氏分局", "lead", "市生态环境局卢氏分局")
    assert ("工业和信息化和科技局", "cooperating", "工业信息化和科技局") in rows
    towns = [r for r in rows if r[2] == "各乡镇"]
    assert [r[0] for r in towns] == _townships(plan_db)
    assert all(r[1] == "cooperating" for r in towns)


def test_organisation_matches_annex_1(plan_db: str) -> None:
    annex = seed_annex1()
    with session_scope(plan_db) as s:
        org = plan_dict(s, REGION, ON)["organisation"]
    got = [("组长", p["name"], p["title"]) for p in org["leaders"]]
    got += [("副组长", p["name"], p["title"]) for p in org["deputy_leaders"]]
    assert got == annex["people"]
    assert org["member_units"] == annex["member_units"]
    assert [p["name"] for p in org["office"]["director"]] == [annex["director"]]
    assert [p["name"] for p in org["office"]["deputy_directors"]] == annex["deputy_directors"]
    assert org["office"]["location"] == "市生态环境局卢氏分局"
    assert squash(org["group_duties"]) in squash(seed_text())
    assert squash(org["office_duties"] if "office_duties" in org else org["office"]["duties"]) in squash(
        seed_text()
    )


def test_phases_and_milestones_match_seed(plan_db: str) -> None:
    seed = seed_phases()
    with session_scope(plan_db) as s:
        phases = plan_dict(s, REGION, ON)["phases"]
    assert (
        [p["name"] for p in phases]
        == [name for name, _ in seed]
        == ["动员部署阶段", "创建实施阶段", "申报迎查阶段"]
    )
    for (_, steps), ph in zip(seed[1:], phases[1:], strict=True):
        assert [m["title"] for m in ph["milestones"]] == steps
    # phase 1 has no numbered steps: its sentence, clause by clause
    text = seed_text()
    first = text[text.index("第一阶段：动员部署阶段。") + len("第一阶段：动员部署阶段。") :].splitlines()[0]
    assert phases[0]["text"] == first.strip()
    titles = [m["title"] for m in phases[0]["milestones"]]
    assert titles[:2] == first.split("，")[:2]
    assert titles[2].startswith("启动《") and titles[2].endswith("的编制")
    publish = phases[1]["milestones"][2]
    assert publish["title"] == "发布实施" and publish["due"] == "2023-06-30"  # “6月底前” of 2023
    assert "6月底前" in publish["text"] and squash(publish["text"]) in squash(text)
    assert publish["owner"] == "县政府办公室"
    assert phases[2]["note"] in text
    for ph in phases:
        for m in ph["milestones"]:
            if m["text"]:
                assert squash(m["text"]) in squash(text), m["title"]


def test_linked_indicators(plan_db: str) -> None:
    with session_scope(plan_db) as s:
        data = plan_dict(s, REGION, ON)
    by_title = {x["title"]: x for t in data["tasks"] for x in [t, *t["subtasks"]]}
    assert by_title["打好污染防治攻坚战，筑牢环境质量基础"]["indicators"] == [1, 2, 3, 4, 5, 6]
    assert 7 in by_title["加强生态保护修复，提高生态系统服务功能"]["indicators"]
    assert by_title["做大做强优势农业主导产业"]["indicators"] == [12, 13]
    assert 14 in by_title["提高康养旅游业发展水平"]["indicators"]
    assert by_title["加强体制机制建设，强化制度保障"]["indicators"] == [18, 19]
    money = next(x for x in data["safeguards"] if x["title"] == "资金保障")
    assert 20 in money["indicators"]
    assert [x["title"] for x in data["safeguards"]] == ["组织保障", "资金保障", "宣传保障"]
    for x in data["safeguards"]:
        assert squash(x["text"]) in squash(seed_text())


def _profile_only(url: str) -> None:
    ensure_db(url)
    with session_scope(url) as s:
        load_profile(s, PROFILE, at=T0)


def test_unknown_unit_is_named_and_nothing_written(sqlite_db: str, tmp_path: Path) -> None:
    _profile_only(sqlite_db)
    bad = tmp_path / "bad_plan.yaml"
    bad.write_text(
        LUSHI_PLAN.read_text(encoding="utf-8").replace(
            "units: [住建局, 城市管理局]", "units: [住建局, 城管局]"
        ),
        encoding="utf-8",
    )
    with pytest.raises(PlanFileError) as err, session_scope(sqlite_db) as s:
        load_plan(s, REGION, bad, at=T0)
    msg = str(err.value)
    assert "bad_plan.yaml" in msg and "城管局" in msg and "tasks[5].subtasks[1].units[2]" in msg
    with session_scope(sqlite_db) as s:
        assert s.scalar(select(func.count()).select_from(WpPlan)) == 0
        assert s.scalar(select(func.count()).select_from(WpTask)) == 0


def test_bad_indicator_and_date(sqlite_db: str, tmp_path: Path) -> None:
    _profile_only(sqlite_db)
    raw = LUSHI_PLAN.read_text(encoding="utf-8")
    bad = tmp_path / "p.yaml"
    bad.write_text(raw.replace("indicators: [18, 19]", "indicators: [18, 21]"), encoding="utf-8")
    with pytest.raises(PlanFileError, match=r"tasks\[7\]\.indicators.*21"), session_scope(sqlite_db) as s:
        load_plan(s, REGION, bad, at=T0)
    bad.write_text(raw.replace("due: 2023-06-30", "due: 2023-06-31"), encoding="utf-8")
    with (
        pytest.raises(PlanFileError, match=r"phases\[2\]\.milestones\[3\]\.due"),
        session_scope(sqlite_db) as s,
    ):
        load_plan(s, REGION, bad, at=T0)


def test_plan_loads_once(sqlite_db: str) -> None:
    make_plan_db(sqlite_db)
    with pytest.raises(PlanExistsError), session_scope(sqlite_db) as s:
        load_plan(s, REGION, at=T0)
