"""Values as CSV or Excel files: reading a table (one row per region, item, year) and writing the export.

Only the file side lives here. Validating the rows and writing them (the rules every entry point
shares) is :mod:`liangshan.services.imports`.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from liangshan.catalog.models import Catalog
from liangshan.store.errors import StoreError
from liangshan.store.models import Submission
from liangshan.store.safe_cells import append_row, csv_value

COLUMNS = {
    "region": ("region", "地区代码"),
    "item": ("item", "代码", "指标或数据元素"),
    "year": ("year", "年份"),
    "value": ("value", "数值"),
    "unit": ("unit", "单位"),
    "note": ("note", "备注"),
}
REQUIRED = ("region", "item", "year", "value")
EXPORT_HEADER = ["region", "item", "item_name", "year", "value", "unit", "status", "version", "note"]


def read_value_table(path: Path) -> tuple[list[str], list[tuple[int, list[Any]]], list[str]]:
    """Header, non-empty rows (with their spreadsheet row numbers) and the file's own header cells (for
    messages: a user reads 地区代码, not region) of a CSV (UTF-8, UTF-8 with BOM or
    GB18030, detected strictly) or Excel file (budgets of :func:`liangshan.standards.xlsx_guard.check_xlsx`
    first; cached values of formula cells are read), through :func:`liangshan.standards.tabular.read_table`;
    recognised headers (``tabular_headers.yaml``, schema ``values``) become the field names."""
    from liangshan.standards.errors import message_for
    from liangshan.standards.tabular import TableError, match_columns, read_table
    from liangshan.standards.xlsx_guard import XlsxBudgetError, check_xlsx

    if path.suffix.lower() not in (".csv", ".xlsx", ".xlsm"):
        raise StoreError(f"{path}：只支持 .csv 或 .xlsx 文件")
    try:
        if path.suffix.lower() != ".csv" and path.is_file():
            check_xlsx(path, name=str(path))  # zip-bomb budgets before calamine opens it
        table = read_table(path, name=str(path))
        found = {c: f for f, c in match_columns(table.columns, "values", file=str(path)).items()}
    except (TableError, XlsxBudgetError) as exc:  # this import takes no column mapping: no hint to give
        raise StoreError(message_for(exc, "plain")) from None
    header = [found.get(h, h) for h in table.columns]
    body = [(i + 2, list(r)) for i, r in enumerate(table.frame.rows()) if any(c not in (None, "") for c in r)]
    return header, body, list(table.headers) or list(table.columns)


def value_columns(path: Path, header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for key, names in COLUMNS.items():
        for i, h in enumerate(header):
            if h.lower() in names:
                found[key] = i
    missing = [f"{k}（{COLUMNS[k][1]}）" for k in REQUIRED if k not in found]
    if missing:
        raise StoreError(f"{path}：缺少列 {'、'.join(missing)}；现有列：{'、'.join(header)}")
    return found


def export_rows(
    session: Session, catalog: Catalog, region: str | None = None, years: Sequence[int] | None = None
) -> list[dict[str, Any]]:
    """The newest version of every data element and indicator value, ordered by region, item, year (stable).

    Only what the import takes back is exported: data elements and directly entered indicator values
    (``indicator:N``). Published figures (``official:N``) and 情况说明 (``explain:N``) carry a publisher,
    a document or several texts that do not fit one row of this table; ``liangshan reconcile --json`` and the
    report list them.
    """
    q = (
        select(Submission)
        .where(or_(~Submission.item_code.contains(":"), Submission.item_code.like("indicator:%")))
        .order_by(Submission.region_code, Submission.item_code, Submission.year, Submission.version)
    )
    if region:
        q = q.where(Submission.region_code == region)
    if years:
        q = q.where(Submission.year.in_(list(years)))
    newest: dict[tuple[str, str, int], Submission] = {}
    for s in session.scalars(q):
        newest[(s.region_code, s.item_code, s.year)] = s
    names = {e.code: e.name for e in catalog.data_elements}
    names.update({f"indicator:{i.id}": i.name for i in catalog.indicators})
    return [
        {
            "region": s.region_code,
            "item": s.item_code,
            "item_name": names.get(s.item_code, ""),
            "year": s.year,
            "value": ("是" if s.value else "否") if s.value_bool is not None else s.value_num,
            "unit": s.value_unit,
            "status": s.status,
            "version": s.version,
            "note": s.note,
        }
        for s in newest.values()
    ]


def write_export(rows: Sequence[dict[str, Any]], path: Path, fmt: str) -> None:
    """Write the export as CSV (UTF-8 with BOM) or xlsx; text that a spreadsheet could run as a formula
    is neutralised (:mod:`liangshan.store.safe_cells`)."""
    if fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=EXPORT_HEADER)
            w.writeheader()
            w.writerows({k: csv_value(v) for k, v in r.items()} for r in rows)
        return
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "values"
    ws.append(EXPORT_HEADER)
    for r in rows:
        append_row(ws, [r[h] for h in EXPORT_HEADER])
    ws.freeze_panes = "A2"
    wb.save(path)
