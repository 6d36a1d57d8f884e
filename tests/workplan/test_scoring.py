"""Annual unit assessment: the pure scoring rules and the facts read from submissions, reviews, tasks."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from wpsupport import REGION, clock

from liangshan.catalog import load_catalog
from liangshan.store.db import session_scope
from liangshan.store.models import AssessmentRound, Unit
from liangshan.store.models_workplan import WpTask, WpTaskUnit
from liangshan.store.regions import find_unit
from liangshan.store.submissions import submit_value, transition
from liangshan.workplan.errors import PlanFileError
from liangshan.workplan.scoring import (
    COMPONENTS,
    ScoreSheet,
    UnitFacts,
    assess_units,
    gather_facts,
    load_sheet,
    score_units,
)
from liangshan.workplan.tracking import ActionSpec, add_action, add_progress, update_item

SHEET = ScoreSheet(
    weights={
        "timeliness": 25,
        "completeness": 25,
        "first_review_approval": 20,
        "task_progress": 20,
        "milestones_met": 10,
    },
    grades=(
        {"min": 90, "label": "优秀"},
        {"min": 75, "label": "良好"},
        {"min": 60, "label": "合格"},
        {"min": 0, "label": "不合格"},
    ),
)


def facts(uid: int, name: str, **counts: tuple[float, float]) -> UnitFacts:
    return UnitFacts(uid, name, {c: counts.get(c, (0.0, 0.0)) for c in COMPONENTS})


def test_weighted_score_hand_computed() -> None:
    f = facts(
        1,
        "甲",
        timeliness=(3, 4),
        completeness=(4, 4),
        first_review_approval=(1, 2),
        task_progress=(1.2, 2),
        milestones_met=(0, 1),
    )
    (s,) = score_units([f], SHEET)
    # 100 × (25·0.75 + 25·1 + 20·0.5 + 20·0.6 + 10·0) / 100 = 65.75
    assert s.score == pytest.approx(65.75)
    assert s.grade == "合格" and s.rank == 1
    assert s.rates["task_progress"] == pytest.approx(0.6)


def test_not_applicable_renormalize_vs_zero() -> None:
    f = facts(1, "甲", task_progress=(1.0, 2), milestones_met=(1, 1))  # no data items to supply
    (r,) = score_units([f], SHEET)
    assert r.rates["timeliness"] is None
    assert r.score == pytest.approx(100 * (20 * 0.5 + 10 * 1) / 30)
    (z,) = score_units([f], SHEET.model_copy(update={"not_applicable": "zero"}))
    assert z.score == pytest.approx(100 * (20 * 0.5 + 10 * 1) / 100)
    (n,) = score_units([facts(2, "乙")], SHEET)
    assert n.score is None and n.rank is None and n.grade is None


def test_ranking_ties_share_rank() -> None:
    fs = [
        facts(1, "甲", milestones_met=(1, 2)),
        facts(2, "乙", milestones_met=(2, 2)),
        facts(3, "丙", milestones_met=(2, 4)),
        facts(4, "丁", milestones_met=(0, 2)),
        facts(5, "戊"),
    ]
    ranked = score_units(fs, SHEET)
    assert [(s.unit, s.rank) for s in ranked] == [("乙", 1), ("丙", 2), ("甲", 2), ("丁", 4), ("戊", None)]


@pytest.mark.parametrize(
    ("rate", "grade"),
    [(0.9, "优秀"), (0.8999, "良好"), (0.75, "良好"), (0.7499, "合格"), (0.6, "合格"), (0.5999, "不合格")],
)
def test_grade_boundaries_both_sides(rate: float, grade: str) -> None:
    (s,) = score_units([facts(1, "甲", milestones_met=(rate, 1))], SHEET)
    assert s.grade == grade


def test_default_sheet_and_bad_sheets(tmp_path: Path) -> None:
    sheet = load_sheet()
    assert set(sheet.weights) == set(COMPONENTS) and sum(sheet.weights.values()) == 100
    bad = tmp_path / "s.yaml"
    bad.write_text("weights: {timeliness: 10, speed: 5}\n", encoding="utf-8")
    with pytest.raises(PlanFileError, match=r"s\.yaml.*weights.*speed"):
        load_sheet(bad)
    bad.write_text("weights: {timeliness: -1, completeness: 5}\n", encoding="utf-8")
    with pytest.raises(PlanFileError, match="负"):
        load_sheet(bad)
    bad.write_text("weights: {timeliness: 1}\nnot_applicable: maybe\n", encoding="utf-8")
    with pytest.raises(PlanFileError, match="not_applicable"):
        load_sheet(bad)


def _at(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 10, 0, tzinfo=UTC)


def test_facts_from_submissions_reviews_tasks_and_items(plan_db: str) -> None:
    """林业局 supplies forest_area_km2 and grass_area_km2; a round of 2024–2025 due 31 March 2026."""
    cat = load_catalog()
    tick = clock()
    with session_scope(plan_db) as s:
        forest = find_unit(s, REGION, "林业局")
        assert forest is not None
        fid = forest.id
        mine = [
            e.code
            for e in cat.data_elements
            if e.suppliers and find_unit(s, REGION, e.suppliers[0]) == forest
        ]
        assert {"forest_area_km2", "grass_area_km2"} <= set(mine)
        # shared elements where 林业局 cooperates count too (its contribution; none made here)
        mine += [e.code for e in cat.data_elements if e.shared and "林业局" in e.cooperating]
        for rnd in s.scalars(select(AssessmentRound)):
            rnd.deadline = "2027-03-31"  # the profile's round belongs to the 2027 assessment here
        s.add(
            AssessmentRound(
                region_code=REGION, name="测试批次", start_year=2024, end_year=2025, deadline="2026-03-31"
            )
        )
        # on time and approved at the first review
        a = submit_value(
            s, region=REGION, item="forest_area_km2", year=2024, value=2800.0, user="u12", at=_at(2026, 3, 1)
        )
        transition(s, a.id, "approve", "office", at=_at(2026, 3, 2))
        # on time, returned first, then a new version approved → not approved at the first review
        b = submit_value(
            s, region=REGION, item="grass_area_km2", year=2024, value=10.0, user="u12", at=_at(2026, 3, 1)
        )
        transition(s, b.id, "return", "office", reason="单位有误", at=_at(2026, 3, 3))
        b2 = submit_value(
            s, region=REGION, item="grass_area_km2", year=2024, value=12.0, user="u12", at=_at(2026, 3, 4)
        )
        transition(s, b2.id, "approve", "office", at=_at(2026, 3, 5))
        # late (after the deadline) but within the year
        submit_value(
            s, region=REGION, item="forest_area_km2", year=2025, value=2810.0, user="u12", at=_at(2026, 5, 1)
        )
        # a follow-up due in June: met; another due in July: missed
        ok = add_action(s, REGION, ActionSpec("甲", fid, date(2026, 6, 30)), actor="office", at=next(tick))
        update_item(s, "action", ok.id, actor="u12", status="done", done_on=date(2026, 6, 30), at=next(tick))
        add_action(s, REGION, ActionSpec("乙", fid, date(2026, 7, 31)), actor="office", at=next(tick))
        # progress on one of its tasks
        tasks = s.scalars(
            select(WpTask.id)
            .join(WpTaskUnit, WpTaskUnit.task_id == WpTask.id)
            .where(WpTaskUnit.unit_id == fid)
        ).all()
        add_progress(
            s,
            tasks[0],
            fid,
            reported_on=date(2026, 6, 1),
            text="进展",
            percent=50,
            actor="u12",
            at=next(tick),
        )
    with session_scope(plan_db) as s:
        got = {f.unit: f for f in gather_facts(s, REGION, 2026, sheet=SHEET)}["林业局"].counts
        expected_items = 2 * len(mine)  # two round years
        assert got["timeliness"] == (2, expected_items)
        assert got["completeness"] == (3, expected_items)
        assert got["first_review_approval"] == (1, 2)
        assert got["task_progress"] == (0.5, len(tasks))
        assert got["milestones_met"] == (1, 2)
        # as of 1 April the late submission and both actions are not counted yet
        early = {f.unit: f for f in gather_facts(s, REGION, 2026, as_of=date(2026, 4, 1), sheet=SHEET)}[
            "林业局"
        ].counts
        assert early["completeness"] == (2, expected_items)
        assert early["milestones_met"] == (0, 0)
        assert early["task_progress"] == (0, len(tasks))
        # grace days move the late one into “on time”
        graced = gather_facts(s, REGION, 2026, sheet=SHEET.model_copy(update={"grace_days": 31}))
        assert {f.unit: f for f in graced}["林业局"].counts["timeliness"] == (3, expected_items)


def test_score_changes_with_overdue_follow_up(plan_db: str) -> None:
    tick = clock()
    with session_scope(plan_db) as s:
        uid = s.scalars(select(Unit.id).where(Unit.name == "统计局")).one()
        act = add_action(
            s, REGION, ActionSpec("提供GDP初步数", uid, date(2026, 2, 28)), actor="office", at=next(tick)
        )
    with session_scope(plan_db) as s:
        before = assess_units(s, REGION, 2026, as_of=date(2026, 3, 2), sheet=SHEET)
        row = next(u for u in before["units"] if u["unit"] == "统计局")
        assert row["components"]["milestones_met"]["denominator"] == 1
        assert row["components"]["milestones_met"]["rate"] == 0.0
        update_item(s, "action", act.id, actor="u19", status="done", done_on=date(2026, 2, 27), at=next(tick))
        after = assess_units(s, REGION, 2026, as_of=date(2026, 3, 2), sheet=SHEET)
        row2 = next(u for u in after["units"] if u["unit"] == "统计局")
        assert row2["components"]["milestones_met"]["rate"] == 1.0
        assert row2["score"] > row["score"]


# ---- issue 17: scoring agrees with completeness; nothing to assess is not 不合格 ------------------------
def _approve_all_of(s, cat, unit: Unit, tick) -> list[str]:  # type: ignore[no-untyped-def]
    """Submit and approve every element-year ``unit`` supplies in the profile's round."""
    rnd = s.scalars(select(AssessmentRound).where(AssessmentRound.region_code == REGION)).first()
    names = {unit.name, *(unit.aliases or [])}
    codes = [e.code for e in cat.data_elements if names.intersection(e.suppliers)]
    for code in codes:
        for y in range(rnd.start_year, rnd.end_year + 1):
            sub = submit_value(s, region=REGION, item=code, year=y, value=1.0, user="u13", at=next(tick))
            transition(s, sub.id, "approve", "office", at=next(tick))
    return codes


def test_unit_with_all_items_approved_is_never_failed(plan_db: str) -> None:
    """水利局 supplies data elements (not always as first supplier); all approved → 100 or 无考核内容."""
    cat = load_catalog()
    tick = clock()
    with session_scope(plan_db) as s:
        rnd = s.scalars(select(AssessmentRound).where(AssessmentRound.region_code == REGION)).first()
        assert rnd is not None and rnd.deadline
        year = date.fromisoformat(str(rnd.deadline)).year
        water = find_unit(s, REGION, "水利局")
        assert water is not None
        codes = _approve_all_of(s, cat, water, tick)
        assert codes
    with session_scope(plan_db) as s:
        data = assess_units(s, REGION, year, as_of=date(year, 12, 31))
        row = next(u for u in data["units"] if u["unit"] == "水利局")
        comp = row["components"]["data_approved"]
        assert comp["numerator"] == comp["denominator"] > 0
        assert row["verdict"] != "不合格"
        # its lead tasks carry no progress report yet; without them the data alone give 100
        assert row["components"].get("task_progress", {"denominator": 0})["denominator"] == 0
        assert row["score"] == pytest.approx(100.0) and row["verdict"] == "优秀"
        # townships supply no data, lead no task and own no item: nothing to assess
        towns = [u for u in data["units"] if u["unit"].endswith(("镇人民政府", "乡人民政府"))]
        assert towns and all(u["score"] is None and u["verdict"] == "无考核内容" for u in towns)
        assert all(u["rank"] is None for u in towns)


def test_data_follow_up_closes_when_data_approved(plan_db: str) -> None:
    """A 督办事项 about data, overdue and open, counts as met once the unit's data are all approved."""
    cat = load_catalog()
    tick = clock()
    with session_scope(plan_db) as s:
        rnd = s.scalars(select(AssessmentRound).where(AssessmentRound.region_code == REGION)).first()
        assert rnd is not None and rnd.deadline
        year = date.fromisoformat(str(rnd.deadline)).year
        forest = find_unit(s, REGION, "林业局")
        assert forest is not None
        fid = forest.id
        add_action(
            s,
            REGION,
            ActionSpec("完成林草覆盖率数据报送", fid, date(year, 1, 15)),
            actor="office",
            at=next(tick),
        )
        add_action(
            s, REGION, ActionSpec("组织现场踏勘", fid, date(year, 1, 15)), actor="office", at=next(tick)
        )
    with session_scope(plan_db) as s:
        before = {f.unit: f for f in gather_facts(s, REGION, year)}["林业局"].counts
        assert before["milestones_met"] == (0, 2)
        _approve_all_of(s, cat, s.get(Unit, fid), tick)
    with session_scope(plan_db) as s:
        after = {f.unit: f for f in gather_facts(s, REGION, year)}["林业局"].counts
        assert after["milestones_met"] == (1, 2)  # the data action closed itself; the other stays missed
