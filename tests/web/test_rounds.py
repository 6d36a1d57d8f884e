"""评估批次管理: list / create / close / reopen (reasons, audit), deadlines, per-unit completeness,
entries refused in a closed round; the pages and the JSON API on the same services. SQLite and
PostgreSQL (the ``db`` fixture)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from websupport import Site, login, make_site

from liangshan.catalog import load_catalog
from liangshan.services.assessment import unit_completeness
from liangshan.store.db import session_scope
from liangshan.store.models import AssessmentRound, AuditLog
from liangshan.web.app import create_app

R, OTHER = "411224", "900001"


@pytest.fixture
def site(db: str, tmp_path: Path) -> Site:
    return make_site(db, tmp_path, extra_regions=1)


@pytest.fixture
def web(site: Site) -> Iterator[Any]:
    app = create_app(site.url, site.files, secret_key="k" * 40)
    clients: list[TestClient] = []

    def client(username: str) -> tuple[TestClient, str]:
        c = TestClient(app, base_url="http://testserver")
        clients.append(c)
        return c, login(c, username)

    yield client
    for c in clients:
        c.close()


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def home_round(c: TestClient) -> dict[str, Any]:
    (rnd,) = c.get("/api/rounds").json()["rounds"]
    return rnd


def save(c: TestClient, token: str, year: int, version: int, region: str = R) -> Any:
    body = {"region": region, "value": 47000 + version, "action": "save", "expected_version": version}
    return c.post(f"/api/items/eco_env_investment/{year}", json=body, headers={"X-CSRF-Token": token})


def test_close_refuses_entries_reopen_allows_them_all_audited(site: Site, web: Any) -> None:
    office, ot = web("office")
    unit, ut = web("u07")
    h = {"X-CSRF-Token": ot}
    rnd = home_round(office)
    assert rnd["state"] == "open" and rnd["current"] and (rnd["start_year"], rnd["end_year"]) == (2023, 2025)
    page = office.get("/rounds")
    assert page.status_code == 200 and rnd["name"] in page.text and 'action="/rounds"' in page.text
    assert 'name="csrf_token"' in page.text and 'href="/rounds"' in page.text  # form and the office nav
    # closing needs a reason (the page keeps the round and says why)
    r = office.post(f"/rounds/{rnd['id']}/close", data={"csrf_token": ot, "reason": " "})
    assert r.status_code == 422 and "关闭评估批次必须填写理由" in r.text
    r = office.post(f"/rounds/{rnd['id']}/close", data={"csrf_token": ot, "reason": "自评估报告已上报"},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and r.headers["location"] == f"/rounds/{rnd['id']}"
    # entries are refused: the page, the API, and the Excel import
    r = save(unit, ut, 2024, 0)
    assert r.status_code == 409 and r.json()["code"] == "closed" and "已关闭" in r.json()["detail"]
    form = {"csrf_token": ut, "region": R, "value": "47000", "action": "save", "version": "0"}
    r = unit.post("/entry/eco_env_investment/2024", data=form)
    assert r.status_code == 409 and "已关闭" in r.text
    assert "已关闭" in unit.get("/entry").text
    units = office.get(f"/api/rounds/{rnd['id']}").json()["units"]
    fin = next(u["unit_id"] for u in units if u["unit"] == "财政局")
    wb = load_workbook(io.BytesIO(office.get("/excel/template", params={"unit": fin}).content))
    ws = wb.worksheets[0]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 2).value == "eco_env_investment")
    ws.cell(row, 5).value = 47000
    buf = io.BytesIO()
    wb.save(buf)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    upload = {"file": ("t.xlsx", buf.getvalue(), xlsx)}
    r = office.post("/excel/preview", data={"csrf_token": ot}, files=upload)
    assert r.status_code == 422 and "已关闭" in r.text and 'name="token"' not in r.text
    # closing twice is refused; the history shows who, when, why
    r = office.post(
        f"/api/rounds/{rnd['id']}/actions", json={"action": "close", "reason": "再关一次"}, headers=h
    )
    assert r.status_code == 409 and "当前已关闭" in r.json()["detail"]
    detail = text(office.get(f"/rounds/{rnd['id']}").text)
    assert "进行中 → 已关闭 自评估报告已上报" in detail and "office" in detail
    # a new round while none is open; then the old one cannot be reopened beside it
    body = {
        "region": R,
        "name": "2026—2028年自评估",
        "start_year": 2026,
        "end_year": 2028,
        "deadline": "2029-03-31",
    }
    new = office.post("/api/rounds", json=body, headers=h)
    assert new.status_code == 201 and new.json()["state"] == "open"
    assert office.post("/api/rounds", json=body | {"name": "再建一个"}, headers=h).status_code == 409
    r = save(unit, ut, 2024, 0)
    assert r.status_code == 409 and "不在评估批次" in r.json()["detail"]
    r = office.post(
        f"/api/rounds/{rnd['id']}/actions", json={"action": "reopen", "reason": "补报"}, headers=h
    )
    assert r.status_code == 409 and "2026—2028年自评估" in r.json()["detail"]
    listed = office.get("/api/rounds").json()["rounds"]
    assert [(x["name"], x["state"], x["current"]) for x in listed] == [
        ("2026—2028年自评估", "open", True),
        (rnd["name"], "closed", False),
    ]
    # close the new one, reopen the old one with a reason: entries go in again
    nid = new.json()["id"]
    assert office.post(f"/api/rounds/{nid}/actions", json={"action": "close", "reason": "建错了"},
                       headers=h).status_code == 200  # fmt: skip
    r = office.post(f"/rounds/{rnd['id']}/reopen", data={"csrf_token": ot, "reason": "财政局补报"},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    assert save(unit, ut, 2024, 0).status_code == 201
    with session_scope(site.url) as s:
        log = s.scalars(
            select(AuditLog).where(AuditLog.entity == "assessment_round").order_by(AuditLog.id)
        ).all()
        got = [
            (
                a.actor,
                a.action,
                a.entity_id,
                a.detail,
                (a.before or {}).get("state"),
                (a.after or {}).get("state"),
            )
            for a in log
        ]
    assert got == [
        ("office", "close_round", str(rnd["id"]), "自评估报告已上报", "open", "closed"),
        ("office", "create_round", str(nid), "", None, "open"),
        ("office", "close_round", str(nid), "建错了", "open", "closed"),
        ("office", "reopen_round", str(rnd["id"]), "财政局补报", "closed", "open"),
    ]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"name": " ", "start_year": 2026, "end_year": 2028}, 422, "请填写评估批次名称"),
        ({"name": "x", "start_year": 2028, "end_year": 2026}, 422, "起始年份 2028 晚于结束年份 2026"),
        ({"name": "x", "start_year": 2020, "end_year": 2035}, 422, "最多 10 年"),
        ({"name": "x", "start_year": 1900, "end_year": 1901}, 422, "2000—2100"),
        ({"name": "x", "start_year": 2026, "end_year": 2028, "deadline": "2029/3/31"}, 422, "YYYY-MM-DD"),
        ({"name": "x", "start_year": 2026, "end_year": 2028}, 409, "请先关闭"),
    ],
)
def test_create_validation(site: Site, web: Any, body: dict[str, Any], status: int, message: str) -> None:
    office, ot = web("office")
    r = office.post("/api/rounds", json={"region": R, **body}, headers={"X-CSRF-Token": ot})
    assert r.status_code == status and message in r.json()["detail"], r.json()
    page = office.post("/rounds", data={"csrf_token": ot, "region": R, "deadline": "", **body})
    assert page.status_code == status and message in page.text
    assert f'value="{body["name"]}"' in page.text or body["name"].strip() == ""  # the form keeps the input


def test_completeness_per_unit_deadline_and_overdue(site: Site, web: Any) -> None:
    office, ot = web("office")
    h = {"X-CSRF-Token": ot}
    rnd = home_round(office)
    detail = office.get(f"/api/rounds/{rnd['id']}").json()
    units = {u["unit"]: u for u in detail["units"]}
    fin = units["财政局"]
    assert fin["due"] == "2026-12-31" and fin["expected"] == 12  # 4 data elements × 3 years
    assert (fin["approved"], fin["missing"], fin["overdue"]) == (9, 3, 0)  # 生态环保投入 not yet entered
    assert [i["code"] for i in fin["items"]] == [
        "eco_compensation_revenue", "fiscal_revenue", "market_issued", "eco_env_investment"]  # fmt: skip
    # the same numbers as the dashboard's completeness of the current round
    with session_scope(site.url) as s:
        dash = {u["unit"]: u for u in unit_completeness(s, load_catalog(), R).to_dict()["units"]}
    for name, u in units.items():
        assert {k: u[k] for k in ("expected", "submitted", "approved", "missing")} == {
            k: dash[name][k] for k in ("expected", "submitted", "approved", "missing")
        }
    # a deadline in the past: the missing items are overdue (page shows 逾期)
    r = office.post(f"/api/rounds/{rnd['id']}/actions", json={"action": "deadline", "deadline": "2020-01-31"},
                    headers=h)  # fmt: skip
    assert r.status_code == 200 and r.json()["deadline"] == "2020-01-31"
    fin = next(u for u in office.get(f"/api/rounds/{rnd['id']}").json()["units"] if u["unit"] == "财政局")
    assert fin["overdue"] == 3 and fin["due"] == "2020-01-31"
    page = office.get(f"/rounds/{rnd['id']}")
    assert "逾期" in page.text and "生态环保投入" in page.text
    assert "截止 2026-12-31 → 2020-01-31" in text(page.text)
    r = office.post(f"/rounds/{rnd['id']}/deadline", data={"csrf_token": ot, "deadline": "31.12.2026"})
    assert r.status_code == 422 and "YYYY-MM-DD" in r.text
    listed = home_round(office)
    assert listed["overdue"] == sum(
        u["overdue"] for u in office.get(f"/api/rounds/{rnd['id']}").json()["units"]
    )


def test_only_the_office_of_the_region_manages_rounds(site: Site, web: Any) -> None:
    office, _ = web("office")
    rid = home_round(office)["id"]
    for user in ("u07", "leader", "expert", "analyst"):
        c, tok = web(user)
        assert c.get("/rounds").status_code == 403
        r = c.get("/api/rounds")
        assert r.status_code == 403 and "只有领导小组办公室可以管理评估批次" in r.json()["detail"]
        r = c.post(
            f"/api/rounds/{rid}/actions",
            json={"action": "close", "reason": "x"},
            headers={"X-CSRF-Token": tok},
        )
        assert r.status_code == 403
    other, tok = web("office001")
    assert other.get(f"/rounds/{rid}").status_code == 403
    r = other.post(f"/rounds/{rid}/close", data={"csrf_token": tok, "reason": "越权"})
    assert r.status_code == 403 and "无权访问地区" in r.text
    assert other.get(f"/api/rounds?region={R}").status_code == 403
    assert [x["region"] for x in other.get("/api/rounds").json()["rounds"]] == [OTHER]
    assert office.get("/rounds/999999").status_code == 404
    with session_scope(site.url) as s:
        assert s.get(AssessmentRound, rid).state == "open"  # type: ignore[union-attr]


def test_round_pages_escape_names(site: Site, web: Any) -> None:
    office, ot = web("office")
    h = {"X-CSRF-Token": ot}
    rnd = home_round(office)
    office.post(
        f"/api/rounds/{rnd['id']}/actions", json={"action": "close", "reason": "<b>理由</b>"}, headers=h
    )
    evil = '<script>alert("x")</script>'
    r = office.post(
        "/api/rounds", json={"region": R, "name": evil, "start_year": 2026, "end_year": 2027}, headers=h
    )
    assert r.status_code == 201
    for page in (office.get("/rounds").text, office.get(f"/rounds/{r.json()['id']}").text,
                 office.get(f"/rounds/{rnd['id']}").text):  # fmt: skip
        assert "<script>alert" not in page and "<b>理由</b>" not in page
    assert "&lt;script&gt;alert" in office.get("/rounds").text
    assert "&lt;b&gt;理由&lt;/b&gt;" in office.get(f"/rounds/{rnd['id']}").text
