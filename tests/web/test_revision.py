"""Revision semantics: the last approved version stands in every official view — the dashboard, the public
page and the report — until its successor is approved (a reopened value is 修订中, not missing)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from websupport import login

from liangshan.catalog import load_catalog
from liangshan.config import evidence_root
from liangshan.report.content import load_content
from liangshan.services.accounts import set_password
from liangshan.services.permissions import system_actor
from liangshan.services.values import review, save_entry
from liangshan.services.workspace import Workspace
from liangshan.store.db import dispose_engines, session_scope
from liangshan.store.submissions import latest
from liangshan.web.app import create_app
from liangshan.workplan.actions import save_public_settings
from liangshan.workplan.public_site import public_summary

R, IND, ITEM, YEAR = "411224", 20, "eco_env_investment", 2025
PASSWORD = "revision-test-9xq"


def verdicts(url: str, client: TestClient) -> dict[str, str]:
    """Indicator 20's verdict as the dashboard, the public page and the report give it."""
    time.sleep(0.6)  # the web app sees another process's writes within 0.5 s (WebContext.data_version)
    dash = client.get(f"/api/dashboard?region={R}").json()
    board = next(i["verdict"] for i in dash["indicators"] if i["id"] == IND)
    with session_scope(url) as s:  # the function the public page /public/411224 renders
        public = public_summary(s, load_catalog(), R, date(2026, 3, 2))
    assert public is not None
    shown = next(i for i in public["verdicts"] if i["id"] == IND)["verdict"]
    report = next(s.verdict for s in load_content(url, R).indicators if s.id == IND)
    return {"dashboard": board, "public": shown, "report": report}


def revising(client: TestClient) -> list[str]:
    """What the dashboard row and the indicator page of indicator 20 say about a revision (修订中)."""
    import re

    dash = client.get(f"/dashboard?region={R}").text
    row = dash[dash.index(f'id="ind-{IND}"') :]
    row = row[: row.index("</tr>")]
    page = client.get(f"/indicator/{IND}?region={R}").text
    notes = re.findall(r'<div class="revision-note">(.*?)</div>', row)
    notes += re.findall(r'<div class="revision-note">(.*?)</div>', page)
    return [re.sub(r"<[^>]+>", "", n) for n in notes]


def test_reopened_value_stands_until_its_revision_is_approved(
    copy_demo: Callable[[Path], str], tmp_path: Path
) -> None:
    url = copy_demo(tmp_path / "demo.db")
    with session_scope(url) as s:
        from sqlalchemy import select

        from liangshan.store.models import User

        set_password(s, s.scalars(select(User).where(User.username == "office")).one(), PASSWORD)
        save_public_settings(
            s, system_actor(s), R, {"published": True, "show_index": True, "show_verdicts": True}
        )
    ws = Workspace(url, evidence_root(url), load_catalog())
    client = TestClient(
        create_app(url, evidence_root(url), secret_key="r" * 40), base_url="http://testserver"
    )
    login(client, "office", PASSWORD)
    before = verdicts(url, client)
    assert before == {"dashboard": "未达标", "public": "未达标", "report": "未达标"}  # 2025: 2.90 % ≤ 3 %
    with ws.read() as s:
        office = system_actor(s)
        standing = latest(s, R, ITEM, YEAR)
        assert standing is not None and standing.status == "approved"
        sid, value = standing.id, float(standing.value_num or 0)
    assert revising(client) == []
    review(ws, office, sid, "reopen", "财政决算调整后重报")
    assert verdicts(url, client) == before  # reopened: still the approved value
    notes = revising(
        client
    )  # dashboard row, indicator's 判定说明, the element's year: 修订中 with the reason
    assert len(notes) == 3 and all(
        f"{YEAR}年数据修订中（重新打开理由：财政决算调整后重报）" in n for n in notes
    )
    out = save_entry(ws, office, region=R, item=ITEM, year=YEAR, raw_value=str(value * 1.2),
                     note="决算调整（测试）", action="submit", expected_version=None)  # fmt: skip
    assert verdicts(url, client) == before  # the revision waits for review: still the approved value
    assert len(revising(client)) == 3
    review(ws, office, out.submission["id"], "approve")
    assert verdicts(url, client) == {"dashboard": "达标", "public": "达标", "report": "达标"}
    assert revising(client) == []
    dispose_engines()
