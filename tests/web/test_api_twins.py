"""Every HTML page has a JSON twin under ``/api/`` with a declared response model; refusals answer
the ``ErrorBody`` the OpenAPI document describes; the completeness service counts the same for every
face and an approved value stands while a newer version waits for review."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from websupport import Site

from liangshan.catalog import load_catalog
from liangshan.services.assessment import assess_region, unit_completeness
from liangshan.services.rounds import completeness as round_completeness
from liangshan.store.db import session_scope
from liangshan.store.models import AssessmentRound, Submission
from liangshan.store.submissions import submit_value, transition
from liangshan.web.schemas import ErrorBody

Clients = Callable[[str], tuple[TestClient, str]]
R, OTHER = "411224", "900001"

# GET routes that are not pages with data of their own, and why
NOT_PAGES = {
    "/": "redirects to the user's start page",
    "/login": "the login form (its API is POST /api/login)",
    "/evidence/{evidence_id}": "file download (GET /api/evidence/{evidence_id})",
    "/excel/template": "file download (GET /api/excel/template)",
    "/report/jobs/{job_id}": "already JSON: the job status the report page polls",
    "/report/jobs/{job_id}/download": "file download",
    "/healthz": "health check (public, JSON)",
    "/readyz": "health check (public, JSON)",
    "/calc/{item}": "calculator page (owned and twinned by /api/calc/{item})",
}
OTHER_OWNERS = ("/workplan", "/public/", "/static")  # the work plan and public pages: their own twins


def page_twins(round_id: int) -> dict[str, tuple[str, str, str]]:
    """page route → (page URL, twin URL, twin route) for 卢氏县."""
    q = f"?region={R}"
    return {
        "/todo": (f"/todo{q}", f"/api/todo{q}", "/api/todo"),
        "/dashboard": (f"/dashboard{q}", f"/api/dashboard{q}", "/api/dashboard"),
        "/indicators": (f"/indicators{q}", f"/api/indicators{q}", "/api/indicators"),
        "/indicator/{ind_id}": (f"/indicator/20{q}", f"/api/indicators/20{q}", "/api/indicators/{ind_id}"),
        "/entry": (f"/entry{q}", f"/api/worklist{q}", "/api/worklist"),
        "/entry/{item}": (f"/entry/gdp{q}", f"/api/items/gdp{q}", "/api/items/{item}"),
        "/entry/{item}/{year}/check": (
            f"/entry/gdp/2025/check{q}&value=1",
            f"/api/items/gdp/2025/check{q}&value=1",
            "/api/items/{item}/{year}/check",
        ),
        "/review": (f"/review{q}", f"/api/review{q}", "/api/review"),
        "/rounds": (f"/rounds{q}", f"/api/rounds{q}", "/api/rounds"),
        "/rounds/{round_id}": (f"/rounds/{round_id}", f"/api/rounds/{round_id}", "/api/rounds/{round_id}"),
        "/excel": (f"/excel{q}", f"/api/excel{q}", "/api/excel"),
        "/report": (f"/report{q}", f"/api/report{q}", "/api/report"),
        "/regions": (f"/regions{q}", f"/api/rollup/{R}", "/api/rollup/{code}"),
        "/reconcile": (f"/reconcile{q}", f"/api/reconcile{q}", "/api/reconcile"),
        "/map": (f"/map{q}", f"/api/map{q}", "/api/map"),
        "/titles": (f"/titles{q}", f"/api/titles{q}", "/api/titles"),
        "/base": (f"/base{q}", f"/api/base{q}", "/api/base"),
        "/explain/{indicator_id}": (f"/explain/20{q}", f"/api/explain/20{q}", "/api/explain/{indicator_id}"),
        "/account": ("/account", "/api/account/sessions", "/api/account/sessions"),
    }


def get_pages(app: FastAPI) -> set[str]:
    paths = set()
    for r in app.routes:
        for rr in r.original_router.routes if hasattr(r, "original_router") else [r]:
            path = getattr(rr, "path", "")
            if "GET" not in (getattr(rr, "methods", None) or ()) or path.startswith("/api/"):
                continue
            if path in NOT_PAGES or path.startswith(OTHER_OWNERS):
                continue
            paths.add(path)
    return paths


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def the_round(site: Site) -> int:
    with session_scope(site.url) as s:
        rnd = s.query(AssessmentRound).filter_by(region_code=R).one()
        return int(rnd.id)


def test_every_page_has_a_json_twin_with_a_schema(app: FastAPI, site: Site, client_for: Clients) -> None:
    twins = page_twins(the_round(site))
    assert get_pages(app) == set(twins), "a page without a JSON twin (or a twin for a page that is gone)"
    office, _ = client_for("office")
    spec = office.get("/api/openapi.json").json()
    for page, (page_url, twin_url, twin_route) in twins.items():
        r = office.get(page_url)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), (
            page,
            r.text[:300],
        )
        j = office.get(twin_url)
        assert j.status_code == 200, (twin_url, j.text[:300])
        assert j.headers["content-type"].startswith("application/json") and isinstance(j.json(), dict)
        op = spec["paths"][twin_route]["get"]
        schema = resolve(spec, op["responses"]["200"]["content"]["application/json"]["schema"])
        assert schema.get("properties"), f"{twin_route}: the 200 answer has no declared properties"
        assert set(schema.get("required", [])) <= set(j.json()), (twin_route, schema.get("required"))


def test_every_api_operation_declares_its_answers(client_for: Clients) -> None:
    office, _ = client_for("office")
    spec = office.get("/api/openapi.json").json()
    error = spec["components"]["schemas"]["ErrorBody"]
    assert set(error["required"]) == {"detail", "code"} and set(error["properties"]) == {"detail", "code"}
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            for status in ("401", "403", "404", "409", "422"):
                body = op["responses"][status]["content"]["application/json"]["schema"]
                assert body == {"$ref": "#/components/schemas/ErrorBody"}, (method, path, status)
            ok = next(v for k, v in op["responses"].items() if k.startswith("2"))
            if path.startswith(("/api/workplan", "/api/calc", "/api/public")):
                continue  # other owners' routes
            content = ok.get("content", {})
            if "application/json" not in content:
                continue  # a file download
            schema = content["application/json"]["schema"]
            if schema.get("type") == "array":
                schema = schema["items"]
            assert resolve(spec, schema).get("properties"), f"{method.upper()} {path}: answer is {{}}"


def test_refusals_match_the_error_body(site: Site, client_for: Clients) -> None:
    office, token = client_for("office")
    anon = TestClient(office.app)
    answers = {
        401: anon.get("/api/dashboard"),
        403: office.get(f"/api/dashboard?region={OTHER}"),
        404: office.get("/api/indicators/99"),
        409: office.post(
            "/api/rounds",
            json={"region": R, "name": "第二个批次", "start_year": 2026, "end_year": 2028},
            headers={"X-CSRF-Token": token},
        ),
        422: office.get("/api/items/gdp/abc"),
    }
    for status, r in answers.items():
        assert r.status_code == status, (status, r.text[:300])
        body = r.json()
        assert set(body) == {"detail", "code"}, body
        ErrorBody.model_validate(body)
        assert re.search(r"[\u4e00-\u9fff]", body["detail"]), body  # the reason is in Chinese


def test_a_unit_user_gets_403_json_on_a_region_it_may_not_see(client_for: Clients) -> None:
    unit, _ = client_for("u07")
    for what in ("dashboard", "indicators", "completeness", "items/eco_env_investment"):
        url = f"/api/{what}?region={OTHER}"
        r = unit.get(url)
        assert r.status_code == 403 and r.headers["content-type"].startswith("application/json"), url
        assert r.json()["code"] == "forbidden" and "900001" in r.json()["detail"]
    assert unit.get(f"/api/excel?region={OTHER}").status_code == 403
    assert unit.get("/api/report").status_code == 403


def test_dashboard_page_and_twin_show_the_same_counts(client_for: Clients) -> None:
    for user in ("office", "u07"):
        c, _ = client_for(user)
        page = c.get(f"/dashboard?region={R}").text
        tiles = {k: int(n) for k, n in re.findall(r'data-verdict="([^"]+)"><div class="n">(\d+)</div>', page)}
        twin = c.get(f"/api/dashboard?region={R}").json()
        assert tiles and tiles == twin["counts"], (user, tiles, twin["counts"])
        assert sum(twin["counts"].values()) == len(twin["indicators"])
        for u in twin["completeness"]["units"]:
            assert u["unit"] in page  # the completeness table lists every unit of the twin


def test_indicator_list_and_excel_twins_match_their_pages(client_for: Clients) -> None:
    office, _ = client_for("office")
    unit, _ = client_for("u07")
    full = office.get(f"/api/indicators?region={R}").json()["indicators"]
    mine = unit.get("/api/indicators").json()["indicators"]
    assert [i["id"] for i in full] == list(range(1, 21)) and 0 < len(mine) < 20
    page = unit.get("/indicators").text
    assert all(f'href="/indicator/{i["id"]}?region={R}"' in page for i in mine)
    assert page.count('<a href="/indicator/') == len(mine)
    assert f"{full[0]['goal']} · {full[0]['category']}" in office.get("/indicators").text
    excel = office.get("/api/excel").json()
    assert excel["region"] == R and {"财政局", "统计局"} <= {u["name"] for u in excel["units"]}
    assert all(f"&unit={u['id']}" in office.get("/excel").text for u in excel["units"])


def test_one_completeness_for_dashboard_rounds_and_api(site: Site, client_for: Clients) -> None:
    office, _ = client_for("office")
    cat = load_catalog()
    with session_scope(site.url) as s:
        rnd = s.query(AssessmentRound).filter_by(region_code=R).one()
        found = unit_completeness(s, cat, R)
        rows = round_completeness(s, cat, rnd, items=True)
        lead = unit_completeness(s, cat, R, lead_only=True)
    assert [u.to_dict(items=True) for u in found.units] == rows
    api = office.get(f"/api/completeness?region={R}").json()
    assert api == found.to_dict() and api["round"]["id"] == rnd.id
    dash = office.get(f"/api/dashboard?region={R}").json()["completeness"]
    assert dash == api
    # each element once under its first supplier: the report's table adds up to the catalog
    assert sum(u.counts()["expected"] for u in lead.units) == len(cat.data_elements) * len(found.years)
    assert sum(u.counts()["expected"] for u in found.units) > sum(u.counts()["expected"] for u in lead.units)


@pytest.mark.parametrize("preview", [False, True])
def test_an_approved_value_stands_while_a_newer_version_waits(site: Site, preview: bool) -> None:
    cat = load_catalog()
    item, year = "eco_env_investment", 2025
    with session_scope(site.url) as s:
        v1 = submit_value(s, region=R, item=item, year=year, value=47000.0, user="u07")
        transition(s, v1.id, "approve", "office")
        # a newer version beside the approved one, as a region bundle's conflicting import leaves it
        newer = {"version": v1.version + 1, "value_num": 1.0, "status": "submitted", "created_by": "u07"}
        s.add(Submission(region_code=R, item_code=item, year=year, created_at=v1.created_at, **newer))
    with session_scope(site.url) as s:
        a = assess_region(s, cat, R, [2023, 2024, 2025], include_pending=preview)
        ind = next(r for r in a.results if r.indicator.id == 20)
        comp = unit_completeness(s, cat, R, lead_only=True)
    assert ind.years[-1].components["elements"][item] == 47000.0
    fin = next(u for u in comp.units if u.unit == "财政局")
    cell = next(c for i, c in fin.cells() if i.code == item and c.year == year)
    assert cell.in_force and cell.status == "submitted" and cell.version == v1.version + 1
    assert fin.pending == 0  # in force: not counted as waiting in the report
