"""The catalog reproduces 附件2 of the seed word for word."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from liangshan.catalog import load_catalog
from liangshan.cli import app

SEED = Path(__file__).resolve().parents[1].parent / "shared" / "seed" / "000_b5049ac286e4fa82.txt"


def seed_table() -> dict[int, tuple[str, str, list[str]]]:
    """Parse 附件2 (tab-separated) from the seed: number → (name, target, responsible units)."""
    text = SEED.read_text(encoding="utf-8")
    table = text[text.index("附件 2") :]
    rows = {}
    for line in table.splitlines():
        fields = line.split("\t")
        for i, f in enumerate(fields):
            if f.strip().isdigit() and 1 <= int(f) <= 20 and len(fields) >= i + 4:
                rows[int(f)] = (
                    fields[i + 1].strip(),
                    fields[i + 2].strip(),
                    fields[i + 3].strip().split("、"),
                )
                break
    return rows


@pytest.mark.skipif(not SEED.exists(), reason="shared/seed not beside the repository")
def test_catalog_matches_seed_annex_2_word_for_word() -> None:
    cat = load_catalog()
    seed = seed_table()
    assert sorted(seed) == list(range(1, 21))
    for ind in cat.indicators:
        name, target, units = seed[ind.id]
        assert ind.name == name
        assert ind.target.text == target
        assert list(ind.responsible_units) == units


def test_structure_three_goals_eight_categories() -> None:
    cat = load_catalog()
    assert [g.name for g in cat.goals] == ["构筑绿水青山", "推动“两山”转化", "建立长效机制"]
    assert [c.name for c in cat.categories] == [
        "环境质量", "生态状况", "民生福祉", "生态经济", "生态补偿", "社会效益", "制度创新", "资金保障",
    ]  # fmt: skip
    per_cat = [sum(1 for i in cat.indicators if i.category == c.code) for c in cat.categories]
    assert per_cat == [6, 4, 1, 3, 1, 2, 2, 1]


def test_shared_elements_defined_once_and_reused() -> None:
    cat = load_catalog()
    assert [i.id for i in cat.indicators_using("land_area_km2")] == [7, 10]
    assert [i.id for i in cat.indicators_using("gdp")] == [20]
    assert cat.indicator(20).formula.numerator == ("eco_env_investment",)


def test_catalog_json_cli() -> None:
    res = CliRunner().invoke(app, ["catalog", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert len(data["goals"]) == 3
    cats = [c for g in data["goals"] for c in g["categories"]]
    inds = [i for c in cats for i in c["indicators"]]
    assert len(cats) == 8 and len(inds) == 20
    seven = next(i for i in inds if i["id"] == 7)
    assert seven["target_text"] == "山区>60% 丘陵区>40% 平原区>18%"
    assert seven["responsible_units"] == ["林业局"]


def test_bad_catalog_is_rejected(tmp_path) -> None:
    raw = (load_catalog.__globals__["DEFAULT_CATALOG"]).read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(raw.replace("numerator: [air_good_days]", "numerator: [air_goood_days]"), encoding="utf-8")
    with pytest.raises(ValueError, match="air_goood_days"):
        load_catalog(bad)


def test_every_rule_states_its_basis() -> None:
    """附件2 gives target words only: 稳定提高 (and its 基本达标), 获得 and 建立实施 are 本系统约定, with
    their reasoning and alternatives; the thresholds are official (附件2's target values)."""
    cat = load_catalog()
    for ind in cat.indicators:
        b = cat.basis_of(ind)
        assert b.kind in ("official", "convention") and b.text
        assert b.document if b.kind == "official" else b.alternatives
    conv = {r: cat.rule_bases[r] for r in ("steady_improvement", "obtained", "established")}
    assert all(b.kind == "convention" and b.label == "本系统约定" for b in conv.values())
    assert "基本达标" in conv["steady_improvement"].text and "稳定提高" in conv["steady_improvement"].text
    assert "持有" in conv["obtained"].text and "建立实施" in conv["established"].text
    assert (
        cat.basis_of(cat.indicator(20)).kind == "official"
        and "附件2" in cat.basis_of(cat.indicator(20)).document
    )
    assert (
        cat.basis_of(cat.indicator(1)).kind == "convention"
    )  # its extra condition is not in the seed's text


def test_catalog_without_rule_basis_is_rejected(tmp_path) -> None:
    raw = (load_catalog.__globals__["DEFAULT_CATALOG"]).read_text(encoding="utf-8")
    start, end = raw.index("rule_bases:"), raw.index("goals:")
    bad = tmp_path / "nobasis.yaml"
    bad.write_text(raw[:start] + raw[end:], encoding="utf-8")
    with pytest.raises(ValueError, match="未写明依据"):
        load_catalog(bad)


def test_provincial_variant_extends_the_base_set() -> None:
    from liangshan.catalog import CatalogSetError, catalog_sets, common_indicator_ids, load_set

    base, henan = load_set(None), load_set("henan_variant")
    assert base is load_catalog() and next(c.framework for c in catalog_sets()) == "two_mountains"
    assert len(base.indicators) == 20 and len(henan.indicators) == 21
    assert henan.extends == "two_mountains" and henan.identity()["version"] == "2026.1"
    assert henan.indicator(21).name == "农村生活污水治理率" and henan.category("C9").name == "特色指标"
    assert [i.model_dump() for i in henan.indicators[:20]] == [i.model_dump() for i in base.indicators]
    common, left = common_indicator_ids([base, henan])
    assert common == list(range(1, 21)) and left == {"henan_variant": [21]}
    assert common_indicator_ids([henan]) == (list(range(1, 22)), {})
    with pytest.raises(CatalogSetError, match="未知指标体系：nope"):
        load_set("nope")


def test_catalog_list_cli() -> None:
    res = CliRunner().invoke(app, ["catalog", "list", "--json"])
    assert res.exit_code == 0, res.output
    sets = {c["id"]: c for c in json.loads(res.stdout)["catalogs"]}
    assert sets["two_mountains"]["indicators"] == 20 and sets["henan_variant"]["indicators"] == 21
    shown = json.loads(CliRunner().invoke(app, ["catalog", "--set", "henan_variant", "--json"]).stdout)
    assert (
        shown["catalog"]["id"] == "henan_variant" and shown["rule_bases"]["obtained"]["kind"] == "convention"
    )
