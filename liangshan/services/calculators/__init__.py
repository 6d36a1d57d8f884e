"""Calculators as declarative specs: one module per calculator, one :class:`CalculatorSpec` each.

:data:`SPECS` is the registry every face builds from (CLI options, web upload form and preview, demo
hooks, batch jobs). Adding a calculator = one spec module here plus its standard module under
``liangshan/standards/`` (see docs/calculators.md) and its name in :data:`MODULES`.

The spec modules are loaded on demand (PEP 562 ``__getattr__``): ``liangshan water --help`` imports the
water spec only, and no spec module imports polars or numpy at import time. :data:`SPECS` is built on its
first use, from every module of :data:`MODULES`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from liangshan.services.calculators.spec import (
    CalculatorSpec,
    Computation,
    FileSpec,
    ParamSpec,
    SpecError,
    parse_params,
)

if TYPE_CHECKING:
    from liangshan.services.calculators import air, gep, land, redline, soil, species, survey, water

__all__ = [
    "MODULES",
    "SPECS",
    "CalculatorSpec",
    "Computation",
    "FileSpec",
    "ParamSpec",
    "SpecError",
    "air",
    "for_item",
    "gep",
    "get_spec",
    "land",
    "parse_params",
    "redline",
    "soil",
    "species",
    "survey",
    "water",
]

#: the spec modules, in the order their calculators are offered; each has ``SPEC`` or ``SPECS``
MODULES = ("air", "water", "soil", "land", "species", "redline", "gep", "survey")

SPECS: dict[str, CalculatorSpec]
"""every calculator, by key, in the order they are offered (built on first use)"""


def _module(name: str) -> Any:
    return importlib.import_module(f"{__name__}.{name}")


def _build_specs() -> dict[str, CalculatorSpec]:
    specs: dict[str, CalculatorSpec] = {}
    for name in MODULES:
        module = _module(name)
        for s in getattr(module, "SPECS", None) or (module.SPEC,):
            specs[s.key] = s
    return specs


def _specs() -> dict[str, CalculatorSpec]:
    specs: dict[str, CalculatorSpec] | None = globals().get("SPECS")
    if specs is None:
        specs = globals()["SPECS"] = _build_specs()
    return specs


def __getattr__(name: str) -> Any:
    """``SPECS`` and the spec modules, imported when first asked for (PEP 562)."""
    if name == "SPECS":
        return _specs()
    if name in MODULES:
        return _module(name)  # the import binds the submodule as an attribute of this package
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def get_spec(key: str) -> CalculatorSpec:
    """The spec of ``key`` (KeyError if unknown)."""
    return _specs()[key]


def for_item(item: str) -> list[CalculatorSpec]:
    """The calculators offered on the entry page of data element ``item`` (those that feed it)."""
    return [s for s in _specs().values() if item in s.elements and item not in s.not_offered_on]
