"""Browser test of the 情况说明 loop (Playwright driving Debian's Chromium against a real uvicorn server).

财政局 (u07) writes the 2024 情况说明 of indicator 20 with a named source and submits it; the office returns
it with a reason on the review page; the unit sees the reason, fixes the text and resubmits; the office
approves it; the regenerated 情况说明技术报告 (docx) contains the approved text.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from docx import Document
from test_browser import _login, _page
from websupport import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, Server, Site, make_site, start_server, stop_server

from liangshan.report.generate import generate

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Chromium not installed (make sysdeps)"),
]
SOURCE = "卢氏县财政局《卢氏县2024年财政决算报告》（测试）第12页表3，2025年3月印发"
WORK = "全年安排节能环保支出，落实洛河流域综合治理与农村环境整治项目资金（测试）。"
CAUSE = "2024年节能环保支出较上年增加，主要是洛河综合治理项目集中投入（测试）。"
REASON = "请写明变化原因：支出减少的项目和金额"


@pytest.fixture
def served(sqlite_db: str, tmp_path: Path) -> Iterator[tuple[Site, Server]]:
    site = make_site(sqlite_db, tmp_path, extra_regions=0)
    srv = start_server(site.url, site.files, tmp_path / "server.log")
    yield site, srv
    stop_server(srv)


def test_unit_explains_office_returns_unit_fixes_office_approves_report_shows_it(
    served: tuple[Site, Server], tmp_path: Path
) -> None:
    site, server = served
    sync_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            unit = _page(browser, server.base, errors)
            _login(unit, "u07")
            unit.goto(f"{server.base}/explain/20")
            card = "#explain-2024"  # 2025 already holds the demo's approved text
            unit.fill(f"{card} textarea[name=source]", SOURCE)
            unit.fill(f"{card} textarea[name=work]", WORK)
            with unit.expect_navigation():
                unit.click(f"{card} button[value=submit]")
            assert "待审核" in unit.inner_text(f"{card} h2")

            office = _page(browser, server.base, errors)
            _login(office, "office")
            office.goto(f"{server.base}/review")
            row = office.locator("tr[id^=sub-]").filter(has_text="情况说明").first
            row.locator("input[name=reason]").fill(REASON)
            with office.expect_navigation():
                row.locator("button[value=return]").click()
            assert "已退回" in office.inner_text(".alert.ok")

            unit.goto(f"{server.base}/explain/20")
            assert REASON in unit.inner_text(card) and "已退回" in unit.inner_text(f"{card} h2")
            unit.fill(f"{card} textarea[name=cause]", CAUSE)
            with unit.expect_navigation():
                unit.click(f"{card} button[value=submit]")
            unit.screenshot(path=str(ARTIFACTS / "21_explain_resubmitted.png"), full_page=True)

            office.goto(f"{server.base}/review")
            row = office.locator("tr[id^=sub-]").filter(has_text="情况说明").first
            with office.expect_navigation():
                row.locator("button[value=approve]").click()
            assert "已审核通过" in office.inner_text(".alert.ok")
            unit.goto(f"{server.base}/explain/20")
            assert "审核通过" in unit.inner_text(f"{card} h2")
        finally:
            browser.close()
    assert errors == [], errors
    out = generate(site.url, "411224", "docx", tmp_path / "报告.docx")
    text = "\n".join(p.text for p in Document(str(out)).paragraphs)
    text += "\n".join(c.text for t in Document(str(out)).tables for r in t.rows for c in r.cells)
    assert SOURCE in text and CAUSE in text
