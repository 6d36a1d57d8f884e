"""The county map (``/map``): the layers the office uploads, coloured by status, drawn offline.

Layers (:data:`liangshan.store.boundaries.MAP_LAYERS`): the county boundary, air monitoring stations,
surface-water sections, drinking-water sources, ecological redline polygons — uploaded as GeoJSON/CSV
(:func:`liangshan.store.boundaries.import_map_layer`) — plus the work plan's on-site points (任务点位,
``wp_point``) and the located public supervision reports (案件位置, ``wp_report`` with coordinates),
merged with any uploaded file of the same layer.

Status colours: a feature of a layer tied to an indicator takes that indicator's verdict in the newest
year of the region's current round that has an approved value (:func:`assess_region`, approved values
only — the official result): stations ← 1 环境空气质量优良天数比例, sections ← 3 地表水水质, sources ←
2 集中式饮用水水源地水质达标率, redline ← 9 生态保护红线面积; a task point takes the verdict of its first
linked indicator; a case its handling status. The county-level verdict colours every feature of the
layer: the assessment is per county, not per station — said in the legend.

The public variant (``public=True``, the public page) has only the boundary, the stations and the sections,
with no status at all (no internal data, nothing from unapproved values).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liangshan.catalog import Catalog
from liangshan.services.assessment import assess_region
from liangshan.services.permissions import Actor, check_office, check_region
from liangshan.services.queries import current_round, round_years
from liangshan.store.boundaries import MAP_LAYERS, LayerImport, import_map_layer, read_map_layer
from liangshan.store.models import Region
from liangshan.store.models_workplan import WpPoint, WpReport
from liangshan.workplan.supervision import STATUS_LABELS as CASE_LABELS

LAYER_INDICATOR = {"stations": 1, "sections": 3, "sources": 2, "redline": 9}
PUBLIC_LAYERS = ("boundary", "stations", "sections")
VERDICT_COLORS = {
    "达标": "#1e8e3e",
    "基本达标": "#e8a33d",
    "未达标": "#c5221f",
    "数据缺失": "#6b4fbb",
    "不适用": "#9aa0a6",
}
CASE_COLORS = {"received": "#c5221f", "routed": "#e8a33d", "in_progress": "#e8a33d", "closed": "#1e8e3e"}
NEUTRAL = "#4a6fa5"
CASE_ROLES = ("office", "leader")  # case locations are internal: the office and the leaders


def _verdicts(session: Session, catalog: Catalog, region: str) -> tuple[int | None, dict[int, str]]:
    """(year, indicator id → verdict) of the newest round year with an approved value."""
    years = round_years(current_round(session, region))
    if not years:
        return None, {}
    a = assess_region(session, catalog, region, years)
    for y in sorted(years, reverse=True):
        if any(str(y) in r.values() and r.values()[str(y)] is not None for r in a.results):
            break
    else:
        return None, {}
    return y, {r.indicator.id: r.verdict for r in a.results}


def _feature(f: dict[str, Any], status: str | None, color: str) -> dict[str, Any]:
    props = dict(f.get("properties") or {})
    return {"name": str(props.get("name", "")), "status": status, "color": color, "geometry": f["geometry"]}


def map_data(
    session: Session,
    catalog: Catalog,
    files_root: Path,
    actor: Actor | None,
    region: str,
    *,
    public: bool = False,
) -> dict[str, Any]:
    """The map of ``region``: layers with features (name, status, colour, GeoJSON geometry) and legend.

    ``actor`` None only with ``public=True`` (the public page checks publication itself).
    """
    if not public:
        if actor is None:
            raise ValueError("map_data needs an actor unless public")
        check_region(actor, region)
    reg = session.get(Region, region)
    year, verdicts = (None, {}) if public else _verdicts(session, catalog, region)
    layers = []
    for key, (label, kinds) in MAP_LAYERS.items():
        if public and key not in PUBLIC_LAYERS:
            continue
        if key == "cases" and actor is not None and actor.role not in CASE_ROLES:
            continue
        feats = [dict(f) for f in read_map_layer(files_root, region, key)]
        ind = LAYER_INDICATOR.get(key)
        status = verdicts.get(ind) if ind is not None else None
        color = VERDICT_COLORS.get(status or "", NEUTRAL)
        rows = [_feature(f, status, color) for f in feats]
        if key == "sites" and not public:
            for p in session.scalars(
                select(WpPoint).where(WpPoint.region_code == region).order_by(WpPoint.id)
            ):
                st = next((verdicts[i] for i in p.indicators or [] if i in verdicts), None)
                rows.append(
                    {
                        "name": p.name,
                        "status": st,
                        "color": VERDICT_COLORS.get(st or "", NEUTRAL),
                        "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
                    }
                )
        if key == "cases" and not public:
            q = select(WpReport).where(
                WpReport.region_code == region, WpReport.lon.is_not(None), WpReport.lat.is_not(None)
            )
            for rep in session.scalars(q.order_by(WpReport.id)):
                rows.append(
                    {
                        "name": f"{rep.category}（{CASE_LABELS.get(rep.status, rep.status)}）",
                        "status": CASE_LABELS.get(rep.status, rep.status),
                        "color": CASE_COLORS.get(rep.status, NEUTRAL),
                        "geometry": {"type": "Point", "coordinates": [rep.lon, rep.lat]},
                    }
                )
        layers.append(
            {
                "key": key,
                "label": label,
                "kind": "point" if kinds == ("Point",) else "area",
                "indicator": None if public else ind,
                "status": None if public else status,
                "features": rows,
            }
        )
    legend = (
        []
        if public
        else [{"label": k, "color": v} for k, v in VERDICT_COLORS.items()]
        + [{"label": "无状态", "color": NEUTRAL}]
    )
    return {
        "region": region,
        "region_name": reg.name if reg else region,
        "year": year,
        "public": public,
        "has_boundary": any(ly["key"] == "boundary" and ly["features"] for ly in layers),
        "layers": layers,
        "legend": legend,
        "note": (
            "仅显示办公室公开的县界、监测站点和断面位置。"
            if public
            else "颜色为该图层关联指标的县级结论（已审核通过的数值），各站点同色；"
            "单个站点的评价须按单站数据另行核算。"
        ),
    }


def upload_layer(
    files_root: Path, actor: Actor, region: str, layer: str, data: bytes, filename: str
) -> LayerImport:
    """Store an uploaded map layer for ``region`` (office only; validated before anything is written)."""
    check_office(actor, "上传地图图层")
    check_region(actor, region)
    return import_map_layer(files_root, region, layer, data, filename)
