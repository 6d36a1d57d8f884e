"""``liangshan workplan`` commands on the 卢氏县 demo plan (typer.testing.CliRunner)."""

from __future__ import annotations

import csv
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from typer.testing import CliRunner
from wpsupport import REGION, T0

from liangshan.cli import app
from liangshan.demo.build import PROFILE, _users
from liangshan.demo.workplan import POINTS, seed_workplan
from liangshan.store.db import dispose_engines, session_scope
from liangshan.store.regions import load_profile
from liangshan.store.service import ensure_db

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('wpcli') / 'demo.db'}"
    ensure_db(url)
    with session_scope(url) as s:
        load_profile(s, PROFILE, at=T0)
        _users(s)
        seed_workplan(s, T0)
    yield url
    dispose_engines()


def run(*args: str) -> str:
    res = runner.invoke(app, ["workplan", *args])
    assert res.exit_code == 0, res.output
    return res.stdout


def test_show_json_keys(demo_url: str) -> None:
    data = json.loads(run("show", "--region", REGION, "--db", demo_url, "--date", "2026-03-02", "--json"))
    assert {"organisation", "phases", "tasks"} <= set(data)
    assert len(data["tasks"]) == 7
    t41 = data["tasks"][3]["subtasks"][0]
    assert t41["lead_unit"] == "市生态环境局卢氏分局" and "各乡镇" in t41["cooperating_units"]
    assert t41["indicators"] == [1, 2, 3, 4, 5, 6] and t41["progress"]["percent"] == 70
    assert data["organisation"]["leaders"][0]["name"] == "胡志权"
    assert [p["name"] for p in data["phases"]] == ["动员部署阶段", "创建实施阶段", "申报迎查阶段"]


def test_show_table(demo_url: str) -> None:
    out = run("show", "--region", REGION, "--db", demo_url, "--date", "2026-03-02")
    assert "领导小组" in out and "打好污染防治攻坚战" in out and "逾期完成" in out


def test_digest_flags_overdue_follow_up(demo_url: str) -> None:
    data = json.loads(run("digest", "--region", REGION, "--db", demo_url, "--date", "2026-03-02", "--json"))
    stats = next(u for u in data["units"] if u["unit"] == "统计局")
    assert any("GDP" in i["title"] and i["kind"] == "action" for i in stats["overdue"])
    before = json.loads(
        run(
            "digest",
            "--region",
            REGION,
            "--db",
            demo_url,
            "--date",
            "2026-02-27",
            "--json",
            "--unit",
            "统计局",
        )
    )
    assert [u["unit"] for u in before["units"]] == ["统计局"]
    assert any("GDP" in i["title"] for i in before["units"][0]["due_soon"])
    assert not any("GDP" in i["title"] for i in before["units"][0]["overdue"])
    text = run("digest", "--region", REGION, "--db", demo_url, "--date", "2026-03-02")
    assert "已逾期" in text


def test_score_json_and_exports(demo_url: str, tmp_path: Path) -> None:
    data = json.loads(
        run("score", "--region", REGION, "--year", "2026", "--db", demo_url, "--date", "2026-03-02", "--json")
    )
    assert data["sheet"]["weights"]["timeliness"] == 25
    ranks = [u["rank"] for u in data["units"] if u["rank"] is not None]
    assert ranks == sorted(ranks) and ranks[0] == 1
    for suffix in (".csv", ".xlsx"):
        out = tmp_path / f"scores{suffix}"
        run(
            "score",
            "--region",
            REGION,
            "--year",
            "2026",
            "--db",
            demo_url,
            "--date",
            "2026-03-02",
            "--out",
            str(out),
        )
        if suffix == ".csv":
            rows = list(csv.reader(out.open(encoding="utf-8-sig")))
        else:
            ws = load_workbook(out).active
            assert ws is not None
            rows = [list(r) for r in ws.iter_rows(values_only=True)]
        assert rows[0][:4] == ["排名", "单位", "得分", "等次"]
        assert len(rows) == 1 + len(data["units"])


def test_bundle_route_minutes(demo_url: str, tmp_path: Path) -> None:
    z = tmp_path / "bundle.zip"
    run("bundle", "--region", REGION, "--db", demo_url, "--out", str(z), "--date", "2026-03-02")
    with zipfile.ZipFile(z) as f:
        assert {"manifest.json", "SHA256SUMS"} <= set(f.namelist())
    geo = tmp_path / "county.geojson"
    ring = [[110.8, 33.6], [111.6, 33.6], [111.6, 34.4], [110.8, 34.4], [110.8, 33.6]]
    geo.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "卢氏县（示例边界）"},
                        "geometry": {"type": "Polygon", "coordinates": [ring]},
                    }
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    docx, png = tmp_path / "route.docx", tmp_path / "route.png"
    data = json.loads(
        run(
            "route",
            "--region",
            REGION,
            "--db",
            demo_url,
            "--out",
            str(docx),
            "--png",
            str(png),
            "--geojson",
            str(geo),
            "--json",
        )
    )
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert data["stops"][0]["name"] == POINTS[0][0] and len(data["stops"]) == len(POINTS)
    text = "\n".join(p.text for p in Document(str(docx)).paragraphs)
    assert all(p[0] in text for p in POINTS) and "汇报要点" in text
    m = tmp_path / "minutes.docx"
    run("minutes", "1", "--db", demo_url, "--out", str(m))
    doc = Document(str(m))
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "议定事项" in body and "3月15日前完成2023—2025年指标数据报送" in body
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    assert "统计局" in cells and "2026-02-28" in cells


def test_errors_are_clear(demo_url: str, tmp_path: Path) -> None:
    res = runner.invoke(app, ["workplan", "show", "--region", "999999", "--db", demo_url])
    assert res.exit_code == 2 and "未知地区代码" in res.stderr
    res = runner.invoke(
        app, ["workplan", "minutes", "99", "--db", demo_url, "--out", str(tmp_path / "x.docx")]
    )
    assert res.exit_code == 2 and "调度会议不存在" in res.stderr
    res = runner.invoke(
        app, ["workplan", "digest", "--region", REGION, "--db", demo_url, "--date", "2026-13-01"]
    )
    assert res.exit_code == 2 and "YYYY-MM-DD" in res.stderr
