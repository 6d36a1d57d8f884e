"""County map (``/map``, ``/api/map``, ``/public/{region}/map``): the demo's stations, sections and redline
on the county boundary, statuses from approved values only, the office's layer upload (bad rows named,
nothing stored), the public variant without internal data, and — in Chromium — no request to any host
other than the test server."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
import shapely.geometry
from fastapi.testclient import TestClient
from sqlalchemy import select
from websupport import CHROMIUM, CHROMIUM_ARGS, PASSWORD, login, pw_hash, start_server, stop_server

from liangshan.config import evidence_root
from liangshan.demo import air, water
from liangshan.demo.build import REGION, build_demo
from liangshan.demo.map_layers import seed_map_layers
from liangshan.store.db import dispose_engines, session_scope
from liangshan.store.models import User
from liangshan.web.app import create_app
from liangshan.workplan.public import set_settings

VERDICTS = {"达标", "基本达标", "未达标", "数据缺失", "不适用"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The demo database (built once for the module) with its map layers and passwords for two users."""
    tmp = tmp_path_factory.mktemp("mapdemo")
    url = f"sqlite:///{tmp / 'demo.db'}"
    build_demo(url, tmp / "raw")
    files = evidence_root(url)
    seed_map_layers(files, tmp / "raw")
    with session_scope(url) as s:
        for u in s.scalars(select(User).where(User.username.in_(["office", "leader", "u01", "u13"]))):
            u.password_hash = pw_hash()
    yield url, files
    dispose_engines()


@pytest.fixture
def client(demo: tuple[str, Path]) -> Iterator[TestClient]:
    url, files = demo
    with TestClient(create_app(url, files, secret_key="k" * 40)) as c:
        yield c


def layer(data: dict, key: str) -> dict:  # type: ignore[type-arg]
    return next(ly for ly in data["layers"] if ly["key"] == key)


def test_demo_stations_sections_and_redline_on_the_county_boundary(client: TestClient) -> None:
    login(client, "office")
    data = client.get(f"/api/map?region={REGION}").json()
    (county,) = layer(data, "boundary")["features"]
    outline = shapely.geometry.shape(county["geometry"])
    assert county["geometry"]["type"] in ("Polygon", "MultiPolygon") and outline.area > 0
    stations = layer(data, "stations")["features"]
    sections = layer(data, "sections")["features"]
    redline = layer(data, "redline")["features"]
    assert [f["name"] for f in stations] == list(air.STATIONS)
    assert [f["name"] for f in sections] == [s[0] for s in water.SECTIONS]
    assert len(redline) >= 10
    for f in stations + sections:
        assert outline.contains(shapely.geometry.shape(f["geometry"])), f["name"]
    for f in redline:
        assert outline.buffer(1e-3).contains(shapely.geometry.shape(f["geometry"])), f["name"]
    # colours: the verdicts of the linked indicators from approved values
    assert data["has_boundary"] and data["year"] is not None
    for key, ind in (("stations", 1), ("sections", 3), ("redline", 9)):
        ly = layer(data, key)
        assert ly["indicator"] == ind and ly["status"] in VERDICTS
        assert {f["status"] for f in ly["features"]} == {ly["status"]}
    dash = client.get(f"/api/dashboard?region={REGION}").json()
    assert json.dumps(dash, ensure_ascii=False).count(layer(data, "stations")["status"]) > 0
    # the work plan's on-site points are the task sites
    assert len(layer(data, "sites")["features"]) >= 5
    page = client.get(f"/map?region={REGION}").text
    assert all(name in page for name in air.STATIONS) and "洛河出境（示例）" in page
    assert 'src="/static/vendor/echarts/echarts.min.js' in page
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page), "the map page refers to another host"


def test_public_map_has_no_internal_data(client: TestClient, demo: tuple[str, Path]) -> None:
    data = client.get(f"/public/{REGION}/map.json").json()
    assert [ly["key"] for ly in data["layers"]] == ["boundary", "stations", "sections"]
    assert data["public"] and data["legend"] == [] and data["year"] is None
    assert all(f["status"] is None for ly in data["layers"] for f in ly["features"])
    assert all(ly["status"] is None and ly["indicator"] is None for ly in data["layers"])
    assert "生态保护红线" not in client.get(f"/public/{REGION}/map").text
    url, _ = demo
    with session_scope(url) as s:
        set_settings(s, REGION, {"published": False}, actor="office")
    try:
        assert client.get(f"/public/{REGION}/map.json").status_code == 404
        assert client.get(f"/public/{REGION}/map").status_code == 404
    finally:
        with session_scope(url) as s:
            set_settings(s, REGION, {"published": True}, actor="office")


def test_unit_sees_no_case_locations_and_cannot_upload(client: TestClient) -> None:
    token = login(client, "u01")
    data = client.get(f"/api/map?region={REGION}").json()
    assert "cases" not in {ly["key"] for ly in data["layers"]}
    r = client.post(
        "/map/layers",
        data={"csrf_token": token, "region": REGION, "layer": "stations"},
        files={"file": ("s.csv", "名称,经度,纬度\n甲,111.0,34.0\n".encode(), "text/csv")},
        follow_redirects=False,
    )
    assert r.status_code == 403


def test_upload_names_the_bad_row_and_stores_nothing(client: TestClient, demo: tuple[str, Path]) -> None:
    _, files = demo
    token = login(client, "office")
    path = files / "map" / REGION / "sites.geojson"
    before = path.read_bytes() if path.exists() else None
    bad = "名称,经度,纬度\n甲,111.0,34.0\n乙,东经111,34.1\n丙,3500000,34.2\n".encode()
    r = client.post(
        "/map/layers",
        data={"csrf_token": token, "region": REGION, "layer": "sites"},
        files={"file": ("点位.csv", bad, "text/csv")},
        follow_redirects=False,
    )
    assert r.status_code == 422
    assert "点位.csv" in r.text and "第 3 行“经度”列" in r.text and "第 4 行" in r.text
    assert (path.read_bytes() if path.exists() else None) == before
    # a polygon layer refuses CSV; a good file is stored and drawn
    r = client.post(
        "/map/layers",
        data={"csrf_token": token, "region": REGION, "layer": "redline"},
        files={"file": ("红线.csv", bad, "text/csv")},
        follow_redirects=False,
    )
    assert r.status_code == 422 and "面图层" in r.text
    good = "名称,经度,纬度,说明\n新点位（测试）,111.01,34.02,测试\n".encode()
    r = client.post(
        "/map/layers",
        data={"csrf_token": token, "region": REGION, "layer": "sites"},
        files={"file": ("点位.csv", good, "text/csv")},
        follow_redirects=False,
    )
    assert r.status_code == 303
    names = [f["name"] for f in layer(client.get(f"/api/map?region={REGION}").json(), "sites")["features"]]
    assert names[0] == "新点位（测试）" and len(names) > 1  # the upload, then the work plan's points
    path.unlink()


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Chromium not installed (make sysdeps)")
def test_map_page_requests_only_the_server(demo: tuple[str, Path], tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    url, files = demo
    server = start_server(url, files, tmp_path / "server.log")
    hosts: set[str] = set()
    errors: list[str] = []
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                ctx = browser.new_context(base_url=server.base, viewport={"width": 1360, "height": 900})
                page = ctx.new_page()
                page.on("request", lambda req: hosts.add(urlparse(req.url).netloc))
                page.on("pageerror", lambda e: errors.append(f"JS error: {e}"))
                page.goto("/login")
                page.fill("input[name=username]", "office")
                page.fill("input[name=password]", PASSWORD)
                with page.expect_navigation():
                    page.click("button[type=submit]")
                page.goto(f"/map?region={REGION}")
                page.wait_for_selector("#county-map[data-drawn='1'] svg path")
                svg = page.inner_html("#county-map")
                assert air.STATIONS[0] in svg or page.locator("#county-map svg path").count() > 20
                page.goto(f"/public/{REGION}/map")
                page.wait_for_selector("#county-map[data-drawn='1'] svg path")
            finally:
                browser.close()
    finally:
        stop_server(server)
    assert not errors, errors
    assert hosts == {urlparse(server.base).netloc}, hosts
