"""基地状态与问题整改台账 on the web (/base and the JSON twins), and 预警 / risks on the 待办 page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from websupport import Site, login, make_site

from liangshan.store.db import dispose_engines, session_scope
from liangshan.store.models_after import BaseStatus, Incident
from liangshan.web.app import create_app

R = "411224"


@pytest.fixture
def web(sqlite_db: str, tmp_path: Path) -> Iterator[Any]:
    site: Site = make_site(sqlite_db, tmp_path, extra_regions=1)
    app = create_app(site.url, site.files, secret_key="t" * 40)
    clients: list[TestClient] = []

    def client(username: str) -> tuple[TestClient, str]:
        c = TestClient(app, base_url="http://testserver")
        clients.append(c)
        return c, login(c, username)

    yield client, site
    for c in clients:
        c.close()
    dispose_engines()


def test_base_page_twins_and_office_forms(web: Any) -> None:
    client, site = web
    office, token = client("office")
    page = office.get(f"/base?region={R}")
    assert page.status_code == 200 and "创建中" in page.text and "2023-06-06" in page.text
    assert "部分河段采砂迹地生态修复不到位" in page.text and 'id="incident-add"' in page.text
    st = office.get("/api/base", params={"region": R}).json()
    assert (
        st["status"] == "创建中" and st["baseline_year"] == 2023 and st["basis"]["issued_on"] == "2024-02-01"
    )
    reg = office.get("/api/incidents", params={"region": R}).json()
    assert {i["state"] for i in reg["items"]} == {"整改中", "已整改"} and len(reg["risks"]) == 1
    bad = office.post(
        "/base", data={"csrf_token": token, "region": R, "status": "已命名", "named_on": "2025-13"}
    )
    assert (bad.status_code == 422 and "命名日期格式" in bad.text) or "命名日期不是有效日期" in bad.text
    with session_scope(site.url) as s:
        assert s.get(BaseStatus, R).status == "创建中"  # type: ignore[union-attr]
    ok = office.post(
        "/base",
        data={"csrf_token": token, "region": R, "status": "已申报", "started_on": "2023-06-06",
              "applied_on": "2026-03-01", "note": "测试"},
        follow_redirects=False,
    )  # fmt: skip
    assert ok.status_code == 303
    assert office.get("/api/base", params={"region": R}).json()["status"] == "已申报"
    form = {"csrf_token": token, "region": R, "kind": "省级督察", "occurred_on": "2026-02-01",
            "title": "测试问题", "responsible_unit": "林业局", "due_on": "2026-01-01"}  # fmt: skip
    refused = office.post("/base/incidents", data=form)
    assert (
        refused.status_code == 422 and "整改期限 2026-01-01 早于问题发生/交办日期 2026-02-01" in refused.text
    )
    added = office.post("/base/incidents", data={**form, "due_on": "2027-01-01"}, follow_redirects=False)
    assert added.status_code == 303
    with session_scope(site.url) as s:
        new = s.query(Incident).filter_by(title="测试问题").one()
    step = office.post(
        f"/base/incidents/{new.id}/update",
        data={"csrf_token": token, "status": "已整改", "note": "已完成", "done_on": "2026-06-01"},
        follow_redirects=False,
    )
    assert step.status_code == 303
    one = next(i for i in office.get("/api/incidents").json()["items"] if i["id"] == new.id)
    assert one["state"] == "已整改" and len(one["history"]) == 2


def test_unit_reads_but_cannot_edit(web: Any) -> None:
    client, site = web
    unit, token = client(site.users["林业局"])
    page = unit.get("/base")
    assert (
        page.status_code == 200
        and 'id="incident-add"' not in page.text
        and 'id="status-form"' not in page.text
    )
    res = unit.post("/api/base", json={"region": R, "status": "撤销"}, headers={"X-CSRF-Token": token})
    assert res.status_code == 403 and "只有领导小组办公室可以修改基地状态" in res.text


def test_todo_shows_warnings_to_office_leader_and_lead_unit(web: Any) -> None:
    client, site = web
    office, _ = client("office")
    data = office.get("/api/todo", params={"region": R}).json()
    assert data["warnings"], data
    assert len(data["title_risks"]) == 1 and data["title_risks"][0]["kind"] == "中央生态环境保护督察"
    leads = {w["lead_unit"] for w in data["warnings"]}
    page = office.get(f"/todo?region={R}")
    assert "指标预警" in page.text and data["warnings"][0]["text"] in page.text
    leader, _ = client("leader")
    assert leader.get("/api/todo").json()["warnings"] == data["warnings"]
    lead = sorted(leads)[0]
    mine, _ = client(site.users[lead])
    got = mine.get("/api/todo").json()
    assert (
        got["warnings"] and {w["lead_unit"] for w in got["warnings"]} == {lead} and got["title_risks"] == []
    )
    other = next(u for name, u in site.users.items() if name not in leads and name != "市生态环境局卢氏分局")
    other_client, _ = client(other)
    assert other_client.get("/api/todo").json()["warnings"] == []
