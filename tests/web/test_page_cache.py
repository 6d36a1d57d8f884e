"""Cached page bodies: each user still gets their own header, CSRF token and flash message, a unit
user never gets the office's view, and a new value shows at once (the data version is in the key)."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from liangshan.store.db import session_scope
from liangshan.store.models import Submission
from liangshan.web.deps import region_options


def csrf_in(page: str) -> set[str]:
    return set(re.findall(r'name="csrf_token" value="([^"]+)"', page)) | set(
        re.findall(r'"X-CSRF-Token": "([^"]+)"', page)
    )


def test_each_user_gets_own_header_and_token_on_a_cached_page(client_for) -> None:
    office, office_csrf = client_for("office")
    leader, leader_csrf = client_for("leader")
    a = office.get("/dashboard?region=411224").text
    b = leader.get("/dashboard?region=411224").text  # the same body, now from the cache
    c = office.get("/dashboard?region=411224").text
    assert csrf_in(a) == csrf_in(c) == {office_csrf} and csrf_in(b) == {leader_csrf}
    assert "（office ·" in a and "（leader ·" in b and "（office ·" not in b
    assert "<!--liangshan:" not in a + b + c
    assert 'href="/excel"' in a and 'href="/excel"' not in b  # the header follows the role


def test_unit_user_never_gets_the_office_view(client_for) -> None:
    office, _ = client_for("office")
    unit, _ = client_for("u01")
    full = office.get("/dashboard?region=411224").text
    mine = unit.get("/dashboard?region=411224").text
    assert full.count('<tr id="ind-') == 20
    assert 0 < mine.count('<tr id="ind-') < 20 and "仅显示本单位" in mine


def test_a_new_value_shows_at_once(client_for, site) -> None:
    office, csrf = client_for("office")
    before = office.get("/indicator/20?region=411224").text
    with session_scope(site.url) as s:
        v = s.scalar(
            select(func.max(Submission.version)).where(
                Submission.region_code == "411224",
                Submission.item_code == "eco_env_investment",
                Submission.year == 2025,
            )
        )
    r = office.post(
        "/api/items/eco_env_investment/2025",
        headers={"X-CSRF-Token": csrf},
        json={"region": "411224", "value": 123456, "expected_version": v or 0},
    )
    assert r.status_code in (200, 201), r.text
    after = office.get("/indicator/20?region=411224").text
    assert "123,456" not in before and "123,456" in after


def test_region_options_escape_and_select() -> None:
    regions = [{"code": "1", "name": "<b>甲</b>"}, {"code": "2", "name": "乙"}]
    html = str(region_options(regions, "2"))
    assert "&lt;b&gt;甲&lt;/b&gt;" in html and '<option value="2" selected>' in html
    assert html.count("selected") == 1 and "selected" not in str(region_options(regions, None))
    assert '<option value="1" selected>' in str(region_options(regions, "1"))
