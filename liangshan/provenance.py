"""Provenance of computed values: which calculator, standard edition, parameters and input files.

Every value a calculator produces for an indicator's data elements travels with a
:class:`Provenance` so that a number in the report can be traced back to the raw file (by
sha256), the standard edition and the parameters used.

These are plain dataclasses, not pydantic models: every calculator and every command that prints a
result imports this module, and a pydantic model class costs ≈ 0.02 s to build at import (plus
pydantic's own import, ≈ 0.03–0.04 s) — a tenth of ``liangshan air good-days`` on a county's file.
:meth:`Provenance.to_json` gives the JSON form stored with each value (``submissions.provenance``),
written in batch result files and shown by the API; :meth:`Provenance.from_json` reads it back and
checks its shape.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

_CHUNK = 1 << 20


def package_version() -> str:
    """This program's version (``liangshan.__version__``), read when a :class:`Provenance` is made — not
    when this module is imported."""
    import liangshan

    return liangshan.__version__


def jsonable(value: Any) -> Any:
    """``value`` with every part made of JSON types: mappings (keys as text), lists (from lists,
    tuples and sets), text, whole numbers, finite or non-finite floats, booleans and ``None``; a path
    becomes its text, a date or time its ISO 8601 text, an enumeration member its value, a numpy scalar
    its Python number, a dataclass its fields. Anything else is a programming error (``TypeError``),
    raised here rather than when the value is stored."""
    if value is None or type(value) in (str, bool, int, float):
        return value
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    for kind in (bool, str, int, float):  # their subclasses: numpy.float64, …
        if isinstance(value, kind):
            return kind(value)
    if isinstance(value, dict):
        return {str(k.value if isinstance(k, enum.Enum) else k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return [jsonable(v) for v in value]
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, (dt.date, dt.time)):  # datetime is a date
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item) and getattr(value, "shape", None) == ():
        return jsonable(item())
    raise TypeError(f"provenance cannot hold a {type(value).__name__}: {value!r}")


def _text(d: dict[str, Any], key: str, where: str) -> str:
    v = d.get(key)
    if not isinstance(v, str):
        raise ValueError(f"{where}: {key} must be text, got {v!r}")
    return v


@dataclass(frozen=True, slots=True)
class InputFile:
    """One input file, identified by its content hash."""

    name: str
    sha256: str
    size: int

    def to_json(self) -> dict[str, Any]:
        """``{"name", "sha256", "size"}``."""
        return {"name": self.name, "sha256": self.sha256, "size": self.size}

    @classmethod
    def from_json(cls, d: Any) -> InputFile:
        """Inverse of :meth:`to_json`; ``ValueError`` when a field is missing or of the wrong type."""
        if not isinstance(d, dict):
            raise ValueError(f"input file: expected an object, got {d!r}")
        size = d.get("size")
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ValueError(f"input file: size must be a whole number ≥ 0, got {size!r}")
        return cls(name=_text(d, "name", "input file"), sha256=_text(d, "sha256", "input file"), size=size)


@dataclass
class Provenance:
    """Where a computed value comes from.

    ``calculator`` is the dotted name of the function that produced it; ``standard`` names the
    standard editions applied (e.g. ``"HJ633-2012; HJ663-2013; GB3095-2012"``); ``components``
    holds the intermediate figures an auditor needs (valid days, excluded days and why, …).
    """

    calculator: str
    standard: str
    parameters: dict[str, Any] = field(default_factory=dict)
    inputs: list[InputFile] = field(default_factory=list)
    package_version: str = field(default_factory=package_version)
    components: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The JSON form (as stored with a value): the fields in order, ``parameters`` and
        ``components`` through :func:`jsonable`."""
        return {
            "calculator": self.calculator,
            "standard": self.standard,
            "parameters": jsonable(self.parameters),
            "inputs": [f.to_json() for f in self.inputs],
            "package_version": self.package_version,
            "components": jsonable(self.components),
        }

    @classmethod
    def from_json(cls, d: Any) -> Provenance:
        """Inverse of :meth:`to_json`; ``ValueError`` when the shape is wrong."""
        if not isinstance(d, dict):
            raise ValueError(f"provenance: expected an object, got {d!r}")
        parameters, components, inputs = d.get("parameters", {}), d.get("components", {}), d.get("inputs", [])
        if not (isinstance(parameters, dict) and isinstance(components, dict) and isinstance(inputs, list)):
            raise ValueError("provenance: parameters and components must be objects, inputs a list")
        return cls(
            calculator=_text(d, "calculator", "provenance"),
            standard=_text(d, "standard", "provenance"),
            parameters=parameters,
            inputs=[InputFile.from_json(f) for f in inputs],
            package_version=(
                _text(d, "package_version", "provenance") if "package_version" in d else package_version()
            ),
            components=components,
        )


@dataclass(frozen=True)
class ComputedValues:
    """Data-element values for one region-year produced by a calculator, with their provenance."""

    year: int
    values: dict[str, float | bool | None]
    provenance: Provenance
    region: str | None = None
    notes: dict[str, str] = field(default_factory=dict)


def sha256_file(path: str | PurePath) -> InputFile:
    """Hash a file in 1 MiB chunks (bounded memory) and describe it as an :class:`InputFile`."""
    p = Path(path)
    h = hashlib.sha256()
    size = 0
    with p.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
            size += len(chunk)
    return InputFile(name=p.name, sha256=h.hexdigest(), size=size)
