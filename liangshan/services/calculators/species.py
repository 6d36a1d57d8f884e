"""Species-richness calculator (indicator 8 物种丰富度): yearly counts per taxon → species_richness.

Counts of wild species per taxon (HJ 623-2011 taxa; details UNVERIFIED, docs/ecology.md); the comparable
basis removes taxonomic revisions against the first year, and unequal survey effort is flagged
(:func:`liangshan.standards.biodiversity.species_richness`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from liangshan.provenance import ComputedValues, Provenance, sha256_file
from liangshan.services.calculators import standards_cited as sc
from liangshan.services.calculators.spec import CalculatorSpec, Computation, FileSpec, ParamSpec, check_choice

CALCULATOR = "liangshan.standards.biodiversity.species_richness"


def richness_rows(years: list[Any], basis: str) -> list[dict[str, Any]]:
    """JSON-ready rows of :func:`liangshan.standards.biodiversity.species_richness` results."""
    return [
        {
            "year": y.year,
            "species_richness": y.value(basis),
            "recorded": y.recorded,
            "comparable": y.comparable,
            "by_taxon": y.by_taxon,
            "change": y.change,
            "revision_adjustment": y.revision_adjustment,
            "change_excluding_revision": y.change_excluding_revision,
            "declined": y.declined,
            "revision_only_drop": y.revision_only_drop,
            "unequal_effort": y.unequal_effort,
            "missing_taxa": y.missing_taxa,
            "sources": y.sources,
            "flags": y.flags,
        }
        for y in years
    ]


def run(files: Mapping[str, Path], p: Mapping[str, Any], region: str | None) -> Computation:
    from liangshan.standards import biodiversity

    check_choice(SPEC, "basis", p["basis"])
    path = files["csv"]
    tolerance = float(p["effort_tolerance"])
    years = biodiversity.species_richness(biodiversity.read_species_csv(path), effort_tolerance=tolerance)
    rows = richness_rows(years, p["basis"])
    if p["year"] is not None:
        rows = [r for r in rows if r["year"] == int(p["year"])]
        if not rows:
            raise ValueError(f"{path.name} 中没有 {int(p['year'])} 年的数据")
    inp = sha256_file(path)
    results = [
        ComputedValues(
            year=r["year"],
            values={"species_richness": float(r["species_richness"])},
            provenance=Provenance(
                calculator=CALCULATOR,
                standard=sc.SPECIES,
                parameters={"basis": p["basis"], "effort_tolerance": tolerance},
                inputs=[inp],
                components={k: r[k] for k in r if k != "species_richness"},
            ),
            region=region,
        )
        for r in rows
    ]
    out = Computation(results, raw=rows)
    for r in rows:
        out.details[r["year"]] = {"记录物种数": str(r["recorded"]), "可比物种数": str(r["comparable"])}
        out.warnings.extend(f"{r['year']}年：{f}" for f in r["flags"])
    return out


SPEC = CalculatorSpec(
    key="species",
    title="物种丰富度（按类群的物种数 → 物种丰富度）",
    cli="liangshan species",
    elements=("species_richness",),
    files=(
        FileSpec(
            "csv",
            "物种名录统计表",
            ("csv",),
            help="列 year,taxon,count[,source,effort,effort_unit,revision_adjustment,revision_note]",
        ),
    ),
    params=(
        ParamSpec(
            "basis",
            "口径",
            "choice",
            "comparable",
            (("comparable", "可比（扣除分类修订）"), ("recorded", "记录数")),
            help="comparable（扣除分类修订、以首年分类体系可比，默认）或 recorded（记录数）",
        ),
        ParamSpec(
            "effort_tolerance",
            "调查强度差异容差",
            "float",
            0.2,
            low=0,
            high=10,
            help="调查强度相对差异容差（0.2 = 20%）",
        ),
        ParamSpec("year", "年份", "int", low=1990, high=2100, help="只记录该年份（留空：文件中的每一年）"),
    ),
    standards=(sc.SPECIES,),
    run=run,
)
