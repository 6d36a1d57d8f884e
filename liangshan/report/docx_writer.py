"""The 情况说明技术报告 as a Word document (python-docx), laid out like a county government submission.

Layout after GB/T 9704-2012 (党政机关公文格式) adapted to a technical report: A4, margins 37/35/28/26 mm,
title in 小标宋, 一级标题 黑体, 二级标题 楷体, 正文 仿宋 四号 (14 pt, a technical report is denser than a
公文's 三号) with a two-character first-line indent, tables in 五号, page numbers “— n —” centred at the
foot. Each font is set on the styles and on every run for Latin and East Asian text (``w:eastAsia``)
with ``zh-CN`` as the East Asian language, so Word and LibreOffice choose the Chinese face. The
contents page holds a TOC field whose cached result is a static list of the headings: it reads
correctly before any update, and Word refreshes the page numbers on opening (``w:updateFields``).

Output is deterministic: document properties carry the report date, the zip members carry a fixed
timestamp, charts are deterministic PNGs — the same content gives the same bytes.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from liangshan.assess.rules import title_phrase
from liangshan.report.charts import VERDICT_COLOURS, all_charts
from liangshan.report.content import IndicatorSection, ReportContent
from liangshan.report.fonts import FontSet
from liangshan.report.gaps import fmt_rate, fmt_value

CN_NUM = "一二三四五六七八九十"
SHADE = {"达标": "E8F5E9", "基本达标": "FFF8E1", "未达标": "FFEBEE", "数据缺失": "F3E5F5", "不适用": "F5F5F5"}
HEADER_SHADE = "D9E2F3"
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
Progress = Callable[[str], None]


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十 (up to 99)."""
    if n <= 10:
        return CN_NUM[n - 1]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else CN_NUM[tens - 1]
    return f"{head}十{CN_NUM[ones - 1] if ones else ''}"


_CALCULATOR_NAMES = (
    ("air", "环境空气质量逐日评价与年度统计"),
    ("water", "水质类别评价与达标统计"),
    ("land_cover", "林草覆盖面积统计"),
    ("redline", "生态保护红线面积统计"),
    ("soil", "耕地与地块安全利用统计"),
    ("biodiversity", "物种名录统计"),
    ("survey", "满意度抽样调查加权统计"),
    ("gep", "生态系统生产总值核算"),
)


def calculator_name(module: str) -> str:
    """The Chinese name of the calculation behind a value (never its code path)."""
    names = []
    for part in module.split(";"):
        words = part.strip().split(".")
        name = next((n for key, n in _CALCULATOR_NAMES if key in words), "按标准方法计算")
        if name not in names:
            names.append(name)
    return "；".join(names)


_NOISE = (
    re.compile(r"（[^（）]*(?:UNVERIFIED|docs/|SPEC)[^（）]*）"),
    re.compile(r"\([^()]*(?:UNVERIFIED|docs/|SPEC)[^()]*\)"),
    re.compile(r"[，,；;]?\s*(?:不减少判定\s*)?SPEC\s*§\s*[\w.]+"),
    re.compile(r"[，,；;]?\s*UNVERIFIED[^；;）)]*"),
)


def plain(text: str) -> str:
    """Text for the reader: drop internal review marks (口径待核实 notes, specification references)."""
    out = str(text)
    for rx in _NOISE:
        out = rx.sub("", out)
    return out.strip().strip("；;，,").strip() if out != str(text) else out


def short_hash(sha: str) -> str:
    """The first 16 hex digits of a SHA-256 (enough to identify a file in the bundle's SHA256SUMS)."""
    return sha[:16] if sha else "—"


def _hex(colour: str) -> RGBColor:
    return RGBColor.from_string(colour.lstrip("#"))


# ---- low-level helpers ----------------------------------------------------------------------------
def _rfonts(rpr: Any, east_asia: str, latin: str) -> None:
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr, name in (("w:ascii", latin), ("w:hAnsi", latin), ("w:eastAsia", east_asia), ("w:cs", latin)):
        rfonts.set(qn(attr), name)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        if rfonts.get(qn(attr)) is not None:
            del rfonts.attrib[qn(attr)]


def _style_font(
    style, east_asia: str, latin: str, size: float, bold: bool = False, colour: str = "000000"
) -> None:
    style.font.name = latin
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = _hex(colour)
    _rfonts(style.element.get_or_add_rPr(), east_asia, latin)


def _run_font(run: Run, east_asia: str, latin: str) -> None:
    _rfonts(run._element.get_or_add_rPr(), east_asia, latin)


def _shade(cell: _Cell, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def _repeat_header(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def _field(paragraph: Paragraph, instr: str, placeholder: str = "") -> None:
    """A complex field (PAGE, TOC …) in ``paragraph``."""
    for kind, text in (
        ("begin", None),
        ("instr", instr),
        ("separate", None),
        ("text", placeholder),
        ("end", None),
    ):
        run = paragraph.add_run()
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {text} "
            run._r.append(el)
        elif kind == "text":
            if text:
                run.text = text
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            run._r.append(el)


class ReportWriter:
    def __init__(
        self,
        content: ReportContent,
        fonts: FontSet,
        charts: dict[str, bytes],
        toc_pages: Sequence[int | None] = (),
    ) -> None:
        self.toc_pages = list(toc_pages)
        self.c = content
        self.f = fonts
        self.charts = charts
        self.doc: DocumentType = Document()
        self.table_no = 0
        self.figure_no = 0
        self._setup()

    # -- document set-up --------------------------------------------------------------------------
    def _setup(self) -> None:
        doc, f = self.doc, self.f
        styles = doc.styles
        # East Asian language zh-CN everywhere (LibreOffice picks the SC face of a CJK collection by it)
        rpr_default = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
        lang = rpr_default.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            rpr_default.append(lang)
        lang.set(qn("w:val"), "en-US")  # Latin text: English word breaking (no “GB/T 817|0”)
        lang.set(qn("w:eastAsia"), "zh-CN")
        _rfonts(rpr_default, f.body, f.latin)
        normal = styles["Normal"]
        _style_font(normal, f.body, f.latin, 14)
        pf = normal.paragraph_format
        pf.line_spacing = 1.5
        pf.space_before = Pt(0)
        pf.space_after = Pt(0)
        pf.first_line_indent = Pt(28)
        pf.widow_control = True
        for name, face, size, bold in (
            ("Heading 1", f.heading1, 16, False),
            ("Heading 2", f.heading2, 15, True),
            ("Heading 3", f.body, 14, True),
            ("Title", f.title, 22, False),
            ("Subtitle", f.heading2, 16, False),
            ("Caption", f.heading1, 10.5, False),
        ):
            st = styles[name]
            _style_font(st, face, f.latin, size, bold)
            st.paragraph_format.first_line_indent = Pt(0)
            st.paragraph_format.keep_with_next = name != "Title"
            st.paragraph_format.space_before = Pt(12 if name.startswith("Heading") else 0)
            st.paragraph_format.space_after = Pt(6 if name.startswith("Heading") else 0)
            st.paragraph_format.line_spacing = 1.25
        styles["Caption"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        styles["Title"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        # Title style carries a bottom border in the default template: drop it
        ppr = styles["Title"].element.get_or_add_pPr()
        for bdr in ppr.findall(qn("w:pBdr")):
            ppr.remove(bdr)
        for name in ("Footer", "Header"):
            _style_font(styles[name], f.body, f.latin, 14)
        sec = doc.sections[0]
        sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
        sec.top_margin, sec.bottom_margin = Cm(3.7), Cm(3.5)
        sec.left_margin, sec.right_margin = Cm(2.8), Cm(2.6)
        sec.footer_distance = Cm(2.0)
        sec.different_first_page_header_footer = True  # no page number on the cover
        self._page_number(sec)
        settings = doc.settings.element
        upd = OxmlElement("w:updateFields")
        upd.set(qn("w:val"), "true")
        settings.append(upd)
        cp = doc.core_properties
        stamp = datetime(
            self.c.report_date.year, self.c.report_date.month, self.c.report_date.day, tzinfo=UTC
        ).replace(tzinfo=None)
        cp.title = self.c.title
        cp.subject = f"{self.c.region.name}“两山指数”自评估（{self.c.period}）"
        cp.author = self.c.compiler
        cp.last_modified_by = self.c.compiler
        cp.keywords = "两山指数；情况说明；自评估" + ("；示例数据" if self.c.demo else "")
        cp.comments = f"指标体系：{self.c.catalog_title}（{self.c.catalog_source}）"
        cp.created = stamp
        cp.modified = stamp
        cp.last_printed = stamp
        cp.revision = 1

    def _page_number(self, sec) -> None:
        p = sec.footer.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.first_line_indent = Pt(0)
        p.add_run("— ")
        _field(p, "PAGE", "1")
        p.add_run(" —")
        for r in p.runs:
            _run_font(r, self.f.body, self.f.latin)

    # -- text helpers -----------------------------------------------------------------------------
    def para(
        self, text: str = "", *, bold_lead: str = "", indent: bool = True, align=None, size=None
    ) -> Paragraph:
        p = self.doc.add_paragraph()
        if not indent:
            p.paragraph_format.first_line_indent = Pt(0)
        if align is not None:
            p.alignment = align
        if bold_lead:
            r = p.add_run(bold_lead)
            r.bold = True
            _run_font(r, self.f.body, self.f.latin)
            if size:
                r.font.size = Pt(size)
        if text:
            r = p.add_run(plain(text))
            _run_font(r, self.f.body, self.f.latin)
            if size:
                r.font.size = Pt(size)
        return p

    def verdict_para(self, lead: str, verdict: str, rest: str) -> Paragraph:
        p = self.para(bold_lead=lead)
        r = p.add_run(verdict)
        r.bold = True
        r.font.color.rgb = _hex(VERDICT_COLOURS.get(verdict, "#000000"))
        _run_font(r, self.f.body, self.f.latin)
        r2 = p.add_run(rest)
        _run_font(r2, self.f.body, self.f.latin)
        return p

    def heading(self, text: str, level: int) -> Paragraph:
        h = self.doc.add_heading(level=level)
        r = h.add_run(text)
        face = self.f.heading1 if level == 1 else self.f.heading2 if level == 2 else self.f.body
        _run_font(r, face, self.f.latin)
        return h

    def caption(self, kind: str, text: str) -> None:
        if kind == "表":
            self.table_no += 1
            n = self.table_no
        else:
            self.figure_no += 1
            n = self.figure_no
        p = self.doc.add_paragraph(style="Caption")
        if self.c.demo:
            text += "（示例数据）"
        r = p.add_run(f"{kind} {n}　{text}")
        _run_font(r, self.f.heading1, self.f.latin)

    def picture(self, key: str, width_cm: float, caption: str) -> None:
        data = self.charts.get(key)
        if data is None:
            return
        p = self.doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.first_line_indent = Pt(0)
        p.paragraph_format.line_spacing = 1.0
        p.paragraph_format.keep_with_next = True
        p.add_run().add_picture(io.BytesIO(data), width=Cm(width_cm))
        self.caption("图", caption)

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths_cm: Sequence[float],
        *,
        caption: str = "",
        size: float = 10.5,
        shade_col: int | None = None,
        center_cols: Sequence[int] = (),
    ) -> Table:
        if caption:
            self.caption("表", caption)
        t = self.doc.add_table(rows=1 + len(rows), cols=len(header))
        t.style = self.doc.styles["Table Grid"]
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        t.autofit = False
        for j, w in enumerate(widths_cm):
            t.columns[j].width = Cm(w)
        for i, row in enumerate([list(header), *[list(r) for r in rows]]):
            cells = t.rows[i].cells
            for j, text in enumerate(row):
                cell = cells[j]
                cell.width = Cm(widths_cm[j])
                cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
                p = cell.paragraphs[0]
                p.paragraph_format.first_line_indent = Pt(0)
                p.paragraph_format.line_spacing = 1.0
                p.paragraph_format.space_before = Pt(1)
                p.paragraph_format.space_after = Pt(1)
                if i == 0 or j in center_cols:
                    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                r = p.add_run(plain(str(text)))
                r.font.size = Pt(size)
                _run_font(r, self.f.table, self.f.latin)
                if i == 0:
                    r.bold = True
                    _shade(cell, HEADER_SHADE)
                elif shade_col is not None and j == shade_col and text in SHADE:
                    _shade(cell, SHADE[text])
                    r.bold = True
                    r.font.color.rgb = _hex(VERDICT_COLOURS[text])
        _repeat_header(t.rows[0])
        return t

    def page_break(self) -> None:
        p = self.doc.add_paragraph()
        p.paragraph_format.first_line_indent = Pt(0)
        p.add_run().add_break(WD_BREAK.PAGE)

    # -- parts ------------------------------------------------------------------------------------
    def cover(self) -> None:
        c = self.c
        for _ in range(2):
            self.para("", indent=False)
        p = self.doc.add_paragraph(style="Subtitle")
        r = p.add_run(f"{c.region.name}“绿水青山就是金山银山”实践创新基地")
        _run_font(r, self.f.heading2, self.f.latin)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        t = self.doc.add_paragraph(style="Title")
        r = t.add_run("“两山指数”自评估\n情况说明技术报告")
        _run_font(r, self.f.title, self.f.latin)
        r.bold = True
        self.para(f"（{c.period}）", indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, size=16)
        if c.demo:
            p = self.para(indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
            r = p.add_run("示例数据　仅供演示，不作为正式申报材料")
            r.bold = True
            r.font.size = Pt(16)
            r.font.color.rgb = _hex("#C62828")
            _run_font(r, self.f.heading1, self.f.latin)
        for _ in range(3 if c.demo else 4):
            self.para("", indent=False)
        rows = [
            ("评估地区：", f"{c.region.full_name}（{c.region.code}）"),
            ("评估批次：", c.round.name),
            ("指标体系：", _set_label(c)),
            ("编制单位：", c.compiler),
            *([("技术支持：", c.support_unit)] if c.support_unit else []),
            ("编制日期：", f"{c.report_date.year}年{c.report_date.month}月{c.report_date.day}日"),
        ]
        for k, v in rows:
            p = self.para(bold_lead=k, indent=False, size=14)
            p.paragraph_format.left_indent = Cm(2.5)
            r = p.add_run(v)
            r.font.size = Pt(14)
            _run_font(r, self.f.body, self.f.latin)
        self.page_break()

    def chapters(self) -> list[str]:
        """The level-1 chapter titles in order (numbered 一、二、…)."""
        c = self.c
        names = ["基本情况", "创建工作开展情况", "“两山指数”评估", "两山转化模式与路径"]
        if c.cases:
            names.append("典型案例")
        names += ["存在问题与原因分析", "改进措施", "下一步工作计划"]
        return [f"{cn_number(i)}、{n}" for i, n in enumerate(names, start=1)]

    def chapter(self, name: str) -> str:
        return next(t for t in self.chapters() if t.endswith("、" + name))

    def annexes(self) -> list[str]:
        out = [
            "附表1　“两山指数”评估指标任务分解表及评估结果",
            "附表2　数据完整性（按责任单位）",
            "附表3　佐证材料目录",
            "附表4　计算溯源",
        ]
        if self.c.missing_explanations:
            out.append("附表5　待补充的情况说明")
        return out

    def headings(self) -> list[tuple[int, str]]:
        """Level-1 and level-2 headings, in order (for the static contents list)."""
        c = self.c
        ch = self.chapters()
        out: list[tuple[int, str]] = [(1, ch[0])]
        out += [
            (2, t) for t in ("（一）地区概况", "（二）评估范围与组织", "（三）评估依据", "（四）数据来源")
        ]
        out.append((1, self.chapter("创建工作开展情况")))
        out += [(2, t) for t in self.work_titles()]
        out.append((1, self.chapter("“两山指数”评估")))
        out.append((2, "（一）评估结论"))
        k = 2
        if c.score is not None:
            out.append((2, f"（二）{c.score_label}"))
            k = 3
        out.append((2, f"（{cn_number(k)}）分指标情况"))
        out.append((1, self.chapter("两山转化模式与路径")))
        if c.cases:
            out.append((1, self.chapter("典型案例")))
            out += [(2, f"（{cn_number(i)}）{self._case_title(x)}") for i, x in enumerate(c.cases, start=1)]
        out.append((1, self.chapter("存在问题与原因分析")))
        out += [(2, self._problem_title(i, p.indicator_id)) for i, p in enumerate(c.problems, start=1)]
        out.append((1, self.chapter("改进措施")))
        out += [(2, f"（{cn_number(i)}）{p.indicator_name}") for i, p in enumerate(c.problems, start=1)]
        out.append((1, self.chapter("下一步工作计划")))
        out += [(1, a) for a in self.annexes()]
        return out

    def work_titles(self) -> list[str]:
        titles = ["（一）组织领导与工作方案"]
        if self.c.workplan.tasks:
            titles.append("（二）主要任务推进情况")
        if self.c.workplan.meetings:
            titles.append(f"（{cn_number(len(titles) + 1)}）调度督办")
        return titles

    def contents(self) -> None:
        h = self.doc.add_paragraph(style="Title")
        r = h.add_run("目　　录")
        r.font.size = Pt(18)
        _run_font(r, self.f.heading1, self.f.latin)
        entries = self.headings()
        first = self.doc.add_paragraph()
        first.paragraph_format.first_line_indent = Pt(0)
        # field begin … separate in the first paragraph, the static list as the cached result, end last
        for kind, text in (("begin", None), ("instr", 'TOC \\o "1-2" \\h \\z \\u'), ("separate", None)):
            run = first.add_run()
            if kind == "instr":
                el = OxmlElement("w:instrText")
                el.set(qn("xml:space"), "preserve")
                el.text = f" {text} "
                run._r.append(el)
            else:
                el = OxmlElement("w:fldChar")
                el.set(qn("w:fldCharType"), kind)
                run._r.append(el)
        p = first
        for i, (level, text) in enumerate(entries):
            if i:
                p = self.doc.add_paragraph()
                p.paragraph_format.first_line_indent = Pt(0)
            p.paragraph_format.left_indent = Cm(0 if level == 1 else 0.9)
            p.paragraph_format.line_spacing = 1.0
            r = p.add_run(text)
            r.font.size = Pt(12 if level == 1 else 11)
            r.bold = level == 1
            _run_font(r, self.f.heading1 if level == 1 else self.f.body, self.f.latin)
            page = self.toc_pages[i] if i < len(self.toc_pages) else None
            if page is not None:
                p.paragraph_format.tab_stops.add_tab_stop(
                    Cm(15.6), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS
                )
                num = p.add_run(f"\t{page}")
                num.font.size = Pt(12 if level == 1 else 11)
                _run_font(num, self.f.body, self.f.latin)
        end = p.add_run()
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), "end")
        end._r.append(el)
        self.page_break()

    def overview(self) -> None:
        c = self.c
        self.heading(self.chapters()[0], 1)
        self.heading("（一）地区概况", 2)
        facts = [f"{c.region.full_name}（行政区划代码 {c.region.code}）"]
        if c.region.terrain_zone:
            facts.append(f"地形区为{c.region.terrain_zone}")
        if c.region.land_area_km2:
            facts.append(f"国土面积 {c.region.land_area_km2:,.0f} 平方千米")
        if c.region.population:
            facts.append(f"常住人口 {c.region.population:,} 人")
        self.para("，".join(facts) + "。" + (c.region.note or ""))
        self.heading("（二）评估范围与组织", 2)
        self.para(
            f"本次评估为“{c.round.name}”，评估期为 {c.period}，评估年为 {c.evaluation_year} 年，"
            f"共评估“两山指数”{len(c.goals)} 个方面、{len(c.categories)} 类、{len(c.indicators)}"
            " 项指标。评估所用数值均为经领导小组办公室审核通过的"
            f"填报值或计算值（数据截至 {c.report_date.isoformat()}），未审核的填报不参与评估。"
        )
        leaders = [f"{n}（{t}）" for pos, n, t in c.region.leading_group if pos == "组长"]
        office = [n for pos, n, _ in c.region.leading_group if pos == "办公室主任"]
        if leaders:
            text = f"评估工作由{c.region.name}“两山”基地建设领导小组统筹，组长：{'、'.join(leaders)}"
            text += f"；领导小组办公室主任：{'、'.join(office)}。" if office else "。"
            self.para(text)
        self.heading("（三）评估依据", 2)
        self.para(
            f"本次评估采用的指标体系为{_set_label(c)}。"
            f"评估指标及目标参考值依据{c.catalog_source}"
            "。数值按 GB/T 8170-2008 "
            "修约（四舍六入五成双）到各指标的报告精度后再与目标比较；“稳定提高”“不减少”“获得”“建立实施”等定性目标的判定规则"
            "及其依据（官方规定或本系统约定）见各指标小节。有国家标准计算方法的指标（如环境空气质量优良天数比例）由系统按标准从原始监测数据计算，"
            "并记录计算方法、标准版本与原始文件的 SHA-256 校验值。"
        )
        self.heading("（四）数据来源", 2)
        computed = sum(1 for s in c.sources if s.computed_years)
        self.para(
            f"评估共使用 {len(c.sources)} 个数据项，其中 {computed}"
            " 个按国家标准方法从原始监测数据计算，其余由责任单位填报；"
            "各数据项的报送单位及各年来源见下表（“—”表示无）。"
        )
        rows = [
            (
                str(i),
                s.name,
                s.unit or "—",
                "、".join(s.suppliers[:2]) + ("等" if len(s.suppliers) > 2 else ""),
                _years(s.computed_years),
                _years(s.entered_years),
                _years(s.missing_years),
            )
            for i, s in enumerate(c.sources, start=1)
        ]
        self.table(
            ("序号", "数据项", "单位", "报送单位", "计算（年）", "填报（年）", "缺失（年）"),
            rows,
            (1.0, 4.2, 1.2, 2.8, 2.1, 2.1, 2.1),
            caption="评估数据项及来源",
            center_cols=(0, 2, 4, 5, 6),
        )

    def summary(self) -> None:
        c = self.c
        self.heading(self.chapter("“两山指数”评估"), 1)
        self.heading("（一）评估结论", 2)
        counts = "、".join(f"{k} {v} 项" for k, v in c.counts.items() if v)
        self.para(f"{len(c.indicators)} 项指标中，{counts}。各方面、各类别情况见图表。")
        for g in c.goals:
            parts = "、".join(f"{k} {v} 项" for k, v in g.counts.items() if v)
            self.para(f"{g.name}（{g.indicators} 项）：{parts}。")
        self.picture("summary", 15.5, "各类别指标评估结论")
        rows = [
            (c2.goal, c2.name, str(c2.indicators), *[str(c2.counts.get(v, 0)) for v in VERDICT_COLOURS])
            for c2 in c.categories
        ]
        rows.append(("合计", "", str(len(c.indicators)), *[str(c.counts.get(v, 0)) for v in VERDICT_COLOURS]))
        self.table(
            ("方面", "类别", "指标数", *VERDICT_COLOURS),
            rows,
            (3.4, 2.2, 1.5, 1.5, 1.8, 1.5, 1.8, 1.5),
            caption="按方面和类别汇总的评估结论",
            center_cols=(2, 3, 4, 5, 6, 7),
        )
        if c.score is not None:
            self.heading(f"（二）{c.score_label}", 2)
            self.para(
                "按等权重计算（达标计 1 分、基本达标计 0.5 分、"
                "未达标和数据缺失计 0 分、不适用不计），参考评分为 "
                f"{c.score:.1f} 分（满分 100）。该评分非官方口径，仅供内部比较，不代替逐项达标判定。"
            )

    def indicator(self, i: int, s: IndicatorSection) -> None:
        self.heading(f"{i}．{s.name}", 3)
        self.para(s.definition, bold_lead="指标定义：")
        self.para(f"{s.target_text}。评价规则：{s.rule_text}。", bold_lead="目标值：")
        if s.rule_basis:
            self.para(basis_text(s.rule_basis), bold_lead="判定依据：")
        if s.titles:
            named = "；".join(title_phrase(t) for t in s.titles)
            self.para(f"{named}（共 {len(s.titles)} 个）。", bold_lead="计入的称号：")
        self.para("、".join(s.responsible_units), bold_lead="责任单位：")
        if s.standards:
            self.para("；".join(s.standards), bold_lead="相关标准：")
        rows = []
        for row in s.rows:
            approvals = sorted({(a.approver, a.at) for a in s.approvals if a.year == row.year})
            who = "\n".join(f"{a}\n{d}" for a, d in approvals) or "—"
            rows.append((f"{row.year}年", row.text, row.composition or "—", row.source or "—", who))
        self.table(
            ("年份", "指标值", "计算过程", "来源", "审核"),
            rows,
            (2.0, 2.6, 5.6, 2.6, 2.8),
            caption=f"{s.name}近三年数值",
            center_cols=(0, 1, 3),
        )
        self.picture(f"indicator-{s.id}", 14.5, f"{s.name}变化趋势")
        self.explanation(s)
        self.verdict_para("评估结论：", s.verdict, f"。{s.reason}。")
        self.para(s.gap.headline + "。", bold_lead="差距分析：" if s.gap.is_problem else "达标情况：")
        for d in s.gap.details:
            self.para(d)
        if s.analysis:
            for k, text in enumerate(s.analysis):
                self.para(text, bold_lead="变化分析：" if k == 0 else "")
        calc = sorted({calculator_name(p.calculator) for p in s.provenance})
        if calc:
            self.para(
                f"{'、'.join(calc)}，计算方法、标准版本和原始数据文件校验值见附表4。", bold_lead="计算溯源："
            )
        else:
            self.para(
                "各年数值为责任单位填报并经领导小组办公室审核的数据，来源见情况说明。", bold_lead="计算溯源："
            )
        if s.evidence:
            names = []
            for e in s.evidence:
                if e.filename not in names:
                    names.append(e.filename)
            self.para(f"{'；'.join(names)}（共 {len(names)} 件，目录见附表3）。", bold_lead="佐证材料：")
        else:
            self.para("未上传佐证材料，数据以情况说明所列来源为准。", bold_lead="佐证材料：")

    def explanation(self, s: IndicatorSection) -> None:
        """The responsible unit's 情况说明: source, work done and causes, per explained year."""
        if not s.explanations:
            self.para(f"待责任单位（{'、'.join(s.responsible_units)}）说明数据来源、工作开展情况和变化原因。",
                      bold_lead="情况说明：")  # fmt: skip
            return
        for k, e in enumerate(reversed(s.explanations)):
            lead = "情况说明：" if k == 0 else ""
            self.para(f"（{e.year}年）数据来源：{e.source.rstrip('。')}。", bold_lead=lead)
            self.para(f"工作开展情况：{e.work}")
            if e.cause:
                self.para(f"变化原因：{e.cause}")

    def indicators(self, progress: Progress | None) -> None:
        k = 3 if self.c.score is not None else 2
        self.heading(f"（{cn_number(k)}）分指标情况", 2)
        for i, s in enumerate(self.c.indicators, start=1):
            self.indicator(i, s)
            if progress:
                progress(f"指标 {s.id}")

    def work(self) -> None:
        """创建工作开展情况: the work plan, its main tasks' progress and the dispatch meetings."""
        c, w = self.c, self.c.workplan
        titles = self.work_titles()
        self.heading(self.chapter("创建工作开展情况"), 1)
        self.heading(titles[0], 2)
        leaders = [f"{n}（{t}）" for pos, n, t in c.region.leading_group if pos == "组长"]
        text = f"{c.region.name}成立“两山”基地建设领导小组" + (
            f"，由{'、'.join(leaders)}任组长" if leaders else ""
        )
        text += "，领导小组办公室负责日常调度、数据审核和材料汇总。"
        if w.title:
            issued = f"{w.issued_on[:4]}年{int(w.issued_on[5:7])}月" if w.issued_on else ""
            text += (
                f"{issued}{w.issuer or ''}印发{w.doc_number or ''}《{w.title}》，"
                "明确主要任务、责任单位和完成时限，"
                f"并将“两山指数”20 项指标分解到责任单位。"
            )
        self.para(text)
        if w.tasks:
            self.heading(titles[1], 2)
            rows = []
            for t in w.tasks:
                pct = f"{t.percent:.0f}%" if t.percent is not None else "—"
                latest = f"{t.latest}（{t.reported_on}）" if t.latest else "尚未报送进展"
                rows.append((t.code, t.title, pct, latest))
            self.table(
                ("序号", "主要任务", "平均进度", "最新进展"),
                rows,
                (1.2, 5.6, 1.8, 7.0),
                caption="工作方案主要任务推进情况",
                center_cols=(0, 2),
            )
            done = sum(1 for t in w.tasks if t.percent is not None and t.percent >= 100)
            self.para(
                f"工作方案 {len(w.tasks)} 项主要任务中，{done} 项已完成，"
                f"{sum(1 for t in w.tasks if t.percent is not None and t.percent < 100)} 项正在推进，"
                f"{sum(1 for t in w.tasks if t.percent is None)} 项尚未报送进展。"
            )
        if w.meetings:
            self.heading(titles[-1], 2)
            for m in w.meetings:
                dec = "；".join(f"{k}. {d}" for k, d in enumerate(m.decisions, start=1))
                self.para(
                    f"{m.held_on[:4]}年{int(m.held_on[5:7])}月{int(m.held_on[8:10])}日召开{m.title}"
                    + (f"，议定事项：{dec}。" if dec else "。")
                )

    def transformation(self) -> None:
        """两山转化模式与路径: the conversion indicators and the paths the cases illustrate."""
        c = self.c
        self.heading(self.chapter("两山转化模式与路径"), 1)
        conv = [s for s in c.indicators if s.goal.startswith("金山银山") or s.id in (10, 19)]
        if conv:
            parts = [f"{s.name}{s.latest.year}年为 {s.latest.text}（{s.verdict}）" for s in conv]
            self.para(
                f"评估期内，{c.region.name}依托生态资源推进生态产品价值实现：" + "；".join(parts) + "。"
            )
        paths: dict[str, list[str]] = {}
        for k in c.cases:
            paths.setdefault(k.path, []).append(k.title.split("：")[0])
        for i, (path, titles) in enumerate(paths.items(), start=1):
            self.para(f"{path}（典型案例：{'、'.join(titles)}）。", bold_lead=f"路径{cn_number(i)}：")
        if not paths:
            self.para("转化路径以典型案例形式补充，待领导小组办公室整理。")

    def next_steps(self) -> None:
        """下一步工作计划: the measures by deadline and the work plan's unfinished tasks."""
        c = self.c
        self.heading(self.chapter("下一步工作计划"), 1)
        items = sorted(
            {(m.deadline, m.text, m.lead) for p in c.problems for m in p.measures},
            key=lambda x: (x[0], x[2], x[1]),
        )
        if items:
            self.para("按完成时限排列的整改安排如下，领导小组办公室按月调度、按季通报：")
            for k, (d, text, lead) in enumerate(items, start=1):
                self.para(f"{k}. {d.year}年{d.month}月{d.day}日前，{lead}：{text.rstrip('。')}。")
        open_tasks = [t for t in c.workplan.tasks if t.percent is None or t.percent < 100]
        if open_tasks:
            names = "；".join(f"（{t.code}）{t.title}" for t in open_tasks)
            self.para(f"继续推进工作方案中尚未完成的主要任务：{names}。")
        if c.missing_explanations:
            self.para(
                f"{len(c.missing_explanations)} 项指标的{c.evaluation_year}年情况说明"
                "尚未审核通过（见附表5），"
                "由责任单位补充后报领导小组办公室审核。"
            )

    def signoff(self) -> None:
        c = self.c
        self.para("", indent=False)
        for text in (c.compiler, f"{c.report_date.year}年{c.report_date.month}月{c.report_date.day}日"):
            p = self.para(text, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
            p.paragraph_format.keep_with_next = True
            p.paragraph_format.keep_together = True

    def _problem_title(self, i: int, ident: int) -> str:
        s = self.c.indicator(ident)
        return f"（{cn_number(i)}）指标{s.id} {s.name}（{s.verdict}）"

    def problems(self) -> None:
        c = self.c
        self.heading(self.chapter("存在问题与原因分析"), 1)
        if not c.problems:
            self.para("全部指标均达标或不适用，无需整改的问题。")
        else:
            kinds = "、".join(
                f"{v} {n} 项"
                for v in ("未达标", "基本达标", "数据缺失")
                if (n := sum(1 for p in c.problems if p.verdict == v))
            )
            self.para(
                f"评估发现 {len(c.problems)} 项指标存在问题（{kinds}"
                f"），逐项说明差距如下；趋势测算以 {c.target_year} 年为"
                "目标年，按增长比方法给出进展（观测年均增长率"
                " ÷ 所需年均增长率，≥0.95 进展显著、≥0.6 进展一般、"
                "≥0 进展有限、<0 倒退）。"
            )
        for i, p in enumerate(c.problems, start=1):
            self.heading(self._problem_title(i, p.indicator_id), 2)
            self.para(p.gap.headline + "。", bold_lead="差距：")
            for d in p.gap.details:
                self.para(d)
            s = c.indicator(p.indicator_id)
            for k, text in enumerate(s.analysis):
                self.para(text, bold_lead="原因分析：" if k == 0 else "")
            if not s.analysis and p.verdict == "数据缺失":
                units = "、".join(sorted({u for m in p.gap.missing for u in m.units}))
                units = units or "、".join(s.responsible_units)
                self.para(f"评估年数据未报送或未审核通过（应报单位：{units}）。", bold_lead="原因分析：")
        traj = [(c.indicator(p.indicator_id), p.gap.trajectory) for p in c.problems if p.gap.trajectory]
        if traj:
            rows = []
            for s, t in traj:
                assert t is not None
                ind = _ind(s, c)
                rows.append(
                    (
                        f"{s.id}. {s.name}",
                        f"{t.base_year}年 {fmt_value(ind, t.base_value)}",
                        f"{t.current_year}年 {fmt_value(ind, t.current_value)}",
                        f"{t.target_year}年 {fmt_value(ind, t.target_value)}"
                        if t.target_value is not None
                        else "—",
                        fmt_rate(ind, t.observed_annual_change)
                        if t.observed_annual_change is not None
                        else "—",
                        fmt_rate(ind, t.required_annual_change)
                        if t.required_annual_change is not None
                        else "—",
                        f"{t.growth_ratio:.2f}" if t.growth_ratio is not None else "—",
                        t.status,
                    )
                )
            self.table(
                ("指标", "基期", "当前", "目标", "观测年均变化", "所需年均变化", "增长比", "进展"),
                rows,
                (3.6, 2.0, 2.0, 2.0, 2.1, 2.1, 1.1, 1.3),
                caption="问题指标趋势与目标差距",
                size=10.5,
                center_cols=(6, 7),
            )
        for s in c.not_applicable:
            self.para(f"指标{s.id} {s.name}：{s.reason}，不计入问题指标。", bold_lead="说明：")

    def measures(self) -> None:
        c = self.c
        self.heading(self.chapter("改进措施"), 1)
        if not c.problems:
            self.para("无需提出完善措施。")
            return
        self.para(
            "针对上述问题，依据《工作方案》四、主要任务（四）—（七）及五、保障措施，逐项提出完善措施、牵头单位、配合单位和"
            "完成时限（措施取自系统措施库，由领导小组办公室维护）。"
        )
        for i, p in enumerate(c.problems, start=1):
            self.heading(f"（{cn_number(i)}）{p.indicator_name}", 2)
            rows = [
                (
                    str(k),
                    m.text,
                    m.lead,
                    "、".join(m.cooperating) or "—",
                    f"{m.deadline.year}年{m.deadline.month}月{m.deadline.day}日",
                    f"{m.task}\n{m.task_title}",
                )
                for k, m in enumerate(p.measures, start=1)
            ]
            self.table(
                ("序号", "完善措施", "牵头单位", "配合单位", "完成时限", "依据（工作方案）"),
                rows,
                (1.2, 5.4, 2.0, 2.2, 2.6, 2.2),
                caption=f"{p.indicator_name}完善措施",
                center_cols=(0, 4),
            )

    def _case_title(self, case) -> str:
        return f"{case.title}（{case.label}）" if case.label else case.title

    def cases(self) -> None:
        c = self.c
        if not c.cases:
            return
        self.heading(self.chapter("典型案例"), 1)
        if any(k.label == "示例" for k in c.cases):
            self.para(
                "标注“示例”的案例依据《工作方案》文字整理，成效数据标注“示例”的为示意数字，图片为示意图而非实景照片，"
                "正式报送前须以核实的案例、数据（注明统计来源）和现场照片替换。"
            )
        for i, k in enumerate(c.cases, start=1):
            self.heading(f"（{cn_number(i)}）{self._case_title(k)}", 2)
            self.para(k.township, bold_lead="所在乡镇：")
            self.para(k.path, bold_lead="转化路径：")
            self.para(k.summary, bold_lead="基本情况：")
            for n, pr in enumerate(k.practices, start=1):
                self.para(f"{n}. {pr}")
            if k.figures:
                self.table(
                    ("指标", "数值", "单位", "来源"),
                    [(f.name, f.value, f.unit, f.source) for f in k.figures],
                    (4.0, 2.5, 2.0, 7.4),
                    caption=f"{k.title.split('：')[0]}主要数据",
                    center_cols=(1, 2),
                )
            for photo in k.photos:
                p = self.doc.add_paragraph()
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                p.paragraph_format.first_line_indent = Pt(0)
                p.add_run().add_picture(photo, width=Cm(12))
                self.caption("图", f"{k.title.split('：')[0]}{'示意图' if k.label else '现场照片'}")
            linked = []
            for ident in k.indicators:
                s = c.indicator(ident)
                linked.append(f"{s.id}. {s.name}（{s.latest.year}年 {s.latest.text}，{s.verdict}）")
            self.para("；".join(linked), bold_lead="关联指标：")
            self.para("、".join(k.units), bold_lead="责任单位：")

    def appendix(self) -> None:
        c = self.c
        sec = self.doc.add_section(WD_SECTION.NEW_PAGE)
        sec.orientation = WD_ORIENT.LANDSCAPE
        sec.page_width, sec.page_height = Cm(29.7), Cm(21.0)
        sec.top_margin, sec.bottom_margin = Cm(2.8), Cm(2.6)
        sec.left_margin, sec.right_margin = Cm(3.7), Cm(3.5)
        sec.different_first_page_header_footer = False
        self.heading("附表1　“两山指数”评估指标任务分解表及评估结果", 1)
        years = list(c.years)
        rows = []
        for s in c.indicators:
            rows.append(
                (
                    s.goal,
                    s.category,
                    str(s.id),
                    s.name,
                    s.target_text,
                    *[r.text for r in s.rows],
                    s.verdict,
                    "、".join(s.responsible_units),
                )
            )
        widths = [1.8, 1.5, 0.9, 4.4, 2.4, *[2.3] * len(years), 1.9, 4.2]
        scale = 22.5 / sum(widths)
        t = self.table(
            ("目标", "任务", "序号", "指标", "目标参考值", *[f"{y}年" for y in years], "结论", "责任单位"),
            rows,
            [w * scale for w in widths],
            caption=f"{c.region.name}“两山指数”评估指标任务分解表（附件2）及评估结果",
            size=10.5,
            shade_col=5 + len(years),
            center_cols=(2, *range(5, 6 + len(years))),
        )
        _merge_runs(t, 0, [s.goal for s in c.indicators])
        _merge_runs(t, 1, [s.goal + s.category for s in c.indicators])
        self.para(
            "注：“数据缺失（单位）”表示该年数据未报送或未审核通过，括号内为应报送的单位；“不适用”表示该年无评价对象。",
            indent=False,
            size=10.5,
        )
        self.heading("附表2　数据完整性（按责任单位）", 1)
        rows = [
            (
                str(i),
                u.unit,
                str(u.expected),
                str(u.approved),
                str(u.pending),
                str(u.missing),
                f"{u.rate:.1f}%",
                "；".join(u.missing_items) or "—",
            )
            for i, u in enumerate(c.completeness, start=1)
        ]
        self.table(
            ("序号", "责任单位", "应报（项·年）", "已审核", "待审核", "缺失", "完整率", "缺失数据项"),
            rows,
            (1.0, 4.2, 2.2, 1.6, 1.6, 1.4, 1.8, 8.7),
            caption="各责任单位数据报送完整性",
            center_cols=(0, 2, 3, 4, 5, 6),
        )
        self.evidence_list()
        self.provenance_list()
        if c.missing_explanations:
            self.heading(self.annexes()[4], 1)
            self.table(
                ("序号", "指标", f"{c.evaluation_year}年情况说明", "责任单位"),
                [
                    (str(k), f"{i}. {n}", "待责任单位说明", u)
                    for k, (i, n, u) in enumerate(c.missing_explanations, 1)
                ],
                (1.2, 8.0, 4.0, 9.3),
                caption="待补充的情况说明",
                center_cols=(0, 2),
            )

    def evidence_list(self) -> None:
        """附表3 佐证材料目录: every evidence file attached to an assessed value, with its size."""
        c = self.c
        self.heading(self.annexes()[2], 1)
        rows: list[tuple[str, ...]] = []
        seen: set[tuple[int, str]] = set()
        for s in c.indicators:
            for e in s.evidence:
                if (s.id, e.sha256) in seen:
                    continue
                seen.add((s.id, e.sha256))
                rows.append((str(len(rows) + 1), f"{s.id}. {s.name}", f"{e.year}年", e.element, e.filename,
                             _size(e.size), short_hash(e.sha256)))  # fmt: skip
        if not rows:
            self.para("评估所用数值均未附佐证材料。", indent=False)
            return
        self.table(
            ("序号", "指标", "年份", "数据项", "文件名", "大小", "校验值"),
            rows,
            (1.2, 4.4, 1.6, 4.0, 6.0, 1.8, 3.5),
            caption="佐证材料目录",
            center_cols=(0, 2, 5),
        )

    def provenance_list(self) -> None:
        """附表4 计算溯源: for each computed value, the method, standard and raw files (short hashes)."""
        c = self.c
        self.heading(self.annexes()[3], 1)
        self.para(
            "下表列出按标准方法计算的数值所用的计算方法、标准依据和原始数据文件；"
            "校验值为 SHA-256 的前 16 位，"
            "完整校验值见申报资料包中的校验文件。",
            indent=False,
            size=10.5,
        )
        rows = []
        for s in c.indicators:
            groups: dict[tuple[str, str, str], list[tuple[int, str]]] = {}
            for p in s.provenance:
                files = "；".join(_input_label(x.name, x.sha256) for x in p.inputs) or "—"
                key = ("、".join(p.elements), calculator_name(p.calculator), p.standard or "—")
                groups.setdefault(key, []).append((p.year, files))
            for (elements, calc, standard), per_year in groups.items():
                years = _years([y for y, _ in per_year]) + "年"
                files = "\n".join(f"{y}年：{f}" for y, f in per_year)
                rows.append((f"{s.id}. {s.name}", years, elements, calc, standard, files))
        if not rows:
            self.para("评估所用数值均为责任单位填报值，无计算记录。", indent=False)
            return
        self.table(
            ("指标", "年份", "数据项", "计算方法", "标准依据", "原始数据文件（校验值）"),
            rows,
            (3.4, 2.3, 3.4, 3.0, 4.2, 6.2),
            caption="计算溯源",
            center_cols=(1,),
        )

    def build(self, progress: Progress | None) -> DocumentType:
        self.cover()
        self.contents()
        self.overview()
        self.work()
        self.summary()
        self.indicators(progress)
        self.transformation()
        self.cases()
        self.problems()
        self.measures()
        self.next_steps()
        self.signoff()
        self.appendix()
        return self.doc


def _input_label(name: str, sha: str) -> str:
    """A raw data file as the annex lists it: its name when it is plain Chinese text, else its type;
    always the short checksum (the full one is in the bundle's SHA256SUMS)."""
    if re.search(r"[A-Za-z]{2,}[_.-][A-Za-z0-9]", name.rsplit(".", 1)[0]):
        ext = name.rsplit(".", 1)[-1].upper() if "." in name else "数据"
        return f"{ext} 数据文件（{short_hash(sha)}）"
    return f"{name}（{short_hash(sha)}）"


def _size(n: int) -> str:
    return f"{n / 1024:,.1f} KB" if n >= 1024 else f"{n} B"


def _years(ys: Sequence[int]) -> str:
    if not ys:
        return "—"
    if len(ys) > 1 and list(ys) == list(range(ys[0], ys[-1] + 1)):
        return f"{ys[0]}—{ys[-1]}"
    return "、".join(str(y) for y in ys)


def _ind(s: IndicatorSection, c: ReportContent):
    """The catalog indicator of a section, from the report's own indicator set."""
    from liangshan.catalog import CatalogSetError, load_catalog, load_set

    try:
        return load_set(c.catalog_set or None).indicator(s.id)
    except (CatalogSetError, KeyError):
        return load_catalog().indicator(s.id)


def _set_label(c: ReportContent) -> str:
    """《指标体系名称》（版本 2024.1）."""
    edition = f"（版本 {c.catalog_edition}）" if c.catalog_edition else ""
    return f"《{c.catalog_title}》{edition}"


#: a bracketed note naming the catalog's parameters (``（目标参数 mode=ols_slope）``): for the catalog's
#: readers, not the report's
_CODE_NOTE = re.compile(r"（[^（）]*[a-z][a-z_=]{2,}[^（）]*）")


def basis_text(basis: Mapping[str, Any]) -> str:
    """The rule's basis in one sentence: 官方规定 with its document and clause, or 本系统约定 with the
    reasoning and the other readings."""
    text = _CODE_NOTE.sub("", str(basis.get("text", ""))).rstrip("。")
    out = f"{basis.get('label', '')}。{text}"
    clause = f"，{basis['clause']}" if basis.get("clause") else ""
    source = f"{basis.get('document') or ''}{clause}".lstrip("，")
    if source:
        out += f"（{source}）"
    others = [_CODE_NOTE.sub("", str(a)).rstrip("。") for a in basis.get("alternatives") or ()]
    if others:
        out += f"。其他可选口径：{'；'.join(others)}"
    return out + "。"


def _merge_runs(t: Table, col: int, keys: Sequence[str]) -> None:
    """Merge vertically adjacent body cells of ``col`` whose ``keys`` are equal (附件2 layout)."""
    start = 0
    for i in range(1, len(keys) + 1):
        if i == len(keys) or keys[i] != keys[start]:
            if i - start > 1:
                top = t.cell(start + 1, col)
                text = top.text
                merged = top.merge(t.cell(i, col))
                for p in merged.paragraphs[1:]:
                    p._element.getparent().remove(p._element)
                merged.paragraphs[0].runs[0].text = text
                for r in merged.paragraphs[0].runs[1:]:
                    r.text = ""
            start = i


def contents_entries(content: ReportContent) -> list[str]:
    """The texts of the contents page's entries, in order (to find their pages in a rendered PDF)."""
    w = ReportWriter.__new__(ReportWriter)
    w.c = content
    return [text for _, text in w.headings()]


def normalise_zip(path: Path) -> None:
    """Rewrite an OOXML zip with fixed member timestamps and order (same content → same bytes)."""
    with zipfile.ZipFile(path) as zin:
        members = [(i.filename, zin.read(i.filename)) for i in zin.infolist()]
    tmp = path.with_suffix(path.suffix + ".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zout:
        for name, data in members:
            info = zipfile.ZipInfo(name, FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zout.writestr(info, data)
    tmp.replace(path)


def write_docx(
    content: ReportContent,
    out: str | Path,
    *,
    fonts: FontSet | None = None,
    charts: dict[str, bytes] | None = None,
    progress: Progress | None = None,
    toc_pages: Sequence[int | None] = (),
) -> Path:
    """Write the report as ``.docx`` to ``out``.

    Parameters
    ----------
    content : ReportContent
        The report model (:func:`liangshan.report.content.build_content`).
    out : str or Path
        Output file (its folder is created).
    fonts : FontSet, optional
        Fonts per role (default: :meth:`FontSet.official`, the GB/T 9704 names; the PDF conversion maps
        them to Noto CJK when they are not installed).
    charts : dict, optional
        Pre-rendered charts (:func:`liangshan.report.charts.all_charts`); rendered here when absent.
    progress : callable, optional
        Called with a short label after each indicator section.
    toc_pages : sequence, optional
        Page of each contents entry (:func:`contents_entries`), printed on the contents page.
    """
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    w = ReportWriter(
        content, fonts or FontSet.official(), charts if charts is not None else all_charts(content), toc_pages
    )
    doc = w.build(progress)
    doc.save(str(path))
    normalise_zip(path)
    return path
