"""Units of material products: check that a quantity unit and a price unit fit, and convert.

A product's value in 元 is ``quantity × price × factor`` where ``factor`` converts the quantity unit
to the price's denominator (``t`` with ``元/kg`` → 1000; ``万m³`` with ``元/m³`` → 10⁴) and the
price's numerator to 元 (``万元/t`` → 10⁴). Units not in the table are compared literally (``头``
with ``元/头``); a mismatch is an error rather than a guess.
"""

from __future__ import annotations

from liangshan.standards.gep.workbook import GepParameterError
from liangshan.standards.safe_yaml import excerpt

__all__ = ["BASE_UNITS", "parse_quantity_unit", "unit_factor_pair"]

#: unit → (dimension, factor to the dimension's base unit)
BASE_UNITS: dict[str, tuple[str, float]] = {
    "kg": ("mass", 1.0),
    "千克": ("mass", 1.0),
    "公斤": ("mass", 1.0),
    "g": ("mass", 1e-3),
    "克": ("mass", 1e-3),
    "t": ("mass", 1e3),
    "吨": ("mass", 1e3),
    "斤": ("mass", 0.5),
    "m³": ("volume", 1.0),
    "m3": ("volume", 1.0),
    "立方米": ("volume", 1.0),
    "L": ("volume", 1e-3),
    "升": ("volume", 1e-3),
    "kWh": ("energy", 1.0),
    "千瓦时": ("energy", 1.0),
    "度": ("energy", 1.0),
    "MWh": ("energy", 1e3),
    "GWh": ("energy", 1e6),
    "亩": ("area", 1.0),
    "hm²": ("area", 15.0),
    "公顷": ("area", 15.0),
}

_PREFIXES = (("亿", 1e8), ("万", 1e4), ("千", 1e3), ("百", 1e2))
_MONEY = {"元": 1.0, "千元": 1e3, "万元": 1e4, "亿元": 1e8}


def parse_quantity_unit(unit: str) -> tuple[str, float]:
    """``unit`` → (dimension or the literal unit, factor to the base).

    Parameters
    ----------
    unit : str
        E.g. ``t``, ``万m³``, ``万头``, ``kg``.

    Returns
    -------
    (str, float)
        Dimension (``mass``, ``volume`` …) and factor, or ``("literal:<unit>", factor)`` for units
        outside the table (prefixes 万/亿/千/百 still apply: ``万头`` = 10⁴ 头).
    """
    u = unit.strip().replace(" ", "")
    if not u:
        raise ValueError("单位为空")
    if u in BASE_UNITS:
        return BASE_UNITS[u]
    for pre, f in _PREFIXES:
        if u.startswith(pre) and len(u) > len(pre):
            rest = u[len(pre) :]
            if rest in BASE_UNITS:
                dim, g = BASE_UNITS[rest]
                return dim, f * g
            return f"literal:{rest}", f
    return f"literal:{u}", 1.0


def unit_factor_pair(quantity_unit: str | None, price_unit: str | None, *, where: str) -> float:
    """Factor so that ``quantity × price × factor`` is in 元.

    Parameters
    ----------
    quantity_unit : str
        Unit of the quantity (e.g. ``t``).
    price_unit : str
        ``<money>/<unit>`` with money 元, 千元, 万元 or 亿元 (e.g. ``元/kg``).
    where : str
        Context for the error message.

    Returns
    -------
    float

    Raises
    ------
    GepParameterError
        A unit is missing or malformed, or the two units measure different things.
    """
    if not quantity_unit:
        raise GepParameterError("产量须注明单位（unit），如 t、万头", item=where, parameter="quantity")
    if not price_unit:
        raise GepParameterError("价格须注明单位（unit），如 元/t", item=where, parameter="price")
    pu = price_unit.strip().replace(" ", "")
    if "/" not in pu:
        shown = excerpt(price_unit)
        raise GepParameterError(f"价格单位应形如 元/t，得到 {shown}", item=where, parameter="price")
    money, denom = pu.split("/", 1)
    if money not in _MONEY:
        raise GepParameterError(
            f"价格单位的货币应为 元、千元、万元 或 亿元，得到 {excerpt(money)}", item=where, parameter="price"
        )
    try:
        qdim, qf = parse_quantity_unit(quantity_unit)
        pdim, pf = parse_quantity_unit(denom)
    except ValueError as exc:
        raise GepParameterError(str(exc), item=where) from None
    if qdim != pdim:
        raise GepParameterError(
            f"产量单位 {quantity_unit} 与价格单位 {price_unit} 不一致", item=where, parameter="price"
        )
    return qf / pf * _MONEY[money]
