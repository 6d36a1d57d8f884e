"""Operations by database URL, used by the CLI and by calculators' ``--to-indicator``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from liangshan.assess import Assessment, assess
from liangshan.catalog import Catalog, load_catalog
from liangshan.config import db_url as resolve_url
from liangshan.provenance import ComputedValues
from liangshan.store.db import migrate, session_scope
from liangshan.store.errors import StoreError
from liangshan.store.regions import get_region, open_round, overrides, profile
from liangshan.store.submissions import approved_observations, latest, submit_value

_migrated: set[str] = set()


def ensure_db(url: str) -> str:
    """Migrate the database once per process; returns the URL."""
    if url not in _migrated:
        migrate(url)
        _migrated.add(url)
    return url


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


def parse_years(text: str | None, default: tuple[int, int]) -> list[int]:
    """``2023-2025`` → [2023, 2024, 2025]; ``2025`` → [2025]; None → the default span."""
    if not text:
        a, b = default
    else:
        parts = text.replace("—", "-").replace("–", "-").split("-")
        try:
            a, b = (int(parts[0]), int(parts[-1]))
        except ValueError:
            raise StoreError(f"年份格式应为 2023-2025 或 2025，收到：{text}") from None
    if a > b:
        raise StoreError(f"起始年份 {a} 晚于结束年份 {b}")
    return list(range(a, b + 1))


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
