"""Word documents of the work plan: dispatch-meeting minutes (调度会议纪要) and the verification route
sheet (现场核查路线单), in the official style of the 情况说明技术报告 (GB/T 9704-2012): A4 with margins
37/35/28/26 mm, title in 方正小标宋简体, headings in 黑体 / 楷体_GB2312, body in 仿宋_GB2312 (set for East
Asian runs, ``w:eastAsia``; LibreOffice substitutes Noto CJK where they are not installed), black text,
tables in 五号. Member timestamps of the .docx zip are fixed, so the same content gives the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

BODY_FONT = "仿宋_GB2312"
HEAD_FONT = "黑体"
HEAD2_FONT = "楷体_GB2312"
TITLE_FONT = "方正小标宋简体"
TABLE_SIZE = 10.5  # 五号
LATIN_FONT = "Times New Roman"
FIXED_TIME = (2000, 1, 1, 0, 0, 0)


def _fonts(element: Any, east_asia: str, latin: str = LATIN_FONT) -> None:
    rpr = element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr, name in (("w:ascii", latin), ("w:hAnsi", latin), ("w:eastAsia", east_asia), ("w:cs", latin)):
        rfonts.set(qn(attr), name)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):  # would override the names
        rfonts.attrib.pop(qn(theme), None)
    colour = rpr.find(qn("w:color"))
    if colour is not None:
        colour.attrib.pop(qn("w:themeColor"), None)
        colour.attrib.pop(qn("w:themeShade"), None)


def new_document() -> DocumentType:
    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    sec.left_margin, sec.right_margin = Cm(2.8), Cm(2.6)
    sec.top_margin, sec.bottom_margin = Cm(3.7), Cm(3.5)
    for name, font, size in (
        ("Normal", BODY_FONT, 14),
        ("Title", TITLE_FONT, 22),
        ("Heading 1", HEAD_FONT, 16),
        ("Heading 2", HEAD2_FONT, 15),
    ):
        st = doc.styles[name]
        st.font.name = LATIN_FONT
        st.font.size = Pt(size)
        st.font.color.rgb = RGBColor(0, 0, 0)
        st.font.bold = name == "Heading 2"
        st.font.italic = False
        _fonts(st.element, font)
        if name != "Normal":
            st.paragraph_format.keep_with_next = True
            st.paragraph_format.space_before = Pt(12)
            st.paragraph_format.space_after = Pt(6)
    title = doc.styles["Title"]
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    ppr = title.element.get_or_add_pPr()
    for bdr in ppr.findall(qn("w:pBdr")):  # the default template's blue rule under the title
        ppr.remove(bdr)
    return doc


def _table(
    doc: DocumentType, header: Sequence[str], rows: Sequence[Sequence[Any]], widths_cm: Sequence[float]
) -> None:
    t = doc.add_table(rows=1, cols=len(header))
    t.style = "Table Grid"
    for i, h in enumerate(header):
        cell = t.rows[0].cells[i]
        cell.text = ""
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = cell.paragraphs[0].add_run(str(h))
        run.bold = True
        run.font.size = Pt(TABLE_SIZE)
        _fonts(run._element, HEAD_FONT)
    trpr = t.rows[0]._tr.get_or_add_trPr()
    trpr.append(OxmlElement("w:tblHeader"))
    for r in rows:
        cells = t.add_row().cells
        for i, v in enumerate(r):
            cells[i].text = ""
            run = cells[i].paragraphs[0].add_run("" if v is None else str(v))
            run.font.size = Pt(TABLE_SIZE)
            _fonts(run._element, BODY_FONT)
    for row in t.rows:
        for i, w in enumerate(widths_cm):
            row.cells[i].width = Cm(w)


def _save(doc: DocumentType, out: str | Path) -> Path:
    """Save with fixed zip member times (reproducible bytes)."""
    buf = io.BytesIO()
    doc.save(buf)
    buf.seek(0)
    p = Path(out)
    p.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(buf) as zin, zipfile.ZipFile(p, "w", compression=zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            z = zipfile.ZipInfo(info.filename, FIXED_TIME)
            z.compress_type = zipfile.ZIP_DEFLATED
            z.external_attr = 0o644 << 16
            zout.writestr(z, zin.read(info.filename))
    return p


def _core(doc: DocumentType, title: str) -> None:
    from datetime import datetime

    cp = doc.core_properties
    cp.title = title
    cp.author = "领导小组办公室"
    cp.last_modified_by = "领导小组办公室"
    cp.created = cp.modified = datetime(2000, 1, 1)
    cp.revision = 1


def write_minutes(meeting: dict[str, Any], out: str | Path, *, region_name: str = "") -> Path:
    """Minutes of a dispatch meeting as .docx (from :func:`liangshan.workplan.tracking.meeting_dict`)."""
    doc = new_document()
    _core(doc, meeting["title"])
    h = doc.add_paragraph(style="Title")
    h.alignment = WD_ALIGN_PARAGRAPH.CENTER
    h.add_run(f"{region_name}“两山”基地建设领导小组办公室\n调度会议纪要" if region_name else "调度会议纪要")
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run(meeting["title"])
    doc.add_heading("一、会议基本情况", level=1)
    info = [
        ("时间", meeting["held_on"]),
        ("地点", meeting.get("place") or "—"),
        ("主持", meeting.get("chair") or "—"),
        ("参会", "、".join(meeting.get("attendees") or []) or "—"),
    ]
    for k, v in info:
        doc.add_paragraph(f"{k}：{v}")
    doc.add_heading("二、会议议题", level=1)
    for i, t in enumerate(meeting.get("topics") or [], start=1):
        doc.add_paragraph(f"{i}. {t}")
    if not meeting.get("topics"):
        doc.add_paragraph("（无）")
    doc.add_heading("三、议定事项", level=1)
    for d in meeting.get("decisions") or []:
        doc.add_paragraph(f"{d['seq']}. {d['text']}")
    if not meeting.get("decisions"):
        doc.add_paragraph("（无）")
    doc.add_heading("四、督办事项", level=1)
    acts = meeting.get("actions") or []
    if acts:
        rows = [
            (i, a["title"], a["unit"], a["due"] or "—", f"第{a['decision']}项" if a.get("decision") else "—")
            for i, a in enumerate(acts, start=1)
        ]
        _table(doc, ("序号", "事项", "责任单位", "完成时限", "对应议定事项"), rows, (1.2, 7.0, 3.6, 2.4, 2.2))
    else:
        doc.add_paragraph("（无）")
    if meeting.get("notes"):
        doc.add_heading("五、其他", level=1)
        doc.add_paragraph(meeting["notes"])
    return _save(doc, out)


def write_route_sheet(
    rows: Sequence[dict[str, Any]],
    totals: dict[str, Any],
    out: str | Path,
    *,
    title: str,
    map_png: bytes | None = None,
) -> Path:
    """A printable route sheet: the ordered stops with distances, times, owner units and talking points.

    ``rows``: dicts with seq, name, kind, owner, lon, lat, distance_km, drive_minutes, arrive, depart,
    talking_points, indicators. ``totals``: total_km, drive_minutes, total_minutes and parameters.
    """
    doc = new_document()
    _core(doc, title)
    h = doc.add_paragraph(style="Title")
    h.alignment = WD_ALIGN_PARAGRAPH.CENTER
    h.add_run(title)
    par = totals.get("parameters", {})
    doc.add_paragraph(
        f"共 {len(rows)} 个点位，全程约 {totals['total_km']:.1f} 公里，"
        f"行车约 {totals['drive_minutes']:.0f} 分钟，"
        f"含停留共约 {totals['total_minutes'] / 60:.1f} 小时。距离按坐标大圆距离 × 道路系数 "
        f"{par.get('road_factor', 1.0)} 估算，车速 {par.get('speed_kmh', 40)} 公里/小时"
        "（估算值，非导航路线）。"
    )
    if map_png:
        doc.add_picture(io.BytesIO(map_png), width=Cm(15.5))
        cap = doc.add_paragraph("图 核查点位与路线示意（底图为用户提供的边界数据）")
        cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_heading("路线与时间安排", level=1)
    table_rows = [
        (
            r["seq"],
            r["name"],
            r["kind"],
            r.get("owner") or "—",
            f"{r['distance_km']:.1f}",
            r["arrive"],
            r["depart"],
        )
        for r in rows
    ]
    _table(
        doc,
        ("序", "点位", "类型", "责任单位", "上一段(km)", "到达", "离开"),
        table_rows,
        (0.9, 5.2, 1.8, 3.2, 1.8, 1.5, 1.5),
    )
    doc.add_heading("各点位汇报要点", level=1)
    for r in rows:
        doc.add_heading(f"{r['seq']}. {r['name']}", level=2)
        doc.add_paragraph(
            f"位置：东经 {r['lon']:.5f}°，北纬 {r['lat']:.5f}°；责任单位：{r.get('owner') or '—'}"
        )
        if r.get("indicators"):
            doc.add_paragraph("相关指标：" + "、".join(f"指标{i}" for i in r["indicators"]))
        doc.add_paragraph(r.get("talking_points") or "（未填写汇报要点）")
    return _save(doc, out)
