"""The annual progress report (年度建设进展报告) of a 两山 base, as Word (and PDF via LibreOffice).

After naming, the ministry's 管理规程 (《“绿水青山就是金山银山”实践创新基地建设管理规程》, 2024-02-01)
expects a base to report its construction each year and to be reviewed (复核/后评估) on its 两山指数
(the seed: “两山指数”评估 … 作为后评估和动态管理的依据). The report for year *Y* holds:

1. 基地建设基本情况 — the base status and its dates (:mod:`liangshan.services.base_status`);
2. “两山指数”指标年度变化 — every indicator of the region's set in *Y* against the baseline year
   (命名基准年; before naming 创建基准年), with the change and the verdict of the three years to *Y*
   (the same assessment as the 情况说明技术报告: approved values only);
3. 主要任务推进情况 — the work plan's main tasks with their newest progress;
4. 典型案例 — the case library's cases of the region;
5. 存在问题 — the early warnings (:mod:`liangshan.services.warnings`) and the incidents and 督察
   findings with their rectification state, serious open ones named as risks to the title
   (:mod:`liangshan.services.incidents`);
6. 下一年度工作计划 — the measures of the failing indicators, unfinished tasks, open rectifications.

It reuses the technical report's model (:func:`liangshan.report.content.build_content`) and Word
layout (:class:`liangshan.report.docx_writer.ReportWriter`, GB/T 9704 styles); the technical report is
unchanged. The state of the register is read on ``as_of`` (default today).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm

from liangshan import localtime
from liangshan.assess.values import display_value, round_half_even
from liangshan.report.content import EmptyReportError, ReportContent, build_content, collect
from liangshan.report.docx_writer import ReportWriter, cn_number, normalise_zip
from liangshan.report.fonts import FontSet
from liangshan.report.gaps import fmt_delta, fmt_value

WINDOW = 3
ProgressFn = Callable[[str, float], None]
CHAPTERS = ("基地建设基本情况", "“两山指数”指标年度变化", "主要任务推进情况", "典型案例", "存在问题",
            "下一年度工作计划")  # fmt: skip


@dataclass(frozen=True)
class IndicatorChange:
    id: int
    name: str
    target: str
    baseline: str
    value: str
    change: str
    verdict: str
    lead_unit: str


@dataclass(frozen=True)
class ProgressContent:
    """The progress report as data (the technical report's model of the three years to ``year`` inside)."""

    tech: ReportContent
    year: int
    status: dict[str, Any]
    baseline_year: int
    baseline_label: str
    rows: tuple[IndicatorChange, ...]
    warnings: tuple[dict[str, Any], ...]
    incidents: tuple[dict[str, Any], ...]
    as_of: date
    #: the work plan's quantified commitments with a target in ``year``: (task code, commitment, lead
    #: unit, target, actual, state) — :func:`liangshan.workplan.commitments.commitment_rows`
    commitments: tuple[tuple[str, str, str, str, str, str], ...] = ()

    @property
    def title(self) -> str:
        return f"{self.tech.region.name}“绿水青山就是金山银山”实践创新基地{self.year}年度建设进展报告"

    @property
    def risks(self) -> tuple[dict[str, Any], ...]:
        return tuple(i for i in self.incidents if i["risk"])


def _change(ind: Any, base: Any, value: Any) -> str:
    """The change from the baseline year: 提高/下降 by the difference at the reporting precision."""
    if base is None or value is None:
        return "—"
    if isinstance(base, bool) or isinstance(value, bool):
        return "不变" if base == value else f"由“{fmt_value(ind, base)}”变为“{fmt_value(ind, value)}”"
    d = round_half_even(float(value) - float(base), ind.precision)
    if d == 0:
        return "持平"
    return ("提高 " if d > 0 else "下降 ") + fmt_delta(ind, d)


def load_progress(
    url: str,
    region: str,
    year: int,
    *,
    as_of: date | None = None,
    allow_empty: bool = False,
    **options: Any,
) -> ProgressContent:
    """Read and assess what the progress report of ``region`` for ``year`` needs (one transaction).

    Raises :class:`~liangshan.report.content.EmptyReportError` when the region has no approved value in
    the three years to ``year`` (unless ``allow_empty``). Options: ``measures``, ``cases``, ``catalog``.
    """
    from liangshan.catalog import load_catalog
    from liangshan.report.measures import load_measures
    from liangshan.services.assessment import assess_region
    from liangshan.services.base_status import status_of
    from liangshan.services.incidents import register_rows
    from liangshan.services.warnings import early_warnings
    from liangshan.store.db import session_scope
    from liangshan.store.service import ensure_db

    if not 1949 < year <= 2100:
        raise ValueError(f"年份应在 1950—2100 之间，收到：{year}")
    ensure_db(url)
    cat = options.get("catalog") or load_catalog()
    lib = options.get("measures") or load_measures()
    years = list(range(year - WINDOW + 1, year + 1))
    day = as_of or localtime.today()
    with session_scope(url) as s:
        status = status_of(s, region)
        facts = collect(s, region, years, aliases=lib.aliases, catalog=cat)
        if not allow_empty and not any(not k[0].startswith("explain:") for k in facts.observations):
            raise EmptyReportError(
                f"地区 {region}（{facts.region.name}）{years[0]}—{year}年没有审核通过的指标数据，"
                "不生成年度建设进展报告；请确认地区代码与年份（确需生成空白报告时加 --allow-empty）"
            )
        a = assess_region(s, cat, region, years)
        base_year = status["baseline_year"]
        label = status["baseline_label"]
        if base_year is None or base_year > year:
            base_year, label = years[0], "评估期首年"
        base = None if base_year in years else assess_region(s, cat, region, [base_year])
        incidents = register_rows(s, region, day)
        commitments = _commitments(s, region, year, cat)
    tech = build_content(a, facts, measures=lib, cases=options.get("cases"), target_year=year + 1)
    rows = []
    for r in a.results:
        ind = r.indicator
        now_v = display_value(ind, r.years[-1])
        if base is None:
            yv = next(v for v in r.years if v.year == base_year)
        else:
            yv = next(x for x in base.results if x.indicator.id == ind.id).years[0]
        base_v = display_value(ind, yv)
        rows.append(
            IndicatorChange(
                ind.id,
                ind.name,
                r.target.text,
                fmt_value(ind, base_v),
                fmt_value(ind, now_v),
                _change(ind, base_v, now_v),
                r.verdict,
                ind.lead_unit,
            )
        )
    warnings = tuple(w.to_dict() for w in early_warnings(a, year))
    return ProgressContent(
        tech, year, status, base_year, label, tuple(rows), warnings, tuple(incidents), day, commitments
    )


def _commitments(
    session: Any, region: str, year: int, catalog: Any
) -> tuple[tuple[str, str, str, str, str, str], ...]:
    """The commitments with a target in ``year``, in task order, with their approved actual and state."""
    from sqlalchemy import select

    from liangshan.store.models_workplan import WpTask
    from liangshan.workplan.commitments import commitment_rows

    tasks = {
        i: (parent, code)
        for i, parent, code in session.execute(
            select(WpTask.id, WpTask.parent_id, WpTask.code).where(WpTask.region_code == region)
        )
    }

    def label(task_id: int) -> str:  # 主要任务（五）2: the section in brackets, then the item number
        parent, code = tasks.get(task_id, (None, ""))
        return f"{label(parent)}{code}" if parent in tasks else f"（{code}）"

    codes = {i: label(i) for i in tasks}
    out = []
    for task_id, cs in commitment_rows(session, region, catalog=catalog).items():
        for c in cs:
            for y in c["years"]:
                if y["year"] == year and y["status"] != "no_target":
                    out.append(
                        (codes.get(task_id, ""), c["name"], c["lead_unit"], y["target_text"],
                         y["actual_text"], y["status_label"])
                    )  # fmt: skip
    return tuple(out)


def _cn_date(text: str | None) -> str:
    if not text:
        return "—"
    parts = text.split("-")
    out = f"{parts[0]}年"
    if len(parts) > 1:
        out += f"{int(parts[1])}月"
    if len(parts) > 2:
        out += f"{int(parts[2])}日"
    return out


class _ProgressWriter(ReportWriter):
    """The technical report's Word layout with the progress report's chapters."""

    def __init__(self, pc: ProgressContent, fonts: FontSet) -> None:
        self.p = pc
        super().__init__(pc.tech, fonts, {})
        cp = self.doc.core_properties
        cp.title = pc.title
        cp.subject = f"{pc.tech.region.name}{pc.year}年度建设进展报告"
        cp.keywords = "两山基地；年度建设进展报告；后评估" + ("；示例数据" if pc.tech.demo else "")

    def chapters(self) -> list[str]:
        return [f"{cn_number(i)}、{n}" for i, n in enumerate(CHAPTERS, start=1)]

    def headings(self) -> list[tuple[int, str]]:
        ch = self.chapters()
        return [
            (1, ch[0]), (2, "（一）基地状态"), (2, "（二）管理依据"),
            (1, ch[1]), (1, ch[2]), (1, ch[3]),
            (1, ch[4]), (2, "（一）指标预警"), (2, "（二）突发环境事件与督察问题整改"),
            (1, ch[5]),
        ]  # fmt: skip

    def cover(self) -> None:
        c, p = self.c, self.p
        for _ in range(2):
            self.para("", indent=False)
        sub = self.doc.add_paragraph(style="Subtitle")
        sub.add_run(f"{c.region.name}“绿水青山就是金山银山”实践创新基地")  # the style carries the font
        sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
        t = self.doc.add_paragraph(style="Title")
        t.add_run(f"{p.year}年度建设进展报告").bold = True
        if c.demo:
            text = "示例数据　仅供演示，不作为正式报送材料"
            mark = self.para(text, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, size=16)
            mark.runs[-1].bold = True
        for _ in range(4):
            self.para("", indent=False)
        for k, v in (
            ("地　　区：", f"{c.region.full_name}（{c.region.code}）"),
            ("基地状态：", p.status["status"]),
            ("报告年度：", f"{p.year}年"),
            ("编制单位：", c.compiler),
            ("编制日期：", f"{p.as_of.year}年{p.as_of.month}月{p.as_of.day}日"),
        ):
            para = self.para(v, bold_lead=k, indent=False, size=14)
            para.paragraph_format.left_indent = Cm(2.5)
        self.page_break()

    def status_part(self) -> None:
        c, p, st = self.c, self.p, self.p.status
        self.heading(self.chapters()[0], 1)
        self.heading("（一）基地状态", 2)
        text = f"截至{_cn_date(p.as_of.isoformat())}，{c.region.name}“两山”基地状态为“{st['status']}”。"
        if st["named_on"]:
            text += f"{_cn_date(st['named_on'])}获命名（{st['named_doc'] or '命名文件文号待补'}），"
            text += f"命名年份 {p.baseline_year} 年为后评估的基准年。"
        else:
            text += f"尚未命名，本报告以{p.baseline_year}年（{p.baseline_label}）为基准对照各指标。"
        if st.get("next_review_year"):
            text += (
                f"按复核周期 {st['review_interval_years']} 年计，下次复核预计在{st['next_review_year']}年。"
            )
        self.para(text)
        mark = "（示例）" if st.get("example") else ""
        rows = [
            ("启动创建", _cn_date(st["started_on"]) + (mark if st["started_on"] else ""), ""),
            (
                "申报",
                _cn_date(st["applied_on"]) + (mark if st["applied_on"] else ""),
                st["applied_doc"] or "—",
            ),
            ("命名", _cn_date(st["named_on"]) + (mark if st["named_on"] else ""), st["named_doc"] or "—"),
            (
                "复核",
                _cn_date(st["reviewed_on"]) + (mark if st["reviewed_on"] else ""),
                st["review_doc"] or "—",
            ),
        ]
        self.table(
            ("环节", "日期", "文件"), rows, (3.0, 4.0, 8.9), caption="基地建设关键日期", center_cols=(0, 1)
        )
        self.heading("（二）管理依据", 2)
        b = st["basis"]
        self.para(
            f"基地管理依据{b['issuer']}{_cn_date(b['issued_on'])}印发的{b['title']}（替代{b['replaces']}）。"
            f"复核周期按 {st['review_interval_years']} 年设置（本系统参数，待按规程原文核实）。"
        )

    def indicator_part(self) -> None:
        p = self.p
        self.heading(self.chapters()[1], 1)
        counts = p.tech.counts
        summary = "，".join(f"{k} {v} 项" for k, v in counts.items() if v)
        self.para(
            f"按审核通过的数据，{p.year}年“两山指数”{len(p.rows)} 项指标"
            f"（评估期 {p.year - WINDOW + 1}—{p.year}年）"
            f"中{summary}。各指标{p.year}年数值与{p.baseline_year}年（{p.baseline_label}）对照如下表。"
        )
        self.table(
            ("序号", "指标", "目标", f"{p.baseline_year}年", f"{p.year}年", "变化", "判定"),
            [(str(r.id), r.name, r.target, r.baseline, r.value, r.change, r.verdict) for r in p.rows],
            (1.1, 4.4, 2.4, 2.2, 2.2, 2.2, 1.6),
            caption=f"“两山指数”指标{p.year}年与{p.baseline_year}年对照",
            size=9,
            shade_col=6,
            center_cols=(0, 3, 4, 5, 6),
        )

    def task_part(self) -> None:
        w = self.c.workplan
        self.heading(self.chapters()[2], 1)
        if not w.tasks:
            self.para("本地区尚未载入工作方案，主要任务推进情况待补充。")
            return
        rows = []
        for t in w.tasks:
            pct = f"{t.percent:.0f}%" if t.percent is not None else "—"
            latest = f"{t.latest}（{t.reported_on}）" if t.latest else "尚未报送进展"
            rows.append((t.code, t.title, pct, latest))
        self.table(("序号", "主要任务", "平均进度", "最新进展"), rows, (1.2, 5.6, 1.8, 7.0),
                   caption="工作方案主要任务推进情况", center_cols=(0, 2))  # fmt: skip
        done = sum(1 for t in w.tasks if t.percent is not None and t.percent >= 100)
        self.para(f"工作方案 {len(w.tasks)} 项主要任务中，{done} 项已完成，其余继续推进。")
        cs, year = self.p.commitments, self.p.year
        if cs:
            head = ("任务", "量化承诺", "牵头单位", f"{year}年目标", "实际值", "完成情况")
            self.table(head, cs, (1.6, 5.0, 2.8, 2.2, 2.2, 1.8),
                       caption=f"工作方案量化承诺{year}年完成情况", center_cols=(0, 3, 4, 5))  # fmt: skip
            met = sum(1 for c in cs if c[5] == "已达到")
            missing = sum(1 for c in cs if c[5] == "未报送")
            unmet = len(cs) - met - missing
            self.para(
                f"{year}年有目标的量化承诺 {len(cs)} 项：已达到 {met} 项，未达到 {unmet} 项，"
                f"未报送 {missing} 项（实际值以办公室审核通过的数值为准）。"
            )

    def case_part(self) -> None:
        self.heading(self.chapters()[3], 1)
        if not self.c.cases:
            self.para("本年度典型案例待领导小组办公室整理。")
            return
        for i, k in enumerate(self.c.cases, start=1):
            self.para(f"{k.summary}（转化路径：{k.path}）", bold_lead=f"{i}. {self._case_title(k)}：")

    def problem_part(self) -> None:
        p = self.p
        self.heading(self.chapters()[4], 1)
        self.heading("（一）指标预警", 2)
        if p.warnings:
            self.para(f"{p.year}年共有 {len(p.warnings)} 条指标预警，已推送领导小组办公室和牵头单位：")
            for i, w in enumerate(p.warnings, start=1):
                self.para(f"{i}. 【{w['kind_label']}】{w['text']}（牵头单位：{w['lead_unit']}）")
        else:
            self.para(f"{p.year}年没有低于目标或趋势转降的指标。")
        self.heading("（二）突发环境事件与督察问题整改", 2)
        if not p.incidents:
            self.para("登记簿中没有突发环境事件或督察反馈问题。")
            return
        rows = [
            (i["kind"], i["title"] + ("（示例）" if i["example"] else ""), i["responsible_unit"], i["state"],
             _cn_date(i["due_on"]), "是" if i["risk"] else "否")
            for i in p.incidents
        ]  # fmt: skip
        self.table(("类别", "问题", "责任单位", "整改状态", "整改期限", "影响称号"), rows,
                   (3.2, 5.2, 2.4, 1.8, 2.2, 1.6), caption="突发环境事件与督察问题整改台账", size=9,
                   center_cols=(3, 4, 5))  # fmt: skip
        if p.risks:
            names = "；".join(f"{i['title']}（{i['state']}）" for i in p.risks)
            self.para(
                f"以下 {len(p.risks)} 项严重问题尚未整改完成，对“两山”基地称号构成风险（本系统约定："
                f"重特大突发环境事件、中央生态环境保护督察反馈问题及标为严重的问题未整改完成即视为风险）：{names}。"
            )
        else:
            self.para("严重问题均已整改完成，未发现对称号构成风险的事项。")

    def plan_part(self) -> None:
        p, c = self.p, self.c
        self.heading(self.chapters()[5], 1)
        k = 0
        items = sorted({(m.deadline, m.text, m.lead) for pr in c.problems for m in pr.measures},
                       key=lambda x: (x[0], x[2], x[1]))  # fmt: skip
        self.para(f"{p.year + 1}年，领导小组办公室按月调度、按季通报，重点做好以下工作：")
        for d, text, lead in items:
            k += 1
            self.para(f"{k}. {d.year}年{d.month}月{d.day}日前，{lead}：{text.rstrip('。')}。")
        for i in p.incidents:
            if i["state"] != "已整改":
                k += 1
                due = f"{_cn_date(i['due_on'])}前" if i["due_on"] else "限期"
                self.para(f"{k}. {due}，{i['responsible_unit']}：完成“{i['title']}”整改并报送佐证材料。")
        for t in c.workplan.tasks:
            if t.percent is None or t.percent < 100:
                k += 1
                self.para(f"{k}. 继续推进主要任务（{t.code}）{t.title}。")
        if k == 0:
            self.para("巩固现有成效，保持各项指标稳定达标。")

    def signoff(self) -> None:
        self.para("", indent=False)
        d = self.p.as_of
        for text in (self.c.compiler, f"{d.year}年{d.month}月{d.day}日"):
            p = self.para(text, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
            p.paragraph_format.keep_with_next = True

    def build_progress(self) -> Any:
        self.cover()
        self.contents()
        self.status_part()
        self.indicator_part()
        self.task_part()
        self.case_part()
        self.problem_part()
        self.plan_part()
        self.signoff()
        return self.doc


def write_progress_docx(content: ProgressContent, out: str | Path, *, fonts: FontSet | None = None) -> Path:
    """Write the progress report as ``.docx`` (deterministic zip, as the technical report)."""
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = _ProgressWriter(content, fonts or FontSet.official()).build_progress()
    doc.save(str(path))
    normalise_zip(path)
    return path


def generate_progress(
    url: str,
    region: str,
    fmt: str,
    out: str | Path,
    *,
    year: int,
    progress: ProgressFn | None = None,
    fonts: FontSet | None = None,
    timeout: float = 300.0,
    **options: Any,
) -> Path:
    """Build the progress report of ``region`` for ``year`` and write it as ``docx`` or ``pdf``."""
    if fmt not in ("docx", "pdf"):
        raise ValueError(f"年度建设进展报告只能生成 docx 或 pdf（收到：{fmt}）")
    step = progress or (lambda _label, _fraction: None)
    step("读取审核通过的数据、基地状态与问题台账", 0.1)
    content = load_progress(url, region, year, **options)
    path = Path(out)
    step("写入 Word", 0.5)
    if fmt == "docx":
        made = write_progress_docx(content, path, fonts=fonts)
        step("完成", 1.0)
        return made
    from liangshan.report.pdf import docx_to_pdf

    with tempfile.TemporaryDirectory(prefix="liangshan-progress-") as tmp:
        docx = write_progress_docx(content, Path(tmp) / f"{path.stem}.docx", fonts=fonts)
        step("LibreOffice 转换 PDF", 0.7)
        made = docx_to_pdf(docx, Path(tmp) / f"{path.stem}.pdf", timeout=timeout)
        shutil.move(str(made), str(path))
    step("完成", 1.0)
    return path
