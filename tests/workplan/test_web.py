"""Work-plan pages through the web app (router mounted on the app of liangshan.web.app.create_app).

The flow of the issue's acceptance: the office schedules a meeting with a decision and a follow-up for
a unit; the unit sees it and reports progress; the overdue flag and the unit's score change; the
public page shows only what was published; a survey answer changes indicator 17's sample count; a
supervision report reaches the unit and its status is visible with the receipt code.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from wpsupport import REGION, T0

from liangshan.demo.build import seed_site
from liangshan.services.accounts import hash_password
from liangshan.store.db import dispose_engines, session_scope
from liangshan.store.submissions import latest
from liangshan.web.app import create_app
from liangshan.workplan.plan import load_plan

PASSWORD = "test-password-1"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, dict[str, str]]]:
    tmp = tmp_path_factory.mktemp("wpweb")
    url = f"sqlite:///{tmp / 'web.db'}"
    users = seed_site(url, hash_password(PASSWORD))
    with session_scope(url) as s:
        load_plan(s, REGION, at=T0)
    app = create_app(url, tmp / "files", secret_key="k" * 40)
    yield app, users
    dispose_engines()


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m is not None, html[:300]
    return m.group(1)


def login(app: FastAPI, username: str) -> TestClient:
    c = TestClient(app, base_url="http://testserver")
    token = csrf_of(c.get("/login").text)
    r = c.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:300]
    return c


def post(c: TestClient, url: str, page: str, data: dict | None = None, **kw: Any) -> httpx.Response:
    token = csrf_of(c.get(page).text)
    return c.post(url, data={"csrf_token": token, **(data or {})}, follow_redirects=False, **kw)


def unit_id(c: TestClient, name: str) -> str:
    html = c.get(f"/workplan/meetings?region={REGION}").text
    m = re.search(rf'<option value="(\d+)">{name}</option>', html)
    assert m is not None
    return m.group(1)


def test_meeting_follow_up_progress_overdue_and_score(site: tuple[FastAPI, dict[str, str]]) -> None:
    app, users = site
    office = login(app, "office")
    forest = unit_id(office, "林业局")
    r = post(
        office,
        "/workplan/meetings",
        f"/workplan/meetings?region={REGION}",
        {
            "region": REGION,
            "title": "第一次调度会议",
            "held_on": "2026-02-26",
            "decisions": "各单位3月15日前完成数据报送",
            "topics": "数据报送",
            "action_title": ["报送林草覆盖率数据", ""],
            "action_unit": [forest, ""],
            "action_due": ["2026-03-15", ""],
            "action_decision": ["1", ""],
        },
    )
    assert r.status_code == 303
    meeting = office.get(r.headers["location"]).text
    assert "报送林草覆盖率数据" in meeting and "林业局" in meeting
    docx = office.get(r.headers["location"] + "/minutes.docx")
    assert docx.status_code == 200 and docx.content[:2] == b"PK"

    unit = login(app, users["林业局"])
    before = unit.get("/workplan/items?on=2026-03-10&kind=action").text
    assert "报送林草覆盖率数据" in before and "即将到期" in before
    after = unit.get("/workplan/items?on=2026-03-16&kind=action").text
    assert "已逾期" in after
    other = login(app, users["统计局"])
    assert "报送林草覆盖率数据" not in other.get("/workplan/items?on=2026-03-16").text

    score = office.get(f"/api/workplan/{REGION}/scores?year=2026").json()
    row = next(u for u in score["units"] if u["unit"] == "林业局")
    # progress on its task (国土绿化: 四、2) through the form
    home = unit.get(f"/workplan?region={REGION}&on=2026-03-16").text
    assert "已逾期" in home
    task = re.search(r'href="/workplan/tasks/(\d+)">加强生态保护修复', home)
    assert task is not None
    r = post(
        unit,
        f"/workplan/tasks/{task.group(1)}/progress",
        f"/workplan/tasks/{task.group(1)}",
        {"reported_on": "2026-03-01", "percent": "40", "text": "新增造林 1 万亩（示例）"},
    )
    assert r.status_code == 303
    assert "新增造林 1 万亩" in office.get(f"/workplan/tasks/{task.group(1)}").text
    # the unit marks its follow-up done; the overdue flag clears and the score moves
    items = unit.get("/workplan/items?on=2026-03-16&kind=action").text
    form = re.search(r'action="/workplan/items/action/(\d+)"', items)
    assert form is not None
    r = post(
        unit,
        f"/workplan/items/action/{form.group(1)}",
        "/workplan/items",
        {"status": "done", "done_on": "2026-03-14", "note": "已报送"},
    )
    assert r.status_code == 303
    assert "已逾期" not in unit.get("/workplan/items?on=2026-03-16&kind=action").text
    score2 = office.get(f"/api/workplan/{REGION}/scores?year=2026").json()
    row2 = next(u for u in score2["units"] if u["unit"] == "林业局")
    assert row2["components"]["task_progress"]["numerator"] > row["components"]["task_progress"]["numerator"]
    assert row2["score"] != row["score"]
    # permissions: a unit can neither schedule meetings nor see the ranking
    assert (
        post(
            unit,
            "/workplan/meetings",
            "/workplan/items",
            {"region": REGION, "title": "x", "held_on": "2026-03-01"},
        ).status_code
        == 403
    )
    assert unit.get(f"/api/workplan/{REGION}/scores?year=2026").status_code == 403
    assert (
        unit.post(
            "/workplan/meetings", data={"region": REGION, "title": "x", "held_on": "2026-03-01"}
        ).status_code
        == 403
    )  # no CSRF token


def test_public_page_survey_and_supervision(site: tuple[FastAPI, dict[str, str]]) -> None:
    app, users = site
    public = TestClient(app, base_url="http://testserver")
    assert public.get(f"/public/{REGION}").status_code == 404  # nothing published yet
    office = login(app, "office")
    admin = f"/workplan/public-admin?region={REGION}"
    r = post(
        office,
        "/workplan/public-admin",
        admin,
        {
            "region": REGION,
            "published": "true",
            "show_progress": "true",
            "supervision": "true",
            "message": "欢迎监督",
        },
    )
    assert r.status_code == 303
    page = public.get(f"/public/{REGION}").text
    assert "欢迎监督" in page and "public-progress" in page
    assert "public-verdicts" not in page and "public-index" not in page  # not published
    assert public.get(f"/api/workplan/{REGION}").status_code == 401  # the API needs a login

    # survey: opened by the office, answered once per device
    post(office, "/workplan/surveys", admin, {"region": REGION, "year": "2026"})
    form = public.get(f"/public/{REGION}/survey")
    assert form.status_code == 200 and "城关镇" in form.text
    answer = {"answer": "满意", "township": "城关镇", "urban_rural": "城镇", "csrf_token": csrf_of(form.text)}
    assert "感谢" in public.post(f"/public/{REGION}/survey", data=answer).text
    again = public.post(f"/public/{REGION}/survey", data=answer)
    assert again.status_code == 409 and "只能提交一次" in again.text
    sid = re.search(r'id="survey-(\d+)"', office.get(admin).text)
    assert sid is not None
    r = post(office, f"/workplan/surveys/{sid.group(1)}/record", admin)
    assert r.status_code == 303
    with session_scope(app.state.ctx.db_url) as s:
        v = latest(s, REGION, "survey_valid", 2026)
        assert v is not None and v.value == 1
    second = TestClient(app, base_url="http://testserver")
    f2 = second.get(f"/public/{REGION}/survey")
    second.post(
        f"/public/{REGION}/survey", data={**answer, "answer": "基本满意", "csrf_token": csrf_of(f2.text)}
    )
    post(office, f"/workplan/surveys/{sid.group(1)}/record", admin)
    with session_scope(app.state.ctx.db_url) as s:
        v = latest(s, REGION, "survey_valid", 2026)
        assert v is not None and v.value == 2
    export = office.get(f"/workplan/surveys/{sid.group(1)}/export.csv")
    assert export.status_code == 200 and export.content.decode("utf-8-sig").count("\n") == 3

    # supervision: anonymous report with a photo → receipt → routed to a unit → status by receipt
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, format="PNG")
    rp = public.get(f"/public/{REGION}/report")
    done = public.post(
        f"/public/{REGION}/report",
        data={
            "category": "生态破坏",
            "location": "某村后山",
            "text": "有人在山坡上滥伐林木，已砍倒十余棵。",
            "csrf_token": csrf_of(rp.text),
        },
        files=[("photos", ("p.png", buf.getvalue(), "image/png"))],
    )
    assert done.status_code == 200, done.text[:500]
    code = re.search(r'id="receipt-code"[^>]*>([0-9A-Z-]+)<', done.text)
    assert code is not None
    reports = office.get(f"/workplan/reports?region={REGION}").text
    rid = re.search(r'id="report-(\d+)"', reports)
    assert rid is not None and "滥伐林木" in reports
    forest = unit_id(office, "林业局")
    post(
        office,
        f"/workplan/reports/{rid.group(1)}/route",
        f"/workplan/reports?region={REGION}",
        {"unit_id": forest, "internal_note": "林政执法"},
    )
    unit = login(app, users["林业局"])
    assert "滥伐林木" in unit.get("/workplan/reports").text
    assert "滥伐林木" not in login(app, users["水利局"]).get("/workplan/reports").text
    rf = public.get("/public/receipt/lookup")
    view = public.post("/public/receipt/lookup", data={"code": code.group(1), "csrf_token": csrf_of(rf.text)})
    assert view.status_code == 200
    assert "已转交责任单位" in view.text and "林业局" in view.text
    assert "滥伐林木" not in view.text and "某村后山" not in view.text and "林政执法" not in view.text
    bad = public.post(
        "/public/receipt/lookup", data={"code": "0000-0000-0000-0000", "csrf_token": csrf_of(rf.text)}
    )
    assert bad.status_code == 404


def test_api_plan_json(site: tuple[FastAPI, dict[str, str]]) -> None:
    app, users = site
    unit = login(app, users["林业局"])
    data = unit.get(f"/api/workplan/{REGION}?on={date(2026, 3, 2).isoformat()}").json()
    assert {"organisation", "phases", "tasks"} <= set(data) and len(data["tasks"]) == 7
    assert unit.get("/api/workplan/999999").status_code == 403
