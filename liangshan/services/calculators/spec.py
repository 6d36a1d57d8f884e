"""The declarative calculator spec: inputs, parameters, the standards applied, the data elements fed.

One :class:`CalculatorSpec` per calculator (InVEST's ``MODEL_SPEC`` is the model). Every face is built
from it: the CLI options (:mod:`liangshan.cli.specs`), the web upload form and its parsing
(:mod:`liangshan.web.calculators`), the demo hooks and the batch jobs. ``run(files, params, region)``
returns a :class:`Computation` whose :class:`~liangshan.provenance.Provenance` is built in the spec's
module only, so that the same file gives the same provenance whichever face ran it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from liangshan.services.uploads import DATA_KINDS

if TYPE_CHECKING:  # pydantic models: imported by the calculators that build them, not by every CLI start
    from liangshan.provenance import ComputedValues

__all__ = ["CalculatorSpec", "Computation", "FileSpec", "ParamSpec", "Runner", "SpecError", "parse_params"]


class SpecError(ValueError):
    """A parameter value does not fit its :class:`ParamSpec` (the message names the parameter)."""


@dataclass(frozen=True)
class FileSpec:
    """One input file: ``kinds`` are keys of :data:`liangshan.services.uploads.DATA_KINDS`."""

    key: str
    label: str
    kinds: tuple[str, ...]
    required: bool = True
    help: str = ""

    @property
    def accept(self) -> str:
        return ",".join(e for k in self.kinds for e in DATA_KINDS[k][2])

    @property
    def kinds_text(self) -> str:
        return "、".join(DATA_KINDS[k][1] for k in self.kinds)


@dataclass(frozen=True)
class ParamSpec:
    """One parameter. ``kind``: int | float | choice | text | bool.

    ``flag`` is the CLI option name (``--o3-window-start``; for ``bool`` a ``--x/--no-x`` pair);
    ``web=False`` keeps a parameter off the upload form (it takes its default there);
    ``round_year``: on the web its default is the round's last year; ``region_zone``: the region's
    terrain zone.
    """

    key: str
    label: str
    kind: str
    default: Any = None
    choices: tuple[tuple[str, str], ...] = ()
    required: bool = False
    low: float | None = None
    high: float | None = None
    unit: str = ""
    help: str = ""
    flag: str = ""
    web: bool = True
    round_year: bool = False
    region_zone: bool = False

    @property
    def option(self) -> str:
        return self.flag or "--" + self.key.replace("_", "-")


@dataclass
class Computation:
    """What a calculator produced: values per year (with provenance), warnings, figures per year."""

    results: list[ComputedValues]
    warnings: list[str] = field(default_factory=list)
    details: dict[int, dict[str, str]] = field(default_factory=dict)
    #: the standard function's own result objects, for the faces that print more than the values
    raw: Any = None


Runner = Callable[[Mapping[str, Path], Mapping[str, Any], "str | None"], Computation]


@dataclass(frozen=True)
class CalculatorSpec:
    """A calculator, declared once.

    ``standards`` are the documents applied (constants of :mod:`.standards_cited`, spelled once);
    ``elements`` the catalog data-element codes it feeds; ``cli`` the command computing the same.
    """

    key: str
    title: str
    cli: str
    elements: tuple[str, ...]
    files: tuple[FileSpec, ...]
    params: tuple[ParamSpec, ...]
    standards: tuple[str, ...]
    run: Runner
    note: str = ""
    #: item codes on whose entry page the calculator is not offered (it feeds them only as a side value)
    not_offered_on: tuple[str, ...] = ()

    def param(self, key: str) -> ParamSpec:
        return next(p for p in self.params if p.key == key)

    def defaults(self) -> dict[str, Any]:
        return {p.key: p.default for p in self.params}

    def compute(
        self,
        files: Mapping[str, Path | Sequence[Path] | None],
        params: Mapping[str, Any] | None = None,
        region: str | None = None,
        *,
        progress: Callable[[str], None] | None = None,
    ) -> Computation:
        """``run`` with the defaults filled in for parameters not given (files given as ``None`` dropped; a
        calculator that takes several files of one kind, such as air's daily national files, gets a list).

        ``progress`` (a face's progress bar) reaches the runner as the reserved parameter ``_step``.
        """
        full = {**self.defaults(), **dict(params or {})}
        if progress is not None:
            full["_step"] = progress
        paths: dict[str, Any] = {
            k: Path(v) if isinstance(v, str | Path) else [Path(x) for x in v]
            for k, v in files.items()
            if v is not None
        }
        return self.run(paths, full, region)


def _span(p: ParamSpec) -> str:
    parts = [
        f"不小于 {p.low:g}" if p.low is not None else "",
        f"不大于 {p.high:g}" if p.high is not None else "",
    ]
    return "、".join(t for t in parts if t)


def parse_params(spec: CalculatorSpec, raw: Mapping[str, Any], *, web_only: bool = True) -> dict[str, Any]:
    """Typed parameters from text fields (the web form); :class:`SpecError` names the parameter.

    Parameters kept off the web (``web=False``) take their default when ``web_only``.
    """
    out: dict[str, Any] = {}
    for p in spec.params:
        if web_only and not p.web:
            out[p.key] = p.default
            continue
        text = str(raw.get(p.key) or "").strip()
        if not text:
            if p.required:
                raise SpecError(f"请填写参数“{p.label}”")
            out[p.key] = p.default
            continue
        if p.kind == "bool":
            if text not in ("true", "false"):
                raise SpecError(f"参数“{p.label}”应为 是 或 否，收到“{text[:40]}”")
            out[p.key] = text == "true"
        elif p.kind == "choice":
            allowed = [v for v, _ in p.choices]
            if text not in allowed:
                raise SpecError(f"参数“{p.label}”应为 {'、'.join(allowed)} 之一，收到“{text[:40]}”")
            out[p.key] = text
        elif p.kind in ("int", "float"):
            try:
                num: float = int(text) if p.kind == "int" else float(text)
            except ValueError:
                raise SpecError(
                    f"参数“{p.label}”应为{'整数' if p.kind == 'int' else '数值'}，收到“{text[:40]}”"
                ) from None
            if num != num or (p.low is not None and num < p.low) or (p.high is not None and num > p.high):
                raise SpecError(f"参数“{p.label}”应{_span(p)}，收到 {text[:40]}")
            out[p.key] = num
        else:
            if len(text) > 200 or any(ord(c) < 32 for c in text):
                raise SpecError(f"参数“{p.label}”过长或含控制字符")
            out[p.key] = text
    return out


def check_choice(spec: CalculatorSpec, key: str, value: Any) -> None:
    """Raise :class:`SpecError` if ``value`` is not one of the choices of parameter ``key``."""
    p = spec.param(key)
    allowed = [v for v, _ in p.choices]
    if p.kind == "choice" and value not in allowed:
        raise SpecError(f"{p.option} 应为 {'、'.join(allowed)} 之一，而不是 {value!r}")
