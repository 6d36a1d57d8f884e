"""/reconcile and /api/reconcile: who sees what, entering a published figure, review, Chinese only."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select
from websupport import Site

from liangshan.store.db import session_scope
from liangshan.store.models import Submission

R = "411224"
Client = Callable[[str], tuple[TestClient, str]]


def form(token: str, **extra: str) -> dict[str, str]:
    data = {
        "csrf_token": token,
        "region": R,
        "indicator": "3",
        "year": "2025",
        "value": "88.9",
        "publisher": "河南省生态环境厅",
        "document": "河南省2025年地表水水质状况通报（测试）",
        "published_on": "2026-01-21",
        "explanation": "通报评价 9 个断面",
        "action": "submit",
    }
    data.update(extra)
    return data


def test_unit_sees_only_its_own_indicators(site: Site, client_for: Client) -> None:
    forestry, _ = client_for(site.users["林业局"])
    r = forestry.get("/api/reconcile", params={"indicator": 1})
    assert r.status_code == 403
    assert "责任单位" in r.json()["detail"] and r.json()["code"] == "forbidden"
    data = forestry.get("/api/reconcile").json()
    assert [i["id"] for i in data["indicators"]] == [7] and data["years"] == [2023, 2024, 2025]
    page = forestry.get("/reconcile")
    assert (
        page.status_code == 200 and "林草覆盖率" in page.text and "环境空气质量优良天数比例" not in page.text
    )
    assert forestry.get("/reconcile", params={"indicator": 3}).status_code == 403


def test_read_roles_see_every_indicator_and_cannot_enter(site: Site, client_for: Client) -> None:
    for user in ("leader", "expert", "analyst"):
        c, _ = client_for(user)
        data = c.get("/api/reconcile").json()
        assert [i["id"] for i in data["indicators"]] == [1, 2, 3, 4, 7], user
    leader, token = client_for("leader")
    page = leader.get("/reconcile").text
    assert "官方发布值与复算值对账" in page and 'id="official-form"' not in page
    assert 'class="rc-scroll"' in page  # tables scroll in their own box on a phone
    r = leader.post("/reconcile/official", data=form(token))
    assert r.status_code == 403 and "只能查看" in r.text


def test_office_enters_official_figure_then_approves(site: Site, client_for: Client) -> None:
    office, token = client_for("office")
    page = office.get("/reconcile").text
    assert 'id="official-form"' in page
    bad = office.post("/reconcile/official", data=form(token, publisher=""))
    assert bad.status_code == 422 and "请填写发布单位" in bad.text
    assert (
        office.get("/api/reconcile", params={"indicator": 3}).json()["indicators"][0]["years"][2]["official"]
        is None
    )
    pdf = b"%PDF-1.4\n% bulletin\n"
    r = office.post(
        "/reconcile/official",
        data=form(token),
        files={"evidence": ("通报.pdf", pdf, "application/pdf")},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == f"/reconcile?region={R}"
    # submitted, not yet approved: not used
    row = office.get("/api/reconcile", params={"indicator": 3}).json()["indicators"][0]["years"][2]
    assert row["official"] is None
    with session_scope(site.url) as s:
        sub = s.scalars(select(Submission).where(Submission.item_code == "official:3")).one()
        assert (sub.year, sub.status, sub.created_by, sub.value) == (2025, "submitted", "office", 88.9)
        sid = sub.id
    done = office.post(
        f"/api/submissions/{sid}/actions",
        json={"action": "approve"},
        headers={"X-CSRF-Token": token},
    )
    assert done.status_code == 200 and done.json()["status"] == "approved", done.text
    ind = office.get("/api/reconcile", params={"indicator": 3}).json()["indicators"][0]
    row = ind["years"][2]
    assert row["used"] == "official" and row["official"]["value"] == 88.9
    assert row["official"]["document"] == "河南省2025年地表水水质状况通报（测试）"
    assert row["official"]["evidence_count"] == 1 and row["unit_note"] == "通报评价 9 个断面"
    html = office.get("/reconcile").text
    assert "88.9%" in html and "河南省生态环境厅" in html and "官方发布值" in html
    visible = re.sub(r"<[^>]+>|<style>.*?</style>", " ", html.split("<main", 1)[-1], flags=re.S)
    for word in ("official", "recomputed", "liangshan.", "None", "True", "False"):
        assert word not in visible, word  # Chinese only: no code identifier on the page
