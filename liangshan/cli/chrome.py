"""Chinese for the text Typer and its vendored Click print around our commands (the "chrome").

The commands' own help is Chinese; everything the framework writes around it — the usage line, the
panel titles, the help option's text, value types, ``[default: …]``/``[required]`` markers, the
"Try … for help" line and every usage error (missing argument, no such option or command, invalid
value, extra arguments, an option without its value) — would otherwise be English. This module
does it once for every command of every module:

* :func:`speak_chinese` converts a loaded command tree (``liangshan.cli.load_commands``, the one
  place every command passes through): each command and parameter becomes an instance of a
  Chinese-speaking subclass of its own class (:class:`ChineseCommand`, :class:`ChineseParameter`),
  the usage placeholders ``[OPTIONS]`` / ``COMMAND [ARGS]...`` become ``[选项]`` / ``命令 [参数]...``,
  and each argument gets a readable name from :data:`ARGUMENT_LABELS` as its ``metavar``
  (``输入文件…`` instead of ``{inputs}...``).
* :func:`chinese_errors` wraps the root group's ``make_context`` and ``invoke`` (where every usage
  error of every sub-command surfaces) and replaces a Click/Typer usage error by one whose message is
  Chinese; the reason a parameter gives for a bad value (``BadParameter``) is kept, only Typer's own
  English reasons are put into Chinese (:func:`chinese_reason`).
* :func:`use_chinese_rich_texts` sets Typer's documented ``typer.rich_utils`` text constants (panel
  titles, markers, the error panel's title and the help hint). ``typer.rich_utils`` imports rich, so it
  is called only where Typer is about to import it anyway (printing help or an error): commands that
  succeed, such as ``air good-days FILE --json``, import neither rich nor anything more than before.

Private details of Typer 0.29.2 this relies on (``tests/test_cli_chrome.py`` pins each, so an upgrade
that changes one fails there with a clear message): ``TyperArgument.get_usage_pieces`` builds the
argument's usage piece from ``display_name_raw`` (overridden here to drop Typer's ``{…}`` braces);
``TyperOption.display_type_rich``/``_TyperParameter.display_type`` give the value type shown in help;
the help option is made by ``Command.get_help_option`` with the fixed text "Show this message and
exit."; the English wording of the messages Click passes to ``ctx.fail`` ("No such command …",
"Missing command.", "Got unexpected extra argument(s) (…)"), of ``BadOptionUsage`` /
``BadArgumentUsage`` and of Typer's own value reasons, which :func:`chinese_message` recognises by
pattern. The plain-text help (``TYPER_USE_RICH=0``) is not covered: it is built from private English
f-strings inside Typer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO, Any, get_args

import typer.core
from typer import _click as click
from typer._click import exceptions as exc
from typer.core import TyperArgument, TyperGroup, TyperOption, _TyperParameter
from typer.exceptions import Abort

USAGE_PREFIX = "用法："
OPTIONS_METAVAR = "[选项]"
SUBCOMMAND_METAVAR = "命令 [参数]..."
HELP_OPTION_TEXT = "显示本帮助并退出。"

RICH_TEXTS: dict[str, str] = {
    "ARGUMENTS_PANEL_TITLE": "参数",
    "OPTIONS_PANEL_TITLE": "选项",
    "COMMANDS_PANEL_TITLE": "命令",
    "ERRORS_PANEL_TITLE": "错误",
    "DEFAULT_STRING": "[默认：{}]",
    "REQUIRED_LONG_STRING": "[必填]",
    "ENVVAR_STRING": "[环境变量：{}]",
    "DEPRECATED_STRING": "（已停用）",
    "ABORTED_TEXT": "已中止。",
    "RICH_HELP": "查看帮助：[blue]{command_path} {help_option}[/]",
}
"""``typer.rich_utils`` module constants (documented as customisable) → Chinese."""

ARGUMENT_LABELS: dict[str, str] = {
    "boundaries": "区域边界文件",
    "boundary": "边界文件",
    "csv": "CSV文件",
    "dataset": "数据集",
    "file": "文件",
    "in_file": "备份文件",
    "incident_id": "问题编号",
    "input": "输入文件",
    "inputs": "输入文件",
    "meeting_id": "会议编号",
    "name": "用户名",
    "out": "输出文件",
    "out_file": "备份文件",
    "polygons": "红线图斑文件",
    "raster": "栅格文件",
    "region": "地区代码",
    "responses": "问卷文件",
    "results": "结果文件",
    "round_id": "批次编号",
    "set_id": "指标体系编号",
    "tiles": "栅格分块目录",
    "title_id": "称号编号",
    "value_id": "记录号",
    "workbook": "参数工作簿",
}
"""Positional argument (its Python parameter name) → the name users see in help and errors.
``tests/test_cli_chrome.py`` fails for an argument missing here."""

ARGUMENT_FALLBACK = "参数"

TYPE_LABELS: dict[str, str] = {
    "str": "文本",
    "int": "整数",
    "float": "数值",
    "Decimal": "数值",
    "bool": "是/否",
    "Path": "路径",
    "path": "路径",
    "file": "文件",
    "dir": "目录",
    "datetime": "日期时间",
    "date": "日期",
    "time": "时间",
}
"""Value type (annotation name or Typer's path kind) → the label shown in help as ``<…>``."""

TYPE_FALLBACK = "值"


def _cjk(text: str) -> bool:
    return re.search(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]", text) is not None


def _quoted(text: str) -> str:
    """``'abc'`` (a Python repr, as Click quotes values) → ``“abc”``."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    return f"“{text}”"


# ---------------------------------------------------------------------------------------------------
# Help: commands and parameters
# ---------------------------------------------------------------------------------------------------


def _type_label(param: _TyperParameter) -> str:
    desc = param.type_descriptor
    if desc.is_choice:
        return "|".join(str(getattr(c, "value", c)) for c in desc.choices or ())
    if desc.is_path:
        return TYPE_LABELS.get(desc.path_type, TYPE_FALLBACK)
    if desc.is_ranged:
        return TYPE_LABELS.get(desc.ranged_type_name, TYPE_FALLBACK)
    annotation: Any = desc.annotation
    if desc.is_list or desc.is_tuple:
        items = get_args(annotation)
        names = [TYPE_LABELS.get(getattr(a, "__name__", ""), TYPE_FALLBACK) for a in items]
        if not names:
            return TYPE_FALLBACK
        return ",".join(names) if desc.is_tuple else names[0]
    return TYPE_LABELS.get(getattr(annotation, "__name__", ""), TYPE_FALLBACK)


class ChineseParameter(_TyperParameter):
    """A Typer argument or option whose help shows Chinese value types (``<整数>``, ``<路径>``); a flag
    shows none (it takes no value), an argument appears in the usage line by its Chinese name."""

    def display_type(self, ctx: click.Context) -> str:
        return f"<{_type_label(self)}>"

    def display_type_rich(self, ctx: click.Context) -> str | None:
        if getattr(self, "is_flag", False):
            return None
        return super().display_type_rich(ctx)

    def get_usage_pieces(self, ctx: click.Context) -> list[str]:
        if not isinstance(self, TyperArgument):
            return super().get_usage_pieces(ctx)
        return [self.display_name_raw if self.required else f"[{self.display_name_raw}]"]


class ChineseCommand(click.Command):
    """A Typer command or group whose usage line, help option and help panels are Chinese."""

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)), prefix=USAGE_PREFIX)

    def get_help_option(self, ctx: click.Context) -> TyperOption | None:
        option = super().get_help_option(ctx)
        if option is not None and not isinstance(option, ChineseParameter):
            _convert_parameter(option)
            option.help = HELP_OPTION_TEXT
        return option

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if typer.core.HAS_RICH and getattr(self, "rich_markup_mode", None) is not None:
            use_chinese_rich_texts()
        super().format_help(ctx, formatter)


_classes: dict[type, type] = {}


def _chinese_class(cls: type, mixin: type) -> type:
    if cls not in _classes:
        _classes[cls] = type(f"Chinese{cls.__name__}", (mixin, cls), {"__module__": __name__})
    return _classes[cls]


def _convert_parameter(param: click.Parameter) -> None:
    if not isinstance(param, _TyperParameter):
        return
    if not isinstance(param, ChineseParameter):
        param.__class__ = _chinese_class(type(param), ChineseParameter)
    if isinstance(param, TyperArgument) and param.metavar is None:
        label = ARGUMENT_LABELS.get(param.name or "", ARGUMENT_FALLBACK)
        param.metavar = label if param.nargs == 1 else f"{label}…"


def chinese_placeholders(command: click.Command) -> None:
    """``[OPTIONS]`` and ``COMMAND [ARGS]...`` in the usage line → Chinese (public Click attributes)."""
    if command.options_metavar == "[OPTIONS]":
        command.options_metavar = OPTIONS_METAVAR
    if isinstance(command, TyperGroup) and command.subcommand_metavar == "COMMAND [ARGS]...":
        command.subcommand_metavar = SUBCOMMAND_METAVAR


def speak_chinese(command: click.Command) -> click.Command:
    """Make ``command``, its sub-commands and all their parameters print Chinese chrome; returns it."""
    if not isinstance(command, ChineseCommand):
        command.__class__ = _chinese_class(type(command), ChineseCommand)
    chinese_placeholders(command)
    for param in command.params:
        _convert_parameter(param)
    if isinstance(command, TyperGroup):
        for sub in command.commands.values():
            speak_chinese(sub)
    return command


_rich_done = False


def use_chinese_rich_texts() -> None:
    """Set ``typer.rich_utils``'s text constants to :data:`RICH_TEXTS` and let its highlighter colour
    the Chinese usage prefix as it does "Usage: ". Imports rich: call it only where Typer is about to
    print help or an error with rich."""
    global _rich_done
    if _rich_done:
        return
    from typer import rich_utils

    for name, text in RICH_TEXTS.items():
        setattr(rich_utils, name, text)
    rich_utils.OptionHighlighter.highlights = [
        *rich_utils.OptionHighlighter.highlights,
        rf"(?P<usage>{USAGE_PREFIX})",
    ]
    _rich_done = True


# ---------------------------------------------------------------------------------------------------
# Usage errors
# ---------------------------------------------------------------------------------------------------

_REASONS: list[tuple[tuple[str, int], Callable[[re.Match[str]], str]]] = [
    ((r"^Value must be an iterable\.$", 0), lambda m: "应为一个或多个值"),
    (
        (r"^Value (.+) is not a valid (\w+)\.$", re.S),
        lambda m: f"{_quoted(m[1])} 不是有效的{TYPE_LABELS.get(m[2], TYPE_FALLBACK)}",
    ),
    (
        (r"^(file|dir|directory|path) (.+) does not exist\.$", re.S | re.I),
        lambda m: f"{_kind(m[1])} {_quoted(m[2])} 不存在",
    ),
    (
        (r"^(file|dir|directory|path) (.+) is a file\.$", re.S | re.I),
        lambda m: f"{_quoted(m[2])} 是文件，此处需要目录",
    ),
    (
        (r"^(file|dir|directory|path) (.+) is a directory\.$", re.S | re.I),
        lambda m: f"{_quoted(m[2])} 是目录，此处需要文件",
    ),
    (
        (r"^(file|dir|directory|path) (.+) is not readable\.$", re.S | re.I),
        lambda m: f"{_kind(m[1])} {_quoted(m[2])} 不可读",
    ),
    (
        (r"^(file|dir|directory|path) (.+) is not writable\.$", re.S | re.I),
        lambda m: f"{_kind(m[1])} {_quoted(m[2])} 不可写",
    ),
    (
        (r"^(.+) is not one of (.+)\.$", re.S),
        lambda m: f"{_quoted(m[1])} 不是可选值之一（可选：{m[2]}）",
    ),
    (
        (r"^(.+) does not match the formats (.+)\.$", re.S),
        lambda m: f"{_quoted(m[1])} 不符合格式 {m[2]}",
    ),
    ((r"^Input should be a valid integer", 0), lambda m: "应为整数"),
    ((r"^Input should be a finite number", 0), lambda m: "应为有限的数值"),
    ((r"^Input should be a valid (number|decimal)", 0), lambda m: "应为数值"),
    ((r"^Input should be a valid boolean", 0), lambda m: "应为是或否（true/false）"),
    ((r"^Input should be a valid date", 0), lambda m: "应为日期，如 2024-01-31"),
    ((r"^Input should be a valid datetime", 0), lambda m: "应为日期时间，如 2024-01-31T08:00"),
    ((r"^Input should be greater than or equal to (\S+)$", 0), lambda m: f"应不小于 {m[1]}"),
    ((r"^Input should be less than or equal to (\S+)$", 0), lambda m: f"应不大于 {m[1]}"),
    ((r"^Input should be greater than (\S+)$", 0), lambda m: f"应大于 {m[1]}"),
    ((r"^Input should be less than (\S+)$", 0), lambda m: f"应小于 {m[1]}"),
    (
        (r"^Input should be ((?:'[^']*'(?:, | or )?)+)$", 0),
        lambda m: "应为以下之一：" + "、".join(re.findall(r"'([^']*)'", m[1])),
    ),
    ((r"No such file or directory", 0), lambda m: "文件或目录不存在"),
    ((r"Permission denied", 0), lambda m: "没有访问权限"),
    ((r"Is a directory", 0), lambda m: "这是一个目录"),
]

GENERIC_REASON = "取值不符合要求"


def _kind(word: str) -> str:
    return {"file": "文件", "dir": "目录", "directory": "目录"}.get(word.lower(), "路径")


def chinese_reason(reason: str) -> str:
    """A parameter's reason for refusing a value, in Chinese: a Chinese reason (the project's own
    converters and checks) is kept as it is; Typer's and pydantic's English reasons are translated;
    any other English text becomes :data:`GENERIC_REASON` (users never see English)."""
    reason = reason.strip()
    if not reason or _cjk(reason):
        return reason
    for (pattern, flags), make in _REASONS:
        m = re.search(pattern, reason, flags)
        if m:
            return str(make(m))
    return GENERIC_REASON


def _label(param: click.Parameter) -> str:
    """How a parameter is named to the user: an option by its option names, an argument by its label."""
    if isinstance(param, TyperOption) and param.opts:
        return " / ".join(param.opts)
    if isinstance(param, _TyperParameter):
        return param.display_name_raw.removesuffix("…")
    return param.name or ARGUMENT_FALLBACK


def _hint(e: exc.BadParameter) -> str | None:
    hint: Sequence[str] | str | None = e.param_hint
    if hint is not None:
        hints = [hint] if isinstance(hint, str) else list(hint)
        return " / ".join(h.strip().strip("'\"") for h in hints)
    if e.param is not None:
        return _label(e.param)
    return None


def _missing(e: exc.MissingParameter) -> str:
    kind = e.param_type or (e.param.param_type_name if e.param is not None else "parameter")
    noun = {"argument": "参数", "option": "选项"}.get(kind, "参数")
    hint = _hint(e)
    text = f"缺少{noun} {hint}。" if hint else f"缺少{noun}。"
    desc = getattr(e.param, "type_descriptor", None)
    if desc is not None and desc.is_choice and desc.choices:
        text += "可选：" + "、".join(str(getattr(c, "value", c)) for c in desc.choices) + "。"
    if e.message:
        text += chinese_reason(e.message)
    return text


def _no_such_option(e: exc.NoSuchOption) -> str:
    text = f"没有选项 {e.option_name}"
    if e.possibilities:
        text += f"（您是否要输入：{'、'.join(sorted(e.possibilities))}）"
    return text + "。"


def _suggest(names: str | None) -> str:
    """Click's ``'a', 'b'`` suggestion list → ``（您是否要输入：a、b）``."""
    if not names:
        return ""
    return f"（您是否要输入：{'、'.join(n.strip().strip(chr(39) + chr(34)) for n in names.split(','))}）"


_PLAIN: list[tuple[tuple[str, int], Callable[[re.Match[str]], str]]] = [
    ((r"^Missing command\.$", 0), lambda m: "缺少命令。"),
    (
        (r"^No such command (['\"])(.*)\1\.(?: Did you mean (.*)\?)?$", re.S),
        lambda m: f"没有命令 {m[2]}{_suggest(m[3])}。",
    ),
    (
        (r"^Got unexpected extra argument(?:\(s\)|s)? \((.*)\)$", re.S),
        lambda m: f"多余的参数：{m[1]}（本命令不接受这些值，或缺少前面的选项名）。",
    ),
    (
        (r"^Option (['\"])(.*)\1 requires an argument\.$", re.S),
        lambda m: f"选项 {m[2]} 后面缺少取值。",
    ),
    (
        (r"^Option (['\"])(.*)\1 requires (\d+) arguments\.$", re.S),
        lambda m: f"选项 {m[2]} 后面需要 {m[3]} 个取值。",
    ),
    (
        (r"^Option (['\"])(.*)\1 does not take a value\.$", re.S),
        lambda m: f"选项 {m[2]} 不接受取值。",
    ),
    (
        (r"^Argument (['\"])(.*)\1 takes (\d+) values\.$", re.S),
        lambda m: f"参数 {ARGUMENT_LABELS.get(m[2], m[2])} 需要 {m[3]} 个值。",
    ),
]


def chinese_message(e: click.ClickException) -> str | None:
    """The Chinese message for a Click/Typer error, or ``None`` when its message is already Chinese."""
    if isinstance(e, exc.MissingParameter):
        return _missing(e)
    if isinstance(e, exc.BadParameter):
        hint = _hint(e)
        reason = chinese_reason(e.message)
        return f"参数 {hint} 的值无效：{reason}" if hint else f"取值无效：{reason}"
    if isinstance(e, exc.NoSuchOption):
        return _no_such_option(e)
    if isinstance(e, exc.FileError):
        return f"无法打开文件 {_quoted(e.ui_filename)}：{chinese_reason(e.message)}"
    if _cjk(e.message):
        return None
    for (pattern, flags), make in _PLAIN:
        m = re.search(pattern, e.message, flags)
        if m:
            return str(make(m))
    return chinese_reason(e.message)


class ChineseUsageError(exc.UsageError):
    """A usage error whose (Chinese) message is shown as it is. ``show`` (used by Typer only without
    rich, ``TYPER_USE_RICH=0``) prints Click's three lines in Chinese."""

    def show(self, file: IO[Any] | None = None) -> None:
        if self.ctx is not None:
            hint = ""
            if self.ctx.command.get_help_option(self.ctx) is not None:
                hint = f"查看帮助：{self.ctx.command_path} {self.ctx.help_option_names[0]}\n"
            click.echo(f"{self.ctx.get_usage()}\n{hint}", file=file, err=True, color=self.ctx.color)
        click.echo(f"错误：{self.format_message()}", file=file, err=True)


class ChineseClickException(click.ClickException):
    """Any other Click error whose (Chinese) message is shown as it is."""

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"错误：{self.format_message()}", file=file, err=True)


def chinese_error(e: click.ClickException) -> click.ClickException:
    """``e`` with its message in Chinese (a new exception of the same exit code), or ``e`` itself when
    there is nothing to translate."""
    if isinstance(e, (ChineseUsageError, ChineseClickException, exc.NoArgsIsHelpError)):
        return e
    text = chinese_message(e)
    if text is None:
        return e
    new: click.ClickException = (
        ChineseUsageError(text, e.ctx) if isinstance(e, exc.UsageError) else ChineseClickException(text)
    )
    new.exit_code = e.exit_code
    return new


@contextmanager
def chinese_errors(command: click.Command) -> Iterator[None]:
    """Around the root group's ``make_context``/``invoke``: a Click error leaves in Chinese, and the
    rich texts (error panel title, help hint, "Aborted") are Chinese when Typer prints them."""
    try:
        yield
    except click.ClickException as e:
        _prepare_rich(command)
        translated = chinese_error(e)
        if translated is e:
            raise
        raise translated from e
    except Abort:
        _prepare_rich(command)
        raise


def _prepare_rich(command: click.Command) -> None:
    if typer.core.HAS_RICH and getattr(command, "rich_markup_mode", None) is not None:
        use_chinese_rich_texts()
