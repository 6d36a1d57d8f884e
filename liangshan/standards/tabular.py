"""One table reader for every calculator and import: encodings, Excel, Chinese headers, size budgets.

What it reads
-------------
- ``.csv`` / ``.txt``: UTF-8, UTF-8 with BOM, UTF-16 with BOM (Excel's "Unicode text") and GB18030 (the
  superset of GBK/GB2312 that Excel on Chinese Windows writes). The encoding is detected with **strict**
  decoding — never a replacement character: UTF-8 first (a GB18030 Chinese text is practically never valid
  UTF-8), then GB18030. A file valid in neither raises :class:`TableError` naming the file, the line and
  the byte offset of the first undecodable byte. The delimiter is the first of ``,`` tab ``;`` ``|`` found
  in the header line (comma when none).
- ``.xlsx`` / ``.xlsm``: the first worksheet (or ``sheet=``), read with python-calamine after checking the
  zip's total uncompressed size and the sheet's declared dimension against the budget.

Every cell comes back as text (``None`` = empty): numbers from Excel are written the shortest way that
reads back to the same float (``2024``, not ``2024.0``), dates/times in ISO 8601. Typed columns are made
by the readers, with :func:`parse_numbers` for numbers (non-finite values such as ``NaN``, ``inf`` or
``1e400`` are refused with file, row and column).

Headers are matched to the program's field names through the synonym table ``tabular_headers.yaml``
(:func:`match_columns`): full-width forms, units in brackets, spaces and case do not matter.

Row numbers in errors are the spreadsheet's: header = row 1, first data row = 2.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl

from liangshan.standards.errors import InputError

__all__ = [
    "DEFAULT_BUDGET",
    "MAX_CELL_CHARS",
    "MAX_COLUMNS",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "MAX_UNCOMPRESSED_BYTES",
    "Budget",
    "Table",
    "TableError",
    "field_label",
    "header_key",
    "match_columns",
    "parse_numbers",
    "read_fields",
    "read_table",
    "sheet_names",
    "synonyms",
]

MAX_FILE_BYTES = 2 * 1024**3
"""Largest file read (bytes on disk): 2 GiB, about four years of hourly data of 2,000 stations."""
MAX_UNCOMPRESSED_BYTES = 1024**3
"""Largest total uncompressed size of an .xlsx (zip) file: 1 GiB (guards against zip bombs)."""
MAX_ROWS = 50_000_000
"""Most data rows of one table (Excel itself stops at 1,048,576)."""
MAX_COLUMNS = 5_000
"""Most columns of one table (a national ``china_sites`` day file has about 2,000 station columns)."""
MAX_CELL_CHARS = 32_767
"""Longest cell, in characters (Excel's own limit for one cell)."""

SYNONYMS_FILE = Path(__file__).with_name("tabular_headers.yaml")

_CHUNK = 16 * 1024 * 1024
_XLSX = (".xlsx", ".xlsm")
_TEXT = (".csv", ".txt")
_UNIT_BRACKETS = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Budget:
    """Limits checked *before* a table is loaded; exceeding one raises :class:`TableError` at once.

    Defaults are the module constants :data:`MAX_FILE_BYTES`, :data:`MAX_UNCOMPRESSED_BYTES`,
    :data:`MAX_ROWS`, :data:`MAX_COLUMNS` and :data:`MAX_CELL_CHARS`; pass ``Budget(max_rows=…)`` to
    :func:`read_table` to change one (a web upload uses smaller ones than the CLI).
    """

    max_file_bytes: int = MAX_FILE_BYTES
    max_uncompressed_bytes: int = MAX_UNCOMPRESSED_BYTES
    max_rows: int = MAX_ROWS
    max_columns: int = MAX_COLUMNS
    max_cell_chars: int = MAX_CELL_CHARS


DEFAULT_BUDGET = Budget()


class TableError(InputError):
    """An unreadable table: names the file, the row (header = row 1), the column and, for an encoding
    problem, the byte offset. ``reason`` is the message without the location, for readers that re-raise
    it as their own error class."""

    def __init__(
        self,
        reason: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        byte_offset: int | None = None,
    ) -> None:
        super().__init__(reason, file=file, row=row, column=column)
        self.reason, self.byte_offset = reason, byte_offset


@dataclass(frozen=True)
class Table:
    """A table read by :func:`read_table`.

    Attributes
    ----------
    frame : polars.DataFrame
        One String column per header (``None`` = empty cell), data rows in file order; row ``i`` is the
        spreadsheet's row ``i + 2``.
    encoding : str
        ``utf-8``, ``utf-8-sig`` (with BOM), ``utf-16`` or ``gb18030`` for text files; ``xlsx`` for Excel.
    source : str
        File name shown in messages.
    sheet : str or None
        Worksheet read (Excel only).
    headers : tuple of str
        The header cells as written in the file (``frame`` has the same names).
    """

    frame: pl.DataFrame
    encoding: str
    source: str
    sheet: str | None = None
    headers: tuple[str, ...] = field(default=())

    @property
    def columns(self) -> list[str]:
        return self.frame.columns

    def header_of(self, column: str) -> str:
        """The file's own header cell of ``column`` (a field name after :meth:`rename`), for messages:
        a user reads the header they wrote (地块面积（亩）), not the field name (parcel_area)."""
        cols = self.frame.columns
        if column in cols and len(self.headers) == len(cols):
            return self.headers[cols.index(column)] or column
        return column

    def rename(self, mapping: Mapping[str, str]) -> Table:
        """The same table with columns renamed (file header → field name)."""
        return replace(self, frame=self.frame.rename(dict(mapping)))


# ----------------------------------------------------------------------------------------------- reading


def read_table(
    path: str | Path,
    *,
    budget: Budget = DEFAULT_BUDGET,
    sheet: str | int | None = None,
    name: str | None = None,
) -> Table:
    """Read a CSV/TXT or Excel table as text columns.

    Parameters
    ----------
    path : str or Path
        ``.csv``, ``.txt``, ``.xlsx`` or ``.xlsm``.
    budget : Budget
        Size limits (see :class:`Budget`).
    sheet : str or int, optional
        Excel worksheet by name or 0-based index (default: the first).
    name : str, optional
        File name used in messages (default: the path's name).

    Raises
    ------
    TableError
        Missing file, unsupported type, budget exceeded, undecodable text (line and byte offset), bad
        CSV structure, empty or duplicate header.
    """
    p = Path(path)
    shown = name or p.name
    if not p.is_file():
        raise TableError("文件不存在", file=shown)
    size = p.stat().st_size
    if size > budget.max_file_bytes:
        raise TableError(
            f"文件大小 {_mb(size)} 超过上限 {_mb(budget.max_file_bytes)}，请拆分后分别导入", file=shown
        )
    suffix = p.suffix.lower()
    if suffix in _XLSX:
        return _read_xlsx(p, shown, budget, sheet)
    if suffix in _TEXT:
        return _read_text(p.read_bytes(), shown, budget)
    raise TableError(f"不支持的文件类型 {suffix or '（无扩展名）'}，应为 .csv、.txt 或 .xlsx", file=shown)


def _mb(n: int) -> str:
    return f"{n / 1024**2:,.1f} MB"


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _strict_utf8(data: bytes) -> int | None:
    """Byte offset of the first invalid UTF-8 sequence, or None (decoded in chunks: no full copy)."""
    dec = codecs.getincrementaldecoder("utf-8")("strict")
    for start in range(0, len(data), _CHUNK):
        pending = len(dec.getstate()[0])  # bytes of an unfinished sequence held from the previous chunk
        try:
            dec.decode(data[start : start + _CHUNK], final=start + _CHUNK >= len(data))
        except UnicodeDecodeError as exc:
            return start - pending + exc.start
    return None


def _decode(data: bytes, file: str, *, checked: bool = False) -> tuple[bytes, str]:
    """UTF-8 bytes of the content (no BOM) and the encoding found; strict, never a replacement.

    ``checked=False`` trusts a BOM-less file to be UTF-8 when its header line is (the CSV parser then
    validates every field and :func:`_read_text` comes back with ``checked=True`` when one is not).
    """
    if data.startswith(codecs.BOM_UTF8):
        body = data[3:]
        bad = None if not checked else _strict_utf8(body)
        if bad is None:
            return body, "utf-8-sig"
        raise _undecodable(data, bad + 3, file, "UTF-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16").encode("utf-8"), "utf-16"
        except UnicodeDecodeError as exc:
            raise _undecodable(data, exc.start, file, "UTF-16") from None
    end = data.find(b"\n")
    try:
        (data if end < 0 else data[:end]).decode("utf-8")
        bad_utf8 = _strict_utf8(data) if checked else None
    except UnicodeDecodeError as exc:
        bad_utf8 = exc.start
    if bad_utf8 is None:
        return data, "utf-8"
    try:
        return data.decode("gb18030").encode("utf-8"), "gb18030"
    except UnicodeDecodeError as exc:
        # report the encoding that got further: the file is most likely in that one with a damaged byte
        offset, enc = (bad_utf8, "UTF-8") if bad_utf8 > exc.start else (exc.start, "GB18030")
        raise _undecodable(data, offset, file, enc) from None


def _undecodable(data: bytes, offset: int, file: str, encoding: str) -> TableError:
    snippet = data[offset : offset + 4].hex(" ").upper()
    return TableError(
        f"无法识别文件编码：第 {offset} 字节（{snippet}）既不是 UTF-8 也不是 GB18030/GBK 编码的字符"
        f"（最接近 {encoding}）。请用 Excel 或记事本“另存为” CSV UTF-8 后重试",
        file=file,
        row=_line_of(data, offset),
        byte_offset=offset,
    )


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_text(raw: bytes, name: str, budget: Budget, *, checked: bool = False) -> Table:
    data, encoding = _decode(raw, name, checked=checked)
    n_lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if n_lines - 1 > budget.max_rows:
        raise TableError(f"数据行数约 {n_lines - 1:,} 超过上限 {budget.max_rows:,}", file=name)
    end = data.find(b"\n")
    first = (data if end < 0 else data[:end]).decode("utf-8").rstrip("\r")
    if not first.strip():
        raise TableError("文件为空或第一行（表头）为空", file=name, row=1)
    sep = _delimiter(first)
    header = next(csv.reader([first], delimiter=sep))
    if len(header) > budget.max_columns:
        raise TableError(f"列数 {len(header):,} 超过上限 {budget.max_columns:,}", file=name, row=1)
    headers = _clean_headers(header, name)
    try:
        frame = pl.read_csv(data, separator=sep, infer_schema=False, raise_if_empty=False)
    except pl.exceptions.PolarsError as exc:
        if "utf-8" in str(exc).lower() and not checked:  # not UTF-8 after all: decode strictly
            return _read_text(raw, name, budget, checked=True)
        raise _structure_error(data, sep, len(headers), name) from None
    if frame.width != len(headers):
        raise _structure_error(data, sep, len(headers), name)
    frame.columns = headers
    frame = _drop_unnamed_empty(frame, headers)
    if len(raw) > budget.max_cell_chars:
        _check_cells(frame, name, budget)
    frame = frame.with_columns(pl.all().replace("", None)) if frame.height else frame
    return Table(frame, encoding, name, None, tuple(frame.columns))


def _structure_error(data: bytes, sep: str, n_cols: int, name: str) -> TableError:
    """Name the first row with more fields than the header (or say the CSV quoting is broken)."""
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""), delimiter=sep)
    try:
        for i, row in enumerate(reader, start=1):
            if len(row) > n_cols:
                return TableError(
                    f"有 {len(row)} 个字段，多于表头的 {n_cols} 列（检查是否多了分隔符或引号未闭合）",
                    file=name,
                    row=i,
                )
    except csv.Error:
        pass
    return TableError("CSV 结构无法解析（引号未闭合或分隔符不一致）", file=name)


def _check_cells(frame: pl.DataFrame, name: str, budget: Budget) -> None:
    if not frame.height:
        return
    longest = frame.select(pl.all().str.len_bytes().max()).row(0)  # bytes ≥ characters: cheap bound
    for col, nb in zip(frame.columns, longest, strict=True):
        if nb is None or nb <= budget.max_cell_chars:
            continue
        n = frame[col].str.len_chars().max()
        if isinstance(n, int) and n > budget.max_cell_chars:
            idx = int(frame[col].str.len_chars().arg_max() or 0)
            raise TableError(
                f"单元格长度 {n:,} 个字符超过上限 {budget.max_cell_chars:,}",
                file=name,
                row=idx + 2,
                column=col,
            )


def _clean_headers(cells: Sequence[Any], name: str) -> list[str]:
    """Header texts (BOM and surrounding spaces removed); an empty header is named 第N列; duplicates
    are refused."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for j, c in enumerate(cells, start=1):
        h = "" if c is None else _cell_text(c).strip().lstrip("\ufeff").strip()
        h = h or f"第{j}列"
        if h in seen:
            raise TableError(f"表头重复：第 {seen[h]} 列与第 {j} 列都是 {h!r}", file=name, row=1, column=h)
        seen[h] = j
        out.append(h)
    return out


def _drop_unnamed_empty(frame: pl.DataFrame, headers: Sequence[str]) -> pl.DataFrame:
    """Drop columns without a header whose every cell is empty (a stray delimiter at line ends)."""
    unnamed = [h for j, h in enumerate(headers, start=1) if h == f"第{j}列"]
    if not unnamed:
        return frame
    empty = [h for h in unnamed if frame[h].replace("", None).null_count() == frame.height]
    return frame.drop(empty)


def _cell_text(v: Any) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, datetime):
        return v.isoformat()
    if isinstance(v, date | time):
        return v.isoformat()
    if isinstance(v, timedelta):
        return str(v)
    return str(v)


# ------------------------------------------------------------------------------------------------ Excel


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _xlsx_dimension(zf: zipfile.ZipFile, index: int) -> tuple[int, int] | None:
    """(rows, columns) declared by the ``<dimension>`` element of the ``index``-th sheet, read from the
    first bytes of its XML without loading the sheet; None when the file does not declare it."""
    try:
        wb = zf.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return None
    ids = re.findall(r"<(?:\w+:)?sheet\b[^>]*?\br:id=\"([^\"]+)\"", wb)
    if index >= len(ids):
        return None
    m = re.search(rf"<Relationship\b[^>]*\bId=\"{re.escape(ids[index])}\"[^>]*>", rels)
    t = re.search(r"\bTarget=\"([^\"]+)\"", m.group(0)) if m else None
    if not t:
        return None
    target = t.group(1).lstrip("/")
    target = target if target.startswith("xl/") else f"xl/{target}"
    try:
        with zf.open(target) as fh:
            head = fh.read(65536).decode("utf-8", "replace")
    except KeyError:
        return None
    d = re.search(r"<(?:\w+:)?dimension\s+ref=\"([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?\"", head)
    if not d:
        return None
    c1, r1, c2, r2 = d.group(1), int(d.group(2)), d.group(3) or d.group(1), int(d.group(4) or d.group(2))
    return r2 - r1 + 1, _col_number(c2) - _col_number(c1) + 1


def sheet_names(path: str | Path, *, budget: Budget = DEFAULT_BUDGET, name: str | None = None) -> list[str]:
    """Worksheet names of an .xlsx file, after the file-size and uncompressed-size budget checks."""
    p = Path(path)
    shown = name or p.name
    if not p.is_file():
        raise TableError("文件不存在", file=shown)
    size = p.stat().st_size
    if size > budget.max_file_bytes:
        raise TableError(f"文件大小 {_mb(size)} 超过上限 {_mb(budget.max_file_bytes)}", file=shown)
    from python_calamine import CalamineWorkbook

    _check_zip(p, shown, budget)
    try:
        wb = CalamineWorkbook.from_path(str(p))
    except Exception:  # calamine raises its own types for every kind of damage
        raise TableError(_BAD_XLSX, file=shown) from None
    try:
        return list(wb.sheet_names)
    finally:
        wb.close()


_BAD_XLSX = (
    "不是有效的 Excel（.xlsx）文件：文件已损坏，或是改了扩展名的其他格式（不支持），请在 Excel 中另存为 .xlsx"
)


def _check_zip(p: Path, name: str, budget: Budget) -> None:
    try:
        with zipfile.ZipFile(p) as zf:
            unpacked = sum(i.file_size for i in zf.infolist())
    except (zipfile.BadZipFile, OSError):
        raise TableError(_BAD_XLSX, file=name) from None
    if unpacked > budget.max_uncompressed_bytes:
        limit = _mb(budget.max_uncompressed_bytes)
        raise TableError(f"解压后大小 {_mb(unpacked)} 超过上限 {limit}", file=name)


def _read_xlsx(p: Path, name: str, budget: Budget, sheet: str | int | None) -> Table:
    from python_calamine import CalamineWorkbook

    _check_zip(p, name, budget)
    zf = zipfile.ZipFile(p)
    try:
        try:
            wb = CalamineWorkbook.from_path(str(p))
        except Exception:  # calamine raises its own types for every kind of damage
            raise TableError(_BAD_XLSX, file=name) from None
        names = list(wb.sheet_names)
        if isinstance(sheet, str):
            if sheet not in names:
                raise TableError(f"没有工作表 {sheet!r}（现有：{'、'.join(names)}）", file=name)
            index = names.index(sheet)
        else:
            index = sheet or 0
            if index >= len(names):
                raise TableError("工作簿中没有工作表", file=name)
        dim = _xlsx_dimension(zf, index)
    finally:
        zf.close()
    if dim is not None:
        if dim[0] - 1 > budget.max_rows:
            raise TableError(
                f"工作表 {names[index]} 有 {dim[0]:,} 行，超过上限 {budget.max_rows:,}", file=name
            )
        if dim[1] > budget.max_columns:
            raise TableError(
                f"工作表 {names[index]} 有 {dim[1]:,} 列，超过上限 {budget.max_columns:,}", file=name
            )
    try:
        rows = wb.get_sheet_by_index(index).to_python(skip_empty_area=False)
    except Exception:
        raise TableError(f"无法读取工作表 {names[index]}（文件已损坏）", file=name) from None
    finally:
        wb.close()
    while rows and all(c in ("", None) for c in rows[-1]):
        rows.pop()
    if not rows:
        raise TableError(f"工作表 {names[index]} 为空", file=name)
    if len(rows) - 1 > budget.max_rows or len(rows[0]) > budget.max_columns:
        raise TableError(f"工作表 {names[index]} 的行数或列数超过上限", file=name)
    headers = _clean_headers(rows[0], name)
    cols: list[list[str | None]] = [[] for _ in headers]
    for r, row in enumerate(rows[1:], start=2):
        for j, col in enumerate(cols):
            v = row[j] if j < len(row) else None
            text = None if v is None or v == "" else _cell_text(v)
            if text is not None and len(text) > budget.max_cell_chars:
                raise TableError(
                    f"单元格长度 {len(text):,} 个字符超过上限 {budget.max_cell_chars:,}",
                    file=name,
                    row=r,
                    column=headers[j],
                )
            col.append(text)
    frame = pl.DataFrame([pl.Series(h, c, dtype=pl.String) for h, c in zip(headers, cols, strict=True)])
    frame = _drop_unnamed_empty(frame, headers)
    return Table(frame, "xlsx", name, names[index], tuple(frame.columns))


# ---------------------------------------------------------------------------------------------- headers


def header_key(text: str) -> str:
    """Normalised header: NFKC (full-width → half-width), units in brackets removed, spaces removed,
    case folded. ``二氧化硫（μg/m³）`` → ``二氧化硫``, ``ＰＭ２．５`` → ``pm2.5``."""
    t = unicodedata.normalize("NFKC", str(text)).replace("\ufeff", "")
    prev = None
    while prev != t:  # nested brackets
        prev, t = t, _UNIT_BRACKETS.sub("", t)
    return _SPACE.sub("", t).casefold()


@cache
def _synonym_file() -> dict[str, dict[str, tuple[str, ...]]]:
    import yaml  # loaded on the first header match that needs the synonyms (not at import)

    with SYNONYMS_FILE.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    return {s: {f: tuple(str(x) for x in (v or [])) for f, v in fields.items()} for s, fields in data.items()}


def synonyms(schema: str) -> dict[str, tuple[str, ...]]:
    """Field → accepted headers of a schema of ``tabular_headers.yaml`` (``air``, ``water``, …)."""
    table = _synonym_file()
    if schema not in table:
        raise KeyError(schema)
    return dict(table[schema])


def field_label(schema: str, field: str, headers: Iterable[str] = ()) -> str:
    """The header a user would write for ``field`` of ``schema``, for messages about a column the file
    lacks (or whose own header is not at hand): the first synonym in ``tabular_headers.yaml``
    (``taxon`` → 类群) — unless the file's ``headers`` are all ASCII (it uses the field names as headers:
    ``year,taxon``), then the field name, as that user would write it. The field name too when the
    schema gives no synonym."""
    if any(True for _ in headers) and all(h.isascii() for h in headers):
        return field
    names = synonyms(schema).get(field, ())
    return names[0] if names else field


def match_columns(
    columns: Iterable[str],
    schema: str | Mapping[str, Sequence[str]],
    *,
    file: str | None = None,
    explicit: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Which file column holds each field.

    Parameters
    ----------
    columns : iterable of str
        The file's headers.
    schema : str or mapping
        A schema name of ``tabular_headers.yaml`` or a mapping field → synonyms.
    file : str, optional
        File name for messages.
    explicit : mapping, optional
        Field → file header chosen by the user (``--columns``); wins over the synonyms and must exist.

    Returns
    -------
    dict field → file header, for the fields found (missing fields are for the caller to judge).

    Raises
    ------
    TableError
        Two columns match one field (both named), or an explicit header is not in the file.
    """
    cols = list(columns)
    table = synonyms(schema) if isinstance(schema, str) else {k: tuple(v) for k, v in schema.items()}
    keys: dict[str, str] = {}
    for f, names in table.items():
        for n in (f, *names):
            keys.setdefault(header_key(n), f)
    explicit = dict(explicit or {})
    taken = set(explicit.values())
    out: dict[str, str] = {}
    for f, h in explicit.items():
        if h not in cols:
            raise TableError(f"缺少列 {h}（指定为 {f} 的列）", file=file, row=1, column=h)
        out[f] = h
    for c in cols:
        if c in taken:
            continue
        hit = keys.get(header_key(c))
        if hit is None or hit in explicit:
            continue
        f = hit
        if f in out:
            raise TableError(
                f"列 {out[f]!r} 与列 {c!r} 都表示 {f}，无法确定用哪一列：请删除或改名其中一列{{or_columns}}",
                file=file,
                row=1,
                column=c,
            )
        out[f] = c
    return out


def read_fields(
    path: str | Path,
    schema: str,
    *,
    name: str | None = None,
    budget: Budget = DEFAULT_BUDGET,
    sheet: str | int | None = None,
) -> Table:
    """:func:`read_table`, then the columns recognised by :func:`match_columns` renamed to their field
    names (other columns keep their headers). Raises :class:`TableError`."""
    table = read_table(path, budget=budget, sheet=sheet, name=name)
    found = match_columns(table.columns, schema, file=table.source)
    return table.rename({c: f for f, c in found.items() if c != f})


# ---------------------------------------------------------------------------------------------- numbers


def parse_numbers(
    values: pl.Series,
    *,
    file: str | None = None,
    column: str | None = None,
    first_row: int = 2,
    allow_empty: bool = True,
    thousands: bool = False,
) -> pl.Series:
    """Float64 column from text (or numbers); empty → null.

    Refuses, naming the file, the row (``first_row`` = the row of ``values[0]``) and the column: text that
    is not a number, an empty cell when ``allow_empty`` is false, and non-finite values — ``NaN``, ``inf``
    and numbers beyond float range such as ``1e400`` — which no measurement can be. ``thousands`` accepts
    ``1,497,000`` (commas, full-width commas and spaces removed).
    """
    col = column or values.name
    if values.dtype.is_numeric():
        num = values.cast(pl.Float64)
        text = num.cast(pl.String)
    else:
        text = values.cast(pl.String).str.strip_chars()
        if thousands:
            text = text.str.replace_all(r"[,，\s]", "")
        text = text.replace("", None)
        num = text.cast(pl.Float64, strict=False)
    bad = num.is_null() & text.is_not_null()
    if bad.any():
        i = int(bad.arg_true()[0])
        raise TableError(f"{text[i]!r} 不是数值", file=file, row=i + first_row, column=col)
    if not allow_empty and num.null_count():
        i = int(num.is_null().arg_true()[0])
        raise TableError("数值为空", file=file, row=i + first_row, column=col)
    finite = num.is_finite().fill_null(True)
    if not finite.all():
        i = int((~finite).arg_true()[0])
        raise TableError(
            f"{text[i]!r} 不是有限数值（NaN、无穷大或超出范围）", file=file, row=i + first_row, column=col
        )
    return num.alias(values.name)
