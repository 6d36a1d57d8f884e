"""Browser test (Playwright driving Debian's Chromium against a real uvicorn server).

A unit user (财政局, u07) logs in, enters three years of 生态环保投入 with evidence and submits; the
office returns one year with a reason; the unit fixes it and resubmits; the office approves all
three; indicator 20 (生态环保投入占 GDP 比重) goes from 数据缺失 to 达标 on the dashboard.
Screenshots of the main pages go to tests/_artifacts/ (git-ignored).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
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

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
VALUES = {2023: "45000", 2024: "48000", 2025: "52000"}

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


def test_unit_submits_office_returns_and_approves(server: Server) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            _flow(browser, server.base, errors)
        finally:
            browser.close()
    assert errors == [], errors


def _page(browser, base: str, errors: list[str]):  # type: ignore[no-untyped-def]
    ctx = browser.new_context(base_url=base, viewport={"width": 1360, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    page.on("pageerror", lambda e: errors.append(f"JS error: {e}"))
    page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    return page


def _login(page, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def _verdict(page, base: str, ind: int) -> str:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/dashboard")
    page.wait_for_selector(f"#ind-{ind} .verdict")
    return str(page.inner_text(f"#ind-{ind} .verdict")).strip()


def _flow(browser, base: str, errors: list[str]) -> None:  # type: ignore[no-untyped-def]
    shot = lambda page, name: page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # noqa: E731

    # the leader sees indicator 20 without data
    leader = _page(browser, base, errors)
    leader.goto("/login")
    shot(leader, "01_login")
    _login(leader, "leader")
    assert _verdict(leader, base, 20) == "数据缺失"
    shot(leader, "02_dashboard_before")

    # the unit enters three years with evidence and submits
    unit = _page(browser, base, errors)
    _login(unit, "u07")
    unit.click("header nav a[href='/entry']")  # login lands on 待办; the unit opens 数据填报 from the menu
    unit.wait_for_load_state("networkidle")
    assert "/entry" in unit.url
    assert "财政局" in unit.inner_text("h1")
    shot(unit, "03_unit_worklist")
    unit.click("#item-eco_env_investment a")
    unit.wait_for_selector("#y2023 form")
    for year, value in VALUES.items():
        card = f"#y{year}"
        unit.fill(f"{card} input[name=value]", value)
        unit.set_input_files(
            f"{card} input[type=file]",
            files=[
                {"name": f"{year}年财政决算节能环保支出.pdf", "mimeType": "application/pdf", "buffer": PDF}
            ],
        )
        # let the inline check (htmx, 400 ms after typing) finish first, as a user reading it would;
        # a CI run under load once lost the click to it
        unit.dispatch_event(f"{card} input[name=value]", "change")
        unit.wait_for_load_state("networkidle")
        with unit.expect_navigation(timeout=60000):
            unit.click(f"{card} button[value=submit]")
        unit.wait_for_selector(".alert.ok")
        assert "已提交" in unit.inner_text(".alert.ok")
        assert "已提交待审" in unit.inner_text(f"{card} h3")
    shot(unit, "04_unit_item_submitted")

    # the office returns 2024 with a reason
    office = _page(browser, base, errors)
    _login(office, "office")
    office.goto("/review")
    rows = office.locator("tr[id^=sub-]").filter(has_text="生态环保投入")
    assert rows.count() == 3
    shot(office, "05_review_queue")
    row2024 = rows.filter(has_text="2024")
    row2024.locator("input[name=reason]").fill("请附2024年财政决算报表，并核对节能环保支出口径")
    with office.expect_navigation():
        row2024.locator("button[value=return]").click()
    office.wait_for_selector(".alert.ok")
    assert "已退回" in office.inner_text(".alert.ok")

    # the unit sees the reason, fixes 2024 and resubmits
    unit.goto(f"{base}/entry/eco_env_investment")
    assert "请附2024年财政决算报表" in unit.inner_text("#y2024")
    assert "已退回" in unit.inner_text("#y2024 h3")
    unit.fill("#y2024 input[name=value]", "48500")
    unit.fill("#y2024 textarea[name=note]", "按2024年财政决算报表更正")
    with unit.expect_navigation():
        unit.click("#y2024 button[value=submit]")
    unit.wait_for_selector(".alert.ok")
    assert "第 2 版" in unit.inner_text(".alert.ok")
    shot(unit, "06_unit_resubmitted")

    # the dashboard is unchanged until approval (official results use approved values only)
    assert _verdict(leader, base, 20) == "数据缺失"

    # the office approves the three years
    office.goto(f"{base}/review")
    for _ in range(3):
        row = office.locator("tr[id^=sub-]").filter(has_text="生态环保投入").first
        with office.expect_navigation():
            row.locator("button[value=approve]").click()
        office.wait_for_selector(".alert.ok")
        assert "已审核通过" in office.inner_text(".alert.ok")
    assert office.locator("tr[id^=sub-]").filter(has_text="生态环保投入").count() == 0

    # approved values are locked for the unit, with the reason shown
    unit.goto(f"{base}/entry/eco_env_investment")
    assert "审核通过并锁定" in unit.inner_text("#y2025 .locked")
    assert unit.locator("#y2025 form.entry-form").count() == 0
    assert "请附2024年财政决算报表" in unit.inner_text("#y2024 .yc-history")
    shot(unit, "07_unit_locked_history")

    # the dashboard verdict changes
    assert _verdict(leader, base, 20) == "达标"
    leader.wait_for_selector("#verdict-chart svg")
    leader.wait_for_selector(".spark[data-ind='20'] svg")
    shot(leader, "08_dashboard_after")
    leader.goto(f"{base}/indicator/20")
    leader.wait_for_selector("#indicator-chart svg")
    assert "达标" in leader.inner_text("#verdict")
    assert "2023年财政决算节能环保支出.pdf" in leader.inner_text("body")
    shot(leader, "09_indicator_20")
    office.goto(f"{base}/excel")
    shot(office, "10_excel")
