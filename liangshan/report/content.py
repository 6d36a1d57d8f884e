"""The report as data: a format-independent model of the 情况说明技术报告, built from an assessment.

:func:`collect` reads what the report needs from the store in one transaction (the region, its round,
the approved values used, their provenance, evidence files and approvers, the completeness of each
unit's data) and :func:`build_content` turns an :class:`~liangshan.assess.Assessment` plus those facts
into a :class:`ReportContent` — pure and deterministic: no clock (the report date is the date of the
newest approval among the values used, else the round's deadline), catalog order for indicators, sorted
lists everywhere. The writers (docx, pdf, xlsx, pptx) only lay this model out.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liangshan import __version__, localtime
from liangshan.assess import Assessment
from liangshan.assess.index import SCORE_LABEL, IndicatorResult
from liangshan.assess.rules import NA, PASS
from liangshan.assess.values import Observation, YearValue, display_value, round_half_even
from liangshan.catalog import Catalog, Indicator, load_catalog
from liangshan.report.cases import Case, CaseLibrary, load_cases
from liangshan.report.gaps import PROBLEM_VERDICTS, Gap, analyse, fmt_delta, fmt_value
from liangshan.report.measures import SUPPLIER, MeasureLibrary, load_measures, resolve_deadline
from liangshan.services.assessment import PENDING, Completeness, assess_region, unit_completeness
from liangshan.services.explanations import Explanation, list_explanations
from liangshan.store.errors import NotFoundError, StoreError
from liangshan.store.models import (
    AssessmentRound,
    Evidence,
    GroupMember,
    Region,
    Review,
    Submission,
    SubmissionEvidence,
    User,
)
from liangshan.store.models_workplan import WpDecision, WpMeeting, WpPlan, WpProgress, WpTask
from liangshan.store.regions import get_region, open_round, overrides
from liangshan.store.submissions import approved_observations

RULE_TEXT = {
    "threshold": "评估年（最新一年）数值按 GB/T 8170 修约到报告精度后与目标值比较，“>”为严格大于",
    "equals": "评估年数值修约后须等于目标值（全部达标）",
    "zoned_threshold": "按地区所属地形区（山区/丘陵区/平原区）选取目标值，评估年数值修约后比较",
    "steady_improvement": "评估期内逐年不下降为达标；末年不低于首年且仅一次下降为基本达标；否则未达标",
    "not_decrease": "评估年面积不低于批准的划定基数（未设置时为评估期首年），容差 0.01 km²",
    "obtained": "评估期内获得至少 1 个国家级及以上生态文化品牌，并有佐证材料",
    "established": "制度文件已印发且评估年度有实施佐证",
}
SOURCE_TEXT = {
    "elements": "数据项计算",
    "direct": "直接填报",
    "official": "官方发布值",
    "register": "称号登记簿",
}
DEMO_MARK = "示例"  # a value whose note says 示例数据 is demo data: the report is labelled 示例数据
PENDING_EXPLANATION = "待责任单位说明"


class EmptyReportError(StoreError):
    """The region has no approved values in the report's years."""


# ---- the model ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RegionFacts:
    code: str
    name: str
    parents: tuple[str, ...]
    terrain_zone: str | None
    land_area_km2: float | None
    population: int | None
    note: str
    leading_group: tuple[tuple[str, str, str], ...] = ()  # (position, name, title)

    @property
    def full_name(self) -> str:
        return "".join(self.parents) + self.name


@dataclass(frozen=True)
class RoundFacts:
    id: int | None
    name: str
    start_year: int
    end_year: int
    deadline: str | None


@dataclass(frozen=True)
class ElementRef:
    code: str
    name: str
    unit: str
    suppliers: tuple[str, ...]


@dataclass(frozen=True)
class InputRef:
    name: str
    sha256: str
    size: int | None


@dataclass(frozen=True)
class ProvenanceRef:
    """One calculation behind approved values: which elements, which year, how, from which files."""

    year: int
    elements: tuple[str, ...]  # element names
    calculator: str
    standard: str
    package_version: str
    inputs: tuple[InputRef, ...]


@dataclass(frozen=True)
class EvidenceRef:
    year: int
    element: str  # element name
    filename: str
    sha256: str
    size: int


@dataclass(frozen=True)
class ApprovalRef:
    year: int
    element: str
    version: int
    submitted_by: str
    approver: str
    at: str  # ISO date


@dataclass(frozen=True)
class YearRow:
    """One year of an indicator: the value as reported and how it was formed."""

    year: int
    value: float | bool | None
    text: str  # "88.8%", "是", "数据缺失（统计局）"
    status: str  # ok | missing | not_applicable
    composition: str  # "优良天数 318 天 ÷ 有效监测天数 358 天"
    source: str  # 数据项计算 | 直接填报 | ""
    missing_units: tuple[str, ...] = ()
    evidence_count: int = 0


@dataclass(frozen=True)
class ExplanationRow:
    """The responsible unit's 情况说明 of one year (approved item ``explain:N``)."""

    year: int
    source: str
    work: str
    cause: str


@dataclass(frozen=True)
class TaskProgress:
    code: str
    title: str
    indicators: tuple[int, ...]
    percent: float | None
    latest: str  # newest progress text of any unit
    reported_on: str


@dataclass(frozen=True)
class MeetingRef:
    held_on: str
    title: str
    decisions: tuple[str, ...]


@dataclass(frozen=True)
class WorkplanFacts:
    """创建工作开展情况: the work plan, its main tasks with their progress, the dispatch meetings."""

    title: str = ""
    doc_number: str = ""
    issued_on: str = ""
    issuer: str = ""
    tasks: tuple[TaskProgress, ...] = ()
    meetings: tuple[MeetingRef, ...] = ()


@dataclass(frozen=True)
class IndicatorSection:
    id: int
    name: str
    goal: str
    category: str
    unit: str
    precision: int
    definition: str
    standards: tuple[str, ...]
    target_text: str
    rule: str
    rule_text: str
    threshold: float | None
    responsible_units: tuple[str, ...]
    elements: tuple[ElementRef, ...]
    rows: tuple[YearRow, ...]
    verdict: str
    reason: str
    gap: Gap
    provenance: tuple[ProvenanceRef, ...]
    evidence: tuple[EvidenceRef, ...]
    approvals: tuple[ApprovalRef, ...]
    kind: str  # ratio | value | count | all_true
    # The rule's basis: kind (official | convention), label (官方规定 | 本系统约定), text, document,
    # clause, alternatives (liangshan.catalog.models.RuleBasis.to_dict).
    rule_basis: dict[str, Any] = field(default_factory=dict)
    # Indicator 16: the register's titles held in the evaluation year (name, level, awarding_body,
    # year, document, valid_until, example — an unverified 示例), empty otherwise.
    titles: tuple[dict[str, Any], ...] = ()
    explanations: tuple[ExplanationRow, ...] = ()
    analysis: tuple[str, ...] = ()  # years below target or falling, their size and drivers

    @property
    def latest(self) -> YearRow:
        return self.rows[-1]

    @property
    def explained(self) -> bool:
        return any(e.year == self.latest.year for e in self.explanations)

    @property
    def named_source(self) -> str:
        """The newest explanation's 数据来源 (empty when no explanation is approved)."""
        return self.explanations[-1].source if self.explanations else ""


@dataclass(frozen=True)
class MeasureItem:
    id: str
    text: str
    lead: str
    cooperating: tuple[str, ...]
    deadline: date
    task: str
    task_title: str


@dataclass(frozen=True)
class ProblemPlan:
    indicator_id: int
    indicator_name: str
    verdict: str
    gap: Gap
    measures: tuple[MeasureItem, ...]


@dataclass(frozen=True)
class UnitCompleteness:
    unit: str
    expected: int
    approved: int
    pending: int
    missing: int
    missing_items: tuple[str, ...]

    @property
    def rate(self) -> float:
        return 100.0 * self.approved / self.expected if self.expected else 100.0


@dataclass(frozen=True)
class SourceRow:
    code: str
    name: str
    unit: str
    suppliers: tuple[str, ...]
    computed_years: tuple[int, ...]
    entered_years: tuple[int, ...]
    missing_years: tuple[int, ...]


@dataclass(frozen=True)
class GroupSummary:
    code: str
    name: str
    indicators: int
    counts: dict[str, int]
    goal: str = ""


@dataclass(frozen=True)
class ReportContent:
    title: str
    region: RegionFacts
    round: RoundFacts
    years: tuple[int, ...]
    report_date: date
    compiler: str
    support_unit: str
    catalog_title: str
    catalog_version: str
    catalog_source: str
    package_version: str
    counts: dict[str, int]
    goals: tuple[GroupSummary, ...]
    categories: tuple[GroupSummary, ...]
    indicators: tuple[IndicatorSection, ...]
    problems: tuple[ProblemPlan, ...]
    not_applicable: tuple[IndicatorSection, ...]
    cases: tuple[Case, ...]
    completeness: tuple[UnitCompleteness, ...]
    sources: tuple[SourceRow, ...]
    target_year: int
    score: float | None = None
    score_label: str = SCORE_LABEL
    notes: tuple[str, ...] = field(default=())
    demo: bool = False
    workplan: WorkplanFacts = field(default_factory=WorkplanFacts)
    missing_explanations: tuple[tuple[int, str, str], ...] = ()  # (id, name, units) for the evaluation year
    catalog_set: str = ""  # the indicator set's id (``framework``), to look its indicators up again
    catalog_edition: str = ""  # the set's version as printed (``2024.1``)

    @property
    def evaluation_year(self) -> int:
        return self.years[-1]

    @property
    def period(self) -> str:
        return f"{self.years[0]}—{self.years[-1]}年"

    def indicator(self, ident: int) -> IndicatorSection:
        return next(s for s in self.indicators if s.id == ident)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data (dates as ISO strings), e.g. for the web API."""

        def conv(x: Any) -> Any:
            if isinstance(x, date):
                return x.isoformat()
            if isinstance(x, dict):
                return {str(k): conv(v) for k, v in x.items()}
            if isinstance(x, list | tuple):
                return [conv(v) for v in x]
            return x

        d = conv(dataclasses.asdict(self))
        d["cases"] = [c.model_dump(mode="json") for c in self.cases]
        return d


# ---- what the store supplies ----------------------------------------------------------------------
@dataclass(frozen=True)
class StoreFacts:
    """Everything the report reads from the database, as plain values (no ORM objects)."""

    region: RegionFacts
    round: RoundFacts
    observations: Mapping[tuple[str, int], Observation]
    submissions: Mapping[int, dict[str, Any]]  # id → {item, year, version, provenance, created_by}
    approvals: Mapping[int, tuple[str, str]]  # submission id → (approver display name, ISO date)
    evidence: Mapping[int, tuple[tuple[str, str, int], ...]]  # submission id → (filename, sha256, size)
    completeness: Completeness  # per unit, each element under its first supplier
    overrides: Mapping[int, Mapping[str, Any]]
    explanations: Mapping[tuple[int, int], Explanation] = field(default_factory=dict)
    workplan: WorkplanFacts = field(default_factory=lambda: WorkplanFacts())
    demo: bool = False


def collect(
    session: Session,
    region_code: str,
    years: Sequence[int] | None = None,
    round_id: int | None = None,
    aliases: Mapping[str, str] | None = None,
    catalog: Catalog | None = None,
) -> StoreFacts:
    """Read the store facts for a report of ``region_code`` (the round's years unless ``years``);
    ``aliases`` are other spellings of unit names (the measures library's)."""
    region = get_region(session, region_code)
    rnd: AssessmentRound | None
    try:
        rnd = open_round(session, region_code, round_id)
    except NotFoundError:
        if round_id is not None or not years:
            raise
        rnd = None
    if years:
        ys = tuple(sorted(set(years)))
        rf = RoundFacts(
            rnd.id if rnd and (rnd.start_year, rnd.end_year) == (ys[0], ys[-1]) else None,
            rnd.name
            if rnd and (rnd.start_year, rnd.end_year) == (ys[0], ys[-1])
            else f"{ys[0]}—{ys[-1]}年自评估",
            ys[0],
            ys[-1],
            rnd.deadline if rnd and (rnd.start_year, rnd.end_year) == (ys[0], ys[-1]) else None,
        )
    else:
        assert rnd is not None
        ys = tuple(range(rnd.start_year, rnd.end_year + 1))
        rf = RoundFacts(rnd.id, rnd.name, rnd.start_year, rnd.end_year, rnd.deadline)
    parents: list[str] = []
    p = region.parent_code
    while p:
        parent = session.get(Region, p)
        if parent is None:
            break
        parents.insert(0, parent.name)
        p = parent.parent_code
    group = session.scalars(
        select(GroupMember).where(GroupMember.region_code == region_code).order_by(GroupMember.sort)
    )
    facts = RegionFacts(
        region.code,
        region.name,
        tuple(parents),
        region.terrain_zone,
        region.land_area_km2,
        region.population,
        region.note or "",
        tuple((m.position, m.name, m.title) for m in group),
    )
    obs = approved_observations(session, region_code, ys)
    ids = sorted({o.submission_id for o in obs.values() if o.submission_id is not None})
    subs: dict[int, dict[str, Any]] = {}
    for s in session.scalars(select(Submission).where(Submission.id.in_(ids))):
        subs[s.id] = {
            "item": s.item_code,
            "year": s.year,
            "version": s.version,
            "provenance": s.provenance,
            "created_by": s.created_by,
            "note": s.note or "",
        }
    names = {u.username: u.display_name for u in session.scalars(select(User))}
    approvals: dict[int, tuple[str, str]] = {}
    for r in session.scalars(
        select(Review)
        .where(Review.submission_id.in_(ids), Review.action == "approve")
        .order_by(Review.at, Review.id)
    ):
        approvals[r.submission_id] = (names.get(r.actor, r.actor), localtime.beijing_day(r.at).isoformat())
    ev: dict[int, list[tuple[str, str, int]]] = {}
    for sid, e in session.execute(
        select(SubmissionEvidence.submission_id, Evidence)
        .join(Evidence, Evidence.id == SubmissionEvidence.evidence_id)
        .where(SubmissionEvidence.submission_id.in_(ids))
    ).all():
        ev.setdefault(sid, []).append((e.filename, e.sha256, e.size))
    # the round's deadline only when the report covers exactly the round's years (as ``rf``)
    comp = unit_completeness(
        session,
        catalog or load_catalog(),
        region_code,
        rnd if rf.id is not None else None,
        years=ys,
        approved=obs.keys(),
        lead_only=True,
        aliases=aliases,
    )
    explanations = list_explanations(session, region_code, ys)
    demo = any(DEMO_MARK in str(sub.get("note", "")) for sub in subs.values())
    return StoreFacts(
        facts,
        rf,
        obs,
        subs,
        approvals,
        {k: tuple(sorted(v)) for k, v in ev.items()},
        comp,
        overrides(session, region_code),
        explanations,
        _workplan(session, region_code),
        demo,
    )


def _workplan(session: Session, region_code: str) -> WorkplanFacts:
    """The work plan's main tasks with their newest progress, and the dispatch meetings with decisions."""
    plan = session.scalars(select(WpPlan).where(WpPlan.region_code == region_code)).first()
    if plan is None:
        return WorkplanFacts()
    tasks = []
    for t in session.scalars(
        select(WpTask)
        .where(WpTask.region_code == region_code, WpTask.parent_id.is_(None), WpTask.kind == "task")
        .order_by(WpTask.seq)
    ):
        sub_ids = [t.id, *session.scalars(select(WpTask.id).where(WpTask.parent_id == t.id))]
        progress = list(
            session.scalars(
                select(WpProgress)
                .where(WpProgress.task_id.in_(sub_ids))
                .order_by(WpProgress.reported_on.desc(), WpProgress.id.desc())
            )
        )
        newest = progress[0] if progress else None
        percents = {}
        for pr in reversed(progress):
            percents[(pr.task_id, pr.unit_id)] = pr.percent
        tasks.append(
            TaskProgress(
                t.code,
                t.title,
                tuple(t.indicators or ()),
                sum(percents.values()) / len(percents) if percents else None,
                newest.text if newest else "",
                newest.reported_on.isoformat() if newest else "",
            )
        )
    meetings = []
    for m in session.scalars(
        select(WpMeeting)
        .where(WpMeeting.region_code == region_code)
        .order_by(WpMeeting.held_on, WpMeeting.id)
    ):
        decisions = tuple(
            session.scalars(
                select(WpDecision.text).where(WpDecision.meeting_id == m.id).order_by(WpDecision.seq)
            )
        )
        meetings.append(MeetingRef(m.held_on.isoformat(), m.title, decisions))
    return WorkplanFacts(
        plan.title,
        plan.doc_number,
        plan.issued_on.isoformat() if plan.issued_on else "",
        plan.issuer,
        tuple(tasks),
        tuple(meetings),
    )


# ---- building the content -------------------------------------------------------------------------
def _fmt_number(x: float, unit: str, count: bool) -> str:
    s = f"{x:,.0f}" if count or float(x).is_integer() else f"{x:,.2f}"
    return f"{s} {unit}".rstrip() if unit else s


def _composition(ind: Indicator, yv: YearValue, catalog: Catalog, recomputed: YearValue | None = None) -> str:
    """How the year's value is made up; for an official figure, the recomputation beside it."""
    if yv.source == "official":
        own = _composition(ind, recomputed, catalog) if recomputed is not None else ""
        return f"官方发布值；复算：{own}" if own else "官方发布值"
    if yv.source == "direct":
        return "直接填报的指标值"
    comps = yv.components
    if not comps:
        return ""
    if ind.formula.kind == "ratio":
        elems = comps.get("elements", {})

        def side(codes: Sequence[str]) -> str:
            parts = []
            for c in codes:
                el = catalog.element(c)
                x = elems.get(c, 0.0)
                weighted = (
                    el.unit == "份" and not float(x).is_integer()
                )  # survey counts weighted by population
                name = f"{el.name}（按人口加权折算）" if weighted else el.name
                parts.append(f"{name} {_fmt_number(x, el.unit, el.kind == 'count')}")
            return " + ".join(parts)

        return f"{side(ind.formula.numerator)} ÷ {side(ind.formula.denominator)}"
    if ind.formula.kind == "all_true":
        return "；".join(
            f"{catalog.element(c).name}：{'是' if comps.get(c) else '否'}" for c in ind.formula.elements
        )
    return ""


def _missing_units(yv: YearValue, catalog: Catalog, ind: Indicator) -> tuple[str, ...]:
    codes = {e.code for e in catalog.data_elements}
    units: list[str] = []
    for c in yv.missing:
        for u in catalog.element(c).suppliers[:1] if c in codes else ind.responsible_units[:1]:
            if u not in units:
                units.append(u)
    return tuple(units or ind.responsible_units[:1])


def _row(ind: Indicator, yv: YearValue, catalog: Catalog, recomputed: YearValue | None = None) -> YearRow:
    v = display_value(ind, yv)
    if yv.status == "missing":
        units = _missing_units(yv, catalog, ind)
        return YearRow(yv.year, None, f"数据缺失（{'、'.join(units)}）", "missing", "", "", units)
    if yv.status == "not_applicable":
        return YearRow(
            yv.year, None, "不适用（无评价对象）", "not_applicable", _composition(ind, yv, catalog), ""
        )
    if isinstance(v, bool):
        text = "是" if v else "否"
    elif ind.formula.kind == "count":
        text = f"{v:g} {ind.unit}"
    else:
        text = fmt_value(ind, v)
    return YearRow(
        yv.year,
        v,
        text,
        "ok",
        _composition(ind, yv, catalog, recomputed),
        SOURCE_TEXT.get(yv.source or "", ""),
        (),
        yv.evidence_count,
    )


def _item_codes(ind: Indicator) -> list[str]:
    return [*ind.formula.element_codes(), f"indicator:{ind.id}"]


def _traces(
    ind: Indicator, years: Sequence[int], facts: StoreFacts, catalog: Catalog
) -> tuple[tuple[ProvenanceRef, ...], tuple[EvidenceRef, ...], tuple[ApprovalRef, ...]]:
    names = {e.code: e.name for e in catalog.data_elements} | {f"indicator:{ind.id}": ind.name}
    prov: dict[tuple[int, str, str, tuple[InputRef, ...]], tuple[list[str], str]] = {}
    evidence: list[EvidenceRef] = []
    approvals: list[ApprovalRef] = []
    for y in years:
        for code in _item_codes(ind):
            o = facts.observations.get((code, y))
            if o is None or o.submission_id is None:
                continue
            sub = facts.submissions.get(o.submission_id, {})
            p = sub.get("provenance")
            if p:
                inputs = tuple(
                    InputRef(str(i.get("name", "")), str(i.get("sha256", "")), i.get("size"))
                    for i in p.get("inputs", [])
                )
                key = (y, str(p.get("calculator", "")), str(p.get("standard", "")), inputs)
                prov.setdefault(key, ([], str(p.get("package_version", ""))))[0].append(names[code])
            for fn, sha, size in facts.evidence.get(o.submission_id, ()):
                evidence.append(EvidenceRef(y, names[code], fn, sha, size))
            who, at = facts.approvals.get(o.submission_id, ("—", ""))
            approvals.append(
                ApprovalRef(
                    y, names[code], int(sub.get("version", 0)), str(sub.get("created_by", "")), who, at
                )
            )
    provs = tuple(
        ProvenanceRef(y, tuple(els), calc, std, ver, inputs)
        for (y, calc, std, inputs), (els, ver) in sorted(prov.items(), key=lambda kv: (kv[0][0], kv[0][1]))
    )
    evidence.sort(key=lambda e: (e.year, e.element, e.filename, e.sha256))
    return provs, tuple(evidence), tuple(approvals)


def _elements_sum(codes: Sequence[str], year: int, facts: StoreFacts) -> float | None:
    total = 0.0
    for c in codes:
        o = facts.observations.get((c, year))
        if o is None or isinstance(o.value, bool) or o.value is None:
            return None
        total += float(o.value)
    return total


def _pct(a: float, b: float) -> str:
    return f"{abs(b - a) / a * 100:.1f}%" if a else "—"


def _side(label: str, codes: Sequence[str], y0: int, y1: int, facts: StoreFacts, catalog: Catalog) -> str:
    a, b = _elements_sum(codes, y0, facts), _elements_sum(codes, y1, facts)
    names = "、".join(catalog.element(c).name for c in codes)
    if a is None or b is None:
        return ""
    unit = catalog.element(codes[0]).unit
    num = "" if len(codes) > 1 else f" {unit}".rstrip()
    fa = f"{a:,.2f}".rstrip("0").rstrip(".")
    fb = f"{b:,.2f}".rstrip("0").rstrip(".")
    if b == a:
        return f"{label}（{names}）与上年持平（{fb}{num}）"
    word = "增加" if b > a else "减少"
    return f"{label}（{names}）由 {fa} 变为 {fb}{num}，{word} {_pct(a, b)}"


def _drivers(ind: Indicator, y0: int, y1: int, facts: StoreFacts, catalog: Catalog) -> str:
    """Numerator vs denominator: which side moved the ratio between ``y0`` and ``y1``."""
    if ind.formula.kind != "ratio":
        return ""
    num, den = ind.formula.numerator, ind.formula.denominator
    a0, a1 = _elements_sum(num, y0, facts), _elements_sum(num, y1, facts)
    b0, b1 = _elements_sum(den, y0, facts), _elements_sum(den, y1, facts)
    parts = [
        x
        for x in (_side("分子", num, y0, y1, facts, catalog), _side("分母", den, y0, y1, facts, catalog))
        if x
    ]
    if None in (a0, a1, b0, b1) or not parts:
        return ""
    assert a0 is not None and a1 is not None and b0 is not None and b1 is not None
    ra = (a1 - a0) / a0 if a0 else 0.0
    rb = (b1 - b0) / b0 if b0 else 0.0
    if ra < 0 and rb > 0:
        why = "，分子减少、分母增加共同导致比例下降"
    elif ra < 0 and abs(rb) < 1e-9:
        why = "，比例下降由分子减少导致"
    elif ra < rb:
        why = "，分母增幅大于分子，比例下降" if ra >= 0 else "，分子降幅大于分母，比例下降"
    else:
        why = ""
    return "；".join(parts) + why


def _analysis(
    r: IndicatorResult, facts: StoreFacts, catalog: Catalog, threshold: float | None
) -> tuple[str, ...]:
    """Every year below target or falling, with its size, drivers and the unit's cause (or 待责任单位说明)."""
    ind = r.indicator
    out: list[str] = []
    prev: YearValue | None = None
    for yv in r.years:
        if yv.status != "ok" or yv.value is None:
            prev = None
            continue
        cause = facts.explanations.get((ind.id, yv.year))
        cause_text = cause.cause.rstrip("。") if cause and cause.cause else PENDING_EXPLANATION
        if isinstance(yv.value, bool):
            if not yv.value:
                out.append(
                    f"{yv.year}年未满足要求（{_composition(ind, yv, catalog)}）。变化原因：{cause_text}。"
                )
            prev = yv
            continue
        v = round_half_even(float(yv.value), ind.precision)
        bits: list[str] = []
        drivers = ""
        if prev is not None and not isinstance(prev.value, bool) and prev.value is not None:
            p = round_half_even(float(prev.value), ind.precision)
            if v < p:
                rel = f"（相对下降 {(p - v) / p * 100:.1f}%）" if ind.unit != "%" and p else ""
                bits.append(f"较{prev.year}年下降 {fmt_delta(ind, p - v)}{rel}")
                if yv.source != "official":  # a published figure: its elements may not be stored
                    drivers = _drivers(ind, prev.year, yv.year, facts, catalog)
        if (
            threshold is not None
            and v < threshold
            and r.target.rule in ("threshold", "equals", "zoned_threshold", "not_decrease")
        ):
            bits.append(f"低于目标值 {fmt_value(ind, threshold)} {fmt_delta(ind, threshold - v)}")
        if bits:
            text = f"{yv.year}年为 {fmt_value(ind, v)}，" + "，".join(bits)
            if drivers:
                text += f"；{drivers}"
            out.append(f"{text}。变化原因：{cause_text}。")
        prev = yv
    return tuple(out)


def _section(r: IndicatorResult, a: Assessment, facts: StoreFacts, gap: Gap) -> IndicatorSection:
    cat, ind = a.catalog, r.indicator
    codes = {e.code for e in cat.data_elements}
    elements = tuple(
        ElementRef(c, cat.element(c).name, cat.element(c).unit, cat.element(c).suppliers)
        for c in ind.formula.element_codes()
        if c in codes
    )
    provs, evidence, approvals = _traces(ind, a.years, facts, cat)
    return IndicatorSection(
        id=ind.id,
        name=ind.name,
        goal=cat.goal_of(ind).name,
        category=cat.category(ind.category).name,
        unit=ind.unit,
        precision=ind.precision,
        definition=ind.definition,
        standards=ind.standards,
        target_text=r.target.text,
        rule=r.target.rule,
        rule_text=RULE_TEXT[r.target.rule],
        threshold=r.judgement.threshold,
        responsible_units=ind.responsible_units,
        elements=elements,
        rows=tuple(_row(ind, yv, cat, {y.year: y for y in r.recomputed}.get(yv.year)) for yv in r.years),
        verdict=r.verdict,
        reason=r.judgement.reason,
        gap=gap,
        provenance=provs,
        evidence=evidence,
        approvals=approvals,
        kind=ind.formula.kind,
        rule_basis=cat.basis_of(ind, r.target).to_dict(),
        titles=tuple(r.titles()),
        explanations=tuple(
            ExplanationRow(y, e.source, e.work, e.cause)
            for y in a.years
            if (e := facts.explanations.get((ind.id, y))) is not None
        ),
        analysis=_analysis(r, facts, cat, r.judgement.threshold),
    )


def _plans(
    sections: Sequence[IndicatorSection], lib: MeasureLibrary, rf: RoundFacts
) -> tuple[ProblemPlan, ...]:
    plans = []
    for sec in sections:
        if sec.verdict not in PROBLEM_VERDICTS:
            continue
        items: list[MeasureItem] = []
        if sec.gap.missing:
            suppliers: list[str] = []
            for mi in sec.gap.missing:
                lead = mi.units[0] if mi.units else sec.responsible_units[0]
                if lead not in suppliers:
                    suppliers.append(lead)
            dm = lib.data_missing
            for sup in suppliers:
                rule = dm.deadline or lib.default_deadline
                coop = tuple(u for u in dm.cooperating if lib.canonical(u) != lib.canonical(sup))
                items.append(
                    MeasureItem(
                        dm.id,
                        dm.text,
                        sup if dm.lead == SUPPLIER else dm.lead,
                        coop,
                        resolve_deadline(rule, rf.end_year, rf.deadline),
                        dm.task,
                        lib.task(dm.task).title,
                    )
                )
        if sec.verdict != "数据缺失":
            for m in lib.for_indicator(sec.id):
                rule = m.deadline or lib.default_deadline
                items.append(
                    MeasureItem(
                        m.id,
                        m.text,
                        m.lead,
                        m.cooperating,
                        resolve_deadline(rule, rf.end_year, rf.deadline),
                        m.task,
                        lib.task(m.task).title,
                    )
                )
        plans.append(ProblemPlan(sec.id, sec.name, sec.verdict, sec.gap, tuple(items)))
    return tuple(plans)


def _completeness(facts: StoreFacts) -> tuple[UnitCompleteness, ...]:
    """Per supplying unit (first supplier of each data element): approved, pending and missing figures
    (:func:`liangshan.services.assessment.unit_completeness`); "approved" is an approved value in force."""
    out = []
    for u in facts.completeness.units:
        cells = u.cells()
        missing = tuple(
            f"{c.year}年{item.name}" + ("（待审核）" if c.status in PENDING else "")
            for item, c in cells
            if not c.in_force
        )
        out.append(
            UnitCompleteness(u.unit, len(cells), u.in_force, u.pending, len(cells) - u.in_force, missing)
        )
    return tuple(out)


def _sources(a: Assessment, facts: StoreFacts) -> tuple[SourceRow, ...]:
    rows = []
    for el in a.catalog.data_elements:
        computed, entered, missing = [], [], []
        for y in a.years:
            o = facts.observations.get((el.code, y))
            if o is None or o.submission_id is None:
                missing.append(y)
            elif (facts.submissions.get(o.submission_id) or {}).get("provenance"):
                computed.append(y)
            else:
                entered.append(y)
        rows.append(
            SourceRow(
                el.code, el.name, el.unit, el.suppliers, tuple(computed), tuple(entered), tuple(missing)
            )
        )
    return tuple(rows)


def report_date(facts: StoreFacts) -> date:
    """The newest approval date among the values used (数据截至), else the round's deadline."""
    dates = sorted(at for _, at in facts.approvals.values() if at)
    if dates:
        return date.fromisoformat(dates[-1])
    if facts.round.deadline:
        return date.fromisoformat(facts.round.deadline)
    return date(facts.round.end_year + 1, 12, 31)


def build_content(
    a: Assessment,
    facts: StoreFacts,
    *,
    measures: MeasureLibrary | None = None,
    cases: CaseLibrary | None = None,
    target_year: int | None = None,
    compiler: str | None = None,
    support_unit: str = "",
    when: date | None = None,
) -> ReportContent:
    """The report model for assessment ``a`` with the store ``facts`` (pure; same inputs → same model).

    Parameters
    ----------
    a : Assessment
        The assessment (catalog, region, years, results).
    facts : StoreFacts
        What :func:`collect` read from the store.
    measures, cases : library, optional
        The measures and case libraries (default: the bundled files).
    target_year : int, optional
        Year by which a failing indicator should reach its target (default: the year after the window).
    compiler : str, optional
        编制单位 on the cover (default: the region's leading group office).
    support_unit : str
        技术支持单位 on the cover (the line is omitted when empty).
    when : date, optional
        Report date (default: :func:`report_date`).
    """
    lib = measures or load_measures()
    case_lib = cases if cases is not None else load_cases()
    ty = target_year or a.years[-1] + 1
    sections = []
    for r in a.results:
        gap = analyse(r, a.region, a.catalog, ty, lib.gap_terms)
        sections.append(_section(r, a, facts, gap))
    goals = tuple(GroupSummary(g["code"], g["name"], g["indicators"], g["counts"]) for g in a.by_goal())
    cats = tuple(
        GroupSummary(c["code"], c["name"], c["indicators"], c["counts"], a.catalog.goal(c["goal"]).name)
        for c in a.by_category()
    )
    notes = []
    if any(s.verdict == NA for s in sections):
        notes.append("“不适用”指评估年无评价对象（分母为0），不计入问题指标。")
    region_name = facts.region.name
    return ReportContent(
        title=f"{region_name}“两山指数”自评估情况说明技术报告",
        region=facts.region,
        round=facts.round,
        years=a.years,
        report_date=when or report_date(facts),
        compiler=compiler or f"{region_name}“绿水青山就是金山银山”实践创新基地建设领导小组办公室",
        support_unit=support_unit,
        catalog_title=a.catalog.title,
        catalog_version=f"{a.catalog.framework} {a.catalog.version}",
        catalog_source=a.catalog.source,
        catalog_set=a.catalog.framework,
        catalog_edition=a.catalog.version,
        package_version=__version__,
        counts=a.counts(),
        goals=goals,
        categories=cats,
        indicators=tuple(sections),
        problems=_plans(sections, lib, facts.round),
        not_applicable=tuple(s for s in sections if s.verdict == NA),
        cases=tuple(case_lib.for_region(facts.region.code)),
        completeness=_completeness(facts),
        sources=_sources(a, facts),
        target_year=ty,
        score=a.score(),
        notes=tuple(notes),
        demo=facts.demo,
        workplan=facts.workplan,
        missing_explanations=tuple(
            (s.id, s.name, "、".join(s.responsible_units)) for s in sections if not s.explained
        ),
    )


def load_content(
    url: str,
    region: str,
    *,
    years: Sequence[int] | None = None,
    round_id: int | None = None,
    weights: Mapping[int, float] | None = None,
    catalog: Catalog | None = None,
    allow_empty: bool = False,
    **options: Any,
) -> ReportContent:
    """Assess ``region`` from its approved values and build the report model (one read transaction).

    Raises :class:`EmptyReportError` when no approved value of the region's indicators exists in the
    years (a city, a region that is not a base's, years without data) unless ``allow_empty``."""
    from liangshan.store.db import session_scope
    from liangshan.store.service import ensure_db

    ensure_db(url)
    cat = catalog or load_catalog()
    lib = options.get("measures") or load_measures()
    with session_scope(url) as s:
        facts = collect(s, region, years, round_id, aliases=lib.aliases, catalog=cat)
        ys = list(range(facts.round.start_year, facts.round.end_year + 1))
        values = [k for k in facts.observations if not k[0].startswith("explain:")]
        if not values and not allow_empty:
            raise EmptyReportError(
                f"地区 {region}（{facts.region.name}）{ys[0]}—{ys[-1]}年没有审核通过的指标数据，"
                "不生成报告；请确认地区代码为“两山”基地所在县（区）、年份有数据"
                "（确需生成空白报告时加 --allow-empty）"
            )
        a = assess_region(s, cat, region, ys, weights=dict(weights) if weights is not None else None)
    return build_content(a, facts, **options)


__all__ = [
    "PASS",
    "ApprovalRef",
    "EvidenceRef",
    "IndicatorSection",
    "MeasureItem",
    "ProblemPlan",
    "ProvenanceRef",
    "ReportContent",
    "StoreFacts",
    "UnitCompleteness",
    "YearRow",
    "build_content",
    "collect",
    "load_content",
    "report_date",
]
