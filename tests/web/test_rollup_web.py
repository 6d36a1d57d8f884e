"""The roll-up page ``/regions`` for a city leader and a province reviewer: children ranked ("1224"),
verdict counts, the year switcher, the choropleth data and boundaries, and the server-side scope."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from websupport import login, make_site, pw_hash

from liangshan.store.boundaries import import_boundaries
from liangshan.store.db import dispose_engines, session_scope
from liangshan.store.evidence import store_evidence
from liangshan.store.models import User
from liangshan.store.submissions import submit_value, transition
from liangshan.web.app import create_app

HOME, CITY, PROVINCE = "411224", "411200", "410000"
# 空气优良天数 of 2025 (of 360 valid days): 卢氏县 and 示例县001 tie at 91.7 %, 002 is best, 003 has none
GOOD = {HOME: 330.0, "900001": 330.0, "900002": 350.0}


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[TestClient, TestClient, TestClient, Path]]:
    tmp = tmp_path_factory.mktemp("rollup")
    url = f"sqlite:///{tmp / 'rollup.db'}"
    s0 = make_site(url, tmp, extra_regions=3)
    with session_scope(url) as s:
        for name, role, region in (("city", "leader", CITY), ("prov", "reviewer", PROVINCE)):
            s.add(User(username=name, display_name=f"{name}（测试）", role=role, region_code=region,
                       password_hash=pw_hash()))  # fmt: skip
        for code, good in GOOD.items():
            for item, v in (("air_good_days", good), ("air_valid_days", 360.0)):
                sub = submit_value(s, region=code, item=item, year=2025, value=v, user="analyst")
                transition(s, sub.id, "approve", "office")
            # indicator 1's second condition: the improvement target met, with its document
            ev = store_evidence(s, s0.files, b"target", "t.txt", "text/plain", region=code, user="office")
            sub = submit_value(s, region=code, item="air_improvement_target_met", year=2025, value=True,
                               user="office", evidence_ids=[ev.id])  # fmt: skip
            transition(s, sub.id, "approve", "office")
        ring = [[110.0, 34.0], [111.0, 34.0], [111.0, 35.0], [110.0, 35.0], [110.0, 34.0]]
        feats = [
            {"type": "Feature", "properties": {"adcode": int(c)},
             "geometry": {"type": "Polygon", "coordinates": [[[x + i, y] for x, y in ring]]}}
            for i, c in enumerate([HOME, "900001", "900002", "900003"])
        ]  # fmt: skip
        doc = json.dumps({"type": "FeatureCollection", "features": feats}).encode()
        import_boundaries(s, s0.files, doc, code_property="adcode")
    app = create_app(url, s0.files, secret_key="r" * 40)
    clients = []
    for user in ("city", "prov", "office"):
        c = TestClient(app, base_url="http://testserver")
        login(c, user)
        clients.append(c)
    yield clients[0], clients[1], clients[2], s0.files
    for c in clients:
        c.close()
    dispose_engines()


def rows(page: str) -> list[tuple[str, str]]:
    """(rank, region code) of the children table, in page order."""
    body = page.split('id="rollup-children"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr id="child-(\d+)">\s*<td class="num rank">(\d+)</td>', body)


def test_city_leader_sees_children_ranked_with_counts(
    site: tuple[TestClient, TestClient, TestClient, Path],
) -> None:
    city, _, _, _ = site
    r = city.get("/regions")
    assert r.status_code == 200
    page = r.text
    assert "三门峡市 · 多地区汇总" in page and "下辖 4 个县级地区" in page
    # the same sample values everywhere but 003 has no air data (one 达标 fewer): "1114"
    assert dict(rows(page)) == {HOME: "1", "900001": "1", "900002": "1", "900003": "4"}
    # by indicator 1: 002 best, 卢氏县 and 001 tie, 003 has no value → ranked last ("1224")
    by_air = dict(rows(city.get("/regions", params={"indicator": "1"}).text))
    assert by_air == {"900002": "1", HOME: "2", "900001": "2", "900003": "4"}
    api = city.get(f"/api/rollup/{CITY}", params={"indicator": "1"}).json()
    assert api["map"]["mode"] == "verdict" and api["has_boundaries"] is True
    verdicts = {i["code"]: i["verdict"] for i in api["map"]["items"]}
    assert verdicts == {"900002": "达标", HOME: "达标", "900001": "达标", "900003": "数据缺失"}
    assert sum(api["totals"].values()) == 4 * 20
    ind1 = next(i for i in api["indicators"] if i["id"] == 1)
    assert ind1["values"]["2025"] == round(100 * 1010 / 1080, 1) and ind1["coverage"]["covered"] == 3
    assert [x["code"] for x in ind1["coverage"]["excluded"]] == ["900003"]


def test_year_switcher_and_choropleth(site: tuple[TestClient, TestClient, TestClient, Path]) -> None:
    city, _, _, _ = site
    page = city.get("/regions", params={"year": "2024"}).text
    assert re.search(r'<option value="2024" selected>2024年</option>', page)
    assert "2022—2024 年（评估年度 2024 年）" in page
    root = re.search(r'<div id="rollup" data-map="([^"]+)"', page)
    assert root is not None
    data = json.loads(html.unescape(root.group(1)))
    assert data["mode"] == "value" and data["max"] == 20 and len(data["items"]) == 4
    assert 'data-has-boundaries="1"' in page and 'id="rollup-map"' in page
    assert "/static/js/rollup.js" in page and "/static/vendor/echarts/echarts.min.js" in page
    geo = city.get(f"/api/rollup/{CITY}/boundaries")
    assert geo.status_code == 200 and geo.headers["content-type"] == "application/geo+json"
    props = [f["properties"] for f in geo.json()["features"]]
    assert props[0] == {"code": HOME, "name": "卢氏县"} and len(props) == 4
    yes_no = city.get("/regions", params={"indicator": "18"}).text  # a 是/否 indicator: by 达标县占比
    assert "制度建设的达标县占比排名" in yes_no and '"mode": "verdict"' in html.unescape(yes_no)
    assert city.get("/regions", params={"indicator": "x"}).status_code == 404
    assert city.get("/regions", params={"year": "1800"}).status_code == 422
    assert city.get("/static/js/rollup.js").status_code == 200


def test_province_reviewer_and_scope(site: tuple[TestClient, TestClient, TestClient, Path]) -> None:
    city, prov, office, _ = site
    page = prov.get("/regions").text
    assert "河南省 · 多地区汇总" in page and rows(page) == [(CITY, "1")]
    assert 'id="no-boundaries"' in page  # none imported for the province
    assert prov.get(f"/api/rollup/{PROVINCE}/boundaries").status_code == 404
    assert prov.get("/regions", params={"region": CITY}).status_code == 200
    # a user only sees regions at or below their own
    assert city.get("/regions", params={"region": PROVINCE}).status_code == 403
    assert city.get(f"/api/rollup/{PROVINCE}").status_code == 403
    assert office.get("/regions", params={"region": CITY}).status_code == 403
    assert office.get(f"/api/rollup/{CITY}/boundaries").status_code == 403
    own = office.get("/regions")  # a county office sees its own county, with no children to roll up
    assert own.status_code == 200 and "没有下级县级地区可汇总" in own.text


def test_mixed_indicator_sets_compare_common_indicators_only(
    site: tuple[TestClient, TestClient, TestClient, Path],
) -> None:
    """卢氏县 assessed by the 21-indicator henan_variant: the page and its JSON compare indicators
    1–20 only and say that indicator 21 was left out (issue 18 item 5)."""
    from datetime import UTC, datetime

    from sqlalchemy import delete

    from liangshan.store.models import RegionCatalog

    _, prov, _, _ = site
    url = str(prov.app.state.ctx.db_url)  # type: ignore[attr-defined]
    with session_scope(url) as s:
        s.add(RegionCatalog(region_code=HOME, catalog_set="henan_variant", updated_by="office",
                            updated_at=datetime(2026, 12, 1, tzinfo=UTC)))  # fmt: skip
    try:
        params = {"region": CITY, "year": "2025"}  # a new cache key: the assignment is not a data version
        page = prov.get("/regions", params=params).text
        assert 'id="rollup-comparison"' in page and "只比较共有的 20 项指标" in page
        assert "未参与比较：指标 21 农村生活污水治理率" in page
        assert 'id="ind-21"' not in page and '<option value="21"' not in page
        api = prov.get(f"/api/rollup/{CITY}", params={"year": "2025"}).json()
        comp = api["comparison"]
        assert comp["mixed"] and [x["id"] for x in comp["left_out"]] == [21]
        assert {x["id"]: x["counties"] for x in comp["sets"]} == {"two_mountains": 3, "henan_variant": 1}
        assert prov.get("/regions", params={**params, "indicator": "21"}).status_code == 404
    finally:
        with session_scope(url) as s:
            s.execute(delete(RegionCatalog).where(RegionCatalog.region_code == HOME))
