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
header = row 1) and the column by the file's own header (监测值, or value in an English file); nothing is
returned when anything is bad.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from liangshan.standards.tabular import (
    DEFAULT_BUDGET,
    Budget,
    TableError,
    field_label,
    match_columns,
    read_table,
    synonyms,
)
from liangshan.standards.water.limits import ITEMS, UNIT_FACTORS, item_code, normalize_token

REQUIRED = ("site", "site_type", "date", "item", "value", "unit")
OPTIONAL = ("detection_limit", "source_kind", "volume", "river")
SITE_TYPES = {
    "river": "river", "河流": "river", "河": "river", "lake": "lake", "湖泊": "lake", "湖": "lake",
    "reservoir": "reservoir", "水库": "reservoir", "库": "reservoir",
    "groundwater": "groundwater", "地下水": "groundwater",
}  # fmt: skip
SOURCE_KINDS = {
    "surface": "surface", "地表水": "surface", "groundwater": "groundwater", "地下水": "groundwater",
}  # fmt: skip
_TYPES = ("river", "lake", "reservoir", "groundwater")
_FIELDS = frozenset((*REQUIRED, *OPTIONAL))
_TEXT_FIELDS = ("site", "site_type", "date", "item", "unit", "source_kind", "river")
_ND_WORDS = ["ND", "N.D.", "未检出", "低于检出限", "<DL"]
_DRY_WORDS = ["断流", "干涸", "DRY"]
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M")


def __getattr__(name: str) -> Any:
    """``HEADER_ALIASES``: Chinese header → column, a view of the ``water`` synonyms of
    ``tabular_headers.yaml`` (built on first use, so that importing this module does not load YAML)."""
    if name == "HEADER_ALIASES":
        return {n: f for f, names in synonyms("water").items() for n in names}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _columns(columns: list[str], file: str) -> dict[str, str]:
    """Field → file column: the file's own headers when they are exactly the field names (the standard
    layout, no synonym table needed), else :func:`match_columns` with the ``water`` synonyms."""
    if set(columns) <= _FIELDS:
        return {c: c for c in columns}
    return match_columns(columns, "water", file=file)


class WaterInputError(ValueError):
    """A bad input row: names the file, row (header = row 1) and column, and says what was expected."""

    def __init__(self, file: str, row: int | None, column: str | None, message: str) -> None:
        self.file, self.row, self.column = file, row, column
        where = file + (f" 第 {row} 行" if row is not None else "") + (f" 列 {column}" if column else "")
        super().__init__(f"{where}: {message}")


def read_results(path: str | Path) -> pl.DataFrame:
    """Read and validate a long-form CSV/TXT (UTF-8 or GB18030), Excel or Parquet file (:func:`normalize`).

    A UTF-8 CSV whose every header is a column of the layout is parsed typed by polars' multi-threaded
    reader (:func:`_read_csv_typed`); any other file goes through
    :func:`liangshan.standards.tabular.read_table`, with the same rules and messages.
    """
    p = Path(path)
    if p.suffix.lower() in (".parquet", ".pq"):
        try:  # read only the columns the layout uses; a bad header or file is reported as before
            columns: list[str] | None = list(_columns(list(pl.read_parquet_schema(p)), p.name).values())
        except (TableError, pl.exceptions.PolarsError, OSError):
            columns = None
        columns = columns or None
        raw = pl.read_parquet(p, columns=columns)
        raw = raw.with_columns(pl.all().cast(pl.String))
        return normalize(raw, file=p.name, first_row=1)
    typed = _read_csv_typed(p)
    if typed is not None:
        return normalize(typed, file=p.name, first_row=2)
    try:
        table = read_table(p)
    except TableError as exc:
        raise WaterInputError(p.name, exc.row, exc.column, exc.reason) from None
    return normalize(table.frame, file=p.name, first_row=2)


def _read_csv_typed(p: Path, budget: Budget = DEFAULT_BUDGET) -> pl.DataFrame | None:
    """The frame of a plain UTF-8 CSV, parsed in one multi-threaded pass with the text columns as
    categoricals (each its own dictionary: codes 0…k−1 into its distinct cells) and the number columns as
    text; None when the file has to go through ``read_table``.

    Taken only when ``read_table`` would give the same cells: a ``.csv``/``.txt`` file within the size,
    row, column and cell budgets; a UTF-8 header line (BOM allowed) whose delimiter is a comma and whose
    cells are, without surrounding spaces and without duplicates, each a column of the layout (English
    names or ``water`` synonyms); every data byte valid UTF-8 (polars refuses the file otherwise) and no
    row longer than the header. Anything else — GB18030, UTF-16, another delimiter, an extra or unnamed
    column, an Excel file, a structural error — returns None, and ``read_table`` reads the file and
    reports its problems with file, row and column as before.
    """
    if p.suffix.lower() not in (".csv", ".txt"):
        return None
    try:
        size = p.stat().st_size
        with p.open("rb") as fh:
            head = fh.read(1 << 16)
    except OSError:
        return None
    if size > budget.max_file_bytes or head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    end = head.find(b"\n")
    start = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
    try:
        first = head[start:end].decode("utf-8").rstrip("\r") if end > 0 else ""
    except UnicodeDecodeError:
        return None
    if max(first.count(d) for d in "\t;|") >= first.count(",") or '"' in first:
        return None  # another delimiter, or quoted headers: read_table's own header rules apply
    header = first.split(",")
    if len(header) > budget.max_columns or len(set(header)) < len(header):
        return None
    if any(not h or h != h.strip() for h in header):
        return None
    try:
        found = _columns(header, p.name)
    except TableError:
        return None
    if sorted(found.values()) != sorted(header):
        return None  # a column the layout does not use: read_table checks and keeps it
    field_of = {c: f for f, c in found.items()}
    schema = {
        h: pl.Categorical(pl.Categories.random()) if field_of[h] in _TEXT_FIELDS else pl.String
        for h in header
    }
    try:
        frame = pl.read_csv(p, schema=schema, has_header=True, raise_if_empty=False)
    except pl.exceptions.PolarsError:
        return None
    if frame.width != len(header) or frame.height == 0:
        return None
    if size > budget.max_rows:  # read_table counts the lines before parsing (a quoted cell may span lines)
        data = p.read_bytes()
        if data.count(b"\n") - (1 if data.endswith(b"\n") else 0) > budget.max_rows:
            return None
    if size > budget.max_cell_chars and _longest_cell(frame) > budget.max_cell_chars:
        return None
    # a quoted empty cell ("") is an empty cell, as read_table makes it (categoricals: see _Text)
    text = [c for c, dt in frame.schema.items() if dt == pl.String and frame[c].eq("").any()]
    return frame.with_columns(pl.col(text).replace("", None)) if text else frame


def _longest_cell(frame: pl.DataFrame) -> int:
    """Most bytes in one cell of ``frame`` (a bound of the characters: UTF-8 has ≥ 1 byte per character)."""
    cells = [s.dtype.categories.to_series() if isinstance(s.dtype, pl.Categorical) else s for s in frame]
    return max(int(s.str.len_bytes().fill_null(0).max() or 0) for s in cells)  # type: ignore[arg-type]


def _fail(
    df: pl.DataFrame,
    bad: pl.Series,
    file: str,
    first_row: int,
    column: str,
    message: str,
    head: Callable[[str], str],
) -> None:
    """Raise :class:`WaterInputError` for the first row flagged by ``bad`` in field ``column``, naming the
    column by ``head(column)``, the file's own header (监测值, not the field name value)."""
    if not bad.any():  # the usual case: one pass, no index built
        return
    idx = bad.fill_null(False).arg_true()
    i = int(idx[0])
    value = df[column][i] if column in df.columns else None
    if value == "" and isinstance(df.schema[column], pl.Categorical):
        value = None  # a quoted empty cell of the typed reader: empty, as read_table makes it
    value = value.strip() if isinstance(value, str) else value  # as the reader shows it: stripped
    more = f"（另有 {idx.len() - 1} 行同类问题）" if idx.len() > 1 else ""
    shown = f"'{value}'" if value is not None else "空值"
    raise WaterInputError(file, i + first_row, head(column), f"{shown}: {message}{more}")


class _Text:
    """A text column as dense codes into its distinct values, so that stripping, look-ups and parsing run
    once per distinct value (a few dozen sites, items, units or dates against a million rows).

    ``codes`` is UInt32 per row (null for an empty cell) indexing ``values``, the distinct cells with
    surrounding whitespace stripped (two cells differing only by whitespace keep separate codes). A
    categorical column with its own dictionary (:func:`_read_csv_typed`) gives its codes as they are; a
    text column is coded here. An empty cell (``""``) counts as missing, as ``read_table`` makes it.
    """

    def __init__(self, col: pl.Series) -> None:
        self.col = col
        if isinstance(col.dtype, pl.Categorical):
            self.distinct = col.dtype.categories.to_series()
            self.codes = col.to_physical()
            empty = self.distinct.eq("").arg_true()
            if empty.len():
                self.codes = self.codes.scatter((self.codes == empty[0]).arg_true(), None)
        elif col.null_count() == col.len():  # an optional column the file does not have
            self.codes = pl.repeat(None, col.len(), dtype=pl.UInt32, eager=True)
            self.distinct = pl.Series([], dtype=pl.String)
        else:
            self.col = col.cast(pl.String)
            self.distinct = self.col.unique().drop_nulls()
            index = pl.int_range(0, self.distinct.len(), dtype=pl.UInt32, eager=True)
            self.codes = self.col.replace_strict(self.distinct, index, default=None, return_dtype=pl.UInt32)
        self.values = self.distinct.str.strip_chars()

    def map(self, fn: Callable[[str], Any], dtype: type[pl.DataType] = pl.String) -> pl.Series:
        """``fn`` of each distinct (stripped) value, per row; null for an empty cell."""
        return self.per_row(self.each(fn, dtype))

    def each(self, fn: Callable[[str], Any], dtype: type[pl.DataType] = pl.String) -> pl.Series:
        """``fn`` of each distinct (stripped) value, aligned with ``values``."""
        return pl.Series([fn(u) for u in self.values.to_list()], dtype=dtype)

    def per_row(self, derived: pl.Series) -> pl.Series:
        """A series aligned with ``values`` spread to the rows; text comes back categorical (the column
        itself, no copy, when ``derived`` equals the distinct cells as written and the column is one)."""
        if derived.dtype == pl.String:
            if isinstance(self.col.dtype, pl.Categorical) and derived.equals(self.distinct):
                return self.col
            derived = derived.cast(pl.Categorical(pl.Categories.random()))
        return derived.gather(self.codes)

    def flagged(self, flags: pl.Series, empty: bool) -> bool:
        """Whether :meth:`rows` can flag any row: a flagged distinct value, or (``empty``) an empty cell.
        False (the usual case) means no row is flagged, known from the few distinct values alone."""
        return bool(flags.fill_null(empty).any()) or (empty and self.codes.null_count() > 0)

    def rows(self, flags: pl.Series, empty: bool) -> pl.Series:
        """Boolean per row of a Boolean series aligned with ``values``; ``empty`` for an empty cell."""
        return flags.gather(self.codes).fill_null(empty)

    def dense(self) -> pl.Series:
        """Int64 per row numbering the distinct *stripped* values (null for an empty cell)."""
        if self.values.equals(self.distinct) and self.values.n_unique() == self.values.len():
            return self.codes.cast(pl.Int64)  # nothing to strip: the codes number them already
        stripped = _Text(self.values)
        return stripped.codes.cast(pl.Int64).gather(self.codes)


def _numbers(col: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Numbers of a text column by polars' cast; only the cells that fail it are stripped and cast again.

    Returns (Float64, null for empty or non-numeric; Boolean, True where a non-empty cell is not a number).
    """
    col = col.cast(pl.String)
    num = col.cast(pl.Float64, strict=False)
    retry = (num.is_null() & col.is_not_null()).arg_true()
    bad = pl.repeat(False, col.len(), dtype=pl.Boolean, eager=True)
    if retry.len() == 0:
        return num, bad
    text = col.gather(retry).str.strip_chars()
    again = text.cast(pl.Float64, strict=False)
    return num.scatter(retry, again), bad.scatter(retry, (text != "") & again.is_null())


def _parse_dates(s: pl.Series) -> pl.Series:
    """The first of ``_DATE_FORMATS`` that parses, else ``YYYY-MM`` (the month's first day)."""
    c = pl.col("d")
    return (
        pl.DataFrame({"d": s})
        .select(pl.coalesce([c.str.to_datetime(fm, strict=False).dt.date() for fm in _DATE_FORMATS]
                            + [(c + "-01").str.to_date("%Y-%m-%d", strict=False)]))
        .to_series()
    )  # fmt: skip


def _value_text(v: pl.Series, item: pl.Series) -> pl.DataFrame:
    """``num``, ``lt`` (``<DL``), ``lsuf`` (``DL L``), ``nd`` and ``dry`` of value cells that are not plain
    numbers (stripped text ``v``; ``item`` codes): 无/有 of 嗅和味 and 肉眼可见物 as 0/1, else a number
    after stripping, else a marker."""
    word = pl.col("item").is_in(["odor", "visible"]) & pl.col("v").is_in(["无", "有"])
    return pl.DataFrame({"v": v.fill_null(""), "item": item}).select(
        num=pl.when(word).then((pl.col("v") == "有").cast(pl.Float64))
        .otherwise(pl.col("v").cast(pl.Float64, strict=False)),
        lt=pl.col("v").str.extract(r"^[<＜]\s*([0-9.eE+-]+)$").cast(pl.Float64, strict=False),
        lsuf=pl.col("v").str.extract(r"^([0-9.]+)[Ll]$").cast(pl.Float64, strict=False),
        nd=pl.col("v").str.to_uppercase().is_in(_ND_WORDS),
        dry=pl.col("v").str.to_uppercase().is_in(_DRY_WORDS),
    )  # fmt: skip


def _spread(idx: pl.Series, sub: pl.Series, n: int, empty: Any = False) -> pl.Series:
    """A full-length series equal to ``empty`` except ``sub`` at the rows ``idx``."""
    full = pl.repeat(empty, n, dtype=sub.dtype, eager=True)
    return full.scatter(idx, sub) if idx.len() else full


def _duplicated(site: pl.Series, day: pl.Series, item: pl.Series) -> pl.Series:
    """Rows whose (site, date, item) occurs more than once: one integer key per row (dense site and item
    numbers, day number), which polars checks far faster than a struct of strings."""
    n_items = int(item.max() or 0) + 1  # type: ignore[arg-type]
    lo, hi = day.min(), day.max()
    span = int(hi) - int(lo) + 1 if lo is not None and hi is not None else 1  # type: ignore[arg-type]
    key = (site * span + (day - (lo or 0))) * n_items + item
    ordered = key.sort()
    if not (ordered.head(-1) == ordered.tail(-1)).any():  # the usual case: a sort, no hash table
        return pl.repeat(False, key.len(), dtype=pl.Boolean, eager=True)
    return key.is_duplicated()


def _mixed_types(site: pl.Series, kind: pl.Series) -> pl.Series:
    """Rows of sites that appear with more than one water type (dense site and type numbers, no nulls).

    Each site's type is written to a small table (any one of its rows wins) and read back per row: a site
    with one type matches on every row, a site with two mismatches on some — no hash table of the rows.
    """
    n_sites = int(site.max() or 0) + 1  # type: ignore[arg-type]
    one = pl.repeat(-1, n_sites, dtype=kind.dtype, eager=True).scatter(site, kind)
    differs = kind != one.gather(site)
    if not differs.any():
        return pl.repeat(False, site.len(), dtype=pl.Boolean, eager=True)
    return site.is_in(site.filter(differs).unique())


def normalize(raw: pl.DataFrame, *, file: str = "<输入>", first_row: int = 2) -> pl.DataFrame:
    """Validate a long-form frame of strings and return it in canonical units.

    Parameters
    ----------
    raw : frame with the columns of the module docstring (strings, or categoricals with their own
        dictionary as :func:`_read_csv_typed` reads them; numbers are accepted too).
    file : name shown in error messages.
    first_row : row number of the first data row as the user sees it (2 for CSV with a header).

    Returns
    -------
    frame with row, site, site_type, date, year, item (code), value (float in the item's canonical unit:
    mg/L, 个/L, …; the detection limit for results below it; null for dry), below_dl, detection_limit,
    dry, source_kind, volume, river; the text columns (site, site_type, item, source_kind, river) are
    categorical, so that grouping by them works on integer codes.
    """
    try:
        found = _columns(raw.columns, file)
    except TableError as exc:
        raise WaterInputError(file, exc.row, exc.column, exc.reason) from None
    df = raw.select([pl.col(c).alias(f) for f, c in found.items()])

    def head(c: str) -> str:
        """The file's own header of field ``c`` (监测值); for a column the file lacks, the header its user
        would write (:func:`field_label`: the field name when the file's headers are English)."""
        return found.get(c) or field_label("water", c, raw.columns)

    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        lacking, need = head(missing[0]), "、".join(map(head, REQUIRED))
        raise WaterInputError(file, None, lacking, f"缺少必需列 {lacking}（必需列: {need}）")
    n = df.height
    df = df.select(
        (pl.col(c) if isinstance(df.schema[c], pl.Categorical) else pl.col(c).cast(pl.String))
        if c in df.columns
        else pl.lit(None, pl.String).alias(c)
        for c in (*REQUIRED, *OPTIONAL)
    )
    f = lambda bad, col, msg: _fail(df, bad, file, first_row, col, msg, head)  # noqa: E731

    def f_text(t: _Text, flags: pl.Series, empty: bool, col: str, msg: str) -> None:
        """``f`` of the rows of a text column whose distinct value is flagged (or empty, ``empty``)."""
        if t.flagged(flags, empty):  # else no row is: the million rows need not be looked at
            f(t.rows(flags, empty), col, msg)

    site_t = _Text(df["site"])
    f_text(site_t, site_t.values == "", True, "site", "站点名称不能为空")
    site = site_t.per_row(site_t.values)
    type_t = _Text(df["site_type"])
    type_codes = type_t.each(lambda s: SITE_TYPES.get(s.lower()))
    bad_type = "水体类型应为 river、lake、reservoir 或 groundwater"
    f_text(type_t, type_codes.is_null(), True, "site_type", bad_type)
    site_type = type_t.per_row(type_codes)
    date_t = _Text(df["date"])
    day_values = _parse_dates(date_t.values)
    bad_date = "日期无法识别（应为 2024-03-15、2024/3/15 或 2024-03）"
    f_text(date_t, day_values.is_null(), True, "date", bad_date)
    dates = date_t.per_row(day_values)
    item_t = _Text(df["item"])
    item_codes = pl.Series([item_code(u) for u in item_t.values.to_list()], dtype=pl.String)
    f_text(item_t, item_codes.is_null(), True, "item", "未知的监测项目（见 docs/water.md 的项目代码表）")
    item = item_t.per_row(item_codes)
    codes = list(ITEMS)
    numbers = {code: i for i, code in enumerate(codes)}
    item_no = item_t.per_row(pl.Series([numbers.get(c or "") for c in item_codes], dtype=pl.Int64))
    unit_t = _Text(df["unit"])
    units = [normalize_token(u) for u in unit_t.values.to_list()] + [""]  # the last: an empty cell
    # the factor of each (distinct item, distinct file unit) pair: a few hundred at most, looked up in
    # Python, then gathered per row (null: the unit does not fit the item)
    item_units = [ITEMS[c].unit if c else None for c in item_codes]
    table = [UNIT_FACTORS.get(iu, {}).get(u) if iu else None for iu in item_units for u in units]
    pair = item_t.codes * len(units) + unit_t.codes.fill_null(len(units) - 1)
    factor = pl.Series(table, dtype=pl.Float64).gather(pair)
    f(factor.is_null(), "unit", "单位不适用于该项目（例如 mg/L、µg/L、个/L、MPN/100mL、无量纲）")
    # values: polars' cast for the plain numbers; markers, words and padding only on the cells it fails
    value_col = df["value"]
    num = value_col.cast(pl.Float64, strict=False)
    idx = num.is_null().arg_true()
    sub = _value_text(value_col.gather(idx).str.strip_chars(), item.gather(idx).cast(pl.String))
    if idx.len():
        num = num.scatter(idx, sub["num"])
    ok = sub.select(pl.any_horizontal(pl.col("num", "lt", "lsuf").is_not_null(), "nd", "dry")).to_series()
    f(_spread(idx, ~ok, n), "value", "监测值应为数值、未检出标记（ND、<检出限、检出限L）或 断流")
    dl, dl_bad = _numbers(df["detection_limit"])
    f(dl_bad, "detection_limit", "检出限应为数值")
    f(dl < 0, "detection_limit", "检出限不能为负")
    f(~dl.is_finite(), "detection_limit", "检出限应为有限数值（不能为 NaN、inf 或超出范围的数，如 1e400）")
    f(~num.is_finite(), "value", "监测值应为有限数值（不能为 NaN、inf 或超出范围的数，如 1e400）")
    f((num < 0) & (item_no != numbers["water_temp"]), "value", "监测值不能为负")
    marked = sub.with_columns(dl=pl.coalesce(pl.col("lt"), pl.col("lsuf"), pl.lit(dl.gather(idx)))).select(
        "dl",
        below=(pl.col("lt").is_not_null() | pl.col("lsuf").is_not_null() | pl.col("nd")
               | (pl.col("num") < pl.col("dl"))).fill_null(False),
    )  # fmt: skip
    below = (num < dl).fill_null(False)
    if idx.len():
        dl, below = dl.scatter(idx, marked["dl"]), below.scatter(idx, marked["below"])
    f(below & dl.is_null(), "detection_limit", "未检出结果须给出检出限（<0.01、0.01L 或检出限列）")
    dry = _spread(idx, sub["dry"], n)
    w = pl.DataFrame({"num": num, "dl": dl, "below": below, "dry": dry, "factor": factor})
    del num, dl, below, dry, factor, sub, marked
    w = w.select(
        "below",
        "dry",
        value=pl.when("below").then("dl").when("dry").then(None).otherwise("num") * pl.col("factor"),
        detection_limit=pl.col("dl") * pl.col("factor"),
    )
    kind_t = _Text(df["source_kind"])
    kinds = kind_t.each(lambda k: SOURCE_KINDS.get(k.lower(), "?") if k else None)
    f_text(kind_t, kinds == "?", False, "source_kind", "水源类型应为 surface 或 groundwater")
    kind = kind_t.per_row(kinds)
    if kind.null_count() < n:  # a file that marks drinking-water sources
        ground = type_t.rows(type_codes == "groundwater", False)
        f(kind_t.rows(kinds == "surface", False) & ground, "source_kind", "地下水点位不能标为地表水水源")
        f(kind_t.rows(kinds == "groundwater", False) & ~ground, "source_kind", "地表水体不能标为地下水水源")
    volume, vol_bad = _numbers(df["volume"])
    f(vol_bad | (volume < 0), "volume", "供水量应为非负数值")
    river_t = _Text(df["river"])
    river = river_t.per_row(river_t.values.replace("", None))
    out = pl.DataFrame({
        "row": pl.int_range(first_row, first_row + n, eager=True), "site": site,
        "site_type": site_type, "date": dates, "item": item, "value": w["value"], "below_dl": w["below"],
        "detection_limit": w["detection_limit"], "dry": w["dry"], "source_kind": kind, "volume": volume,
        "river": river,
    }).with_columns(pl.col("date").dt.year().alias("year"))  # fmt: skip
    site_no = site_t.dense()
    if type_codes.drop_nulls().n_unique() > 1:  # with one water type in the file no site has two
        type_no = type_t.per_row(type_codes.replace_strict(_TYPES, range(len(_TYPES)), default=None,
                                                           return_dtype=pl.Int64))  # fmt: skip
        f(_mixed_types(site_no, type_no), "site_type", "同一站点出现多种水体类型")
    dup = _duplicated(site_no, dates.to_physical().cast(pl.Int64), item_no)
    if dup.any():
        rows = out.filter(dup)["row"].head(2).to_list()
        raise WaterInputError(file, rows[1], head("item"), f"与第 {rows[0]} 行重复（同一站点、日期、项目）")
    return out
