"""Verification points of a region and their route (store side of :mod:`liangshan.workplan.route`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liangshan.store.models import Unit
from liangshan.store.models_workplan import WpPoint
from liangshan.store.submissions import audit
from liangshan.workplan.errors import WorkplanError
from liangshan.workplan.route import Route, plan_route

POINT_KINDS: tuple[str, ...] = ("监测站点", "修复矿山", "产业园区", "景区", "村庄", "出发点", "其他")


def add_point(
    session: Session,
    region: str,
    *,
    name: str,
    kind: str,
    lon: float,
    lat: float,
    actor: str,
    owner_unit_id: int | None = None,
    talking_points: str = "",
    dwell_minutes: float = 20.0,
    indicators: Sequence[int] = (),
    is_start: bool = False,
    at: datetime | None = None,
) -> WpPoint:
    """Add a verification point (coordinates in WGS 84 degrees)."""
    if not name.strip():
        raise WorkplanError("点位名称不能为空")
    if kind not in POINT_KINDS:
        raise WorkplanError(f"点位类型应为 {'、'.join(POINT_KINDS)} 之一，得到 {kind!r}")
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise WorkplanError(f"点位“{name}”经纬度超出范围：{lon}, {lat}")
    if dwell_minutes < 0:
        raise WorkplanError("停留时间不能为负")
    if owner_unit_id is not None:
        u = session.get(Unit, owner_unit_id)
        if u is None or u.region_code != region:
            raise WorkplanError(f"单位 {owner_unit_id} 不属于地区 {region}")
    p = WpPoint(
        region_code=region,
        name=name.strip(),
        kind=kind,
        lon=float(lon),
        lat=float(lat),
        owner_unit_id=owner_unit_id,
        talking_points=talking_points,
        dwell_minutes=float(dwell_minutes),
        indicators=[int(i) for i in indicators],
        is_start=is_start,
    )
    session.add(p)
    session.flush()
    audit(session, actor, "create", "wp_point", p.id, after={"name": p.name, "lon": lon, "lat": lat}, at=at)
    return p


def points_of(session: Session, region: str) -> list[dict[str, Any]]:
    names = dict(session.execute(select(Unit.id, Unit.name).where(Unit.region_code == region)).all())
    rows = session.scalars(select(WpPoint).where(WpPoint.region_code == region).order_by(WpPoint.id)).all()
    return [
        {
            "id": p.id,
            "name": p.name,
            "kind": p.kind,
            "lon": p.lon,
            "lat": p.lat,
            "owner": names.get(p.owner_unit_id) if p.owner_unit_id else None,
            "talking_points": p.talking_points,
            "dwell_minutes": p.dwell_minutes,
            "indicators": list(p.indicators or []),
            "is_start": p.is_start,
        }
        for p in rows
    ]


def _clock(minutes: float, start_hhmm: str) -> str:
    h, m = (int(x) for x in start_hhmm.split(":"))
    t = h * 60 + m + round(minutes)
    return f"{(t // 60) % 24:02d}:{t % 60:02d}" + ("（次日）" if t >= 24 * 60 else "")


def region_route(
    session: Session,
    region: str,
    *,
    speed_kmh: float = 40.0,
    road_factor: float = 1.0,
    return_to_start: bool = False,
    start_time: str = "08:30",
) -> tuple[list[dict[str, Any]], Route, list[dict[str, Any]]]:
    """(points, route, rows for the route sheet) of a region; the start is the point marked ``is_start``
    (else the first point added)."""
    pts = points_of(session, region)
    if not pts:
        raise WorkplanError(f"地区 {region} 尚未设置现场核查点位")
    start = next((i for i, p in enumerate(pts) if p["is_start"]), 0)
    route = plan_route(
        [p["lon"] for p in pts],
        [p["lat"] for p in pts],
        start=start,
        dwell_minutes=[p["dwell_minutes"] for p in pts],
        speed_kmh=speed_kmh,
        road_factor=road_factor,
        return_to_start=return_to_start,
    )
    rows = []
    for leg in route.legs:
        p = pts[leg.index]
        rows.append(
            {
                **p,
                "seq": leg.seq,
                "distance_km": leg.distance_km,
                "drive_minutes": leg.drive_minutes,
                "arrive": _clock(leg.arrive_minutes, start_time),
                "depart": _clock(leg.depart_minutes, start_time),
            }
        )
    return pts, route, rows
