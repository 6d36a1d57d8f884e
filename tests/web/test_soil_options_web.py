"""The soil and land options on the web upload form: C from a sampling workbook (xlsx), the 十四五
definition of indicator 6, the 灌木林地 choice offered."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import Workbook
from websupport import Site

Clients = Callable[[str], tuple[TestClient, str]]
R = "411224"
FARMLAND = b"year,b_area,c_area,d_area,e_area\n2024,600,300,60,1000\n"


def sampling_xlsx() -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["年份", "地块编号", "地块面积（亩）", "样品编号", "农产品", "是否达标"])
    for row in (
        (2024, "P1", 100, "S1", "稻谷", "是"),
        (2024, "P1", 100, "S2", "稻谷", "否"),
        (2024, "P2", 40.5, "S3", "小麦", "是"),
    ):
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def preview(c: TestClient, token: str, item: str, files: dict[str, tuple[str, bytes]], **form: Any) -> Any:
    data = {"region": R, **{k: str(v) for k, v in form.items()}}
    up = {f"file_{k}": (name, content, "application/octet-stream") for k, (name, content) in files.items()}
    return c.post(f"/api/calc/{item}", data=data, files=up, headers={"X-CSRF-Token": token})


def values(plan: dict[str, Any]) -> dict[tuple[str, int], Any]:
    return {(r["item"], y["year"]): r["value"] for y in plan["years"] for r in y["rows"]}


def test_farmland_c_from_a_sampling_workbook(site: Site, client_for: Clients) -> None:
    c, token = client_for(site.users["农业农村局"])
    form = c.get("/calc/farmland_c_area?calc=soil-farmland")
    assert form.status_code == 200 and 'name="file_sampling"' in form.text and "c_min_share" in form.text
    files = {"csv": ("耕地.csv", FARMLAND), "sampling": ("抽样.xlsx", sampling_xlsx())}
    r = preview(c, token, "farmland_c_area", files, calc="soil-farmland")
    assert r.status_code == 200, r.text[:400]
    plan = r.json()
    assert values(plan)[("farmland_c_area", 2024)] == 40.5  # P1 has one sample not 达标
    assert any("面积表中为 300 亩，未采用" in w for w in plan["warnings"])
    r = preview(c, token, "farmland_c_area", files, calc="soil-farmland", c_min_share=50)
    assert values(r.json())[("farmland_c_area", 2024)] == 140.5
    bad = preview(c, token, "farmland_c_area", files, calc="soil-farmland", c_min_share=0)
    assert bad.status_code in (400, 422) and "地块达标样品占比下限" in bad.text


def test_plots_definition_and_shrub_choice_on_the_forms(site: Site, client_for: Clients) -> None:
    c, token = client_for("u01")
    form = c.get("/calc/plots_safe_use?calc=soil-plots")
    assert "重点建设用地安全利用率（“十四五”规划口径）" in form.text
    plots = b"year,plots_redeveloped,plots_safe_use\n2024,20,19\n"
    files = {"csv": ("地块.csv", plots)}
    r = preview(c, token, "plots_safe_use", files, calc="soil-plots", definition="14th")
    assert r.status_code == 200, r.text[:400]
    assert values(r.json())[("plots_safe_use", 2024)] == 19
    forest, _ = client_for(site.users["林业局"])
    land = forest.get("/calc/forest_area_km2?calc=land")
    assert land.status_code == 200 and "仅国家特别规定灌木林地计入森林" in land.text
