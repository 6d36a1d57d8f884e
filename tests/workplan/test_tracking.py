"""Tracked items: the state on any date, the daily digest across dates, progress and meetings."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from wpsupport import REGION, clock

from liangshan.store.db import session_scope
from liangshan.store.models import Unit
from liangshan.store.models_workplan import WpAction, WpMeeting, WpTask
from liangshan.store.regions import find_unit
from liangshan.workplan.errors import WorkplanError
from liangshan.workplan.plan import plan_dict
from liangshan.workplan.tracking import (
    ActionSpec,
    add_progress,
    comment_progress,
    create_meeting,
    digest,
    item_state,
    meeting_dict,
    tracked_items,
    update_item,
)

DUE = date(2026, 3, 15)


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (DUE - timedelta(days=8), "open"),
        (DUE - timedelta(days=7), "due_soon"),  # horizon edge, inclusive
        (DUE, "due_soon"),  # the due day itself is not overdue
        (DUE + timedelta(days=1), "overdue"),
    ],
)
def test_open_item_around_due_date(as_of: date, expected: str) -> None:
    assert item_state(DUE, "open", None, as_of, 7) == expected


def test_done_items_and_history() -> None:
    assert item_state(DUE, "done", DUE, DUE + timedelta(days=30)) == "done"
    assert item_state(DUE, "done", DUE + timedelta(days=1), DUE + timedelta(days=30)) == "done_late"
    # done on 20 March: on 17 March it was still overdue, on 10 March not yet due
    done = DUE + timedelta(days=5)
    assert item_state(DUE, "done", done, DUE + timedelta(days=2)) == "overdue"
    assert item_state(DUE, "done", done, DUE - timedelta(days=30)) == "open"
    assert item_state(None, "open", None, DUE) == "no_due"
    assert item_state(DUE, "cancelled", None, DUE + timedelta(days=9)) == "cancelled"
    assert item_state(DUE, "open", None, DUE, horizon_days=0) == "due_soon"
    assert item_state(DUE, "open", None, DUE - timedelta(days=1), horizon_days=0) == "open"


@given(
    due=st.dates(date(2020, 1, 1), date(2030, 1, 1)),
    done=st.dates(date(2020, 1, 1), date(2030, 1, 1)),
    as_of=st.dates(date(2020, 1, 1), date(2030, 1, 1)),
    horizon=st.integers(0, 30),
)
def test_done_later_counts_as_open(due: date, done: date, as_of: date, horizon: int) -> None:
    state = item_state(due, "done", done, as_of, horizon)
    if done > as_of:
        assert state == item_state(due, "open", None, as_of, horizon)
    else:
        assert state == ("done_late" if done > due else "done")


def _unit(s: Session, name: str) -> Unit:
    u = find_unit(s, REGION, name)
    assert u is not None
    return u


def test_meeting_follow_up_in_digest_across_dates(plan_db: str) -> None:
    tick = clock()
    with session_scope(plan_db) as s:
        forest = _unit(s, "林业局").id
        m = create_meeting(
            s,
            REGION,
            title="第一次调度会议",
            held_on=date(2026, 2, 26),
            actor="office",
            at=next(tick),
            attendees=["林业局"],
            topics=["数据报送"],
            decisions=["3月15日前完成报送"],
            actions=[ActionSpec("报送林草覆盖率数据", forest, DUE, 1)],
        )
        mid = m.id

    def unit_digest(on: date) -> dict[str, list[str]]:
        with session_scope(plan_db) as s:
            rows = digest(s, REGION, on, unit_id=forest)
        if not rows:
            return {"overdue": [], "due_soon": []}
        return {k: [i["title"] for i in rows[0][k] if i["kind"] == "action"] for k in ("overdue", "due_soon")}

    assert unit_digest(date(2026, 3, 7)) == {"overdue": [], "due_soon": []}
    assert unit_digest(date(2026, 3, 8))["due_soon"] == ["报送林草覆盖率数据"]
    assert unit_digest(DUE)["due_soon"] == ["报送林草覆盖率数据"]
    assert unit_digest(date(2026, 3, 16))["overdue"] == ["报送林草覆盖率数据"]
    with session_scope(plan_db) as s:
        action = s.scalars(select(WpAction).where(WpAction.meeting_id == mid)).one()
        update_item(
            s, "action", action.id, actor="u12", status="done", done_on=date(2026, 3, 20), at=next(tick)
        )
    assert unit_digest(date(2026, 3, 21)) == {"overdue": [], "due_soon": []}
    assert unit_digest(date(2026, 3, 17))["overdue"] == ["报送林草覆盖率数据"]  # history is kept
    with session_scope(plan_db) as s:
        md = meeting_dict(s, mid)
    assert md["decisions"] == [{"seq": 1, "text": "3月15日前完成报送"}]
    assert md["actions"][0]["unit"] == "林业局" and md["actions"][0]["decision"] == 1
    assert md["actions"][0]["status"] == "done"


def test_milestone_overdue_then_done(plan_db: str) -> None:
    with session_scope(plan_db) as s:
        phases = plan_dict(s, REGION, date(2023, 7, 1))["phases"]
        publish = phases[1]["milestones"][2]
        assert publish["state"] == "overdue"  # due 2023-06-30, not done
        assert plan_dict(s, REGION, date(2023, 6, 30))["phases"][1]["milestones"][2]["state"] == "due_soon"
        update_item(s, "milestone", publish["id"], actor="office", status="done", done_on=date(2023, 6, 28))
        assert plan_dict(s, REGION, date(2023, 7, 1))["phases"][1]["milestones"][2]["state"] == "done"
    with pytest.raises(WorkplanError, match="完成日期"), session_scope(plan_db) as s:
        update_item(s, "milestone", phases[2]["milestones"][0]["id"], actor="office", status="done")


def test_bad_meeting_writes_nothing(plan_db: str) -> None:
    with pytest.raises(WorkplanError, match="第 2 项议定事项"), session_scope(plan_db) as s:
        create_meeting(
            s,
            REGION,
            title="会",
            held_on=date(2026, 2, 26),
            actor="office",
            decisions=["甲"],
            actions=[ActionSpec("乙", _unit(s, "林业局").id, DUE, 2)],
        )
    with session_scope(plan_db) as s:
        assert s.scalar(select(func.count()).select_from(WpMeeting)) == 0
        assert s.scalar(select(func.count()).select_from(WpAction)) == 0


def test_progress_rules_and_task_percent(plan_db: str) -> None:
    tick = clock()
    with session_scope(plan_db) as s:
        t41 = s.scalars(select(WpTask).where(WpTask.title == "打好污染防治攻坚战，筑牢环境质量基础")).one()
        lead, coop, other = _unit(s, "市生态环境局卢氏分局"), _unit(s, "发改委"), _unit(s, "审计局")
        with pytest.raises(WorkplanError, match="不是任务"):
            add_progress(s, t41.id, other.id, reported_on=date(2026, 1, 1), text="x", percent=10, actor="u")
        with pytest.raises(WorkplanError, match="0–100"):
            add_progress(s, t41.id, coop.id, reported_on=date(2026, 1, 1), text="x", percent=101, actor="u")
        add_progress(
            s,
            t41.id,
            coop.id,
            reported_on=date(2026, 1, 5),
            text="配合",
            percent=90,
            actor="u",
            at=next(tick),
        )
        add_progress(
            s,
            t41.id,
            lead.id,
            reported_on=date(2026, 1, 1),
            text="一月",
            percent=40,
            actor="u",
            at=next(tick),
        )
        p = add_progress(
            s,
            t41.id,
            lead.id,
            reported_on=date(2026, 2, 1),
            text="二月",
            percent=60,
            actor="u",
            at=next(tick),
        )
        comment_progress(s, p.id, "请补充佐证", actor="office", at=next(tick))
        tasks = plan_dict(s, REGION, date(2026, 3, 1))["tasks"]
        before = plan_dict(s, REGION, date(2026, 1, 15))["tasks"]
    four = tasks[3]
    sub1 = four["subtasks"][0]
    assert sub1["progress"]["percent"] == 60  # the lead unit's newest report, not the cooperating unit's 90
    assert sub1["progress"]["units_reported"] == 2
    assert four["progress"]["percent"] == 30  # mean of sub-tasks, unreported sub-task counts 0
    assert before[3]["subtasks"][0]["progress"]["percent"] == 40  # as of 15 January
    assert tasks[0]["progress"]["percent"] is None


def test_data_follow_up_closes_itself_in_the_item_list(plan_db: str) -> None:
    """A 督办事项 about data is done in the item list once its unit's data are all approved (the day of
    the last approval), as the annual assessment counts it; an action not about data stays open."""
    from liangshan.catalog import load_catalog
    from liangshan.store.models import AssessmentRound
    from liangshan.store.submissions import submit_value, transition
    from liangshan.workplan.tracking import add_action

    cat = load_catalog()
    tick = clock()
    with session_scope(plan_db) as s:
        rnd = s.scalars(select(AssessmentRound).where(AssessmentRound.region_code == REGION)).first()
        assert rnd is not None and rnd.deadline
        year = date.fromisoformat(str(rnd.deadline)).year
        forest = _unit(s, "林业局")
        due = date(year, 1, 15)
        data_id = add_action(s, REGION, ActionSpec("完成林草覆盖率数据报送", forest.id, due), actor="office",
                             at=next(tick)).id  # fmt: skip
        other_id = add_action(s, REGION, ActionSpec("组织现场踏勘", forest.id, due), actor="office",
                              at=next(tick)).id  # fmt: skip
        names = {forest.name, *(forest.aliases or [])}
        codes = [e.code for e in cat.data_elements if names.intersection(e.suppliers)]
        assert codes

    def states(on: date) -> dict[int | str, tuple[str, str | None]]:
        with session_scope(plan_db) as s:
            items = tracked_items(s, REGION, on, catalog=cat, include_submissions=False)
        return {i.id: (i.state, i.as_dict()["done_on"]) for i in items if i.kind == "action"}

    late = date(year, 12, 31)
    assert states(late)[data_id] == ("overdue", None)
    with session_scope(plan_db) as s:
        for code in codes[:-1]:
            for y in range(rnd.start_year, rnd.end_year + 1):
                sub = submit_value(s, region=REGION, item=code, year=y, value=1.0, user="u13", at=next(tick))
                transition(s, sub.id, "approve", "office", at=next(tick))
    assert states(late)[data_id] == ("overdue", None)  # one element still missing: open
    with session_scope(plan_db) as s:
        last = None
        for y in range(rnd.start_year, rnd.end_year + 1):
            sub = submit_value(s, region=REGION, item=codes[-1], year=y, value=1.0, user="u13", at=next(tick))
            last = next(tick)
            transition(s, sub.id, "approve", "office", at=last)
        assert last is not None
    got = states(late)
    assert got[data_id] == ("done_late" if last.date() > due else "done", last.date().isoformat())
    assert got[other_id] == ("overdue", None)
    assert states(last.date() - timedelta(days=1))[data_id][0] == "overdue"  # history: open the day before
