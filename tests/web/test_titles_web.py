"""称号登记簿 on the web (/titles and its JSON twin), the rule-basis badge, a region on a provincial set."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from websupport import Site, login, make_site

from liangshan.store.db import dispose_engines, session_scope
from liangshan.store.models import TitleAward
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

    yield client, sqlite_db
    for c in clients:
        c.close()
    dispose_engines()


def count(url: str) -> int:
    with session_scope(url) as s:
        return s.query(TitleAward).filter_by(region_code=R).count()


def test_register_page_json_twin_and_office_form(web: Any) -> None:
    client, url = web
    office, token = client("office")
    page = office.get(f"/titles?region={R}&year=2025")
    assert page.status_code == 200 and "国家生态文明建设示范区" in page.text and "示例" in page.text
    assert 'id="title-add"' in page.text and "2025年计入指标16" in page.text
    api = office.get("/api/titles", params={"region": R, "year": 2025}).json()
    assert {t["name"] for t in api["titles"]} >= {"国家生态文明建设示范区", "国家重点生态功能区"}
    before = count(url)
    form = {
        "csrf_token": token, "region": R, "name": "国家森林康养基地", "level": "国家",
        "awarding_body": "国家林业和草原局", "document": "测试公告", "awarded_on": "2021-13-01",
    }  # fmt: skip
    bad = office.post("/titles", data=form)
    assert bad.status_code == 422 and "授予日期不是有效日期：2021-13-01" in bad.text and count(url) == before
    ok = office.post("/titles", data={**form, "awarded_on": "2021-06-05"}, follow_redirects=False)
    assert ok.status_code == 303 and count(url) == before + 1
    unit, _ = client("u07")
    seen = unit.get("/titles")
    assert seen.status_code == 200 and "国家森林康养基地" in seen.text and 'id="title-add"' not in seen.text


def test_indicator_page_shows_the_rule_basis(web: Any) -> None:
    client, _ = web
    office, _ = client("office")
    sixteen = office.get(f"/indicator/16?region={R}")
    assert sixteen.status_code == 200 and "本系统约定" in sixteen.text and "称号登记簿" in sixteen.text
    twenty = office.get(f"/indicator/20?region={R}")
    assert twenty.status_code == 200 and "官方规定：卢办〔2023〕16号 附件2" in twenty.text
    assert "本系统约定" not in twenty.text


def test_dashboard_of_a_region_on_a_provincial_set(web: Any) -> None:
    from typer.testing import CliRunner

    from liangshan.cli import app

    client, url = web
    res = CliRunner().invoke(app, ["region", "set-catalog", "900001", "henan_variant", "--db", url])
    assert res.exit_code == 0, res.output
    other, _ = client("office001")
    page = other.get("/dashboard?region=900001")
    assert page.status_code == 200 and "农村生活污水治理率" in page.text and "特色指标" in page.text
    data = other.get("/api/dashboard?region=900001").json()
    assert len(data["indicators"]) == 21
