"""Every route answers 404 or 422 — never 500 — for hostile path parameters and years, on SQLite and
PostgreSQL: ids 0, −1, 2³¹, 2⁶³, a non-numeric value and a code that does not exist."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from websupport import login, make_site

from liangshan.web.app import create_app

VALUES = ["0", "-1", str(2**31), str(2**63), "abc", "nonexistent"]
PARAM = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")


@pytest.fixture
def office(db: str, tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    site = make_site(db, tmp_path)
    app = create_app(site.url, site.files, secret_key="k" * 40)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c, login(c, "office")


def _all(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """Every APIRoute with its full path (newer FastAPI keeps included routers as branches)."""
    for r in routes:
        inner = getattr(r, "original_router", None)
        if inner is not None:
            ctx = getattr(r, "include_context", None)
            yield from _all(inner.routes, prefix + (getattr(ctx, "prefix", "") or ""))
        elif isinstance(r, APIRoute):
            yield prefix + r.path, r


def _routes(app: Any) -> list[tuple[str, str]]:
    out = []
    for path, r in _all(app.routes):
        if PARAM.search(path):
            for m in sorted(r.methods - {"HEAD"}):
                out.append((m, path))
    return out


def test_no_route_answers_500_to_hostile_ids(office: tuple[TestClient, str]) -> None:
    c, token = office
    routes = _routes(c.app)
    assert len(routes) > 20
    bad = []
    for method, path in routes:
        names = PARAM.findall(path)
        for value in VALUES:
            url = PARAM.sub(value, path)
            if method == "GET":
                r = c.get(url, follow_redirects=False)
            else:
                r = c.request(method, url, headers={"X-CSRF-Token": token}, data={"csrf_token": token},
                              follow_redirects=False)  # fmt: skip
            if r.status_code >= 500:
                bad.append(f"{method} {url} ({names}) → {r.status_code}")
    assert not bad, "\n".join(bad)


QUERIES = [
    "year=99999",
    "year=-1",
    f"year={2**63}",
    "year=abc",
    f"round={2**63}",
    f"round_id={2**31}",
    f"unit={2**31}",
    f"unit={2**63}",
    "unit=0",
]


def test_no_page_answers_500_to_hostile_years(office: tuple[TestClient, str]) -> None:
    c, _ = office
    bad = []
    for path, r in _all(c.app.routes):  # type: ignore[attr-defined]
        if "GET" not in r.methods or PARAM.search(path):
            continue
        for q in QUERIES:
            resp = c.get(f"{path}?{q}", follow_redirects=False)
            if resp.status_code >= 500:
                bad.append(f"GET {path}?{q} → {resp.status_code}")
    assert not bad, "\n".join(bad)


def test_known_cases(office: tuple[TestClient, str]) -> None:
    c, _ = office
    assert c.get("/api/items/nonexistent/2024").status_code in (404, 422)
    assert c.get("/workplan/scores?year=99999").status_code == 422
    assert c.get("/workplan/tasks/999").status_code == 404
