"""Excel round-trip: a per-unit template generated from the catalog, and an import that previews
every cell's problem and writes nothing until the uploader confirms.

The office downloads and imports the templates of every unit of its region; a responsible unit
(责任单位) downloads its own template only and imports the rows of its own data elements (another
unit's template: refused with a message). The preview lists every problem of the workbook in one pass —
number format, range, a closed round's year, an approved (locked) value, an element the uploader may
not enter, unknown element, unit or year, checks against stored values — each with the worksheet, row,
column (Excel letter) and a Chinese message; nothing is written while any problem remains.

The template's first sheet has the columns :mod:`liangshan.store.values_io` reads (地区代码, 代码,
年份, 数值, 单位, 备注), pre-filled with the unit's data elements × the round's years and their current
values; headers and key columns are locked (sheet protection), 数值 and 备注 are open, with data
validation (whole/decimal range, 是/否 list). The import is
:func:`liangshan.services.imports.import_file`: the same rules as ``liangshan import``.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from liangshan.catalog.models import DataElement
from liangshan.services.catalogs import region_catalog
from liangshan.services.imports import ImportRejected, Planned, import_file
from liangshan.services.permissions import Actor, PermissionDenied, check_region
from liangshan.services.queries import (
    current_round,
    latest_map,
    plain_number,
    round_years,
)
from liangshan.standards.xlsx_guard import XlsxBudgetError, check_xlsx
from liangshan.store.errors import StoreError
from liangshan.store.models import Region, Unit
from liangshan.store.safe_cells import append_row
from liangshan.web.context import WebContext

HEADER = ["地区代码", "代码", "名称", "年份", "数值", "单位", "备注", "当前状态"]
COLUMN_LABELS = {
    "region": "地区代码",
    "item": "代码",
    "year": "年份",
    "value": "数值",
    "unit": "单位",
    "note": "备注",
}
PENDING_TTL = 3600  # seconds a previewed import waits for confirmation
EXCEL_ROLES = ("office", "unit")


def check_excel(actor: Actor, what: str) -> None:
    """The Excel round-trip is for the office (every unit of its region) and the responsible units
    (their own template); other roles only read."""
    if actor.role not in EXCEL_ROLES:
        raise PermissionDenied(f"只有领导小组办公室和责任单位可以{what}；您的角色是{actor.role_label}")


def check_own_unit(actor: Actor, unit_id: int, unit_name: str) -> None:
    """A responsible unit downloads its own template only."""
    if actor.is_unit and actor.unit_id != unit_id:
        raise PermissionDenied(
            f"无权下载“{unit_name}”的填报模板：只能下载本单位（{actor.unit_name}）的填报模板"
        )


def template(ctx: WebContext, actor: Actor, region: str, unit_id: int) -> tuple[str, bytes]:
    """(file name, xlsx bytes) of the template for one unit."""
    check_excel(actor, "下载填报模板")
    check_region(actor, region)
    with ctx.read() as s:
        unit = s.get(Unit, unit_id)
        if unit is None or unit.region_code != region:
            raise PermissionDenied(f"单位 {unit_id} 不属于地区 {region}")
        check_own_unit(actor, unit.id, unit.name)
        reg = s.get(Region, region)
        names = {unit.name, *(unit.aliases or [])}
        cat = region_catalog(ctx, region, s)  # the region's indicator set
        # the elements whose value this unit submits: its own and those it leads (a cooperating unit
        # of a shared element contributes parts on the entry page, not a value in the template)
        els = [e for e in cat.data_elements if e.lead in names]
        rnd = current_round(s, region)
        years = round_years(rnd)
        latest = latest_map(s, region, years, [e.code for e in els])
        unit_name, region_name = unit.name, reg.name if reg else region
        round_name = rnd.name if rnd else "（无评估批次）"
        deadline = rnd.deadline if rnd and rnd.deadline else "未设"
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "填报"
    ws.append(HEADER)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for c in ws[1]:
        c.font, c.fill = bold, fill
    open_cell = Protection(locked=False)
    row = 2
    validations: dict[str, DataValidation] = {}
    for e in els:
        for y in years:
            sub = latest.get((e.code, y))
            status = {
                "approved": "已审核（锁定）",
                "submitted": "待审",
                "returned": "已退回",
                "draft": "草稿",
                "reopened": "修订中（已重新打开）",
            }
            append_row(
                ws,
                [
                    region,
                    e.code,
                    e.name,
                    y,
                    _cell_value(e, sub.value if sub else None),
                    e.unit,
                    sub.note if sub else "",
                    status.get(sub.status, sub.status) if sub else "未填报",
                ],
            )
            ws.cell(row, 5).protection = open_cell
            ws.cell(row, 7).protection = open_cell
            _validation(ws, validations, e).add(f"E{row}")
            row += 1
    for col, width in zip("ABCDEFGH", (10, 26, 44, 8, 16, 8, 40, 14), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    info = wb.create_sheet("说明")
    lines = [
        f"{region_name}（{region}）· {unit_name} · {round_name}",
        f"填报截止日期：{deadline}",
        "",
        "填写说明：",
        "1. 只在“数值”和“备注”两列填写；其他列已锁定，请勿修改行的顺序以外的内容。",
        "2. 数值按“单位”列的单位填写，不要带单位或千分位以外的文字；是/否 类填“是”或“否”。",
        "3. “当前状态”为下载时的状态；已审核（锁定）的数据不能通过导入修改，须先由办公室重新打开。",
        "4. 与上一年变化超过 30% 的数值，请在“备注”中说明原因。",
        "5. 上传后系统先显示预览和逐格错误，确认后才写入；未修改的行不会产生新版本。",
        "",
        "数据元素：",
    ]
    lines += [f"{e.code}：{e.name}（{e.unit or '是/否'}）" for e in els]
    for text in lines:
        append_row(info, [text])
    info.column_dimensions["A"].width = 100
    info["A1"].font = Font(bold=True, size=13)
    for r in info.iter_rows():
        for c in r:
            c.alignment = Alignment(wrap_text=True)
    buf = io.BytesIO()
    wb.save(buf)
    return f"填报模板_{region}_{unit_name}.xlsx", buf.getvalue()


def _cell_value(e: DataElement, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    return int(value) if e.kind == "count" and float(value).is_integer() else value


def _validation(ws: Any, cache: dict[str, DataValidation], e: DataElement) -> DataValidation:
    key = "bool" if e.kind == "boolean" else f"{e.kind}:{e.min}:{e.max}"
    if key not in cache:
        if e.kind == "boolean":
            dv = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
            dv.error = "请填写“是”或“否”"
        else:
            hi = e.max if e.max is not None else 1e12
            dv = DataValidation(
                type="whole" if e.kind == "count" else "decimal",
                operator="between",
                formula1=str(int(e.min) if e.kind == "count" else e.min),
                formula2=str(int(hi) if e.kind == "count" else hi),
                allow_blank=True,
            )
            dv.error = f"应为{'整数' if e.kind == 'count' else '数值'}，范围 {e.min:g}–{hi:g}"
        dv.errorTitle = "数值不符合要求"
        dv.showErrorMessage = True
        ws.add_data_validation(dv)
        cache[key] = dv
    return cache[key]


def _pending_dir(ctx: WebContext) -> Path:
    d = ctx.files_dir / "imports"
    d.mkdir(parents=True, exist_ok=True)
    return d


def _sheet_name(path: Path) -> str:
    """The worksheet the import reads (the first)."""
    from liangshan.standards.tabular import TableError, sheet_names

    try:
        names = sheet_names(path)
    except TableError:
        return ""
    return names[0] if names else ""


def _cell_errors(e: ImportRejected, sheet: str) -> list[dict[str, Any]]:
    """Each problem as the page shows it: worksheet, row, column (its header and Excel letter), cell and
    message; a check across rows (numerator above denominator) is shown on the 数值 cell of each row."""
    out = []
    for p in e.problems:
        column = p.column or "value"
        index = e.columns.get(column)
        letter = get_column_letter(index + 1) if index is not None else None
        for line in p.lines:
            out.append(
                {
                    "sheet": sheet,
                    "row": line,
                    "column": COLUMN_LABELS.get(column, column),
                    "column_letter": letter,
                    "cell": f"{letter}{line}" if letter else None,
                    "message": p.message,
                }
            )
    return out


def _whole_file_error(message: str) -> dict[str, Any]:
    return {
        "sheet": None,
        "row": None,
        "column": None,
        "column_letter": None,
        "cell": None,
        "message": message,
    }


def _plan(ctx: WebContext, actor: Actor, path: Path) -> dict[str, Any]:
    """Validate a file through the import service (a dry run: every check, nothing kept): every
    problem of the workbook, or the rows to write (new, changed) and to skip (unchanged)."""
    try:
        result = import_file(ctx, actor, path, skip_unchanged=True, skip_blank_values=True, dry_run=True)
    except ImportRejected as e:
        errors = sorted(_cell_errors(e, _sheet_name(path)), key=lambda x: x["row"] or 0)
        return {"ok": False, "errors": errors, "rows": []}
    except StoreError as e:
        return {"ok": False, "errors": [_whole_file_error(str(e))], "rows": []}
    return {"ok": True, "errors": [], "rows": [_row_dict(p) for p in result.planned]}


def _row_dict(p: Planned) -> dict[str, Any]:
    r = p.row
    return {
        "row": r.line,
        "region": r.region,
        "item": r.item,
        "year": r.year,
        "value": r.value,
        "value_text": ("是" if r.value else "否") if isinstance(r.value, bool) else plain_number(r.value),
        "unit": r.unit,
        "note": r.note,
        "current": p.current,
        "current_version": p.version,
        "change": p.change,
    }


def preview(ctx: WebContext, actor: Actor, data: bytes, name: str = "上传的 Excel 文件") -> dict[str, Any]:
    """Validate an uploaded workbook; when clean, keep it under a one-time token for :func:`confirm`.

    The workbook is checked against the zip-bomb budgets (:func:`check_xlsx`, message naming ``name``)
    before anything opens it, and is never re-saved: rows a unit did not fill (empty 数值) are skipped by
    the import, and formula cells keep their cached values."""
    check_excel(actor, "导入 Excel")
    d = _pending_dir(ctx)
    with tempfile.NamedTemporaryFile(suffix=".xlsx", dir=d, delete=False) as fh:
        fh.write(data)
        tmp = Path(fh.name)
    try:
        try:
            check_xlsx(tmp, name=name)
        except XlsxBudgetError as e:
            raise StoreError(str(e)) from None
        plan = _plan(ctx, actor, tmp)
    except StoreError as e:
        tmp.unlink(missing_ok=True)
        return {
            "ok": False,
            "errors": [_whole_file_error(str(e))],
            "rows": [],
            "token": None,
            "to_write": 0,
        }
    except Exception:
        tmp.unlink(missing_ok=True)
        raise
    plan["token"] = None
    plan["to_write"] = sum(r["change"] != "unchanged" for r in plan["rows"])
    if plan["ok"]:
        token = secrets.token_urlsafe(18)
        tmp.rename(d / f"{token}.xlsx")
        seen = {f"{r['region']}|{r['item']}|{r['year']}": r["current_version"] for r in plan["rows"]}
        meta = {"user": actor.id, "sha256": hashlib.sha256(data).hexdigest(), "at": time.time(), "seen": seen}
        (d / f"{token}.json").write_text(json.dumps(meta))
        plan["token"] = token
    else:
        tmp.unlink(missing_ok=True)
    return plan


def confirm(ctx: WebContext, actor: Actor, token: str) -> dict[str, Any]:
    """Write a previewed import (re-validated now) as new submitted versions; all or nothing."""
    check_excel(actor, "导入 Excel")
    if not re.fullmatch(r"[A-Za-z0-9_-]{10,40}", token or ""):
        raise StoreError("导入编号无效，请重新上传文件")
    d = _pending_dir(ctx)
    xlsx, meta_path = d / f"{token}.xlsx", d / f"{token}.json"
    if not xlsx.exists() or not meta_path.exists():
        raise StoreError("导入预览已过期或已确认，请重新上传文件")
    meta = json.loads(meta_path.read_text())
    if meta.get("user") != actor.id:
        raise PermissionDenied("只能确认自己上传的导入")
    if time.time() - float(meta.get("at", 0)) > PENDING_TTL:
        raise StoreError("导入预览已超过 1 小时，请重新上传文件")
    seen: dict[tuple[str, str, int], int] = {}
    for key, version in meta.get("seen", {}).items():
        region, item, year = key.split("|")
        seen[(region, item, int(year))] = int(version)
    result = import_file(ctx, actor, xlsx, skip_unchanged=True, skip_blank_values=True, expected=seen)
    written = [sub.id for sub in result.written]
    xlsx.unlink(missing_ok=True)
    meta_path.unlink(missing_ok=True)
    return {"written": len(written), "submission_ids": written, "skipped": len(result.planned) - len(written)}
