"""The dashboard: verdicts by goal and category, trends, completeness by unit, indicators at risk."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from liangshan.services.permissions import Actor, visible_indicators
from liangshan.web import charts
from liangshan.web.dashboard import dashboard
from liangshan.web.deps import ActorDep, csrf_protect, ctx_of, pick_region, render_cached

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


def dashboard_for(request: Request, actor: Actor, region: str | None, pending: bool) -> dict[str, Any]:
    """The dashboard data; a unit user gets it limited to the indicators its unit is responsible for."""
    ctx = ctx_of(request)
    code = pick_region(request, actor, region)
    data = dashboard(ctx, code, pending)
    if actor.is_unit:
        mine = {i.id for i in visible_indicators(actor, ctx.catalog)}
        goals = []
        for g in data["goals"]:
            cats = [
                {**c, "indicators": [i for i in c["indicators"] if i["id"] in mine]} for c in g["categories"]
            ]
            goals.append({**g, "categories": [c for c in cats if c["indicators"]]})
        inds = [i for i in data["indicators"] if i["id"] in mine]
        counts = {k: sum(i["verdict"] == k for i in inds) for k in data["counts"]}
        comp = {
            **data["completeness"],
            "units": [u for u in data["completeness"]["units"] if u["unit_id"] == actor.unit_id],
        }
        data = {
            **data,
            "goals": [g for g in goals if g["categories"]],
            "indicators": inds,
            "counts": counts,
            "risks": [r for r in data["risks"] if r["id"] in mine],
            "completeness": comp,
        }
    return data


def chart_json(data: dict[str, Any]) -> str:
    """The chart data the page's script reads (JSON in a data attribute, escaped by Jinja)."""
    trend = [
        {
            "id": i["id"],
            "name": i["name"],
            "unit": i["unit"],
            "values": [i["values"].get(str(y)) for y in data["years"]],
            "threshold": i["threshold"],
        }
        for i in data["indicators"]
    ]
    comp = data["completeness"]["units"]
    bars = {
        "units": [u["unit"] for u in comp],
        "approved": [u["approved"] for u in comp],
        "pending": [u["submitted"] - u["approved"] for u in comp],
        "missing": [u["expected"] - u["submitted"] for u in comp],
    }
    for t in trend:
        t["axis"] = charts.sparkline_axis(t["values"], t["threshold"], t["unit"])
    return json.dumps(
        {
            "years": data["years"],
            "trend": trend,
            "completeness": bars,
            "counts": data["counts"],
            "options": {
                "verdict": charts.verdict_option(data["counts"]),
                "completeness": charts.completeness_option(**bars),
            },
            "tables": {
                "verdict": charts.verdict_table(data["counts"]),
                "completeness": charts.completeness_table(**bars),
            },
        },
        ensure_ascii=False,
    )


@router.get("/dashboard")
def dashboard_page(
    request: Request, actor: ActorDep, region: str | None = None, pending: bool = False
) -> Response:
    ctx = ctx_of(request)
    code = pick_region(request, actor, region)
    view = ("unit", actor.unit_id) if actor.is_unit else ("all",)
    key = ("dashboard", code, pending, view, ctx.data_version())

    def make() -> dict[str, Any]:
        data = dashboard_for(request, actor, code, pending)
        return {"data": data, "chart": chart_json(data)}

    return render_cached(request, "dashboard.html", make, key)
