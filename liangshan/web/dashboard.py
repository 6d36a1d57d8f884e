"""Dashboard and indicator-page data: the assessment of approved values, completeness by unit, risks.

Results are cached per region and data version (the newest submission and review ids), so a page
view costs two index look-ups until someone saves or reviews a value.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liangshan.assess import assess
from liangshan.assess.index import Assessment
from liangshan.assess.values import indicator_key
from liangshan.catalog.models import Catalog, Indicator
from liangshan.store.models import Region, Submission
from liangshan.store.regions import get_region, overrides, profile
from liangshan.store.submissions import approved_observations
from liangshan.web.context import WebContext
from liangshan.web.queries import (
    SUBMITTED,
    current_round,
    evidence_of,
    fmt_value,
    is_overdue,
    latest_map,
    round_dict,
    round_years,
    submission_dict,
    unit_elements,
)

VERDICT_CLASS = {
    "达标": "pass",
    "基本达标": "partial",
    "未达标": "fail",
    "数据缺失": "missing",
    "不适用": "na",
}
AT_RISK = ("未达标", "基本达标", "数据缺失")


def _assessment(
    session: Session, catalog: Catalog, region: str, years: list[int], pending: bool
) -> Assessment:
    reg = get_region(session, region)
    obs = approved_observations(session, region, years, include_pending=pending)
    return assess(catalog, profile(reg), years, obs, overrides(session, region))


def completeness(
    session: Session, catalog: Catalog, region: str, today: date | None = None
) -> dict[str, Any]:
    """Per unit: expected element-years, submitted, approved, returned, drafts, missing, overdue."""
    rnd = current_round(session, region)
    years = round_years(rnd)
    latest = latest_map(session, region, years)
    rows = []
    for unit, els in unit_elements(session, catalog, region):
        c = {
            "expected": 0,
            "submitted": 0,
            "approved": 0,
            "returned": 0,
            "draft": 0,
            "missing": 0,
            "overdue": 0,
        }
        for e in els:
            for y in years:
                sub = latest.get((e.code, y))
                st = sub.status if sub else None
                c["expected"] += 1
                c["submitted"] += st in SUBMITTED
                c["approved"] += st == "approved"
                c["returned"] += st == "returned"
                c["draft"] += st == "draft"
                c["missing"] += sub is None
                c["overdue"] += is_overdue(rnd, st, today)
        pct = round(100 * c["approved"] / c["expected"], 1) if c["expected"] else 0.0
        rows.append({"unit_id": unit.id, "unit": unit.name, **c, "approved_pct": pct})
    return {"round": round_dict(rnd), "units": rows}


def dashboard(ctx: WebContext, region: str, pending: bool = False) -> dict[str, Any]:
    """Everything the dashboard shows for a region (cached by data version)."""
    key = ("dash", region, pending, ctx.data_version())
    hit = ctx.cache.get(key)
    if hit is not None:
        return hit
    with ctx.read() as s:
        reg = get_region(s, region)
        rnd = current_round(s, region)
        years = round_years(rnd) or [date.today().year - 1]
        result = _assessment(s, ctx.catalog, region, years, pending).to_dict()
        comp = completeness(s, ctx.catalog, region)
    goals = []
    for g in ctx.catalog.goals:
        cats = []
        for c in (c for c in ctx.catalog.categories if c.goal == g.code):
            inds = [i for i in result["indicators"] if i["category"] == c.name and i["goal"] == g.name]
            for i in inds:
                i["css"] = VERDICT_CLASS.get(i["verdict"], "na")
            cats.append({"code": c.code, "name": c.name, "indicators": inds})
        goals.append({"code": g.code, "name": g.name, "categories": cats})
    risks = [
        {"id": i["id"], "name": i["name"], "verdict": i["verdict"], "reason": i["reason"], "css": i["css"]}
        for i in result["indicators"]
        if i["verdict"] in AT_RISK
    ]
    data = {
        "region": {"code": reg.code, "name": reg.name, "terrain_zone": reg.terrain_zone},
        "years": years,
        "pending": pending,
        "counts": result["summary"]["counts"],
        "goals": goals,
        "indicators": result["indicators"],
        "risks": risks,
        "completeness": comp,
    }
    ctx.cache.put(key, data)
    return data


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
    cat = ctx.catalog
    key = ("ind", indicator.id, region, pending, ctx.data_version())
    hit = ctx.cache.get(key)
    if hit is not None:
        return hit
    with ctx.read() as s:
        rnd = current_round(s, region)
        years = round_years(rnd) or [date.today().year - 1]
        res = _assessment(s, cat, region, years, pending)
        r = next(x for x in res.results if x.indicator.id == indicator.id)
        items = [*indicator.formula.element_codes(), indicator_key(indicator.id)]
        latest = latest_map(s, region, years, items)
        versions = list(
            s.scalars(
                select(Submission)
                .where(
                    Submission.region_code == region,
                    Submission.item_code.in_(items),
                    Submission.year.in_(years),
                )
                .order_by(Submission.item_code, Submission.year, Submission.version)
            )
        )
        ev = evidence_of(s, [v.id for v in versions])
        region_name = s.get(Region, region).name  # type: ignore[union-attr]
    elements = []
    for code in items:
        if code.startswith("indicator:"):
            name, unit, suppliers = "（直接填报的指标值）", indicator.unit, list(indicator.responsible_units)
            if not any(k[0] == code for k in latest):
                continue
        else:
            e = cat.element(code)
            name, unit, suppliers = e.name, e.unit, list(e.suppliers)
        cells = []
        for y in years:
            sub = latest.get((code, y))
            hist = [
                submission_dict(v, ev.get(v.id, [])) for v in versions if v.item_code == code and v.year == y
            ]
            cells.append(
                {
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
        elements.append({"code": code, "name": name, "unit": unit, "suppliers": suppliers, "years": cells})
    d = r.to_dict(cat)
    d["css"] = VERDICT_CLASS.get(d["verdict"], "na")
    data = {
        "region": {"code": region, "name": region_name},
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
