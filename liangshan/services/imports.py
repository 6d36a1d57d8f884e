"""Importing values from CSV or Excel (``liangshan import`` and the web's Excel import): one write path.

Every row is checked before anything is written — region (known, in the actor's scope), item (a data
element code or name, or indicator 1–20), year (the round is open and holds the year:
:func:`liangshan.services.queries.round_denial`, the same message as the web form), value (the one
number parser :func:`liangshan.services.checks.parse_value`, then its range), unit, duplicates, the
actor's permission for the item, the approved lock — and then the new versions are written in one
transaction and checked together (:func:`liangshan.services.checks.check_value` errors, e.g. a ratio's
numerator above its denominator against values already stored). Any problem: nothing is written and
:class:`ImportRejected` lists every one with the file, row (header = row 1) and column.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liangshan.catalog.models import Catalog, DataElement, Indicator
from liangshan.services.catalogs import catalog_for_region
from liangshan.services.checks import EntryError, check_note, check_value, parse_value, range_problem
from liangshan.services.permissions import Actor, check_review, edit_denial
from liangshan.services.queries import current_round, fmt_value, latest_map, round_denial
from liangshan.services.values import lock_latest
from liangshan.services.workspace import Workspace
from liangshan.store.errors import StoreError
from liangshan.store.models import AssessmentRound, Region, Submission
from liangshan.store.submissions import submit_value, transition
from liangshan.store.values_io import COLUMNS, read_value_table, value_columns

MAX_ERRORS_SHOWN = 50


@dataclass(frozen=True)
class Problem:
    """One problem of a file: its rows (header = row 1; several for a check across rows), the column
    (a field of :data:`liangshan.store.values_io.COLUMNS`, None for the whole row) and the message."""

    lines: tuple[int, ...]
    column: str | None
    message: str

    def text(self, headers: Mapping[str, str] | None = None) -> str:
        """The problem as one line; ``headers`` (field → the file's own header) names the column as the
        user wrote it (地区代码, not region)."""
        where = "、".join(str(n) for n in self.lines)
        if self.column is None:
            return f"第 {where} 行：{self.message}"
        return f"第 {where} 行，列“{(headers or {}).get(self.column, self.column)}”：{self.message}"


class ImportRejected(StoreError):
    """The file has bad rows; ``errors`` lists every one (text), ``problems`` the same as
    :class:`Problem` records, ``columns`` where each field is (0-based position in the header) and
    ``headers`` the file's own header of each field. Nothing was written."""

    def __init__(
        self,
        path: str,
        errors: list[str],
        problems: Sequence[Problem] = (),
        columns: Mapping[str, int] | None = None,
        headers: Mapping[str, str] | None = None,
    ):
        self.errors = errors
        self.problems = list(problems)
        self.columns = dict(columns or {})
        self.headers = dict(headers or {})
        shown = errors[:MAX_ERRORS_SHOWN]
        more = len(errors) - len(shown)
        head = "\n".join(shown) + (f"\n……另有 {more} 处错误" if more else "")
        super().__init__(f"{path}：{len(errors)} 处错误，未写入任何数据。\n{head}")

    @classmethod
    def of(
        cls,
        path: str,
        problems: Sequence[Problem],
        columns: Mapping[str, int] | None = None,
        shown: Sequence[str] = (),
    ) -> ImportRejected:
        """The rejection of a file; ``shown`` (the file's header cells) names each column as written."""
        cols = dict(columns or {})
        headers = {f: shown[i] for f, i in cols.items() if i < len(shown)}
        ordered = sorted(problems, key=_order)
        return cls(path, [p.text(headers) for p in ordered], ordered, cols, headers)


def _order(p: Problem) -> tuple[int, int]:
    keys = list(COLUMNS)
    return (p.lines[0] if p.lines else 0, keys.index(p.column) if p.column in keys else len(keys))


@dataclass(frozen=True)
class Row:
    line: int
    region: str
    item: str
    year: int
    value: float | bool
    unit: str
    note: str


@dataclass
class Planned:
    """A valid row and what importing it does: ``new``, ``changed`` or ``unchanged`` (skipped)."""

    row: Row
    change: str
    version: int = 0  # the newest version now (0: none)
    current: str = ""  # its value as shown to people


@dataclass
class ImportResult:
    planned: list[Planned]
    written: list[Submission] = field(default_factory=list)


def resolve_item(catalog: Catalog, raw: str) -> tuple[str, DataElement | None, Indicator | None]:
    """An item as people write it in a file: a data element's code or name, ``N`` or ``indicator:N``."""
    text = raw.strip()
    key = text.removeprefix("indicator:")
    if key.isdigit():
        ind = catalog.indicator(key)
        return f"indicator:{ind.id}", None, ind
    for e in catalog.data_elements:
        if text in (e.code, e.name):
            return e.code, e, None
    raise KeyError(text)


def _round_for(session: Session, region: str, round_id: int | None) -> AssessmentRound | None:
    if round_id is None:
        return current_round(session, region)
    rnd = session.get(AssessmentRound, round_id)
    if rnd is None or rnd.region_code != region:
        raise StoreError(f"地区 {region} 没有编号为 {round_id} 的评估批次")
    return rnd


def read_rows(session: Session, catalog: Catalog, path: Path, round_id: int | None = None) -> list[Row]:
    """Parse and validate a whole file; raise :class:`ImportRejected` listing every bad cell."""
    rows, problems, columns, shown = _validate(session, catalog, path, round_id, skip_blank=False)
    if problems:
        raise ImportRejected.of(path.name, problems, columns, shown)
    return rows


def _region_catalogs(session: Session, catalog: Catalog) -> Callable[[str], Catalog]:
    """Region code → the catalog of the region's indicator set (``catalog`` when it is that set), read
    once per region: a row of a region assessed by a variant may name the variant's own items."""
    cats: dict[str, Catalog] = {}

    def of(region: str) -> Catalog:
        if region not in cats:
            cats[region] = catalog_for_region(session, region, catalog)
        return cats[region]

    return of


def _validate(
    session: Session,
    catalog: Catalog,
    path: Path,
    round_id: int | None,
    *,
    skip_blank: bool,
    actor: Actor | None = None,
) -> tuple[list[Row], list[Problem], dict[str, int], list[str]]:
    """The valid rows of a file, the problems of the others, where each field is in the header and the
    file's own header cells (file-level problems raise). Every cell of a row is checked, so a row with
    several bad cells lists each of them; with ``actor`` a row of a region outside its scope or of an
    item it may not enter is reported too (:func:`liangshan.services.permissions.edit_denial`). With
    ``skip_blank`` a row whose value cell is empty (a template row the unit did not fill) is skipped.
    Each row's item is checked against the indicator set of the row's region."""
    header, body, shown = read_value_table(path)
    col = value_columns(path, header)
    problems: list[Problem] = []
    rows: list[Row] = []
    seen: dict[tuple[str, str, int], int] = {}
    regions = set(session.scalars(select(Region.code)))
    rounds: dict[str, AssessmentRound | None] = {}
    round_errors: dict[str, str] = {}
    catalog_of = _region_catalogs(session, catalog)

    def cell(r: list[Any], key: str) -> Any:
        i = col.get(key)
        return r[i] if i is not None and i < len(r) and r[i] is not None else ""

    for line, r in body:
        if skip_blank and not str(cell(r, "value")).strip():
            continue
        found: list[Problem] = []

        def err(column: str, msg: str, found: list[Problem] = found, line: int = line) -> None:
            found.append(Problem((line,), column, msg))

        region: str | None = str(cell(r, "region")).strip().removesuffix(".0")
        rnd: AssessmentRound | None = None
        if region not in regions:
            err("region", f"未知地区代码“{region}”")
            region = None
        else:
            if region not in rounds and region not in round_errors:
                try:
                    rounds[region] = _round_for(session, region, round_id)
                except StoreError as e:
                    round_errors[region] = str(e)
            if region in round_errors:
                err("region", round_errors[region])
                region = None
            else:
                rnd = rounds[region]
        cat = catalog_of(region) if region is not None else catalog  # the region's indicator set
        item: str | None
        elem: DataElement | None = None
        ind: Indicator | None = None
        try:
            item, elem, ind = resolve_item(cat, str(cell(r, "item")))
        except KeyError:
            err(
                "item",
                f"未知指标或数据元素“{cell(r, 'item')}”"
                f"（应为数据元素代码或指标序号 1–{len(cat.indicators)}）",
            )
            item = None
        if actor is not None and region is not None and item is not None:
            denial = _denial(actor, cat, region, item)
            if denial:
                err(*denial)
        year: int | None
        try:
            year = int(str(cell(r, "year")).strip().removesuffix(".0"))
        except ValueError:
            err("year", f"年份应为整数，收到“{cell(r, 'year')}”")
            year = None
        if year is not None and region is not None:
            closed = None
            if rnd is not None and rnd.state == "open" and not rnd.start_year <= year <= rnd.end_year:
                closed = f"{year} 不在评估批次年份 {rnd.start_year}—{rnd.end_year} 内"
            closed = closed or round_denial(rnd, region, year)  # no round or a closed one: the form's words
            if closed:
                err("year", closed)
        value: float | bool | None = None
        expected = ""
        if item is not None:
            try:
                value = parse_value(cell(r, "value"), elem, ind)
            except EntryError as e:
                err("value", str(e))
            if value is not None and not isinstance(value, bool):
                problem = range_problem(value, elem, ind)
                if problem:
                    err("value", problem)
            unit = str(cell(r, "unit")).strip()
            expected = elem.unit if elem else (ind.unit if ind else "")
            if unit and unit != expected:
                err("unit", f"单位应为“{expected}”，收到“{unit}”")
        note = ""
        try:
            note = check_note(str(cell(r, "note")))
        except EntryError as e:
            err("note", str(e))
        if region is not None and item is not None and year is not None:
            key = (region, item, year)
            if key in seen:
                err("item", f"与第 {seen[key]} 行重复（{region} {item} {year}年）")
            else:
                seen[key] = line
        if found:
            problems.extend(found)
            continue
        assert region is not None and item is not None and year is not None and value is not None
        rows.append(Row(line, region, item, year, value, expected, note))
    for region in sorted({r.region for r in rows}):
        problems.extend(_cross_checks(catalog_of(region), [r for r in rows if r.region == region]))
    return rows, problems, col, shown


def _denial(actor: Actor, catalog: Catalog, region: str, item: str) -> tuple[str, str] | None:
    """(column, message) when ``actor`` may not import ``item`` of ``region``: outside its regions, or
    an item it may not enter (:func:`liangshan.services.permissions.edit_denial`)."""
    if region not in actor.regions:
        return "region", f"无权导入地区 {region} 的数据"
    denial = edit_denial(actor, catalog, region, item)
    return ("item", denial) if denial else None


def _cross_checks(catalog: Catalog, rows: Sequence[Row]) -> Iterator[Problem]:
    """Numerator ≤ denominator for ratio indicators that cannot exceed their maximum (rows of the file)."""
    by_key = {(r.region, r.item, r.year): r for r in rows}
    for ind in catalog.indicators:
        f = ind.formula
        if f.kind != "ratio" or ind.max_value is None:
            continue
        for region, year in sorted({(r.region, r.year) for r in rows if r.item in f.element_codes()}):
            got = [by_key.get((region, c, year)) for c in f.element_codes()]
            if any(g is None for g in got):
                continue
            num = sum(float(by_key[(region, c, year)].value) for c in f.numerator)
            den = sum(float(by_key[(region, c, year)].value) for c in f.denominator)
            if den > 0 and num / den * f.scale > ind.max_value:
                yield Problem(
                    tuple(g.line for g in got if g),
                    None,
                    f"{year}年 {ind.name} = {num / den * f.scale:.1f}{ind.unit}，"
                    f"超过 {ind.max_value:g}{ind.unit}（分子不能大于分母）",
                )


def plan_rows(
    session: Session, catalog: Catalog, actor: Actor, rows: Sequence[Row], skip_unchanged: bool
) -> tuple[list[Planned], list[Problem]]:
    """What importing ``rows`` as ``actor`` does, and why rows cannot be imported (scope, permission,
    approved lock). An approved value is locked; with ``skip_unchanged`` a row that repeats it (or
    repeats any newest version) is skipped instead of refused."""
    problems: list[Problem] = []
    planned: list[Planned] = []
    catalog_of = _region_catalogs(session, catalog)
    newest: dict[str, dict[tuple[str, int], Submission]] = {}
    for region in sorted({r.region for r in rows}):
        mine = [r for r in rows if r.region == region]
        newest[region] = latest_map(session, region, sorted({r.year for r in mine}), {r.item for r in mine})
    for r in rows:
        denial = _denial(actor, catalog_of(r.region), r.region, r.item)
        if denial:
            problems.append(Problem((r.line,), *denial))
            continue
        cur = newest[r.region].get((r.item, r.year))
        if cur is not None and cur.status == "approved":
            if skip_unchanged and cur.value == r.value:
                planned.append(_planned(r, cur, "unchanged"))
                continue
            problems.append(
                Problem(
                    (r.line,),
                    "value",
                    f"{r.year}年第 {cur.version} 版已审核通过并锁定，须先由领导小组办公室说明理由重新打开",
                )
            )
            continue
        same = cur is not None and cur.value == r.value and cur.note == r.note and cur.status != "returned"
        if skip_unchanged and same:
            planned.append(_planned(r, cur, "unchanged"))
        else:
            planned.append(_planned(r, cur, "new" if cur is None else "changed"))
    return planned, problems


def _planned(row: Row, cur: Submission | None, change: str) -> Planned:
    return Planned(row, change, cur.version if cur is not None else 0, fmt_value(cur) if cur else "")


class _DryRun(Exception):
    def __init__(self, result: ImportResult):
        super().__init__("dry run")
        self.result = result


def import_file(
    ws: Workspace,
    actor: Actor,
    path: Path,
    *,
    round_id: int | None = None,
    approve: bool = False,
    skip_unchanged: bool = False,
    expected: Mapping[tuple[str, str, int], int] | None = None,
    dry_run: bool = False,
    skip_blank_values: bool = False,
) -> ImportResult:
    """Validate then write every row of ``path`` as a new submitted version, in one transaction.

    ``approve`` approves each new version at once (an office right). ``expected`` maps region-item-year
    to the version seen in a preview: a newer one is refused. With ``dry_run`` everything is checked
    (including the checks that need the new versions in place) and rolled back. With
    ``skip_blank_values`` rows with an empty value cell (template rows nobody filled) are skipped. Raises
    :class:`ImportRejected` (every bad row), :class:`PermissionDenied` or :class:`StoreError`.
    """
    if approve:
        check_review(actor)
    name = path.name
    try:
        with ws.write() as s:
            rows, problems, columns, shown = _validate(
                s, ws.catalog, path, round_id, skip_blank=skip_blank_values, actor=actor
            )
            planned, denied = plan_rows(s, ws.catalog, actor, rows, skip_unchanged)
            problems += denied
            result = ImportResult(planned)
            if not problems:
                for p in planned:
                    r = p.row
                    seen = (expected or {}).get((r.region, r.item, r.year))
                    if expected is not None and seen != p.version:
                        raise StoreError(
                            f"第 {r.line} 行：预览后数据已被他人更新（现为第 {p.version} 版），请重新上传文件"
                        )
            # the valid rows are written (and rolled back when any problem is found) so that the checks
            # against stored values run in the same pass: every problem of the file is listed at once
            rounds: dict[str, AssessmentRound | None] = {}
            for p in planned:
                if p.change == "unchanged":
                    continue
                r = p.row
                if r.region not in rounds:
                    rounds[r.region] = _round_for(s, r.region, round_id)
                rnd = rounds[r.region]
                lock_latest(s, r.region, r.item, r.year)  # row lock on PostgreSQL, as every save
                sub = submit_value(
                    s,
                    region=r.region,
                    item=r.item,
                    year=r.year,
                    value=r.value,
                    user=actor.username,
                    unit=r.unit,
                    note=r.note,
                    round_id=rnd.id if rnd else None,
                    expected_version=p.version,
                )
                result.written.append(sub)
            catalog_of = _region_catalogs(s, ws.catalog)
            for p in planned:
                if p.change == "unchanged":
                    continue
                r = p.row
                cat = catalog_of(r.region)
                el, ind = _element_of(cat, r.item)
                checks = check_value(s, cat, r.region, r.item, r.year, r.value, el, ind)
                problems += [Problem((r.line,), "value", c.message) for c in checks if c.level == "error"]
            if problems:  # every problem of the file at once, in row order; the transaction rolls back
                raise ImportRejected.of(name, problems, columns, shown)
            if approve:
                for sub in result.written:
                    transition(s, sub.id, "approve", actor.username)
            if dry_run:
                raise _DryRun(result)
            return result
    except _DryRun as done:
        return done.result


def _element_of(catalog: Catalog, item: str) -> tuple[DataElement | None, Indicator | None]:
    if item.startswith("indicator:"):
        return None, catalog.indicator(item.split(":", 1)[1])
    return catalog.element(item), None
