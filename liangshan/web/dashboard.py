"""Dashboard and indicator-page data: the assessment of approved values, completeness by unit, risks.

A region's state (its round, the assessment, the newest version of every item-year, every version
with its evidence, completeness by unit) is read in one pass of five queries and cached per region
and data version (the newest submission and review ids): the dashboard and all twenty indicator
pages of a region are then derived from it without touching the database, until someone saves or
reviews a value.

A value reopened for revision (status ``reopened``, :data:`liangshan.store.submissions.STANDING`) still
gives the verdict until its revision is approved; the dashboard and the indicator page mark it 修订中 with
the reason it was reopened.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from liangshan import localtime
from liangshan.assess.index import Assessment
from liangshan.assess.values import indicator_key
from liangshan.catalog.models import Catalog, DataElement, Indicator
from liangshan.services.assessment import assess_region, unit_completeness
from liangshan.services.queries import (
    current_round,
    evidence_of,
    fmt_value,
    round_dict,
    round_years,
    submission_dict,
)
from liangshan.store.models import AssessmentRound, Evidence, Review, Submission
from liangshan.store.regions import get_region
from liangshan.web.context import WebContext

VERDICT_CLASS = {
    "达标": "pass",
    "基本达标": "partial",
    "未达标": "fail",
    "数据缺失": "missing",
    "不适用": "na",
}
AT_RISK = ("未达标", "基本达标", "数据缺失")
REVISING = "修订中"


@dataclass(frozen=True)
class RegionState:
    """What the dashboard and the indicator pages of one region show, read in one pass."""

    region: dict[str, Any]
    round: AssessmentRound | None
    years: list[int]
    assessment: Assessment
    latest: dict[tuple[str, int], Submission]
    versions: dict[tuple[str, int], list[Submission]]
    evidence: dict[int, list[Evidence]]
    completeness: dict[str, Any]
    reopened: dict[tuple[str, int], dict[str, Any]]  # item-year → the reopened version, reason, day


def region_state(ctx: WebContext, region: str, pending: bool = False) -> RegionState:
    """The region's state for its current round's years (cached per region and data version)."""
    key = ("state", region, pending, ctx.data_version())
    hit = ctx.cache.get(key)
    if hit is not None:
        return hit
    with ctx.read() as s:
        reg = get_region(s, region)
        rnd = current_round(s, region)
        years = round_years(rnd) or [localtime.today().year - 1]
        res = assess_region(s, ctx.catalog, region, years, include_pending=pending)
        rows = list(
            s.scalars(
                select(Submission)
                .where(Submission.region_code == region, Submission.year.in_(years))
                .order_by(Submission.item_code, Submission.year, Submission.version)
            )
        )
        versions: dict[tuple[str, int], list[Submission]] = {}
        for v in rows:
            versions.setdefault((v.item_code, v.year), []).append(v)
        latest = {k: vs[-1] for k, vs in versions.items()}
        ev = evidence_of(s, [v.id for v in rows])
        reopened = _reopened(s, [v for v in rows if v.status == "reopened"])
        comp = unit_completeness(s, ctx.catalog, region, rnd, latest=latest).to_dict()
    state = RegionState(
        region={"code": reg.code, "name": reg.name, "terrain_zone": reg.terrain_zone},
        round=rnd,
        years=years,
        assessment=res,
        latest=latest,
        versions=versions,
        evidence=ev,
        completeness=comp,
        reopened=reopened,
    )
    ctx.cache.put(key, state)
    return state


def _reopened(s: Any, subs: list[Submission]) -> dict[tuple[str, int], dict[str, Any]]:
    """The reopened (standing, under revision) version of each item-year with the reason and day of its
    reopening (the last ``reopen`` review)."""
    if not subs:
        return {}
    why: dict[int, Review] = {}
    for r in s.scalars(
        select(Review)
        .where(Review.submission_id.in_([v.id for v in subs]), Review.action == "reopen")
        .order_by(Review.at, Review.id)
    ):
        why[r.submission_id] = r
    out = {}
    for v in subs:
        r = why.get(v.id)
        out[(v.item_code, v.year)] = {
            "version": v.version,
            "reason": r.reason if r else "",
            "on": localtime.beijing_day(r.at).isoformat() if r else None,
        }
    return out


def revision_text(year: int, info: dict[str, Any]) -> str:
    """``2025年数据修订中（重新打开理由：…）``."""
    reason = f"（重新打开理由：{info['reason']}）" if info.get("reason") else ""
    return f"{year}年数据{REVISING}{reason}"


def _revising(cat: Catalog, st: RegionState, ind_id: int) -> dict[str, str]:
    """Year → why the indicator's value of that year is 修订中 (a reopened value among its inputs)."""
    if not st.reopened:
        return {}
    ind = cat.indicator(ind_id)
    items = [*ind.formula.element_codes(), indicator_key(ind.id)]
    out = {}
    for y in st.years:
        infos = [st.reopened[(c, y)] for c in items if (c, y) in st.reopened]
        if infos:
            reasons = "；".join(dict.fromkeys(i["reason"] for i in infos if i["reason"]))
            out[str(y)] = revision_text(y, {"reason": reasons})
    return out


def dashboard(ctx: WebContext, region: str, pending: bool = False) -> dict[str, Any]:
    """Everything the dashboard shows for a region (cached by data version)."""
    key = ("dash", region, pending, ctx.data_version())
    hit = ctx.cache.get(key)
    if hit is not None:
        return hit
    st = region_state(ctx, region, pending)
    result = st.assessment.to_dict()
    goals = []
    cat = st.assessment.catalog  # the region's indicator set (a provincial variant may add categories)
    for g in cat.goals:
        cats = []
        for c in (c for c in cat.categories if c.goal == g.code):
            inds = [i for i in result["indicators"] if i["category"] == c.name and i["goal"] == g.name]
            for i in inds:
                i["css"] = VERDICT_CLASS.get(i["verdict"], "na")
                i["revising"] = _revising(cat, st, i["id"])
            cats.append({"code": c.code, "name": c.name, "indicators": inds})
        goals.append({"code": g.code, "name": g.name, "categories": cats})
    risks = [
        {"id": i["id"], "name": i["name"], "verdict": i["verdict"], "reason": i["reason"], "css": i["css"]}
        for i in result["indicators"]
        if i["verdict"] in AT_RISK
    ]
    data = {
        "region": st.region,
        "years": st.years,
        "pending": pending,
        "counts": result["summary"]["counts"],
        "goals": goals,
        "indicators": result["indicators"],
        "risks": risks,
        "completeness": st.completeness,
    }
    ctx.cache.put(key, data)
    return data


MONEY_UNITS = ("万元", "元", "亿元")


def element_decimals(e: DataElement) -> int | None:
    """Decimals a data element's value is shown with: the catalog's ``decimals``; else a count as a whole
    number, money to 2 decimals, anything else as entered (None)."""
    if e.decimals is not None:
        return e.decimals
    if e.kind == "count":
        return 0
    return 2 if e.unit in MONEY_UNITS else None


def formula_text(cat: Catalog, ind: Indicator) -> str:
    """The formula in words: （森林面积 + 草地面积）÷ 国土面积 × 100."""
    f = ind.formula
    name = {e.code: e.name for e in cat.data_elements}
    if f.kind == "ratio":
        num = " + ".join(name[c] for c in f.numerator)
        den = " + ".join(name[c] for c in f.denominator)
        scale = f" × {f.scale:g}" if f.scale != 1 else ""
        return f"（{num}）÷（{den}）{scale}"
    if f.kind == "all_true":
        return " 且 ".join(name[c] for c in f.elements)
    if f.kind == "count":
        return f"评估期内{name[f.element or '']}之和"
    return name[f.element or ""]


def indicator_page(
    ctx: WebContext, indicator: Indicator, region: str, pending: bool = False
) -> dict[str, Any]:
    """An indicator's definition, target, rule, values, verdict, and each element's values, evidence,
    provenance and history for the round's years."""
    key = ("ind", indicator.id, region, pending, ctx.data_version())
    hit = ctx.cache.get(key)
    if hit is not None:
        return hit
    st = region_state(ctx, region, pending)
    cat = st.assessment.catalog  # the region's indicator set
    rnd, years = st.round, st.years
    r = next(x for x in st.assessment.results if x.indicator.id == indicator.id)
    items = [*indicator.formula.element_codes(), indicator_key(indicator.id)]
    latest = st.latest
    elements = []
    for code in items:
        decimals: int | None
        if code.startswith("indicator:"):
            name, unit, suppliers = "（直接填报的指标值）", indicator.unit, list(indicator.responsible_units)
            decimals = indicator.precision
            if not any(k[0] == code for k in latest):
                continue
        else:
            e = cat.element(code)
            name, unit, suppliers = e.name, e.unit, list(e.suppliers)
            decimals = element_decimals(e)
        cells = []
        for y in years:
            sub = latest.get((code, y))
            hist = [submission_dict(v, st.evidence.get(v.id, [])) for v in st.versions.get((code, y), [])]
            reopened = st.reopened.get((code, y))
            cells.append(
                {
                    "revising": revision_text(y, reopened) if reopened else None,
                    "standing_version": reopened["version"] if reopened else None,
                    "year": y,
                    "value_text": fmt_value(sub),
                    "status": sub.status if sub else None,
                    "status_label": hist[-1]["status_label"] if hist else "未填报",
                    "version": sub.version if sub else 0,
                    "evidence": hist[-1]["evidence"] if hist else [],
                    "provenance": sub.provenance if sub else None,
                    "history": hist,
                }
            )
        elements.append(
            {
                "code": code,
                "name": name,
                "unit": unit,
                "decimals": decimals,
                "suppliers": suppliers,
                "years": cells,
            }
        )
    d = r.to_dict(cat)
    d["css"] = VERDICT_CLASS.get(d["verdict"], "na")
    d["revising"] = _revising(st.assessment.catalog, st, indicator.id)
    data = {
        "region": {"code": region, "name": st.region["name"]},
        "years": years,
        "pending": pending,
        "round": round_dict(rnd),
        "indicator": {
            "id": indicator.id,
            "name": indicator.name,
            "unit": indicator.unit,
            "definition": indicator.definition,
            "standards": list(indicator.standards),
            "formula": indicator.formula.model_dump(mode="json"),
            "formula_text": formula_text(cat, indicator),
            "target": r.target.model_dump(mode="json"),
            "precision": indicator.precision,
        },
        "result": d,
        "elements": elements,
    }
    ctx.cache.put(key, data)
    return data
