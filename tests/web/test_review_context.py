"""Review with context: previous years, change and the ±30 % flag, evidence inline, counts on tabs,
filters (unit, indicator, age), pages, batch approval with per-row results; ``/api/review`` the same."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from websupport import Site

from liangshan.catalog import load_catalog
from liangshan.services import review_list as review_list_mod
from liangshan.store.db import session_scope
from liangshan.store.evidence import store_evidence
from liangshan.store.models import AssessmentRound, Submission
from liangshan.store.submissions import submit_value, transition

R = "411224"
ITEM = "eco_env_investment"  # 财政局; the sample site leaves it empty
Clients = Callable[[str], tuple[TestClient, str]]


def _seed(site: Site) -> dict[str, int]:
    """Year 1 approved (100); year 2 pending 150 (+50 %, evidence); year 3 pending 120 (−20 %, 10 days)."""
    now = datetime.now(UTC)
    with session_scope(site.url) as s:
        rnd = s.scalars(select(AssessmentRound).where(AssessmentRound.region_code == R)).one()
        y1, y2, y3 = rnd.start_year, rnd.start_year + 1, rnd.start_year + 2
        assert y3 <= rnd.end_year
        a = submit_value(
            s, region=R, item=ITEM, year=y1, value=100.0, user="u05", at=now - timedelta(days=20)
        )
        transition(s, a.id, "approve", "office", at=now - timedelta(days=19))
        ev = store_evidence(
            s, site.files, b"pdf-ish", "2024_investment.pdf", "application/pdf", region=R, user="u05"
        )
        b = submit_value(
            s, region=R, item=ITEM, year=y2, value=150.0, user="u05", note="新建污水厂", evidence_ids=[ev.id]
        )
        c = submit_value(
            s, region=R, item=ITEM, year=y3, value=120.0, user="u05", at=now - timedelta(days=10)
        )
        return {"y1": y1, "y2": y2, "y3": y3, "b": b.id, "c": c.id, "ev": ev.id}


def _rows(data: dict, item: str = ITEM) -> dict[int, dict]:  # type: ignore[type-arg]
    return {r["year"]: r for r in data["rows"] if r["item"] == item}


def test_rows_carry_previous_years_change_flag_and_evidence(site: Site, client_for: Clients) -> None:
    ids = _seed(site)
    office, _ = client_for("office")
    data = office.get(f"/api/review?region={R}").json()
    rows = _rows(data)
    b, c = rows[ids["y2"]], rows[ids["y3"]]
    assert [p["year"] for p in b["previous"]] == [ids["y2"] - 3, ids["y2"] - 2, ids["y1"]]
    assert b["previous"][-1]["value"] == 100.0
    assert b["change"] == pytest.approx(0.5) and b["jump"] is True and b["change_text"] == "+50.0%"
    assert [e["id"] for e in b["evidence"]] == [ids["ev"]]
    # the pending 150 is the year before for year 3 (the value the entry check compares with)
    assert c["previous"][-1]["value"] == 150.0
    assert c["change"] == pytest.approx(-0.2) and c["jump"] is False
    assert c["age_days"] == 10 and b["age_days"] == 0
    # counts on tabs agree with the lists
    for tab in ("pending", "approved", "returned", "draft"):
        listed = office.get(f"/api/review?region={R}&tab={tab}").json()
        assert listed["counts"][tab] == listed["total"]
    assert data["counts"]["approved"] > 0
    page = office.get(f"/review?region={R}").text
    assert "变化较大" in page and "+50.0%" in page
    assert f'href="/evidence/{ids["ev"]}"' in page and "2024_investment.pdf" in page
    assert f'<span class="tab-count">{data["counts"]["pending"]}</span>' in page
    assert 'name="ids"' in page and 'action="/review/batch"' in page


def test_filters_by_indicator_unit_and_age(site: Site, client_for: Clients) -> None:
    ids = _seed(site)
    office, _ = client_for("office")
    cat = load_catalog()
    using = next(i.id for i in cat.indicators if ITEM in i.formula.element_codes())
    other = next(i.id for i in cat.indicators if ITEM not in i.formula.element_codes())
    got = office.get(f"/api/review?region={R}&indicator={using}").json()
    assert set(_rows(got)) == {ids["y2"], ids["y3"]}
    assert {r["item"] for r in got["rows"]} <= {
        *cat.indicator(using).formula.element_codes(),
        f"indicator:{using}",
    }
    assert not _rows(office.get(f"/api/review?region={R}&indicator={other}").json())
    aged = office.get(f"/api/review?region={R}&age=7").json()
    assert set(_rows(aged)) == {ids["y3"]} and all(r["age_days"] >= 7 for r in aged["rows"])
    units = {u["name"]: u["id"] for u in got["units"]}
    fin = office.get(f"/api/review?region={R}&unit={units['财政局']}").json()
    assert set(_rows(fin)) == {ids["y2"], ids["y3"]}
    stats = office.get(f"/api/review?region={R}&unit={units['统计局']}").json()
    assert not _rows(stats)
    bad = office.get(f"/api/review?region={R}&age=5")
    assert bad.status_code == 422 and "等待天数" in bad.json()["detail"]


def test_pages(site: Site, client_for: Clients, monkeypatch: pytest.MonkeyPatch) -> None:
    _seed(site)
    monkeypatch.setattr(review_list_mod, "PAGE_SIZE", 1)
    office, _ = client_for("office")
    first = office.get(f"/api/review?region={R}&tab=approved").json()
    assert first["pages"] == first["total"] > 1 and len(first["rows"]) == 1
    second = office.get(f"/api/review?region={R}&tab=approved&page=2").json()
    assert second["page"] == 2 and second["rows"][0]["id"] != first["rows"][0]["id"]
    html = office.get(f"/review?region={R}&tab=approved&page=2").text
    assert "下一页" in html and "上一页" in html


def test_batch_approve_reports_each_row(site: Site, client_for: Clients) -> None:
    ids = _seed(site)
    office, token = client_for("office")
    page = office.get(f"/review?region={R}").text
    assert f'value="{ids["b"]}:1"' in page
    r = office.post(
        "/review/batch",
        data={"csrf_token": token, "region": R, "ids": [f"{ids['b']}:1", f"{ids['c']}:7"]},
        follow_redirects=False,
    )
    assert r.status_code == 303
    shown = office.get(r.headers["location"]).text
    assert "已批量审核通过 1 条" in shown and "1 条未通过" in shown and "版本已变化" in shown
    with session_scope(site.url) as s:
        assert s.get(Submission, ids["b"]).status == "approved"  # type: ignore[union-attr]
        assert s.get(Submission, ids["c"]).status == "submitted"  # type: ignore[union-attr]
    # without the CSRF token nothing is approved
    r = office.post("/review/batch", data={"region": R, "ids": [f"{ids['c']}:1"]}, follow_redirects=False)
    assert r.status_code == 403
    # nothing selected: a clear message, nothing written
    r = office.post("/review/batch", data={"csrf_token": token, "region": R}, follow_redirects=False)
    assert r.status_code == 422 and "请先勾选" in r.text
    with session_scope(site.url) as s:
        assert s.get(Submission, ids["c"]).status == "submitted"  # type: ignore[union-attr]
    # a leader may read the list but not approve
    leader, ltoken = client_for("leader")
    assert 'action="/review/batch"' not in leader.get(f"/review?region={R}").text
    r = leader.post("/review/batch", data={"csrf_token": ltoken, "region": R, "ids": [f"{ids['c']}:1"]})
    assert r.status_code == 403
