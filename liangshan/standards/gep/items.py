"""GEP accounting items as declarative specs: parameters (with units), physical quantity, valuation.

Structure follows《陆地生态系统生产总值（GEP）核算技术指南》(生态环境部环境规划院, 2020) and
《生态产品总值核算规范（试行）》(国家发展改革委、国家统计局, 2022), restated in docs/gep.md. The
formula details and every default coefficient are **UNVERIFIED** against the official texts: each
default is an overridable parameter whose source says so. Prices have no defaults: they must be given
per year in the workbook (constant-price GEP uses the prices of the price year).

Every output row is ``value (万元) = quantity × price × factor / 10⁴``; ``factor`` converts the
quantity unit to the price's denominator (e.g. 万m³ × 元/m³ → factor 10⁴).

Double counting (docs/gep.md, enforced in :mod:`liangshan.standards.gep.engine`):

- 水源涵养 vs 物质产品·水资源: both measure the same water; when a workbook enables both it must choose
  ``double_counting.water`` = ``water_conservation`` | ``water_supply`` | ``both`` (error otherwise).
- 水源涵养 vs 洪水调蓄 for reservoirs and lakes: when flood regulation counts reservoir or lake storage,
  water-conservation zones must not be water bodies (ecosystem 水库/湖泊/水体/水域) — error otherwise.
- 空气净化 and 水质净化 are capped at the emissions / loads (no purification of pollution that is not there).
- 固碳 and 释氧 are distinct services (both counted); 气候调节 (energy) and 水源涵养 (volume) too.
- 休闲旅游 counts only visits to natural / ecological sites (the workbook's ``visits_10k`` must be so
  defined; not checkable here).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from liangshan.standards.gep.units import unit_factor_pair
from liangshan.standards.gep.workbook import GepParameterError

if TYPE_CHECKING:
    from liangshan.standards.gep.engine import ItemContext

__all__ = [
    "CATEGORIES",
    "CATEGORY_CULTURAL",
    "CATEGORY_MATERIAL",
    "CATEGORY_REGULATING",
    "ITEMS",
    "ItemSpec",
    "Output",
    "Param",
]

CATEGORY_MATERIAL = "物质产品"
CATEGORY_REGULATING = "调节服务"
CATEGORY_CULTURAL = "文化服务"
CATEGORIES = (CATEGORY_MATERIAL, CATEGORY_REGULATING, CATEGORY_CULTURAL)

UNVERIFIED_GUIDE = (
    "UNVERIFIED：docs/gep.md 示例值（《陆地生态系统生产总值（GEP）核算技术指南》常用取值），请按省级规范核对"
)

#: Molar-mass ratios (stoichiometry, exact): CO₂/C = 44/12, O₂/CO₂ = 32/44 (photosynthesis).
CO2_PER_C = 44.0 / 12.0
O2_PER_CO2 = 32.0 / 44.0


@dataclass(frozen=True)
class Param:
    """A parameter an item needs.

    Attributes
    ----------
    name : str
        Key in the workbook.
    unit : str
        Unit the value must be in (checked when the workbook states a unit).
    description : str
        Chinese description for messages and docs.
    kind : {"quantity", "coefficient", "price"}
        Prices are looked up at the price year (constant prices) or the accounting year (current).
    zone : bool
        Given per zone (ecosystem type / product) rather than once for the item.
    default, default_source : float, str
        Documented default (coefficients only), with where it comes from.
    from_item : str
        Read from another item's parameters (e.g. oxygen release uses the carbon item's NEP).
    minimum, maximum : float
        Inclusive bounds checked on every value.
    """

    name: str
    unit: str
    description: str
    kind: Literal["quantity", "coefficient", "price"] = "quantity"
    zone: bool = False
    default: float | None = None
    default_source: str | None = None
    from_item: str | None = None
    minimum: float | None = 0.0
    maximum: float | None = None


@dataclass(frozen=True)
class Output:
    """One valued output row of an item: ``value = quantity × price × factor`` (元)."""

    key: str
    name: str
    quantity_unit: str
    price_param: str
    price_unit: str
    factor: float = 1.0


#: One valued row: (output, quantity in ``output.quantity_unit``, price in ``output.price_unit``).
Row = tuple[Output, float, float]


@dataclass(frozen=True)
class ItemSpec:
    """A GEP accounting item.

    Attributes
    ----------
    key, name, category : str
        Workbook key, Chinese name, category (物质产品 / 调节服务 / 文化服务).
    params : tuple of Param
        Every parameter, item-level and per-zone.
    outputs : tuple of Output
        The valued rows (empty for items whose rows depend on the workbook, i.e. material products).
    quantity_formula, valuation_formula : str
        The formulas, as written in the docs and the output.
    compute : callable
        ``compute(ctx) -> list[(Output, quantity, price)]``.
    zones_required : bool
        At least one zone must be given (unless rasters supply the quantity).
    raster_inputs : tuple of str
        Raster names that can replace the zone inputs (see :mod:`liangshan.standards.gep.rasters`).
    rows_per_zone : bool
        One output row per zone (material products): each row reports only its zone's parameters.
    """

    key: str
    name: str
    category: str
    params: tuple[Param, ...]
    outputs: tuple[Output, ...]
    quantity_formula: str
    valuation_formula: str
    compute: Callable[[ItemContext], list[Row]]
    zones_required: bool = False
    raster_inputs: tuple[str, ...] = ()
    rows_per_zone: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)

    def param(self, name: str) -> Param:
        """The spec of parameter ``name``."""
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(f"{self.key} 没有声明参数 {name}")


AREA = Param("area_km2", "km²", "分区面积", zone=True)


# ------------------------------------------------------------------------------------------ 物质产品


def _material(ctx: ItemContext) -> list[Row]:
    rows: list[Row] = []
    for zone in ctx.zones():
        if ctx.has_zone_param(zone, "output_value"):
            # output value at current prices (万元) deflated by a price index of any base:
            # price = I(price basis year) / I(accounting year), value = V × price
            q = ctx.z(zone, "output_value")
            idx_year = ctx.z(zone, "price_index")
            if idx_year <= 0:
                raise GepParameterError(
                    "价格指数必须大于 0", item=ctx.spec.key, zone=zone, parameter="price_index"
                )
            ratio = ctx.zone_price(zone, "price_index") / idx_year
            out = Output(f"material.{zone}", zone, "万元", "price_index", "价格指数比", factor=1e4)
            rows.append((out, q, ratio))
            continue
        q = ctx.z(zone, "quantity")
        qunit = ctx.zone_unit(zone, "quantity")
        punit = ctx.zone_unit(zone, "price")
        factor = unit_factor_pair(qunit, punit, where=f"物质产品 {zone}")
        assert qunit is not None and punit is not None  # checked by unit_factor_pair
        out = Output(f"material.{zone}", zone, qunit, "price", punit, factor=factor)
        rows.append((out, q, ctx.zone_price(zone, "price")))
    return rows


MATERIAL_PRODUCTS = ItemSpec(
    key="material_products",
    name="物质产品（农林牧渔产品等）",
    category=CATEGORY_MATERIAL,
    params=(
        Param("quantity", "(工作簿注明)", "产品产量（须注明单位，如 t、万头）", zone=True),
        Param("price", "(工作簿注明)", "产品价格（须注明单位，如 元/t）", kind="price", zone=True),
        Param("output_value", "万元", "产值（当年价，替代 产量×价格 时使用）", zone=True),
        Param("price_index", "无量纲", "价格指数（任意基期，与 output_value 配套）", kind="price", zone=True),
    ),
    outputs=(),
    quantity_formula="每种产品：产量 Q_i（或当年价产值 V_i）",
    valuation_formula="Σ Q_i × P_i（不变价用价格年份的 P_i）；产值口径：V_i × I(价格年份) / I(核算年份)",
    compute=_material,
    zones_required=True,
    rows_per_zone=True,
)


def _single(out: Output, fn: Callable[[ItemContext], float]) -> Callable[[ItemContext], list[Row]]:
    def compute(ctx: ItemContext) -> list[Row]:
        return [(out, fn(ctx), ctx.price(out.price_param))]

    return compute


WATER_SUPPLY_OUT = Output("water_supply", "水资源", "万m³", "water_price", "元/m³", factor=1e4)
WATER_SUPPLY = ItemSpec(
    key="water_supply",
    name="水资源（物质产品）",
    category=CATEGORY_MATERIAL,
    params=(
        Param("water_supply_10k_m3", "万m³", "生活、工业、农业用水量"),
        Param("water_price", "元/m³", "水价", kind="price"),
    ),
    outputs=(WATER_SUPPLY_OUT,),
    quantity_formula="用水量 W（万m³）",
    valuation_formula="W × 10⁴ × 水价",
    compute=_single(WATER_SUPPLY_OUT, lambda c: c.p("water_supply_10k_m3")),
)

ENERGY_OUT = Output(
    "ecological_energy", "生态能源（水电）", "万kWh", "hydropower_price", "元/kWh", factor=1e4
)
ECOLOGICAL_ENERGY = ItemSpec(
    key="ecological_energy",
    name="生态能源",
    category=CATEGORY_MATERIAL,
    params=(
        Param("hydropower_10k_kwh", "万kWh", "水电发电量"),
        Param("hydropower_price", "元/kWh", "上网电价", kind="price"),
    ),
    outputs=(ENERGY_OUT,),
    quantity_formula="水电发电量 E（万kWh）",
    valuation_formula="E × 10⁴ × 上网电价",
    compute=_single(ENERGY_OUT, lambda c: c.p("hydropower_10k_kwh")),
)


# ------------------------------------------------------------------------------------------ 调节服务

RESERVOIR_COST = Param("reservoir_cost", "元/m³", "水库单位库容造价", kind="price")

WC_OUT = Output("water_conservation", "水源涵养", "m³", "reservoir_cost", "元/m³")


def _water_conservation(ctx: ItemContext) -> list[Row]:
    if ctx.raster is not None:
        q = ctx.raster["water_conservation_m3"]
    else:
        q = 0.0
        for z in ctx.zones():
            depth = ctx.z(z, "precipitation_mm") - ctx.z(z, "runoff_mm") - ctx.z(z, "et_mm")
            q += ctx.z(z, "area_km2") * 1e3 * max(depth, 0.0)  # km² × mm = 10³ m³
    ctx.physical["水源涵养量_m3"] = q
    return [(WC_OUT, q, ctx.price("reservoir_cost"))]


WATER_CONSERVATION = ItemSpec(
    key="water_conservation",
    name="水源涵养",
    category=CATEGORY_REGULATING,
    params=(
        AREA,
        Param("precipitation_mm", "mm", "年降水量 P", zone=True),
        Param("runoff_mm", "mm", "地表（暴雨）径流量 R", zone=True),
        Param("et_mm", "mm", "蒸散发量 ET", zone=True),
        Param(
            "runoff_coefficient",
            "无量纲",
            "径流系数 α（仅栅格模式：R = P × α，配合 land_cover_codes）",
            zone=True,
            maximum=1.0,
        ),
        RESERVOIR_COST,
    ),
    outputs=(WC_OUT,),
    quantity_formula="Q_wr = Σ_i A_i × max(P_i − R_i − ET_i, 0) × 10³（m³；A km²，P/R/ET mm；负值按 0 计）",
    valuation_formula="Q_wr × 水库单位库容造价",
    compute=_water_conservation,
    zones_required=True,
    raster_inputs=("precipitation", "et", "runoff|landcover"),
)

SR_SEDIMENT = Output("soil_retention.sediment", "土壤保持（减少泥沙淤积）", "m³", "reservoir_cost", "元/m³")
SR_N = Output("soil_retention.nitrogen", "土壤保持（减少氮面源污染）", "kg", "nitrogen_cost", "元/kg")
SR_P = Output("soil_retention.phosphorus", "土壤保持（减少磷面源污染）", "kg", "phosphorus_cost", "元/kg")


def _soil_retention(ctx: ItemContext) -> list[Row]:
    if ctx.raster is not None:
        q_sr = ctx.raster["soil_retention_t"]
    else:
        q_sr = 0.0
        for z in ctx.zones():
            rkls = ctx.z(z, "r_factor") * ctx.z(z, "k_factor") * ctx.z(z, "ls_factor")
            a_c = rkls * (1.0 - ctx.z(z, "c_factor") * ctx.z(z, "p_factor"))  # t/(hm²·a)
            q_sr += a_c * ctx.z(z, "area_km2") * 100.0  # km² → hm²
    lam, rho = ctx.p("sediment_ratio"), ctx.p("bulk_density")
    ctx.physical["土壤保持量_t"] = q_sr
    sediment = q_sr * lam / rho
    nitrogen = q_sr * ctx.p("soil_n_g_per_kg")  # t soil × g/kg = kg
    phosphorus = q_sr * ctx.p("soil_p_g_per_kg")
    return [
        (SR_SEDIMENT, sediment, ctx.price("reservoir_cost")),
        (SR_N, nitrogen, ctx.price("nitrogen_cost")),
        (SR_P, phosphorus, ctx.price("phosphorus_cost")),
    ]


SOIL_RETENTION = ItemSpec(
    key="soil_retention",
    name="土壤保持",
    category=CATEGORY_REGULATING,
    params=(
        AREA,
        Param("r_factor", "MJ·mm/(hm²·h·a)", "降雨侵蚀力因子 R", zone=True),
        Param("k_factor", "t·hm²·h/(hm²·MJ·mm)", "土壤可蚀性因子 K", zone=True),
        Param("ls_factor", "无量纲", "坡长坡度因子 LS", zone=True),
        Param("c_factor", "无量纲", "植被覆盖与管理因子 C", zone=True, maximum=1.0),
        Param("p_factor", "无量纲", "水土保持措施因子 P", zone=True, maximum=1.0),
        Param(
            "sediment_ratio",
            "无量纲",
            "泥沙淤积比例 λ",
            kind="coefficient",
            default=0.24,
            default_source=UNVERIFIED_GUIDE,
            maximum=1.0,
        ),
        Param(
            "bulk_density",
            "t/m³",
            "土壤容重 ρ",
            kind="coefficient",
            default=1.3,
            default_source=UNVERIFIED_GUIDE,
            minimum=0.1,
        ),
        Param("soil_n_g_per_kg", "g/kg", "土壤全氮含量", kind="coefficient"),
        Param("soil_p_g_per_kg", "g/kg", "土壤全磷含量", kind="coefficient"),
        RESERVOIR_COST,
        Param("nitrogen_cost", "元/kg", "氮处理成本（环境工程降解成本）", kind="price"),
        Param("phosphorus_cost", "元/kg", "磷处理成本（环境工程降解成本）", kind="price"),
    ),
    outputs=(SR_SEDIMENT, SR_N, SR_P),
    quantity_formula=(
        "RUSLE：A_c = R·K·LS·(1 − C·P)（t/hm²·a）；Q_sr = Σ A_c × 面积(hm²)（t）；"
        "泥沙 = Q_sr × λ / ρ（m³）；氮、磷 = Q_sr × 含量(g/kg)（kg）"
    ),
    valuation_formula="泥沙 × 水库单位库容造价 + 氮 × 氮处理成本 + 磷 × 磷处理成本",
    compute=_soil_retention,
    zones_required=True,
    raster_inputs=("r_factor", "k_factor", "ls_factor", "c_factor", "p_factor"),
)

FR_VEG = Output("flood_regulation.vegetation", "洪水调蓄（植被）", "m³", "reservoir_cost", "元/m³")
FR_LAKE = Output("flood_regulation.lake", "洪水调蓄（湖泊）", "m³", "reservoir_cost", "元/m³")
FR_RES = Output("flood_regulation.reservoir", "洪水调蓄（水库）", "m³", "reservoir_cost", "元/m³")


def _flood(ctx: ItemContext) -> list[Row]:
    veg = 0.0
    for z in ctx.zones():
        depth = ctx.z(z, "storm_rainfall_mm") - ctx.z(z, "storm_runoff_mm")
        veg += ctx.z(z, "area_km2") * 1e3 * max(depth, 0.0)
    price = ctx.price("reservoir_cost")
    return [
        (FR_VEG, veg, price),
        (FR_LAKE, ctx.p("lake_flood_capacity_m3"), price),
        (FR_RES, ctx.p("reservoir_flood_capacity_m3"), price),
    ]


FLOOD_REGULATION = ItemSpec(
    key="flood_regulation",
    name="洪水调蓄",
    category=CATEGORY_REGULATING,
    params=(
        AREA,
        Param("storm_rainfall_mm", "mm", "暴雨降雨量", zone=True),
        Param("storm_runoff_mm", "mm", "暴雨径流量", zone=True),
        Param("lake_flood_capacity_m3", "m³", "湖泊可调蓄水量（无湖泊填 0）"),
        Param("reservoir_flood_capacity_m3", "m³", "水库防洪库容（无水库填 0）"),
        RESERVOIR_COST,
    ),
    outputs=(FR_VEG, FR_LAKE, FR_RES),
    quantity_formula=(
        "植被：Σ A_i × max(暴雨降雨量 − 暴雨径流量, 0) × 10³（m³）；湖泊、水库：可调蓄水量（m³）"
    ),
    valuation_formula="调蓄量 × 水库单位库容造价",
    compute=_flood,
    zones_required=True,
)

_AIR = (("so2", "二氧化硫"), ("nox", "氮氧化物"), ("dust", "粉尘"))
AIR_OUTS = tuple(
    Output(f"air_purification.{p}", f"空气净化（{n}）", "t", f"{p}_cost", "元/t") for p, n in _AIR
)


def _air(ctx: ItemContext) -> list[Row]:
    rows = []
    for (p, _), out in zip(_AIR, AIR_OUTS, strict=True):
        absorbed = sum(ctx.z(z, "area_km2") * 100.0 * ctx.z(z, f"{p}_kg_per_ha") for z in ctx.zones()) / 1e3
        emission = ctx.p(f"{p}_emission_t")
        ctx.physical[f"{p}_吸收能力_t"] = absorbed
        rows.append((out, min(absorbed, emission), ctx.price(out.price_param)))
    return rows


AIR_PURIFICATION = ItemSpec(
    key="air_purification",
    name="空气净化",
    category=CATEGORY_REGULATING,
    params=(
        AREA,
        *(Param(f"{p}_kg_per_ha", "kg/(hm²·a)", f"单位面积{n}净化量", zone=True) for p, n in _AIR),
        *(Param(f"{p}_emission_t", "t", f"{n}排放量（净化量上限）") for p, n in _AIR),
        *(Param(f"{p}_cost", "元/t", f"{n}治理成本", kind="price") for p, n in _AIR),
    ),
    outputs=AIR_OUTS,
    quantity_formula="Q_p = min(Σ_i A_i(hm²) × q_p,i / 10³, 排放量_p)（t）",
    valuation_formula="Σ_p Q_p × 治理成本_p",
    compute=_air,
    zones_required=True,
)

_WATER = (("cod", "化学需氧量"), ("nh3n", "氨氮"), ("tp", "总磷"))
WATER_OUTS = tuple(
    Output(f"water_purification.{p}", f"水质净化（{n}）", "t", f"{p}_cost", "元/t") for p, n in _WATER
)


def _water(ctx: ItemContext) -> list[Row]:
    rows = []
    for (p, _), out in zip(_WATER, WATER_OUTS, strict=True):
        capacity = sum(ctx.z(z, "area_km2") * ctx.z(z, f"{p}_t_per_km2") for z in ctx.zones())
        load = ctx.p(f"{p}_load_t")
        ctx.physical[f"{p}_净化能力_t"] = capacity
        rows.append((out, min(capacity, load), ctx.price(out.price_param)))
    return rows


WATER_PURIFICATION = ItemSpec(
    key="water_purification",
    name="水质净化",
    category=CATEGORY_REGULATING,
    params=(
        AREA,
        *(Param(f"{p}_t_per_km2", "t/(km²·a)", f"单位面积{n}净化量", zone=True) for p, n in _WATER),
        *(Param(f"{p}_load_t", "t", f"{n}入河负荷（净化量上限）") for p, n in _WATER),
        *(Param(f"{p}_cost", "元/t", f"{n}处理成本", kind="price") for p, n in _WATER),
    ),
    outputs=WATER_OUTS,
    quantity_formula="Q_p = min(Σ_i A_i(km²) × q_p,i, 负荷_p)（t）",
    valuation_formula="Σ_p Q_p × 处理成本_p",
    compute=_water,
    zones_required=True,
)

CARBON_OUT = Output("carbon_sequestration", "固碳", "t CO₂", "carbon_price", "元/t CO₂")


def _carbon(ctx: ItemContext) -> list[Row]:
    return [(CARBON_OUT, CO2_PER_C * ctx.p("nep_t_c"), ctx.price("carbon_price"))]


CARBON_SEQUESTRATION = ItemSpec(
    key="carbon_sequestration",
    name="固碳",
    category=CATEGORY_REGULATING,
    params=(
        Param("nep_t_c", "t C", "净生态系统生产力 NEP（或森林清查碳汇，折碳）", minimum=None),
        Param("carbon_price", "元/t CO₂", "碳价（如全国碳市场年均成交价，须注明来源）", kind="price"),
    ),
    outputs=(CARBON_OUT,),
    quantity_formula="Q_CO2 = 44/12 × NEP（t CO₂）",
    valuation_formula="Q_CO2 × 碳价",
    compute=_carbon,
)

OXYGEN_OUT = Output("oxygen_release", "释氧", "t O₂", "oxygen_price", "元/t")


def _oxygen(ctx: ItemContext) -> list[Row]:
    return [(OXYGEN_OUT, O2_PER_CO2 * CO2_PER_C * ctx.p("nep_t_c"), ctx.price("oxygen_price"))]


OXYGEN_RELEASE = ItemSpec(
    key="oxygen_release",
    name="释氧",
    category=CATEGORY_REGULATING,
    params=(
        Param("nep_t_c", "t C", "NEP（取自 固碳 核算项）", from_item="carbon_sequestration", minimum=None),
        Param("oxygen_price", "元/t", "工业制氧价格", kind="price"),
    ),
    outputs=(OXYGEN_OUT,),
    quantity_formula="Q_O2 = 32/44 × Q_CO2 = 32/44 × 44/12 × NEP（t O₂）",
    valuation_formula="Q_O2 × 工业制氧价格",
    compute=_oxygen,
)

CR_PLANT = Output(
    "climate_regulation.transpiration", "气候调节（植被蒸腾）", "kWh", "electricity_price", "元/kWh"
)
CR_WATER = Output(
    "climate_regulation.evaporation", "气候调节（水面蒸发）", "kWh", "electricity_price", "元/kWh"
)


def _climate(ctx: ItemContext) -> list[Row]:
    d, r = ctx.p("days_above_26c"), ctx.p("ac_efficiency")
    e_pt = (
        sum(ctx.z(z, "epp_kj_per_m2_day") * ctx.z(z, "area_km2") for z in ctx.zones())
        * d
        * 1e6
        / (3600.0 * r)
    )
    e_w = ctx.p("water_evaporation_m3")
    e_we = e_w * ctx.p("latent_heat_kj_per_kg") * 1e3 / 3600.0 + e_w * ctx.p("humidifier_kwh_per_m3")
    price = ctx.price("electricity_price")
    return [(CR_PLANT, e_pt, price), (CR_WATER, e_we, price)]


CLIMATE_REGULATION = ItemSpec(
    key="climate_regulation",
    name="气候调节",
    category=CATEGORY_REGULATING,
    params=(
        AREA,
        Param("epp_kj_per_m2_day", "kJ/(m²·d)", "单位面积植被蒸腾消耗热量 EPP", zone=True),
        Param("days_above_26c", "d", "日最高气温 > 26 ℃ 的天数", maximum=366.0),
        Param(
            "ac_efficiency",
            "无量纲",
            "空调能效比 r",
            kind="coefficient",
            default=3.0,
            default_source=UNVERIFIED_GUIDE,
            minimum=0.1,
        ),
        Param("water_evaporation_m3", "m³", "水面蒸发量 E_w（高温日）"),
        Param(
            "latent_heat_kj_per_kg",
            "kJ/kg",
            "水的汽化潜热 q",
            kind="coefficient",
            default=2260.0,
            default_source="UNVERIFIED：物理常数（100 ℃ 时 2260 kJ/kg；25 ℃ 时约 2442 kJ/kg），按指南核对",
            minimum=1.0,
        ),
        Param("humidifier_kwh_per_m3", "kWh/m³", "加湿器将 1 m³ 水转化为蒸汽的耗电量 y", kind="coefficient"),
        Param("electricity_price", "元/kWh", "电价", kind="price"),
    ),
    outputs=(CR_PLANT, CR_WATER),
    quantity_formula=(
        "E_pt = Σ_i EPP_i × S_i(km²) × d × 10⁶ / (3600 × r)（kWh）；"
        "E_we = E_w × q × 10³ / 3600 + E_w × y（kWh）"
    ),
    valuation_formula="(E_pt + E_we) × 电价",
    compute=_climate,
    zones_required=True,
)

REC_OUT = Output("recreation", "休闲旅游", "万人次", "spend_per_visit", "元/人次", factor=1e4)
RECREATION = ItemSpec(
    key="recreation",
    name="休闲旅游",
    category=CATEGORY_CULTURAL,
    params=(
        Param("visits_10k", "万人次", "自然景观 / 生态旅游接待人次"),
        Param("spend_per_visit", "元/人次", "人均旅游花费（旅行费用法近似）", kind="price"),
    ),
    outputs=(REC_OUT,),
    quantity_formula="游客人次 N（万人次，仅自然生态景区）",
    valuation_formula="N × 10⁴ × 人均花费",
    compute=_single(REC_OUT, lambda c: c.p("visits_10k")),
)

#: All items, in reporting order.
ITEMS: dict[str, ItemSpec] = {
    s.key: s
    for s in (
        MATERIAL_PRODUCTS,
        WATER_SUPPLY,
        ECOLOGICAL_ENERGY,
        WATER_CONSERVATION,
        SOIL_RETENTION,
        FLOOD_REGULATION,
        AIR_PURIFICATION,
        WATER_PURIFICATION,
        CARBON_SEQUESTRATION,
        OXYGEN_RELEASE,
        CLIMATE_REGULATION,
        RECREATION,
    )
}


def describe_items() -> list[dict[str, Any]]:
    """The item specs as plain data (for docs and ``--json`` help): parameters with units and defaults."""
    return [
        {
            "key": s.key,
            "name": s.name,
            "category": s.category,
            "quantity_formula": s.quantity_formula,
            "valuation_formula": s.valuation_formula,
            "params": [
                {
                    "name": p.name,
                    "unit": p.unit,
                    "description": p.description,
                    "kind": p.kind,
                    "zone": p.zone,
                    "default": p.default,
                    "default_source": p.default_source,
                    "from_item": p.from_item,
                }
                for p in s.params
            ],
        }
        for s in ITEMS.values()
    ]
