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
from liangshan.cli import air as _air; app.add_typer(_air.app, name="air")  # noqa: E402, E702, I001
from liangshan.cli import land as _land; app.add_typer(_land.app, name="land")  # noqa: E402, E702, I001
from liangshan.cli import water as _water; app.add_typer(_water.app, name="water")  # noqa: E402, E702, I001
from liangshan.cli import gep as _gep; app.add_typer(_gep.app, name="gep")  # noqa: E402, E702, I001
from liangshan.cli import survey as _survey; app.add_typer(_survey.app, name="survey")  # noqa: E402, E702, I001
from liangshan.cli import eco as _soil; app.add_typer(_soil.soil_app, name="soil")  # noqa: E402, E702, I001
from liangshan.cli import eco as _species; app.add_typer(_species.species_app, name="species")  # noqa: E402, E702, I001
# --- end of registration ---
