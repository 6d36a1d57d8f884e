"""Assessing a region: its approved values for the years asked, the catalog and the region's profile.

The one place that loads approved values and calls :func:`liangshan.assess.assess`; the CLI, the
dashboard, the work plan pages, the report and the roll-ups call it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from liangshan.assess import Assessment, assess
from liangshan.catalog import Catalog, load_catalog
from liangshan.store.db import session_scope
from liangshan.store.regions import get_region, open_round, overrides, profile
from liangshan.store.service import ensure_db, parse_years
from liangshan.store.submissions import approved_observations


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
    return assess(catalog, profile(region), list(years), obs, overrides(session, region_code), weights)


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
