"""The JSON twins of the work-plan pages (``/api/workplan/…``): the same data as the page, the same rules."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from wpsupport import REGION, T0

from liangshan.demo.build import seed_site
from liangshan.services.accounts import hash_password
from liangshan.store.db import dispose_engines, session_scope
from liangshan.web.app import create_app
from liangshan.workplan.plan import load_plan

PASSWORD = "test-password-1"
ON = "2026-03-16"
USERS: dict[str, str] = {"office": "office"}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    tmp = tmp_path_factory.mktemp("wpapi")
    url = f"sqlite:///{tmp / 'web.db'}"
    USERS.update(seed_site(url, hash_password(PASSWORD)))  # unit name → user name
    with session_scope(url) as s:
        load_plan(s, REGION, at=T0)
    yield create_app(url, tmp / "files", secret_key="k" * 40)
    dispose_engines()


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m is not None, html[:300]
    return m.group(1)


def login(app: FastAPI, username: str) -> TestClient:
    c = TestClient(app, base_url="http://testserver")
    token = csrf_of(c.get("/login").text)
    data = {"username": USERS[username], "password": PASSWORD, "csrf_token": token, "next": "/"}
    assert c.post("/login", data=data, follow_redirects=False).status_code == 303
    return c


def form(c: TestClient, url: str, page: str, data: dict[str, object]) -> int:
    token = csrf_of(c.get(page).text)
    return c.post(url, data={"csrf_token": token, **data}, follow_redirects=False).status_code


def test_twins_hold_what_the_pages_show(app: FastAPI) -> None:
    office, forest, stats = login(app, "office"), login(app, "林业局"), login(app, "统计局")
    meetings = office.get(f"/api/workplan/{REGION}/meetings").json()
    unit = next(u["id"] for u in meetings["units"] if u["name"] == "林业局")
    page = f"/workplan/meetings?region={REGION}"
    assert f'<option value="{unit}">林业局</option>' in office.get(page).text
    meeting = {
        "region": REGION,
        "title": "第一次调度会议",
        "held_on": "2026-02-26",
        "decisions": "各单位3月15日前完成数据报送",
        "action_title": ["报送林草覆盖率数据"],
        "action_unit": [str(unit)],
        "action_due": ["2026-03-15"],
        "action_decision": ["1"],
    }
    assert form(office, "/workplan/meetings", page, meeting) == 303
    listed = office.get(f"/api/workplan/{REGION}/meetings").json()["meetings"]
    assert [m["title"] for m in listed] == ["第一次调度会议"]
    one = office.get(f"/api/workplan/meetings/{listed[0]['id']}").json()
    assert one["actions"][0]["unit"] == "林业局" and one["region_name"]

    # home page: the plan is the plan API's, the digest the digest API's (the unit sees only its own)
    home = forest.get(f"/api/workplan/{REGION}/overview?on={ON}").json()
    assert home["data"] == forest.get(f"/api/workplan/{REGION}?on={ON}").json()
    assert home["digest"] == forest.get(f"/api/workplan/{REGION}/digest?on={ON}").json()["units"]
    assert {u["unit"] for u in home["digest"]} == {"林业局"}

    # items: the unit's own, the overdue follow-up first, as the page lists it
    rows = forest.get(f"/api/workplan/{REGION}/items?on={ON}&kind=action").json()["rows"]
    got = [(r["title"], r["state"], r["unit"]) for r in rows]
    assert got == [("报送林草覆盖率数据", "overdue", "林业局")]
    assert "报送林草覆盖率数据" in forest.get(f"/workplan/items?on={ON}&kind=action").text
    assert stats.get(f"/api/workplan/{REGION}/items?on={ON}&kind=action").json()["rows"] == []

    # a task: the unit reports progress through the page's form; the twin shows the report
    task = re.search(r'href="/workplan/tasks/(\d+)">加强生态保护修复', forest.get(f"/workplan?on={ON}").text)
    assert task is not None
    tid = task.group(1)
    before = forest.get(f"/api/workplan/tasks/{tid}").json()
    assert before["can_report"] is True and before["role"] in ("lead", "cooperating")
    progress = {"reported_on": "2026-03-01", "percent": "40", "text": "新增造林 1 万亩（示例）"}
    assert form(forest, f"/workplan/tasks/{tid}/progress", f"/workplan/tasks/{tid}", progress) == 303
    after = office.get(f"/api/workplan/tasks/{tid}").json()
    assert [(r["unit"], r["percent"], r["text"]) for r in after["task"]["reports"]] == [
        ("林业局", 40.0, "新增造林 1 万亩（示例）")
    ]

    # scores: office and leaders only; the cut-off day is a parameter (the page's is today)
    scores = office.get(f"/api/workplan/{REGION}/scores?year=2026&on={ON}").json()
    assert scores["as_of"] == ON and any(u["unit"] == "林业局" for u in scores["units"])
    assert forest.get(f"/api/workplan/{REGION}/scores?year=2026").status_code == 403

    # supervision reports and the public-page settings
    assert office.get(f"/api/workplan/{REGION}/reports").json()["rows"] == []
    assert forest.get(f"/api/workplan/{REGION}/public-admin").status_code == 403
    admin = office.get(f"/api/workplan/{REGION}/public-admin").json()
    assert admin["settings"]["published"] is False and admin["surveys"] == []


def test_public_twin_shows_only_what_is_published(app: FastAPI) -> None:
    anon = TestClient(app, base_url="http://testserver")
    assert anon.get(f"/api/workplan/{REGION}/public").status_code == 404
    office = login(app, "office")
    settings = {"region": REGION, "published": "true", "show_progress": "true", "message": "欢迎监督"}
    assert form(office, "/workplan/public-admin", f"/workplan/public-admin?region={REGION}", settings) == 303
    view = anon.get(f"/api/workplan/{REGION}/public").json()
    assert view["message"] == "欢迎监督" and view["region"]["code"] == REGION
    assert "progress" in view and "verdicts" not in view and "index" not in view
    assert "public-progress" in anon.get(f"/public/{REGION}").text
    assert anon.get("/api/workplan/999999/public").status_code == 404


def test_twins_are_typed_in_openapi(app: FastAPI) -> None:
    spec = login(app, "office").get("/api/openapi.json").json()
    for path, model in (
        ("/api/workplan/{region}/overview", "OverviewPage"),
        ("/api/workplan/tasks/{task_id}", "TaskPage"),
        ("/api/workplan/{region}/meetings", "MeetingsPage"),
        ("/api/workplan/meetings/{meeting_id}", "MeetingOut"),
        ("/api/workplan/{region}/items", "ItemsPage"),
        ("/api/workplan/{region}/scores", "ScoresOut"),
        ("/api/workplan/{region}/reports", "ReportsPage"),
        ("/api/workplan/{region}/public-admin", "PublicAdminPage"),
        ("/api/workplan/{region}/public", "PublicSummary"),
    ):
        schema = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema["$ref"].endswith("/" + model), (path, schema)
