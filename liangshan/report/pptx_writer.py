"""The briefing deck for the on-site verification (演示材料, work plan 三、第三阶段) with python-pptx.

Same data, fonts and colours as the report: the index at a glance (verdict counts and the summary
chart), one slide per goal (its indicators' values and verdicts, the same texts as the report's
tables), the problems with their gaps, the measures with lead units and deadlines, selected typical
cases, and a closing slide with the data cut-off, catalog and package versions. 16:9, blank layout,
every run given Latin and East Asian typefaces.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.presentation import Presentation as PresentationType
from pptx.shapes.autoshape import Shape
from pptx.slide import Slide
from pptx.util import Cm, Pt

from liangshan.report.charts import PRIMARY, VERDICT_COLOURS, summary_chart
from liangshan.report.content import ReportContent
from liangshan.report.docx_writer import SHADE, normalise_zip
from liangshan.report.fonts import FontSet

W, H = Cm(33.867), Cm(19.05)
ROWS_PER_SLIDE = 5


def _rgb(hex_: str) -> RGBColor:
    return RGBColor.from_string(hex_.lstrip("#"))


class _Deck:
    def __init__(self, content: ReportContent, fonts: FontSet, chart: bytes | None) -> None:
        self.c = content
        self.f = fonts
        self.chart = chart
        self.prs: PresentationType = Presentation()
        self.prs.slide_width, self.prs.slide_height = W, H
        self.blank = self.prs.slide_layouts[6]

    def _font(
        self, run, size: float, bold: bool = False, colour: str = "#222222", face: str | None = None
    ) -> None:
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.color.rgb = _rgb(colour)
        name = face or self.f.cjk_sans
        run.font.name = name
        rpr = run._r.get_or_add_rPr()
        for tag in ("a:ea", "a:cs"):
            el = rpr.find(qn(tag))
            if el is None:
                el = rpr.makeelement(qn(tag), {})
                rpr.append(el)
            el.set("typeface", name)

    def text(
        self,
        slide: Slide,
        x: float,
        y: float,
        w: float,
        h: float,
        lines: Sequence[str],
        size: float = 16,
        bold: bool = False,
        colour: str = "#222222",
        align=PP_ALIGN.LEFT,
    ) -> Shape:
        box = slide.shapes.add_textbox(Cm(x), Cm(y), Cm(w), Cm(h))
        tf = box.text_frame
        tf.word_wrap = True
        for i, line in enumerate(lines):
            p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
            p.alignment = align
            r = p.add_run()
            r.text = line
            self._font(r, size, bold, colour)
        return box

    def slide(self, title: str) -> Slide:
        s = self.prs.slides.add_slide(self.blank)
        band = s.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, 0, W, Cm(2.4))
        band.fill.solid()
        band.fill.fore_color.rgb = _rgb(PRIMARY)
        band.line.fill.background()
        self.text(s, 1.2, 0.45, 28, 1.6, [title], 24, True, "#FFFFFF")
        self.text(
            s,
            24.5,
            17.9,
            8.5,
            0.9,
            [f"{self.c.region.name}“两山指数”自评估 · {self.c.period}"],
            10,
            False,
            "#666666",
            PP_ALIGN.RIGHT,
        )
        return s

    def table(
        self,
        slide: Slide,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        y: float = 3.0,
        size: float = 11,
        verdict_col: int | None = None,
    ) -> None:
        total = sum(widths)
        shape = slide.shapes.add_table(
            len(rows) + 1, len(header), Cm(1.2), Cm(y), Cm(total), Cm(1.0 * (len(rows) + 1))
        )
        tbl = shape.table
        for j, w in enumerate(widths):
            tbl.columns[j].width = Cm(w)
        for i, row in enumerate([list(header), *[list(r) for r in rows]]):
            for j, text in enumerate(row):
                cell = tbl.cell(i, j)
                cell.vertical_anchor = MSO_ANCHOR.MIDDLE
                cell.margin_left = cell.margin_right = Cm(0.15)
                cell.margin_top = cell.margin_bottom = Cm(0.05)
                tf = cell.text_frame
                tf.word_wrap = True
                p = tf.paragraphs[0]
                r = p.add_run()
                r.text = str(text)
                if i == 0:
                    cell.fill.solid()
                    cell.fill.fore_color.rgb = _rgb(PRIMARY)
                    self._font(r, size, True, "#FFFFFF")
                    p.alignment = PP_ALIGN.CENTER
                elif verdict_col is not None and j == verdict_col and text in SHADE:
                    cell.fill.solid()
                    cell.fill.fore_color.rgb = _rgb(SHADE[text])
                    self._font(r, size, True, VERDICT_COLOURS[text])
                    p.alignment = PP_ALIGN.CENTER
                else:
                    cell.fill.solid()
                    cell.fill.fore_color.rgb = _rgb("#FFFFFF" if i % 2 else "#F2F5FA")
                    self._font(r, size)

    # -- slides -----------------------------------------------------------------------------------
    def cover(self) -> None:
        c = self.c
        s = self.prs.slides.add_slide(self.blank)
        band = s.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, Cm(5.0), W, Cm(7.0))
        band.fill.solid()
        band.fill.fore_color.rgb = _rgb(PRIMARY)
        band.line.fill.background()
        self.text(
            s,
            2,
            5.6,
            30,
            1.4,
            [f"{c.region.name}“绿水青山就是金山银山”实践创新基地"],
            22,
            False,
            "#FFFFFF",
            PP_ALIGN.CENTER,
        )
        self.text(s, 2, 7.3, 30, 2.0, ["“两山指数”自评估情况汇报"], 40, True, "#FFFFFF", PP_ALIGN.CENTER)
        self.text(s, 2, 9.8, 30, 1.2, [f"（{c.period}）"], 20, False, "#FFFFFF", PP_ALIGN.CENTER)
        self.text(
            s,
            2,
            13.5,
            30,
            2.5,
            [c.compiler, f"{c.report_date.year}年{c.report_date.month}月{c.report_date.day}日"],
            16,
            False,
            "#333333",
            PP_ALIGN.CENTER,
        )

    def glance(self) -> None:
        c = self.c
        s = self.slide("指数一览")
        self.text(s, 1.2, 2.9, 12, 1.2, [f"{len(c.indicators)} 项指标评估结论"], 18, True, PRIMARY)
        for k, (verdict, colour) in enumerate(VERDICT_COLOURS.items()):
            y = 4.3 + k * 2.45
            box = s.shapes.add_shape(MSO_SHAPE.RECTANGLE, Cm(1.2), Cm(y), Cm(11.5), Cm(2.1))
            box.fill.solid()
            box.fill.fore_color.rgb = _rgb(colour)
            box.line.fill.background()
            tf = box.text_frame
            p = tf.paragraphs[0]
            p.alignment = PP_ALIGN.LEFT
            r = p.add_run()
            r.text = f"{verdict}　{c.counts.get(verdict, 0)} 项"
            self._font(r, 22, True, "#FFFFFF")
        if self.chart:
            from io import BytesIO

            s.shapes.add_picture(BytesIO(self.chart), Cm(13.4), Cm(3.2), width=Cm(19.5))
        if c.score is not None:
            self.text(s, 13.4, 13.6, 19, 1.0, [f"{c.score_label}：{c.score:.1f}"], 14, False, "#444444")

    def goals(self) -> None:
        c = self.c
        for g in c.goals:
            secs = [x for x in c.indicators if x.goal == g.name]
            counts = "，".join(f"{k} {v} 项" for k, v in g.counts.items() if v)
            s = self.slide(f"{g.name}（{g.indicators} 项）")
            rows = [(str(x.id), x.name, x.target_text, *[r.text for r in x.rows], x.verdict) for x in secs]
            self.table(
                s,
                ("序号", "指标", "目标", *[f"{y}年" for y in c.years], "结论"),
                rows,
                (1.3, 9.8, 5.2, *[3.6] * len(c.years), 2.6),
                y=2.9,
                size=10.5 if len(rows) > 8 else 12,
                verdict_col=3 + len(c.years),
            )
            self.text(s, 1.2, 17.9, 20, 0.9, [counts], 12, True, PRIMARY)

    def problems(self) -> None:
        c = self.c
        if not c.problems:
            s = self.slide("问题与差距")
            self.text(s, 1.2, 3.2, 30, 2, ["全部指标均达标或不适用。"], 20)
            return
        for start in range(0, len(c.problems), ROWS_PER_SLIDE):
            chunk = c.problems[start : start + ROWS_PER_SLIDE]
            s = self.slide(
                "问题与差距"
                + (f"（{start // ROWS_PER_SLIDE + 1}）" if len(c.problems) > ROWS_PER_SLIDE else "")
            )
            gaps = [(f"{p.indicator_id}. {p.indicator_name}", p.verdict, p.gap.headline) for p in chunk]
            self.table(s, ("指标", "结论", "差距"), gaps, (8.5, 2.6, 20.3), y=2.9, size=12, verdict_col=1)
        for start in range(0, len(c.problems), ROWS_PER_SLIDE):
            chunk = c.problems[start : start + ROWS_PER_SLIDE]
            s = self.slide(
                "完善措施"
                + (f"（{start // ROWS_PER_SLIDE + 1}）" if len(c.problems) > ROWS_PER_SLIDE else "")
            )
            rows: list[tuple[str, ...]] = []
            for p in chunk:
                m = p.measures[0] if p.measures else None
                more = f"（另有 {len(p.measures) - 1} 项）" if len(p.measures) > 1 else ""
                rows.append(
                    (
                        f"{p.indicator_id}. {p.indicator_name}",
                        (m.text + more) if m else "—",
                        m.lead if m else "—",
                        f"{m.deadline.year}年{m.deadline.month}月底" if m else "—",
                    )
                )
            self.table(
                s, ("指标", "主要措施", "牵头单位", "完成时限"), rows, (7.0, 16.4, 4.4, 3.6), y=2.9, size=11
            )

    def cases(self, limit: int) -> None:
        for k in self.c.cases[:limit]:
            title = f"典型案例：{k.title.split('：')[0]}" + (f"（{k.label}）" if k.label else "")
            s = self.slide(title)
            lines = [k.title, f"所在乡镇：{k.township}", f"转化路径：{k.path}", k.summary]
            self.text(s, 1.2, 3.0, 18.5 if k.photos else 31, 9, lines, 15)
            if k.figures:
                self.table(
                    s,
                    ("数据", "数值", "单位"),
                    [(f.name, f.value, f.unit) for f in k.figures],
                    (8.0, 3.0, 3.0),
                    y=12.6,
                    size=12,
                )
            if k.photos:
                s.shapes.add_picture(k.photos[0], Cm(20.5), Cm(3.0), width=Cm(12.2))
            linked = "、".join(f"{i}" for i in k.indicators)
            self.text(
                s,
                1.2,
                16.6,
                31,
                1.0,
                [f"关联指标：{linked}　责任单位：{'、'.join(k.units)}"],
                11,
                False,
                "#555555",
            )

    def closing(self) -> None:
        c = self.c
        s = self.slide("说明")
        self.text(
            s,
            1.2,
            3.2,
            31,
            10,
            [
                f"评估数值均为经领导小组办公室审核通过的数据（数据截至 {c.report_date.isoformat()}）。",
                f"指标体系：{c.catalog_title} {c.catalog_version}（{c.catalog_source}）。",
                f"生成软件：liangshan {c.package_version}；详见《{c.title}》。",
            ],
            16,
        )

    def build(self, case_limit: int) -> PresentationType:
        self.cover()
        self.glance()
        self.goals()
        self.problems()
        self.cases(case_limit)
        self.closing()
        return self.prs


def write_pptx(
    content: ReportContent,
    out: str | Path,
    *,
    fonts: FontSet | None = None,
    chart: bytes | None = None,
    case_limit: int = 3,
) -> Path:
    """Write the briefing deck to ``out``.

    Parameters
    ----------
    content : ReportContent
        The report model.
    out : str or Path
        Output ``.pptx`` file.
    fonts : FontSet, optional
        Fonts (default: detected; the deck uses the sans-serif heading face).
    chart : bytes, optional
        The summary chart PNG (rendered when absent).
    case_limit : int
        How many typical cases get a slide (the first ones of the library).
    """
    deck = _Deck(content, fonts or FontSet.detect(), chart if chart is not None else summary_chart(content))
    prs = deck.build(case_limit)
    stamp = datetime(content.report_date.year, content.report_date.month, content.report_date.day)
    cp = prs.core_properties
    cp.title = f"{content.region.name}“两山指数”自评估情况汇报"
    cp.author = content.compiler
    cp.last_modified_by = f"liangshan {content.package_version}"
    cp.created = stamp
    cp.modified = stamp
    cp.revision = 1
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    prs.save(str(path))
    normalise_zip(path)
    return path
