"""The briefing deck for the on-site verification (演示材料, work plan 三、第三阶段) with python-pptx.

Same data, fonts and colours as the report, in the order of the verification meeting: 基本情况, 创建工作
开展情况 (the work plan's tasks), the index at a glance (verdict counts and the summary chart), one slide
per goal (values and verdicts), the indicators with their trend charts and 情况说明 (two per slide),
两山转化模式与路径, the typical cases with figures and pictures, problems and measures, 下一步工作, and a
closing slide. 16:9, blank layout, every slide numbered, every run given Latin and East Asian
typefaces; long texts are cut to what the box holds (``_fit``), so nothing is clipped.
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
TASKS_PER_SLIDE = 7


def _fit(text: str, width_cm: float, height_cm: float, size_pt: float) -> str:
    """``text`` cut (with …) to what a box of the given size holds at ``size_pt`` (a CJK character is
    about 1 em wide, a line 1.25 em high)."""
    em = size_pt * 2.54 / 72
    per_line = max(int(width_cm / em) - 1, 1)
    lines = max(int(height_cm / (em * 1.3)), 1)
    room = per_line * lines
    return text if len(text) <= room else text[: room - 1] + "…"


def _rgb(hex_: str) -> RGBColor:
    return RGBColor.from_string(hex_.lstrip("#"))


class _Deck:
    def __init__(
        self,
        content: ReportContent,
        fonts: FontSet,
        chart: bytes | None,
        charts: dict[str, bytes] | None = None,
    ) -> None:
        self.c = content
        self.f = fonts
        self.chart = chart
        self.charts = charts or {}
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
        self.number(s)
        self.text(
            s,
            24.5,
            17.9,
            8.5,
            0.9,
            [
                f"{self.c.region.name}“两山指数”自评估 · {self.c.period}"
                + ("（示例数据）" if self.c.demo else "")
            ],
            10,
            False,
            "#666666",
            PP_ALIGN.RIGHT,
        )
        return s

    def number(self, s: Slide) -> None:
        """The slide number, bottom left."""
        self.text(s, 1.2, 17.9, 3, 0.9, [str(len(self.prs.slides))], 11, True, "#666666")

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
        if c.demo:
            self.text(s, 2, 12.2, 30, 1.0, ["示例数据　仅供演示"], 16, True, "#C62828", PP_ALIGN.CENTER)
        self.number(s)
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
            self.text(s, 4.5, 17.9, 18, 0.9, [counts], 12, True, PRIMARY)

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
            width = 18.5 if k.photos else 31
            lines = [
                k.title,
                f"所在乡镇：{k.township}",
                f"转化路径：{k.path}",
                _fit(k.summary, width, 4.0, 15),
            ]
            self.text(s, 1.2, 3.0, width, 9, lines, 15)
            if k.figures:
                self.table(
                    s,
                    ("数据", "数值", "单位"),
                    [(f.name, f.value, f.unit) for f in k.figures[:4]],
                    (11.0, 3.0, 3.0),
                    y=10.8,
                    size=11,
                )
            if k.photos:
                s.shapes.add_picture(k.photos[0], Cm(20.5), Cm(3.0), width=Cm(12.2))
            linked = "、".join(f"{i}" for i in k.indicators)
            self.text(
                s,
                4.5,
                16.6,
                28,
                1.0,
                [_fit(f"关联指标：{linked}　责任单位：{'、'.join(k.units)}", 28, 1.0, 11)],
                11,
                False,
                "#555555",
            )

    def basics(self) -> None:
        c = self.c
        s = self.slide("基本情况")
        facts = [f"{c.region.full_name}（行政区划代码 {c.region.code}）"]
        if c.region.terrain_zone:
            facts.append(f"地形区：{c.region.terrain_zone}")
        if c.region.land_area_km2:
            facts.append(f"国土面积：{c.region.land_area_km2:,.0f} 平方千米")
        if c.region.population:
            facts.append(f"常住人口：{c.region.population:,} 人")
        if c.region.note:
            facts.append(_fit(c.region.note, 30, 3, 16))
        leaders = [f"{n}（{t}）" for pos, n, t in c.region.leading_group if pos == "组长"]
        if leaders:
            facts.append(f"领导小组组长：{'、'.join(leaders)}")
        facts.append(f"评估期：{c.period}，评估年 {c.evaluation_year} 年，共 {len(c.indicators)} 项指标")
        self.text(s, 1.2, 3.2, 31, 14, facts, 18)

    def work(self) -> None:
        w = self.c.workplan
        if not w.title:
            return
        s = self.slide("创建工作开展情况：组织与方案")
        lines = [f"{w.doc_number}《{w.title}》" if w.doc_number else f"《{w.title}》"]
        if w.issued_on:
            lines.append(f"印发日期：{w.issued_on}　印发单位：{w.issuer or '—'}")
        lines.append(f"主要任务 {len(w.tasks)} 项，调度会议 {len(w.meetings)} 次")
        for m in w.meetings[-3:]:
            lines.append(_fit(f"{m.held_on} {m.title}：{'；'.join(m.decisions)}", 31, 2.2, 14))
        self.text(s, 1.2, 3.2, 31, 14, lines, 16)
        for start in range(0, len(w.tasks), TASKS_PER_SLIDE):
            chunk = w.tasks[start : start + TASKS_PER_SLIDE]
            s = self.slide("创建工作开展情况：主要任务推进")
            rows = [
                (
                    t.code,
                    _fit(t.title, 9.5, 1.0, 11),
                    f"{t.percent:.0f}%" if t.percent is not None else "—",
                    _fit(t.latest or "尚未报送进展", 15.5, 1.0, 11),
                )
                for t in chunk
            ]
            self.table(
                s, ("编号", "主要任务", "进度", "最新进展"), rows, (1.6, 10.0, 2.4, 17.4), y=2.9, size=11
            )

    def indicator_slides(self) -> None:
        secs = list(self.c.indicators)
        for start in range(0, len(secs), 2):
            pair = secs[start : start + 2]
            s = self.slide("分指标情况：" + "、".join(f"指标{x.id}" for x in pair))
            for k, x in enumerate(pair):
                y = 2.9 + k * 7.5
                chart = self.charts.get(f"indicator-{x.id}")
                if chart:
                    from io import BytesIO

                    s.shapes.add_picture(BytesIO(chart), Cm(1.2), Cm(y), width=Cm(14.5), height=Cm(6.8))
                e = x.explanations[-1] if x.explanations else None
                head = f"{x.id}. {x.name}：{x.latest.year}年 {x.latest.text}，{x.verdict}"
                body = (e.cause or e.work) if e else "情况说明待责任单位补充"
                src = f"数据来源：{e.source}" if e else ""
                self.text(s, 16.2, y, 16.4, 1.4, [_fit(head, 16.4, 1.4, 14)], 14, True, PRIMARY)
                self.text(s, 16.2, y + 1.5, 16.4, 3.4, [_fit(body, 16.4, 3.4, 12)], 12)
                if src:
                    self.text(s, 16.2, y + 5.0, 16.4, 1.8, [_fit(src, 16.4, 1.8, 10)], 10, False, "#555555")

    def paths(self) -> None:
        c = self.c
        s = self.slide("两山转化模式与路径")
        lines = []
        for k in c.cases:
            lines.append(_fit(f"{k.path}：{k.title}", 31, 1.4, 16))
        conv = [x for x in c.indicators if x.goal.startswith("金山银山") or x.id in (10, 19)]
        for x in conv[:6]:
            lines.append(_fit(f"{x.name}：{x.latest.year}年 {x.latest.text}（{x.verdict}）", 31, 0.9, 14))
        self.text(s, 1.2, 3.2, 31, 14, lines or ["转化路径待领导小组办公室整理。"], 15)

    def next_steps(self) -> None:
        c = self.c
        s = self.slide("下一步工作")
        items = sorted({(m.deadline, m.lead, m.text) for p in c.problems for m in p.measures})
        lines = [
            _fit(f"{d.year}年{d.month}月底前　{lead}：{text}", 31, 0.9, 13) for d, lead, text in items[:12]
        ]
        if c.missing_explanations:
            lines.append(f"补充 {len(c.missing_explanations)} 项指标的情况说明并报领导小组办公室审核。")
        self.text(s, 1.2, 3.0, 31, 14.5, lines or ["持续巩固各项指标成果。"], 13)

    def closing(self) -> None:
        c = self.c
        s = self.slide("说明")
        lines = [
            f"评估数值均为经领导小组办公室审核通过的数据（数据截至 {c.report_date.isoformat()}）。",
            f"指标体系：{c.catalog_title}（{c.catalog_source}）。",
            f"详见《{c.title}》。",
        ]
        if c.demo:
            lines.append("本演示文稿使用示例数据，仅供演示。")
        self.text(s, 1.2, 3.2, 31, 10, lines, 16)

    def build(self, case_limit: int) -> PresentationType:
        self.cover()
        self.basics()
        self.work()
        self.glance()
        self.goals()
        self.indicator_slides()
        self.paths()
        self.cases(case_limit)
        self.problems()
        self.next_steps()
        self.closing()
        return self.prs


def write_pptx(
    content: ReportContent,
    out: str | Path,
    *,
    fonts: FontSet | None = None,
    chart: bytes | None = None,
    case_limit: int = 3,
    charts: dict[str, bytes] | None = None,
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
    charts : dict, optional
        The indicators' trend charts (:func:`liangshan.report.charts.all_charts`; rendered when absent).
    """
    from liangshan.report.charts import all_charts

    deck = _Deck(
        content,
        fonts or FontSet.detect(),
        chart if chart is not None else summary_chart(content),
        charts if charts is not None else all_charts(content),
    )
    prs = deck.build(case_limit)
    stamp = datetime(content.report_date.year, content.report_date.month, content.report_date.day)
    cp = prs.core_properties
    cp.title = f"{content.region.name}“两山指数”自评估情况汇报"
    cp.author = content.compiler
    cp.last_modified_by = content.compiler
    cp.created = stamp
    cp.modified = stamp
    cp.revision = 1
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    prs.save(str(path))
    normalise_zip(path)
    return path
