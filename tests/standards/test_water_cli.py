"""``liangshan water`` through typer's CliRunner: JSON contract, errors, --to-indicator."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from liangshan.cli import app

runner = CliRunner()
HEAD = "site,site_type,date,item,value,unit,detection_limit,source_kind,volume,river"
ROWS = [
    "S1,river,2024-01-10,氨氮,0.4,mg/L,,,,洛河", "S1,river,2024-02-10,氨氮,1.8,mg/L,,,,洛河",
    "S2,river,2024-01-10,氨氮,0.1,mg/L,,,,洛河", "S2,river,2024-01-10,溶解氧,8,mg/L,,,,洛河",
    "S3,river,2023-01-10,氨氮,0.1,mg/L,,,,洛河", "S3,river,2024-01-10,COD,断流,mg/L,,,,洛河",
    "W1,reservoir,2024-01-10,氨氮,0.2,mg/L,,surface,100,",
    "W1,reservoir,2024-01-10,锰,0.2,mg/L,,surface,100,",
    "W2,groundwater,2024-01-10,氨氮,0.2,mg/L,,groundwater,50,",
    "P1,groundwater,2024-04-10,硝酸盐,25,mg/L,,,,", "P2,groundwater,2024-04-10,硝酸盐,3,mg/L,,,,",
]  # fmt: skip


@pytest.fixture
def data(tmp_path: Path) -> Path:
    p = tmp_path / "water.csv"
    p.write_text("\n".join([HEAD, *ROWS]) + "\n", encoding="utf-8")
    return p


def run_json(*args: str) -> dict:
    res = runner.invoke(app, ["water", *args, "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_sections_json_contract(data: Path) -> None:
    out = run_json("sections", str(data), "--year", "2024")
    year = out["years"][0]
    assert [list(s)[:5] for s in year["sites"]] == [
        ["site", "class", "class_name", "limiting_items", "n_samples"]
    ] * 2
    s1, s2 = year["sites"]
    assert (s1["site"], s1["class"], s1["class_name"], s1["limiting_items"], s1["n_samples"]) == (
        "S1",
        4,
        "Ⅳ",
        ["nh3n"],
        2,
    )
    assert (s2["class"], s2["class_name"], s2["limiting_items"]) == (1, "Ⅰ", [])
    assert year["summary"]["good"] == 1 and year["summary"]["total"] == 2 and year["summary"]["ratio"] == 50.0
    assert year["summary"]["excluded"][0]["site"] == "S3"
    assert out["parameters"]["standard"] == "GB3838-2002" and len(out["parameters"]["items"]) == 21
    both = run_json("sections", str(data))
    assert [y["year"] for y in both["years"]] == [2023, 2024]


def test_sections_table_output(data: Path) -> None:
    res = runner.invoke(app, ["water", "sections", str(data), "--year", "2024"])
    assert res.exit_code == 0 and "达到或优于Ⅲ类：1/2 = 50.0%" in res.stdout and "氨氮" in res.stdout


def test_sources_and_groundwater(data: Path) -> None:
    src = run_json("sources", str(data), "--basis", "volume")["years"][0]
    assert {s["site"]: s["compliant"] for s in src["sites"]} == {"W1": False, "W2": True}
    assert src["summary"]["compliant"] == 50.0 and src["summary"]["total"] == 150.0
    assert run_json("sources", str(data))["years"][0]["summary"]["rate"] == 50.0
    gwy = run_json("groundwater", str(data))["years"][0]
    assert [(s["site"], s["class"], s["class_name"]) for s in gwy["sites"]] == [
        ("P1", 4, "Ⅳ"),
        ("P2", 2, "Ⅱ"),
    ]
    assert gwy["summary"]["ratio"] == 50.0


def test_errors_exit_2_naming_the_row(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(HEAD + "\nS1,river,2024-01-10,氨氮,0.4,ppm,,,,\n", encoding="utf-8")
    res = runner.invoke(app, ["water", "sections", str(bad)])
    assert res.exit_code == 2 and "bad.csv 第 2 行 列 unit" in res.output
    res = runner.invoke(app, ["water", "sections", str(bad), "--to-indicator"])
    assert res.exit_code == 2 and "--region" in res.output
    res = runner.invoke(app, ["water", "sources", str(bad), "--basis", "litres"])
    assert res.exit_code == 2 and "--basis" in res.output


def test_to_indicator_records_with_provenance(data: Path, sqlite_db: str) -> None:
    service = pytest.importorskip("liangshan.store.service")
    from liangshan.demo.build import PROFILE
    from liangshan.store.db import session_scope
    from liangshan.store.regions import load_profile

    service.ensure_db(sqlite_db)
    with session_scope(sqlite_db) as s:
        load_profile(s, PROFILE)
    for cmd in ("sections", "sources", "groundwater"):
        out = run_json(
            cmd, str(data), "--year", "2024", "--to-indicator", "--region", "411224", "--db", sqlite_db
        )
        assert len(out["submission_ids"]) == 2, cmd


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_json_is_compact_on_a_pipe_and_indented_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from liangshan.cli.common import emit_json

    data = {"site": "断面一", "values": [1, 2.5, None], "nested": {"ok": True}}
    pipe, tty = io.StringIO(), _Terminal()
    monkeypatch.setattr("sys.stdout", pipe)
    emit_json(data)
    monkeypatch.setattr("sys.stdout", tty)
    emit_json(data)
    assert pipe.getvalue() == '{"site":"断面一","values":[1,2.5,null],"nested":{"ok":true}}\n'
    assert tty.getvalue().startswith('{\n  "site": "断面一",\n  "values": [\n    1,')
    assert json.loads(pipe.getvalue()) == json.loads(tty.getvalue()) == data


@pytest.mark.parametrize(
    ("module", "ours"),
    [("water", "dirty_decay_ms:100,muzzy_decay_ms:0"), ("air", "narenas:1")],
)
def test_command_modules_set_polars_allocator_before_polars_loads(module: str, ours: str) -> None:
    """The water CLI module asks polars' allocator to return freed pages sooner, the air module for one
    arena (``cli/common.polars_allocator``), before polars loads: with no setting, or the one a parent that
    imported polars passed on; a user's own setting is kept."""
    import os
    import subprocess
    import sys

    code = (
        f"import sys, os, liangshan.cli.{module}; "
        "print('polars' in sys.modules, os.environ['_RJEM_MALLOC_CONF'])"
    )
    polars_default = "dirty_decay_ms:500,muzzy_decay_ms:1000"
    for given, expected in (
        (None, f"False {ours}"),
        (polars_default, f"False {polars_default},{ours}"),
        ("narenas:4", "False narenas:4"),
    ):
        env = {k: v for k, v in os.environ.items() if k != "_RJEM_MALLOC_CONF"}
        env.update({"_RJEM_MALLOC_CONF": given} if given else {})
        cmd = [sys.executable, "-c", code]
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
        assert out.stdout.strip() == expected
