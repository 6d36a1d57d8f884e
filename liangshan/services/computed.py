"""Recording calculator output (``--to-indicator``, batch results) as new submission versions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from liangshan.catalog import Catalog, load_catalog
from liangshan.config import db_url as resolve_url
from liangshan.provenance import ComputedValues
from liangshan.store.db import session_scope
from liangshan.store.errors import StoreError
from liangshan.store.regions import get_region
from liangshan.store.service import ensure_db
from liangshan.store.submissions import latest, submit_value


def record_computed(
    results: Sequence[ComputedValues],
    *,
    region: str,
    db_url: str | None = None,
    user: str = "system",
    status: str = "submitted",
    at: datetime | None = None,
    catalog: Catalog | None = None,
) -> list[int]:
    """Record calculator output as new submission versions with provenance. All or nothing.

    An element whose newest version already holds the same value and provenance is left alone
    (re-running a calculator on the same file adds nothing). Unknown elements or region: error.
    """
    url = ensure_db(resolve_url(db_url))
    cat = catalog or load_catalog()
    for res in results:
        for code, value in res.values.items():
            el = cat.element(code) if code in {e.code for e in cat.data_elements} else None
            if el is None:
                raise StoreError(f"计算结果含未知数据元素：{code}")
            if value is None:
                raise StoreError(f"{res.year}年 {code} 无计算值，不能记录")
            if el.kind == "boolean" and not isinstance(value, bool):
                raise StoreError(f"{res.year}年 {code} 应为是/否")
    ids: list[int] = []
    with session_scope(url) as s:
        get_region(s, region)
        for res in results:
            prov = res.provenance.model_dump(mode="json")
            for code, value in res.values.items():
                prev = latest(s, region, code, res.year)
                if prev is not None and prev.value == value and prev.provenance == prov:
                    continue
                note = res.notes.get(code, "")
                sub = submit_value(
                    s,
                    region=region,
                    item=code,
                    year=res.year,
                    value=value,
                    user=user,
                    unit=cat.element(code).unit,
                    note=note,
                    provenance=prov,
                    status=status,
                    at=at,
                )
                ids.append(sub.id)
    return ids
