"""``liangshan --help`` starts without the heavy libraries; the lazy command table matches the modules."""

from __future__ import annotations

import importlib
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from liangshan.cli import COMMANDS, LazyGroup, app, load_commands

HEAVY = (
    "polars",
    "numpy",
    "pandas",
    "pyarrow",
    "rasterio",
    "shapely",
    "matplotlib",
    "sqlalchemy",
    "fastapi",
    "starlette",
    "uvicorn",
    "openpyxl",
    "docx",
    "pptx",
    "dask",
    "distributed",
    "scipy",
    "yaml",
)

_PROBE = """
import json, sys
from typer.testing import CliRunner
from liangshan.cli import app
result = CliRunner().invoke(app, sys.argv[1:])
heavy = sorted(m for m in %r if m in sys.modules)
print(json.dumps({"exit": result.exit_code, "heavy": heavy, "output": result.output}))
"""


def _probe(*args: str) -> dict[str, object]:
    code = _PROBE % (HEAVY,)
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, timeout=120
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_help_imports_no_heavy_library() -> None:
    out = _probe("--help")
    assert out["exit"] == 0
    assert out["heavy"] == []
    for name in COMMANDS:
        assert name in str(out["output"])


def test_help_costs_little_cpu() -> None:
    """CPU time, not wall time: the shared test machine's load must not decide the result."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [sys.executable, "-c", "from liangshan.cli import app; app()", "--help"],
        capture_output=True,
        check=True,
        timeout=120,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert cpu < 0.3, f"liangshan --help used {cpu:.2f} s of CPU"


def test_group_help_loads_only_its_module() -> None:
    out = _probe("workplan", "--help")
    assert out["exit"] == 0
    assert "工作方案" in str(out["output"])
    assert out["heavy"] == []


CALCULATOR_HEAVY = ("polars", "numpy", "rasterio")


@pytest.mark.parametrize("args", [("water", "--help"), ("land", "--help"), ("water", "sections", "--help")])
def test_calculator_group_help_imports_no_numeric_library(args: tuple[str, ...]) -> None:
    """The spec registry loads its modules on demand and no spec module imports polars or numpy."""
    out = _probe(*args)
    assert out["exit"] == 0, out["output"]
    assert "--help" in str(out["output"]) or "用法" in str(out["output"])
    assert [m for m in CALCULATOR_HEAVY if m in out["heavy"]] == []


def test_lazy_spec_registry_still_lists_every_calculator() -> None:
    code = (
        "import sys, json\n"
        "import liangshan.services.calculators as c\n"
        "before = sorted(m for m in ('polars', 'numpy') if m in sys.modules)\n"
        "from liangshan.services.calculators import SPECS, water\n"
        "print(json.dumps({'before': before, 'keys': list(SPECS), 'water': water.SECTIONS.key,"
        " 'got': c.get_spec('land').key, 'item': [s.key for s in c.for_item('sw_sections_good')]}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["before"] == []
    assert out["keys"][:4] == ["air", "water-sections", "water-sources", "water-groundwater"]
    assert len(out["keys"]) == 11
    assert out["water"] == "water-sections"
    assert out["got"] == "land"
    assert out["item"] == ["water-sections"]


def test_table_matches_the_modules() -> None:
    """Every command a CLI module provides is in ``COMMANDS`` with the help it shows when loaded."""
    provided: dict[str, str] = {}
    for name in COMMANDS:
        for loaded, command in load_commands(name).items():
            provided[loaded] = " ".join((command.short_help or command.help or "").split("\n\n")[0].split())
    assert set(provided) == set(COMMANDS)
    for name, (_, _, short) in COMMANDS.items():
        assert provided[name] == " ".join(short.split()), name


def test_every_cli_module_is_reachable() -> None:
    """A module with a ``register`` function or a Typer ``app`` must be listed in the table."""
    import pkgutil

    import liangshan.cli as pkg

    listed = {module for module, _, _ in COMMANDS.values()}
    helpers = {"common", "specs", "air_annual"}  # imported by the listed modules, no commands of their own
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name in helpers:
            continue
        module = importlib.import_module(f"liangshan.cli.{info.name}")
        has_commands = hasattr(module, "register") or isinstance(getattr(module, "app", None), typer.Typer)
        assert not has_commands or info.name in listed, info.name


def test_commands_still_run_and_typos_are_suggested() -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["catalog"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["asess"])
    assert result.exit_code != 0
    assert "assess" in result.output
    assert isinstance(typer.main.get_command(app), LazyGroup)


def test_a_command_missing_from_the_table_is_still_reachable(monkeypatch: pytest.MonkeyPatch) -> None:
    import liangshan.cli as cli

    table = dict(cli.COMMANDS)
    del table["history"]  # registered by liangshan.cli.core
    monkeypatch.setattr(cli, "COMMANDS", table)
    result = CliRunner().invoke(app, ["history", "--help"])
    assert result.exit_code == 0, result.output
    assert "版本" in result.output


@pytest.mark.parametrize("args", [("air", "--help"), ("air", "good-days", "--help")])
def test_air_help_imports_no_numeric_library(args: tuple[str, ...]) -> None:
    """The air commands' options come from the spec, which imports polars, numpy and pydantic models only
    when a file is computed."""
    out = _probe(*args)
    assert out["exit"] == 0, out["output"]
    assert "--json" in str(out["output"]) or "good-days" in str(out["output"])
    assert out["heavy"] == []


def _hourly_file(path: Path) -> Path:
    from datetime import datetime, timedelta

    import polars as pl

    hours = [datetime(2024, 1, 1) + timedelta(hours=h) for h in range(48)]
    pl.DataFrame(
        {
            "station": ["S1"] * 48,
            "time": hours,
            **{p: [20.0] * 48 for p in ("so2", "no2", "pm10", "pm2_5", "o3")},
            "co": [0.5] * 48,
        }
    ).write_parquet(path)
    return path


_RUN = """
import atexit, json, sys
watched = ("rich", "yaml", "sqlalchemy", "pandas", "pyarrow", "numpy.ma", "pydantic")
atexit.register(lambda: sys.stderr.write("\\n" + json.dumps(sorted(m for m in watched if m in sys.modules))))
from liangshan.cli import app
sys.argv = ["liangshan", *sys.argv[1:]]
app()
"""


def test_air_good_days_json_loads_neither_rich_nor_yaml_nor_the_database(tmp_path: Path) -> None:
    """``air good-days FILE --json`` with stderr not a terminal: no progress bar is built (rich is not
    imported), the contract's own column names need no YAML synonym table, nothing of the database, and
    not numpy.ma (numpy 2's ``unique`` imports it on first use, ≈ 0.01 s)."""
    path = _hourly_file(tmp_path / "hourly.parquet")
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    done = subprocess.run(
        [sys.executable, "-c", _RUN, "air", "good-days", str(path), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert [y["valid_days"] for y in report["years"]] == [2]
    assert json.loads(done.stderr.strip().splitlines()[-1]) == []


def test_help_reads_no_package_metadata_and_the_version_is_still_there() -> None:
    """``liangshan.__version__`` is looked up on first use: ``liangshan --help`` imports no
    ``importlib.metadata`` (≈ 0.02 s), and the version is the installed distribution's."""
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from liangshan.cli import app\n"
        "assert CliRunner().invoke(app, ['--help']).exit_code == 0\n"
        "print('importlib.metadata' in sys.modules)\n"
        "from liangshan import __version__\n"
        "from importlib.metadata import version\n"
        "from liangshan.provenance import Provenance\n"
        "made = Provenance(calculator='c', standard='s').package_version\n"
        "print(__version__ == version('liangshan') == made)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.split() == ["False", "True"]


_GC = """
import atexit, gc, sys
atexit.register(lambda: sys.stderr.write(f"\\nfrozen={gc.get_freeze_count() > 0} enabled={gc.isenabled()}"))
from liangshan.cli import app
sys.argv = ["liangshan", *sys.argv[1:]]
app()
"""


def test_console_script_freezes_the_heap_and_the_collector_runs_again(tmp_path: Path) -> None:
    """Run as a program, ``air good-days`` ends with the collector enabled and the heap frozen (the
    exit-time collection then skips it); called through CliRunner, the calling process is not frozen."""
    path = _hourly_file(tmp_path / "hourly.parquet")
    done = subprocess.run(
        [sys.executable, "-c", _GC, "air", "good-days", str(path), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "frozen=True enabled=True"

    import gc

    frozen = gc.get_freeze_count()
    result = CliRunner().invoke(app, ["air", "good-days", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert gc.isenabled() and gc.get_freeze_count() == frozen
