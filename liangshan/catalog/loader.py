"""Load indicator sets from YAML.

Each ``*.yaml`` in this folder is one indicator set: ``framework`` is its id, ``version`` and ``title``
its version and name. ``two_mountains.yaml`` is the base set (附件2's 20 indicators). A provincial
variant names its base in ``extends`` and lists what it adds under ``add`` (goals, categories, data
elements, indicators — e.g. a 特色指标) and, optionally, ``rule_bases`` entries that replace the
base's; everything else is the base's. Sets are read once per process (cached).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from liangshan.catalog.models import Catalog

CATALOG_DIR = Path(__file__).parent
DEFAULT_CATALOG = CATALOG_DIR / "two_mountains.yaml"
BASE_SET = "two_mountains"
_LISTS = ("goals", "categories", "data_elements", "indicators")


class CatalogSetError(ValueError):
    """An unknown indicator set, or a variant whose base cannot be found."""


def _read(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        raw = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml: 10× faster
    if not isinstance(raw, dict):
        raise CatalogSetError(f"指标体系文件 {Path(path).name} 不是有效的 YAML 映射")
    return raw


@lru_cache(maxsize=1)
def _set_files() -> dict[str, str]:
    """Set id → file of every bundled set."""
    out: dict[str, str] = {}
    for p in sorted(CATALOG_DIR.glob("*.yaml")):
        raw = _read(str(p))
        if "framework" in raw:
            out[str(raw["framework"])] = str(p)
    return out


def _resolve(raw: dict[str, Any], seen: tuple[str, ...] = ()) -> dict[str, Any]:
    base_id = raw.get("extends")
    if not base_id:
        return raw
    if base_id in seen:
        raise CatalogSetError(
            f"指标体系 {raw.get('framework')} 的继承关系成环：{' → '.join((*seen, base_id))}"
        )
    files = _set_files()
    if base_id not in files:
        raise CatalogSetError(f"指标体系 {raw.get('framework')} 继承的基础指标体系 {base_id} 不存在")
    base = _resolve(_read(files[base_id]), (*seen, str(raw.get("framework")), base_id))
    merged = {k: v for k, v in base.items() if k not in ("extends", "note")}
    for key in ("framework", "version", "title", "source", "note", "extends"):
        if key in raw:
            merged[key] = raw[key]
    merged["rule_bases"] = {**(base.get("rule_bases") or {}), **(raw.get("rule_bases") or {})}
    add = raw.get("add") or {}
    unknown = sorted(set(add) - set(_LISTS))
    if unknown:
        raise CatalogSetError(
            f"指标体系 {raw.get('framework')} 的 add 只能包含 {'、'.join(_LISTS)}，收到 {unknown}"
        )
    for key in _LISTS:
        merged[key] = list(base.get(key) or []) + list(add.get(key) or [])
    return merged


@lru_cache(maxsize=16)
def _load(path: str) -> Catalog:
    return Catalog.model_validate(_resolve(_read(path)))


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Read and validate a catalog file (default: the bundled 两山指数 catalog). Cached per path."""
    return _load(str(Path(path) if path else DEFAULT_CATALOG))


def catalog_sets() -> list[Catalog]:
    """Every bundled indicator set, the base set first."""
    files = _set_files()
    order = sorted(files, key=lambda k: (k != BASE_SET, k))
    return [_load(files[k]) for k in order]


def load_set(set_id: str | None) -> Catalog:
    """The bundled indicator set ``set_id`` (None or empty: the base set)."""
    files = _set_files()
    key = set_id or BASE_SET
    if key not in files:
        raise CatalogSetError(f"未知指标体系：{key}（已有：{'、'.join(files)}）")
    return _load(files[key])


def common_indicator_ids(catalogs: list[Catalog]) -> tuple[list[int], dict[str, list[int]]]:
    """The indicators a roll-up may compare across regions assessed by different sets.

    An indicator counts as common when every set has it with the same id, name and target rule (a
    variant that changed an indicator's rule would not be comparable). Returns the common ids (in
    the first set's order) and, per set id, the ids it has that were left out of the comparison.
    """
    if not catalogs:
        return [], {}

    def sig(c: Catalog) -> dict[int, tuple[str, str]]:
        return {i.id: (i.name, i.target.rule) for i in c.indicators}

    sigs = [sig(c) for c in catalogs]
    first = sigs[0]
    common = [i for i, s in first.items() if all(other.get(i) == s for other in sigs[1:])]
    left: dict[str, list[int]] = {}
    for c, s in zip(catalogs, sigs, strict=True):
        out = [i for i in s if i not in common]
        if out:
            left[c.framework] = out
    return common, left
