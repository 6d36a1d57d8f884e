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

from liangshan.cli import (  # noqa: E402
    air,
    batch,
    bundle,
    catalogs,
    core,
    eco,
    gep,
    land,
    office,
    ops,
    reconcile,
    report,
    rollup,
    survey,
    titles,
    water,
    web,
    workplan,
)

core.register(app)
web.register(app)
report.register(app)
ops.register(app)
office.register(app)
reconcile.register(app)  # liangshan reconcile, liangshan official …
for _name, _sub in (
    ("air", air.app),
    ("batch", batch.app),
    ("water", water.app),
    ("land", land.app),
    ("gep", gep.app),
    ("survey", survey.app),
    ("soil", eco.soil_app),
    ("species", eco.species_app),
    ("workplan", workplan.app),
    ("bundle", bundle.app),
    ("rollup", rollup.app),
    ("catalog", catalogs.catalog_app),  # liangshan catalog [list]
    ("region", catalogs.region_app),  # liangshan region set-catalog
    ("titles", titles.app),  # liangshan titles list|add|remove
):
    app.add_typer(_sub, name=_name)
