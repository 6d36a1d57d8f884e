"""Times shown on the web pages in 北京时间.

The database stores times in UTC: SQLite gives them back without an offset, PostgreSQL with one, and the
services print them as ISO text (``2026-03-02T09:10:11`` or ``…+00:00``). A county user reads a time on a page
as local time, so the pages convert it to UTC+8. China has used one offset without daylight saving since 1991,
so a fixed offset is exact here and needs no time-zone database (the intranet machines may lack one).
"""

from __future__ import annotations

from datetime import datetime

from liangshan.localtime import beijing

_FORMATS = {"minute": "%Y-%m-%d %H:%M", "second": "%Y-%m-%d %H:%M:%S", "date": "%Y-%m-%d"}


def beijing_time(value: str | datetime | None, unit: str = "minute") -> str:
    """``value`` (ISO text or a datetime; without an offset it is UTC) as 北京时间, to the ``unit``
    (``minute``, ``second`` or ``date``); empty text for None or an empty string, the text itself when it
    is not a time."""
    if value is None or value == "":
        return ""
    try:
        at = beijing(value)
    except ValueError:
        return str(value)
    return at.strftime(_FORMATS[unit])
