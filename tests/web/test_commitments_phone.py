"""The task page's commitments on a 390×844 phone (Playwright driving Debian's Chromium): the table
scrolls in its own box, the page is no wider than the screen, no code identifier or English is shown.
A screenshot goes to the test's tmp dir."""

from __future__ import annotations

import itertools
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


SERIOUS = ("serious", "critical")


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Chromium not installed (make sysdeps)")
def test_commitment_report_form_fits_a_phone(sqlite_db: str, tmp_path: Path) -> None:
    """The lead unit's report form and the office's review form at 390 px: the fields stack (one above
    the other, each within the screen), the versions table scrolls in its own box, the page is no
    wider than the screen, axe finds nothing serious or critical, no code identifier or English."""
    sync_api = pytest.importorskip("playwright.sync_api")
    axe_mod = pytest.importorskip("axe_playwright_python.sync_playwright")
    site = make_site(sqlite_db, tmp_path, extra_regions=0)
    with session_scope(site.url) as s:
        load_plan(s, HOME)
        office = actor_for_user(s, "office")
        row = report_actual(s, office, HOME, "rural_waste_coverage", 2025, 96.5, evidence="覆盖村庄台账")
        review_actual(s, office, row.id, "return", note="请附乡镇签字的覆盖台账")
        report_actual(s, office, HOME, "forsythia_area", 2025, 98.0, evidence="连翘种植面积台账")
    unit_user = site.users["城市管理局"]
    server = start_server(site.url, site.files, tmp_path / "server.log")
    axe = axe_mod.Axe()
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                for user, url in ((unit_user, f"/workplan/commitments?region={HOME}"),
                                  ("office", f"/workplan/commitments?region={HOME}"),
                                  (unit_user, f"/todo?region={HOME}")):  # fmt: skip
                    page = browser.new_page(base_url=server.base, viewport=PHONE, locale="zh-CN")
                    page.goto("/login")
                    page.fill("input[name=username]", user)
                    page.fill("input[name=password]", PASSWORD)
                    page.click("button[type=submit]")
                    page.wait_for_load_state("networkidle")
                    page.goto(url)
                    page.wait_for_load_state("networkidle")
                    name = f"{user}-{url.split('?')[0].strip('/').replace('/', '-')}-390.png"
                    page.screenshot(path=str(tmp_path / name), full_page=True)
                    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], url
                    text = page.inner_text("main")
                    assert not CODE.findall(text) and not ENGLISH.findall(text), text
                    bad = [v for v in axe.run(page).response["violations"] if v.get("impact") in SERIOUS]
                    assert not bad, [(v["id"], v["help"], [n["target"] for n in v["nodes"][:3]]) for v in bad]
                    if "todo" in url:
                        assert "请附乡镇签字的覆盖台账" in text and "修改并重新报送" in text
                        page.close()
                        continue
                    form = page.locator("form.report-form").first
                    assert form.count() == 1
                    fields = ("[name=value]", "[name=evidence]", "[name=files]", "[name=note]", "button")
                    boxes = [form.locator(sel).bounding_box() for sel in fields]
                    assert all(b is not None for b in boxes)
                    for upper, lower in itertools.pairwise(boxes):  # stacked: each field below the last
                        assert upper is not None and lower is not None
                        assert lower["y"] >= upper["y"] + upper["height"] - 1, (upper, lower)
                    assert all(b is not None and b["x"] + b["width"] <= PHONE["width"] for b in boxes)
                    box = page.locator("section.commitment .table-wrap").first
                    assert box.evaluate("e => e.scrollWidth > e.clientWidth")  # the table scrolls in its box
                    assert "退回理由：请附乡镇签字的覆盖台账" in text
                    if user == "office":
                        assert page.locator("form.review-form").count() >= 1 and "审核通过" in text
                    page.close()
            finally:
                browser.close()
    finally:
        stop_server(server)
