"""Roll-ups as the faces ask for them: the counties' indicator sets decide what is compared.

:func:`rollup_view` is the one place that turns a region and a window into a
:class:`~liangshan.assess.rollup.Rollup` (``liangshan rollup show/rank`` and the page ``/regions``).
When every county below the region is assessed by one indicator set (``region_catalog``), the
roll-up uses that set; when they use several (a provincial variant with a 特色指标 beside the base
set of 附件2), only the indicators common to all of them are compared
(:func:`liangshan.services.catalogs.comparable_indicators`), each county is judged by its own set,
and the result says which indicators were left out and why (issue 18 item 5).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from liangshan.assess.rollup import RegionTree, Rollup, comparison_of, restrict
from liangshan.catalog import load_set
from liangshan.catalog.models import Catalog
from liangshan.store.rollup_queries import county_sets, region_tree, rollup_of


def rollup_view(
    session: Session,
    catalog: Catalog,
    root: str,
    years: Sequence[int],
    include_pending: bool = False,
    tree: RegionTree | None = None,
) -> Rollup:
    """The roll-up of ``root`` over ``years``: ``catalog`` (the workspace's) is used for the counties
    assessed by its set; counties assigned another set are judged by that set, and with several
    sets only the common indicators are compared (the roll-up's ``comparison`` says so)."""
    tree = tree if tree is not None else region_tree(session, root)
    sets = county_sets(session, root, tree)
    used = sorted(set(sets.values()))
    if not used or used == [catalog.framework]:
        return rollup_of(session, catalog, root, years, include_pending, tree)
    cats = {k: catalog if k == catalog.framework else load_set(k) for k in used}
    if len(used) == 1:
        return rollup_of(session, cats[used[0]], root, years, include_pending, tree)
    from liangshan.services.catalogs import comparable_indicators  # only when the sets differ

    comp = comparable_indicators(session, list(sets))
    common = [int(i) for i in comp["common"]]
    left = {k: [int(i) for i in v["indicators"]] for k, v in comp["left_out"].items()}
    view_set = catalog.framework if catalog.framework in cats else used[0]
    view = restrict(cats[view_set], common)
    restricted = {k: restrict(c, common) for k, c in cats.items()}
    own = {c: restricted[k] for c, k in sets.items() if k != view_set}
    comparison = comparison_of(cats, sets, common, left)
    return rollup_of(session, view, root, years, include_pending, tree, comparison, own)
