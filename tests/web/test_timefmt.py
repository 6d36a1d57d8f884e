"""Times on the web pages are shown in 北京时间 (UTC+8), whatever the database gives back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

from fastapi.testclient import TestClient
from websupport import Site

from liangshan.store.db import session_scope
from liangshan.store.submissions import submit_value
from liangshan.web.timefmt import beijing_time

Clients = Callable[[str], tuple[TestClient, str]]


def test_naive_text_is_utc_and_shown_eight_hours_later() -> None:
    assert beijing_time("2026-03-02T09:10:11") == "2026-03-02 17:10"
    assert beijing_time("2026-03-02T09:10:11", "second") == "2026-03-02 17:10:11"


def test_offsets_are_honoured_and_the_day_rolls_over() -> None:
    assert beijing_time("2026-03-02T17:30:00+00:00") == "2026-03-03 01:30"
    assert beijing_time("2026-03-02T17:30:00+00:00", "date") == "2026-03-03"
    assert beijing_time("2026-03-02T16:00:00-01:00", "date") == "2026-03-03"  # 17:00 UTC
    assert beijing_time("2026-03-02T23:59:59+08:00", "second") == "2026-03-02 23:59:59"
    assert beijing_time(datetime(2026, 12, 31, 16, 0, tzinfo=UTC)) == "2027-01-01 00:00"
    assert beijing_time(datetime(2026, 12, 31, 15, 59, tzinfo=timezone(timedelta(0)))) == "2026-12-31 23:59"


def test_empty_and_non_time_values() -> None:
    assert beijing_time(None) == "" and beijing_time("") == ""
    assert beijing_time("—") == "—"


def test_entry_page_shows_the_version_time_in_beijing_time(site: Site, client_for: Clients) -> None:
    with session_scope(site.url) as s:
        sub = submit_value(s, region="411224", item="forest_area_km2", year=2024, value=2345.6, user="u12")
        created = sub.created_at
    utc = created if created.tzinfo else created.replace(tzinfo=UTC)
    shown = utc.astimezone(timezone(timedelta(hours=8))).strftime("%Y-%m-%d %H:%M")
    stored = utc.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    c, _ = client_for("office")
    page = c.get("/entry/forest_area_km2?region=411224").text
    assert shown in page, shown
    assert stored not in page
