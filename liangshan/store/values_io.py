"""Import and export of values as CSV or Excel: one row per region, item, year.

Import validates every row first (region, item, year inside the round, value type and range,
unit, duplicates, numerator ≤ denominator where the indicator cannot exceed its maximum) and
writes nothing when any row is bad; errors name the file, row (header = row 1) and column.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from liangshan.catalog.models import Catalog, DataElement, Indicator
from liangshan.store.errors import StoreError
from liangshan.store.models import Region, Submission
from liangshan.store.regions import open_round
from liangshan.store.submissions import submit_value, transition

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
TRUE, FALSE = {"是", "true", "1", "yes", "y", "有"}, {"否", "false", "0", "no", "n", "无"}


class ImportRejected(StoreError):
    """The file has bad rows; ``errors`` lists every one. Nothing was written."""

    def __init__(self, path: str, errors: list[str]):
        self.errors = errors
        head = "\n".join(errors[:50]) + (f"\n……另有 {len(errors) - 50} 处错误" if len(errors) > 50 else "")
        super().__init__(f"{path}：{len(errors)} 处错误，未写入任何数据。\n{head}")


@dataclass(frozen=True)
class Row:
    line: int
    region: str
    item: str
    year: int
    value: float | bool
    unit: str
    note: str


def _read_table(path: Path) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    """Header and non-empty rows (with their spreadsheet row numbers) of a CSV (UTF-8, UTF-8 with BOM or
    GB18030, detected strictly) or Excel file, through :func:`liangshan.standards.tabular.read_table`;
    recognised headers (``tabular_headers.yaml``, schema ``values``) become the field names."""
    from liangshan.standards.tabular import TableError, match_columns, read_table

    if path.suffix.lower() not in (".csv", ".xlsx", ".xlsm"):
        raise StoreError(f"{path}：只支持 .csv 或 .xlsx 文件")
    try:
        table = read_table(path, name=str(path))
        found = {c: f for f, c in match_columns(table.columns, "values", file=str(path)).items()}
    except TableError as exc:
        raise StoreError(str(exc)) from None
    header = [found.get(h, h) for h in table.columns]
    body = [(i + 2, list(r)) for i, r in enumerate(table.frame.rows()) if any(c not in (None, "") for c in r)]
    return header, body


def _columns(path: Path, header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for key, names in COLUMNS.items():
        for i, h in enumerate(header):
            if h.lower() in names:
                found[key] = i
    missing = [f"{k}（{COLUMNS[k][1]}）" for k in REQUIRED if k not in found]
    if missing:
        raise StoreError(f"{path}：缺少列 {'、'.join(missing)}；现有列：{'、'.join(header)}")
    return found


def _resolve_item(catalog: Catalog, raw: str) -> tuple[str, DataElement | None, Indicator | None]:
    text = raw.strip()
    key = text.removeprefix("indicator:")
    if key.isdigit():
        ind = catalog.indicator(key)
        return f"indicator:{ind.id}", None, ind
    for e in catalog.data_elements:
        if text in (e.code, e.name):
            return e.code, e, None
    raise KeyError(text)


def _parse_value(cell: Any, boolean: bool) -> float | bool:
    if boolean:
        t = str(cell).strip().lower()
        if t in TRUE:
            return True
        if t in FALSE:
            return False
        raise ValueError("应为 是/否")
    if isinstance(cell, bool):
        raise ValueError("应为数值")
    if isinstance(cell, int | float):
        return float(cell)
    t = str(cell).strip().replace(",", "").replace("，", "")
    try:
        return float(t)
    except ValueError:
        raise ValueError(f"应为数值，收到“{cell}”") from None


def read_rows(session: Session, catalog: Catalog, path: Path, round_id: int | None = None) -> list[Row]:
    """Parse and validate a whole file; raise :class:`ImportRejected` listing every bad cell."""
    header, body = _read_table(path)
    col = _columns(path, header)
    errors: list[str] = []
    rows: list[Row] = []
    seen: dict[tuple[str, str, int], int] = {}
    regions = set(session.scalars(select(Region.code)))
    spans: dict[str, tuple[int, int] | None] = {}

    def err(line: int, column: str, msg: str) -> None:
        errors.append(f"第 {line} 行，列“{column}”：{msg}")

    def cell(r: list[Any], key: str) -> Any:
        i = col.get(key)
        return r[i] if i is not None and i < len(r) and r[i] is not None else ""

    for line, r in body:
        region = str(cell(r, "region")).strip().removesuffix(".0")
        if region not in regions:
            err(line, "region", f"未知地区代码“{region}”")
            continue
        if region not in spans:
            try:
                rnd = open_round(session, region, round_id)
                spans[region] = (rnd.start_year, rnd.end_year)
            except StoreError:
                spans[region] = None
        try:
            item, elem, ind = _resolve_item(catalog, str(cell(r, "item")))
        except KeyError:
            err(line, "item", f"未知指标或数据元素“{cell(r, 'item')}”（应为数据元素代码或指标序号 1–20）")
            continue
        try:
            year = int(float(str(cell(r, "year")).strip()))
        except ValueError:
            err(line, "year", f"年份应为整数，收到“{cell(r, 'year')}”")
            continue
        span = spans[region]
        if span is None:
            err(line, "year", f"地区 {region} 没有进行中的评估批次")
            continue
        if not span[0] <= year <= span[1]:
            err(line, "year", f"{year} 不在评估批次年份 {span[0]}—{span[1]} 内")
            continue
        boolean = elem is not None and elem.kind == "boolean"
        try:
            value = _parse_value(cell(r, "value"), boolean)
        except ValueError as e:
            err(line, "value", str(e))
            continue
        if not boolean:
            problem = _range_problem(float(value), elem, ind)
            if problem:
                err(line, "value", problem)
                continue
        unit = str(cell(r, "unit")).strip()
        expected = elem.unit if elem else (ind.unit if ind else "")
        if unit and unit != expected:
            err(line, "unit", f"单位应为“{expected}”，收到“{unit}”")
            continue
        key = (region, item, year)
        if key in seen:
            err(line, "item", f"与第 {seen[key]} 行重复（{region} {item} {year}年）")
            continue
        seen[key] = line
        rows.append(Row(line, region, item, year, value, expected, str(cell(r, "note")).strip()))
    errors.extend(_cross_checks(catalog, rows))
    if errors:
        raise ImportRejected(str(path), errors)
    return rows


def _range_problem(v: float, elem: DataElement | None, ind: Indicator | None) -> str | None:
    if v < 0:
        return f"不能为负数（{v:g}）"
    if elem is not None:
        if elem.max is not None and v > elem.max:
            return f"{elem.name}不能超过 {elem.max:g}{elem.unit}（{v:g}）"
        if elem.kind == "count" and v != int(v):
            return f"{elem.name}应为整数（{v:g}）"
    if ind is not None and ind.max_value is not None and v > ind.max_value:
        return f"{ind.name}不能超过 {ind.max_value:g}{ind.unit}（{v:g}）"
    return None


def _cross_checks(catalog: Catalog, rows: Sequence[Row]) -> Iterator[str]:
    """Numerator ≤ denominator for ratio indicators that cannot exceed their maximum."""
    by_key = {(r.region, r.item, r.year): r for r in rows}
    for ind in catalog.indicators:
        f = ind.formula
        if f.kind != "ratio" or ind.max_value is None:
            continue
        for region, year in {(r.region, r.year) for r in rows if r.item in f.element_codes()}:
            got = [by_key.get((region, c, year)) for c in f.element_codes()]
            if any(g is None for g in got):
                continue
            num = sum(float(by_key[(region, c, year)].value) for c in f.numerator)
            den = sum(float(by_key[(region, c, year)].value) for c in f.denominator)
            if den > 0 and num / den * f.scale > ind.max_value:
                lines = "、".join(str(g.line) for g in got if g)
                yield (
                    f"第 {lines} 行：{year}年 {ind.name} = {num / den * f.scale:.1f}{ind.unit}，"
                    f"超过 {ind.max_value:g}{ind.unit}（分子不能大于分母）"
                )


def import_file(
    session: Session,
    catalog: Catalog,
    path: Path,
    user: str,
    round_id: int | None = None,
    approve: bool = False,
) -> list[Submission]:
    """Validate then write every row as a new version (in the caller's transaction)."""
    rows = read_rows(session, catalog, path, round_id)
    out = []
    for r in rows:
        try:
            sub = submit_value(
                session,
                region=r.region,
                item=r.item,
                year=r.year,
                value=r.value,
                user=user,
                unit=r.unit,
                note=r.note,
                round_id=round_id,
            )
            if approve:
                transition(session, sub.id, "approve", user)
        except StoreError as e:
            raise ImportRejected(str(path), [f"第 {r.line} 行：{e}"]) from e
        out.append(sub)
    return out


def export_rows(
    session: Session, catalog: Catalog, region: str | None = None, years: Sequence[int] | None = None
) -> list[dict[str, Any]]:
    """The newest version of every item, ordered by region, item, year (stable)."""
    q = select(Submission).order_by(
        Submission.region_code, Submission.item_code, Submission.year, Submission.version
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
    if fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=EXPORT_HEADER)
            w.writeheader()
            w.writerows(rows)
        return
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "values"
    ws.append(EXPORT_HEADER)
    for r in rows:
        ws.append([r[h] for h in EXPORT_HEADER])
    ws.freeze_panes = "A2"
    wb.save(path)
