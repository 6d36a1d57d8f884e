"""A region assigned a provincial variant (henan_variant, 21 indicators) enters and sees its own 特色指标:
entry list, entry page, saving, the indicator list and page, the Excel template."""

from __future__ import annotations

import io
from collections.abc import Callable

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from typer.testing import CliRunner
from websupport import Site

from liangshan.cli import app as cli_app
from liangshan.store.db import session_scope
from liangshan.store.models import Submission, Unit

Clients = Callable[[str], tuple[TestClient, str]]
R = "411224"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
VARIANT_ELEMENTS = ("rural_sewage_villages_treated", "rural_villages_total")


def assign(site: Site, region: str) -> None:
    res = CliRunner().invoke(cli_app, ["region", "set-catalog", region, "henan_variant", "--db", site.url])
    assert res.exit_code == 0, res.output


def test_variant_region_enters_and_shows_its_special_indicator(site: Site, client_for: Clients) -> None:
    assign(site, R)
    o, token = client_for("office")
    # the indicator list and page of the region's set
    assert "农村生活污水治理率" in o.get(f"/indicators?region={R}").text
    page = o.get(f"/indicator/21?region={R}")
    assert page.status_code == 200 and "农村生活污水治理率" in page.text and "行政村总数" in page.text
    # the entry list and page list the variant's data elements
    listing = o.get(f"/entry?region={R}").text
    assert all(code in listing for code in VARIANT_ELEMENTS)
    item = o.get(f"/entry/rural_villages_total?region={R}")
    assert item.status_code == 200 and "行政村总数" in item.text
    # saving through the form and through the API (the same service)
    r = o.post("/entry/rural_villages_total/2024", follow_redirects=False,
               data={"region": R, "value": "352", "note": "", "action": "save", "version": "0",
                     "csrf_token": token})  # fmt: skip
    assert r.status_code == 303, r.text[:400]
    r = o.post("/api/items/rural_sewage_villages_treated/2024", headers={"X-CSRF-Token": token},
               json={"region": R, "value": 301, "expected_version": 0})  # fmt: skip
    assert r.status_code == 201, r.text[:400]
    check = o.get(f"/entry/rural_villages_total/2024/check?region={R}&value=abc")
    assert check.status_code == 200 and "数值" in check.text
    with session_scope(site.url) as s:
        got = {
            (x.item_code, x.value)
            for x in s.scalars(select(Submission).where(Submission.item_code.in_(VARIANT_ELEMENTS)))
        }
    assert got == {("rural_villages_total", 352.0), ("rural_sewage_villages_treated", 301.0)}


def test_excel_template_of_a_variant_region_has_the_special_elements(site: Site, client_for: Clients) -> None:
    assign(site, R)
    o, token = client_for("office")
    with session_scope(site.url) as s:
        unit = s.scalars(select(Unit).where(Unit.region_code == R, Unit.name == "市生态环境局卢氏分局")).one()
        uid = unit.id
    before = o.get(f"/excel?region={R}").text
    assert f"/excel/template?region={R}&unit={uid}" in before
    r = o.get(f"/excel/template?unit={uid}&region={R}")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    ws = wb.worksheets[0]
    codes = {row[1] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert "rural_sewage_villages_treated" in codes
    # the filled template imports: the variant's element is an item of the region's set
    for row in ws.iter_rows(min_row=2):
        if row[1].value == "rural_sewage_villages_treated" and row[3].value == 2024:
            row[4].value = 301
    out = io.BytesIO()
    wb.save(out)
    files = {"file": ("t.xlsx", out.getvalue(), XLSX)}
    plan = o.post("/api/excel/preview", files=files, headers={"X-CSRF-Token": token})
    assert plan.status_code == 200, plan.text[:400]
    assert plan.json()["ok"] and plan.json()["to_write"] == 1


def test_base_set_region_does_not_know_the_special_indicator(site: Site, client_for: Clients) -> None:
    other = R  # not assigned: the base set of 20 indicators
    o, _ = client_for("office")
    r = o.get(f"/indicator/21?region={other}")
    assert r.status_code == 404 and "未知指标：21（指标序号为 1–20）" in r.text
    assert o.get(f"/entry/rural_villages_total?region={other}").status_code == 404
    assert "农村生活污水治理率" not in o.get(f"/indicators?region={other}").text
    assert "rural_villages_total" not in o.get(f"/entry?region={other}").text
    assert o.get("/entry/no_such_element").status_code == 404
