"""The task page's commitments on a 390×844 phone (Playwright driving Debian's Chromium): the table
scrolls in its own box, the page is no wider than the screen, no code identifier or English is shown.
A screenshot goes to the test's tmp dir."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from sqlalchemy import select
from websupport import CHROMIUM, CHROMIUM_ARGS, PASSWORD, make_site, start_server, stop_server

from liangshan.services.permissions import actor_for_user
from liangshan.store.db import session_scope
from liangshan.store.models_workplan import WpTask
from liangshan.workplan.commitments import report_actual, review_actual
from liangshan.workplan.plan import load_plan

HOME = "411224"
PHONE = {"width": 390, "height": 844}
CODE = re.compile(r"\b[a-z]+_[a-z0-9_]+\b")
ENGLISH = re.compile(r"\b[A-Za-z]{2,}(?:[ \t]+[A-Za-z]{2,}){2,}\b")


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Chromium not installed (make sysdeps)")
def test_task_commitments_fit_a_phone(sqlite_db: str, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    site = make_site(sqlite_db, tmp_path, extra_regions=0)
    with session_scope(site.url) as s:
        load_plan(s, HOME)
        office = actor_for_user(s, "office")
        row = report_actual(s, office, HOME, "rural_waste_coverage", 2025, 96.5, evidence="覆盖村庄台账")
        review_actual(s, office, row.id, "approve")
        report_actual(s, office, HOME, "rural_waste_coverage", 2024, 98.0, evidence="覆盖村庄台账")
        task_id = s.scalars(
            select(WpTask.id).where(WpTask.title == "加大农村环境整治力度，推进美丽乡村建设")
        ).one()
    server = start_server(site.url, site.files, tmp_path / "server.log")
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(base_url=server.base, viewport=PHONE, locale="zh-CN")
                page.goto("/login")
                page.fill("input[name=username]", "office")
                page.fill("input[name=password]", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_load_state("networkidle")
                page.goto(f"/workplan/tasks/{task_id}")
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(tmp_path / "task-commitments-390.png"), full_page=True)
                assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
                box = page.locator(".table-wrap:has(table.commitments)")
                assert box.count() == 1
                assert box.evaluate("e => e.scrollWidth > e.clientWidth")  # the table scrolls in its box
                text = page.inner_text("main")
                assert "农村饮用水水源地水质达标率" in text and "未达到" in text and "待审核" in text
                assert not CODE.findall(text) and not ENGLISH.findall(text), text
            finally:
                browser.close()
    finally:
        stop_server(server)
