"""上传原始数据计算: raw file → the CLI's calculator → preview (nothing stored) → confirm (versions with
provenance, the file as evidence); hostile uploads; permissions; conflicts, locks and closed rounds.
SQLite and PostgreSQL (the ``db`` fixture)."""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
import rasterio
import shapely
from fastapi.testclient import TestClient
from PIL import Image
from rasterio.transform import from_origin
from sqlalchemy import func, select
from typer.testing import CliRunner
from websupport import Site, login, make_site, pw_hash

from liangshan.cli import app as cli
from liangshan.demo.build import seed_site
from liangshan.store.db import dispose_engines, session_scope
from liangshan.store.models import AuditLog, Evidence, Submission, SubmissionEvidence
from liangshan.web.app import create_app

R, OTHER = "411224", "900001"
runner = CliRunner()


# ------------------------------------------------------------------------------------------ raw files
def air_csv(k: int = 0, year: int = 2024, bad: tuple[int, str, str] | None = None) -> bytes:
    """Two stations, 4 days of ``year``; day 2 polluted at both; day 3 loses 6 hours of PM2.5 (invalid).
    ``k`` shifts CO slightly (a different file, same result); ``bad`` = (spreadsheet row, column, text)."""
    t = np.arange(np.datetime64(f"{year}-01-01T00", "h"), np.datetime64(f"{year}-01-05T00", "h"))
    pm = np.full(t.size, 30.0)
    pm[24:48] = 120.0
    frames = []
    for name, f in (("城关站", 1.0), ("东门站", 1.1)):
        cols = {"so2": 8.0, "no2": 25.0, "pm10": 60.0, "pm2_5": pm * f, "co": 0.7 + k / 1000, "o3": 60.0}
        frames.append(pl.DataFrame({"station": name, "time": t.astype("datetime64[us]"), **cols}))
    df = pl.concat(frames).with_columns(
        pl.when(pl.col("time").is_between(pl.datetime(year, 1, 3, 6), pl.datetime(year, 1, 3, 11)))
        .then(None)
        .otherwise(pl.col("pm2_5"))
        .alias("pm2_5")
    )
    text = df.write_csv(datetime_format="%Y-%m-%dT%H:%M")
    if bad is not None:
        row, col, value = bad
        lines = text.splitlines()
        head = lines[0].split(",")
        cells = lines[row - 1].split(",")
        cells[head.index(col)] = value
        lines[row - 1] = ",".join(cells)
        text = "\n".join(lines) + "\n"
    return text.encode("utf-8")


WATER = "\n".join([
    "site,site_type,date,item,value,unit,detection_limit,source_kind,volume,river",
    "S1,river,2024-01-10,氨氮,0.4,mg/L,,,,洛河", "S1,river,2024-02-10,氨氮,1.8,mg/L,,,,洛河",
    "S2,river,2024-01-10,氨氮,0.1,mg/L,,,,洛河", "S2,river,2024-01-10,溶解氧,8,mg/L,,,,洛河",
    "S3,river,2023-01-10,氨氮,0.1,mg/L,,,,洛河", "S3,river,2024-01-10,COD,断流,mg/L,,,,洛河",
    "W1,reservoir,2024-01-10,氨氮,0.2,mg/L,,surface,100,",
    "P1,groundwater,2024-04-10,硝酸盐,25,mg/L,,,,", "P2,groundwater,2024-04-10,硝酸盐,3,mg/L,,,,",
]) + "\n"  # fmt: skip


def png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), (1, 2, 3)).save(buf, format="PNG")
    return buf.getvalue()


def land_files(tmp: Path) -> tuple[Path, Path]:
    """A 20 × 10 lon/lat raster (0.05°): 8 rows forest (0301), 6 grass (0401), 6 farmland (0101)."""
    arr = np.full((20, 10), 101, dtype=np.uint16)
    arr[:8] = 301
    arr[8:14] = 401
    raster = tmp / "地类.tif"
    with rasterio.open(raster, "w", driver="GTiff", width=10, height=20, count=1, dtype="uint16",
                       crs="EPSG:4326", transform=from_origin(111.0, 35.0, 0.05, 0.05)) as ds:  # fmt: skip
        ds.write(arr, 1)
    boundary = tmp / "边界.geojson"
    geom = shapely.geometry.mapping(shapely.box(111.0, 34.0, 111.5, 35.0))
    feature = {"type": "Feature", "properties": {"name": "示例"}, "geometry": geom}
    boundary.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")
    return raster, boundary


def cli_json(*args: str) -> Any:
    res = runner.invoke(cli, [*args, "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


# ------------------------------------------------------------------------------------------ fixtures
@pytest.fixture
def site(db: str, tmp_path: Path) -> Site:
    """The web tests' site on SQLite and on PostgreSQL (the calculators' items have no values yet)."""
    return make_site(db, tmp_path, extra_regions=1)


@pytest.fixture
def web(site: Site) -> Iterator[Any]:
    app = create_app(site.url, site.files, secret_key="k" * 40)
    clients: list[TestClient] = []

    def client(username: str) -> tuple[TestClient, str]:
        c = TestClient(app, base_url="http://testserver")
        clients.append(c)
        return c, login(c, username)

    yield client
    for c in clients:
        c.close()


def preview(c: TestClient, token: str, item: str, files: dict[str, tuple[str, bytes]], **form: Any) -> Any:
    data = {"region": R, **{k: str(v) for k, v in form.items()}}
    up = {f"file_{k}": (name, content, "application/octet-stream") for k, (name, content) in files.items()}
    return c.post(f"/api/calc/{item}", data=data, files=up, headers={"X-CSRF-Token": token})


def rows(plan: dict[str, Any]) -> dict[tuple[str, int], dict[str, Any]]:
    return {(r["item"], y["year"]): r for y in plan["years"] for r in y["rows"]}


def counts(url: str) -> tuple[int, int, int]:
    """Submissions, evidence files, audit entries (other than logins)."""
    with session_scope(url) as s:
        subs = s.scalar(select(func.count()).select_from(Submission)) or 0
        evs = s.scalar(select(func.count()).select_from(Evidence)) or 0
        log = s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action != "login")) or 0
    return int(subs), int(evs), int(log)


def pending(site: Site) -> list[Path]:
    d = site.files / "calc-pending"
    return sorted(d.iterdir()) if d.exists() else []


# ------------------------------------------------------------------------------------------ the flow
def test_air_preview_equals_cli_and_confirm_records_cli_provenance(
    site: Site, web: Any, tmp_path: Path
) -> None:
    unit, token = web("u01")  # 市生态环境局卢氏分局
    raw = air_csv()
    before = counts(site.url)
    r = preview(unit, token, "air_good_days", {"hourly": ("air.csv", raw)}, calc="air")
    assert r.status_code == 200, r.text
    plan = r.json()
    # the same numbers as `liangshan air good-days` on the same file
    path = tmp_path / "cli" / "air.csv"
    path.parent.mkdir()
    path.write_bytes(raw)
    (year,) = cli_json("air", "good-days", str(path))["years"]
    got = rows(plan)
    assert got[("air_good_days", 2024)]["value"] == year["good_days"] == 2
    assert got[("air_valid_days", 2024)]["value"] == year["valid_days"] == 3
    (ind,) = plan["years"][0]["indicators"]
    assert ind["id"] == 1 and ind["value"] == year["ratio"] == 66.7
    assert plan["files"] == [{"key": "hourly", "label": "小时监测数据", "filename": "air.csv", "kind": "csv",
                              "content_type": "text/csv", "size": len(raw),
                              "sha256": hashlib.sha256(raw).hexdigest()}]  # fmt: skip
    assert plan["years"][0]["standard"] == "HJ633-2012; HJ663-2013; GB3095-2012"
    assert any("2024-01-03" in w and "PM2.5有效小时数18<20" in w for w in plan["warnings"])
    assert plan["can_confirm"] and plan["to_write"] == 2 and plan["token"]
    assert {got[k]["action"] for k in got} == {"new"}
    # a preview stores nothing (the dry run is rolled back); the file waits under the token only
    assert counts(site.url) == before
    assert [p.name for p in pending(site)] == [plan["token"]]
    # confirm through the page: submitted versions with the CLI's provenance, the file as evidence
    done = unit.post("/calc/confirm", data={"csrf_token": token, "token": plan["token"], "action": "submit"},
                     follow_redirects=False)  # fmt: skip
    assert done.status_code == 303 and done.headers["location"] == f"/entry/air_good_days?region={R}"
    assert pending(site) == []
    other_db = f"sqlite:///{tmp_path / 'cli.db'}"
    seed_site(other_db, pw_hash(), values=False)
    res = runner.invoke(
        cli, ["air", "good-days", str(path), "--to-indicator", "--region", R, "--db", other_db]
    )
    assert res.exit_code == 0, res.output
    with session_scope(other_db) as s:
        cli_prov = {x.item_code: x.provenance for x in s.scalars(select(Submission))}
    dispose_engines()
    with session_scope(site.url) as s:
        subs = {
            x.item_code: x
            for x in s.scalars(
                select(Submission).where(Submission.item_code.in_(["air_good_days", "air_valid_days"]))
            )
        }
        assert {k: (v.value, v.status, v.version, v.created_by) for k, v in subs.items()} == {
            "air_good_days": (2.0, "submitted", 1, "u01"),
            "air_valid_days": (3.0, "submitted", 1, "u01"),
        }
        assert {k: v.provenance for k, v in subs.items()} == cli_prov
        evs = s.execute(
            select(
                SubmissionEvidence.submission_id, Evidence.filename, Evidence.sha256, Evidence.unit_id
            ).join(Evidence, Evidence.id == SubmissionEvidence.evidence_id)
        ).all()
        assert {(sid, name, sha) for sid, name, sha, _ in evs} == {
            (subs[k].id, "air.csv", hashlib.sha256(raw).hexdigest()) for k in subs
        }
        assert s.scalar(select(func.count()).select_from(Evidence)) == 1  # stored once, attached to both
    page = unit.get("/entry/air_good_days")
    assert "已将 2 项计算结果提交审核" in page.text and "air.csv" in page.text
    # the same file again: nothing new to save
    again = preview(unit, token, "air_good_days", {"hourly": ("air.csv", raw)}, calc="air").json()
    assert again["to_write"] == 0 and again["unchanged"] == 2 and not again["token"]
    assert pending(site) == []


def test_preview_page_then_save_drafts(site: Site, web: Any) -> None:
    unit, token = web("u01")
    entry = unit.get("/entry/air_valid_days")
    assert (
        'href="/calc/air_valid_days?region=411224&calc=air"' in entry.text
        and "上传原始数据计算" in entry.text
    )
    form = unit.get("/calc/air_valid_days")
    assert form.status_code == 200 and 'name="file_hourly"' in form.text and 'name="csrf_token"' in form.text
    raw = air_csv()
    form_data = {"csrf_token": token, "region": R, "calc": "air", "edition": "auto", "area_method": "hourly",
                 "o3_start": "0"}  # fmt: skip
    r = unit.post(
        "/calc/air_valid_days", data=form_data, files={"file_hourly": ("空气小时数据.csv", raw, "text/csv")}
    )
    assert r.status_code == 200, r.text[:500]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r.text))
    for want in ("空气小时数据.csv", hashlib.sha256(raw).hexdigest(), "HJ633-2012", "66.7%", "新版本 v1",
                 "2024-01-03", "尚未保存任何数据", "edition"):  # fmt: skip
        assert want in text, want
    assert re.search(
        r'<form method="post" action="/calc/confirm"[^>]*>\s*<input type="hidden" name="csrf_token"', r.text
    )
    tok = re.search(r'name="token" value="([^"]+)"', r.text)
    assert tok is not None
    done = unit.post("/calc/confirm", data={"csrf_token": token, "token": tok.group(1), "action": "save"},
                     follow_redirects=False)  # fmt: skip
    assert done.status_code == 303
    item = unit.get("/api/items/air_valid_days/2024").json()
    assert item["current"]["status"] == "draft" and item["current"]["value"] == 3.0
    assert item["current"]["provenance"]["inputs"][0]["name"] == "空气小时数据.csv"
    assert [e["filename"] for e in item["current"]["evidence"]] == ["空气小时数据.csv"]
    # the token is used up
    again = unit.post("/calc/confirm", data={"csrf_token": token, "token": tok.group(1), "action": "save"})
    assert again.status_code == 400 and "已过期或已确认" in again.text


SURVEY = ("answer\n" + "满意\n" * 30 + "不满意\n" * 3 + "基本满意\n" * 7).encode()


def _sections(out: Any, got: Any) -> list[bool]:
    return [
        (got[("sw_sections_good", y["year"])]["value"], got[("sw_sections_total", y["year"])]["value"])
        == (y["summary"]["good"], y["summary"]["total"])
        for y in out["years"]
    ]


def _groundwater(out: Any, got: Any) -> list[bool]:
    (y,) = out["years"]
    want = (y["summary"]["good"], y["summary"]["total"])
    return [
        (got[("gw_points_good", 2024)]["value"], got[("gw_points_total", 2024)]["value"]) == want == (1, 2)
    ]


def _survey(out: Any, got: Any) -> list[bool]:
    want = (out["satisfied_equivalent"], out["n"])
    return [
        (got[("survey_satisfied", 2024)]["value"], got[("survey_valid", 2024)]["value"]) == want == (37, 40)
    ]


@pytest.mark.parametrize(
    ("item", "calc", "files", "form", "cli_args", "check"),
    [
        ("sw_sections_good", "water-sections", {"results": ("水质.csv", WATER.encode())}, {},
         lambda f: ["water", "sections", str(f["results"])], _sections),
        ("gw_points_total", "water-groundwater", {"results": ("水质.csv", WATER.encode())}, {"year": 2024},
         lambda f: ["water", "groundwater", str(f["results"]), "--year", "2024"], _groundwater),
        ("survey_satisfied", "survey", {"responses": ("问卷.csv", SURVEY)}, {"year": 2024},
         lambda f: ["survey", str(f["responses"])], _survey),
    ],
    ids=["water-sections", "water-groundwater", "survey"],
)  # fmt: skip
def test_other_calculators_equal_cli(site: Site, web: Any, tmp_path: Path, item: str, calc: str, files: Any,
                                     form: dict[str, Any], cli_args: Any, check: Any) -> None:  # fmt: skip
    unit, token = web("u01")
    r = preview(unit, token, item, files, calc=calc, **form)
    assert r.status_code == 200, r.text
    paths = {}
    for key, (name, content) in files.items():
        paths[key] = tmp_path / name
        paths[key].write_bytes(content)
    assert all(check(cli_json(*cli_args(paths)), rows(r.json())))


def test_gep_and_land_equal_cli_and_only_own_elements_are_saved(site: Site, web: Any, tmp_path: Path) -> None:
    from liangshan.demo.eco import write_inputs

    stats, token = web("u19")  # 统计局: gep_constant yes, land_area_km2 (自然资源局) no
    wb = write_inputs(tmp_path)["gep"]
    r = preview(
        stats, token, "gep_constant", {"workbook": (wb.name, wb.read_bytes())}, calc="gep", price_year=2020
    )
    assert r.status_code == 200, r.text
    got = rows(r.json())
    out = cli_json("gep", str(wb), "--price-year", "2020")
    for y in out["years"]:
        assert got[("gep_constant", y["year"])]["value"] == y["gep_constant"]
        assert got[("land_area_km2", y["year"])]["value"] == y["land_area_km2"]
        assert "不属于本单位" in got[("land_area_km2", y["year"])]["reason"]
    assert got[("gep_constant", 2024)]["action"] == "new" and got[("gep_constant", 2021)]["action"] == "skip"
    assert "不在评估批次" in got[("gep_constant", 2021)]["reason"]

    forest, token = web("u12")  # 林业局
    raster, boundary = land_files(tmp_path)
    files = {"raster": (raster.name, raster.read_bytes()), "boundary": (boundary.name, boundary.read_bytes())}
    r = preview(forest, token, "forest_area_km2", files, calc="land", year=2024)
    assert r.status_code == 200, r.text
    plan = r.json()
    got = rows(plan)
    out = cli_json("land", "coverage", str(raster), str(boundary))
    for code in ("forest_area_km2", "grass_area_km2", "land_area_km2"):
        assert got[(code, 2024)]["value"] == out[code]
    assert [got[(c, 2024)]["action"] for c in ("forest_area_km2", "grass_area_km2", "land_area_km2")] == [
        "new", "new", "skip"]  # fmt: skip
    assert plan["years"][0]["indicators"][0]["value"] == round(out["coverage_percent"], 1)
    done = forest.post("/api/calc/confirm", json={"token": plan["token"], "action": "submit"},
                       headers={"X-CSRF-Token": token})  # fmt: skip
    assert done.status_code == 201 and done.json()["written"] == 2
    with session_scope(site.url) as s:
        prov = s.scalars(select(Submission.provenance).where(Submission.item_code == "forest_area_km2")).one()
    assert [i["name"] for i in prov["inputs"]] == ["地类.tif", "边界.geojson"]
    assert prov["calculator"] == "liangshan.standards.land_cover.land_coverage"


def test_api_describes_calculators(site: Site, web: Any) -> None:
    unit, _ = web("u01")
    d = unit.get("/api/calc/survey_valid").json()
    (calc,) = d["calculators"]
    assert calc["key"] == "survey" and calc["cli"] == "liangshan survey" and d["why_not"] is None
    assert [f["key"] for f in calc["files"]] == ["responses", "weights"]
    year = next(p for p in calc["params"] if p["key"] == "year")
    assert year["required"] and year["default"] == 2025  # the round's last year


# ------------------------------------------------------------------------------------------ hostile
def test_malformed_csv_names_file_row_and_column_and_stores_nothing(site: Site, web: Any) -> None:
    unit, token = web("u01")
    before = counts(site.url)
    raw = air_csv(bad=(6, "pm2_5", "abc"))
    r = preview(unit, token, "air_good_days", {"hourly": ("空气.csv", raw)}, calc="air")
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert (
        "空气.csv" in detail and "第 6 行" in detail and "列 pm2_5" in detail and "'abc' 不是数值" in detail
    )
    assert str(site.files) not in detail  # no server paths
    page = unit.post("/calc/air_good_days", data={"csrf_token": token, "region": R, "calc": "air"},
                     files={"file_hourly": ("空气.csv", raw, "text/csv")})  # fmt: skip
    assert page.status_code == 422 and "第 6 行" in page.text and 'name="file_hourly"' in page.text
    bad_water = WATER.replace("S2,river,2024-01-10,溶解氧,8,", "S2,river,2024-13-45,溶解氧,8,")
    r = preview(
        unit, token, "sw_sections_good", {"results": ("水质.csv", bad_water.encode())}, calc="water-sections"
    )
    assert r.status_code == 422 and re.search(r"水质\.csv.*第 5 行.*date", r.json()["detail"]), r.json()
    r = preview(unit, token, "survey_valid", {"responses": ("问卷.csv", "answer\n满意\n很好\n".encode())},
                calc="survey", year=2024)  # fmt: skip
    assert r.status_code == 422 and re.search(r"问卷\.csv.*第 3 行.*answer", r.json()["detail"]), r.json()
    r = preview(unit, token, "air_good_days", {"hourly": ("air.csv", air_csv())}, calc="air", edition="HJ999")
    assert r.status_code == 422 and "参数“标准版本”应为" in r.json()["detail"]
    assert counts(site.url) == before and pending(site) == []


def test_mislabelled_and_oversized_files_refused_nothing_stored(site: Site, web: Any) -> None:
    unit, token = web("u01")
    before = counts(site.url)
    cases = [
        (("air.csv", png()), 415, "PNG"),
        (("air.parquet", air_csv()), 415, "扩展名 .parquet 与内容（CSV"),
        (("air.csv", b"%PDF-1.4\n%%EOF\n"), 415, "PDF"),
        (("air", air_csv()), 415, "没有扩展名"),
        (("air.csv", b""), 400, "为空"),
        (("air.csv", b"\x00\x01\x02binary"), 415, "不是可接受的类型"),
    ]
    for (name, content), status, text in cases:
        r = preview(unit, token, "air_good_days", {"hourly": (name, content)}, calc="air")
        assert r.status_code == status and text in r.json()["detail"], (name, r.status_code, r.text)
    small = create_app(site.url, site.files, secret_key="k" * 40, max_upload=64 * 1024)
    with TestClient(small) as c:
        tok = login(c, "u01")
        big = air_csv() * 30  # ≈ 160 kB
        r = preview(c, tok, "air_good_days", {"hourly": ("air.csv", big)}, calc="air")
        assert r.status_code == 413 and "超过上限" in r.json()["detail"]
        r = preview(
            c, tok, "air_good_days", {"hourly": ("air.csv", big * 8)}, calc="air"
        )  # over the body limit
        assert r.status_code == 413
    assert counts(site.url) == before and pending(site) == []


def test_permissions_of_the_calculator_pages(site: Site, web: Any) -> None:
    finance, ft = web("u07")  # 财政局: not its item; its own items have no calculator
    leader, _ = web("leader")
    unit, ut = web("u01")
    r = finance.get("/calc/air_good_days")
    assert r.status_code == 403 and "不属于本单位" in r.text
    assert (
        preview(finance, ft, "air_good_days", {"hourly": ("a.csv", air_csv())}, calc="air").status_code == 403
    )
    assert finance.get("/calc/eco_env_investment").status_code == 404
    assert "上传原始数据计算" not in finance.get("/entry/eco_env_investment").text
    assert leader.get("/calc/air_good_days").status_code == 403
    assert "上传原始数据计算" not in leader.get("/entry/air_good_days").text
    assert unit.get(f"/calc/air_good_days?region={OTHER}").status_code == 403
    r = preview(unit, ut, "air_good_days", {"hourly": ("a.csv", air_csv())}, calc="air", region=OTHER)
    assert r.status_code == 403 and "无权访问地区" in r.json()["detail"]
    assert unit.get("/calc/air_good_days?calc=survey").status_code == 404  # not this item's calculator
    # a preview is confirmed by its own user only
    plan = preview(unit, ut, "air_good_days", {"hourly": ("a.csv", air_csv())}, calc="air").json()
    office, ot = web("office")
    r = office.post("/api/calc/confirm", json={"token": plan["token"]}, headers={"X-CSRF-Token": ot})
    assert r.status_code == 403 and "他人" in r.json()["detail"]
    r = office.post("/api/calc/confirm", json={"token": "not-a-token"}, headers={"X-CSRF-Token": ot})
    assert r.status_code == 400
    r = unit.post("/calc/confirm", data={"token": plan["token"]})  # no CSRF token
    assert r.status_code == 403 and "CSRF" in r.text


def test_confirm_refused_when_data_changed_since_preview(site: Site, web: Any) -> None:
    unit, ut = web("u01")
    office, ot = web("office")
    plan = preview(unit, ut, "air_good_days", {"hourly": ("a.csv", air_csv())}, calc="air").json()
    body = {"region": R, "value": 5, "action": "save", "expected_version": 0}
    r = office.post("/api/items/air_valid_days/2024", json=body, headers={"X-CSRF-Token": ot})
    assert r.status_code == 201
    before = counts(site.url)
    r = unit.post("/calc/confirm", data={"csrf_token": ut, "token": plan["token"], "action": "submit"})
    assert r.status_code == 409 and "已被office" in r.text and "计算预览" in r.text  # the preview again
    assert counts(site.url) == before
    with session_scope(site.url) as s:
        assert (
            s.scalar(
                select(func.count()).select_from(Submission).where(Submission.item_code == "air_good_days")
            )
            == 0
        )


def test_locked_year_skipped_and_closed_round_refused(site: Site, web: Any) -> None:
    unit, ut = web("u01")
    office, ot = web("office")
    h = {"X-CSRF-Token": ot}
    body = {"region": R, "value": 2, "action": "submit", "expected_version": 0}
    sub = office.post("/api/items/air_good_days/2024", json=body, headers=h).json()
    assert office.post(f"/api/submissions/{sub['submission']['id']}/actions", json={"action": "approve"},
                       headers=h).status_code == 200  # fmt: skip
    plan = preview(unit, ut, "air_good_days", {"hourly": ("a.csv", air_csv())}, calc="air").json()
    got = rows(plan)
    assert (
        got[("air_good_days", 2024)]["action"] == "skip" and "锁定" in got[("air_good_days", 2024)]["reason"]
    )
    assert got[("air_valid_days", 2024)]["action"] == "new" and plan["to_write"] == 1
    rid = office.get("/api/rounds").json()["rounds"][0]["id"]
    assert office.post(f"/api/rounds/{rid}/actions", json={"action": "close", "reason": "自评估结束"},
                       headers=h).status_code == 200  # fmt: skip
    r = unit.post("/calc/confirm", data={"csrf_token": ut, "token": plan["token"], "action": "save"})
    assert r.status_code == 409 and "已关闭" in r.text
    plan = preview(unit, ut, "air_good_days", {"hourly": ("a.csv", air_csv(1))}, calc="air").json()
    assert plan["closed"] and "已关闭" in plan["closed"] and not plan["token"] and plan["to_write"] == 0


def test_submit_with_a_jump_needs_a_note(site: Site, web: Any) -> None:
    unit, ut = web("u01")
    office, ot = web("office")
    body = {"region": R, "value": 300, "action": "save", "expected_version": 0}
    r = office.post("/api/items/air_good_days/2023", json=body, headers={"X-CSRF-Token": ot})
    assert r.status_code == 201
    plan = preview(unit, ut, "air_good_days", {"hourly": ("a.csv", air_csv())}, calc="air").json()
    (warn,) = [c for c in rows(plan)[("air_good_days", 2024)]["checks"] if c["level"] == "warning"]
    assert "与2023年（300）相比变化" in warn["message"]
    r = unit.post("/calc/confirm", data={"csrf_token": ut, "token": plan["token"], "action": "submit"})
    assert r.status_code == 422 and "请在备注中说明原因" in r.text and plan["token"] in r.text
    form = {"csrf_token": ut, "token": plan["token"], "action": "submit", "note": "2024年仅 1 月数据（示例）"}
    r = unit.post("/calc/confirm", data=form, follow_redirects=False)
    assert r.status_code == 303
    cur = unit.get("/api/items/air_good_days/2024").json()["current"]
    assert cur["status"] == "submitted" and cur["note"] == "2024年仅 1 月数据（示例）"


# ------------------------------------------------------------------- soil, species, redline (new on the web)
PLOTS = b"year,plots_redeveloped,plots_safe_use\n2023,3,2\n2024,0,0\n"
SPECIES = (
    "year,taxon,count,source\n2023,vascular_plant,2400,名录\n2023,bird,260,名录\n"
    "2024,vascular_plant,2410,名录\n2024,bird,262,名录\n"
).encode()


def redline_files(tmp: Path) -> dict[str, tuple[str, bytes]]:
    """A lon/lat boundary and two redline polygons, one half outside the boundary."""

    def fc(geoms: list[Any], props: list[dict[str, Any]]) -> bytes:
        feats = [{"type": "Feature", "properties": p, "geometry": shapely.geometry.mapping(g)}
                 for g, p in zip(geoms, props, strict=True)]  # fmt: skip
        return json.dumps({"type": "FeatureCollection", "features": feats}).encode()

    boundary = fc([shapely.box(111.0, 34.0, 111.5, 34.5)], [{"name": "示例"}])
    red = fc(
        [shapely.box(111.1, 34.1, 111.2, 34.2), shapely.box(111.45, 34.3, 111.55, 34.4)],
        [{"hxbh": "HX-01"}, {"hxbh": "HX-02"}],
    )
    return {"polygons": ("红线.geojson", red), "boundary": ("边界.geojson", boundary)}


def test_new_calculators_offered_on_their_entry_pages(site: Site, web: Any) -> None:
    for user, item, key in (
        ("u01", "plots_safe_use", "soil-plots"),
        (site.users["农业农村局"], "farmland_e_area", "soil-farmland"),
        (site.users["林业局"], "species_richness", "species"),
        (site.users["自然资源局"], "redline_area_km2", "redline"),
    ):
        c, _ = web(user)
        entry = c.get(f"/entry/{item}")
        assert f'href="/calc/{item}?region={R}&amp;calc={key}"' in entry.text or (
            f'href="/calc/{item}?region={R}&calc={key}"' in entry.text
        ), (item, key)
        form = c.get(f"/calc/{item}?calc={key}")
        assert form.status_code == 200 and 'name="file_' in form.text, (item, key)


def test_soil_plots_preview_then_confirm_records_the_cli_provenance(
    site: Site, web: Any, tmp_path: Path
) -> None:
    unit, token = web("u01")  # 市生态环境局卢氏分局 supplies the plots
    before = counts(site.url)
    r = preview(unit, token, "plots_safe_use", {"csv": ("污染地块.csv", PLOTS)}, calc="soil-plots")
    assert r.status_code == 200, r.text
    plan = r.json()
    got = rows(plan)
    path = tmp_path / "污染地块.csv"
    path.write_bytes(PLOTS)
    out = cli_json("soil", "plots", str(path))
    for y in out["years"]:
        assert got[("plots_safe_use", y["year"])]["value"] == y["plots_safe_use"]
        assert got[("plots_redeveloped", y["year"])]["value"] == y["plots_redeveloped"]
    assert got[("plots_safe_use", 2023)]["value"] == 2 and got[("plots_redeveloped", 2024)]["value"] == 0
    assert any("2024年" in w and "不适用" in w for w in plan["warnings"])
    assert plan["years"][0]["standard"].startswith("环办土壤函〔2023〕7号")
    assert plan["can_confirm"] and plan["to_write"] == 4 and counts(site.url) == before
    jump = {"token": plan["token"], "action": "submit", "note": "2024年无再开发利用的污染地块（不适用）"}
    done = unit.post("/api/calc/confirm", json=jump, headers={"X-CSRF-Token": token})
    assert done.status_code == 201 and done.json()["written"] == 4, done.text
    other_db = f"sqlite:///{tmp_path / 'cli.db'}"
    seed_site(other_db, pw_hash(), values=False)
    res = runner.invoke(cli, ["soil", "plots", str(path), "--to-indicator", "--region", R, "--db", other_db])
    assert res.exit_code == 0, res.output
    with session_scope(other_db) as s:
        cli_prov = {(x.item_code, x.year): x.provenance for x in s.scalars(select(Submission))}
    dispose_engines()
    with session_scope(site.url) as s:
        subs = s.scalars(select(Submission).where(Submission.item_code.like("plots_%"))).all()
        assert {(x.item_code, x.year): x.provenance for x in subs} == cli_prov
        assert {x.status for x in subs} == {"submitted"} and len(subs) == 4
    assert pending(site) == []


def test_species_preview_equals_cli(site: Site, web: Any, tmp_path: Path) -> None:
    forest, token = web(site.users["林业局"])
    r = preview(forest, token, "species_richness", {"csv": ("物种.csv", SPECIES)}, calc="species", year=2024)
    assert r.status_code == 200, r.text
    path = tmp_path / "物种.csv"
    path.write_bytes(SPECIES)
    (y,) = [y for y in cli_json("species", str(path))["years"] if y["year"] == 2024]
    got = rows(r.json())
    assert list(got) == [("species_richness", 2024)]
    assert got[("species_richness", 2024)]["value"] == y["species_richness"] == 2672


def test_redline_preview_then_confirm(site: Site, web: Any, tmp_path: Path) -> None:
    nature, token = web(site.users["自然资源局"])
    files = redline_files(tmp_path)
    r = preview(nature, token, "redline_area_km2", files, calc="redline", year=2024, baseline_km2=50)
    assert r.status_code == 200, r.text
    plan = r.json()
    paths = {}
    for key, (name, content) in files.items():
        paths[key] = tmp_path / name
        paths[key].write_bytes(content)
    out = cli_json("land", "redline", str(paths["polygons"]), str(paths["boundary"]), "--baseline-km2", "50")
    got = rows(plan)
    assert got[("redline_area_km2", 2024)]["value"] == out["area_km2"]
    assert plan["years"][0]["details"]["判定（不减少，容差 0.01 km²）"] == out["verdict"]
    assert any("边界外" in w for w in plan["warnings"])
    done = nature.post("/api/calc/confirm", json={"token": plan["token"], "action": "save"},
                       headers={"X-CSRF-Token": token})  # fmt: skip
    assert done.status_code == 201 and done.json()["written"] == 1
    with session_scope(site.url) as s:
        sub = s.scalars(select(Submission).where(Submission.item_code == "redline_area_km2")).one()
        assert sub.status == "draft" and sub.value == out["area_km2"]
        assert [i["name"] for i in (sub.provenance or {})["inputs"]] == ["红线.geojson", "边界.geojson"]
        assert (sub.provenance or {})["parameters"]["baseline_km2"] == 50


def test_column_mapping_errors_speak_of_the_form_not_the_cli_option(site: Site, web: Any) -> None:
    """The air reader's messages about the column mapping name the upload form's 列名映射 field on the
    web; the command line's ``--columns`` never reaches a web user."""
    unit, token = web("u01")
    before = counts(site.url)
    raw = air_csv()
    for columns, words in (
        ("pm2_5=没有这列", "“列名映射” 将 pm2_5 映射到此列"),
        ("乱写", "“列名映射” 中的 '乱写' 无效"),
    ):
        r = preview(unit, token, "air_good_days", {"hourly": ("air.csv", raw)}, calc="air", columns=columns)
        detail = r.json()["detail"]
        assert r.status_code == 422 and words in detail and "--columns" not in detail, detail
    dup = raw.replace(b"pm10", b"PM2.5", 1)  # two columns both meaning pm2_5
    missing = raw.replace(b"pm10", b"xx10", 1)
    for bad, words in ((dup, "在上传表单的“列名映射”中指定列名"), (missing, "缺少列 pm10")):
        r = preview(unit, token, "air_good_days", {"hourly": ("air.csv", bad)}, calc="air")
        detail = r.json()["detail"]
        assert r.status_code == 422 and words in detail, detail
        assert "--columns" not in detail and "docs/" not in detail, detail
    assert counts(site.url) == before
