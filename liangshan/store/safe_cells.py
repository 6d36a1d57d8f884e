"""Cells of exported files that cannot carry formulas (CSV/formula injection, OWASP "CSV Injection").

A spreadsheet program treats a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, after a tab or
carriage return, the same) as a formula: a note such as ``=HYPERLINK("http://…"&A1,"点击")`` typed by a
user would become a live link that sends the neighbouring cell away when the office opens the export.
Every xlsx and csv export writes its cells through this module:

- **xlsx**: such a text is written as a string cell (``data_type`` ``s``) with Excel's "quote prefix"
  set, so it shows exactly as typed and stays text when edited;
- **csv**: such a text gets a leading apostrophe ``'`` (a CSV has no cell types).

Numbers, dates and booleans are written unchanged; only text is neutralised.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["RISKY_START", "append_row", "csv_row", "csv_value", "is_risky", "set_cell"]

RISKY_START = ("=", "+", "-", "@", "\t", "\r")


def is_risky(value: Any) -> bool:
    """True for a text a spreadsheet program could run as a formula."""
    return isinstance(value, str) and value.startswith(RISKY_START)


def csv_value(value: Any) -> Any:
    """``value`` for a CSV cell: a risky text gets a leading ``'``; anything else is unchanged."""
    return "'" + value if is_risky(value) else value


def csv_row(values: Iterable[Any]) -> list[Any]:
    """A CSV row with every risky text neutralised (see :func:`csv_value`)."""
    return [csv_value(v) for v in values]


def set_cell(cell: Any, value: Any) -> None:
    """Write ``value`` into an openpyxl cell; a risky text becomes a quote-prefixed string cell."""
    cell.value = value
    if is_risky(value):
        cell.data_type = "s"
        cell.quotePrefix = True


def append_row(ws: Any, values: Iterable[Any]) -> None:
    """``ws.append(values)`` for an openpyxl worksheet, with risky texts written as string cells."""
    row = list(values)
    ws.append(row)
    r = ws.max_row
    for j, v in enumerate(row, start=1):
        if is_risky(v):
            set_cell(ws.cell(r, j), v)
