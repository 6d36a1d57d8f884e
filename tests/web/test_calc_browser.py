"""Browser step of 上传原始数据计算 (Playwright driving Debian's Chromium against a real uvicorn server).

The 分局 unit user (u01) opens 优良天数, uploads hourly station data (示例数据, two stations, January–March
of 2024 and 2025), sees the preview — values per year, 优良天数比例, the file's sha256, the standard,
the days not counted — and confirms; the values are submitted with the file attached. Screenshots go
to tests/_artifacts/calc_*.png (git-ignored).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner
from websupport import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    PASSWORD,
    Server,
    make_site,
    start_server,
    stop_server,
)

from liangshan.cli import app as cli
from liangshan.demo.air import synthetic_hourly

FILE = "卢氏县_县城空气自动站_2024-2025一季度_示例数据.csv"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Chromium not installed (make sysdeps)"),
]


@pytest.fixture
def server(sqlite_db: str, tmp_path: Path) -> Iterator[Server]:
    site = make_site(sqlite_db, tmp_path, extra_regions=0)
    srv = start_server(site.url, site.files, tmp_path / "server.log")
    yield srv
    stop_server(srv)


def hourly_csv(path: Path) -> bytes:
    df = synthetic_hourly().filter(
        pl.col("time").dt.year().is_in([2024, 2025]) & (pl.col("time").dt.month() <= 3)
    )
    df.write_csv(path, datetime_format="%Y-%m-%dT%H:%M")
    return path.read_bytes()


def test_unit_uploads_air_data_previews_and_confirms(server: Server, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    raw = hourly_csv(tmp_path / FILE)
    res = CliRunner().invoke(cli, ["air", "good-days", str(tmp_path / FILE), "--json"])
    assert res.exit_code == 0, res.output
    expected = {y["year"]: y for y in json.loads(res.stdout)["years"]}
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            ctx = browser.new_context(
                base_url=server.base, viewport={"width": 1360, "height": 900}, locale="zh-CN"
            )
            page = ctx.new_page()
            page.on("pageerror", lambda e: errors.append(f"JS error: {e}"))
            page.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
            page.goto("/login")
            page.fill("input[name=username]", "u01")
            page.fill("input[name=password]", PASSWORD)
            with page.expect_navigation():
                page.click("button[type=submit]")
            page.goto("/entry/air_good_days")
            with page.expect_navigation():
                page.click("#calc-link-air a")
            page.wait_for_selector("#calc-form")
            page.set_input_files("input[name=file_hourly]",
                                 files=[{"name": FILE, "mimeType": "text/csv", "buffer": raw}])  # fmt: skip
            with page.expect_navigation():
                page.click("#calc-form button[type=submit]")
            page.wait_for_selector("#calc-results")
            body = page.inner_text("main")
            assert "尚未保存任何数据" in body and FILE in body
            assert hashlib.sha256(raw).hexdigest() in body
            table = page.inner_text("#calc-results")
            for year, y in expected.items():
                assert f"{year}年" in table and f"优良天数比例：{y['ratio']:.1f}%" in table
                assert f"有效监测天数：{y['valid_days']}" in table and f"优良天数：{y['good_days']}" in table
            assert table.count("新版本 v1") == 4
            page.screenshot(path=str(ARTIFACTS / "calc_01_preview.png"), full_page=True)
            page.fill("#calc-confirm textarea[name=note]", "县城空气自动站一季度小时数据（示例数据）")
            with page.expect_navigation():
                page.click("#calc-confirm button[value=submit]")
            page.wait_for_selector(".alert.ok")
            assert "已将 4 项计算结果提交审核" in page.inner_text(".alert.ok")
            assert "已提交待审" in page.inner_text("#y2025 h3")
            assert FILE in page.inner_text("#y2025")
            page.screenshot(path=str(ARTIFACTS / "calc_02_entry_after.png"), full_page=True)
            # the office sees the round's per-unit completeness (评估批次)
            office = browser.new_context(base_url=server.base, viewport={"width": 1360, "height": 900})
            op = office.new_page()
            op.goto("/login")
            op.fill("input[name=username]", "office")
            op.fill("input[name=password]", PASSWORD)
            with op.expect_navigation():
                op.click("button[type=submit]")
            op.goto("/rounds")
            with op.expect_navigation():
                op.click("#rounds tbody tr:first-child td:first-child a")
            op.wait_for_selector("#round-units")
            op.click("#round-units details summary >> nth=0")
            assert "已提交待审" in op.inner_text("#round-units details >> nth=0")
            op.screenshot(path=str(ARTIFACTS / "calc_03_round_units.png"), full_page=False)
        finally:
            browser.close()
    assert errors == [], errors
