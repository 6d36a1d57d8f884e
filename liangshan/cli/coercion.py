"""Command-line values converted to the parameters' types without pydantic, with Chinese reasons.

Since Typer 0.29, every parameter's value is converted by a pydantic ``TypeAdapter`` built the first
time the parameter is used. For ``liangshan air good-days FILE --json`` on a county's file that is
pydantic's import, its plugin scan (package metadata) and one adapter per option — ≈ 0.06 s of a
≈ 0.35 s command — and a bad value is explained in English (``Input should be a valid integer…``).

liangshan's commands use only a few annotations: ``str``, ``int``, ``float``, ``bool``,
``pathlib.Path`` and ``list`` of these (``tests/test_cli_coercion.py`` checks every parameter of every
command). :func:`install` makes Typer convert those with :class:`PlainParam` below, by the same rules
as Typer's adapters (numbers from text, ``min``/``max`` and ``clamp``, booleans from the usual words,
paths checked for ``exists``, ``file_okay``, ``dir_okay``, ``readable``, ``writable``,
``resolve_path`` and ``allow_dash``), and additionally refuses non-finite numbers (``nan``, ``inf``:
no parameter of liangshan means them). Any other annotation, or a parameter with its own ``parser``,
still goes through Typer's own conversion.

This relies on one private detail of Typer 0.29.2: ``typer.core`` looks up the module-level function
``build_runtime_param`` when a parameter is first converted. If a later Typer renames it,
:func:`install` changes nothing, Typer's own conversion applies, and the test that every parameter
is converted here fails.
"""

from __future__ import annotations

import math
import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args, get_origin

import typer.core
from typer._click.exceptions import BadParameter
from typer._coercion import RuntimeParam, TypeDescriptor

LEAF_TYPES: tuple[type, ...] = (str, int, float, bool, Path)
"""The annotations converted here (and ``list`` of them)."""

_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})


def leaf_type(descriptor: TypeDescriptor) -> type | None:
    """The annotation's own type, or its element type for ``list[…]``, when :class:`PlainParam` converts
    it; ``None`` when Typer's conversion must (another type, a file, a custom ``parser``)."""
    info = descriptor.parameter_info
    if descriptor.file_annotation is not None or info.parser is not None:
        return None
    annotation = descriptor.annotation
    if get_origin(annotation) is list:
        args = get_args(annotation)
        annotation = args[0] if len(args) == 1 else None
    if annotation in LEAF_TYPES:
        return annotation
    return None


def _text(value: Any) -> str:
    """Text as Typer makes it (bytes decoded as the command line's encoding)."""
    if isinstance(value, bytes):
        return value.decode(sys.getfilesystemencoding(), "replace")
    return str(value)


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    word = _text(value).strip().lower()
    if word == "" or word in _FALSE:
        return False
    if word in _TRUE:
        return True
    raise ValueError(f"应为“是”或“否”（true/false、yes/no、1/0），而不是“{_text(value)}”")


def _int(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise ValueError(f"应为整数，而不是“{value}”")
    try:
        return int(_text(value).strip())
    except ValueError:
        raise ValueError(f"应为整数，而不是“{_text(value)}”") from None


def _float(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    else:
        try:
            number = float(_text(value).strip())
        except ValueError:
            raise ValueError(f"应为数值，而不是“{_text(value)}”") from None
    if not math.isfinite(number):
        raise ValueError(f"应为有限的数值，而不是“{_text(value)}”")
    return number


def _ranged(number: float, descriptor: TypeDescriptor, kind: type) -> float:
    info = descriptor.parameter_info
    low, high = info.min, info.max
    if info.clamp:
        if low is not None and number < low:
            return kind(low)
        if high is not None and number > high:
            return kind(high)
        return number
    if low is not None and number < low:
        raise ValueError(f"应不小于 {low}，而不是 {number}")
    if high is not None and number > high:
        raise ValueError(f"应不大于 {high}，而不是 {number}")
    return number


def _path(value: Any, descriptor: TypeDescriptor) -> Any:
    """A path checked as Typer checks it (``typer._param_types.coerce_cli_path``), reasons in Chinese."""
    info = descriptor.parameter_info
    path = value if isinstance(value, Path) else Path(os.fsdecode(value))
    if info.file_okay and info.allow_dash and str(value) == "-":
        return path
    if info.resolve_path:
        path = Path(os.path.realpath(path))
    label = "文件" if info.file_okay and not info.dir_okay else "目录" if not info.file_okay else "路径"
    try:
        st = os.stat(path)
    except OSError:
        if info.exists:
            raise ValueError(f"{label}“{value}”不存在") from None
        return path
    if not info.file_okay and stat.S_ISREG(st.st_mode):
        raise ValueError(f"“{value}”是文件，这里应为目录")
    if not info.dir_okay and stat.S_ISDIR(st.st_mode):
        raise ValueError(f"“{value}”是目录，这里应为文件")
    if info.readable and not os.access(path, os.R_OK):
        raise ValueError(f"{label}“{value}”没有读取权限")
    if info.writable and not os.access(path, os.W_OK):
        raise ValueError(f"{label}“{value}”没有写入权限")
    return path


@dataclass(frozen=True)
class PlainParam(RuntimeParam):
    """Converts one parameter's value(s) to ``kind`` (see the module's docstring for the rules)."""

    kind: type
    descriptor: TypeDescriptor

    def _one(self, value: Any) -> Any:
        kind = self.kind
        if kind is str:
            return _text(value)
        if kind is bool:
            return _bool(value)
        if kind is int:
            return int(_ranged(_int(value), self.descriptor, int))
        if kind is float:
            return float(_ranged(_float(value), self.descriptor, float))
        return _path(value, self.descriptor)

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        try:
            if get_origin(self.annotation) is list:
                items = value if isinstance(value, (list, tuple)) else [value]
                return [self._one(item) for item in items]
            return self._one(value)
        except ValueError as e:
            raise BadParameter(str(e), ctx=ctx, param=param) from None


_typers_own = getattr(typer.core, "build_runtime_param", None)


def runtime_param(descriptor: TypeDescriptor) -> RuntimeParam:
    """:class:`PlainParam` for the annotations of :data:`LEAF_TYPES`; Typer's own otherwise."""
    kind = leaf_type(descriptor)
    if kind is None:
        assert _typers_own is not None
        return _typers_own(descriptor)
    return PlainParam(
        annotation=descriptor.annotation,
        parameter_info=descriptor.parameter_info,
        kind=kind,
        descriptor=descriptor,
    )


def install() -> None:
    """Make Typer convert values through :func:`runtime_param` (idempotent; no effect if this Typer does
    not have the function it replaces)."""
    if _typers_own is not None:
        typer.core.build_runtime_param = runtime_param
