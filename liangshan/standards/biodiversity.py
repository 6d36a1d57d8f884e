"""物种丰富度 (indicator 8, target 稳定提高) and the HJ 623-2011 biodiversity index.

References
----------
- HJ 623-2011《区域生物多样性评价标准》(环境保护部). The component list, weights and level bounds below are
  as recalled in HJ 623-2011 and are **UNVERIFIED** against the official text: they are kept as data
  (:data:`HJ623_2011`) and every function takes them as a parameter.
- HJ 710.x 生物多样性观测技术导则 (survey methods; numbering UNVERIFIED).

Indicator 8 metric (HJ 623-2011 default): the total number of wild species recorded in the county — wild
vascular plants + mammals, birds, reptiles, amphibians, freshwater fish and butterflies — kept per
taxon, per survey year, with the survey source and the survey effort.

Comparison between years is like-for-like:

- a drop caused only by **taxonomic revision** (species lumped or moved, recorded per taxon-year as a
  signed ``revision_adjustment`` = change in the count due to revision alone, with a note) is flagged
  ``revision_only_drop`` and is not a decline;
- the **comparable richness** chains all years to the first year's taxonomy:
  ``comparable_t = recorded_t − Σ_{s ≤ t} revision_adjustment_s``;
- survey effort differing by more than ``effort_tolerance`` (default 20 %, UNVERIFIED choice) or recorded
  in a different unit, and taxa surveyed in one year but not the other, are flagged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import polars as pl

from liangshan.standards.errors import InputError
from liangshan.standards.tabular import TableError, field_label, read_fields

__all__ = [
    "HJ623_2011",
    "REQUIRED_COLUMNS",
    "TAXA",
    "BiodiversityIndexResult",
    "SpeciesInputError",
    "YearRichness",
    "biodiversity_index",
    "normalise",
    "read_species_csv",
    "species_richness",
    "validate_species_table",
]

#: Taxon code → (Chinese name, accepted aliases). HJ 623-2011 / HJ 623-2011 default metric.
TAXA: dict[str, tuple[str, tuple[str, ...]]] = {
    "vascular_plant": ("野生维管束植物", ("维管束植物", "维管植物", "植物", "plant", "plants")),
    "mammal": ("哺乳类", ("哺乳动物", "兽类", "mammals")),
    "bird": ("鸟类", ("鸟", "birds")),
    "reptile": ("爬行类", ("爬行动物", "reptiles")),
    "amphibian": ("两栖类", ("两栖动物", "amphibians")),
    "freshwater_fish": ("淡水鱼类", ("鱼类", "fish")),
    "butterfly": ("蝴蝶", ("蝶类", "butterflies")),
}

#: HJ 623-2011 biodiversity index: weights of the normalised components (0–100) and the levels.
#: UNVERIFIED (HJ 623-2011, from memory of the standard); ``invert`` means the term is (100 − x).
HJ623_2011: dict[str, Any] = {
    "edition": "HJ 623-2011",
    "effective": "2011-09-01 (UNVERIFIED)",
    "components": {
        "vascular_plant_richness": {"name": "野生维管束植物丰富度", "weight": 0.20, "invert": False},
        "wild_animal_richness": {"name": "野生动物丰富度", "weight": 0.20, "invert": False},
        "ecosystem_type_diversity": {"name": "生态系统类型多样性", "weight": 0.20, "invert": False},
        "species_endemism": {"name": "物种特有性", "weight": 0.20, "invert": False},
        "threatened_species_richness": {"name": "受威胁物种的丰富度", "weight": 0.10, "invert": False},
        "alien_invasion_degree": {"name": "外来物种入侵度", "weight": 0.10, "invert": True},
    },
    # (lower bound inclusive, level), checked top-down: ≥60 高, [30,60) 中, [20,30) 一般, <20 低
    "levels": ((60.0, "高"), (30.0, "中"), (20.0, "一般"), (float("-inf"), "低")),
}

REQUIRED_COLUMNS = ("year", "taxon", "count")
OPTIONAL_COLUMNS = ("source", "effort", "effort_unit", "revision_adjustment", "revision_note")

_ALIASES: dict[str, str] = {}
for _code, (_zh, _al) in TAXA.items():
    for _name in (_code, _zh, *_al):
        _ALIASES[_name.lower()] = _code


class SpeciesInputError(InputError):
    """Bad species input (see :class:`~liangshan.standards.errors.InputError`)."""


# ------------------------------------------------------------------------------------------- HJ 623 BI


def normalise(value: float, reference_max: float, *, cap: bool = True) -> float:
    """HJ 623-2011 normalisation ``value × 100 / A_max``.

    Parameters
    ----------
    value : float
        The region's raw value (e.g. number of wild vascular plant species).
    reference_max : float
        A_max, the national reference maximum for that component (supply it from the standard;
        no default because the values are UNVERIFIED).
    cap : bool
        Cap the result at 100 (choice: a value above the reference maximum is treated as 100).

    Returns
    -------
    float
        Normalised value, 0–100 when capped.
    """
    if reference_max <= 0:
        raise ValueError(f"A_max 必须大于 0，得到 {reference_max}")
    if value < 0:
        raise ValueError(f"数值不能为负，得到 {value}")
    x = value * 100.0 / reference_max
    return min(x, 100.0) if cap else x


@dataclass(frozen=True)
class BiodiversityIndexResult:
    """HJ 623 biodiversity index: ``bi`` (0–100), ``level`` (高/中/一般/低), weighted terms, standard."""

    bi: float
    level: str
    terms: dict[str, float]
    standard: str


def biodiversity_index(
    normalised: Mapping[str, float], *, table: Mapping[str, Any] = HJ623_2011
) -> BiodiversityIndexResult:
    """Biodiversity index ``BI = Σ w_i · x_i`` (alien invasion as ``100 − x``) and its level.

    Parameters
    ----------
    normalised : mapping of str to float
        Normalised components, each 0–100 (see :func:`normalise`): ``vascular_plant_richness``,
        ``wild_animal_richness``, ``ecosystem_type_diversity``, ``species_endemism``,
        ``threatened_species_richness``, ``alien_invasion_degree``.
    table : mapping
        Weights and levels; default :data:`HJ623_2011` (UNVERIFIED).

    Returns
    -------
    BiodiversityIndexResult

    Raises
    ------
    SpeciesInputError
        A component missing, unknown, or outside 0–100.
    """
    comps: Mapping[str, Any] = table["components"]
    missing = [k for k in comps if k not in normalised]
    if missing:
        raise SpeciesInputError(
            "缺少生物多样性指数分项："
            + "、".join(f"{k}（{comps[k]['name']}）" for k in missing)
            + "（不以 0 代替）"
        )
    unknown = [k for k in normalised if k not in comps]
    if unknown:
        raise SpeciesInputError(f"未知的分项：{', '.join(unknown)}")
    terms: dict[str, float] = {}
    for key, spec in comps.items():
        x = float(normalised[key])
        if not 0.0 <= x <= 100.0:
            raise SpeciesInputError(f"分项 {key}（{spec['name']}）应为 0–100 的归一化值，得到 {x:g}")
        terms[key] = float(spec["weight"]) * ((100.0 - x) if spec["invert"] else x)
    bi = sum(terms.values())
    level = next(lab for lo, lab in table["levels"] if bi >= lo)
    return BiodiversityIndexResult(bi=bi, level=level, terms=terms, standard=str(table["edition"]))


# --------------------------------------------------------------------------------------- species table


def _err_row(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0]) + 2


def validate_species_table(
    df: pl.DataFrame, *, file: str | None = None, headers: Mapping[str, str] | None = None
) -> pl.DataFrame:
    """Check and normalise a species table given as text columns.

    Parameters
    ----------
    df : polars.DataFrame
        Columns ``year``, ``taxon`` (code or Chinese name, see :data:`TAXA`), ``count`` (species, 种);
        optional ``source``, ``effort`` (number, e.g. 样线 km or 人·天), ``effort_unit``,
        ``revision_adjustment`` (signed species change due to taxonomic revision only; 0 if empty),
        ``revision_note``. Values may be strings (as read from CSV) or numbers.
    file : str, optional
        File name for error messages.
    headers : mapping, optional
        Field → the file's own header cell (年份, 类群 …): messages name the header the user wrote.
        A field without one is named by its own name when the frame has that column, else by its
        Chinese header of the ``species`` schema of ``tabular_headers.yaml``.

    Returns
    -------
    polars.DataFrame
        Typed columns: year Int64, taxon (code), count Int64, source, effort Float64 (null if not
        recorded), effort_unit, revision_adjustment Int64, revision_note.

    Raises
    ------
    SpeciesInputError
        Missing column, unknown taxon, non-integer or negative count, duplicate year × taxon, or a
        revision adjustment larger than the count would allow — naming the row and column.
    """
    df = df.rename({c: c.strip().lstrip("\ufeff") for c in df.columns})
    shown = dict(headers or {})

    def head(col: str) -> str:
        return shown.get(col) or (col if col in df.columns else field_label("species", col, file_headers))

    file_headers = list(shown.values()) or df.columns
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        need = "、".join(head(c) for c in REQUIRED_COLUMNS)
        raise SpeciesInputError(f"缺少列 {'、'.join(head(c) for c in missing)}（必需列：{need}）", file=file)
    if df.height == 0:
        raise SpeciesInputError("没有数据行", file=file)
    text = df.select([pl.col(c).cast(pl.String).str.strip_chars() for c in df.columns])

    def integer(col: str, *, allow_empty: bool = False, nonneg: bool = True) -> pl.Series:
        raw = text[col]
        if allow_empty:
            raw = raw.fill_null("").replace("", "0")
        num = raw.cast(pl.Float64, strict=False)
        arr = num.to_numpy()
        bad = num.is_null().to_numpy() | ~np.isfinite(np.nan_to_num(arr, nan=np.inf)) | (arr != np.round(arr))
        if bad.any():
            i = _err_row(bad)
            raise SpeciesInputError(f"应为整数，得到 {raw[i - 2]!r}", file=file, row=i, column=head(col))
        if nonneg and (arr < 0).any():
            i = _err_row(arr < 0)
            raise SpeciesInputError(f"不能为负数，得到 {arr[i - 2]:g}", file=file, row=i, column=head(col))
        return num.cast(pl.Int64)

    year = integer("year")
    count = integer("count")
    taxon_raw = text["taxon"].fill_null("")
    taxon = taxon_raw.str.to_lowercase().replace_strict(_ALIASES, default=None, return_dtype=pl.String)
    bad_taxon = taxon.is_null().to_numpy()
    if bad_taxon.any():
        i = _err_row(bad_taxon)
        known = "、".join(f"{k}/{v[0]}" for k, v in TAXA.items())
        raise SpeciesInputError(
            f"未知类群 {taxon_raw[i - 2]!r}（可用：{known}）", file=file, row=i, column=head("taxon")
        )
    n = df.height
    if "revision_adjustment" in text.columns:
        adj = integer("revision_adjustment", allow_empty=True, nonneg=False)
    else:
        adj = pl.Series("revision_adjustment", np.zeros(n, dtype=np.int64))
    if "effort" in text.columns:
        eraw = text["effort"]
        eff = eraw.cast(pl.Float64, strict=False)
        given = eraw.is_not_null() & (eraw != "")
        bad = (given & (eff.is_null() | (eff <= 0).fill_null(True))).to_numpy()
        if bad.any():
            i = _err_row(bad)
            raise SpeciesInputError(
                f"调查强度应为正数，得到 {eraw[i - 2]!r}", file=file, row=i, column=head("effort")
            )
    else:
        eff = pl.Series("effort", [None] * n, dtype=pl.Float64)

    def opt_text(col: str) -> pl.Series:
        if col in text.columns:
            return text[col].fill_null("")
        return pl.Series(col, [""] * n, dtype=pl.String)

    out = pl.DataFrame(
        {
            "year": year,
            "taxon": taxon,
            "count": count,
            "source": opt_text("source"),
            "effort": eff,
            "effort_unit": opt_text("effort_unit"),
            "revision_adjustment": adj,
            "revision_note": opt_text("revision_note"),
        }
    )
    dup = (~out.select(pl.struct("year", "taxon").is_first_distinct()).to_series()).to_numpy()
    if dup.any():
        i = _err_row(dup)
        raise SpeciesInputError(
            f"{out['year'][i - 2]} 年 {TAXA[out['taxon'][i - 2]][0]} 重复",
            file=file,
            row=i,
            column=head("taxon"),
        )
    no_note = ((out["revision_adjustment"] != 0) & (out["revision_note"] == "")).to_numpy()
    if no_note.any():
        i = _err_row(no_note)
        raise SpeciesInputError(
            f"有{head('revision_adjustment')}时须填写{head('revision_note')}（修订依据，如名录版本）",
            file=file,
            row=i,
            column=head("revision_note"),
        )
    return out


def read_species_csv(path: str | Path) -> pl.DataFrame:
    """Read a species survey CSV (columns as in :func:`validate_species_table`).

    Parameters
    ----------
    path : str or Path
        CSV (UTF-8 or GB18030, detected) or .xlsx, one row per survey year × taxon; Chinese headers
        (年份, 类群, 物种数, 来源, 调查强度 …) per the ``species`` synonyms of ``tabular_headers.yaml``.

    Returns
    -------
    polars.DataFrame
        The validated table.
    """
    p = Path(path)
    try:
        table = read_fields(p, "species", name=str(p))
    except TableError as exc:
        raise SpeciesInputError(exc.reason, file=exc.file, row=exc.row, column=exc.column) from None
    headers = {c: table.header_of(c) for c in table.columns}  # messages name the file's own header
    return validate_species_table(table.frame, file=str(p), headers=headers)


@dataclass(frozen=True)
class YearRichness:
    """Richness of one survey year and its comparison with the previous survey year.

    Attributes
    ----------
    year : int
    recorded : int
        Total species recorded (种), all taxa.
    comparable : int
        Recorded total expressed in the first year's taxonomy (revision adjustments removed).
    by_taxon : dict
        Recorded species per taxon code.
    sources : list of str
        Survey sources of the year.
    previous_year : int or None
    change : int or None
        ``recorded − previous recorded``.
    revision_adjustment : int
        Σ revision adjustments of the year (species, signed).
    change_excluding_revision : int or None
        ``change − revision_adjustment`` (= change of the comparable richness when taxa match).
    declined : bool
        True when the change excluding revision is negative (a real decline).
    revision_only_drop : bool
        Recorded total fell but would not have fallen without the revision — flagged, not a decline.
    unequal_effort : list of str
        Taxa whose survey effort differs from the previous year beyond the tolerance, in another unit,
        or is not recorded in one of the two years.
    missing_taxa : list of str
        Taxa surveyed in only one of the two years.
    flags : list of str
        Chinese messages for the report.
    """

    year: int
    recorded: int
    comparable: int
    by_taxon: dict[str, int]
    sources: list[str]
    previous_year: int | None = None
    change: int | None = None
    revision_adjustment: int = 0
    change_excluding_revision: int | None = None
    declined: bool = False
    revision_only_drop: bool = False
    unequal_effort: list[str] = field(default_factory=list)
    missing_taxa: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    def value(self, basis: Literal["comparable", "recorded"] = "comparable") -> int:
        """The richness reported for indicator 8 on the given basis."""
        return self.comparable if basis == "comparable" else self.recorded


def species_richness(table: pl.DataFrame, *, effort_tolerance: float = 0.2) -> list[YearRichness]:
    """Richness per survey year with the year-on-year comparison and its flags.

    Parameters
    ----------
    table : polars.DataFrame
        Validated table (:func:`validate_species_table` / :func:`read_species_csv`).
    effort_tolerance : float
        Relative difference of survey effort (per taxon, vs the previous survey year) above which the
        effort is flagged unequal (0.2 = 20 %, UNVERIFIED choice).

    Returns
    -------
    list of YearRichness
        Sorted by year.
    """
    if effort_tolerance < 0:
        raise ValueError("effort_tolerance 不能为负")
    years = sorted(set(table["year"].to_list()))
    totals = table.group_by("year").agg(
        pl.col("count").sum().alias("recorded"),
        pl.col("revision_adjustment").sum().alias("adj"),
    )
    totals = totals.sort("year").with_columns(pl.col("adj").cum_sum().alias("cum_adj"))
    tot = {r["year"]: r for r in totals.iter_rows(named=True)}
    by_year: dict[int, dict[str, dict[str, Any]]] = {y: {} for y in years}
    for r in table.iter_rows(named=True):  # rows = years × taxa (a few dozen)
        by_year[r["year"]][r["taxon"]] = r
    out: list[YearRichness] = []
    prev: int | None = None
    for y in years:
        cur = by_year[y]
        recorded = int(tot[y]["recorded"])
        adj = int(tot[y]["adj"])
        comparable = recorded - int(tot[y]["cum_adj"])
        by_taxon = {t: int(cur[t]["count"]) for t in TAXA if t in cur}
        sources = sorted({str(r["source"]) for r in cur.values() if r["source"]})
        flags: list[str] = []
        for t, r in cur.items():
            if r["revision_adjustment"]:
                flags.append(
                    f"{TAXA[t][0]}分类修订调整 {int(r['revision_adjustment']):+d} 种（{r['revision_note']}）"
                )
        if prev is None:
            out.append(
                YearRichness(y, recorded, comparable, by_taxon, sources, revision_adjustment=adj, flags=flags)
            )
            prev = y
            continue
        before = by_year[prev]
        missing = sorted(set(before) ^ set(cur))
        unequal: list[str] = []
        for t in sorted(set(before) & set(cur)):
            e0, e1 = before[t]["effort"], cur[t]["effort"]
            u0, u1 = before[t]["effort_unit"], cur[t]["effort_unit"]
            if e0 is None or e1 is None or u0 != u1 or abs(e1 / e0 - 1.0) > effort_tolerance + 1e-12:
                unequal.append(t)
        change = recorded - int(tot[prev]["recorded"])
        change_ex = change - adj
        declined = change_ex < 0
        rev_only = change < 0 <= change_ex and adj != 0
        if rev_only:
            flags.append(f"总数较 {prev} 年减少 {-change} 种，但仅由分类修订造成，不计为下降")
        elif declined:
            flags.append(f"扣除分类修订后较 {prev} 年减少 {-change_ex} 种")
        if unequal:
            names = "、".join(TAXA[t][0] for t in unequal)
            flags.append(f"调查强度不一致（容差 {effort_tolerance:.0%}）：{names}，年际比较需谨慎")
        if missing:
            flags.append(f"两年调查类群不一致：{'、'.join(TAXA[t][0] for t in missing)}")
        out.append(
            YearRichness(
                y,
                recorded,
                comparable,
                by_taxon,
                sources,
                previous_year=prev,
                change=change,
                revision_adjustment=adj,
                change_excluding_revision=change_ex,
                declined=declined,
                revision_only_drop=rev_only,
                unequal_effort=unequal,
                missing_taxa=missing,
                flags=flags,
            )
        )
        prev = y
    return out
