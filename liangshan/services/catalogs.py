"""Indicator sets (指标体系) and which one each region is assessed by.

The bundled sets are the YAML files of :mod:`liangshan.catalog` (the base set of 附件2 and provincial
variants that extend it). Each region's set is a row of ``region_catalog`` (none: the base set);
:func:`catalog_for_region` is the one place that picks the catalog an assessment of a region uses, and
:func:`set_region_catalog` (office) changes it, audited. :func:`region_catalog` is the same choice for a
workspace: every region-specific view (entry list and page, saving and checking a value, the indicator
list and page, the Excel template) takes its catalog from it, so a variant's own 特色指标 and data elements
can be entered and shown for a region assigned that variant. :func:`known_item` tells whether a code
exists in any bundled set (a route's first 404 check, before the region is known).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from liangshan.catalog import BASE_SET, Catalog, CatalogSetError, catalog_sets, common_indicator_ids, load_set
from liangshan.services.checks import EntryError
from liangshan.services.permissions import Actor, check_office, check_region, resolve_item
from liangshan.services.workspace import Workspace
from liangshan.store.db import now
from liangshan.store.errors import NotFoundError
from liangshan.store.models import Region, RegionCatalog
from liangshan.store.submissions import audit


def set_summary(cat: Catalog) -> dict[str, Any]:
    """One set as ``catalog list`` shows it."""
    return {
        **cat.identity(),
        "source": cat.source,
        "extends": cat.extends,
        "indicators": len(cat.indicators),
        "note": cat.note,
    }


def list_sets() -> list[dict[str, Any]]:
    """Every bundled indicator set (the base set first)."""
    return [set_summary(c) for c in catalog_sets()]


def catalog_for_region(session: Session, region_code: str, default: Catalog | None = None) -> Catalog:
    """The indicator set ``region_code`` is assessed by. ``default`` (the workspace's catalog) is
    returned when it is that set, so a catalog given by the caller (e.g. a test's) is kept."""
    row = session.get(RegionCatalog, region_code)
    set_id = row.catalog_set if row is not None else BASE_SET
    if default is not None and default.framework == set_id:
        return default
    return load_set(set_id)


def region_catalog(ws: Workspace, region: str, session: Session | None = None) -> Catalog:
    """The catalog of the set ``region`` is assessed by (``ws.catalog`` when it is that set); reads the
    assignment in ``session`` when given, else in a read transaction of its own."""
    if session is not None:
        return catalog_for_region(session, region, ws.catalog)
    with ws.read() as s:
        return catalog_for_region(s, region, ws.catalog)


def known_item(item: str, default: Catalog) -> bool:
    """Whether ``item`` (a data element code or ``indicator:N``) exists in ``default`` or any bundled
    set; which set a region uses is checked later, against :func:`region_catalog`."""
    for cat in (default, *catalog_sets()):
        try:
            resolve_item(cat, item)
        except KeyError:
            continue
        return True
    return False


def set_region_catalog(ws: Workspace, actor: Actor, region: str, set_id: str) -> dict[str, Any]:
    """Assign the indicator set ``set_id`` to ``region`` (office of the region)."""
    check_office(actor, "设置地区的指标体系")
    check_region(actor, region)
    try:
        cat = load_set(set_id)
    except CatalogSetError as e:
        raise EntryError(str(e)) from None
    with ws.write() as s:
        reg = s.get(Region, region)
        if reg is None:
            raise NotFoundError(f"未知地区代码：{region}")
        row = s.get(RegionCatalog, region)
        before = row.catalog_set if row is not None else BASE_SET
        if row is None:
            s.add(RegionCatalog(region_code=region, catalog_set=cat.framework, updated_by=actor.username,
                                updated_at=now()))  # fmt: skip
        else:
            row.catalog_set, row.updated_by, row.updated_at = cat.framework, actor.username, now()
        audit(
            s, actor.username, "update", "region_catalog", region,
            before={"catalog_set": before}, after={"catalog_set": cat.framework},
        )  # fmt: skip
        name = reg.name
    return {"region": region, "region_name": name, "before": before, "catalog": set_summary(cat)}


def comparable_indicators(session: Session, region_codes: list[str]) -> dict[str, Any]:
    """What a roll-up over ``region_codes`` may compare: the indicator ids common to the regions'
    sets (:func:`liangshan.catalog.common_indicator_ids`), and per set the ids left out, with the
    regions using each set — for the roll-up to compare only the common ones and say which were not."""
    sets: dict[str, list[str]] = {}
    for code in region_codes:
        sets.setdefault(catalog_for_region(session, code).framework, []).append(code)
    cats = [load_set(s) for s in sets]
    common, left = common_indicator_ids(cats)
    return {
        "common": common,
        "left_out": {
            c.framework: {
                "name": c.title,
                "indicators": left.get(c.framework, []),
                "regions": sets[c.framework],
            }
            for c in cats
            if c.framework in left
        },
    }
