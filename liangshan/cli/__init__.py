"""The ``liangshan`` command (Typer). Sub-commands live in modules of this package."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="liangshan",
    help="两山基地建设管理与“两山指数”评估系统 (liangshan)",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

from liangshan.cli import core as _core  # noqa: E402

_core.register(app)

# --- sub-command registration (one line per module) ---
# --- end of registration ---
