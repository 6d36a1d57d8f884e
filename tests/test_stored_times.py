"""Stored times handed out as text by the services: UTC without an offset, to the second
(``store.db.utc_seconds``), on SQLite and PostgreSQL alike — also when a PostgreSQL session runs in
another zone (Asia/Shanghai), where the driver gives ``…+08:00`` datetimes. The 待办 page counts the days
a submission waited, and dates a return, by the 北京时间 day of that stored time (``liangshan.localtime``)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from liangshan import localtime
from liangshan.catalog import load_catalog
from liangshan.config import evidence_root
from liangshan.demo.build import seed_site
from liangshan.services.contributions import contribute, contributions_for
from liangshan.services.permissions import Actor, actor_for_user
from liangshan.services.queries import current_round, item_detail, review_list, review_queue
from liangshan.services.rounds import round_action, round_detail
from liangshan.services.todo import todo
from liangshan.services.uploads import check_upload
from liangshan.services.values import review_latest, save_entry
from liangshan.services.workspace import Workspace
from liangshan.store.db import utc_seconds
from liangshan.store.models import Review, Submission

R = "411224"
EL = "eco_product_output_per_capita"
USERS = {"统计局": "u19", "林业局": "u12"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")


@pytest.fixture
def ws(db: str) -> Workspace:
    seed_site(db, "x", skip=(EL, "eco_env_investment"))
    return Workspace(db, evidence_root(db), load_catalog())


def shanghai(ws: Workspace) -> Workspace:
    """The same database read through a PostgreSQL session in UTC+8 (SQLite has no session zone)."""
    if not ws.db_url.startswith("postgresql"):
        return ws
    return Workspace(ws.db_url + "?options=-c%20TimeZone%3DAsia/Shanghai", ws.files_dir, ws.catalog)


def actor(ws: Workspace, who: str) -> Actor:
    with ws.read() as s:
        return actor_for_user(s, USERS.get(who, who))


def submit(ws: Workspace, who: Actor, upload: bool = False) -> None:
    ups = [check_upload(PDF, "测算.pdf")] if upload else []
    save_entry(ws, who, region=R, item=EL, year=2025, raw_value="5090", note="汇总", action="submit",
               expected_version=None, uploads=ups)  # fmt: skip


def test_every_stored_time_is_utc_text_without_offset(ws: Workspace) -> None:
    t0 = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    office = actor(ws, "office")
    submit(ws, actor(ws, "统计局"), upload=True)
    review_latest(ws, office, region=R, item=EL, year=2025, action="comment", reason="请核对口径")
    review_latest(ws, office, region=R, item=EL, year=2025, action="return", reason="请补充说明")
    made = contribute(ws, actor(ws, "林业局"), region=R, element=EL, year=2025, comment="林下经济")
    with ws.read() as s:
        rnd = current_round(s, R)
        assert rnd is not None
        rnd_id = rnd.id
    round_action(ws, office, rnd_id, "deadline", reason="延期", deadline="2026-12-31")
    t1 = datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=1)

    rd = shanghai(ws)
    with rd.read() as s:
        detail = item_detail(s, rd.catalog, office, R, EL, 2025)
        listed = next(r for r in review_list(s, rd.catalog, R) if r["item"] == EL and r["year"] == 2025)
        mine = (Submission.region_code == R, Submission.item_code == EL, Submission.year == 2025)
        stored = s.scalars(select(Submission).where(*mine)).one()
        stored_text = utc_seconds(stored.created_at)
    parts = contributions_for(rd, office, region=R, element=EL, year=2025)["contributions"]
    history = round_detail(rd, office, rnd_id)["history"]
    cur = detail["current"]
    times = {
        "created_at": cur["created_at"],
        "uploaded_at": cur["evidence"][0]["uploaded_at"],
        **{f"event {e['action']}": e["at"] for e in detail["events"]},
        "review_list": listed["at"],
        "contribution (returned)": made["created_at"],
        "contribution (listed)": parts[0]["created_at"],
        **{f"round {h['action']}": h["at"] for h in history if h["action"] == "deadline_round"},
    }
    assert {"event comment", "event return", "round deadline_round"} <= set(times)
    for what, text in times.items():
        assert ISO.match(text), (what, text)  # no offset, no fraction: one text on both databases
        assert t0 <= datetime.fromisoformat(text) <= t1, (what, text)  # and it is UTC, not the session's zone
    assert cur["created_at"] == stored_text
    assert made["created_at"] == parts[0]["created_at"]  # as created and as read back: the same text
    assert [e["at"] for e in detail["events"]] == sorted(e["at"] for e in detail["events"])


def test_todo_counts_waiting_days_and_dates_returns_by_the_beijing_day(ws: Workspace) -> None:
    office, stats = actor(ws, "office"), actor(ws, "统计局")
    submit(ws, stats)
    utc_day, day = datetime.now(UTC).date(), localtime.today()
    rd = shanghai(ws)
    with rd.read() as s:
        queued = [d for d in review_queue(s, rd.catalog, R, ("submitted",)) if d["item"] == EL]
        waiting = todo(s, rd.catalog, office, R, today=day + timedelta(days=3))["waiting"]
    assert [d["created_at"][:10] for d in queued] == [utc_day.isoformat()]  # the text stays UTC
    items = [i for w in waiting for i in w["items"] if i["item"] == EL and i["year"] == 2025]
    assert items == [{"item": EL, "name": items[0]["name"], "year": 2025, "days": 3}]
    assert max(w["oldest_days"] for w in waiting) >= 3
    review_latest(ws, office, region=R, item=EL, year=2025, action="return", reason="请补充说明")
    with rd.read() as s:
        mine = todo(s, rd.catalog, stats, R, today=day)
    returned = [r for r in mine["returned"] if r["item"] == EL and r["year"] == 2025]
    assert [(r["returned_on"], r["reason"]) for r in returned] == [(day.isoformat(), "请补充说明")]


def test_a_value_saved_at_0730_beijing_time_waits_from_that_day(ws: Workspace) -> None:
    """23:30 UTC on 1 March is 07:30 北京时间 on 2 March: on 2 March it has waited 0 days (by the UTC day it
    would be 1), and a return made then is dated 2 March."""
    office, stats = actor(ws, "office"), actor(ws, "统计局")
    submit(ws, stats)
    late = datetime(2026, 3, 1, 23, 30)
    mine = (Submission.region_code == R, Submission.item_code == EL, Submission.year == 2025)
    with ws.write() as s:  # the test moves the stored time (the append-only guard watches the ORM objects)
        s.execute(update(Submission).where(*mine).values(created_at=late))
    rd = shanghai(ws)
    with rd.read() as s:
        waiting = todo(s, rd.catalog, office, R, today=date(2026, 3, 2))["waiting"]
    items = [i for w in waiting for i in w["items"] if i["item"] == EL and i["year"] == 2025]
    assert [i["days"] for i in items] == [0]
    review_latest(ws, office, region=R, item=EL, year=2025, action="return", reason="请补充说明")
    with ws.write() as s:
        s.execute(update(Review).where(Review.action == "return").values(at=late))
    with rd.read() as s:
        back = todo(s, rd.catalog, stats, R, today=date(2026, 3, 2))["returned"]
    assert [r["returned_on"] for r in back if r["item"] == EL and r["year"] == 2025] == ["2026-03-02"]


def test_beijing_dates() -> None:
    assert localtime.beijing_day("2026-03-01T15:59:59") == date(2026, 3, 1)
    assert localtime.beijing_day("2026-03-01T16:00:00") == date(2026, 3, 2)
    assert localtime.beijing_day(datetime(2026, 12, 31, 16, 0)) == date(2027, 1, 1)
    assert localtime.beijing_day("2026-03-01T23:30:00+08:00") == date(2026, 3, 1)
    assert localtime.beijing_day(datetime(2026, 3, 1, 20, 0, tzinfo=UTC)) == date(2026, 3, 2)
    assert abs((localtime.now() - datetime.now(UTC)).total_seconds()) < 5
    assert localtime.today() == (datetime.now(UTC) + timedelta(hours=8)).date()
