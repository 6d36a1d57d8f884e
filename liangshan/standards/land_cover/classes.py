"""Land-cover class tables as data: raster code → forest / grass / other (林草覆盖率, indicator 7).

The built-in table is ``land_classes.csv`` (columns ``scheme,code,group,name,shrub``) beside the
``liangshan.standards`` package modules: GB/T 21010-2017《土地利用现状分类》表 1 (03 林地 0301–0307, 04 草地
0401–0404), CLCD (Yang & Huang, 2021) and ESA WorldCover; a user CSV ``code,group[,name,shrub]`` replaces it.
Every code belongs to exactly one group, so a cell is never counted twice (灌木林地 counts once).

灌木林地 (the ``shrub`` option, :data:`SHRUB_RULES`). 森林覆盖率 counts 乔木林地、竹林地 and only the
**国家特别规定灌木林地** (《国家森林资源连续清查技术规定》: shrub land in arid, semi-arid, high-altitude or
karst areas where trees cannot grow, and 经济林 shrubs); 其他灌木林地 are not forest. GB/T 21010-2017 0305
灌木林地 (and the CLCD / WorldCover shrub classes) does **not** make that split, so the class table marks
such codes ``shrub=unsplit``; a table whose codes come from the 林草湿综合监测 (国土“三调”统一底图上的
森林资源管理“一张图”, which keeps the split) marks them ``special`` or ``other``. The county figure
published from 林草湿综合监测 counts 国家特别规定灌木林地 as forest and 其他灌木林地 as neither forest nor
grass (restated, UNVERIFIED as to each province's practice), which is ``special-shrub-only``. The default
``forest`` keeps the former behaviour (every 灌木林地 counted as forest), an upper bound of that figure.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from liangshan.standards.land_cover.errors import ClassTableError

__all__ = [
    "CLASS_SCHEMES",
    "CLASS_TABLE_PATH",
    "DEFAULT_SCHEME",
    "DEFAULT_SHRUB",
    "GROUPS",
    "SHRUB_KINDS",
    "SHRUB_RULES",
    "ClassTable",
    "load_class_table",
]

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

SHRUB_KINDS = ("unsplit", "special", "other")
"""Values of a class table's ``shrub`` column: 灌木林地 not split (GB/T 21010 0305), 国家特别规定灌木林地,
其他灌木林地; empty for every other class."""

SHRUB_RULES: dict[str, str] = {
    "forest": "灌木林地全部计入森林（默认；不区分国家特别规定灌木林地）",
    "grass": "灌木林地全部计入草地",
    "exclude": "灌木林地不计入森林和草地",
    "special-shrub-only": "仅国家特别规定灌木林地计入森林，其他灌木林地不计入（林草湿综合监测口径）",
}
"""How the codes marked in the ``shrub`` column are grouped, by option value (module docstring)."""

DEFAULT_SHRUB = "forest"


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
    shrub : str
        The 灌木林地 rule applied (a key of :data:`SHRUB_RULES`).
    shrub_codes : dict[int, str]
        Codes marked in the ``shrub`` column and their kind (``unsplit``/``special``/``other``).
    """

    groups: dict[int, str]
    names: dict[int, str]
    source: str
    shrub: str = DEFAULT_SHRUB
    shrub_codes: dict[int, str] | None = None

    @property
    def shrub_rule(self) -> str:
        """The 灌木林地 rule in words (for the method and the provenance)."""
        return SHRUB_RULES[self.shrub]


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


def _shrub_group(kind: str, group: str, shrub: str) -> str:
    """The group of a code marked ``kind`` in the ``shrub`` column under the option ``shrub``."""
    if not kind:
        return group
    if shrub == "forest":
        return "forest"
    if shrub == "grass":
        return "grass"
    if shrub == "exclude":
        return "other"
    return "forest" if kind == "special" else "other"  # special-shrub-only


def load_class_table(
    path: str | Path | None = None, *, scheme: str = DEFAULT_SCHEME, shrub: str = DEFAULT_SHRUB
) -> ClassTable:
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
    shrub : str
        The 灌木林地 rule (:data:`SHRUB_RULES`) for the codes marked in the ``shrub`` column:
        ``forest`` (default), ``grass``, ``exclude`` or ``special-shrub-only``. Without a ``shrub``
        column the table's groups stand under ``forest``; any other rule then needs the column.

    Returns
    -------
    ClassTable

    Raises
    ------
    ClassTableError
        Missing column, non-integer code, unknown group or shrub kind, a code listed twice (double
        counting), or a ``shrub`` rule the table cannot apply (no ``shrub`` column; ``special-shrub-only``
        on a table whose 灌木林地 is not split into 国家特别规定 / 其他); the message names the file, the
        row (header = row 1) and the column.
    """
    if shrub not in SHRUB_RULES:
        raise ClassTableError(f"未知的灌木林地口径 {shrub!r}，可选：{', '.join(SHRUB_RULES)}")
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
    where = f"内置地类对照表（{scheme}）" if path is None else str(src)
    header, rows = _read_csv_rows(src)
    for col in ("code", "group"):
        if col not in header:
            raise ClassTableError(f"{where}: 第 1 行（表头）缺少列 {col!r}，应为 code,group[,name]")
    i_code, i_group = header.index("code"), header.index("group")
    i_name = header.index("name") if "name" in header else None
    i_shrub = header.index("shrub") if "shrub" in header else None
    if i_shrub is None and shrub != DEFAULT_SHRUB:
        raise ClassTableError(
            f"{where}: 第 1 行（表头）没有 shrub 列，无法按“{SHRUB_RULES[shrub]}”处理灌木林地；"
            "请在对照表中增加 shrub 列（灌木林地代码填 unsplit、special 或 other）"
        )
    shrub_codes: dict[int, str] = {}
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
            raise ClassTableError(f"{where}: 第 {n} 行列数不足，应有 code 与 group 两列")
        code_s, group = row[i_code].strip(), row[i_group].strip().lower()
        try:
            code = int(code_s)
        except ValueError:
            raise ClassTableError(
                f"{where}: 第 {n} 行 code 列的值 {code_s!r} 不是整数地类代码（如 0301 或 10）"
            ) from None
        if group not in GROUPS:
            raise ClassTableError(
                f"{where}: 第 {n} 行 group 列的值 {row[i_group].strip()!r} 无效，应为 forest、grass 或 other"
            )
        kind_s = row[i_shrub].strip() if i_shrub is not None and len(row) > i_shrub else ""
        kind = kind_s.lower()
        if kind and kind not in SHRUB_KINDS:
            raise ClassTableError(
                f"{where}: 第 {n} 行 shrub 列的值 {kind_s!r} 无效，应为空、unsplit、special 或 other"
            )
        if kind == "unsplit" and shrub == "special-shrub-only":
            raise ClassTableError(
                f"{where}: 第 {n} 行 shrub 列：代码 {code_s} 的灌木林地未区分国家特别规定灌木林地与"
                "其他灌木林地（GB/T 21010-2017 0305 不细分），无法按“仅国家特别规定灌木林地”计；"
                "请用林草湿综合监测细分后的地类对照表（shrub 列填 special 或 other），或改用其他灌木林地口径"
            )
        if code in groups:
            raise ClassTableError(
                f"{where}: 第 {n} 行 code 列的代码 {code_s} 与第 {first_row[code]} 行重复"
                "（一个代码只能归入一个组，避免重复计算）"
            )
        groups[code] = _shrub_group(kind, group, shrub)
        if kind:
            shrub_codes[code] = kind
        first_row[code] = n
        names[code] = row[i_name].strip() if i_name is not None and len(row) > i_name else ""
    if not groups:
        raise ClassTableError(f"{where}: 没有任何地类代码行")
    if shrub != DEFAULT_SHRUB:
        label += f"（灌木林地：{SHRUB_RULES[shrub]}）"
    return ClassTable(groups=groups, names=names, source=label, shrub=shrub, shrub_codes=shrub_codes)
