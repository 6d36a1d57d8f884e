"""GEP engine: every item on hand-computable inputs, missing parameters, prices, double counting."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from liangshan.standards.gep import (
    ITEMS,
    GepParameterError,
    GepWorkbookError,
    account,
    account_years,
    describe_items,
    load_workbook,
    parse_workbook,
)
from liangshan.standards.gep.units import parse_quantity_unit, unit_factor_pair


def workbook_dict() -> dict[str, Any]:
    """Every item with round numbers; the expected values are worked out in the tests below."""
    return {
        "region": "411224",
        "years": [2020, 2021],
        "price_year": 2020,
        "land_area_km2": 100,
        "double_counting": {"water": "water_conservation"},
        "items": {
            "material_products": {
                "zones": {
                    "香菇": {
                        "quantity": {"value": {2020: 10, 2021: 12}, "unit": "t"},
                        "price": {"value": {2020: 5000, 2021: 6000}, "unit": "元/t", "source": "市场价"},
                    },
                    "林下经济": {
                        "output_value": {2020: 100, 2021: 110},
                        "price_index": {2020: 100, 2021: 110},
                    },
                }
            },
            "water_supply": {"params": {"water_supply_10k_m3": 2, "water_price": 3}},
            "ecological_energy": {"params": {"hydropower_10k_kwh": 50, "hydropower_price": 0.3}},
            "water_conservation": {
                "params": {"reservoir_cost": {2020: 8, 2021: 9}},
                "zones": {
                    "森林": {
                        "ecosystem": "森林",
                        "area_km2": 10,
                        "precipitation_mm": 800,
                        "runoff_mm": 100,
                        "et_mm": 500,
                    },
                    "草地": {"area_km2": 5, "precipitation_mm": 800, "runoff_mm": 300, "et_mm": 600},
                },
            },
            "soil_retention": {
                "params": {
                    "soil_n_g_per_kg": 1,
                    "soil_p_g_per_kg": 0.5,
                    "reservoir_cost": 8,
                    "nitrogen_cost": 2,
                    "phosphorus_cost": 3,
                },
                "zones": {
                    "A": {
                        "area_km2": 1,
                        "r_factor": 100,
                        "k_factor": 0.02,
                        "ls_factor": 5,
                        "c_factor": 0.1,
                        "p_factor": 0.5,
                    }
                },
            },
            "flood_regulation": {
                "params": {
                    "lake_flood_capacity_m3": 0,
                    "reservoir_flood_capacity_m3": 1e6,
                    "reservoir_cost": 8,
                },
                "zones": {"森林": {"area_km2": 10, "storm_rainfall_mm": 100, "storm_runoff_mm": 40}},
            },
            "air_purification": {
                "params": {
                    "so2_emission_t": 30,
                    "nox_emission_t": 100,
                    "dust_emission_t": 2000,
                    "so2_cost": 1000,
                    "nox_cost": 600,
                    "dust_cost": 150,
                },
                "zones": {
                    "森林": {"area_km2": 10, "so2_kg_per_ha": 50, "nox_kg_per_ha": 5, "dust_kg_per_ha": 1000}
                },
            },
            "water_purification": {
                "params": {
                    "cod_load_t": 15,
                    "nh3n_load_t": 5,
                    "tp_load_t": 1,
                    "cod_cost": 1400,
                    "nh3n_cost": 1750,
                    "tp_cost": 2800,
                },
                "zones": {
                    "湿地": {"area_km2": 2, "cod_t_per_km2": 10, "nh3n_t_per_km2": 1, "tp_t_per_km2": 0.1}
                },
            },
            "carbon_sequestration": {"params": {"nep_t_c": 120, "carbon_price": 50}},
            "oxygen_release": {"params": {"oxygen_price": 400}},
            "climate_regulation": {
                "params": {
                    "days_above_26c": 20,
                    "water_evaporation_m3": 1000,
                    "humidifier_kwh_per_m3": 125,
                    "electricity_price": 0.5,
                },
                "zones": {"森林": {"area_km2": 10, "epp_kj_per_m2_day": 200}},
            },
            "recreation": {"params": {"visits_10k": 10, "spend_per_visit": 100}},
        },
    }


@pytest.fixture(scope="module")
def r2020() -> Any:
    return account(parse_workbook(workbook_dict()), 2020)


def rows(result: Any) -> dict[str, Any]:
    return {i.key: i for i in result.items}


# (row key, quantity, unit, price, value 万元) — worked by hand
EXPECTED_2020 = [
    ("material.香菇", 10, "t", 5000, 5.0),  # 10 t × 5000 元/t = 5 万元
    ("material.林下经济", 100, "万元", 1.0, 100.0),  # current prices: index ratio 1
    ("ecological_energy", 50, "万kWh", 0.3, 15.0),  # 50e4 kWh × 0.3 元
    ("water_conservation", 2_000_000, "m³", 8, 1600.0),  # 10 km² × 200 mm = 2e6 m³; 草地 800−300−600 < 0 → 0
    ("soil_retention.sediment", 950 * 0.24 / 1.3, "m³", 8, 950 * 0.24 / 1.3 * 8 / 1e4),
    ("soil_retention.nitrogen", 950, "kg", 2, 0.19),  # A_c = 100·0.02·5·(1−0.05) = 9.5 t/hm² × 100 hm²
    ("soil_retention.phosphorus", 475, "kg", 3, 0.1425),
    ("flood_regulation.vegetation", 600_000, "m³", 8, 480.0),  # 10 km² × 60 mm
    ("flood_regulation.lake", 0, "m³", 8, 0.0),
    ("flood_regulation.reservoir", 1_000_000, "m³", 8, 800.0),
    ("air_purification.so2", 30, "t", 1000, 3.0),  # 1000 hm² × 50 kg = 50 t, capped at emission 30 t
    ("air_purification.nox", 5, "t", 600, 0.3),  # 5 t < 100 t emission
    ("air_purification.dust", 1000, "t", 150, 15.0),
    ("water_purification.cod", 15, "t", 1400, 2.1),  # capacity 20 t capped at load 15 t
    ("water_purification.nh3n", 2, "t", 1750, 0.35),
    ("water_purification.tp", 0.2, "t", 2800, 0.056),
    ("carbon_sequestration", 440, "t CO₂", 50, 2.2),  # 120 × 44/12
    ("oxygen_release", 320, "t O₂", 400, 12.8),  # 440 × 32/44
    # 200 kJ/m²/d × 10 km² × 20 d × 1e6 / (3600 × 3) kWh
    ("climate_regulation.transpiration", 4e10 / 10800, "kWh", 0.5, 4e10 / 10800 * 0.5 / 1e4),
    # 1000 m³ × 2260 kJ/kg × 1e3 / 3600 + 1000 × 125 kWh
    (
        "climate_regulation.evaporation",
        2.26e9 / 3600 + 125_000,
        "kWh",
        0.5,
        (2.26e9 / 3600 + 125_000) * 0.5 / 1e4,
    ),
    ("recreation", 10, "万人次", 100, 1000.0),  # 10e4 × 100 元
]


@pytest.mark.parametrize(("key", "quantity", "unit", "price", "value"), EXPECTED_2020)
def test_every_item_hand_computed(
    r2020: Any, key: str, quantity: float, unit: str, price: float, value: float
) -> None:
    row = rows(r2020)[key]
    assert row.quantity == pytest.approx(quantity, rel=1e-12)
    assert row.quantity_unit == unit
    assert row.price == pytest.approx(price)
    assert row.value == pytest.approx(value, rel=1e-12)


def test_every_item_spec_is_exercised(r2020: Any) -> None:
    seen = {i.item for i in r2020.items} | {e["item"] for e in r2020.excluded}
    assert seen == set(ITEMS)
    assert {k for k, *_ in EXPECTED_2020} == {i.key for i in r2020.items}


def test_totals_gep_and_per_km2(r2020: Any) -> None:
    total = sum(v for *_, v in EXPECTED_2020)
    assert r2020.gep == pytest.approx(total)
    assert sum(r2020.totals.values()) == pytest.approx(r2020.gep)
    assert r2020.totals["物质产品"] == pytest.approx(120.0)
    assert r2020.totals["文化服务"] == pytest.approx(1000.0)
    assert r2020.gep_per_km2 == pytest.approx(total / 100)
    assert r2020.not_accounted == []


def test_parameters_used_carry_sources(r2020: Any) -> None:
    sed = rows(r2020)["soil_retention.sediment"]
    assert sed.parameters["sediment_ratio"]["value"] == 0.24
    assert (
        "默认值" in sed.parameters["sediment_ratio"]["source"]
        and "UNVERIFIED" in sed.parameters["sediment_ratio"]["source"]
    )
    assert sed.parameters["A.r_factor"] == {"value": 100.0, "unit": "MJ·mm/(hm²·h·a)", "source": "工作簿"}
    mushroom = rows(r2020)["material.香菇"]
    assert mushroom.parameters["香菇.price"]["source"] == "市场价"
    assert set(mushroom.parameters) == {"香菇.quantity", "香菇.price"}  # only its own product


def test_defaults_are_overridable() -> None:
    d = workbook_dict()
    d["items"]["soil_retention"]["params"]["sediment_ratio"] = {"value": 0.5, "source": "省规范"}
    d["items"]["climate_regulation"]["params"]["ac_efficiency"] = 4.0
    r = rows(account(parse_workbook(d), 2020))
    assert r["soil_retention.sediment"].quantity == pytest.approx(950 * 0.5 / 1.3)
    assert r["soil_retention.sediment"].parameters["sediment_ratio"]["source"] == "省规范"
    assert r["climate_regulation.transpiration"].quantity == pytest.approx(4e10 / (3600 * 4))


# ------------------------------------------------------------------------------------------------- prices


def test_current_vs_constant_prices() -> None:
    wb = parse_workbook(workbook_dict())
    cur = rows(account(wb, 2021))
    const = rows(account(wb, 2021, price_year=2020))
    # 香菇 12 t: current 12 × 6000 = 7.2 万元, at 2020 prices 12 × 5000 = 6.0 万元
    assert cur["material.香菇"].value == pytest.approx(7.2)
    assert const["material.香菇"].value == pytest.approx(6.0)
    assert const["material.香菇"].price_year == 2020
    assert const["material.香菇"].parameters["香菇.price"]["year"] == 2020
    # output value 110 万元 (2021 prices), index 110 → 100 at 2020 prices
    assert cur["material.林下经济"].value == pytest.approx(110.0)
    assert const["material.林下经济"].value == pytest.approx(100.0)
    # reservoir cost 9 (2021) vs 8 (2020) on the same 2e6 m³
    assert cur["water_conservation"].value == pytest.approx(1800.0)
    assert const["water_conservation"].value == pytest.approx(1600.0)
    # a price given once applies to every year: no change
    assert cur["recreation"].value == const["recreation"].value == pytest.approx(1000.0)


def test_account_years_series() -> None:
    wb = parse_workbook(workbook_dict())
    series = account_years(wb)
    assert [s.year for s in series] == [2020, 2021]
    assert series[0].constant is not None and series[1].constant is not None
    assert series[0].constant.gep == pytest.approx(series[0].current.gep)
    # 2021 current − constant = (7.2 − 6.0) + (110 − 100) + (1800 − 1600)
    assert series[1].current.gep - series[1].constant.gep == pytest.approx(1.2 + 10 + 200)
    assert series[1].constant.price_basis == "constant"
    d = workbook_dict()
    d.pop("price_year")
    assert account_years(parse_workbook(d))[0].constant is None


def test_missing_price_in_price_year_is_an_error() -> None:
    d = workbook_dict()
    d["items"]["water_conservation"]["params"]["reservoir_cost"] = {2021: 9}
    wb = parse_workbook(d)
    assert account(wb, 2021).gep > 0
    with pytest.raises(GepParameterError) as ei:
        account(wb, 2021, price_year=2020)
    assert ei.value.parameter == "reservoir_cost" and ei.value.year == 2020
    assert "已有年份：2021" in str(ei.value)


# ----------------------------------------------------------------------------------- missing parameters


def _required_params() -> list[tuple[str, str, bool]]:
    out = []
    d = workbook_dict()["items"]
    for key, spec in ITEMS.items():
        if key == "material_products":
            continue
        for p in spec.params:
            if p.default is not None or p.from_item is not None:
                continue
            in_zone = p.zone
            src = d[key]["zones"] if in_zone else d[key].get("params", {})
            present = any(p.name in z for z in src.values()) if in_zone else p.name in src
            if present:
                out.append((key, p.name, in_zone))
    return out


@pytest.mark.parametrize(("item", "param", "in_zone"), _required_params())
def test_missing_parameter_is_an_error_naming_it(item: str, param: str, in_zone: bool) -> None:
    d = workbook_dict()
    if in_zone:
        for z in d["items"][item]["zones"].values():
            z.pop(param, None)
    else:
        d["items"][item]["params"].pop(param)
    with pytest.raises(GepParameterError) as ei:
        account(parse_workbook(d), 2020)
    assert ei.value.parameter == param
    assert ei.value.item == item
    assert param in str(ei.value) and "不以 0 代替" in str(ei.value)


def test_every_required_parameter_is_covered_by_the_missing_test() -> None:
    covered = {(i, p) for i, p, _ in _required_params()}
    for key, spec in ITEMS.items():
        if key == "material_products":
            continue
        for p in spec.params:
            if p.default is None and p.from_item is None and p.name != "runoff_coefficient":
                assert (key, p.name) in covered, (key, p.name)


def test_missing_value_for_one_year_is_an_error() -> None:
    d = workbook_dict()
    d["items"]["recreation"]["params"]["visits_10k"] = {2020: 10}
    with pytest.raises(GepParameterError) as ei:
        account(parse_workbook(d), 2021)
    assert (ei.value.item, ei.value.parameter, ei.value.year) == ("recreation", "visits_10k", 2021)


def test_oxygen_needs_carbon_item() -> None:
    d = workbook_dict()
    del d["items"]["carbon_sequestration"]
    with pytest.raises(GepParameterError, match="carbon_sequestration"):
        account(parse_workbook(d), 2020)


def test_zone_items_need_zones() -> None:
    d = workbook_dict()
    d["items"]["air_purification"]["zones"] = {}
    with pytest.raises(GepParameterError, match="至少需要一个分区"):
        account(parse_workbook(d), 2020)


def test_material_product_needs_units_that_fit() -> None:
    d = workbook_dict()
    d["items"]["material_products"]["zones"]["香菇"]["price"]["unit"] = "元/kWh"
    with pytest.raises(GepParameterError, match="不一致"):
        account(parse_workbook(d), 2020)
    d["items"]["material_products"]["zones"]["香菇"]["price"]["unit"] = "元/kg"
    r = rows(account(parse_workbook(d), 2020))
    assert r["material.香菇"].value == pytest.approx(10 * 1000 * 5000 / 1e4)  # 10 t at 5000 元/kg
    del d["items"]["material_products"]["zones"]["香菇"]["quantity"]["unit"]
    with pytest.raises(GepParameterError, match="须注明单位"):
        account(parse_workbook(d), 2020)


def test_unit_conversions() -> None:
    assert unit_factor_pair("t", "元/kg", where="x") == 1000
    assert unit_factor_pair("万m³", "元/m³", where="x") == 1e4
    assert unit_factor_pair("万头", "元/头", where="x") == 1e4
    assert unit_factor_pair("kg", "万元/t", where="x") == pytest.approx(10.0)
    assert unit_factor_pair("亩", "元/公顷", where="x") == pytest.approx(1 / 15)
    assert parse_quantity_unit("千克") == ("mass", 1.0)  # not 千 × 克
    with pytest.raises(GepParameterError):
        unit_factor_pair("头", "元/只", where="x")
    with pytest.raises(GepParameterError):
        unit_factor_pair("t", "美元/t", where="x")


def test_stated_unit_must_match_spec() -> None:
    d = workbook_dict()
    d["items"]["water_conservation"]["zones"]["森林"]["precipitation_mm"] = {"value": 0.8, "unit": "m"}
    with pytest.raises(GepParameterError, match="单位应为 mm"):
        account(parse_workbook(d), 2020)
    d["items"]["water_conservation"]["zones"]["森林"]["precipitation_mm"] = {"value": 800, "unit": "mm"}
    d["items"]["water_conservation"]["params"]["reservoir_cost"] = {
        "value": 8,
        "unit": "元/m3",
    }  # alias of m³
    assert account(parse_workbook(d), 2020).gep > 0


@pytest.mark.parametrize(
    ("item", "zone", "param", "value"),
    [
        ("soil_retention", "A", "c_factor", 1.01),
        ("soil_retention", "A", "p_factor", -0.01),
        ("water_conservation", "森林", "area_km2", -1),
        ("climate_regulation", None, "days_above_26c", 367),
    ],
)
def test_bounds_both_sides(item: str, zone: str | None, param: str, value: float) -> None:
    d = workbook_dict()
    target = d["items"][item]["zones"][zone] if zone else d["items"][item]["params"]
    target[param] = value
    with pytest.raises(GepParameterError, match="限"):
        account(parse_workbook(d), 2020)


def test_bounds_inclusive_limits_accepted() -> None:
    d = workbook_dict()
    d["items"]["soil_retention"]["zones"]["A"]["c_factor"] = 1.0
    d["items"]["soil_retention"]["zones"]["A"]["p_factor"] = 1.0
    d["items"]["climate_regulation"]["params"]["days_above_26c"] = 366
    r = rows(account(parse_workbook(d), 2020))
    assert r["soil_retention.nitrogen"].quantity == 0.0  # C·P = 1 → no retention


def test_unknown_item_and_parameter_names_are_errors() -> None:
    d = workbook_dict()
    d["items"]["forest_magic"] = {"params": {}}
    with pytest.raises(GepWorkbookError, match="未知核算项 forest_magic"):
        account(parse_workbook(d), 2020)
    d = workbook_dict()
    d["items"]["soil_retention"]["params"]["sediment_ratioo"] = (
        0.3  # a typo must not fall back to the default
    )
    with pytest.raises(GepWorkbookError, match="sediment_ratioo"):
        account(parse_workbook(d), 2020)
    d = workbook_dict()
    d["items"]["recreation"]["params"]["area_km2"] = 3
    with pytest.raises(GepWorkbookError, match="没有参数 area_km2"):
        account(parse_workbook(d), 2020)
    d = workbook_dict()
    d["items"]["water_conservation"]["zones"]["森林"]["colour"] = "green"
    with pytest.raises(GepWorkbookError, match="colour"):
        account(parse_workbook(d), 2020)


def test_absent_items_are_listed_not_zero() -> None:
    d = workbook_dict()
    del d["items"]["recreation"]
    r = account(parse_workbook(d), 2020)
    assert r.totals["文化服务"] == 0.0
    assert any(s.startswith("recreation") for s in r.not_accounted)


def test_land_area_per_year_and_missing() -> None:
    d = workbook_dict()
    d["land_area_km2"] = {2020: 100, 2021: 50}
    wb = parse_workbook(d)
    assert account(wb, 2021).land_area_km2 == 50
    with pytest.raises(GepParameterError, match="国土面积"):
        account(wb, 2022)


# ------------------------------------------------------------------------------------- double counting


def test_water_double_counting_requires_a_choice() -> None:
    d = workbook_dict()
    del d["double_counting"]
    with pytest.raises(GepWorkbookError, match=r"double_counting\.water"):
        account(parse_workbook(d), 2020)


def test_water_double_counting_choices() -> None:
    d = workbook_dict()
    base = account(parse_workbook(d), 2020)
    assert [e["key"] for e in base.excluded] == ["water_supply"]
    assert base.excluded[0]["value"] == pytest.approx(6.0)  # 2 万m³ × 3 元/m³
    d["double_counting"]["water"] = "water_supply"
    r = account(parse_workbook(d), 2020)
    assert [e["key"] for e in r.excluded] == ["water_conservation"]
    assert r.gep == pytest.approx(base.gep - 1600 + 6)
    d["double_counting"]["water"] = "both"
    assert account(parse_workbook(d), 2020).gep == pytest.approx(base.gep + 6)
    d["double_counting"]["water"] = "neither"
    with pytest.raises(GepWorkbookError, match="neither"):
        account(parse_workbook(d), 2020)


def test_reservoir_double_counting_enforced() -> None:
    d = workbook_dict()
    d["items"]["water_conservation"]["zones"]["水库"] = {
        "ecosystem": "水库",
        "area_km2": 1,
        "precipitation_mm": 800,
        "runoff_mm": 0,
        "et_mm": 900,
    }
    with pytest.raises(GepWorkbookError, match="重复计算"):
        account(parse_workbook(d), 2020)
    d["items"]["flood_regulation"]["params"]["reservoir_flood_capacity_m3"] = 0
    assert account(parse_workbook(d), 2020).gep > 0  # no reservoir storage counted → allowed


def test_rules_are_reported(r2020: Any) -> None:
    text = " ".join(r2020.rules)
    assert "water_conservation" in text and "水库" in text and "排放量" in text


def test_describe_items_lists_every_parameter() -> None:
    desc = {d["key"]: d for d in describe_items()}
    assert set(desc) == set(ITEMS)
    sr = {p["name"]: p for p in desc["soil_retention"]["params"]}
    assert sr["sediment_ratio"]["default"] == 0.24 and "UNVERIFIED" in sr["sediment_ratio"]["default_source"]
    assert all(p["unit"] for d in desc.values() for p in d["params"])


# ------------------------------------------------------------------------------------------ workbooks


def test_yaml_round_trip(tmp_path: Path, r2020: Any) -> None:
    p = tmp_path / "wb.yaml"
    p.write_text(yaml.safe_dump(workbook_dict(), allow_unicode=True), encoding="utf-8")
    r = account(load_workbook(p), 2020)
    assert r.gep == pytest.approx(r2020.gep)
    assert rows(r)["recreation"].parameters["visits_10k"]["source"] == "工作簿 wb.yaml"


def _to_xlsx(d: dict[str, Any], path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "settings"
    ws.append(["key", "value"])
    ws.append(["region", d["region"]])
    ws.append(["years", ",".join(map(str, d["years"]))])
    ws.append(["price_year", d["price_year"]])
    ws.append(["land_area_km2", d["land_area_km2"]])
    for k, v in d["double_counting"].items():
        ws.append([f"double_counting.{k}", v])
    ps = wb.create_sheet("parameters")
    ps.append(["item", "zone", "parameter", "year", "value", "unit", "source"])

    def emit(item: str, zone: str | None, name: str, raw: Any) -> None:
        unit = source = None
        if isinstance(raw, dict) and "value" in raw:
            unit, source, raw = raw.get("unit"), raw.get("source"), raw["value"]
        if isinstance(raw, dict):
            for y, v in raw.items():
                ps.append([item, zone, name, y, v, unit, source])
        else:
            ps.append([item, zone, name, None, raw, unit, source])

    for item, body in d["items"].items():
        for name, raw in body.get("params", {}).items():
            emit(item, None, name, raw)
        for zone, params in body.get("zones", {}).items():
            for name, raw in params.items():
                emit(item, zone, name, raw)
    wb.save(path)


def test_xlsx_equals_yaml(tmp_path: Path, r2020: Any) -> None:
    p = tmp_path / "wb.xlsx"
    _to_xlsx(workbook_dict(), p)
    wb = load_workbook(p)
    assert wb.years == [2020, 2021] and wb.price_year == 2020
    r = account(wb, 2020)
    assert r.gep == pytest.approx(r2020.gep)
    assert rows(r)["material.香菇"].quantity_unit == "t"
    assert account(wb, 2021, price_year=2020).gep == pytest.approx(
        account(parse_workbook(workbook_dict()), 2021, price_year=2020).gep
    )


def test_xlsx_errors_name_row_and_column(tmp_path: Path) -> None:
    from openpyxl import load_workbook as open_xlsx

    p = tmp_path / "wb.xlsx"
    _to_xlsx(workbook_dict(), p)
    book = open_xlsx(p)
    ws = book["parameters"]
    ws.cell(row=5, column=5).value = None  # value emptied
    book.save(p)
    with pytest.raises(GepWorkbookError) as ei:
        load_workbook(p)
    assert ei.value.row == 5 and ei.value.column == "value" and "不以 0 代替" in str(ei.value)
    ws.cell(row=5, column=5, value="abc")
    ws.cell(row=5, column=2).value = None
    book.save(p)
    with pytest.raises(GepWorkbookError) as ei2:
        load_workbook(p)
    assert ei2.value.row == 5 and "abc" in str(ei2.value)
    ws.cell(row=5, column=5, value=1)
    ws.append(list(next(ws.iter_rows(min_row=6, max_row=6, values_only=True))))  # duplicate of row 6
    book.save(p)
    with pytest.raises(GepWorkbookError, match="与第 6 行重复"):
        load_workbook(p)


def test_yaml_structure_errors(tmp_path: Path) -> None:
    d = workbook_dict()
    d["items"]["recreation"]["params"]["visits_10k"] = None
    with pytest.raises(GepWorkbookError, match=r"items\.recreation\.params\.visits_10k"):
        parse_workbook(d)
    d = workbook_dict()
    d["items"]["recreation"]["params"]["visits_10k"] = {"20x0": 3}
    with pytest.raises(GepWorkbookError, match="年份"):
        parse_workbook(d)
    d = workbook_dict()
    del d["land_area_km2"]
    with pytest.raises(GepWorkbookError, match="land_area_km2"):
        parse_workbook(d)
    d = workbook_dict()
    d["land_area_km2"] = 0
    with pytest.raises(GepWorkbookError, match="大于 0"):
        parse_workbook(d)
    bad = tmp_path / "wb.txt"
    bad.write_text("x", encoding="utf-8")
    with pytest.raises(GepWorkbookError, match="不支持"):
        load_workbook(bad)
    broken = tmp_path / "wb.yaml"
    broken.write_text("a: [1, 2", encoding="utf-8")
    with pytest.raises(GepWorkbookError, match="YAML"):
        load_workbook(broken)


def test_workbook_dict_is_not_mutated() -> None:
    d = workbook_dict()
    before = copy.deepcopy(d)
    account(parse_workbook(d), 2020)
    assert d == before


def test_xlsx_errors_name_the_chinese_header(tmp_path: Path) -> None:
    """A workbook with Chinese headers (核算项, 参数, 数值 …) gets messages naming those headers."""
    from openpyxl import load_workbook as open_xlsx

    p = tmp_path / "wb.xlsx"
    _to_xlsx(workbook_dict(), p)
    book = open_xlsx(p)
    ws = book["parameters"]
    for j, h in enumerate(["核算项", "分区", "参数名", "年份", "参数值", "单位", "数据来源"], start=1):
        ws.cell(row=1, column=j).value = h
    ws.cell(row=5, column=5).value = None
    book.save(p)
    with pytest.raises(GepWorkbookError) as ei:
        load_workbook(p)
    msg = str(ei.value).replace(str(p), p.name)
    assert ei.value.row == 5 and ei.value.column == "参数值" and "value" not in msg, msg
    ws.cell(row=5, column=5).value = 1.0
    ws.cell(row=5, column=3).value = None
    book.save(p)
    with pytest.raises(GepWorkbookError) as ei2:
        load_workbook(p)
    msg2 = str(ei2.value).replace(str(p), p.name)
    assert ei2.value.column == "参数名" and "列 参数名：参数名 为空" in msg2, msg2
    ws.delete_cols(5)
    book.save(p)
    with pytest.raises(GepWorkbookError, match="缺少列 数值"):
        load_workbook(p)
