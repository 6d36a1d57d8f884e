"""Provenance of computed values: which calculator, standard edition, parameters and input files.

Every value a calculator produces for an indicator's data elements travels with a
:class:`Provenance` so that a number in the report can be traced back to the raw file (by
sha256), the standard edition and the parameters used.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

_CHUNK = 1 << 20


def package_version() -> str:
    """This program's version (``liangshan.__version__``), read when a :class:`Provenance` is made — not
    when this module is imported."""
    import liangshan

    return liangshan.__version__


class InputFile(BaseModel):
    """One input file, identified by its content hash."""

    name: str
    sha256: str
    size: int


class Provenance(BaseModel):
    """Where a computed value comes from.

    ``calculator`` is the dotted name of the function that produced it; ``standard`` names the
    standard editions applied (e.g. ``"HJ633-2012; HJ663-2013; GB3095-2012"``); ``components``
    holds the intermediate figures an auditor needs (valid days, excluded days and why, …).
    """

    calculator: str
    standard: str
    parameters: dict[str, Any] = Field(default_factory=dict)
    inputs: list[InputFile] = Field(default_factory=list)
    package_version: str = Field(default_factory=package_version)
    components: dict[str, Any] = Field(default_factory=dict)


@dataclass(frozen=True)
class ComputedValues:
    """Data-element values for one region-year produced by a calculator, with their provenance."""

    year: int
    values: dict[str, float | bool | None]
    provenance: Provenance
    region: str | None = None
    notes: dict[str, str] = field(default_factory=dict)


def sha256_file(path: str | Path) -> InputFile:
    """Hash a file in 1 MiB chunks (bounded memory) and describe it as an :class:`InputFile`."""
    p = Path(path)
    h = hashlib.sha256()
    size = 0
    with p.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
            size += len(chunk)
    return InputFile(name=p.name, sha256=h.hexdigest(), size=size)
