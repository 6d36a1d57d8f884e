"""Assessing a region: its approved values for the years asked, the catalog and the region's profile.

The one place that loads approved values and calls :func:`liangshan.assess.assess`; the CLI, the
dashboard, the work plan pages, the report and the roll-ups call it.
"""

from __future__ import annotations

from liangshan.assess import Assessment, assess
from liangshan.catalog import load_catalog
from liangshan.store.db import session_scope
from liangshan.store.regions import get_region, open_round, overrides, profile
from liangshan.store.service import ensure_db, parse_years
from liangshan.store.submissions import approved_observations


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
        region = get_region(s, region_code)
        if years:
            ys = parse_years(years, (0, 0))
        else:
            rnd = open_round(s, region_code, round_id)
            ys = list(range(rnd.start_year, rnd.end_year + 1))
        obs = approved_observations(s, region_code, ys, include_pending=include_pending)
        return assess(load_catalog(), profile(region), ys, obs, overrides(s, region_code), weights)
