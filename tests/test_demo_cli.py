"""The 卢氏县 demo through the CLI: every verdict appears, each follows from the values, output is stable."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from liangshan.assess import VERDICTS
from liangshan.cli import app
from liangshan.demo.build import build_demo
from liangshan.store.db import dispose_engines


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    assert build_demo(url) is True
    yield url
    dispose_engines()


def assess_json(url: str, *extra: str) -> dict:
    res = CliRunner().invoke(app, ["assess", "--region", "411224", "--db", url, "--json", *extra])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_demo_is_idempotent(demo_db: str) -> None:
    assert build_demo(demo_db) is False
    res = CliRunner().invoke(app, ["demo", "--db", demo_db, "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["created"] is False


def test_assess_json_contract_and_every_verdict(demo_db: str) -> None:
    data = assess_json(demo_db)
    inds = data["indicators"]
    assert [i["id"] for i in inds] == list(range(1, 21))
    for i in inds:
        assert {"id", "name", "unit", "target", "rule", "values", "verdict", "reason"} <= set(i)
        assert list(i["values"]) == ["2023", "2024", "2025"]
        assert i["verdict"] in VERDICTS and i["reason"]
    assert {i["verdict"] for i in inds} == set(VERDICTS), "the demo shows every verdict"
    assert data["summary"]["counts"] == {v: sum(i["verdict"] == v for i in inds) for v in VERDICTS}


def test_every_verdict_follows_from_values(demo_db: str, catalog) -> None:
    """Re-derive each threshold/equals/steady verdict from the values printed, independently of the engine."""
    for i in assess_json(demo_db)["indicators"]:
        vals = [i["values"][y] for y in ("2023", "2024", "2025")]
        last = vals[-1]
        t = catalog.indicator(i["id"]).target
        if i["verdict"] in ("数据缺失", "不适用"):
            assert last is None or i["rule"] in ("obtained",), i
            continue
        if t.rule == "threshold":
            assert i["verdict"] == ("达标" if last > t.value else "未达标"), i
        elif t.rule == "equals":
            assert i["verdict"] == ("达标" if last == t.value else "未达标"), i
        elif t.rule == "zoned_threshold":
            assert i["verdict"] == ("达标" if last > t.zones["山区"] else "未达标"), i
        elif t.rule == "steady_improvement":
            known = [v for v in vals if v is not None]
            dips = sum(b < a for a, b in itertools.pairwise(known))
            at_ceiling = t.ceiling is not None and all(v >= t.ceiling for v in known)
            expect = (
                "达标"
                if dips == 0 or at_ceiling
                else ("基本达标" if known[-1] >= known[0] and dips == 1 else "未达标")
            )
            assert i["verdict"] == expect, i
        elif t.rule in ("obtained", "established"):
            assert i["verdict"] in ("达标", "未达标")


def test_calculated_values_carry_provenance(demo_db: str) -> None:
    res = CliRunner().invoke(
        app,
        [
            "history",
            "--region",
            "411224",
            "--item",
            "air_good_days",
            "--year",
            "2025",
            "--db",
            demo_db,
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    (v1,) = json.loads(res.stdout)
    prov = v1["provenance"]
    assert prov["calculator"].startswith("liangshan.standards.air")
    assert len(prov["inputs"][0]["sha256"]) == 64 and prov["package_version"]
    assert [r["action"] for r in v1["reviews"]] == ["approve"] and v1["reviews"][0]["by"] == "office"


def test_assess_is_deterministic_across_builds(demo_db: str, tmp_path: Path) -> None:
    other = f"sqlite:///{tmp_path / 'again.db'}"
    build_demo(other)
    a = CliRunner().invoke(app, ["assess", "--region", "411224", "--db", demo_db, "--json"]).stdout
    b = CliRunner().invoke(app, ["assess", "--region", "411224", "--db", other, "--json"]).stdout
    assert a == b
    assert "sqlite" not in a and "/tmp" not in a


def test_assess_table_years_and_errors(demo_db: str) -> None:
    res = CliRunner().invoke(app, ["assess", "--region", "411224", "--db", demo_db, "--years", "2020-2025"])
    assert res.exit_code == 0 and "2020年" in res.stdout and "共 20 项指标" in res.stdout
    res = CliRunner().invoke(app, ["assess", "--region", "411224", "--db", demo_db, "--years", "2025-2023"])
    assert res.exit_code == 2 and "起始年份 2025 晚于结束年份 2023" in res.stderr
    res = CliRunner().invoke(app, ["assess", "--region", "000000", "--db", demo_db])
    assert res.exit_code == 2 and "未知地区代码：000000" in res.stderr
    data = assess_json(demo_db, "--score")
    assert data["summary"]["score"]["label"] == "参考评分（非官方）"
