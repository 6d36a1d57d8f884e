"""Annual unit assessment (年度工作目标考核, 五、(一)): a configurable scoring sheet and the ranking.

The seed puts the base's construction into the units' annual target assessment but gives no rules;
the default sheet (``score_sheet.yaml``, labelled 参考，非官方) weighs seven rates, each in [0, 1]:

``timeliness``
    data items (data element × year of each round whose deadline falls in the year) the unit
    supplies whose first non-draft submission came on or before the deadline + ``grace_days``; of a
    shared element (several suppliers) the lead unit's item is the value, each cooperating unit's item
    its contribution (:mod:`liangshan.services.contributions`) — done at its first contribution, or
    when the value was first approved, whichever came first;
``completeness``
    of the same items, those submitted (contributed) by the assessment date;
``data_approved``
    of the element-years the unit is expected to supply in each round whose deadline falls in the year
    (every supplying unit, :func:`liangshan.services.assessment.unit_completeness` — the same counts as
    the dashboard's 数据报送完整性), those approved; a unit supplying no element has nothing to count;
``first_review_approval``
    of the unit's data items (element × year) whose first review decision (approve / return) fell
    in the year, those approved at that first decision (from :class:`~liangshan.store.models.Review`);
``task_progress``
    mean of the unit's newest reported percent on each task it is responsible for (roles in
    ``task_roles``), an unreported task counting 0 — except, with ``cooperating_progress: reported``
    (the default sheet), a task where the unit only cooperates, which counts once the unit has reported
    on it (四、主要任务's progress is the lead unit's report; cooperating units such as 各乡镇 that
    report nothing of their own have nothing to assess here);
``milestones_met``
    of the milestones, follow-up actions (督办事项) and checklist items the unit owns that fell due in
    the year (up to the assessment date), those done on or before their due date. A follow-up action
    *about data* (its text contains “数据”) closes itself once every element-year its unit is expected to
    supply in the year's rounds is approved (:func:`liangshan.workplan.tracking.data_closure`, the rule
    the item list applies too): it counts as done, on time;
``commitments_met``
    of the task commitments the unit leads (``lushi_plan.yaml`` ``commitments:``, lead named explicitly)
    that have a target in the year judged, those whose approved actual value (approved by the assessment
    date; a commitment linked to a 两山指数 figure takes that figure's approved value) meets the target;
    a commitment not reported counts as not met. The year judged is the assessment year minus
    ``commitment_year_lag`` (default 1: a year's values are known and reported after it ends, so the
    assessment of 2026 judges the commitments of 2025) — 本系统约定, see docs/workplan.md.

A component with a denominator of 0 does not apply to the unit. A unit to which no component applies
has nothing to assess: it gets no score and no rank and is shown as 无考核内容 (never 不合格).

Score = 100 × Σ wᵢ rᵢ / Σ wᵢ, the sums over the components that apply to the unit
(``not_applicable: renormalize``, default) or over all, a component without data counting 0
(``zero``). Units are ranked by score (rounded to 0.01), ties sharing a rank (1, 2, 2, 4).
:func:`score_units` is pure; :func:`gather_facts` reads the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from liangshan.catalog import Catalog, load_catalog
from liangshan.services.assessment import unit_completeness
from liangshan.services.contributions import first_contributions, is_cooperating
from liangshan.store.models import AssessmentRound, Review, Submission, Unit
from liangshan.store.models_workplan import WpAction, WpChecklistItem, WpMilestone, WpTask, WpTaskUnit
from liangshan.workplan.commitments import unit_counts as commitment_counts
from liangshan.workplan.errors import PlanFileError
from liangshan.workplan.plan import latest_progress
from liangshan.workplan.tracking import data_closure, is_data_action, item_state

DEFAULT_SHEET = Path(__file__).with_name("score_sheet.yaml")
COMPONENTS: tuple[str, ...] = (
    "timeliness",
    "completeness",
    "data_approved",
    "first_review_approval",
    "task_progress",
    "milestones_met",
    "commitments_met",
)
COMPONENT_LABELS = {
    "timeliness": "按时报送率",
    "completeness": "报送完整率",
    "data_approved": "数据审核通过率",
    "first_review_approval": "一次审核通过率",
    "task_progress": "任务进展",
    "milestones_met": "节点按期完成率",
    "commitments_met": "承诺目标达成率",
}
NOTHING_TO_ASSESS = "无考核内容"  # shown instead of a grade when no component applies to the unit


class Grade(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    min: float
    label: str


class ScoreSheet(BaseModel):
    """A scoring sheet: component weights (≥ 0), how a component without data is treated, grades."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = "年度工作目标考核评分表（参考，非官方）"
    weights: dict[str, float]
    not_applicable: Literal["renormalize", "zero"] = "renormalize"
    grace_days: int = Field(0, ge=0)
    task_roles: tuple[Literal["lead", "cooperating"], ...] = ("lead", "cooperating")
    cooperating_progress: Literal["always", "reported"] = "always"
    commitment_year_lag: int = Field(1, ge=0, le=5)
    grades: tuple[Grade, ...] = ()

    @field_validator("weights")
    @classmethod
    def _weights(cls, v: dict[str, float]) -> dict[str, float]:
        unknown = [k for k in v if k not in COMPONENTS]
        if unknown:
            raise ValueError(f"未知考核项 {unknown}（可用：{', '.join(COMPONENTS)}）")
        if any(w < 0 for w in v.values()):
            raise ValueError("权重不能为负")
        if sum(v.values()) <= 0:
            raise ValueError("权重合计必须大于 0")
        return v

    def grade(self, score: float | None) -> str | None:
        if score is None:
            return None
        for g in sorted(self.grades, key=lambda g: -g.min):
            if score >= g.min:
                return g.label
        return None


def load_sheet(path: str | Path | None = None) -> ScoreSheet:
    """Read a scoring sheet YAML (default :data:`DEFAULT_SHEET`); errors name the file and field."""
    p = Path(path) if path else DEFAULT_SHEET
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise PlanFileError(f"无法读取评分表：{exc}", file=str(p)) from exc
    try:
        return ScoreSheet.model_validate(doc)
    except ValidationError as exc:
        e = exc.errors()[0]
        where = ".".join(str(x) for x in e["loc"])
        raise PlanFileError(str(e["msg"]), file=str(p), where=where) from None


@dataclass(frozen=True)
class UnitFacts:
    """Counts behind each component: component → (numerator, denominator)."""

    unit_id: int
    unit: str
    counts: dict[str, tuple[float, float]]


@dataclass(frozen=True)
class UnitScore:
    unit_id: int
    unit: str
    rates: dict[str, float | None]
    counts: dict[str, tuple[float, float]]
    score: float | None
    grade: str | None
    rank: int | None = None
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "unit": self.unit,
            "unit_id": self.unit_id,
            "score": self.score,
            "grade": self.grade,
            "verdict": self.grade if self.score is not None else NOTHING_TO_ASSESS,
            "components": {
                k: {
                    "label": COMPONENT_LABELS[k],
                    "rate": self.rates.get(k),
                    "numerator": self.counts.get(k, (0, 0))[0],
                    "denominator": self.counts.get(k, (0, 0))[1],
                }
                for k in COMPONENTS
                if k in self.counts
            },
        }


def score_units(facts: Sequence[UnitFacts], sheet: ScoreSheet) -> list[UnitScore]:
    """Score and rank units (pure).

    Parameters
    ----------
    facts : sequence of UnitFacts
        Per unit, component → (numerator, denominator); a denominator of 0 means “does not apply”.
    sheet : ScoreSheet
        Weights, treatment of components without data and grades.

    Returns
    -------
    list of UnitScore
        Sorted by score (highest first; units with nothing to assess last, rank None).
    """
    scored: list[UnitScore] = []
    for f in facts:
        rates: dict[str, float | None] = {}
        num = den = 0.0
        for comp, w in sheet.weights.items():
            n, d = f.counts.get(comp, (0.0, 0.0))
            rate = None if d <= 0 else min(1.0, max(0.0, n / d))
            rates[comp] = rate
            if rate is not None:
                num += w * rate
                den += w
            elif sheet.not_applicable == "zero":
                den += w
        applicable = any(r is not None for r in rates.values())
        score = 100.0 * num / den if applicable and den > 0 else None
        scored.append(UnitScore(f.unit_id, f.unit, rates, dict(f.counts), score, sheet.grade(score)))
    scored.sort(key=lambda s: (s.score is None, -(s.score or 0.0), s.unit))
    out: list[UnitScore] = []
    prev: float | None = None
    rank = 0
    for i, s in enumerate(scored, start=1):
        if s.score is None:
            out.append(s)
            continue
        key = round(s.score, 2)
        if key != prev:
            rank, prev = i, key
        out.append(UnitScore(s.unit_id, s.unit, s.rates, s.counts, s.score, s.grade, rank, s.notes))
    return out


# ------------------------------------------------------------------------------------- database facts
def _supplier_map(units: Sequence[Unit], catalog: Catalog) -> dict[str, int]:
    """data element code → the unit that enters its value: the element's lead unit, else the first
    supplier found among the region's units."""
    by_name: dict[str, int] = {}
    for u in units:
        for n in [u.name, *(u.aliases or [])]:
            by_name.setdefault(n, u.id)
    out = {}
    for el in catalog.data_elements:
        uid = next((by_name[s] for s in ((el.lead,) if el.lead else ()) + el.suppliers if s in by_name), None)
        if uid is not None:
            out[el.code] = uid
    return out


def _cooperating_map(units: Sequence[Unit], catalog: Catalog) -> dict[str, list[int]]:
    """shared data element code → the region's cooperating units (配合单位, suppliers but not the lead)."""
    out: dict[str, list[int]] = {}
    for u in units:
        names = [u.name, *(u.aliases or [])]
        for el in catalog.data_elements:
            if is_cooperating(names, el):
                out.setdefault(el.code, []).append(u.id)
    return out


def gather_facts(
    session: Session,
    region: str,
    year: int,
    *,
    as_of: date | None = None,
    sheet: ScoreSheet | None = None,
    catalog: Catalog | None = None,
) -> list[UnitFacts]:
    """Count, for each unit of ``region``, the numerators and denominators of the components in ``year``.

    Parameters
    ----------
    session : Session
    region : str
        Region code.
    year : int
        Assessment year (calendar year).
    as_of : date, optional
        Assessment date (default 31 December of ``year``); nothing after it is counted.
    sheet : ScoreSheet, optional
        For ``grace_days`` and ``task_roles`` (default sheet).
    catalog : Catalog, optional
        Which unit supplies which data element.
    """
    sh = sheet or load_sheet()
    cat = catalog or load_catalog()
    end = min(as_of or date(year, 12, 31), date(year, 12, 31))
    start = date(year, 1, 1)
    units = list(session.scalars(select(Unit).where(Unit.region_code == region).order_by(Unit.sort, Unit.id)))
    supplier = _supplier_map(units, cat)
    counts: dict[int, dict[str, list[float]]] = {u.id: {c: [0.0, 0.0] for c in COMPONENTS} for u in units}

    # timeliness and completeness: rounds whose deadline falls in the year
    rounds = [
        r
        for r in session.scalars(select(AssessmentRound).where(AssessmentRound.region_code == region))
        if r.deadline and date.fromisoformat(str(r.deadline)).year == year
    ]
    if rounds:
        years = sorted({y for r in rounds for y in range(r.start_year, r.end_year + 1)})
        first: dict[tuple[str, int], date] = {}
        for code, y, created in session.execute(
            select(Submission.item_code, Submission.year, Submission.created_at).where(
                Submission.region_code == region, Submission.year.in_(years), Submission.status != "draft"
            )
        ):
            d = created.date()
            if (code, y) not in first or d < first[(code, y)]:
                first[(code, y)] = d
        contributed = first_contributions(session, region, years)
        approved_on: dict[tuple[str, int], date] = {}
        for code, y, at in session.execute(
            select(Submission.item_code, Submission.year, Review.at)
            .join(Review, Review.submission_id == Submission.id)
            .where(Submission.region_code == region, Submission.year.in_(years), Review.action == "approve")
        ):
            if (code, y) not in approved_on or at.date() < approved_on[(code, y)]:
                approved_on[(code, y)] = at.date()
        data_items: list[tuple[str, int, dict[tuple[str, int], date]]] = [
            (code, uid, first) for code, uid in supplier.items()
        ]
        for code, uids in _cooperating_map(units, cat).items():
            for uid in uids:
                done_on: dict[tuple[str, int], date] = {}
                for y in years:
                    on = [d for d in (approved_on.get((code, y)),) if d is not None]
                    if (code, y, uid) in contributed:
                        on.append(contributed[(code, y, uid)].date())
                    if on:
                        done_on[(code, y)] = min(on)
                data_items.append((code, uid, done_on))
        for r in rounds:
            deadline = date.fromisoformat(str(r.deadline)) + timedelta(days=sh.grace_days)
            for code, uid, dates in data_items:
                for y in range(r.start_year, r.end_year + 1):
                    unit_counts = counts[uid]
                    unit_counts["timeliness"][1] += 1
                    unit_counts["completeness"][1] += 1
                    first_on = dates.get((code, y))
                    if first_on is not None and first_on <= end:
                        unit_counts["completeness"][0] += 1
                        if first_on <= deadline:
                            unit_counts["timeliness"][0] += 1

    # data approved: the unit's expected element-years of each round (every supplying unit), approved
    for r in rounds:
        for up in unit_completeness(session, cat, region, r, today=end).units:
            if up.unit_id is None or up.unit_id not in counts:
                continue
            c = up.counts()
            approved = counts[up.unit_id]["data_approved"]
            approved[0] += c["approved"]
            approved[1] += c["expected"]
    closed_on = data_closure(session, cat, region, year, end)  # follow-up actions about data

    # first-review approval: the first approve/return decision on each (item, year) chain
    q = (
        select(Submission.item_code, Submission.year, Review.action, Review.at)
        .join(Review, Review.submission_id == Submission.id)
        .where(Submission.region_code == region, Review.action.in_(["approve", "return"]))
        .order_by(Review.at, Review.id)
    )
    decided: dict[tuple[str, int], tuple[str, date]] = {}
    for code, y, action, at in session.execute(q):
        decided.setdefault((code, y), (action, at.date()))
    for (code, _y), (action, decided_on) in decided.items():
        supplier_id = supplier.get(code)
        if supplier_id is None or not start <= decided_on <= end:
            continue
        rate = counts[supplier_id]["first_review_approval"]
        rate[1] += 1
        if action == "approve":
            rate[0] += 1

    # task progress: the unit's newest percent on each of its tasks
    rows = session.execute(
        select(WpTaskUnit.task_id, WpTaskUnit.unit_id, WpTaskUnit.role)
        .join(WpTask, WpTask.id == WpTaskUnit.task_id)
        .where(WpTask.region_code == region)
    )
    mine = [(t, u, role) for t, u, role in rows if role in sh.task_roles]
    latest = latest_progress(session, sorted({t for t, _, _ in mine}), end)
    for t, u, role in mine:
        if role != "lead" and sh.cooperating_progress == "reported" and (t, u) not in latest:
            continue
        progress = counts[u]["task_progress"]
        progress[1] += 1
        rep = latest.get((t, u))
        if rep is not None:
            progress[0] += rep.percent / 100.0

    # milestones met: tracked items owned by the unit that fell due in the year
    models: tuple[Any, ...] = (WpMilestone, WpAction, WpChecklistItem)  # same columns
    for model in models:
        for row in session.scalars(
            select(model).where(
                model.region_code == region,
                model.owner_unit_id.is_not(None),
                model.due.is_not(None),
                model.due >= start,
                model.due <= end,
                model.status != "cancelled",
            )
        ):
            if row.owner_unit_id is None:
                continue
            met = counts[row.owner_unit_id]["milestones_met"]
            met[1] += 1
            closed_by_data = (
                model is WpAction
                and is_data_action(row.title)
                and closed_on.get(row.owner_unit_id) is not None
            )
            if closed_by_data or item_state(row.due, row.status, row.done_on, end) == "done":
                met[0] += 1

    # commitments met: the commitments the unit leads with a target in the judged year
    judged = year - sh.commitment_year_lag
    for uid, n in commitment_counts(session, region, judged, as_of=end, catalog=cat).items():
        if uid in counts:
            counts[uid]["commitments_met"] = [float(n["met"]), float(n["total"])]

    return [UnitFacts(u.id, u.name, {k: (v[0], v[1]) for k, v in counts[u.id].items()}) for u in units]


def assess_units(
    session: Session,
    region: str,
    year: int,
    *,
    as_of: date | None = None,
    sheet: ScoreSheet | None = None,
    catalog: Catalog | None = None,
) -> dict[str, Any]:
    """The ranking table of ``year`` as JSON-ready data (keys sheet, year, as_of, units)."""
    sh = sheet or load_sheet()
    facts = gather_facts(session, region, year, as_of=as_of, sheet=sh, catalog=catalog)
    ranked = score_units(facts, sh)
    return {
        "region": region,
        "year": year,
        "as_of": min(as_of or date(year, 12, 31), date(year, 12, 31)).isoformat(),
        "sheet": sh.model_dump(mode="json"),
        "units": [s.as_dict() for s in ranked],
    }
