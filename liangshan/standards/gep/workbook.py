"""The GEP parameter workbook: YAML or Excel (.xlsx) → :class:`Workbook`.

A workbook holds, per accounting item, item-level parameters and per-zone parameters (zones are
ecosystem types for the regulating services, products for the material products). Each numeric
parameter is either one value for all years or a value per year, and may carry a unit and a source.

YAML layout (see docs/gep.md for a full example)::

    region: "411224"
    region_name: 卢氏县
    years: [2020, 2021]
    price_year: 2020                  # default constant-price year
    land_area_km2: {value: 4004, source: 第三次全国国土调查}
    double_counting: {water: water_conservation}
    items:
      water_conservation:
        source: 县水利局（示例数据）       # default source of this item's values
        params:
          reservoir_cost: {value: {2020: 8.4, 2021: 8.6}, unit: 元/m³, source: 水利工程造价}
        zones:
          森林:
            ecosystem: 森林                # text → a zone attribute
            area_km2: 2817                 # number → all years
            precipitation_mm: {2020: 760, 2021: 802}   # mapping → per year

Excel layout: a sheet ``settings`` (columns ``key``, ``value``: region, region_name, years as
``2020,2021``, price_year, land_area_km2, double_counting.water) and a sheet ``parameters`` with
columns ``item, zone, parameter, year, value, unit, source`` (``zone`` empty for item-level
parameters, ``year`` empty for all years, text in ``value`` for zone attributes). The parameters
headers may also be the Chinese ones of the ``gep_parameters`` synonyms in
``standards/tabular_headers.yaml`` (核算项, 分区, 参数, 年份, 数值, 单位, 来源); sheets are read by
:func:`liangshan.standards.tabular.read_table` (size budgets checked before loading).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from liangshan.standards.safe_yaml import MAX_YAML_BYTES, UnsafeYamlError, excerpt, load_user_yaml
from liangshan.standards.tabular import TableError, field_label, match_columns, read_table, sheet_names
from liangshan.standards.xlsx_guard import XlsxBudgetError, check_xlsx

__all__ = [
    "ZONE_ATTRIBUTES",
    "GepParameterError",
    "GepWorkbookError",
    "ItemInput",
    "ParamValue",
    "Workbook",
    "load_workbook",
    "parse_workbook",
]


#: Zone attributes that are text even when they look like numbers (``land_cover_codes: 21``).
ZONE_ATTRIBUTES = frozenset({"ecosystem", "group", "land_cover_codes", "note"})


class GepWorkbookError(ValueError):
    """The workbook is malformed: names the file, sheet/key path, row and column."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        where: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        parts = []
        if file:
            parts.append(f"文件 {file}")
        if where:
            parts.append(where)
        if row is not None:
            parts.append(f"第 {row} 行")
        if column:
            parts.append(f"列 {column}")
        prefix = "，".join(parts)
        super().__init__(f"{prefix}：{message}" if prefix else message)
        self.file, self.where, self.row, self.column = file, where, row, column


class GepParameterError(ValueError):
    """A parameter needed by an accounting item is missing or invalid (never replaced by zero)."""

    def __init__(
        self,
        message: str,
        *,
        item: str | None = None,
        parameter: str | None = None,
        zone: str | None = None,
        year: int | None = None,
    ) -> None:
        parts = []
        if item:
            parts.append(f"核算项 {item}")
        if zone:
            parts.append(f"分区 {zone}")
        if parameter:
            parts.append(f"参数 {parameter}")
        if year is not None:
            parts.append(f"{year} 年")
        prefix = " ".join(parts)
        super().__init__(f"{prefix}：{message}" if prefix else message)
        self.item, self.parameter, self.zone, self.year = item, parameter, zone, year


@dataclass
class ParamValue:
    """A numeric parameter: one value for all years and/or values per year, with unit and source."""

    constant: float | None = None
    by_year: dict[int, float] = field(default_factory=dict)
    unit: str | None = None
    source: str | None = None
    where: str = ""

    def at(self, year: int) -> float | None:
        """Value for ``year`` (the per-year value wins over the all-years value), or None."""
        if year in self.by_year:
            return self.by_year[year]
        return self.constant


@dataclass
class ItemInput:
    """The workbook's inputs for one accounting item."""

    key: str
    params: dict[str, ParamValue] = field(default_factory=dict)
    zones: dict[str, dict[str, ParamValue]] = field(default_factory=dict)
    zone_attrs: dict[str, dict[str, str]] = field(default_factory=dict)
    source: str | None = None


@dataclass
class Workbook:
    """A parsed GEP workbook.

    Attributes
    ----------
    items : dict
        Item key → :class:`ItemInput`; an item absent from the workbook is not accounted (and is listed
        as such in the result).
    land_area : ParamValue
        Land area of the region, km² (all years or per year).
    price_year : int or None
        Default year of the constant prices.
    double_counting : dict
        Rules chosen for overlapping items (e.g. ``{"water": "water_conservation"}``).
    """

    items: dict[str, ItemInput]
    land_area: ParamValue
    years: list[int] = field(default_factory=list)
    price_year: int | None = None
    region: str | None = None
    region_name: str | None = None
    title: str | None = None
    double_counting: dict[str, str] = field(default_factory=dict)
    file: str | None = None


# ------------------------------------------------------------------------------------------ YAML / dict


def _number(value: Any, *, file: str | None, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        if isinstance(value, str):
            try:
                value = float(value.replace(",", ""))
            except ValueError:
                raise GepWorkbookError(f"应为数值，得到 {excerpt(value)}", file=file, where=where) from None
        else:
            raise GepWorkbookError(f"应为数值，得到 {excerpt(value)}", file=file, where=where)
    v = float(value)
    if not math.isfinite(v):
        raise GepWorkbookError(f"应为有限数值，得到 {excerpt(value)}", file=file, where=where)
    return v


def _year(key: Any, *, file: str | None, where: str) -> int:
    try:
        y = int(str(key).strip())
    except ValueError:
        raise GepWorkbookError(f"年份应为整数，得到 {excerpt(key)}", file=file, where=where) from None
    if not 1900 <= y <= 2200:
        raise GepWorkbookError(f"年份 {y} 超出范围", file=file, where=where)
    return y


def _param(raw: Any, *, file: str | None, where: str, default_source: str | None) -> ParamValue:
    """Parse ``number | {year: number} | {value: …, unit:, source:}``."""
    pv = ParamValue(source=default_source, where=where)
    if isinstance(raw, Mapping) and ("value" in raw or "unit" in raw or "source" in raw):
        extra = set(raw) - {"value", "unit", "source"}
        if extra:
            raise GepWorkbookError(f"未知字段 {', '.join(map(str, extra))}", file=file, where=where)
        if "value" not in raw:
            raise GepWorkbookError("缺少 value", file=file, where=where)
        pv.unit = None if raw.get("unit") is None else str(raw["unit"])
        if raw.get("source") is not None:
            pv.source = str(raw["source"])
        raw = raw["value"]
    if isinstance(raw, Mapping):
        for k, v in raw.items():
            y = _year(k, file=file, where=where)
            pv.by_year[y] = _number(v, file=file, where=f"{where}.{y}")
        if not pv.by_year:
            raise GepWorkbookError("没有任何年份的数值", file=file, where=where)
    elif raw is None:
        raise GepWorkbookError("数值为空（不以 0 代替；如确为 0 请填写 0）", file=file, where=where)
    else:
        pv.constant = _number(raw, file=file, where=where)
    return pv


def parse_workbook(data: Mapping[str, Any], *, file: str | None = None) -> Workbook:
    """Build a :class:`Workbook` from a mapping (the YAML document).

    Parameters
    ----------
    data : mapping
        The document; layout in the module docstring.
    file : str, optional
        File name used in error messages.

    Returns
    -------
    Workbook

    Raises
    ------
    GepWorkbookError
        Structure errors, naming the key path.
    """
    if not isinstance(data, Mapping):
        raise GepWorkbookError("工作簿顶层应为映射（键: 值）", file=file)
    if "land_area_km2" not in data:
        raise GepWorkbookError("缺少 land_area_km2（国土面积，km²）", file=file)
    land = _param(data["land_area_km2"], file=file, where="land_area_km2", default_source=None)
    for v in [land.constant, *land.by_year.values()]:
        if v is not None and v <= 0:
            raise GepWorkbookError("国土面积必须大于 0", file=file, where="land_area_km2")
    items_raw = data.get("items")
    if not isinstance(items_raw, Mapping) or not items_raw:
        raise GepWorkbookError("缺少 items（核算项）", file=file)
    items: dict[str, ItemInput] = {}
    for key, body in items_raw.items():
        where = f"items.{key}"
        if not isinstance(body, Mapping):
            raise GepWorkbookError("核算项应为映射", file=file, where=where)
        extra = set(body) - {"source", "params", "zones"}
        if extra:
            raise GepWorkbookError(
                f"未知字段 {', '.join(map(str, extra))}（可用：source, params, zones）",
                file=file,
                where=where,
            )
        src = None if body.get("source") is None else str(body["source"])
        item = ItemInput(key=str(key), source=src)
        for pname, praw in (body.get("params") or {}).items():
            item.params[str(pname)] = _param(
                praw, file=file, where=f"{where}.params.{pname}", default_source=src
            )
        for zname, zbody in (body.get("zones") or {}).items():
            zwhere = f"{where}.zones.{zname}"
            if not isinstance(zbody, Mapping):
                raise GepWorkbookError("分区应为映射", file=file, where=zwhere)
            zp: dict[str, ParamValue] = {}
            za: dict[str, str] = {}
            for pname, praw in zbody.items():
                if str(pname) in ZONE_ATTRIBUTES:
                    za[str(pname)] = str(praw)
                    continue
                if isinstance(praw, str):
                    try:
                        float(praw)
                    except ValueError:
                        za[str(pname)] = praw
                        continue
                zp[str(pname)] = _param(praw, file=file, where=f"{zwhere}.{pname}", default_source=src)
            item.zones[str(zname)] = zp
            item.zone_attrs[str(zname)] = za
        items[item.key] = item
    years = [_year(y, file=file, where="years") for y in (data.get("years") or [])]
    price_year = (
        None if data.get("price_year") is None else _year(data["price_year"], file=file, where="price_year")
    )
    dc = data.get("double_counting") or {}
    if not isinstance(dc, Mapping):
        raise GepWorkbookError("double_counting 应为映射", file=file)
    return Workbook(
        items=items,
        land_area=land,
        years=sorted(set(years)),
        price_year=price_year,
        region=None if data.get("region") is None else str(data["region"]),
        region_name=None if data.get("region_name") is None else str(data["region_name"]),
        title=None if data.get("title") is None else str(data["title"]),
        double_counting={str(k): str(v) for k, v in dc.items()},
        file=file,
    )


# ------------------------------------------------------------------------------------------------ Excel

_PARAM_COLUMNS = ("item", "zone", "parameter", "year", "value", "unit", "source")


def _sheet_rows(path: Path, sheet: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Header and rows (text cells, None = empty) of one worksheet, read by
    :func:`liangshan.standards.tabular.read_table` (size budgets checked before loading)."""
    name = str(path)
    try:
        table = read_table(path, sheet=sheet, name=name)
    except TableError as exc:
        raise GepWorkbookError(
            exc.reason, file=name, where=f"工作表 {sheet}", row=exc.row, column=exc.column
        ) from None
    return list(table.columns), table.frame.rows()


def _load_xlsx(path: Path) -> Workbook:
    name = str(path)
    try:
        check_xlsx(path, name=name)
        sheets = sheet_names(path, name=name)
    except (TableError, XlsxBudgetError) as exc:
        raise GepWorkbookError(exc.reason, file=name) from None
    if "parameters" not in sheets:
        raise GepWorkbookError("缺少工作表 parameters", file=name)
    settings: dict[str, Any] = {}
    if "settings" in sheets:
        for row in _sheet_rows(path, "settings")[1]:  # columns key, value (the header row is skipped)
            if not row or row[0] is None:
                continue
            settings[str(row[0]).strip()] = row[1] if len(row) > 1 else None
    columns, body = _sheet_rows(path, "parameters")
    try:
        found = match_columns(columns, "gep_parameters", file=name)
    except TableError as exc:
        raise GepWorkbookError(exc.reason, file=name, where="工作表 parameters", row=1) from None
    header = [next((f for f, c in found.items() if c == h), h) for h in columns]
    rows: list[tuple[Any, ...]] = [tuple(header), *body]
    shown_columns = [str(c) for c in columns]

    def head(f: str) -> str:  # the header the user wrote for field f (a lacking one: as they would write it)
        return str(found[f]) if f in found else field_label("gep_parameters", f, shown_columns)

    missing = [c for c in ("item", "parameter", "value") if c not in header]
    if missing:
        raise GepWorkbookError(
            f"缺少列 {'、'.join(map(head, missing))}", file=name, where="工作表 parameters", row=1
        )
    col = {c: header.index(c) for c in _PARAM_COLUMNS if c in header}

    def cell(row: tuple[Any, ...], c: str) -> Any:
        j = col.get(c)
        if j is None or j >= len(row):
            return None
        v = row[j]
        return v.strip() if isinstance(v, str) else v

    items: dict[str, ItemInput] = {}
    seen: dict[tuple[str, str, str, int | None], int] = {}
    for r, row in enumerate(rows[1:], start=2):
        if row is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
            continue
        where = "工作表 parameters"
        item_key, zone, pname = cell(row, "item"), cell(row, "zone"), cell(row, "parameter")
        if not item_key:
            raise GepWorkbookError(f"{head('item')} 为空", file=name, where=where, row=r, column=head("item"))
        if not pname:
            raise GepWorkbookError(
                f"{head('parameter')} 为空", file=name, where=where, row=r, column=head("parameter")
            )
        item_key, pname = str(item_key), str(pname)
        zone = None if zone in (None, "") else str(zone)
        yraw = cell(row, "year")
        at_year = f"{where} 第 {r} 行 {head('year')}"
        year = None if yraw in (None, "") else _year(yraw, file=name, where=at_year)
        key = (item_key, zone or "", pname, year)
        if key in seen:
            raise GepWorkbookError(
                f"与第 {seen[key]} 行重复（同一核算项、分区、参数、年份）", file=name, where=where, row=r
            )
        seen[key] = r
        value = cell(row, "value")
        unit = cell(row, "unit")
        source = cell(row, "source")
        item = items.setdefault(item_key, ItemInput(key=item_key))
        if zone is not None and pname in ZONE_ATTRIBUTES and value is not None:
            if year is not None:
                raise GepWorkbookError(
                    f"文字属性 {pname} 不分年份", file=name, where=where, row=r, column=head("year")
                )
            item.zones.setdefault(zone, {})
            text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
            item.zone_attrs.setdefault(zone, {})[pname] = text
            continue
        if isinstance(value, str):
            try:
                value = float(value.replace(",", ""))
            except ValueError:
                if zone is None or year is not None:
                    raise GepWorkbookError(
                        f"应为数值，得到 {excerpt(value)}",
                        file=name,
                        where=where,
                        row=r,
                        column=head("value"),
                    ) from None
                item.zones.setdefault(zone, {})
                item.zone_attrs.setdefault(zone, {})[pname] = value
                continue
        if value is None:
            raise GepWorkbookError(
                "数值为空（不以 0 代替；如确为 0 请填写 0）",
                file=name,
                where=where,
                row=r,
                column=head("value"),
            )
        v = _number(value, file=name, where=f"{where} 第 {r} 行 {head('value')}")
        target = item.params if zone is None else item.zones.setdefault(zone, {})
        if zone is not None:
            item.zone_attrs.setdefault(zone, {})
        pv = target.setdefault(pname, ParamValue(where=f"{where} 第 {r} 行"))
        if unit not in (None, ""):
            if pv.unit not in (None, str(unit)):
                raise GepWorkbookError(
                    f"单位 {unit} 与同一参数的其他行（{pv.unit}）不一致",
                    file=name,
                    where=where,
                    row=r,
                    column=head("unit"),
                )
            pv.unit = str(unit)
        if source not in (None, ""):
            pv.source = str(source)
        if year is None:
            pv.constant = v
        else:
            pv.by_year[year] = v
    land_raw = settings.get("land_area_km2")
    if land_raw is None:
        raise GepWorkbookError("工作表 settings 缺少 land_area_km2", file=name)
    land = _param(land_raw, file=name, where="settings.land_area_km2", default_source=None)
    if land.constant is not None and land.constant <= 0:
        raise GepWorkbookError("国土面积必须大于 0", file=name, where="settings.land_area_km2")
    years_raw = settings.get("years")
    years = (
        [
            _year(y, file=name, where="settings.years")
            for y in str(years_raw).replace("，", ",").split(",")
            if y.strip()
        ]
        if years_raw not in (None, "")
        else []
    )
    py = settings.get("price_year")
    dc = {k.split(".", 1)[1]: str(v) for k, v in settings.items() if k.startswith("double_counting.") and v}
    return Workbook(
        items=items,
        land_area=land,
        years=sorted(set(years)),
        price_year=None if py in (None, "") else _year(py, file=name, where="settings.price_year"),
        region=None if settings.get("region") is None else str(settings["region"]),
        region_name=None if settings.get("region_name") is None else str(settings["region_name"]),
        title=None if settings.get("title") is None else str(settings["title"]),
        double_counting=dc,
        file=name,
    )


def load_workbook(path: str | Path) -> Workbook:
    """Load a GEP workbook from ``.yaml``/``.yml`` or ``.xlsx``.

    Parameters
    ----------
    path : str or Path
        The workbook file.

    Returns
    -------
    Workbook

    Raises
    ------
    GepWorkbookError
        Unreadable file, unknown extension, or malformed content (file, key path / row named).
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".yaml", ".yml"):
        try:
            raw = p.read_bytes() if p.stat().st_size <= MAX_YAML_BYTES else None
        except OSError:
            raise GepWorkbookError("无法读取文件", file=str(p)) from None
        if raw is None:
            raise GepWorkbookError(f"文件超过 {MAX_YAML_BYTES // 1024**2} MB 上限", file=str(p))
        try:
            data = load_user_yaml(raw, name=str(p))
        except UnsafeYamlError as exc:
            raise GepWorkbookError(exc.reason, file=str(p), row=exc.row) from None
        return parse_workbook(data, file=str(p))
    if suffix == ".xlsx":
        return _load_xlsx(p)
    raise GepWorkbookError("不支持的文件类型（应为 .yaml、.yml 或 .xlsx）", file=str(p))
