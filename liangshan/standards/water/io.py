"""Long-form water monitoring results (CSV or Parquet): read, validate, convert to canonical units.

One row per result, in CSV/TXT (UTF-8, UTF-8 with BOM or GB18030, detected strictly), Excel (.xlsx) or
Parquet, read by :func:`liangshan.standards.tabular.read_table`. Columns (English headers, or the Chinese
ones of the ``water`` synonyms in ``standards/tabular_headers.yaml``, units in brackets ignored):

==================  =========================================================================
site                section / source / well name (断面、水源地、点位)
site_type           ``river`` | ``lake`` | ``reservoir`` | ``groundwater`` (河流/湖泊/水库/地下水)
date                sampling date (2024-03-15, 2024/3/15, 20240315 or 2024-03)
item                item code or Chinese name (``nh3n``, 氨氮, NH3-N …; see ``limits.ITEMS``)
value               number; ``ND``/未检出/``<0.01``/``0.01L`` = below the detection limit;
                    断流/干涸 = dry (no sample); 无/有 for 嗅和味 and 肉眼可见物
unit                unit of value and detection_limit (mg/L, µg/L, 个/L, MPN/100mL, …)
detection_limit     optional, same unit as value
source_kind         optional; ``surface`` | ``groundwater`` marks a drinking-water source
volume              optional; annual supply of a source (万 m³), for the volume-weighted rate
river               optional; river or basin of a section, for the river quality description
==================  =========================================================================

Any bad row raises :class:`WaterInputError` naming the file, the row (as a spreadsheet shows it:
header = row 1) and the column; nothing is returned when anything is bad.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from liangshan.standards.tabular import TableError, match_columns, read_table, synonyms
from liangshan.standards.water.limits import ITEMS, UNIT_FACTORS, item_code, normalize_token

REQUIRED = ("site", "site_type", "date", "item", "value", "unit")
OPTIONAL = ("detection_limit", "source_kind", "volume", "river")
HEADER_ALIASES: dict[str, str] = {n: f for f, names in synonyms("water").items() for n in names}
"""Chinese header → column (a view of the ``water`` synonyms of ``tabular_headers.yaml``)."""
SITE_TYPES = {
    "river": "river", "河流": "river", "河": "river", "lake": "lake", "湖泊": "lake", "湖": "lake",
    "reservoir": "reservoir", "水库": "reservoir", "库": "reservoir",
    "groundwater": "groundwater", "地下水": "groundwater",
}  # fmt: skip
SOURCE_KINDS = {
    "surface": "surface", "地表水": "surface", "groundwater": "groundwater", "地下水": "groundwater",
}  # fmt: skip
_ND_WORDS = ["ND", "N.D.", "未检出", "低于检出限", "<DL"]
_DRY_WORDS = ["断流", "干涸", "DRY"]
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M")


class WaterInputError(ValueError):
    """A bad input row: names the file, row (header = row 1) and column, and says what was expected."""

    def __init__(self, file: str, row: int | None, column: str | None, message: str) -> None:
        self.file, self.row, self.column = file, row, column
        where = file + (f" 第 {row} 行" if row is not None else "") + (f" 列 {column}" if column else "")
        super().__init__(f"{where}: {message}")


def read_results(path: str | Path) -> pl.DataFrame:
    """Read and validate a long-form CSV/TXT (UTF-8 or GB18030), Excel or Parquet file (:func:`normalize`)."""
    p = Path(path)
    if p.suffix.lower() in (".parquet", ".pq"):
        raw = pl.read_parquet(p)
        raw = raw.with_columns(pl.all().cast(pl.String))
        return normalize(raw, file=p.name, first_row=1)
    try:
        table = read_table(p)
    except TableError as exc:
        raise WaterInputError(p.name, exc.row, exc.column, exc.reason) from None
    return normalize(table.frame, file=p.name, first_row=2)


def _fail(df: pl.DataFrame, bad: pl.Series, file: str, first_row: int, column: str, message: str) -> None:
    idx = bad.fill_null(False).arg_true()
    if idx.len() == 0:
        return
    i = int(idx[0])
    value = df[column][i] if column in df.columns else None
    more = f"（另有 {idx.len() - 1} 行同类问题）" if idx.len() > 1 else ""
    shown = f"'{value}'" if value is not None else "空值"
    raise WaterInputError(file, i + first_row, column, f"{shown}: {message}{more}")


def _map_unique(col: pl.Series, fn: Callable[[str], Any], dtype: type[pl.DataType] = pl.String) -> pl.Series:
    """Apply ``fn`` to the distinct values of ``col`` only (a few dozen), then map back per row."""
    table = {u: fn(u) for u in col.unique().drop_nulls().to_list()}
    return col.replace_strict(table, default=None, return_dtype=dtype)


def _map_distinct(
    col: pl.Series, parse: Callable[[pl.Series], pl.Series], dtype: pl.DataType | type[pl.DataType]
) -> pl.Series:
    """Apply a vectorised ``parse`` to the distinct values of ``col`` only, then map back per row."""
    distinct = col.unique().drop_nulls()
    return col.replace_strict(distinct, parse(distinct), default=None, return_dtype=dtype)


def _parse_dates(s: pl.Series) -> pl.Series:
    """The first of ``_DATE_FORMATS`` that parses, else ``YYYY-MM`` (the month's first day)."""
    c = pl.col("d")
    return (
        pl.DataFrame({"d": s})
        .select(pl.coalesce([c.str.to_datetime(fm, strict=False).dt.date() for fm in _DATE_FORMATS]
                            + [(c + "-01").str.to_date("%Y-%m-%d", strict=False)]))
        .to_series()
    )  # fmt: skip


def _markers(v: pl.Series, text: pl.Series) -> list[pl.Series]:
    """``lt`` (``<DL``), ``lsuf`` (``DL L``), ``nd`` and ``dry`` of each value; only the rows that are not
    plain numbers (``text``) can carry a marker, so the string work runs on those rows alone."""
    idx = text.arg_true()
    sub = pl.DataFrame({"v": v.gather(idx)}).select(
        lt=pl.col("v").str.extract(r"^[<＜]\s*([0-9.eE+-]+)$").cast(pl.Float64, strict=False),
        lsuf=pl.col("v").str.extract(r"^([0-9.]+)[Ll]$").cast(pl.Float64, strict=False),
        nd=pl.col("v").str.to_uppercase().is_in(_ND_WORDS),
        dry=pl.col("v").str.to_uppercase().is_in(_DRY_WORDS),
    )
    n = v.len()
    out = []
    for name, empty in (("lt", None), ("lsuf", None), ("nd", False), ("dry", False)):
        full = pl.repeat(empty, n, dtype=sub[name].dtype, eager=True).alias(name)
        out.append(full.scatter(idx, sub[name]) if idx.len() else full)
    return out


def _duplicated(out: pl.DataFrame) -> pl.Series:
    """Rows whose (site, date, item) occurs more than once: one integer key per row (site and item codes,
    day number), which polars checks far faster than a struct of strings."""
    keys = out.select(
        site=pl.col("site").cast(pl.Categorical).to_physical().cast(pl.Int64),
        day=pl.col("date").to_physical().cast(pl.Int64),
        item=pl.col("item").cast(pl.Categorical).to_physical().cast(pl.Int64),
    )
    n_items = int(keys["item"].max() or 0) + 1  # type: ignore[arg-type]
    lo, hi = keys["day"].min(), keys["day"].max()
    span = int(hi) - int(lo) + 1 if lo is not None and hi is not None else 1  # type: ignore[arg-type]
    key = keys.select(
        (pl.col("site") * span + (pl.col("day") - (lo or 0))) * n_items + pl.col("item")
    ).to_series()
    return key.is_duplicated()


def normalize(raw: pl.DataFrame, *, file: str = "<输入>", first_row: int = 2) -> pl.DataFrame:
    """Validate a long-form frame of strings and return it in canonical units.

    Parameters
    ----------
    raw : frame with the columns of the module docstring (strings; numbers are accepted too).
    file : name shown in error messages.
    first_row : row number of the first data row as the user sees it (2 for CSV with a header).

    Returns
    -------
    frame with row, site, site_type, date, year, item (code), value (float in the item's canonical unit:
    mg/L, 个/L, …; the detection limit for results below it; null for dry), below_dl, detection_limit,
    dry, source_kind, volume, river.
    """
    try:
        found = match_columns(raw.columns, "water", file=file)
    except TableError as exc:
        raise WaterInputError(file, exc.row, exc.column, exc.reason) from None
    df = raw.select([pl.col(c).alias(f) for f, c in found.items()])
    for c in REQUIRED:
        if c not in df.columns:
            raise WaterInputError(file, None, c, f"缺少必需列 {c}（必需列: {', '.join(REQUIRED)}）")
    df = df.select(
        pl.col(c).cast(pl.String).str.strip_chars() if c in df.columns else pl.lit(None, pl.String).alias(c)
        for c in (*REQUIRED, *OPTIONAL)
    )
    f = lambda bad, col, msg: _fail(df, bad, file, first_row, col, msg)  # noqa: E731
    f(df["site"].fill_null("") == "", "site", "站点名称不能为空")
    site_type = _map_unique(df["site_type"], lambda s: SITE_TYPES.get(s.lower()))
    f(site_type.is_null(), "site_type", "水体类型应为 river、lake、reservoir 或 groundwater")
    dates = _map_distinct(df["date"], _parse_dates, pl.Date)
    f(dates.is_null(), "date", "日期无法识别（应为 2024-03-15、2024/3/15 或 2024-03）")
    item = _map_unique(df["item"], item_code)
    f(item.is_null(), "item", "未知的监测项目（见 docs/water.md 的项目代码表）")
    canon = item.replace_strict({k: v.unit for k, v in ITEMS.items()}, default=None)
    pairs = pl.DataFrame({"canon": canon, "unit": _map_unique(df["unit"].fill_null(""), normalize_token)})
    table = pairs.unique().drop_nulls()  # the distinct (item unit, file unit) pairs: a few dozen
    table = table.with_columns(
        factor=pl.Series([UNIT_FACTORS.get(c, {}).get(u) for c, u in table.iter_rows()], dtype=pl.Float64)
    )
    factor = pairs.join(table, on=["canon", "unit"], how="left", maintain_order="left")["factor"]
    f(factor.is_null(), "unit", "单位不适用于该项目（例如 mg/L、µg/L、个/L、MPN/100mL、无量纲）")
    v = df["value"].fill_null("")
    w = pl.DataFrame({"v": v, "item": item, "dl_s": df["detection_limit"].fill_null(""), "factor": factor})
    w = w.with_columns(
        num=pl.when(pl.col("item").is_in(["odor", "visible"]) & pl.col("v").is_in(["无", "有"]))
        .then((pl.col("v") == "有").cast(pl.Float64))
        .otherwise(pl.col("v").cast(pl.Float64, strict=False)),
        dl=pl.col("dl_s").cast(pl.Float64, strict=False),
    )
    w = w.with_columns(_markers(w["v"], w["num"].is_null()))
    ok = w.select(pl.any_horizontal(pl.col("num", "lt", "lsuf").is_not_null(), "nd", "dry")).to_series()
    f(~ok, "value", "监测值应为数值、未检出标记（ND、<检出限、检出限L）或 断流")
    f((w["dl_s"] != "") & w["dl"].is_null(), "detection_limit", "检出限应为数值")
    f(w["dl"] < 0, "detection_limit", "检出限不能为负")
    f((w["num"] < 0) & (item != "water_temp"), "value", "监测值不能为负")
    w = w.with_columns(dl=pl.coalesce("lt", "lsuf", "dl"))
    w = w.with_columns(
        below=(pl.col("lt").is_not_null() | pl.col("lsuf").is_not_null() | pl.col("nd")
               | (pl.col("num") < pl.col("dl"))).fill_null(False)
    )  # fmt: skip
    f(w["below"] & w["dl"].is_null(), "detection_limit", "未检出结果须给出检出限（<0.01、0.01L 或检出限列）")
    w = w.with_columns(
        value=pl.when("below").then("dl").when("dry").then(None).otherwise("num") * pl.col("factor"),
        detection_limit=pl.col("dl") * pl.col("factor"),
    )
    kind = _map_unique(df["source_kind"], lambda k: SOURCE_KINDS.get(k.lower(), "?") if k else None)
    f(kind == "?", "source_kind", "水源类型应为 surface 或 groundwater")
    f((kind == "surface") & (site_type == "groundwater"), "source_kind", "地下水点位不能标为地表水水源")
    f((kind == "groundwater") & (site_type != "groundwater"), "source_kind", "地表水体不能标为地下水水源")
    vol_col = df["volume"].fill_null("")
    volume = vol_col.cast(pl.Float64, strict=False)
    f(((vol_col != "") & volume.is_null()) | (volume < 0), "volume", "供水量应为非负数值")
    out = pl.DataFrame({
        "row": pl.int_range(first_row, first_row + df.height, eager=True), "site": df["site"],
        "site_type": site_type, "date": dates, "item": item, "value": w["value"], "below_dl": w["below"],
        "detection_limit": w["detection_limit"], "dry": w["dry"], "source_kind": kind, "volume": volume,
        "river": df["river"].replace("", None),
    }).with_columns(pl.col("date").dt.year().alias("year"))  # fmt: skip
    types = out.select(pl.col("site_type").n_unique().over("site") > 1).to_series()
    f(types, "site_type", "同一站点出现多种水体类型")
    dup = _duplicated(out)
    if dup.any():
        rows = out.filter(dup)["row"].head(2).to_list()
        raise WaterInputError(file, rows[1], "item", f"与第 {rows[0]} 行重复（同一站点、日期、项目）")
    return out
