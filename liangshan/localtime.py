"""Dates as the county's users count them: 北京时间 (UTC+8), whatever the server's own time zone.

The database stores times in UTC (:func:`liangshan.store.db.utc_seconds` prints them without an offset).
A server or container often runs in UTC, so ``date.today()`` there is yesterday for a county user
between 00:00 and 08:00 北京时间, and a value saved at 07:30 北京时间 would be dated the day before.
Every "today" (deadlines, days waiting, due dates, the default year) and every day derived from a stored
time goes through this module instead. China has used one offset without daylight saving since 1991,
so a fixed offset is exact and needs no time-zone database (intranet machines may lack one).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

BEIJING = timezone(timedelta(hours=8), "北京时间")


def now() -> datetime:
    """The current time in 北京时间 (aware)."""
    return datetime.now(BEIJING)


def today() -> date:
    """Today's date in 北京时间: what a county user calls today."""
    return now().date()


def beijing(at: str | datetime) -> datetime:
    """A stored time (ISO text or a datetime; without an offset it is UTC) in 北京时间."""
    t = datetime.fromisoformat(at) if isinstance(at, str) else at
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return t.astimezone(BEIJING)


def beijing_day(at: str | datetime) -> date:
    """The 北京时间 date of a stored time (see :func:`beijing`)."""
    return beijing(at).date()
