"""Land-cover class tables as data: raster code → forest / grass / other (林草覆盖率, indicator 7).

The built-in table is ``land_classes.csv`` (columns ``scheme,code,group,name``) beside the
``liangshan.standards`` package modules: GB/T 21010-2017《土地利用现状分类》表 1 (03 林地 0301–0307, 04 草地
0401–0404), CLCD (Yang & Huang, 2021) and ESA WorldCover; a user CSV ``code,group[,name]`` replaces it. Every
code belongs to exactly one group, so a cell is never counted twice (灌木林地 counts once, as forest).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from liangshan.standards.land_cover.errors import ClassTableError

__all__ = ["CLASS_SCHEMES", "CLASS_TABLE_PATH", "DEFAULT_SCHEME", "GROUPS", "ClassTable", "load_class_table"]

CLASS_TABLE_PATH = Path(__file__).parent.parent / "land_classes.csv"
"""The built-in class table (columns ``scheme,code,group,name``)."""

GROUPS = ("forest", "grass", "other")
"""Allowed groups of a class table: 森林 (forest), 草地 (grass), 其他 (other, incl. water)."""

CLASS_SCHEMES: dict[str, dict[str, str]] = {
    "gbt21010-2017": {
        "title": (
            "GB/T 21010-2017《土地利用现状分类》二级类（第三次全国国土调查同码），"
            "栅格值 = 四位代码的整数（0301 → 301）"
        ),
        "effective": "2017-11-01",
        "forest_rule": (
            "森林 = 0301 乔木林地、0302 竹林地、0303 红树林地、0304 森林沼泽、0305 灌木林地、0306 灌丛沼泽；"
            "0307 其他林地（疏林地、未成林造林地、迹地、苗圃）不计入（选择，可由 CSV 覆盖）；"
            "草地 = 0401、0402、0403、0404"
        ),
    },
    "clcd": {
        "title": "CLCD 中国年度土地覆盖数据集（Yang & Huang, 2021, ESSD 13:3907）9 类",
        "effective": "2021-08-11",
        "forest_rule": "森林 = 2 Forest、3 Shrub；草地 = 4 Grassland",
    },
    "esa-worldcover": {
        "title": "ESA WorldCover 10 m v100 (2020) / v200 (2021) 11 类",
        "effective": "2021-10-20",
        "forest_rule": "森林 = 10 Tree cover、20 Shrubland、95 Mangroves；草地 = 30 Grassland",
    },
}
"""Built-in class schemes (keyed by classification edition) with the date the edition took effect."""

DEFAULT_SCHEME = "gbt21010-2017"


@dataclass(frozen=True)
class ClassTable:
    """Mapping raster code → group (``forest``/``grass``/``other``) and name.

    Attributes
    ----------
    groups : dict[int, str]
        Group of every code (exactly one per code: no double counting).
    names : dict[int, str]
        Display name of every code (may be empty).
    source : str
        Where the table came from (``builtin:gbt21010-2017`` or the CSV path).
    """

    groups: dict[int, str]
    names: dict[int, str]
    source: str


def _read_csv_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes every byte string
        raise ClassTableError(f"{path}: 无法识别的文件编码（应为 UTF-8 或 GB18030）")
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise ClassTableError(f"{path}: 文件为空，应有表头 code,group[,name]")
    header = [h.strip().lower() for h in rows[0]]
    return header, rows[1:]


def load_class_table(path: str | Path | None = None, *, scheme: str = DEFAULT_SCHEME) -> ClassTable:
    """Load a class-mapping table.

    Parameters
    ----------
    path : str or Path, optional
        User CSV with header ``code,group`` and optional ``name`` (a ``scheme`` column, if present, is
        ignored). ``code`` is the integer raster value (``0301`` is read as 301); ``group`` is one of
        ``forest``, ``grass``, ``other``. The user table **replaces** the built-in one. ``None`` → built-in
        table of ``scheme``.
    scheme : str
        Built-in scheme when ``path`` is None: ``gbt21010-2017`` (default), ``clcd`` or
        ``esa-worldcover`` (see :data:`CLASS_SCHEMES`).

    Returns
    -------
    ClassTable

    Raises
    ------
    ClassTableError
        Missing column, non-integer code, unknown group or a code listed twice (double counting); the
        message names the file, the row (header = row 1) and the column.
    """
    if path is None:
        if scheme not in CLASS_SCHEMES:
            raise ClassTableError(f"未知的地类分类体系 {scheme!r}，可选：{', '.join(CLASS_SCHEMES)}")
        src = CLASS_TABLE_PATH
        label = f"builtin:{scheme}"
    else:
        src = Path(path)
        label = str(src)
        if not src.is_file():
            raise ClassTableError(f"{src}: 地类对照表文件不存在")
    header, rows = _read_csv_rows(src)
    for col in ("code", "group"):
        if col not in header:
            raise ClassTableError(f"{src}: 第 1 行（表头）缺少列 {col!r}，应为 code,group[,name]")
    i_code, i_group = header.index("code"), header.index("group")
    i_name = header.index("name") if "name" in header else None
    i_scheme = header.index("scheme") if (path is None and "scheme" in header) else None
    groups: dict[int, str] = {}
    names: dict[int, str] = {}
    first_row: dict[int, int] = {}
    for n, row in enumerate(rows, start=2):
        if not row or all(not c.strip() for c in row):
            continue
        if i_scheme is not None and row[i_scheme].strip() != scheme:
            continue
        if len(row) <= max(i_code, i_group):
            raise ClassTableError(f"{src}: 第 {n} 行列数不足，应有 code 与 group 两列")
        code_s, group = row[i_code].strip(), row[i_group].strip().lower()
        try:
            code = int(code_s)
        except ValueError:
            raise ClassTableError(
                f"{src}: 第 {n} 行 code 列的值 {code_s!r} 不是整数地类代码（如 0301 或 10）"
            ) from None
        if group not in GROUPS:
            raise ClassTableError(
                f"{src}: 第 {n} 行 group 列的值 {row[i_group].strip()!r} 无效，应为 forest、grass 或 other"
            )
        if code in groups:
            raise ClassTableError(
                f"{src}: 第 {n} 行 code 列的代码 {code_s} 与第 {first_row[code]} 行重复"
                "（一个代码只能归入一个组，避免重复计算）"
            )
        groups[code] = group
        first_row[code] = n
        names[code] = row[i_name].strip() if i_name is not None and len(row) > i_name else ""
    if not groups:
        raise ClassTableError(f"{src}: 没有任何地类代码行")
    return ClassTable(groups=groups, names=names, source=label)
