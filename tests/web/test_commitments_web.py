# ruff: noqa: E501  (request lines read best one per line)
"""Task commitments on the web: the lead unit reports a year's actual value with an evidence file, the
office returns it with a reason, the unit reports again (JSON twin), the office approves; another unit
is refused (403) whatever the entry point; the unit's 待办 lists the commitment while it is not reported
or returned (with the reason) and drops it once reported and approved. The rules are the CLI's
(``report_actual`` / ``review_actual``): the same refusals, the same versions."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from websupport import Site

from liangshan.store.db import session_scope
from liangshan.store.models_workplan import WpCommitmentValue
from liangshan.workplan.plan import load_plan

Clients = Callable[[str], tuple[TestClient, str]]
R = "411224"
CODE = "rural_waste_coverage"  # 农村生活垃圾收运处置体系覆盖的村庄比例, lead unit 城市管理局, ≥100%
NAME = "农村生活垃圾收运处置体系覆盖的村庄比例"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def plan(site: Site) -> Site:
    with session_scope(site.url) as s:
        load_plan(s, R)
    return site


def todo_codes(c: TestClient) -> dict[str, dict]:
    r = c.get(f"/api/todo?region={R}")
    assert r.status_code == 200, r.text
    return {x["code"]: x for x in r.json()["commitments"]}


def versions() -> int:
    with session_scope(PLAN_URL[0]) as s:
        return int(s.scalar(select(func.count()).select_from(WpCommitmentValue)) or 0)


PLAN_URL: list[str] = []


def test_report_return_report_again_approve(plan: Site, client_for: Clients) -> None:
    PLAN_URL[:] = [plan.url]
    unit, utok = client_for(plan.users["城市管理局"])
    office, otok = client_for("office")
    # the todo item appears: the judged year (2025) is not reported yet
    item = todo_codes(unit)[CODE]
    assert item["status"] == "not_reported" and item["year"] == 2025 and item["target_text"] == "≥100%"
    page = unit.get(f"/todo?region={R}").text
    assert NAME in page and "报送实际值" in page and CODE not in re.sub(r'(href|id)="[^"]*"', "", page)
    # the unit's page: its own commitments only, with the form
    page = unit.get(f"/workplan/commitments?region={R}").text
    assert NAME in page and f'action="/workplan/commitments/{CODE}/report"' in page
    assert "林业局" not in page  # 林业局's commitments are not listed for 城市管理局
    # report with an evidence file
    r = unit.post(
        f"/workplan/commitments/{CODE}/report",
        data={"region": R, "year": "2025", "value": "96.5", "evidence": "农村生活垃圾收运台账",
              "note": "", "csrf_token": utok},
        files=[("files", ("台账.pdf", PDF, "application/pdf"))],
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303, r.text[:400]
    assert r.headers["location"].endswith(f"#c-{CODE}")
    assert CODE not in todo_codes(unit)  # reported: with the office now
    desk = unit.get(f"/api/workplan/{R}/commitments?year=2025").json()
    mine = next(i for i in desk["items"] if i["code"] == CODE)
    v1 = mine["versions"][0]
    assert v1["status"] == "submitted" and v1["value_text"] == "96.5%" and mine["can_report"] is not False
    assert [f["filename"] for f in v1["files"]] == ["台账.pdf"]
    got = unit.get(f"/workplan/commitment-values/{v1['id']}/files/{v1['files'][0]['evidence_id']}")
    assert got.status_code == 200 and got.content == PDF
    # the office sees the version waiting, with the review form
    page = office.get(f"/workplan/commitments?region={R}&year=2025").text
    assert f'action="/workplan/commitment-values/{v1["id"]}/review"' in page and "待审核" in page
    # a return needs a reason (the CLI's rule), then returns with it
    r = office.post(f"/workplan/commitment-values/{v1['id']}/review",
                    data={"action": "return", "note": "", "csrf_token": otok}, follow_redirects=False)  # fmt: skip
    assert r.status_code == 400 and "退回须写明理由" in r.text
    r = office.post(f"/workplan/commitment-values/{v1['id']}/review",
                    data={"action": "return", "note": "请附乡镇签字的覆盖台账", "csrf_token": otok},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    # the todo item is back, with the reason
    item = todo_codes(unit)[CODE]
    assert (
        item["status"] == "returned" and item["reason"] == "请附乡镇签字的覆盖台账" and item["version"] == 1
    )
    page = unit.get(f"/todo?region={R}").text
    assert "请附乡镇签字的覆盖台账" in page and "修改并重新报送" in page
    assert "退回理由：请附乡镇签字的覆盖台账" in unit.get(f"/workplan/commitments?region={R}").text
    # report again through the JSON twin
    r = unit.post(f"/api/workplan/{R}/commitments/{CODE}/values", headers={"X-CSRF-Token": utok},
                  json={"year": 2025, "value": "100", "evidence": "乡镇签字的覆盖台账"})  # fmt: skip
    assert r.status_code == 201, r.text
    v2 = r.json()
    assert v2["version"] == 2 and v2["status"] == "submitted" and v2["status_label"] == "待审核"
    assert CODE not in todo_codes(unit)
    # the office approves (JSON twin of the review form)
    r = office.post(f"/api/workplan/commitment-values/{v2['id']}/review", headers={"X-CSRF-Token": otok},
                    json={"action": "approve", "note": "核实无误"})  # fmt: skip
    assert r.status_code == 200 and r.json()["status"] == "approved", r.text
    assert CODE not in todo_codes(unit)
    desk = office.get(f"/api/workplan/{R}/commitments?year=2025").json()
    mine = next(i for i in desk["items"] if i["code"] == CODE)
    assert mine["status"] == "met" and mine["actual_text"] == "100%" and mine["review_id"] is None
    assert [v["status"] for v in mine["versions"]] == ["approved", "superseded"]
    assert mine["versions"][1]["review_note"] == "请附乡镇签字的覆盖台账"  # the reason stays on record
    # approved is locked: no form, and a report is refused with the CLI's message
    page = unit.get(f"/workplan/commitments?region={R}&year=2025").text
    assert f'action="/workplan/commitments/{CODE}/report"' not in page and "已达到" in page
    r = unit.post(f"/api/workplan/{R}/commitments/{CODE}/values", headers={"X-CSRF-Token": utok},
                  json={"year": 2025, "value": "100", "evidence": "台账"})  # fmt: skip
    assert r.status_code == 400 and "已审核通过并锁定" in r.json()["detail"]


def test_other_unit_refused_and_nothing_written(plan: Site, client_for: Clients) -> None:
    PLAN_URL[:] = [plan.url]
    unit, utok = client_for(plan.users["城市管理局"])
    other, xtok = client_for(plan.users["林业局"])
    office, _ = client_for("office")
    form = {"region": R, "year": "2025", "value": "100", "evidence": "台账"}
    r = other.post(f"/workplan/commitments/{CODE}/report", data={**form, "csrf_token": xtok},
                   files=[("files", ("a.pdf", PDF, "application/pdf"))], follow_redirects=False)  # fmt: skip
    assert r.status_code == 403 and "城市管理局" in r.text
    r = other.post(f"/api/workplan/{R}/commitments/{CODE}/values", headers={"X-CSRF-Token": xtok},
                   json={"year": 2025, "value": "100", "evidence": "台账"})  # fmt: skip
    assert r.status_code == 403 and "牵头单位" in r.json()["detail"]
    assert versions() == 0
    assert CODE not in todo_codes(other)
    # no CSRF token: refused before anything
    r = unit.post(f"/workplan/commitments/{CODE}/report", data=form, follow_redirects=False)
    assert r.status_code == 403 and versions() == 0
    # a mislabelled file: refused (415), nothing written
    r = unit.post(f"/workplan/commitments/{CODE}/report", data={**form, "csrf_token": utok},
                  files=[("files", ("台账.pdf", PNG, "application/pdf"))], follow_redirects=False)  # fmt: skip
    assert r.status_code == 415 and "扩展名" in r.text and versions() == 0
    # a bad value: the CLI's message, nothing written
    r = unit.post(f"/workplan/commitments/{CODE}/report", data={**form, "value": "很多", "csrf_token": utok},
                  follow_redirects=False)  # fmt: skip
    assert r.status_code == 400 and "应为数值" in r.text and versions() == 0
    # the lead unit reports; only the office reviews, and only the lead unit and the office see the file
    r = unit.post(f"/workplan/commitments/{CODE}/report", data={**form, "csrf_token": utok},
                  files=[("files", ("台账.pdf", PDF, "application/pdf"))], follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    v = next(i for i in office.get(f"/api/workplan/{R}/commitments").json()["items"] if i["code"] == CODE)
    vid, eid = v["review_id"], v["versions"][0]["files"][0]["evidence_id"]
    for c, tok in ((unit, utok), (other, xtok)):
        r = c.post(f"/workplan/commitment-values/{vid}/review",
                   data={"action": "approve", "note": "", "csrf_token": tok}, follow_redirects=False)  # fmt: skip
        assert r.status_code == 403
        r = c.post(f"/api/workplan/commitment-values/{vid}/review", headers={"X-CSRF-Token": tok},
                   json={"action": "approve"})  # fmt: skip
        assert r.status_code == 403
    assert other.get(f"/workplan/commitment-values/{vid}/files/{eid}").status_code == 403
    assert office.get(f"/workplan/commitment-values/{vid}/files/{eid}").status_code == 200
    with session_scope(plan.url) as s:
        assert s.scalars(select(WpCommitmentValue.status)).all() == ["submitted"]
