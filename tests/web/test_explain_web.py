"""情况说明 on the web: the unit writes and submits on /explain/N, the office returns it, the unit fixes
it, the office approves it on the review page; the JSON twin and the review page show it."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from websupport import Site

from liangshan.store.db import session_scope
from liangshan.store.submissions import latest

Clients = Callable[[str], tuple[TestClient, str]]
R = "411224"
SOURCE = "《卢氏县2025年财政决算报告》（测试）第12页"


def _post(client: TestClient, token: str, **form: str) -> int:
    data = {"csrf_token": token, "region": R, "year": "2025", "action": "submit", **form}
    return client.post("/explain/20", data=data, follow_redirects=False).status_code


def _review(client: TestClient, token: str, sid: int, action: str, reason: str = "") -> int:
    data = {"csrf_token": token, "action": action, "reason": reason, "region": R}
    return client.post(f"/review/{sid}", data=data, follow_redirects=False).status_code


def test_unit_writes_office_returns_and_approves(site: Site, client_for: Clients) -> None:
    unit, unit_token = client_for("u07")  # 财政局, responsible for indicator 20
    office, office_token = client_for("office")
    with session_scope(site.url) as s:
        sub = latest(s, R, "explain:20", 2025)
        if sub is not None and sub.status == "approved":  # the demo's own explanation: reopened first
            assert _review(office, office_token, sub.id, "reopen", "测试") == 303
    page = unit.get(f"/explain/20?region={R}")
    assert page.status_code == 200 and "数据来源" in page.text and "提交审核" in page.text
    assert _post(unit, unit_token, source=" ", work="") == 400  # required fields: refused, nothing stored
    assert (
        _post(
            unit, unit_token, source="《卢氏县2025年财政决算报告》（测试）第12页", work="安排节能环保支出。"
        )
        == 303
    )
    twin = unit.get(f"/api/explain/20?region={R}").json()
    row = next(y for y in twin["years"] if y["year"] == 2025)
    assert row["status"] == "submitted" and "财政决算报告" in row["source"]
    review = office.get(f"/review?region={R}")
    assert review.status_code == 200 and "情况说明" in review.text
    assert _review(office, office_token, row["submission_id"], "return", "请写明变化原因") == 303
    assert (
        _post(unit, unit_token, source=SOURCE, work="安排节能环保支出。", cause="项目完工后投入回落。") == 303
    )
    row = next(y for y in unit.get(f"/api/explain/20?region={R}").json()["years"] if y["year"] == 2025)
    assert _review(office, office_token, row["submission_id"], "approve") == 303
    row = next(y for y in unit.get(f"/api/explain/20?region={R}").json()["years"] if y["year"] == 2025)
    assert row["status"] == "approved" and row["cause"] == "项目完工后投入回落。"
