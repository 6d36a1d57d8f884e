"""A form's address opened with GET (a reload after a failed save, the back button, a bookmark) leads
to the page above it instead of an error page saying 405; the API keeps its 405."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from websupport import Site

Clients = Callable[[str], tuple[TestClient, str]]


def test_get_on_a_form_address_redirects_to_its_page(site: Site, client_for: Clients) -> None:
    c, _ = client_for("u07")
    cases = {
        "/entry/eco_env_investment/2024?region=411224": "/entry/eco_env_investment?region=411224",
        "/entry/market_issued/2025/contribute": "/entry/market_issued",
        "/excel/preview": "/excel",
        "/excel/confirm": "/excel",
    }
    for url, page in cases.items():
        r = c.get(url, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == page, (url, r.status_code, r.text[:200])
    assert c.get("/entry/eco_env_investment/2024").status_code == 200  # followed: the item's page
    api = c.get("/api/excel/confirm", follow_redirects=False)
    assert api.status_code == 405 and api.json()["detail"] == "不支持的请求方法 GET"
    assert c.get("//example.org/a/b", follow_redirects=False).status_code in (404, 405)
