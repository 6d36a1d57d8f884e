"""Typer options generated from a calculator spec (:class:`~liangshan.services.calculators.CalculatorSpec`).

:func:`spec_options` adds one ``--option`` per :class:`~liangshan.services.calculators.ParamSpec` to a
command that takes ``**params``: the option name (``ParamSpec.option``), the Chinese help and the
default come from the spec, so a parameter is declared once for the CLI, the web form and the docs.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, get_type_hints

import typer

from liangshan.services.calculators import CalculatorSpec, ParamSpec

F = TypeVar("F", bound=Callable[..., Any])
_TYPES: dict[str, Any] = {"int": int, "float": float, "choice": str, "text": str, "bool": bool}


def _annotation(p: ParamSpec) -> Any:
    base = _TYPES[p.kind]
    return base if p.default is not None else base | None


def _help(p: ParamSpec) -> str:
    if p.kind == "choice" and not any(v in p.help for v, _ in p.choices):
        listed = "、".join(f"{v}（{label}）" for v, label in p.choices)
        return f"{p.help or p.label}：{listed}"
    return p.help or p.label


def spec_options(spec: CalculatorSpec, *, skip: Iterable[str] = ()) -> Callable[[F], F]:
    """Give the decorated command (which takes ``**params``) one option per parameter of ``spec``.

    Parameters the function declares itself, and those in ``skip``, are left alone. The options carry
    no bounds (the CLI has always accepted what the standard functions accept; the web form checks
    the spec's bounds).
    """
    skipped = set(skip)

    def deco(func: F) -> F:
        sig = inspect.signature(func)
        hints = get_type_hints(func)
        own = [p for p in sig.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
        names = {p.name for p in own}
        added = []
        for p in spec.params:
            if p.key in names or p.key in skipped:
                continue
            option = typer.Option(
                p.default, *p.option.split(" "), help=_help(p), show_default=p.default is not None
            )
            added.append(
                inspect.Parameter(
                    p.key, inspect.Parameter.KEYWORD_ONLY, default=option, annotation=_annotation(p)
                )
            )
            hints[p.key] = _annotation(p)
        resolved = [q.replace(annotation=hints.get(q.name, q.annotation)) for q in own]
        func.__signature__ = sig.replace(parameters=[*resolved, *added])  # type: ignore[attr-defined]
        func.__annotations__ = {**hints}
        return func

    return deco
