"""The indicator page: definition, target, rule, values, chart, evidence, provenance and history."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from liangshan.catalog.models import Indicator
from liangshan.services.catalogs import region_catalog
from liangshan.services.permissions import Actor, check_indicator, visible_indicators
from liangshan.store.errors import NotFoundError
from liangshan.web import charts
from liangshan.web.dashboard import indicator_page
from liangshan.web.deps import (
    ActorDep,
    IdPath,
    csrf_protect,
    ctx_of,
    pick_region,
    render,
    render_cached,
)

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


def _checked(request: Request, actor: Actor, ind_id: int, region: str | None) -> tuple[Indicator, str]:
    """The indicator and region asked for, after the permission check."""
    ctx = ctx_of(request)
    code = pick_region(request, actor, region)
    cat = region_catalog(ctx, code)  # the region's indicator set (a variant adds 特色指标)
    try:
        ind = cat.indicator(ind_id)
    except KeyError:
        raise NotFoundError(f"未知指标：{ind_id}（指标序号为 1–{len(cat.indicators)}）") from None
    check_indicator(actor, ind, code)
    return ind, code


def indicator_for(
    request: Request, actor: Actor, ind_id: int, region: str | None, pending: bool
) -> dict[str, Any]:
    ind, code = _checked(request, actor, ind_id, region)
    return indicator_page(ctx_of(request), ind, code, pending)


def indicator_list_context(request: Request, actor: Actor, region: str | None) -> dict[str, Any]:
    """The indicators the user sees (a unit user: those its unit is responsible for), catalog order."""
    ctx = ctx_of(request)
    code = pick_region(request, actor, region)
    cat = region_catalog(ctx, code)
    rows = [
        {
            "id": i.id,
            "name": i.name,
            "goal": cat.goal_of(i).name,
            "category": cat.category(i.category).name,
            "unit": i.unit,
            "target": i.target.text,
            "responsible_units": list(i.responsible_units),
        }
        for i in visible_indicators(actor, cat)
    ]
    return {"region": code, "indicators": rows}


@router.get("/indicators")
def indicator_list(request: Request, actor: ActorDep, region: str | None = None) -> Response:
    data = indicator_list_context(request, actor, region)
    return render(request, "indicators.html", data)


@router.get("/indicator/{ind_id}")
def indicator_detail(
    request: Request, actor: ActorDep, ind_id: IdPath, region: str | None = None, pending: bool = False
) -> Response:
    ctx = ctx_of(request)
    ind, code = _checked(request, actor, ind_id, region)
    key = ("indicator", ind_id, code, pending, ctx.data_version())

    def make() -> dict[str, Any]:
        data = indicator_page(ctx, ind, code, pending)
        chart = {
            "years": data["years"],
            "name": data["indicator"]["name"],
            "unit": data["indicator"]["unit"],
            "values": [data["result"]["values"].get(str(y)) for y in data["years"]],
            "threshold": data["result"]["threshold"],
        }
        args = (chart["name"], chart["unit"], chart["years"], chart["values"], chart["threshold"])
        chart["option"] = charts.indicator_option(*args)
        chart["table"] = charts.indicator_table(*args)
        return {"data": data, "chart": json.dumps(chart, ensure_ascii=False)}

    return render_cached(request, "indicator.html", make, key)
