"""Roll-up of many counties for city and province users (``/regions``), its JSON and the boundaries.

Who may look: the office (领导小组办公室), leaders and reviewers (评审专家), for their own region or
any region below it (checked on the server for every route). Unit users and the technical analyst
see single counties through the dashboard only. The page shows the region's children with their
verdict counts and rank, the roll-up of the ratio indicators, a year switcher and a choropleth of
the children drawn from the GeoJSON the user imported (``liangshan rollup boundaries import``) —
no map tiles, nothing from the internet.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from liangshan import localtime
from liangshan.assess.rollup import ASSESSED_LEVEL, PASSES_PRECISION
from liangshan.catalog.models import Catalog
from liangshan.services.permissions import Actor, PermissionDenied, check_region
from liangshan.services.rollup import rollup_view
from liangshan.store.boundaries import BoundaryError, boundaries_path, read_boundaries
from liangshan.store.errors import NotFoundError, StoreError
from liangshan.store.rollup_queries import data_years, default_window
from liangshan.web import schemas as sc
from liangshan.web.dashboard import VERDICT_CLASS
from liangshan.web.deps import ActorDep, csrf_protect, ctx_of, render

router = APIRouter(dependencies=[Depends(csrf_protect)])
YearQ = Annotated[int | None, Query(ge=1990, le=2100, description="评估年度（窗口最后一年）")]
IndicatorQ = Annotated[str | None, Query(max_length=3, description="按此指标排名和设色（空 = 达标指标数）")]
ROLLUP_ROLES = frozenset({"office", "leader", "reviewer"})
MAP_MAX_PASSES = 20


def check_rollup(actor: Actor, region: str) -> None:
    """Only the office, leaders and reviewers, and only at or below their own region."""
    if actor.role not in ROLLUP_ROLES:
        raise PermissionDenied(
            f"只有领导小组办公室、领导和评审专家可以查看多地区汇总；您的角色是{actor.role_label}"
        )
    check_region(actor, region)


def _indicator(catalog: Catalog, text: str | None) -> int | None:
    """The indicator to rank by, among those the roll-up compares (``catalog``: the roll-up's)."""
    if text is None or not text.strip():
        return None
    try:
        return catalog.indicator(text.strip()).id
    except (KeyError, ValueError):
        ids = "、".join(str(i.id) for i in catalog.indicators)
        raise NotFoundError(f"未知指标或本汇总不比较的指标：{text}（可选指标序号：{ids}）") from None


def _window(span: tuple[int, int] | None, year: int | None, available: list[int]) -> tuple[int, ...]:
    """The window ending at ``year`` (default: the newest round's end, else the newest data year)."""
    length = span[1] - span[0] + 1 if span else 3
    end = year or (span[1] if span else (available[0] if available else localtime.today().year - 1))
    return tuple(range(end - length + 1, end + 1))


def map_data(data: dict[str, Any], indicator: int | None) -> dict[str, Any]:
    """What the choropleth draws: per child its value, verdict and rank; ``mode`` verdict or value."""
    kids = data["children"]
    by_verdict = indicator is not None and bool(kids) and all(k["level"] == ASSESSED_LEVEL for k in kids)
    items = []
    for k in kids:
        item: dict[str, Any] = {"code": k["code"], "name": k["name"], "rank": k["rank"]}
        if indicator is None:
            ok = k["passes"]["status"] == "ok"
            item.update(value=k["passes"]["mean"] if ok else None, verdict=None)
        else:
            cell = k["indicator"]
            item.update(value=cell["pass_share"], verdict=cell.get("verdict"), shown=cell["value"])
        items.append(item)
    if indicator is None:
        label, top = "县均达标指标数（项）", MAP_MAX_PASSES
    else:
        label, top = "达标县占比（%）", 100
    return {
        "region": data["region"]["code"],
        "mode": "verdict" if by_verdict else "value",
        "label": label,
        "max": top,
        "items": items,
    }


def rollup_data(
    request: Request, actor: Actor, region: str | None, year: int | None, indicator: str | None
) -> dict[str, Any]:
    """The roll-up of ``region`` (default: the user's own) for the window ending at ``year``; cached
    per region, year, indicator and data version."""
    ctx = ctx_of(request)
    code = (region or "").strip() or actor.region
    if not code:
        raise PermissionDenied("您的账号没有指定地区，请联系管理员")
    check_rollup(actor, code)
    text = (indicator or "").strip()
    key = ("rollup", code, year, text, ctx.data_version())
    hit = ctx.cache.get(key)
    if hit is not None:
        return dict(hit)
    with ctx.read() as s:
        available = data_years(s, code)
        ys = _window(default_window(s, code), year, available)
        r = rollup_view(s, ctx.catalog, code, ys)
    ind = _indicator(r.catalog, text)
    data = r.summary(code, ind)
    data["available_years"] = sorted(set(available) | {ys[-1]}, reverse=True)
    data["indicator"] = (
        None if ind is None else r.catalog.indicator(ind).model_dump(include={"id", "name", "unit"})
    )
    data["precision"] = {str(i.id): i.precision for i in r.catalog.indicators}
    data["map"] = map_data(data, ind)
    data["has_boundaries"] = boundaries_path(ctx.files_dir, code).is_file()
    ctx.cache.put(key, data)
    return dict(data)


@router.get("/regions", include_in_schema=False)
def regions_page(
    request: Request,
    actor: ActorDep,
    region: str | None = None,
    year: YearQ = None,
    indicator: IndicatorQ = None,
) -> Response:
    data = rollup_data(request, actor, region, year, indicator)
    return render(
        request,
        "rollup.html",
        {
            "data": data,
            "chart": json.dumps(data["map"], ensure_ascii=False),
            "indicators": data["indicators"],  # the compared indicators only
            "precision": {int(k): v for k, v in data["precision"].items()},
            "passes_precision": PASSES_PRECISION,
            "verdict_class": VERDICT_CLASS,
        },
    )


@router.get(
    "/api/rollup/{code}",
    tags=["汇总"],
    summary="地区汇总：比值指标和之比、各指标结论统计、下级地区排名（页面 /regions?region={code}）",
    response_model=sc.Rollup,
)
def api_rollup(
    request: Request, actor: ActorDep, code: str, year: YearQ = None, indicator: IndicatorQ = None
) -> dict[str, Any]:
    return rollup_data(request, actor, code, year, indicator)


@router.get(
    "/api/rollup/{code}/boundaries",
    tags=["汇总"],
    summary="下级地区边界（GeoJSON，由 liangshan rollup boundaries import 导入）",
    response_class=Response,
)
def api_boundaries(request: Request, actor: ActorDep, code: str) -> Response:
    check_rollup(actor, code)
    try:
        body = read_boundaries(ctx_of(request).files_dir, code)
    except BoundaryError as e:
        raise StoreError(str(e)) from None
    if body is None:
        raise NotFoundError(
            f"尚未导入地区 {code} 的下级地区边界：请运行 liangshan rollup boundaries import FILE.geojson"
        )
    return Response(
        body, media_type="application/geo+json", headers={"Cache-Control": "private, max-age=300"}
    )
