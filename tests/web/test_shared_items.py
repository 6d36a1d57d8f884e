"""Shared data elements on the web (共同填报): a cooperating unit gets a contribution form instead of the
value input and is refused on save; the lead sees the contributions beside its input; the JSON twin;
the demo's contributions; ``liangshan value contribute``."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner
from websupport import Site

from liangshan.cli import app as cli
from liangshan.store.db import session_scope
from liangshan.store.models import Submission
from liangshan.store.models_contributions import Contribution

Clients = Callable[[str], tuple[TestClient, str]]
R, EL = "411224", "eco_product_output_per_capita"
PAGE = f"/entry/{EL}?region={R}"
REFUSED = "该数据由牵头单位 统计局 填报，本单位可提交分项数据或说明"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def n_subs(url: str) -> int:
    with session_scope(url) as s:
        q = select(func.count()).select_from(Submission).where(Submission.item_code == EL)
        return int(s.scalar(q) or 0)


def test_cooperating_unit_is_refused_on_save(site: Site, client_for: Clients) -> None:
    c, token = client_for(site.users["林业局"])
    page = c.get(PAGE)
    assert page.status_code == 200
    assert f'action="/entry/{EL}/2025/contribute"' in page.text
    assert f'action="/entry/{EL}/2025"' not in page.text  # no value input for a cooperating unit
    assert REFUSED in page.text and "牵头单位 <strong>统计局</strong>" in page.text
    # the lead's current value and status are shown (the demo's submitted 2025 value)
    assert "已提交待审" in page.text and "5,090" in page.text
    before = n_subs(site.url)
    for action in ("save", "submit"):
        form = {"region": R, "value": "1260", "action": action, "csrf_token": token}
        r = c.post(f"/entry/{EL}/2025", data=form)
        assert r.status_code == 403 and REFUSED in r.text
    api = c.post(
        f"/api/items/{EL}/2025",
        json={"region": R, "value": 1260, "expected_version": 1},
        headers={"X-CSRF-Token": token},
    )
    assert api.status_code == 403 and api.json()["detail"] == REFUSED
    assert n_subs(site.url) == before


def test_contribution_is_listed_to_the_lead_with_its_evidence(site: Site, client_for: Clients) -> None:
    c, token = client_for(site.users["林业局"])
    r = c.post(
        f"/entry/{EL}/2025/contribute",
        data={"region": R, "value": "1,300", "comment": "更正：含中药材", "csrf_token": token},
        files={"files": ("林下经济测算.pdf", PDF, "application/pdf")},
        follow_redirects=False,
    )
    assert r.status_code == 303
    bad = c.post(f"/entry/{EL}/2025/contribute", data={"region": R, "value": "12,5", "csrf_token": token})
    assert bad.status_code == 422 and "逗号有歧义" in bad.text and 'value="12,5"' in bad.text
    lead, _ = client_for(site.users["统计局"])
    page = lead.get(PAGE)
    assert page.status_code == 200
    assert f'action="/entry/{EL}/2025"' in page.text  # the lead keeps its value input
    assert f'action="/entry/{EL}/2025/contribute"' not in page.text
    assert "配合单位分项数据（4 条）" in page.text  # the demo's three parts and the new one
    assert "更正：含中药材" in page.text and "林下经济测算.pdf" in page.text
    ev = re.search(r'href="/evidence/(\d+)">林下经济测算.pdf', page.text)
    assert ev and lead.get(f"/evidence/{ev.group(1)}").content == PDF
    # JSON twins: the list, and the entry page's shared part
    got = lead.get("/api/contributions", params={"region": R, "element": EL, "year": 2025}).json()
    assert got["lead"] == "统计局" and got["cooperating"] == ["农业农村局", "文化广电和旅游局", "林业局"]
    assert [(x["unit"], x["value"]) for x in got["contributions"]][-1] == ("林业局", 1300.0)
    item = lead.get(f"/api/items/{EL}", params={"region": R}).json()
    assert item["shared"]["is_lead"] and not item["shared"]["can_contribute"]
    assert len(item["shared"]["contributions"]) == 4
    assert lead.get("/api/items/gdp", params={"region": R}).json()["shared"] is None
    # a unit that does not supply the element sees nothing of it
    other, _ = client_for(site.users["财政局"])
    assert other.get("/api/contributions", params={"region": R, "element": EL}).status_code == 403


def test_demo_contributions_visible_and_never_overwritten(site: Site, client_for: Clients) -> None:
    c, token = client_for(site.users["农业农村局"])
    got = c.get("/api/contributions", params={"region": R, "element": EL}).json()
    assert sorted(x["unit"] for x in got["contributions"]) == ["农业农村局", "文化广电和旅游局", "林业局"]
    assert all(x["year"] == 2025 and x["comment"].startswith("示例数据") for x in got["contributions"])
    r = c.post(
        "/api/contributions",
        json={"region": R, "element": EL, "year": 2025, "value": 2400, "comment": "补充：含食用菌"},
        headers={"X-CSRF-Token": token},
    )
    assert r.status_code == 201 and r.json()["unit"] == "农业农村局"
    with session_scope(site.url) as s:
        q = select(Contribution.value_num).where(Contribution.unit_name == "农业农村局")
        mine = s.scalars(q.order_by(Contribution.id))
        assert list(mine) == [2310.0, 2400.0]  # the older part is kept
    lead, lead_token = client_for(site.users["统计局"])
    refused = lead.post(
        "/api/contributions",
        json={"region": R, "element": EL, "year": 2025, "value": 1},
        headers={"X-CSRF-Token": lead_token},
    )
    assert refused.status_code == 403 and "牵头单位" in refused.json()["detail"]


def test_cli_value_contribute(site: Site) -> None:
    args = ["value", "contribute", "--region", R, "--element", EL, "--year", "2024", "--db", site.url]
    ok = CliRunner().invoke(cli, [*args, "--unit", "林业局", "--value", "1200", "--comment", "纸质报送"])
    assert ok.exit_code == 0, ok.output
    assert "林业局 的分项数据已记录（分项数值 1200元）" in ok.output
    lead = CliRunner().invoke(cli, [*args, "--user", site.users["统计局"], "--value", "1"])
    assert lead.exit_code != 0 and "牵头单位" in lead.output
    listed = CliRunner().invoke(
        cli, ["value", "contributions", "--region", R, "--element", EL, "--year", "2024", "--db", site.url]
    )
    assert listed.exit_code == 0 and "牵头单位 统计局" in listed.output and "纸质报送" in listed.output
