"""On-site verification route (现场核查点位路线规划, 三、第三阶段 2): order the points and estimate
distances and times from their coordinates (pure functions, no road network, no online service).

Distances are great-circle (haversine) distances on a sphere of radius ``radius_km`` (default
6371.0 km, the mean Earth radius), multiplied by ``road_factor`` (default 1.0 = straight line; mountain
roads are often 1.3–1.6 times longer — a parameter, since no road network is used). Travel time =
distance / ``speed_kmh``; each point adds its dwell time.

The order is built by nearest neighbour from the start point and improved by 2-opt (reverse a
segment whenever that shortens the route) until no move helps. The route is open (it ends at the
last point) unless ``return_to_start``. For the handful to a few dozen points of a verification
visit this finds the optimum or comes close; it is not guaranteed optimal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

EARTH_RADIUS_KM = 6371.0


def haversine_km(
    lon1: np.ndarray | float,
    lat1: np.ndarray | float,
    lon2: np.ndarray | float,
    lat2: np.ndarray | float,
    radius_km: float = EARTH_RADIUS_KM,
) -> np.ndarray:
    """Great-circle distance, vectorized (broadcasts like numpy).

    Parameters
    ----------
    lon1, lat1, lon2, lat2 : array_like
        Longitudes and latitudes, degrees (WGS 84).
    radius_km : float
        Sphere radius, km.

    Returns
    -------
    numpy.ndarray
        Distance, km: ``2 R asin(sqrt(sin²(Δφ/2) + cos φ1 cos φ2 sin²(Δλ/2)))``.
    """
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * radius_km * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def distance_matrix(
    lon: Sequence[float] | np.ndarray, lat: Sequence[float] | np.ndarray, radius_km: float = EARTH_RADIUS_KM
) -> np.ndarray:
    """n × n haversine distances, km."""
    x = np.asarray(lon, dtype=float)
    y = np.asarray(lat, dtype=float)
    return haversine_km(x[:, None], y[:, None], x[None, :], y[None, :], radius_km)


def route_length(order: Sequence[int], dist: np.ndarray, closed: bool = False) -> float:
    idx = np.asarray(order)
    total = float(dist[idx[:-1], idx[1:]].sum()) if len(idx) > 1 else 0.0
    if closed and len(idx) > 1:
        total += float(dist[idx[-1], idx[0]])
    return total


def nearest_neighbour(dist: np.ndarray, start: int = 0) -> list[int]:
    """Greedy order: from ``start`` always go to the nearest unvisited point (ties: lowest index)."""
    n = dist.shape[0]
    order = [start]
    seen = np.zeros(n, dtype=bool)
    seen[start] = True
    for _ in range(n - 1):
        row = np.where(seen, np.inf, dist[order[-1]])
        nxt = int(np.argmin(row))
        order.append(nxt)
        seen[nxt] = True
    return order


def two_opt(order: Sequence[int], dist: np.ndarray, closed: bool = False, tol: float = 1e-9) -> list[int]:
    """Improve a route by 2-opt moves (the first point stays first) until none shortens it.

    For an open route the last edge may also be cut (the segment reversed to the end). Each pass
    evaluates every move of one cut point at once with numpy.
    """
    route = list(order)
    n = len(route)
    if n < 4 and not (n == 3 and not closed):
        return route
    improved = True
    while improved:
        improved = False
        for i in range(1, n - 1):
            r = np.asarray(route)
            a, b = r[i - 1], r[i]
            ks = np.arange(i + 1, n)
            c = r[ks]
            nxt = np.where(ks + 1 < n, r[np.minimum(ks + 1, n - 1)], r[0] if closed else -1)
            has_next = nxt >= 0
            before = dist[a, b] + np.where(has_next, dist[c, np.maximum(nxt, 0)], 0.0)
            after = dist[a, c] + np.where(has_next, dist[b, np.maximum(nxt, 0)], 0.0)
            gain = before - after
            k = int(np.argmax(gain))
            if gain[k] > tol:
                j = int(ks[k])
                route[i : j + 1] = route[i : j + 1][::-1]
                improved = True
    return route


@dataclass(frozen=True)
class Leg:
    """One stop of the route: the point, the leg that reaches it and the clock."""

    seq: int
    index: int
    distance_km: float
    drive_minutes: float
    arrive_minutes: float
    depart_minutes: float


@dataclass(frozen=True)
class Route:
    order: list[int]
    legs: list[Leg]
    total_km: float
    drive_minutes: float
    total_minutes: float
    parameters: dict[str, float | bool]


def plan_route(
    lon: Sequence[float],
    lat: Sequence[float],
    *,
    start: int = 0,
    dwell_minutes: Sequence[float] | None = None,
    speed_kmh: float = 40.0,
    road_factor: float = 1.0,
    return_to_start: bool = False,
    radius_km: float = EARTH_RADIUS_KM,
) -> Route:
    """Order points into a route and estimate distances and times.

    Parameters
    ----------
    lon, lat : sequence of float
        Point coordinates, degrees (WGS 84).
    start : int
        Index of the starting point (e.g. the county government); it stays first.
    dwell_minutes : sequence of float, optional
        Minutes spent at each point (default 0).
    speed_kmh : float
        Average travel speed, km/h (default 40, a county-road figure; a parameter).
    road_factor : float
        Road distance / straight-line distance (default 1.0).
    return_to_start : bool
        Close the loop back to the start.
    radius_km : float
        Earth radius, km.

    Returns
    -------
    Route
        Order, legs (distance km, drive/arrive/depart minutes from departure), totals.
    """
    n = len(lon)
    if n == 0 or n != len(lat):
        raise ValueError("核查点位为空，或经纬度个数不一致")
    x, y = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if (
        not (np.isfinite(x).all() and np.isfinite(y).all())
        or (np.abs(x) > 180).any()
        or (np.abs(y) > 90).any()
    ):
        raise ValueError("经纬度超出范围（经度 −180–180，纬度 −90–90）")
    if not 0 <= start < n:
        raise ValueError(f"起点序号 {start} 超出范围 0–{n - 1}")
    if speed_kmh <= 0 or road_factor <= 0:
        raise ValueError("速度与道路系数必须大于 0")
    dwell = np.zeros(n) if dwell_minutes is None else np.asarray(dwell_minutes, dtype=float)
    dist = distance_matrix(x, y, radius_km) * road_factor
    order = two_opt(nearest_neighbour(dist, start), dist, closed=return_to_start)
    stops = [*order, order[0]] if return_to_start and n > 1 else order
    legs: list[Leg] = []
    clock = 0.0
    for s, idx in enumerate(stops):
        d = 0.0 if s == 0 else float(dist[stops[s - 1], idx])
        drive = d / speed_kmh * 60.0
        arrive = clock + drive
        stay = 0.0 if (s == len(stops) - 1 and return_to_start and n > 1) else float(dwell[idx])
        depart = arrive + stay
        legs.append(Leg(s + 1, int(idx), d, drive, arrive, depart))
        clock = depart
    total = sum(leg.distance_km for leg in legs)
    drive_total = sum(leg.drive_minutes for leg in legs)
    return Route(
        order=[int(i) for i in order],
        legs=legs,
        total_km=total,
        drive_minutes=drive_total,
        total_minutes=clock,
        parameters={
            "speed_kmh": speed_kmh,
            "road_factor": road_factor,
            "return_to_start": return_to_start,
            "radius_km": radius_km,
        },
    )
