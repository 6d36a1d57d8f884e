"""Assessing a region and the completeness of its units' data: one implementation for every face.

:func:`assess_region` is the one place that loads approved values and calls
:func:`liangshan.assess.assess`; the CLI, the dashboard, the work plan pages and the report call it.
The official result uses approved values only — the newest *approved* version of an item-year stands
even while a newer version waits for review (:func:`liangshan.store.submissions.approved_observations`).

:func:`unit_completeness` is the one implementation of 各责任单位数据报送完整性 (the work plan's
四（三） "落实“两山指数”指标评估": each unit reports its data elements for every year of the round):
per unit the expected element-years, how many are submitted, approved, returned, drafts, missing,
overdue against the round's deadline, and which approved values are in force. The dashboard, the
round screen (评估批次管理), ``/api/completeness`` and the report's completeness table all read it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liangshan.assess import Assessment, assess
from liangshan.catalog import Catalog, load_catalog
from liangshan.catalog.models import DataElement
from liangshan.services.catalogs import catalog_for_region
from liangshan.services.contributions import CONTRIBUTED, CONTRIBUTED_LABEL, contributed_keys, status_for_unit
from liangshan.services.permissions import STATUS_LABELS
from liangshan.services.queries import (
    SUBMITTED,
    current_round,
    is_overdue,
    latest_map,
    round_dict,
    round_years,
    unit_elements,
)
from liangshan.services.titles import register_observations
from liangshan.store.db import session_scope
from liangshan.store.models import AssessmentRound, Submission, Unit
from liangshan.store.regions import get_region, open_round, overrides, profile
from liangshan.store.service import ensure_db, parse_years
from liangshan.store.submissions import approved_observations

COUNTS = ("expected", "submitted", "approved", "returned", "draft", "missing", "overdue")
PENDING = ("submitted", "reopened", "draft")  # entered but not (yet) approved
NO_UNIT = "未指定单位"


def assess_region(
    session: Session,
    catalog: Catalog,
    region_code: str,
    years: Sequence[int],
    *,
    include_pending: bool = False,
    weights: dict[int, float] | None = None,
) -> Assessment:
    """Assess ``region_code`` over ``years`` from its approved values (with ``include_pending``, the
    newest submitted version where none is approved: a preview, never the official result)."""
    region = get_region(session, region_code)
    obs = approved_observations(session, region_code, years, include_pending=include_pending)
    obs.update(register_observations(session, region_code, years))  # 称号登记簿 → indicator 16
    cat = catalog_for_region(session, region_code, catalog)  # the region's indicator set
    return assess(cat, profile(region), list(years), obs, overrides(session, region_code), weights)


def run_assessment(
    url: str,
    region_code: str,
    years: str | None = None,
    round_id: int | None = None,
    include_pending: bool = False,
    weights: dict[int, float] | None = None,
) -> Assessment:
    """Assess a region from its approved values (the round's years unless ``years`` is given)."""
    ensure_db(url)
    with session_scope(url) as s:
        get_region(s, region_code)
        if years:
            ys = parse_years(years, (0, 0))
        else:
            rnd = open_round(s, region_code, round_id)
            ys = list(range(rnd.start_year, rnd.end_year + 1))
        return assess_region(
            s, load_catalog(), region_code, ys, include_pending=include_pending, weights=weights
        )


# ---- completeness ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ItemYear:
    """One element-year of a unit: the newest version's status, and whether an approved value stands."""

    year: int
    status: str | None  # the newest version's status (None: nothing entered)
    version: int  # the newest version (0: nothing entered)
    overdue: bool  # not submitted and the round's deadline has passed
    in_force: bool  # an approved version stands (the value the official assessment uses)

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "status": self.status,
            "status_label": CONTRIBUTED_LABEL
            if self.status == CONTRIBUTED
            else STATUS_LABELS.get(self.status, str(self.status)),
            "version": self.version,
            "overdue": self.overdue,
        }


@dataclass(frozen=True)
class ItemProgress:
    code: str
    name: str
    years: tuple[ItemYear, ...]


@dataclass(frozen=True)
class UnitProgress:
    """A unit's element-years of the round and their counts (a unit not in the store has no id)."""

    unit_id: int | None
    unit: str
    due: str | None  # the round's deadline (one deadline per round for every unit)
    items: tuple[ItemProgress, ...]

    def cells(self) -> list[tuple[ItemProgress, ItemYear]]:
        return [(i, c) for i in self.items for c in i.years]

    def counts(self) -> dict[str, int]:
        c = dict.fromkeys(COUNTS, 0)
        for _, cell in self.cells():
            st = cell.status
            c["expected"] += 1
            c["submitted"] += st in SUBMITTED or st == CONTRIBUTED
            c["approved"] += st == "approved"
            c["returned"] += st == "returned"
            c["draft"] += st == "draft"
            c["missing"] += st is None
            c["overdue"] += cell.overdue
        return c

    @property
    def in_force(self) -> int:
        """Element-years with an approved value in force."""
        return sum(c.in_force for _, c in self.cells())

    @property
    def pending(self) -> int:
        """Element-years entered but without an approved value in force (draft, submitted, reopened)."""
        return sum(not c.in_force and c.status in PENDING for _, c in self.cells())

    def to_dict(self, items: bool = False) -> dict[str, Any]:
        c = self.counts()
        pct = round(100 * c["approved"] / c["expected"], 1) if c["expected"] else 0.0
        row: dict[str, Any] = {"unit_id": self.unit_id, "unit": self.unit, "due": self.due, **c}
        row["approved_pct"] = pct
        if items:
            row["items"] = [
                {"code": i.code, "name": i.name, "years": [y.to_dict() for y in i.years]} for i in self.items
            ]
        return row


@dataclass(frozen=True)
class Completeness:
    """Completeness of every unit of a region for a round's years (see :func:`unit_completeness`)."""

    region: str
    round: dict[str, Any] | None
    years: tuple[int, ...]
    units: tuple[UnitProgress, ...]

    def totals(self) -> dict[str, int]:
        rows = [u.counts() for u in self.units]
        return {k: sum(r[k] for r in rows) for k in COUNTS}

    def to_dict(self, items: bool = False) -> dict[str, Any]:
        return {"round": self.round, "units": [u.to_dict(items) for u in self.units]}


def _approved_keys(session: Session, region: str, years: Sequence[int]) -> set[tuple[str, int]]:
    """Item-years with an approved version (the keys of ``approved_observations`` without pending)."""
    q = select(Submission.item_code, Submission.year).where(
        Submission.region_code == region, Submission.year.in_(list(years)), Submission.status == "approved"
    )
    return {(i, y) for i, y in session.execute(q.distinct()).all()}


def _lead_units(
    session: Session, catalog: Catalog, region: str, aliases: Mapping[str, str]
) -> list[tuple[int | None, str, list[DataElement]]]:
    """Each element under its lead unit (the accountable unit, ``DataElement.lead``), resolved to the
    region's unit by name or alias; a supplier the region has no unit for is listed by its name,
    after the units."""
    units = list(session.scalars(select(Unit).where(Unit.region_code == region).order_by(Unit.sort, Unit.id)))
    by_name: dict[str, Unit] = {}
    for u in units:
        for n in (*(u.aliases or []), u.name):
            by_name[n] = u
    known: dict[int, list[DataElement]] = {}
    loose: dict[str, list[DataElement]] = {}
    for e in catalog.data_elements:
        first = e.lead or NO_UNIT
        name = aliases.get(first, first)
        unit = by_name.get(name) or by_name.get(first)
        if unit is not None:
            known.setdefault(unit.id, []).append(e)
        else:
            loose.setdefault(name, []).append(e)
    out: list[tuple[int | None, str, list[DataElement]]] = [
        (u.id, u.name, known[u.id]) for u in units if u.id in known
    ]
    out += [(None, n, loose[n]) for n in sorted(loose)]
    return out


def unit_completeness(
    session: Session,
    catalog: Catalog,
    region: str,
    rnd: AssessmentRound | None = None,
    *,
    years: Sequence[int] | None = None,
    today: date | None = None,
    latest: Mapping[tuple[str, int], Submission] | None = None,
    approved: Collection[tuple[str, int]] | None = None,
    lead_only: bool = False,
    aliases: Mapping[str, str] | None = None,
) -> Completeness:
    """Per unit of ``region``: its expected element-years (the catalog's responsibility table × the
    years), the newest version's status of each, whether an approved value is in force, and overdue.

    A shared element (several suppliers) counts for its lead unit with the value's status; for a
    cooperating unit it is done once the unit has contributed its part (status ``contributed``,
    counted as submitted) or the value is approved
    (:func:`liangshan.services.contributions.status_for_unit`).

    Parameters
    ----------
    rnd : AssessmentRound, optional
        The round (its years and deadline); default the region's current round
        (:func:`liangshan.services.queries.current_round`) unless ``years`` is given.
    years : sequence of int, optional
        The years (default the round's); a report over other years passes them with no round.
    today : date, optional
        The day overdue is judged on (default today).
    latest, approved : optional
        Already read: the newest version of every item-year, the item-years with an approved version.
    lead_only : bool
        Count each element once, under its lead unit (the report's table, whose totals add up
        to the catalog); by default every supplying unit counts it (each unit's own work list).
    aliases : mapping, optional
        Other spellings of unit names (``{alias: name}``) besides the units' own aliases.
    """
    if rnd is None and years is None:
        rnd = current_round(session, region)
    ys = list(years) if years is not None else round_years(rnd)
    if latest is None:
        latest = latest_map(session, region, ys)
    keys = set(approved) if approved is not None else _approved_keys(session, region, ys)
    groups: list[tuple[int | None, str, list[DataElement]]]
    names: dict[int | None, set[str]] = {}
    if lead_only:
        groups = _lead_units(session, catalog, region, aliases or {})
    else:
        pairs = unit_elements(session, catalog, region)
        groups = [(u.id, u.name, els) for u, els in pairs]
        names = {u.id: {u.name, *(u.aliases or [])} for u, _ in pairs}
    done = contributed_keys(session, region, ys) if names else set()
    due = rnd.deadline if rnd is not None else None
    units = []
    for unit_id, name, els in groups:
        items = []
        for e in els:
            cells = []
            for y in ys:
                sub = latest.get((e.code, y))
                st = sub.status if sub else None
                if unit_id in names:
                    st = status_for_unit(e, names[unit_id], st, (e.code, y, unit_id) in done)
                late = False if st == CONTRIBUTED else is_overdue(rnd, st, today)
                cells.append(ItemYear(y, st, sub.version if sub else 0, late, (e.code, y) in keys))
            items.append(ItemProgress(e.code, e.name, tuple(cells)))
        units.append(UnitProgress(unit_id, name, due, tuple(items)))
    return Completeness(region, round_dict(rnd), tuple(ys), tuple(units))
