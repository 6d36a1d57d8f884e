"""The editable library of 完善措施 (``measures.yaml``): loading, checking and choosing measures.

Each measure cites a main task of the work plan (卢办〔2023〕16号 四、(四)—(七), or 五 where no main task
speaks to the indicator), names a lead unit (牵头单位) and cooperating units (配合单位) that the seed itself
names for that task or, in 附件2, for the indicator, and has a deadline rule. The loader refuses a
library that cites an unknown task or indicator or names a unit the seed does not name there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from liangshan.catalog import Catalog, load_catalog

DEFAULT_MEASURES = Path(__file__).with_name("measures.yaml")
SUPPLIER = "$supplier"
_DEADLINE = re.compile(r"^(round|\+\d+|\d{4}-\d{2}-\d{2})$")


class LibraryError(ValueError):
    """A measures or cases library file is malformed (the message names the file and the entry)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Task(_Frozen):
    code: str
    title: str
    units: tuple[str, ...] = ()


class Measure(_Frozen):
    id: str
    indicators: tuple[int, ...] = ()
    task: str
    text: str
    lead: str
    cooperating: tuple[str, ...] = ()
    deadline: str | None = None


class GapTerm(_Frozen):
    """How a shortfall of a ratio's numerator is named: ``需再增加 {n} {unit}{noun}``."""

    unit: str
    noun: str


class MeasureLibrary(_Frozen):
    version: str
    source: str
    default_deadline: str = "+1"
    aliases: dict[str, str] = Field(default_factory=dict)
    tasks: tuple[Task, ...]
    measures: tuple[Measure, ...]
    data_missing: Measure
    gap_terms: dict[int, GapTerm] = Field(default_factory=dict)

    def task(self, code: str) -> Task:
        for t in self.tasks:
            if t.code == code:
                return t
        raise KeyError(code)

    def canonical(self, unit: str) -> str:
        """The unit's name as 附件1 spells it (the seed writes some units two ways)."""
        return self.aliases.get(unit, unit)

    def for_indicator(self, indicator_id: int) -> list[Measure]:
        """The measures linked to an indicator, in library order."""
        return [m for m in self.measures if indicator_id in m.indicators]


def resolve_deadline(rule: str, end_year: int, round_deadline: str | None) -> date:
    """Turn a deadline rule into a date.

    Parameters
    ----------
    rule : str
        ``"round"`` (the round's deadline), ``"+N"`` (31 December of ``end_year + N``) or an ISO date.
    end_year : int
        Last year of the assessment window (year).
    round_deadline : str or None
        The round's deadline as an ISO date; ``"round"`` falls back to ``+1`` without one.
    """
    if rule == "round":
        if round_deadline:
            return date.fromisoformat(round_deadline)
        rule = "+1"
    if rule.startswith("+"):
        return date(end_year + int(rule[1:]), 12, 31)
    return date.fromisoformat(rule)


def _check(lib: MeasureLibrary, catalog: Catalog, path: str) -> None:
    codes = {t.code for t in lib.tasks}
    ids = [m.id for m in (*lib.measures, lib.data_missing)]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise LibraryError(f"{path}：措施编号重复：{'、'.join(dup)}")
    known_ids = {i.id for i in catalog.indicators}
    for key, term in lib.gap_terms.items():
        if key not in known_ids:
            raise LibraryError(f"{path}：gap_terms 中的指标序号 {key} 不在指标体系中（{term.noun}）")
    for rule in (
        lib.default_deadline,
        *(m.deadline for m in (*lib.measures, lib.data_missing) if m.deadline),
    ):
        if not _DEADLINE.match(rule):
            raise LibraryError(f"{path}：完成时限“{rule}”格式应为 round、+N 或 YYYY-MM-DD")
    for m in (*lib.measures, lib.data_missing):
        where = f"{path}：措施 {m.id}"
        if m.task not in codes:
            raise LibraryError(f"{where} 引用了不存在的任务“{m.task}”（可用：{'、'.join(sorted(codes))}）")
        bad = [i for i in m.indicators if i not in known_ids]
        if bad:
            raise LibraryError(f"{where} 引用了不存在的指标序号 {bad}")
        if m is not lib.data_missing and not m.indicators:
            raise LibraryError(f"{where} 未关联任何指标（indicators）")
        allowed = {lib.canonical(u) for u in lib.task(m.task).units}
        for i in m.indicators:
            allowed |= {lib.canonical(u) for u in catalog.indicator(i).responsible_units}
        if m is lib.data_missing:
            allowed.add(SUPPLIER)
        for unit in (m.lead, *m.cooperating):
            if lib.canonical(unit) not in allowed:
                raise LibraryError(
                    f"{where} 的单位“{unit}”不是工作方案为任务“{m.task}”或附件2为该指标列出的责任单位"
                )


@lru_cache(maxsize=8)
def _load(path: str) -> MeasureLibrary:
    try:
        with open(path, encoding="utf-8") as fh:
            raw = yaml.safe_load(fh)
    except OSError as e:
        raise LibraryError(f"无法读取措施库 {path}：{e.strerror}") from None
    except yaml.YAMLError as e:
        raise LibraryError(f"措施库 {path} 不是有效的 YAML：{e}") from None
    try:
        lib = MeasureLibrary.model_validate(raw)
    except ValidationError as e:
        first = e.errors()[0]
        loc = ".".join(str(x) for x in first["loc"])
        raise LibraryError(f"措施库 {path} 第 {loc} 项有误：{first['msg']}") from None
    _check(lib, load_catalog(), path)
    return lib


def load_measures(path: str | Path | None = None) -> MeasureLibrary:
    """Read and check a measures library (default: the bundled ``measures.yaml``). Cached per path."""
    return _load(str(Path(path) if path else DEFAULT_MEASURES))


def unknown_units(lib: MeasureLibrary, known: Iterable[str]) -> list[str]:
    """Units named by the library that are not among ``known`` (a region's units; 各乡镇 always allowed)."""
    names = {lib.canonical(u) for u in known} | {"各乡镇", SUPPLIER}
    used = {lib.canonical(u) for m in (*lib.measures, lib.data_missing) for u in (m.lead, *m.cooperating)}
    return sorted(used - names)
