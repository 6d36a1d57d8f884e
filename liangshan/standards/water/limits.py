"""Water-quality limit tables as data: GB 3838-2002 (surface water) and GB/T 14848-2017 (groundwater).

The tables are transcribed once, in ``data/*.csv`` beside this module, and loaded here into arrays
for vectorized classification:

- ``data/items.csv``: item codes, Chinese names, accepted aliases and the canonical unit of each item.
- ``data/gb3838_2002.csv``: GB 3838-2002 表1 (24 basic items; 总磷 with a river column and a
  lake/reservoir column), 表2 (5 supplementary items of drinking-water surface sources) and
  表3 (80 specific items), single limits for 表2/表3.
- ``data/gbt14848_2017.csv``: GB/T 14848-2017 表1 (39 常规指标) and 表2 (54 非常规指标).

Every limit is held in the canonical unit of its item (mg/L for concentrations; GB/T 14848 limits
printed in µg/L are converted exactly with :class:`decimal.Decimal`).

A class is represented by bounds: ``hi[k]`` is the class-(k+1) upper limit (+inf when none) and
``lo[k]`` its lower limit (−inf when none; 溶解氧 and pH have lower limits). A value belongs to the
first class whose bounds contain it, so equal adjacent limits classify to the better class
(GB 3838-2002 §4; GB/T 14848-2017 §5).

References
----------
GB 3838-2002《地表水环境质量标准》, effective 2002-06-01.
GB/T 14848-2017《地下水质量标准》, effective 2018-05-01.
环办〔2011〕22号《地表水环境质量评价办法（试行）》: the 21 evaluation items (:data:`EVALUATION_ITEMS_2011`).
"""

from __future__ import annotations

import csv
import itertools
import math
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

_DATA = resources.files("liangshan.standards.water") / "data"

CLASS_NAMES: dict[int, str] = {1: "Ⅰ", 2: "Ⅱ", 3: "Ⅲ", 4: "Ⅳ", 5: "Ⅴ", 6: "劣Ⅴ"}

#: 环办〔2011〕22号: 表1 items minus 水温, 总氮 and 粪大肠菌群 (item list UNVERIFIED).
EVALUATION_ITEMS_2011: tuple[str, ...] = (
    "ph", "do", "codmn", "cod", "bod5", "nh3n", "tp", "cu", "zn", "f", "se", "as", "hg", "cd", "cr6",
    "pb", "cn", "phenol", "petroleum", "las", "sulfide",
)  # fmt: skip

#: Accepted unit spellings (normalized: lower case, no spaces, µ/μ → u) → factor to the canonical unit.
UNIT_FACTORS: dict[str, dict[str, float]] = {
    "mg/L": {"mg/l": 1.0, "毫克/升": 1.0, "ug/l": 1e-3, "微克/升": 1e-3, "ng/l": 1e-6, "g/l": 1e3},
    "无量纲": {"无量纲": 1.0, "": 1.0, "-": 1.0, "ph": 1.0, "dimensionless": 1.0, "无": 1.0},
    "个/L": {
        "个/l": 1.0, "mpn/l": 1.0, "cfu/l": 1.0, "个/100ml": 10.0, "mpn/100ml": 10.0, "cfu/100ml": 10.0,
    },
    "MPN/100mL": {
        "mpn/100ml": 1.0, "cfu/100ml": 1.0, "个/100ml": 1.0, "mpn/l": 0.1, "个/l": 0.1, "cfu/l": 0.1,
    },
    "CFU/mL": {"cfu/ml": 1.0, "个/ml": 1.0},
    "度": {"度": 1.0, "铂钴色度单位": 1.0, "pcu": 1.0, "hazen": 1.0},
    "NTU": {"ntu": 1.0, "度": 1.0, "ftu": 1.0},
    "Bq/L": {"bq/l": 1.0},
    "mg/m3": {"mg/m3": 1.0, "mg/m³": 1.0, "ug/l": 1.0, "微克/升": 1.0, "mg/l": 1e3},
    "m": {"m": 1.0, "米": 1.0, "cm": 0.01, "厘米": 0.01},
    "°C": {"°c": 1.0, "℃": 1.0, "c": 1.0, "摄氏度": 1.0},
    "无": {"": 1.0, "无": 1.0, "-": 1.0},
}  # fmt: skip


def normalize_token(text: str) -> str:
    """Normalize an item name, alias or unit for lookup: NFKC, no spaces, lower case, µ/μ → u."""
    t = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return t.replace(" ", "").replace("μ", "u").replace("µ", "u")


@dataclass(frozen=True)
class Item:
    """A monitored item: code, Chinese name, accepted aliases, canonical unit."""

    code: str
    name: str
    unit: str
    aliases: tuple[str, ...] = ()


def _read_csv(name: str) -> list[dict[str, str]]:
    text = (_DATA / name).read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    return list(csv.DictReader(lines))


def _load_items() -> tuple[dict[str, Item], dict[str, str]]:
    items: dict[str, Item] = {}
    lookup: dict[str, str] = {}
    for r in _read_csv("items.csv"):
        aliases = tuple(a for a in r["aliases"].split("|") if a)
        item = Item(r["code"], r["name_zh"], r["unit"], aliases)
        items[item.code] = item
        for token in (item.code, item.name, *aliases):
            key = normalize_token(token)
            if lookup.get(key, item.code) != item.code:
                raise RuntimeError(f"ambiguous item alias {token!r}")
            lookup[key] = item.code
    return items, lookup


ITEMS, _LOOKUP = _load_items()


def item_code(name: str) -> str | None:
    """Item code for a code, Chinese name or alias (``"氨氮"``, ``"NH3-N"``, ``"nh3n"``), or None."""
    return _LOOKUP.get(normalize_token(name))


@dataclass(frozen=True)
class Standard:
    """One edition of a water-quality standard, as arrays for vectorized classification.

    ``keys`` are item codes (``"tp@lake"`` for the lake/reservoir column of 总磷); ``hi``/``lo`` have
    one row per key and one column per defined class (5 for GB 3838: I..V; 4 for GB/T 14848: I..IV).
    ``worst_class`` is the class of a value outside every defined class (6 = 劣Ⅴ, or 5 = Ⅴ).
    """

    edition: str
    title: str
    effective: date
    keys: tuple[str, ...]
    hi_rows: tuple[tuple[float, ...], ...]
    lo_rows: tuple[tuple[float, ...], ...]
    decimals: dict[str, int]
    tables: dict[str, str]
    single: dict[str, float] = field(default_factory=dict)
    not_detected_class1: frozenset[str] = frozenset()
    index: dict[str, int] = field(default_factory=dict)

    @cached_property
    def hi(self) -> np.ndarray:
        """Upper limits, (keys × classes) float64 (numpy imported on first use, not by the sections path)."""
        import numpy as np

        return np.array(self.hi_rows, dtype=np.float64).reshape(len(self.keys), self.n_classes)

    @cached_property
    def lo(self) -> np.ndarray:
        """Lower limits, (keys × classes) float64."""
        import numpy as np

        return np.array(self.lo_rows, dtype=np.float64).reshape(len(self.keys), self.n_classes)

    @property
    def n_classes(self) -> int:
        """Number of defined classes (columns of ``hi``/``lo``)."""
        return len(self.hi_rows[0]) if self.hi_rows else 0

    @property
    def worst_class(self) -> int:
        return self.n_classes + 1

    def class_name(self, cls: int) -> str:
        """Ⅰ…Ⅴ, and 劣Ⅴ for class 6 of GB 3838; "" for 0 (not classified)."""
        return CLASS_NAMES.get(int(cls), "")


def _dec_places(d: Decimal) -> int:
    exp = d.as_tuple().exponent
    return max(0, -exp) if isinstance(exp, int) else 0


def _parse_limit(cell: str, factor: Decimal) -> tuple[float, float, int]:
    """(lo, hi, decimals) of one table cell in the canonical unit."""
    cell = cell.strip()
    if cell == "inf":
        return -math.inf, math.inf, 0
    if cell == "ND":
        return -math.inf, 0.0, 0
    if "-" in cell:
        a, b = (Decimal(x) * factor for x in cell.split("-"))
        return float(a), float(b), max(_dec_places(a), _dec_places(b))
    v = Decimal(cell) * factor
    return -math.inf, float(v), _dec_places(v)


def _load_standard(filename: str, edition: str, title: str, effective: date, n: int) -> Standard:
    classes = ("I", "II", "III", "IV", "V")[:n]
    keys: list[str] = []
    his: list[list[float]] = []
    los: list[list[float]] = []
    decimals: dict[str, int] = {}
    tables: dict[str, str] = {}
    single: dict[str, float] = {}
    nd: set[str] = set()
    for r in _read_csv(filename):
        code = r["code"]
        if code not in ITEMS:
            raise RuntimeError(f"{filename}: item {code!r} missing from items.csv")
        key = f"{code}@lake" if r.get("variant") == "lake" else code
        unit = r.get("unit") or ITEMS[code].unit
        factor = Decimal("0.001") if unit == "µg/L" else Decimal(1)
        tables[key] = r["table"]
        if r["direction"] == "none":
            continue
        if r["direction"] == "single":
            _, hi_, dp = _parse_limit(r["I"], factor)
            single[key] = hi_
            decimals[key] = int(r["decimals"]) if r["decimals"] else dp + 1
            continue
        bounds = [_parse_limit(r[c], factor) for c in classes]
        if r["direction"] == "ge":  # higher is better: the cell is a lower bound
            los.append([b[1] for b in bounds])
            his.append([math.inf] * n)
        else:
            los.append([b[0] for b in bounds])
            his.append([b[1] for b in bounds])
        if any(c.strip() == "ND" for c in (r[c] for c in classes)):
            nd.add(key)
        keys.append(key)
        decimals[key] = int(r["decimals"]) if r["decimals"] else max(b[2] for b in bounds) + 1
    narrows = any(b < a for row in his for a, b in itertools.pairwise(row)) or any(
        b > a for row in los for a, b in itertools.pairwise(row)
    )
    if narrows:
        raise RuntimeError(f"{filename}: class limits must widen from class I to the last class")
    return Standard(
        edition=edition,
        title=title,
        effective=effective,
        keys=tuple(keys),
        hi_rows=tuple(tuple(row) for row in his),
        lo_rows=tuple(tuple(row) for row in los),
        decimals=decimals,
        tables=tables,
        single=single,
        not_detected_class1=frozenset(nd),
        index={k: i for i, k in enumerate(keys)},
    )


GB3838_2002 = _load_standard(
    "gb3838_2002.csv", "GB3838-2002", "GB 3838-2002《地表水环境质量标准》", date(2002, 6, 1), 5
)
GBT14848_2017 = _load_standard(
    "gbt14848_2017.csv", "GB/T14848-2017", "GB/T 14848-2017《地下水质量标准》", date(2018, 5, 1), 4
)

#: Editions by name. Add a new edition as a new CSV and a new entry here; never edit a transcribed table.
STANDARDS: dict[str, Standard] = {s.edition: s for s in (GB3838_2002, GBT14848_2017)}

#: Table-2 (supplementary) and table-3 (specific) single limits of GB 3838-2002 for drinking-water sources.
TABLE2_ITEMS: tuple[str, ...] = tuple(k for k, t in GB3838_2002.tables.items() if t == "2")
TABLE3_ITEMS: tuple[str, ...] = tuple(k for k, t in GB3838_2002.tables.items() if t == "3")


def surface_key(item: str, site_type: str) -> str:
    """Limit key of ``item`` for a water body: 总磷 of lakes and reservoirs uses the 湖、库 column."""
    return f"{item}@lake" if item == "tp" and site_type in ("lake", "reservoir") else item
