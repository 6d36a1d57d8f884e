"""The report's 附表 as an Excel workbook (openpyxl): the 附件2 table with values and verdicts, problems
and measures, data completeness by unit, and the provenance of every computed value.

A missing value is written as the text “数据缺失（单位）”, never as 0 or an empty cell; numbers are
written as numbers (rounded as reported) so the office can sort and filter. Deterministic: workbook
properties carry the report date and zip members a fixed timestamp.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from liangshan.report.content import ReportContent
from liangshan.report.docx_writer import SHADE, calculator_name, normalise_zip, plain
from liangshan.report.fonts import FontSet
from liangshan.store.safe_cells import append_row

THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="D9E2F3")


def _sheet(
    ws: Worksheet, title: str, header: list[str], rows: list[list[object]], widths: list[float], font: str
) -> None:
    ws.append([title])
    ws.cell(1, 1).font = Font(name=font, bold=True, size=13)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.append(header)
    for j in range(1, len(header) + 1):
        c = ws.cell(2, j)
        c.font = Font(name=font, bold=True)
        c.fill = HEADER_FILL
        c.border = BORDER
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for r in rows:
        append_row(ws, r)
    for row in ws.iter_rows(min_row=3, max_row=ws.max_row, max_col=len(header)):
        for c in row:
            c.border = BORDER
            c.font = Font(name=font)
            c.alignment = Alignment(vertical="center", wrap_text=True)
            if isinstance(c.value, str) and c.value in SHADE:
                c.fill = PatternFill("solid", fgColor=SHADE[c.value])
                c.font = Font(name=font, bold=True)
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = w
    ws.freeze_panes = "A3"


def write_xlsx(content: ReportContent, out: str | Path, *, fonts: FontSet | None = None) -> Path:
    """Write the 附表 workbook to ``out`` (sheets 附表1 评估结果, 问题与措施, 附表2 数据完整性, 计算溯源)."""
    c = content
    font = (fonts or FontSet.detect()).table
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "附表1 评估结果"
    years = list(c.years)
    rows: list[list[object]] = []
    for s in c.indicators:
        vals: list[object] = []
        for r in s.rows:
            vals.append(r.value if r.status == "ok" and not isinstance(r.value, bool) else r.text)
        rows.append(
            [
                s.goal,
                s.category,
                s.id,
                s.name,
                s.unit,
                s.target_text,
                *vals,
                s.verdict,
                s.reason,
                "、".join(s.responsible_units),
            ]
        )
    _sheet(
        ws,
        f"{c.region.name}“两山指数”评估指标任务分解表（附件2）及评估结果（{c.period}）",
        [
            "目标",
            "任务",
            "序号",
            "指标",
            "单位",
            "目标参考值",
            *[f"{y}年" for y in years],
            "结论",
            "说明",
            "责任单位",
        ],
        rows,
        [14, 10, 6, 34, 9, 18, *[12] * len(years), 10, 50, 30],
        font,
    )
    for row in ws.iter_rows(min_row=3, max_row=ws.max_row, min_col=7, max_col=6 + len(years)):
        for cell, s in ((cell, c.indicators[cell.row - 3]) for cell in row):
            if isinstance(cell.value, float):
                cell.number_format = "#,##0" + ("." + "0" * s.precision if s.precision else "")
    ws.append([])
    ws.append(
        [
            f"指标体系：{c.catalog_title}（{c.catalog_source}）；数据截至 {c.report_date.isoformat()}"
            + ("；示例数据" if c.demo else "")
        ]
    )

    ws2 = wb.create_sheet("问题与措施")
    rows = []
    for p in c.problems:
        for k, m in enumerate(p.measures, start=1):
            rows.append(
                [
                    p.indicator_id,
                    p.indicator_name,
                    p.verdict,
                    p.gap.headline if k == 1 else "",
                    k,
                    m.text,
                    m.lead,
                    "、".join(m.cooperating),
                    m.deadline.isoformat(),
                    m.task,
                ]
            )
    _sheet(
        ws2,
        "问题指标、差距与完善措施",
        ["序号", "指标", "结论", "差距", "措施序号", "完善措施", "牵头单位", "配合单位", "完成时限", "依据"],
        rows,
        [6, 30, 10, 60, 8, 60, 18, 30, 12, 10],
        font,
    )

    ws3 = wb.create_sheet("附表2 数据完整性")
    rows = [
        [u.unit, u.expected, u.approved, u.pending, u.missing, round(u.rate, 1), "；".join(u.missing_items)]
        for u in c.completeness
    ]
    _sheet(
        ws3,
        "各责任单位数据报送完整性",
        ["责任单位", "应报（项·年）", "已审核", "待审核", "缺失", "完整率（%）", "缺失数据项"],
        rows,
        [24, 12, 10, 10, 8, 12, 60],
        font,
    )

    ws4 = wb.create_sheet("计算溯源")
    rows = []
    for s in c.indicators:
        for pr in s.provenance:
            for x in pr.inputs or ():
                rows.append(
                    [
                        s.id,
                        s.name,
                        pr.year,
                        "、".join(pr.elements),
                        calculator_name(pr.calculator),
                        plain(pr.standard),
                        x.name,
                        x.sha256,
                    ]
                )
        for e in s.evidence:
            rows.append([s.id, s.name, e.year, e.element, "佐证材料", "", e.filename, e.sha256])
    _sheet(
        ws4,
        "计算溯源与佐证材料（SHA-256）",
        ["序号", "指标", "年份", "数据项", "计算方法", "标准版本", "文件", "SHA-256"],
        rows,
        [6, 30, 8, 30, 40, 36, 40, 70],
        font,
    )

    stamp = datetime(c.report_date.year, c.report_date.month, c.report_date.day)
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.creator = c.compiler
    wb.properties.lastModifiedBy = c.compiler
    wb.properties.title = f"{c.title}附表"
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    normalise_zip(path)
    return path
