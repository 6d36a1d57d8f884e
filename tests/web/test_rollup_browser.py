"""Browser step of 多地区汇总 (Playwright driving Debian's Chromium against a real uvicorn server).

A city leader (三门峡市) opens ``/regions``: the children table ranked by 达标指标数, the verdict map
drawn by ECharts from the GeoJSON the office imported (no tiles), then ranks by indicator 1. The
screenshot goes to tests/_artifacts/11_regions.png (git-ignored).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from websupport import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    PASSWORD,
    make_site,
    pw_hash,
    start_server,
    stop_server,
)

from liangshan.store.boundaries import import_boundaries
from liangshan.store.db import session_scope
from liangshan.store.models import User
from liangshan.store.submissions import submit_value, transition

CODES = ["411224", "900001", "900002", "900003"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Chromium not installed (make sysdeps)"),
]


def build(url: str, tmp: Path) -> Path:
    site = make_site(url, tmp, extra_regions=3)
    with session_scope(url) as s:
        s.add(User(username="city", display_name="市领导（测试）", role="leader", region_code="411200",
                   password_hash=pw_hash()))  # fmt: skip
        for code, good in zip(CODES[:3], (330.0, 330.0, 350.0), strict=True):
            for item, v in (("air_good_days", good), ("air_valid_days", 360.0)):
                transition(s, submit_value(s, region=code, item=item, year=2025, value=v, user="analyst").id,
                           "approve", "office")  # fmt: skip
        ring = [[110.0, 34.0], [110.9, 34.0], [110.9, 35.0], [110.0, 35.0], [110.0, 34.0]]
        feats = [{"type": "Feature", "properties": {"code": c},
                  "geometry": {"type": "Polygon", "coordinates": [[[x + i, y] for x, y in ring]]}}
                 for i, c in enumerate(CODES)]  # fmt: skip
        import_boundaries(
            s, site.files, json.dumps({"type": "FeatureCollection", "features": feats}).encode()
        )
    return site.files


def test_city_leader_sees_ranking_and_verdict_map(sqlite_db: str, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    files = build(sqlite_db, tmp_path)
    server = start_server(sqlite_db, files, tmp_path / "server.log")
    errors: list[str] = []
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                ctx = browser.new_context(base_url=server.base, viewport={"width": 1360, "height": 900})
                page = ctx.new_page()
                page.on("pageerror", lambda e: errors.append(f"JS error: {e}"))
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.goto("/login")
                page.fill("input[name=username]", "city")
                page.fill("input[name=password]", PASSWORD)
                with page.expect_navigation():
                    page.click("button[type=submit]")
                page.goto("/regions?indicator=1")
                page.wait_for_selector("#rollup-map svg path, #rollup-map canvas")
                table = page.inner_text("#rollup-children")
                assert "卢氏县" in table and "示例县003" in table
                assert "地区汇总" in page.inner_text("header nav")
                page.wait_for_timeout(800)  # the map's entry animation
                page.screenshot(path=str(ARTIFACTS / "11_regions.png"), full_page=True)
            finally:
                browser.close()
    finally:
        stop_server(server)
    assert errors == [], errors
