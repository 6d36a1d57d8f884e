"""Verification route: haversine against hand-computed values, ordering (nearest neighbour + 2-opt), times."""

from __future__ import annotations

import itertools
import math
import pathlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liangshan.workplan.route import (
    distance_matrix,
    haversine_km,
    nearest_neighbour,
    plan_route,
    route_length,
    two_opt,
)

R = 6371.0


def test_haversine_hand_computed() -> None:
    # one degree of a great circle: R·π/180
    assert haversine_km(0, 0, 1, 0) == pytest.approx(R * math.pi / 180, rel=1e-12)
    assert haversine_km(111.0, 34.0, 111.0, 35.0) == pytest.approx(111.19492664455873, rel=1e-12)
    # equator to pole: R·π/2; antipodes: R·π
    assert haversine_km(0, 0, 0, 90) == pytest.approx(10007.543398010286, rel=1e-12)
    assert haversine_km(0, 0, 180, 0) == pytest.approx(R * math.pi, rel=1e-12)
    # along a parallel at 60°: central angle from the spherical law of cosines, computed by hand
    phi = math.radians(60)
    c = math.acos(math.sin(phi) ** 2 + math.cos(phi) ** 2 * math.cos(math.radians(1)))
    assert haversine_km(10, 60, 11, 60) == pytest.approx(R * c, rel=1e-9)
    # same parallel, closed form: sin(c/2) = cos φ · sin(Δλ/2) → 2R·asin(0.5·sin 0.5°) = 55.59693 km
    assert haversine_km(10, 60, 11, 60) == pytest.approx(2 * R * math.asin(0.5 * math.sin(math.radians(0.5))))
    assert haversine_km(10, 60, 11, 60) == pytest.approx(55.59693, abs=1e-5)
    assert float(haversine_km(111.0, 34.0, 111.0, 34.0)) == 0.0


def test_matrix_is_symmetric_with_zero_diagonal() -> None:
    d = distance_matrix([111.0, 111.2, 110.9], [34.0, 34.1, 33.8])
    assert np.allclose(d, d.T) and np.all(np.diag(d) == 0)
    assert d[0, 1] == pytest.approx(float(haversine_km(111.0, 34.0, 111.2, 34.1)))


def test_points_on_a_line_are_visited_in_order() -> None:
    lon = [0.0, 3.0, 1.0, 2.0]
    lat = [0.0, 0.0, 0.0, 0.0]
    r = plan_route(lon, lat, start=0, speed_kmh=60.0, dwell_minutes=[0, 10, 10, 10])
    assert r.order == [0, 2, 3, 1]
    one = R * math.pi / 180
    assert r.total_km == pytest.approx(3 * one)
    assert [leg.distance_km for leg in r.legs] == pytest.approx([0.0, one, one, one])
    assert r.drive_minutes == pytest.approx(3 * one)  # 60 km/h: one minute per km
    assert r.total_minutes == pytest.approx(3 * one + 30)
    assert r.legs[1].arrive_minutes == pytest.approx(one) and r.legs[1].depart_minutes == pytest.approx(
        one + 10
    )


def test_two_opt_removes_a_crossing() -> None:
    # nearest neighbour from 0 takes 1 (closest), then 2, then has to cross back
    lon = [0.0, 0.1, 1.0, 1.0, 0.0]
    lat = [0.0, 0.0, 1.0, 0.0, 1.0]
    d = distance_matrix(lon, lat)
    nn = nearest_neighbour(d, 0)
    better = two_opt(nn, d)
    assert route_length(better, d) <= route_length(nn, d) + 1e-9
    best = min(route_length([0, *p], d) for p in itertools.permutations(range(1, 5)))
    assert route_length(better, d) == pytest.approx(best)


def test_closed_route_returns_to_start() -> None:
    r = plan_route([0, 1, 1, 0], [0, 0, 1, 1], return_to_start=True)
    one = R * math.pi / 180
    assert r.legs[-1].index == 0 and len(r.legs) == 5
    assert r.total_km == pytest.approx(
        3 * one + float(haversine_km(0, 1, 1, 1))
    )  # two meridians, equator, 1°N


def test_start_point_stays_first_and_bad_input() -> None:
    r = plan_route([111.0, 111.5, 110.5], [34.0, 34.2, 33.9], start=2, road_factor=1.4, speed_kmh=30)
    assert r.order[0] == 2 and sorted(r.order) == [0, 1, 2]
    plain = plan_route([111.0, 111.5, 110.5], [34.0, 34.2, 33.9], start=2)
    assert r.total_km == pytest.approx(1.4 * plain.total_km)
    with pytest.raises(ValueError, match="范围"):
        plan_route([200.0], [0.0])
    with pytest.raises(ValueError, match="起点"):
        plan_route([0.0, 1.0], [0.0, 0.0], start=5)
    with pytest.raises(ValueError):
        plan_route([], [])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(110.5, 111.6), st.floats(33.6, 34.4)), min_size=2, max_size=7))
def test_two_opt_never_worse_and_a_permutation(pts: list[tuple[float, float]]) -> None:
    lon, lat = zip(*pts, strict=True)
    d = distance_matrix(lon, lat)
    nn = nearest_neighbour(d, 0)
    r = plan_route(lon, lat)
    assert r.order[0] == 0 and sorted(r.order) == list(range(len(pts)))
    assert r.total_km <= route_length(nn, d) + 1e-9
    best = min(route_length([0, *p], d) for p in itertools.permutations(range(1, len(pts))))
    assert r.total_km >= best - 1e-9


def test_route_sheet_in_official_style(tmp_path: pathlib.Path) -> None:
    """The route sheet uses the report's official fonts (GB/T 9704 names, black headings, 五号 tables)."""
    import zipfile

    from liangshan.workplan.documents import write_route_sheet

    rows = [
        {"seq": i, "name": f"点位{i}", "kind": "示范点", "owner": "林业局",
         "lon": 111.0 + i / 10, "lat": 34.0,
         "distance_km": 1.5 * i, "drive_minutes": 5 * i, "arrive": "09:00", "depart": "09:30",
         "talking_points": "汇报要点", "indicators": [7]}
        for i in (1, 2)
    ]  # fmt: skip
    totals = {"total_km": 4.5, "drive_minutes": 15, "total_minutes": 75, "parameters": {}}
    out = write_route_sheet(rows, totals, tmp_path / "route.docx", title="现场核查路线单")
    with zipfile.ZipFile(out) as z:
        styles = z.read("word/styles.xml").decode()
        body = z.read("word/document.xml").decode()
    assert 'w:eastAsia="仿宋_GB2312"' in styles and 'w:eastAsia="黑体"' in styles
    assert "Noto" not in styles + body
    heading = styles[styles.index('w:styleId="Heading1"') :]
    heading = heading[: heading.index("</w:style>")]
    assert (
        "w:themeColor" not in heading and 'w:color w:val="000000"' in heading
    )  # black, not the default blue
    assert 'w:sz w:val="21"' in body  # 10.5 pt table text
