"""物种丰富度 and the HJ 623-2011 biodiversity index (liangshan.standards.biodiversity), ``species`` CLI."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from liangshan.cli import app
from liangshan.standards.biodiversity import (
    HJ623_2011,
    SpeciesInputError,
    biodiversity_index,
    normalise,
    read_species_csv,
    species_richness,
    validate_species_table,
)

runner = CliRunner()
HEADER = "year,taxon,count,source,effort,effort_unit,revision_adjustment,revision_note"


def _csv(tmp_path: Path, rows: list[str], name: str = "s.csv", header: str = HEADER) -> Path:
    p = tmp_path / name
    p.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return p


# ------------------------------------------------------------------------------------------- BI (HJ 623)


def _uniform(v: float) -> dict[str, float]:
    """Components all equal to v and invasion 100 − v, so that BI = v exactly."""
    comps = {k: v for k in HJ623_2011["components"]}
    comps["alien_invasion_degree"] = 100.0 - v
    return comps


@pytest.mark.parametrize(
    ("v", "level"),
    [
        (100.0, "高"),
        (60.0, "高"),
        (59.99, "中"),
        (30.0, "中"),
        (29.99, "一般"),
        (20.0, "一般"),
        (19.99, "低"),
        (0.0, "低"),
    ],
)
def test_bi_levels_both_sides_of_each_bound(v: float, level: str) -> None:
    r = biodiversity_index(_uniform(v))
    assert r.bi == pytest.approx(v)
    assert r.level == level
    assert r.standard == "HJ 623-2011"


def test_bi_weights_hand_computed() -> None:
    comps = {
        "vascular_plant_richness": 50.0,
        "wild_animal_richness": 40.0,
        "ecosystem_type_diversity": 30.0,
        "species_endemism": 20.0,
        "threatened_species_richness": 10.0,
        "alien_invasion_degree": 5.0,
    }
    r = biodiversity_index(comps)
    # .2 × (50 + 40 + 30 + 20) + .1 × 10 + .1 × (100 − 5) = 28 + 1 + 9.5
    assert r.bi == pytest.approx(38.5)
    assert r.terms["alien_invasion_degree"] == pytest.approx(9.5)
    assert r.level == "中"


def test_bi_missing_component_is_named_not_zero() -> None:
    comps = _uniform(50.0)
    del comps["species_endemism"]
    with pytest.raises(SpeciesInputError, match="species_endemism（物种特有性）"):
        biodiversity_index(comps)


def test_bi_rejects_unknown_and_out_of_range() -> None:
    with pytest.raises(SpeciesInputError, match="未知"):
        biodiversity_index({**_uniform(50.0), "foo": 1.0})
    with pytest.raises(SpeciesInputError, match="0–100"):
        biodiversity_index({**_uniform(50.0), "species_endemism": 101.0})


def test_bi_custom_table() -> None:
    table = {
        "edition": "test",
        "components": {"a": {"name": "A", "weight": 1.0, "invert": False}},
        "levels": ((50.0, "好"), (float("-inf"), "差")),
    }
    assert biodiversity_index({"a": 50.0}, table=table).level == "好"
    assert biodiversity_index({"a": 49.0}, table=table).level == "差"


def test_normalise() -> None:
    assert normalise(1200, 4000) == pytest.approx(30.0)
    assert normalise(5000, 4000) == 100.0
    assert normalise(5000, 4000, cap=False) == pytest.approx(125.0)
    with pytest.raises(ValueError):
        normalise(1, 0)


# ----------------------------------------------------------------------------------------- species table


def _table(rows: list[dict[str, object]]) -> pl.DataFrame:
    return validate_species_table(pl.DataFrame(rows).cast(pl.String))


def _row(
    year: int, taxon: str, count: int, effort: float = 10.0, unit: str = "km", adj: int = 0, note: str = ""
):
    return {
        "year": year,
        "taxon": taxon,
        "count": count,
        "source": "调查",
        "effort": effort,
        "effort_unit": unit,
        "revision_adjustment": adj,
        "revision_note": note,
    }


def test_richness_totals_and_aliases() -> None:
    t = _table(
        [
            _row(2020, "野生维管束植物", 100),
            _row(2020, "鸟类", 20),
            _row(2021, "vascular_plant", 105),
            _row(2021, "bird", 21),
        ]
    )
    years = species_richness(t)
    assert [(y.year, y.recorded, y.comparable) for y in years] == [(2020, 120, 120), (2021, 126, 126)]
    assert years[1].change == 6
    assert years[0].by_taxon == {"vascular_plant": 100, "bird": 20}
    assert not years[1].declined and not years[1].revision_only_drop


def test_drop_caused_only_by_revision_is_flagged_not_decline() -> None:
    # plants 100 → 95 although 4 new species were found: 9 species lumped by revision
    t = _table([_row(2020, "植物", 100), _row(2021, "植物", 95, adj=-9, note="APG IV")])
    y = species_richness(t)[1]
    assert y.change == -5
    assert y.revision_adjustment == -9
    assert y.change_excluding_revision == 4
    assert y.revision_only_drop and not y.declined
    assert y.comparable == 104  # first-year taxonomy
    assert any("仅由分类修订造成" in f for f in y.flags)


def test_real_decline_even_with_revision() -> None:
    t = _table([_row(2020, "植物", 100), _row(2021, "植物", 85, adj=-9, note="APG IV")])
    y = species_richness(t)[1]
    assert y.change_excluding_revision == -6
    assert y.declined and not y.revision_only_drop


def test_comparable_chains_revisions_over_years() -> None:
    t = _table(
        [
            _row(2020, "植物", 100),
            _row(2021, "植物", 95, adj=-9, note="a"),
            _row(2022, "植物", 96),
            _row(2023, "植物", 100, adj=2, note="b"),  # a split adds 2 species
        ]
    )
    assert [y.comparable for y in species_richness(t)] == [100, 104, 105, 107]


@pytest.mark.parametrize(("e1", "flagged"), [(12.0, False), (8.0, False), (12.1, True), (7.9, True)])
def test_effort_tolerance_both_sides(e1: float, flagged: bool) -> None:
    t = _table([_row(2020, "鸟类", 20, effort=10.0), _row(2021, "鸟类", 22, effort=e1)])
    y = species_richness(t, effort_tolerance=0.2)[1]
    assert (y.unequal_effort == ["bird"]) is flagged


def test_effort_unit_or_missing_effort_is_unequal() -> None:
    t = _table([_row(2020, "鸟类", 20, unit="km"), _row(2021, "鸟类", 22, unit="人·天")])
    assert species_richness(t)[1].unequal_effort == ["bird"]
    t2 = validate_species_table(
        pl.DataFrame({"year": ["2020", "2021"], "taxon": ["鸟类", "鸟类"], "count": ["20", "22"]})
    )
    assert species_richness(t2)[1].unequal_effort == ["bird"]


def test_missing_taxa_flagged() -> None:
    t = _table([_row(2020, "鸟类", 20), _row(2020, "蝴蝶", 30), _row(2021, "鸟类", 22)])
    y = species_richness(t)[1]
    assert y.missing_taxa == ["butterfly"]
    assert y.declined  # 50 → 22 is a decline in the recorded total; the flag explains why
    assert any("类群不一致" in f for f in y.flags)


def test_read_species_csv_errors_name_row_and_column(tmp_path: Path) -> None:
    ok = "2020,bird,20,调查,10,km,0,"
    cases = [
        (["2020,鸟,20,调查,10,km,0,", "2020,昆虫,5,调查,10,km,0,"], 3, "taxon"),
        ([ok, "2021,bird,2.5,调查,10,km,0,"], 3, "count"),
        ([ok, "2021,bird,-1,调查,10,km,0,"], 3, "count"),
        ([ok, "2020,鸟类,21,调查,10,km,0,"], 3, "taxon"),  # duplicate year × taxon
        ([ok, "2021,bird,20,调查,0,km,0,"], 3, "effort"),
        ([ok, "2021,bird,20,调查,10,km,-3,"], 3, "revision_note"),
        ([ok, "2021,bird,20,调查,10,km,x,"], 3, "revision_adjustment"),
    ]
    for rows, row, column in cases:
        p = _csv(tmp_path, rows)
        with pytest.raises(SpeciesInputError) as ei:
            read_species_csv(p)
        assert (ei.value.row, ei.value.column) == (row, column), (rows, str(ei.value))
        assert "s.csv" in str(ei.value)


def test_read_species_csv_missing_column(tmp_path: Path) -> None:
    p = _csv(tmp_path, ["2020,bird"], header="year,taxon")
    with pytest.raises(SpeciesInputError, match="count"):
        read_species_csv(p)


# -------------------------------------------------------------------------------------------------- CLI


def test_cli_species_json_and_basis(tmp_path: Path) -> None:
    p = _csv(
        tmp_path,
        [
            "2020,植物,100,调查,10,样方,0,",
            "2020,鸟类,20,调查,10,km,0,",
            "2021,植物,95,调查,10,样方,-9,APG IV",
            "2021,鸟类,21,调查,10,km,,",
        ],
    )
    r = runner.invoke(app, ["species", str(p), "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert [y["species_richness"] for y in d["years"]] == [120, 125]
    assert d["years"][1]["revision_only_drop"] is True
    r2 = runner.invoke(app, ["species", str(p), "--json", "--basis", "recorded"])
    assert [y["species_richness"] for y in json.loads(r2.stdout)["years"]] == [120, 116]
    r3 = runner.invoke(app, ["species", str(p)])
    assert r3.exit_code == 0 and "仅由分类修订造成" in r3.stdout


def test_cli_species_bad_input(tmp_path: Path) -> None:
    p = _csv(tmp_path, ["2020,昆虫,5,调查,10,km,0,"])
    r = runner.invoke(app, ["species", str(p)])
    assert r.exit_code == 2
    assert "第 2 行" in r.stderr and "昆虫" in r.stderr
