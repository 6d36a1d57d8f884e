"""Calculators as declarative specs: one module per calculator, one :class:`CalculatorSpec` each.

:data:`SPECS` is the registry every face builds from (CLI options, web upload form and preview, demo
hooks, batch jobs). Adding a calculator = one spec module here plus its standard module under
``liangshan/standards/`` (see docs/calculators.md).
"""

from __future__ import annotations

from liangshan.services.calculators import air, gep, land, redline, soil, species, survey, water
from liangshan.services.calculators.spec import (
    CalculatorSpec,
    Computation,
    FileSpec,
    ParamSpec,
    SpecError,
    parse_params,
)

__all__ = [
    "SPECS",
    "CalculatorSpec",
    "Computation",
    "FileSpec",
    "ParamSpec",
    "SpecError",
    "for_item",
    "get_spec",
    "parse_params",
]

#: every calculator, by key, in the order they are offered
SPECS: dict[str, CalculatorSpec] = {
    s.key: s
    for s in (
        air.SPEC,
        *water.SPECS,
        *soil.SPECS,
        land.SPEC,
        species.SPEC,
        redline.SPEC,
        gep.SPEC,
        survey.SPEC,
    )
}


def get_spec(key: str) -> CalculatorSpec:
    """The spec of ``key`` (KeyError if unknown)."""
    return SPECS[key]


def for_item(item: str) -> list[CalculatorSpec]:
    """The calculators offered on the entry page of data element ``item`` (those that feed it)."""
    return [s for s in SPECS.values() if item in s.elements and item not in s.not_offered_on]
