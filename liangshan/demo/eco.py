"""Demo inputs (示例数据) for 卢氏县 2020–2025: soil, species, satisfaction survey and GEP.

:func:`compute_demo` writes deterministic synthetic raw files into ``work_dir / "eco"`` and runs the
calculator specs of :mod:`liangshan.services.calculators` (soil farmland and plots, species, survey, GEP —
the runs of the CLI's ``--to-indicator`` and of the web upload) on them. Real public facts
are used where known (land area 4,004 km², 2020 resident population 317,232, forest ≈ 70 % — docs/demo.md);
everything else is synthetic and labelled 示例数据（非官方）.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from liangshan.provenance import ComputedValues
from liangshan.services.calculators import CalculatorSpec
from liangshan.services.calculators import gep as gep_calc
from liangshan.services.calculators import soil as soil_calc
from liangshan.services.calculators import species as species_calc
from liangshan.services.calculators import survey as survey_calc
from liangshan.standards import soil, survey

__all__ = ["LAND_AREA_KM2", "POPULATION", "YEARS", "compute_demo", "write_inputs"]

YEARS = tuple(range(2020, 2026))
REGION = "411224"
LAND_AREA_KM2 = 4004.0  # docs/demo.md (qjzyw.cn 2015 profile)
POPULATION = 317_232  # 2020 census resident population (docs/demo.md)
SEED = 411224
PRICE_YEAR = 2020
LABEL = "示例数据（非官方）"
_SRC = "示例数据，非官方"  # inside parentheses of a source text

# ------------------------------------------------------------------------------------------------- soil

_FARMLAND_E = (12_460.0, 12_460.0, 12_385.0, 12_385.0, 12_310.0, 12_310.0)  # 亩
_FARMLAND_A = (95.62, 96.05, 96.41, 96.93, 97.36, 97.81)  # % targets of the synthetic series
_PLOTS = ((2, 2), (0, 0), (1, 1), (3, 3), (2, 2), (0, 0))  # (redeveloped, safe use): 2021, 2025 → 不适用


def _farmland_csv(path: Path) -> None:
    lines = ["year,b_area,c_area,d_area,e_area"]
    for y, e, a in zip(YEARS, _FARMLAND_E, _FARMLAND_A, strict=True):
        slight, heavy = round(e * 0.62, 2), round(e * 0.07, 2)
        b = round(slight * 0.995, 2)
        d = round(heavy * 0.96, 2)
        c = round(e * a / 100.0 - b - d, 2)
        lines.append(f"{y},{b:.2f},{c:.2f},{d:.2f},{e:.2f}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _plots_csv(path: Path) -> None:
    lines = ["year,plots_redeveloped,plots_safe_use"]
    lines += [f"{y},{r},{s}" for y, (r, s) in zip(YEARS, _PLOTS, strict=True)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# ---------------------------------------------------------------------------------------------- species

_TAXA_2020 = {
    "vascular_plant": 2412,
    "mammal": 58,
    "bird": 231,
    "reptile": 31,
    "amphibian": 16,
    "freshwater_fish": 62,
    "butterfly": 148,
}
_NEW_RECORDS = {  # new species recorded each year after 2020, per taxon (plants, mammals, birds, …)
    2021: (9, 0, 4, 0, 0, 1, 3),
    2022: (7, 1, 3, 1, 0, 0, 2),
    2023: (6, 0, 2, 0, 1, 1, 2),
    2024: (8, 0, 3, 0, 0, 1, 1),
    2025: (5, 1, 4, 0, 0, 0, 2),
}
_REVISION = {(2023, "vascular_plant"): (-19, "依《中国生物物种名录》2023版归并同物异名 19 种（示例数据）")}
_EFFORT = {  # (effort per year, unit)
    "vascular_plant": (120.0, "样方·个"),
    "mammal": (60.0, "红外相机位点·个"),
    "bird": (85.0, "样线·km"),
    "reptile": (40.0, "样线·km"),
    "amphibian": (40.0, "样线·km"),
    "freshwater_fish": (24.0, "采样点·个"),
    "butterfly": (30.0, "样线·km"),
}


def _species_csv(path: Path) -> None:
    lines = ["year,taxon,count,source,effort,effort_unit,revision_adjustment,revision_note"]
    counts = dict(_TAXA_2020)
    codes = list(_TAXA_2020)
    for y in YEARS:
        if y in _NEW_RECORDS:
            for code, add in zip(codes, _NEW_RECORDS[y], strict=True):
                counts[code] += add + _REVISION.get((y, code), (0, ""))[0]
        for code in codes:
            effort, unit = _EFFORT[code]
            if code == "butterfly" and y == 2021:
                effort *= 1.5  # a one-off intensive butterfly survey → flagged as unequal effort
            adj, note = _REVISION.get((y, code), (0, ""))
            src = f"卢氏县生物多样性年度观测（{_SRC}）"
            lines.append(f"{y},{code},{counts[code]},{src},{effort:g},{unit},{adj},{note}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# ----------------------------------------------------------------------------------------------- survey

_TOWNSHIPS = tuple(f"乡镇{i:02d}" for i in range(1, 20))
_SURVEY_TARGET = (93.6, 94.6, 95.7, 96.1, 96.5, 96.9)  # % satisfied (top 3) of the synthetic samples
_SURVEY_N = (402, 398, 405, 410, 401, 407)


def _strata_population() -> list[tuple[str, str, int]]:
    rng = np.random.default_rng(SEED)
    raw = rng.uniform(0.6, 1.6, size=len(_TOWNSHIPS))
    raw[0] = 4.0  # the county seat
    shares = raw / raw.sum()
    urban = np.where(np.arange(len(_TOWNSHIPS)) == 0, 0.78, rng.uniform(0.12, 0.3, size=len(_TOWNSHIPS)))
    pops = np.floor(shares * POPULATION).astype(int)
    pops[0] += POPULATION - int(pops.sum())
    out = []
    for t, p, u in zip(_TOWNSHIPS, pops, urban, strict=True):
        pu = round(int(p) * float(u))
        out.append((t, "城镇", pu))
        out.append((t, "农村", int(p) - pu))
    return out


def _weights_csv(path: Path, strata: list[tuple[str, str, int]]) -> None:
    lines = ["township,urban_rural,population"] + [f"{t},{u},{p}" for t, u, p in strata]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _survey_csv(path: Path, year: int, n: int, target: float, strata: list[tuple[str, str, int]]) -> None:
    rng = np.random.default_rng(SEED + year)
    pops = np.array([p for _, _, p in strata], dtype=float)
    alloc = np.maximum(3, np.floor(n * pops / pops.sum())).astype(int)
    short = n - int(alloc.sum())
    order = np.argsort(-pops)
    alloc[order[: max(short, 0)]] += 1
    stratum = np.repeat(np.arange(len(strata)), alloc)[:n]
    rng.shuffle(stratum)
    n = stratum.size
    unsat = round(n * (1 - target / 100.0))
    codes = rng.choice(3, size=n, p=[0.46, 0.39, 0.15])
    bad = rng.choice(n, size=unsat, replace=False)
    codes[bad] = rng.choice([3, 4], size=unsat, p=[0.75, 0.25])
    lines = ["answer,township,urban_rural"]
    lines += [
        f"{survey.ANSWER_LEVELS[c]},{strata[s][0]},{strata[s][1]}"
        for c, s in zip(codes.tolist(), stratum.tolist(), strict=True)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# -------------------------------------------------------------------------------------------------- GEP


def _series(
    base: float, growth: float, *, dip: dict[int, float] | None = None, nd: int = 2
) -> dict[int, float]:
    """``base × (1+growth)^(y−2020)``, times a factor in dip years, rounded."""
    dip = dip or {}
    return {y: round(base * (1 + growth) ** (y - 2020) * dip.get(y, 1.0), nd) for y in YEARS}


def _gep_workbook() -> dict[str, Any]:
    dry = {2022: 0.93}  # 2022: a dry year → less water conservation and flood regulation
    wet_storm = {2022: 0.85}
    src_stat = f"卢氏县统计年鉴口径（{_SRC}）"
    src_price = f"当年市场/工程价格（{_SRC}）"

    def zone_wc(area: float, p_base: float, r_share: float, et: float) -> dict[str, Any]:
        p = _series(p_base, 0.0, dip=dry, nd=1)
        return {
            "area_km2": area,
            "precipitation_mm": p,
            "runoff_mm": {y: round(v * r_share, 1) for y, v in p.items()},
            "et_mm": et,
        }

    items: dict[str, Any] = {
        "material_products": {
            "source": src_stat,
            "zones": {
                "香菇": {
                    "group": "农业产品",
                    "quantity": {"value": _series(98_000, 0.025), "unit": "t"},
                    "price": {"value": _series(9_600, 0.03, nd=0), "unit": "元/t", "source": src_price},
                },
                "连翘": {
                    "group": "中药材",
                    "quantity": {"value": _series(5_200, 0.02), "unit": "t"},
                    "price": {"value": _series(32_000, 0.04, nd=0), "unit": "元/t", "source": src_price},
                },
                "核桃": {
                    "group": "林业产品",
                    "quantity": {"value": _series(21_000, 0.015), "unit": "t"},
                    "price": {"value": _series(14_000, 0.02, nd=0), "unit": "元/t", "source": src_price},
                },
                "其他农林牧渔产品": {
                    "group": "农林牧渔业",
                    "output_value": {"value": _series(265_000, 0.045, nd=0), "unit": "万元"},
                    "price_index": {
                        "value": _series(100.0, 0.025, nd=1),
                        "unit": "无量纲",
                        "source": src_price,
                    },
                },
            },
        },
        "water_supply": {
            "source": f"县水利局用水统计（{_SRC}）",
            "params": {
                "water_supply_10k_m3": _series(6_850, 0.01),
                "water_price": {"value": _series(3.1, 0.02), "unit": "元/m³", "source": src_price},
            },
        },
        "ecological_energy": {
            "source": f"县发改委（{_SRC}）",
            "params": {
                "hydropower_10k_kwh": _series(14_500, 0.01, dip={2022: 0.8}),
                "hydropower_price": {"value": _series(0.32, 0.0, nd=3), "unit": "元/kWh"},
            },
        },
        "water_conservation": {
            "source": f"县气象局、水利局（{_SRC}）",
            "params": {"reservoir_cost": {"value": _series(8.6, 0.02), "unit": "元/m³", "source": src_price}},
            "zones": {
                "森林": {"ecosystem": "森林", **zone_wc(2817.0, 820.0, 0.06, 520.0)},
                "灌丛": {"ecosystem": "灌丛", **zone_wc(262.0, 790.0, 0.10, 540.0)},
                "草地": {"ecosystem": "草地", **zone_wc(140.0, 780.0, 0.15, 560.0)},
                "农田": {"ecosystem": "农田", **zone_wc(560.0, 760.0, 0.25, 500.0)},
            },
        },
        "soil_retention": {
            "source": f"县水利局水土保持监测（{_SRC}）",
            "params": {
                "soil_n_g_per_kg": 1.12,
                "soil_p_g_per_kg": 0.58,
                "reservoir_cost": {"value": _series(8.6, 0.02), "unit": "元/m³", "source": src_price},
                "nitrogen_cost": {"value": _series(1.75, 0.02), "unit": "元/kg", "source": src_price},
                "phosphorus_cost": {"value": _series(2.8, 0.02), "unit": "元/kg", "source": src_price},
            },
            "zones": {
                "森林": {
                    "area_km2": 2817.0,
                    "r_factor": _series(3400, 0.0, dip=dry, nd=0),
                    "k_factor": 0.021,
                    "ls_factor": 4.5,
                    "c_factor": _series(0.012, -0.02, nd=4),
                    "p_factor": 1.0,
                },
                "灌草": {
                    "area_km2": 402.0,
                    "r_factor": _series(3300, 0.0, dip=dry, nd=0),
                    "k_factor": 0.024,
                    "ls_factor": 3.8,
                    "c_factor": 0.06,
                    "p_factor": 1.0,
                },
                "农田": {
                    "area_km2": 560.0,
                    "r_factor": _series(3200, 0.0, dip=dry, nd=0),
                    "k_factor": 0.028,
                    "ls_factor": 1.6,
                    "c_factor": 0.31,
                    "p_factor": 0.45,
                },
            },
        },
        "flood_regulation": {
            "source": f"县水利局（{_SRC}）",
            "params": {
                "lake_flood_capacity_m3": 0,
                "reservoir_flood_capacity_m3": _series(1.18e7, 0.0, nd=0),
                "reservoir_cost": {"value": _series(8.6, 0.02), "unit": "元/m³", "source": src_price},
            },
            "zones": {
                "森林": {
                    "area_km2": 2817.0,
                    "storm_rainfall_mm": _series(260, 0.0, dip=wet_storm, nd=1),
                    "storm_runoff_mm": _series(95, 0.0, dip=wet_storm, nd=1),
                },
                "灌草": {
                    "area_km2": 402.0,
                    "storm_rainfall_mm": _series(250, 0.0, dip=wet_storm, nd=1),
                    "storm_runoff_mm": _series(130, 0.0, dip=wet_storm, nd=1),
                },
            },
        },
        "air_purification": {
            "source": f"县生态环境分局排放清单（{_SRC}）",
            "params": {
                "so2_emission_t": _series(1450, -0.05),
                "nox_emission_t": _series(2300, -0.04),
                "dust_emission_t": _series(1.6e5, -0.03, nd=0),
                "so2_cost": {"value": _series(1_260, 0.02), "unit": "元/t", "source": src_price},
                "nox_cost": {"value": _series(630, 0.02), "unit": "元/t", "source": src_price},
                "dust_cost": {"value": _series(150, 0.02), "unit": "元/t", "source": src_price},
            },
            "zones": {
                "森林": {
                    "area_km2": 2817.0,
                    "so2_kg_per_ha": 88.65,
                    "nox_kg_per_ha": 6.0,
                    "dust_kg_per_ha": 10.11e3,
                },
                "草地": {
                    "area_km2": 140.0,
                    "so2_kg_per_ha": 21.7,
                    "nox_kg_per_ha": 2.0,
                    "dust_kg_per_ha": 1.2e3,
                },
            },
        },
        "water_purification": {
            "source": f"县生态环境分局（{_SRC}）",
            "params": {
                "cod_load_t": _series(6_800, -0.02),
                "nh3n_load_t": _series(610, -0.03),
                "tp_load_t": _series(95, -0.03),
                "cod_cost": {"value": _series(1_400, 0.02), "unit": "元/t", "source": src_price},
                "nh3n_cost": {"value": _series(1_750, 0.02), "unit": "元/t", "source": src_price},
                "tp_cost": {"value": _series(2_800, 0.02), "unit": "元/t", "source": src_price},
            },
            "zones": {
                "河流湿地": {
                    "ecosystem": "湿地",
                    "area_km2": _series(42.0, 0.005),
                    "cod_t_per_km2": 95.0,
                    "nh3n_t_per_km2": 6.2,
                    "tp_t_per_km2": 1.1,
                },
            },
        },
        "carbon_sequestration": {
            "source": f"CASA 模型 NEP（{_SRC}）",
            "params": {
                "nep_t_c": _series(1.12e6, 0.012, dip={2022: 0.93}, nd=0),
                "carbon_price": {
                    "value": _series(45.0, 0.06),
                    "unit": "元/t CO₂",
                    "source": "全国碳市场年均价（示例）",
                },
            },
        },
        "oxygen_release": {
            "source": src_price,
            "params": {"oxygen_price": {"value": _series(1_000, 0.02), "unit": "元/t"}},
        },
        "climate_regulation": {
            "source": f"县气象局（{_SRC}）",
            "params": {
                "days_above_26c": {2020: 62, 2021: 58, 2022: 71, 2023: 64, 2024: 66, 2025: 63},
                "water_evaporation_m3": _series(2.4e6, 0.0, nd=0),
                "humidifier_kwh_per_m3": 125.0,
                "electricity_price": {
                    "value": _series(0.56, 0.01, nd=3),
                    "unit": "元/kWh",
                    "source": src_price,
                },
            },
            "zones": {
                "森林": {"area_km2": 2817.0, "epp_kj_per_m2_day": 101.0},
                "灌丛": {"area_km2": 262.0, "epp_kj_per_m2_day": 48.0},
                "草地": {"area_km2": 140.0, "epp_kj_per_m2_day": 32.0},
            },
        },
        "recreation": {
            "source": f"县文化广电和旅游局（{_SRC}）",
            "params": {
                "visits_10k": {2020: 420, 2021: 505, 2022: 468, 2023: 690, 2024: 742, 2025: 786},
                "spend_per_visit": {"value": _series(520, 0.03), "unit": "元/人次", "source": src_price},
            },
        },
    }
    return {
        "title": f"卢氏县 GEP 核算参数工作簿（{_SRC}）",
        "region": REGION,
        "region_name": "卢氏县",
        "years": list(YEARS),
        "price_year": PRICE_YEAR,
        "land_area_km2": {"value": LAND_AREA_KM2, "source": "公开数据：卢氏县总面积 4,004 km²"},
        "double_counting": {"water": "water_conservation"},
        "items": items,
    }


# ------------------------------------------------------------------------------------------------ files

_README = f"""# 卢氏县生态指标示例数据（{_SRC}）

本目录文件由 liangshan.demo.eco 以固定随机种子生成，用于演示指标 5、6、8、10、17 的计算，
不是官方统计数据。国土面积 4,004 km² 与 2020 年常住人口 317,232 人为公开数据。

- soil_farmland_示例数据.csv：受污染耕地 B、C、D、E 面积（亩）
- soil_plots_示例数据.csv：再开发利用污染地块与安全利用地块数（2021、2025 年为 0 → 不适用）
- species_示例数据.csv：各类群野生物种数、调查强度与分类修订（2023 年植物归并 19 种）
- survey_YYYY_示例数据.csv：公众满意度问卷（每年约 400 份），survey_weights_示例数据.csv：分层人口
- gep_workbook_示例数据.yaml：GEP 核算参数（2020—2025，不变价基年 {PRICE_YEAR}）
"""


def write_inputs(work_dir: Path) -> dict[str, Path]:
    """Write the synthetic raw files into ``work_dir / "eco"``; returns them by role.

    Parameters
    ----------
    work_dir : Path
        Demo working directory (created if missing).

    Returns
    -------
    dict of str to Path
        Keys ``farmland``, ``plots``, ``species``, ``weights``, ``gep``, ``survey_<year>``, ``readme``.
    """
    d = Path(work_dir) / "eco"
    d.mkdir(parents=True, exist_ok=True)
    files = {
        "farmland": d / "soil_farmland_示例数据.csv",
        "plots": d / "soil_plots_示例数据.csv",
        "species": d / "species_示例数据.csv",
        "weights": d / "survey_weights_示例数据.csv",
        "gep": d / "gep_workbook_示例数据.yaml",
        "readme": d / "README_示例数据.md",
    }
    _farmland_csv(files["farmland"])
    _plots_csv(files["plots"])
    _species_csv(files["species"])
    strata = _strata_population()
    _weights_csv(files["weights"], strata)
    for y, n, target in zip(YEARS, _SURVEY_N, _SURVEY_TARGET, strict=True):
        files[f"survey_{y}"] = d / f"survey_{y}_示例数据.csv"
        _survey_csv(files[f"survey_{y}"], y, n, target, strata)
    files["gep"].write_text(
        f"# {LABEL}：liangshan.demo.eco 生成\n"
        + yaml.safe_dump(_gep_workbook(), allow_unicode=True, sort_keys=False, width=200),
        encoding="utf-8",
    )
    files["readme"].write_text(_README, encoding="utf-8")
    return files


def compute_demo(work_dir: Path) -> list[ComputedValues]:
    """Write the synthetic inputs and compute indicators 5, 6, 8, 10 and 17 for 2020–2025.

    Parameters
    ----------
    work_dir : Path
        Demo working directory; files go to ``work_dir / "eco"``.

    Returns
    -------
    list of ComputedValues
        Per year, one per calculator (soil farmland, soil plots, species, survey, GEP), each with its
        own provenance (sha256 of the files it read, parameters, components).
    """
    files = write_inputs(work_dir)

    def by_year(
        spec: CalculatorSpec, inputs: dict[str, Path], params: dict[str, Any]
    ) -> dict[int, ComputedValues]:
        return {r.year: r for r in spec.compute(inputs, params, REGION).results}

    farmland = by_year(soil_calc.FARMLAND, {"csv": files["farmland"]}, {})
    plots = by_year(soil_calc.PLOTS, {"csv": files["plots"]}, {})
    species = by_year(species_calc.SPEC, {"csv": files["species"]}, {})
    gep = by_year(gep_calc.SPEC, {"workbook": files["gep"]}, {"price_year": PRICE_YEAR})
    out: list[ComputedValues] = []
    for y in YEARS:
        f = farmland[y]
        out.append(replace(f, notes=dict.fromkeys(f.values, LABEL)))
        p = plots[y]
        na = p.provenance.components["status"] == soil.STATUS_NOT_APPLICABLE
        note = f"无再开发利用污染地块：不适用（{_SRC}）" if na else LABEL
        out.append(replace(p, notes=dict.fromkeys(p.values, note)))
        sp = species[y]
        flags = sp.provenance.components["flags"]
        out.append(replace(sp, notes={"species_richness": "；".join([LABEL, *flags])}))
        (sv,) = survey_calc.SPEC.compute(
            {"responses": files[f"survey_{y}"], "weights": files["weights"]},
            {"year": y, "population": POPULATION},
            REGION,
        ).results
        out.append(replace(sv, notes=dict.fromkeys(sv.values, LABEL)))
        g = gep[y]
        out.append(replace(g, notes={"gep_constant": LABEL, "land_area_km2": "公开数据"}))
    return out
