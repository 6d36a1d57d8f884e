"""GEP accounting engine: workbook (+ optional rasters) → values per item, per category, GEP, GEP/km².

``GEP = Σ 物质产品 + Σ 调节服务 + Σ 文化服务`` (docs/gep.md, 《生态产品总值核算规范（试行）》 3.2),
reported in 万元, at **current prices** (each year's prices) or at **constant prices** of a price year
(every year's quantities × the price year's prices; 附件2 指标10 compares years this way).

A parameter an item needs and the workbook leaves out is an error naming item, zone, parameter and
year — never a silent zero. Defaults exist only for coefficients and are reported with their source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from liangshan.standards.gep.items import CATEGORIES, ITEMS, ItemSpec, Param
from liangshan.standards.gep.workbook import (
    ZONE_ATTRIBUTES,
    GepParameterError,
    GepWorkbookError,
    ItemInput,
    ParamValue,
    Workbook,
)
from liangshan.standards.safe_yaml import excerpt

__all__ = [
    "DOUBLE_COUNTING_RULES",
    "WATER_BODY_ECOSYSTEMS",
    "GepResult",
    "ItemContext",
    "ItemValue",
    "YearGep",
    "account",
    "account_years",
]

#: Ecosystem labels treated as water bodies for the reservoir double-counting rule.
WATER_BODY_ECOSYSTEMS = frozenset(
    {"水库", "湖泊", "水体", "水域", "河流", "坑塘", "reservoir", "lake", "water"}
)

#: The double-counting rules, stated once (docs and output quote them).
DOUBLE_COUNTING_RULES: dict[str, str] = {
    "water": (
        "水源涵养与物质产品·水资源同为水量：两者同时启用时须在 double_counting.water 中选择 "
        "water_conservation（只计水源涵养）、water_supply（只计水资源）或 both（声明不重叠，均计入）"
    ),
    "reservoir": "洪水调蓄计入水库/湖泊库容时，水源涵养分区不得包含水库、湖泊等水体",
    "caps": "空气净化、水质净化不超过当年排放量/入河负荷",
    "carbon_oxygen": "固碳与释氧为不同服务，均计入",
    "recreation": "休闲旅游只计自然生态景观的游客人次",
}

_UNIT_ALIASES = {"m3": "m³", "m^3": "m³", "km2": "km²", "km^2": "km²", "hm2": "hm²", "tCO2": "t CO₂"}


def _norm_unit(u: str) -> str:
    s = u.strip()
    for a, b in _UNIT_ALIASES.items():
        s = s.replace(a, b)
    return s.replace(" ", "")


class ItemContext:
    """What an item's ``compute`` sees: parameter look-ups for one year that record what was used.

    Parameters
    ----------
    spec : ItemSpec
        The item.
    workbook : Workbook
        All inputs.
    year : int
        Accounting year (quantities and coefficients).
    price_year : int
        Year whose prices are used (= ``year`` for current prices).
    raster : dict or None
        Raster aggregates for this item and year (see :mod:`liangshan.standards.gep.rasters`).
    """

    def __init__(
        self, spec: ItemSpec, workbook: Workbook, year: int, price_year: int, raster: dict[str, float] | None
    ) -> None:
        self.spec = spec
        self.workbook = workbook
        self.inp: ItemInput = workbook.items[spec.key]
        self.year = year
        self.price_year = price_year
        self.raster = raster
        self.physical: dict[str, float] = {}
        self.used: dict[str, dict[str, Any]] = {}

    # -------------------------------------------------------------------------------------- look-ups
    def _resolve(
        self, pv: ParamValue | None, param: Param, *, zone: str | None, year: int, key: str
    ) -> float:
        item_name = self.spec.key if param.from_item is None else param.from_item
        if pv is None:
            if param.default is not None and zone is None:
                self.used[key] = {
                    "value": param.default,
                    "unit": param.unit,
                    "source": f"默认值（{param.default_source}）",
                }
                return param.default
            raise GepParameterError(
                f"缺少参数（{param.description}，单位 {param.unit}）；不以 0 代替，如确为 0 请填写 0",
                item=item_name,
                zone=zone,
                parameter=param.name,
            )
        v = pv.at(year)
        if v is None:
            have = ", ".join(str(y) for y in sorted(pv.by_year)) or "无"
            raise GepParameterError(
                f"缺少该年数值（已有年份：{have}；{param.description}，单位 {param.unit}）",
                item=item_name,
                zone=zone,
                parameter=param.name,
                year=year,
            )
        if pv.unit and not param.unit.startswith("(") and _norm_unit(pv.unit) != _norm_unit(param.unit):
            raise GepParameterError(
                f"单位应为 {param.unit}，工作簿写作 {pv.unit}（{pv.where}）",
                item=item_name,
                zone=zone,
                parameter=param.name,
            )
        if param.minimum is not None and v < param.minimum:
            raise GepParameterError(
                f"数值 {v:g} 小于下限 {param.minimum:g}",
                item=item_name,
                zone=zone,
                parameter=param.name,
                year=year,
            )
        if param.maximum is not None and v > param.maximum:
            raise GepParameterError(
                f"数值 {v:g} 大于上限 {param.maximum:g}",
                item=item_name,
                zone=zone,
                parameter=param.name,
                year=year,
            )
        self.used[key] = {
            "value": v,
            "unit": pv.unit or param.unit,
            "source": pv.source
            or (f"工作簿 {Path(self.workbook.file).name}" if self.workbook.file else "工作簿"),
            **({"year": year} if year != self.year else {}),
        }
        return v

    def _item_pv(self, param: Param) -> ParamValue | None:
        if param.from_item is None:
            return self.inp.params.get(param.name)
        other = self.workbook.items.get(param.from_item)
        if other is None:
            raise GepParameterError(
                f"需要核算项 {param.from_item} 的参数 {param.name}，但工作簿没有该核算项",
                item=self.spec.key,
                parameter=param.name,
            )
        return other.params.get(param.name)

    def p(self, name: str) -> float:
        """Item-level quantity or coefficient for the accounting year."""
        param = self.spec.param(name)
        return self._resolve(self._item_pv(param), param, zone=None, year=self.year, key=name)

    def price(self, name: str) -> float:
        """Item-level price at the price basis year (current: the accounting year)."""
        param = self.spec.param(name)
        return self._resolve(self._item_pv(param), param, zone=None, year=self.price_year, key=name)

    def zones(self) -> list[str]:
        """Zone names (ecosystem types / products); error when the item needs zones and has none."""
        names = list(self.inp.zones)
        if not names and self.spec.zones_required:
            raise GepParameterError("至少需要一个分区（zones）", item=self.spec.key)
        return names

    def z(self, zone: str, name: str) -> float:
        """Zone parameter for the accounting year."""
        param = self.spec.param(name)
        pv = self.inp.zones.get(zone, {}).get(name)
        return self._resolve(pv, param, zone=zone, year=self.year, key=f"{zone}.{name}")

    def zone_price(self, zone: str, name: str) -> float:
        """Zone price at the price basis year."""
        param = self.spec.param(name)
        pv = self.inp.zones.get(zone, {}).get(name)
        return self._resolve(pv, param, zone=zone, year=self.price_year, key=f"{zone}.{name}")

    def has_zone_param(self, zone: str, name: str) -> bool:
        """Whether the workbook gives ``name`` for ``zone``."""
        return name in self.inp.zones.get(zone, {})

    def zone_unit(self, zone: str, name: str) -> str | None:
        """The unit the workbook states for a zone parameter."""
        pv = self.inp.zones.get(zone, {}).get(name)
        return None if pv is None else pv.unit

    def attr(self, zone: str, name: str) -> str | None:
        """A text attribute of a zone (``ecosystem``, ``land_cover_codes`` …)."""
        return self.inp.zone_attrs.get(zone, {}).get(name)


# ------------------------------------------------------------------------------------------------ results


@dataclass(frozen=True)
class ItemValue:
    """One valued row.

    Attributes
    ----------
    key, name : str
        Row key (``soil_retention.sediment``) and Chinese name.
    item, item_name, category : str
        The accounting item it belongs to and its category.
    quantity : float
        Physical quantity in ``quantity_unit``.
    price : float
        Price in ``price_unit`` (of ``price_year``).
    value : float
        ``quantity × price × factor / 10⁴``, 万元.
    parameters : dict
        Every parameter used by the item: value, unit, source.
    """

    key: str
    name: str
    item: str
    item_name: str
    category: str
    quantity: float
    quantity_unit: str
    price: float
    price_unit: str
    price_year: int
    value: float
    quantity_source: str
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)

    def as_dict(self, *, with_parameters: bool = True) -> dict[str, Any]:
        """JSON-ready dict (keys name, category, quantity, quantity_unit, price, value, …)."""
        d: dict[str, Any] = {
            "name": self.name,
            "category": self.category,
            "quantity": self.quantity,
            "quantity_unit": self.quantity_unit,
            "price": self.price,
            "price_unit": self.price_unit,
            "value": self.value,
            "key": self.key,
            "item": self.item,
            "price_year": self.price_year,
            "quantity_source": self.quantity_source,
        }
        if with_parameters:
            d["parameters"] = self.parameters
        return d


@dataclass(frozen=True)
class GepResult:
    """GEP of one year at one price basis.

    Attributes
    ----------
    year : int
    price_basis : {"current", "constant"}
    price_year : int
        Year of the prices used.
    items : list of ItemValue
        Counted rows; ``Σ value = gep``.
    totals : dict
        万元 per category (物质产品, 调节服务, 文化服务).
    gep : float
        万元.
    land_area_km2 : float
    gep_per_km2 : float
        万元/km².
    excluded : list of dict
        Rows computed but not counted because of a double-counting rule (with the reason).
    not_accounted : list of str
        Items absent from the workbook.
    rules : list of str
        Double-counting rules applied.
    physical : dict
        Intermediate physical quantities per item (e.g. 土壤保持量_t).
    raster_inputs : list of str
        Raster files used.
    """

    year: int
    price_basis: str
    price_year: int
    items: list[ItemValue]
    totals: dict[str, float]
    gep: float
    land_area_km2: float
    gep_per_km2: float
    excluded: list[dict[str, Any]] = field(default_factory=list)
    not_accounted: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    physical: dict[str, dict[str, float]] = field(default_factory=dict)
    raster_inputs: list[str] = field(default_factory=list)

    def as_dict(self, *, with_parameters: bool = True) -> dict[str, Any]:
        """JSON-ready dict with keys gep, gep_per_km2, items, totals, …"""
        return {
            "year": self.year,
            "price_basis": self.price_basis,
            "price_year": self.price_year,
            "gep": self.gep,
            "gep_per_km2": self.gep_per_km2,
            "land_area_km2": self.land_area_km2,
            "totals": self.totals,
            "items": [i.as_dict(with_parameters=with_parameters) for i in self.items],
            "excluded": self.excluded,
            "not_accounted": self.not_accounted,
            "rules": self.rules,
            "physical": self.physical,
            "raster_inputs": self.raster_inputs,
        }


# ------------------------------------------------------------------------------------------------- engine


def _check_names(workbook: Workbook) -> None:
    unknown = [k for k in workbook.items if k not in ITEMS]
    if unknown:
        raise GepWorkbookError(
            f"未知核算项 {', '.join(unknown)}（可用：{', '.join(ITEMS)}）", file=workbook.file, where="items"
        )
    for key, inp in workbook.items.items():
        spec = ITEMS[key]
        item_names = {p.name for p in spec.params if not p.zone and p.from_item is None}
        zone_names = {p.name for p in spec.params if p.zone}
        for name in inp.params:
            if name not in item_names:
                hint = "（该参数应按分区填写）" if name in zone_names else ""
                raise GepWorkbookError(
                    f"核算项 {key} 没有参数 {name}{hint}；可用：{', '.join(sorted(item_names)) or '无'}",
                    file=workbook.file,
                    where=f"items.{key}.params",
                )
        for zone, params in inp.zones.items():
            for name in params:
                if name not in zone_names:
                    raise GepWorkbookError(
                        f"核算项 {key} 的分区参数没有 {name}；可用：{', '.join(sorted(zone_names)) or '无'}",
                        file=workbook.file,
                        where=f"items.{key}.zones.{zone}",
                    )
            for name in inp.zone_attrs.get(zone, {}):
                if name not in ZONE_ATTRIBUTES:
                    raise GepWorkbookError(
                        f"分区文字属性 {name} 未知（可用：{', '.join(sorted(ZONE_ATTRIBUTES))}）",
                        file=workbook.file,
                        where=f"items.{key}.zones.{zone}",
                    )


def _double_counting(workbook: Workbook) -> tuple[dict[str, str], list[str]]:
    """Items excluded by the double-counting rules (key → reason) and the rules applied."""
    excluded: dict[str, str] = {}
    rules: list[str] = []
    items = workbook.items
    if "water_conservation" in items and "water_supply" in items:
        choice = workbook.double_counting.get("water")
        if choice is None:
            raise GepWorkbookError(
                "水源涵养与水资源同时启用，可能重复计算：" + DOUBLE_COUNTING_RULES["water"],
                file=workbook.file,
                where="double_counting.water",
            )
        if choice == "water_conservation":
            excluded["water_supply"] = "与水源涵养重复（double_counting.water = water_conservation）"
        elif choice == "water_supply":
            excluded["water_conservation"] = "与水资源重复（double_counting.water = water_supply）"
        elif choice != "both":
            raise GepWorkbookError(
                f"取值应为 water_conservation、water_supply 或 both，得到 {excerpt(choice)}",
                file=workbook.file,
                where="double_counting.water",
            )
        rules.append(f"{DOUBLE_COUNTING_RULES['water']}；本工作簿：{choice}")
    if "flood_regulation" in items and "water_conservation" in items and "water_conservation" not in excluded:
        fr = items["flood_regulation"].params
        storage = any(
            (pv.constant or 0) > 0 or any(v > 0 for v in pv.by_year.values())
            for name, pv in fr.items()
            if name in ("lake_flood_capacity_m3", "reservoir_flood_capacity_m3")
        )
        if storage:
            for zone, attrs in items["water_conservation"].zone_attrs.items():
                eco = attrs.get("ecosystem", zone)
                if eco in WATER_BODY_ECOSYSTEMS or zone in WATER_BODY_ECOSYSTEMS:
                    raise GepWorkbookError(
                        f"水源涵养分区 {zone}（{eco}）为水体，而洪水调蓄已计入水库/湖泊库容：重复计算。"
                        + DOUBLE_COUNTING_RULES["reservoir"],
                        file=workbook.file,
                        where=f"items.water_conservation.zones.{zone}",
                    )
            rules.append(DOUBLE_COUNTING_RULES["reservoir"])
    rules.append(DOUBLE_COUNTING_RULES["caps"])
    return excluded, rules


def account(
    workbook: Workbook,
    year: int,
    *,
    price_year: int | None = None,
    rasters: str | Path | None = None,
) -> GepResult:
    """Account GEP for one year.

    Parameters
    ----------
    workbook : Workbook
        Parameters (see :func:`liangshan.standards.gep.load_workbook`).
    year : int
        Accounting year.
    price_year : int, optional
        Constant prices of this year; ``None`` → current prices (the year's own prices).
    rasters : str or Path, optional
        Directory of GeoTIFFs replacing zone inputs where present (water conservation: precipitation,
        et, runoff or landcover; soil retention: r_factor, k_factor, ls_factor, c_factor, p_factor),
        named ``<name>_<year>.tif`` or ``<name>.tif``.

    Returns
    -------
    GepResult

    Raises
    ------
    GepParameterError
        A needed parameter is missing or out of range (item, zone, parameter and year named).
    GepWorkbookError
        Unknown items/parameters, or a double-counting conflict the workbook does not resolve.
    """
    from liangshan.standards.gep.rasters import raster_quantities

    _check_names(workbook)
    excluded_keys, rules = _double_counting(workbook)
    basis_year = year if price_year is None else price_year
    land = workbook.land_area.at(year)
    if land is None:
        raise GepParameterError("缺少国土面积", parameter="land_area_km2", year=year)
    if land <= 0:
        raise GepParameterError("国土面积必须大于 0", parameter="land_area_km2", year=year)
    counted: list[ItemValue] = []
    excluded: list[dict[str, Any]] = []
    physical: dict[str, dict[str, float]] = {}
    raster_files: list[str] = []
    for key, spec in ITEMS.items():
        if key not in workbook.items:
            continue
        ctx_r = None
        qsource = "工作簿"
        if rasters is not None and spec.raster_inputs:
            ctx_probe = ItemContext(spec, workbook, year, basis_year, None)
            agg = raster_quantities(key, Path(rasters), year, ctx_probe)
            if agg is not None:
                ctx_r = agg.values
                qsource = "栅格：" + ", ".join(p.name for p in agg.files)
                raster_files.extend(str(p) for p in agg.files)
        ctx = ItemContext(spec, workbook, year, basis_year, ctx_r)
        if ctx_r is not None:
            ctx.used.update(ctx_probe.used)
        rows = spec.compute(ctx)
        if ctx_r is not None:
            ctx.physical.update({f"栅格_{k}": v for k, v in ctx_r.items()})
        if ctx.physical:
            physical[key] = dict(ctx.physical)
        for out, quantity, price in rows:
            value = quantity * price * out.factor / 1e4
            iv = ItemValue(
                key=out.key,
                name=out.name,
                item=spec.key,
                item_name=spec.name,
                category=spec.category,
                quantity=quantity,
                quantity_unit=out.quantity_unit,
                price=price,
                price_unit=out.price_unit,
                price_year=basis_year,
                value=value,
                quantity_source=qsource,
                parameters=(
                    {k: v for k, v in ctx.used.items() if k.startswith(f"{out.name}.")}
                    if spec.rows_per_zone
                    else dict(ctx.used)
                ),
            )
            if key in excluded_keys:
                excluded.append({**iv.as_dict(with_parameters=False), "reason": excluded_keys[key]})
            else:
                counted.append(iv)
    totals = {c: 0.0 for c in CATEGORIES}
    for iv in counted:
        totals[iv.category] += iv.value
    gep = sum(totals.values())
    return GepResult(
        year=year,
        price_basis="current" if price_year is None else "constant",
        price_year=basis_year,
        items=counted,
        totals=totals,
        gep=gep,
        land_area_km2=land,
        gep_per_km2=gep / land,
        excluded=excluded,
        not_accounted=[f"{s.key}（{s.name}）" for k, s in ITEMS.items() if k not in workbook.items],
        rules=rules,
        physical=physical,
        raster_inputs=sorted(set(raster_files)),
    )


@dataclass(frozen=True)
class YearGep:
    """One year at current and (when a price year is set) constant prices."""

    year: int
    current: GepResult
    constant: GepResult | None


def account_years(
    workbook: Workbook,
    years: list[int] | None = None,
    *,
    price_year: int | None = None,
    rasters: str | Path | None = None,
) -> list[YearGep]:
    """Account every year at current prices and at constant prices of ``price_year``.

    Parameters
    ----------
    workbook : Workbook
    years : list of int, optional
        Default: the workbook's ``years``.
    price_year : int, optional
        Default: the workbook's ``price_year``; ``None`` in both → no constant-price results.
    rasters : str or Path, optional
        See :func:`account`.

    Returns
    -------
    list of YearGep
    """
    ys = years if years is not None else workbook.years
    if not ys:
        raise GepWorkbookError("没有核算年份（years）", file=workbook.file, where="years")
    py = price_year if price_year is not None else workbook.price_year
    out = []
    for y in ys:
        cur = account(workbook, y, rasters=rasters)
        const = account(workbook, y, price_year=py, rasters=rasters) if py is not None else None
        out.append(YearGep(y, cur, const))
    return out
