"""The text Typer/Click print around our commands (help chrome, usage errors) is Chinese for every
command of every module (``liangshan.cli.chrome``)."""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer import _click as click
from typer import rich_utils
from typer._click import exceptions as exc
from typer.core import TyperArgument, TyperGroup, TyperOption, _TyperParameter
from typer.testing import CliRunner

from liangshan.cli import COMMANDS, LazyGroup, app, chrome, load_commands

ENGLISH_CHROME = (
    "Usage",
    "Options",
    "OPTIONS",
    "Arguments",
    "Commands",
    "COMMAND",
    "ARGS",
    "Show this message",
    "default",
    "required",
    "env var",
    "(dynamic)",
    "TEXT",
    "INTEGER",
    "PATH",
    "BOOLEAN",
    "FLOAT",
    "<bool>",
    "<str>",
    "<int>",
    "<float>",
    "<path>",
    "<file>",
    "<dir>",
    "<list",
    "Path]",
    "{",
    "Try '",
    "for help",
    "Error",
    "Missing",
    "No such",
    "Invalid value",
    "Did you mean",
    "Possible options",
    "unexpected extra",
    "requires an argument",
    "Aborted",
)
"""English chrome words that must not appear (case-sensitive: command help texts legitimately contain
upper-case abbreviations such as CSV or URL, and lower-case column names)."""


def _english(text: str) -> list[str]:
    return [w for w in ENGLISH_CHROME if w in text]


@pytest.fixture
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    """No wrapping or ellipsis in help tables, so no English word can hide behind a cut."""
    monkeypatch.setattr(rich_utils, "MAX_WIDTH", 400)


def _walk(path: tuple[str, ...], command: click.Command) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    yield path, command
    if isinstance(command, TyperGroup):
        for name, sub in command.commands.items():
            yield from _walk((*path, name), sub)


def _all_commands() -> dict[tuple[str, ...], click.Command]:
    found: dict[tuple[str, ...], click.Command] = {}
    for name in COMMANDS:
        for loaded, command in load_commands(name).items():
            found.update(_walk((loaded,), command))
    return found


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


# ---------------------------------------------------------------------------------------------------
# --help of every command
# ---------------------------------------------------------------------------------------------------


def test_top_level_help_is_chinese(wide: None) -> None:
    code, out = _run("--help")
    assert code == 0, out
    assert _english(out) == []
    for word in ("用法：liangshan [选项] 命令 [参数]...", "选项", "命令", "显示本帮助并退出。"):
        assert word in out
    for name in COMMANDS:
        assert name in out


def test_help_of_every_command_and_sub_command_is_chinese(wide: None) -> None:
    commands = _all_commands()
    assert len(commands) > 60  # every module's commands, groups and their sub-commands
    offenders = {}
    for path, command in commands.items():
        code, out = _run(*path, "--help")
        assert code == 0, (path, out)
        assert f"用法：liangshan {' '.join(path)}" in out, (path, out)
        assert "显示本帮助并退出。" in out, path
        if _english(out):
            offenders[" ".join(path)] = _english(out)
        for param in command.params:
            if isinstance(param, TyperOption) and param.opts and not param.hidden:
                assert param.opts[0] in out, (path, param.opts)  # option names stay as users type them
    assert offenders == {}


def test_every_argument_has_a_chinese_name() -> None:
    """A new positional argument needs a row in ``chrome.ARGUMENT_LABELS``; help never shows ``{name}``."""
    missing = set()
    for path, command in _all_commands().items():
        for param in command.params:
            if isinstance(param, TyperArgument):
                if param.name not in chrome.ARGUMENT_LABELS:
                    missing.add((" ".join(path), param.name))
                assert param.metavar is not None and not param.metavar.isascii(), (path, param.name)
    assert missing == set()


def test_help_shows_chinese_types_defaults_and_required(wide: None) -> None:
    code, out = _run("air", "good-days", "--help")
    assert code == 0, out
    assert "用法：liangshan air good-days [选项] 输入文件…" in out
    assert "参数" in out and "选项" in out
    assert "<路径>" in out and "<整数>" in out and "<文本>" in out
    assert "[默认：auto]" in out and "[必填]" in out
    assert re.search(r"--json\s+以 JSON 输出", out), out  # a flag shows no value type
    code, out = _run("round", "close", "--help")
    assert "用法：liangshan round close [选项] 批次编号" in out and "<整数>" in out


# ---------------------------------------------------------------------------------------------------
# Usage errors: one test per kind, through CliRunner
# ---------------------------------------------------------------------------------------------------


def _error(*args: str) -> str:
    code, out = _run(*args)
    assert code == 2, out
    assert _english(out) == [], out
    return out


def test_missing_argument() -> None:
    out = _error("air", "good-days")
    assert "缺少参数 输入文件。" in out
    assert "用法：liangshan air good-days [选项] 输入文件…" in out
    assert "查看帮助：liangshan air good-days --help" in out
    assert "错误" in out


def test_missing_option() -> None:
    out = _error("assess")
    assert "缺少选项 --region。" in out


def test_no_such_option_with_suggestion() -> None:
    out = _error("air", "daily", "x", "--o3-start", "1")
    assert "没有选项 --o3-start（您是否要输入：--o3-window-start）。" in out


def test_no_such_option_at_the_top() -> None:
    out = _error("--nope")
    assert "没有选项 --nope。" in out
    assert "用法：liangshan [选项] 命令 [参数]..." in out


def test_no_such_command_with_suggestion() -> None:
    out = _error("asess")
    assert "没有命令 asess（您是否要输入：assess" in out
    out = _error("air", "dayly")
    assert "没有命令 dayly（您是否要输入：daily）。" in out
    out = _error("air", "zzz")
    assert "没有命令 zzz。" in out


def test_invalid_argument_value() -> None:
    out = _error("round", "close", "abc", "--reason", "x")
    assert "参数 批次编号 的值无效：" in out


def test_invalid_option_value(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("station,time\n")
    out = _error("air", "good-days", str(path), "--o3-window-start", "abc")
    assert "参数 --o3-window-start 的值无效：" in out


def test_extra_argument() -> None:
    out = _error("round", "close", "1", "2")
    assert "多余的参数：2" in out


def test_option_requires_a_value() -> None:
    out = _error("air", "good-days", "x", "--region")
    assert "选项 --region 后面缺少取值。" in out


def _extra_app() -> typer.Typer:
    """The ``liangshan`` root group with two extra commands that fail the way a command can."""
    extra = typer.Typer(cls=LazyGroup, add_completion=False, pretty_exceptions_enable=False)

    @extra.callback()
    def _root() -> None:
        pass

    @extra.command()
    def reason(year: int = typer.Option(2024, "--year")) -> None:
        raise typer.BadParameter(f"年份 {year} 不在评估期内", param_hint="'--year'")

    @extra.command()
    def stop() -> None:
        raise typer.Abort()

    return extra


def test_a_commands_own_chinese_reason_is_kept_in_the_chinese_wrapper() -> None:
    result = CliRunner().invoke(_extra_app(), ["reason"])
    assert result.exit_code == 2
    assert "参数 --year 的值无效：年份 2024 不在评估期内" in result.output
    assert _english(result.output) == []


def test_abort_is_chinese() -> None:
    result = CliRunner().invoke(_extra_app(), ["stop"])
    assert result.exit_code == 1
    assert "已中止。" in result.output
    assert _english(result.output) == []


def test_usage_error_without_rich(monkeypatch: pytest.MonkeyPatch) -> None:
    """``TYPER_USE_RICH=0``: Typer prints the error with ``show``, not the rich panel."""
    monkeypatch.setattr(typer.core, "HAS_RICH", False)
    code, out = _run("air", "good-days")
    assert code == 2
    assert "用法：liangshan air good-days [选项] 输入文件…" in out
    assert "查看帮助：liangshan air good-days --help" in out
    assert "错误：缺少参数 输入文件。" in out
    assert _english(out) == [], out


def test_console_script_speaks_chinese() -> None:
    """The installed ``liangshan`` program (console script), as users run it."""
    script = Path(sys.executable).with_name("liangshan")
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    done = subprocess.run(
        [str(script), "air", "good-days"], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert "缺少参数 输入文件。" in done.stderr
    assert "用法：liangshan air good-days [选项] 输入文件…" in done.stderr
    assert "查看帮助：liangshan air good-days --help" in done.stderr
    assert _english(done.stderr) == [], done.stderr
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0
    assert "用法：liangshan [选项] 命令 [参数]..." in done.stdout
    assert _english(done.stdout) == [], done.stdout


# ---------------------------------------------------------------------------------------------------
# The translator
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("Value 'x' is not a valid int.", "“x” 不是有效的整数"),
        ("Value must be an iterable.", "应为一个或多个值"),
        ("File 'a.csv' does not exist.", "文件 “a.csv” 不存在"),
        ("path 'a' is not readable.", "路径 “a” 不可读"),
        ("Input should be a valid integer, unable to parse string as an integer", "应为整数"),
        ("Input should be a valid number, unable to parse string as a number", "应为数值"),
        ("Input should be greater than or equal to 0", "应不小于 0"),
        ("Input should be 'a', 'b' or 'c'", "应为以下之一：a、b、c"),
        ("something nobody foresaw", chrome.GENERIC_REASON),
        ("年份应为四位数字", "年份应为四位数字"),
    ],
)
def test_reasons(english: str, chinese: str) -> None:
    assert chrome.chinese_reason(english) == chinese


def test_plain_click_messages() -> None:
    assert chrome.chinese_message(exc.UsageError("Missing command.")) == "缺少命令。"
    assert chrome.chinese_message(exc.UsageError("Argument 'inputs' takes 2 values.")) == (
        "参数 输入文件 需要 2 个值。"
    )
    assert chrome.chinese_message(exc.UsageError("Option '--x' does not take a value.")) == (
        "选项 --x 不接受取值。"
    )
    assert chrome.chinese_message(exc.UsageError("已是中文")) is None
    file_error = chrome.chinese_error(exc.FileError("a.csv", "No such file or directory"))
    assert file_error.format_message() == "无法打开文件 “a.csv”：文件或目录不存在"
    assert file_error.exit_code == 1


def test_typer_details_this_relies_on() -> None:
    """Typer 0.29.2 private details used by ``liangshan.cli.chrome``; a Typer upgrade that changes one
    fails here first (see the module docstring)."""
    for name in chrome.RICH_TEXTS:
        assert isinstance(getattr(rich_utils, name, None), str), f"typer.rich_utils.{name} is gone"
    assert "{command_path}" in chrome.RICH_TEXTS["RICH_HELP"]
    assert "{help_option}" in chrome.RICH_TEXTS["RICH_HELP"]
    for cls, method in (
        (TyperArgument, "get_usage_pieces"),
        (_TyperParameter, "display_type"),
        (TyperOption, "display_type_rich"),
        (click.Command, "get_help_option"),
        (click.Command, "collect_usage_pieces"),
    ):
        assert callable(getattr(cls, method, None)), f"{cls.__name__}.{method} is gone"
    assert "prefix" in inspect.signature(click.HelpFormatter.write_usage).parameters
    assert "_usage_display_name" in inspect.getsource(TyperArgument.get_usage_pieces)
    assert "Usage: " in inspect.getsource(click.HelpFormatter.write_usage)
    source = inspect.getsource(click.core.Command.parse_args)
    assert "Got unexpected extra argument(s)" in source
    assert "No such command" in inspect.getsource(TyperGroup._click_resolve_command)
    assert "Did you mean" in inspect.getsource(TyperGroup.resolve_command)
