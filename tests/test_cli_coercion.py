"""Command-line values are converted without pydantic (``liangshan.cli.coercion``), by Typer's rules,
with Chinese reasons; every parameter of every command goes through it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer.core
from typer._click.exceptions import BadParameter
from typer._coercion import resolve_type_descriptor
from typer.models import ArgumentInfo, OptionInfo
from typer.testing import CliRunner

from liangshan.cli import COMMANDS, app, coercion, load_commands


def _params() -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []

    def walk(command: Any, path: str) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{path} {name}")
        for p in command.params:
            if hasattr(p, "type_descriptor"):
                found.append((f"{path} {p.name}", p))

    for name in COMMANDS:
        for loaded, command in load_commands(name).items():
            walk(command, loaded)
    return found


def test_typer_looks_up_the_function_install_replaces() -> None:
    """Pins the one private detail of Typer this relies on (``typer.core.build_runtime_param``)."""
    assert typer.core.build_runtime_param is coercion.runtime_param


def test_every_parameter_of_every_command_is_converted_here() -> None:
    params = _params()
    assert len(params) > 500  # the whole command tree was walked
    others = [where for where, p in params if coercion.leaf_type(p.type_descriptor) is None]
    assert others == []
    for _where, p in params:
        assert isinstance(p.get_runtime_param(), coercion.PlainParam)


def _plain(annotation: Any, raw: Any, info: Any = None) -> Any:
    descriptor = resolve_type_descriptor(annotation, info or OptionInfo())
    param = coercion.runtime_param(descriptor)
    assert isinstance(param, coercion.PlainParam)
    return param._coerce_value(raw, param=None, ctx=None)


def _typers(annotation: Any, raw: Any, info: Any = None) -> Any:
    """Typer's own conversion (pydantic), for the parity check."""
    from typer._adapters import validation_context

    descriptor = resolve_type_descriptor(annotation, info or OptionInfo())
    assert coercion._typers_own is not None
    param = coercion._typers_own(descriptor)
    adapter = param.adapter  # type: ignore[attr-defined]
    return adapter.validate_python(raw, context=validation_context(None, None))  # type: ignore[arg-type]


SAME = [
    (str, "abc"),
    (str, "卢氏县"),
    (str, ""),
    (int, "12"),
    (int, " 12 "),
    (int, "-3"),
    (int, "+4"),
    (int, 2026),
    (float, "1.5"),
    (float, "1e3"),
    (float, "-0"),
    (float, " 7 "),
    (float, 3),
    (bool, "true"),
    (bool, "False"),
    (bool, "yes"),
    (bool, "no"),
    (bool, "1"),
    (bool, "0"),
    (bool, "on"),
    (bool, "OFF"),
    (bool, ""),
    (bool, True),
    (Path, "data/站点.parquet"),
    (Path, Path("x")),
    (list[Path], ("a.csv", "b.csv")),
    (list[str], ("x", "y")),
    (list[Path], ()),
]


@pytest.mark.parametrize(("annotation", "raw"), SAME)
def test_same_value_as_typers_own_conversion(annotation: Any, raw: Any) -> None:
    ours, theirs = _plain(annotation, raw), _typers(annotation, raw)
    assert ours == theirs
    assert type(ours) is type(theirs)


def test_ranges_on_both_sides() -> None:
    info = OptionInfo(max=9999)
    assert _plain(int, "9999", info) == _typers(int, "9999", info) == 9999
    with pytest.raises(BadParameter, match="应不大于 9999"):
        _plain(int, "10000", info)
    low = OptionInfo(min=1)
    assert _plain(float, "1", low) == 1.0
    with pytest.raises(BadParameter, match="应不小于 1"):
        _plain(float, "0.5", low)
    assert _plain(int, "20", OptionInfo(min=1, max=10, clamp=True)) == 10
    assert _plain(int, "-5", OptionInfo(min=1, max=10, clamp=True)) == 1


@pytest.mark.parametrize(
    ("annotation", "raw", "reason"),
    [
        (int, "abc", "应为整数，而不是“abc”"),
        (int, "1.5", "应为整数，而不是“1.5”"),
        (int, 2.5, "应为整数"),
        (float, "abc", "应为数值，而不是“abc”"),
        (float, "nan", "应为有限的数值"),
        (float, "inf", "应为有限的数值"),
        (float, "-Infinity", "应为有限的数值"),
        (float, "1e400", "应为有限的数值"),
        (bool, "maybe", "应为“是”或“否”"),
        (list[str], None, None),
    ],
)
def test_bad_values_are_refused_in_chinese(annotation: Any, raw: Any, reason: str | None) -> None:
    if reason is None:  # a missing list value is Typer's business (an empty tuple), not an error
        descriptor = resolve_type_descriptor(annotation, OptionInfo())
        assert coercion.runtime_param(descriptor).coerce(None, param=_Multi(), ctx=None) == ()  # type: ignore[arg-type]
        return
    with pytest.raises(BadParameter, match=reason):
        _plain(annotation, raw)


class _Multi:
    multiple = True
    nargs = -1


def test_paths_are_checked_as_typer_checks_them(tmp_path: Path) -> None:
    f = tmp_path / "数据.csv"
    f.write_text("x", encoding="utf-8")
    assert _plain(Path, str(tmp_path / "missing.csv")) == tmp_path / "missing.csv"  # exists not asked
    with pytest.raises(BadParameter, match="不存在"):
        _plain(Path, str(tmp_path / "missing.csv"), ArgumentInfo(exists=True))
    with pytest.raises(BadParameter, match="是目录，这里应为文件"):
        _plain(Path, str(tmp_path), OptionInfo(dir_okay=False))
    with pytest.raises(BadParameter, match="是文件，这里应为目录"):
        _plain(Path, str(f), OptionInfo(file_okay=False))
    assert _plain(Path, "-", OptionInfo(allow_dash=True)) == Path("-")
    link = tmp_path / "link.csv"
    link.symlink_to(f)
    assert _plain(Path, str(link), OptionInfo(resolve_path=True)) == f.resolve()
    if os.geteuid() != 0:  # root reads everything
        f.chmod(0)
        with pytest.raises(BadParameter, match="没有读取权限"):
            _plain(Path, str(f))


def test_a_bad_option_value_on_the_command_line() -> None:
    result = CliRunner().invoke(app, ["air", "daily", "x.parquet", "--o3-window-start", "abc"])
    assert result.exit_code == 2
    assert "应为整数，而不是“abc”" in result.output
    assert "Input should be" not in result.output


_RUN = """
import atexit, json, sys
watched = ("pydantic", "annotated_types")
atexit.register(lambda: sys.stderr.write("\\n" + json.dumps(sorted(m for m in watched if m in sys.modules))))
from liangshan.cli import app
sys.argv = ["liangshan", *sys.argv[1:]]
app()
"""


def test_air_good_days_does_not_import_pydantic(tmp_path: Path) -> None:
    """Neither Typer's value conversion nor the provenance (a dataclass) brings pydantic in."""
    import polars as pl

    path = tmp_path / "hourly.parquet"
    pl.DataFrame(
        {
            "station": ["S1"] * 24,
            "time": pl.datetime_range(pl.datetime(2024, 1, 1), pl.datetime(2024, 1, 1, 23), "1h", eager=True),
            **{p: [20.0] * 24 for p in ("so2", "no2", "pm10", "pm2_5", "o3")},
            "co": [0.5] * 24,
        }
    ).write_parquet(path)
    done = subprocess.run(
        [sys.executable, "-c", _RUN, "air", "good-days", str(path), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert '"valid_days"' in done.stdout
    assert done.stderr.strip().splitlines()[-1] == "[]"
