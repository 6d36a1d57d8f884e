"""The store on SQLite and PostgreSQL: append-only versions, review, lock, conflicts, audit."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from liangshan.demo.build import PROFILE
from liangshan.services.assessment import run_assessment
from liangshan.store.db import AppendOnlyError, session_scope
from liangshan.store.errors import ConflictError, LockedError, NotFoundError, TransitionError
from liangshan.store.evidence import store_evidence
from liangshan.store.models import AuditLog, GroupMember, Region, Review, Submission, Unit
from liangshan.store.regions import find_unit, load_profile
from liangshan.store.service import ensure_db
from liangshan.store.submissions import approved_observations, history, submit_value, transition


@pytest.fixture
def lushi(db: str) -> str:
    ensure_db(db)
    with session_scope(db) as s:
        load_profile(s, PROFILE)
    return db


def test_profile_loads_seed_organisation(lushi: str) -> None:
    with session_scope(lushi) as s:
        region = s.get(Region, "411224")
        assert region and region.terrain_zone == "山区" and region.land_area_km2 == 4004
        assert region.population == 317232
        units = s.scalars(select(Unit.name).where(Unit.kind != "township")).all()
        assert len(units) == 23 and "金融服务中心" in units
        # 附件2 spells the unit "工业信息化和科技局", 附件1 "工业和信息化和科技局": one unit
        unit = find_unit(s, "411224", "工业信息化和科技局")
        assert unit is not None and unit.name == "工业和信息化和科技局"
        members = s.scalars(select(GroupMember).order_by(GroupMember.sort)).all()
        assert [(m.position, m.name) for m in members[:2]] == [("组长", "胡志权"), ("组长", "刘万增")]
        assert sum(m.position == "副组长" for m in members) == 7


def test_new_version_keeps_old_and_audits(lushi: str) -> None:
    with session_scope(lushi) as s:
        a = submit_value(s, region="411224", item="gdp", year=2024, value=100.0, user="u19", unit="万元")
        b = submit_value(
            s, region="411224", item="gdp", year=2024, value=120.0, user="u19", unit="万元", note="更正"
        )
        assert (a.version, b.version) == (1, 2)
    with session_scope(lushi) as s:
        versions = history(s, "411224", "gdp", 2024)
        assert [(v.version, v.value, v.status) for v in versions] == [
            (1, 100.0, "superseded"),
            (2, 120.0, "submitted"),
        ]
        log = s.scalars(select(AuditLog).where(AuditLog.entity == "submission").order_by(AuditLog.id)).all()
        assert [(e.actor, e.action) for e in log] == [("u19", "submit"), ("u19", "submit")]
        assert log[1].before is not None and log[1].before["value"] == 100.0
        assert log[1].after is not None and log[1].after["value"] == 120.0
        assert log[1].at is not None


def test_values_cannot_be_overwritten_or_deleted(lushi: str) -> None:
    with session_scope(lushi) as s:
        sub_id = submit_value(s, region="411224", item="gdp", year=2024, value=1.0, user="u").id
    with pytest.raises(AppendOnlyError), session_scope(lushi) as s:
        sub = s.get(Submission, sub_id)
        assert sub is not None
        sub.value_num = 2.0
    with pytest.raises(AppendOnlyError), session_scope(lushi) as s:
        s.delete(s.get(Submission, sub_id))
    with session_scope(lushi) as s:
        sub = s.get(Submission, sub_id)
        assert sub is not None and sub.value_num == 1.0


def test_review_workflow_and_lock(lushi: str) -> None:
    with session_scope(lushi) as s:
        sub = submit_value(s, region="411224", item="gdp", year=2025, value=1.0, user="u19")
        with pytest.raises(TransitionError, match="理由"):
            transition(s, sub.id, "return", "office")
        transition(s, sub.id, "return", "office", reason="请附统计公报")
        sub2 = submit_value(s, region="411224", item="gdp", year=2025, value=2.0, user="u19")
        with pytest.raises(TransitionError, match="取代"):
            transition(s, sub.id, "approve", "office")
        transition(s, sub2.id, "approve", "office")
        with pytest.raises(LockedError, match="锁定"):
            submit_value(s, region="411224", item="gdp", year=2025, value=3.0, user="u19")
        transition(s, sub2.id, "reopen", "office", reason="统计局更正")
        sub3 = submit_value(s, region="411224", item="gdp", year=2025, value=3.0, user="u19")
        assert sub3.version == 3
        # revision semantics: the reopened version 2 stands until its successor is approved
        assert approved_observations(s, "411224", [2025])[("gdp", 2025)].value == 2.0
        assert sub2.status == "reopened"
        assert approved_observations(s, "411224", [2025], include_pending=True)[("gdp", 2025)].value == 3.0
        transition(s, sub3.id, "approve", "office")
        assert approved_observations(s, "411224", [2025])[("gdp", 2025)].value == 3.0
        assert sub2.status == "superseded"
        reviews = s.scalars(select(Review).order_by(Review.id)).all()
        assert [r.action for r in reviews] == [
            "return",
            "supersede",
            "approve",
            "reopen",
            "approve",
            "supersede",  # version 2 steps down when its revision (version 3) is approved
        ]


def test_optimistic_version_check(lushi: str) -> None:
    with session_scope(lushi) as s:
        submit_value(s, region="411224", item="gdp", year=2025, value=1.0, user="a")
        submit_value(s, region="411224", item="gdp", year=2025, value=2.0, user="a", expected_version=1)
        with pytest.raises(ConflictError, match="第 2 版"):
            submit_value(s, region="411224", item="gdp", year=2025, value=9.0, user="b", expected_version=1)


def test_unknown_region(lushi: str) -> None:
    with pytest.raises(NotFoundError, match="未知地区"), session_scope(lushi) as s:
        submit_value(s, region="999999", item="gdp", year=2025, value=1.0, user="a")
    with pytest.raises(NotFoundError, match="未知地区"):
        run_assessment(lushi, "999999")


def test_assessment_from_store_uses_round_years(lushi: str, tmp_path: Path) -> None:
    with session_scope(lushi) as s:
        for y, g in ((2023, 330), (2024, 331), (2025, 335)):
            for item, v in (("air_good_days", g), ("air_valid_days", 365)):
                sub = submit_value(s, region="411224", item=item, year=y, value=v, user="u01")
                transition(s, sub.id, "approve", "office")
        # indicator 1's second condition: the improvement target met, with its document
        ev = store_evidence(
            s, tmp_path, b"target document", "target.txt", "text/plain", region="411224", user="u01"
        )
        sub = submit_value(s, region="411224", item="air_improvement_target_met", year=2025, value=True,
                           user="u01", evidence_ids=[ev.id])  # fmt: skip
        transition(s, sub.id, "approve", "office")
    a = run_assessment(lushi, "411224")
    assert a.years == (2023, 2024, 2025)
    one = a.results[0]
    assert one.values() == {"2023": 90.4, "2024": 90.7, "2025": 91.8} and one.verdict == "达标"
