"""Budgets checked on an uploaded .xlsx *before* any spreadsheet library opens it (zip bombs).

An .xlsx is a zip archive. A sheet of 200 MB of repeated XML compresses to under 1 MB, and a reader
that builds every cell (openpyxl in full mode, or calamine's whole-sheet read) then needs minutes and
gigabytes. :func:`check_xlsx` looks only at the archive's directory and streams the members through the
decompressor with a byte counter (so a directory that lies about sizes is caught too):

- at most :data:`MAX_MEMBERS` files in the archive;
- total uncompressed size at most ``max_uncompressed`` (default :data:`MAX_UPLOAD_UNCOMPRESSED`);
- no member larger than 1 MB whose compression ratio exceeds :data:`MAX_RATIO` (real workbooks compress
  about 5–20 times; a bomb hundreds of times);
- the first sheets' declared ``<dimension>`` at most ``max_cells`` cells.

Every refusal is a :class:`XlsxBudgetError` in Chinese naming the file.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from liangshan.standards.errors import InputError

__all__ = [
    "MAX_CELLS",
    "MAX_MEMBERS",
    "MAX_RATIO",
    "MAX_UPLOAD_UNCOMPRESSED",
    "XlsxBudgetError",
    "check_xlsx",
]

MAX_MEMBERS = 2_000
"""Most files inside one .xlsx (a workbook of a few sheets has 10–30)."""
MAX_UPLOAD_UNCOMPRESSED = 256 * 1024**2
"""Largest total uncompressed size of an uploaded workbook: 256 MiB."""
MAX_RATIO = 100.0
"""Largest compression ratio of a member bigger than :data:`_RATIO_FLOOR`."""
MAX_CELLS = 20_000_000
"""Most cells (rows × columns) a sheet may declare."""
_RATIO_FLOOR = 1024**2
_NOT_XLSX = "不是有效的 Excel（.xlsx）文件，请在 Excel 中另存为 .xlsx 后重试"
_CHUNK = 1024 * 1024
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?\"")


class XlsxBudgetError(InputError):
    """An .xlsx refused before it is opened; ``reason`` is the message without the file name."""

    def __init__(self, reason: str, *, file: str | None = None) -> None:
        super().__init__(reason, file=file)
        self.reason = reason


def _mb(n: float) -> str:
    return f"{n / 1024**2:,.1f} MB"


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def check_xlsx(
    path: str | Path,
    *,
    name: str | None = None,
    max_uncompressed: int = MAX_UPLOAD_UNCOMPRESSED,
    max_members: int = MAX_MEMBERS,
    max_ratio: float = MAX_RATIO,
    max_cells: int = MAX_CELLS,
) -> None:
    """Refuse an .xlsx whose archive exceeds a budget (see the module docstring); open nothing else.

    Raises
    ------
    XlsxBudgetError
        Not a zip archive, too many members, too large unpacked, a member compressed too well, or a
        sheet declaring too many cells.
    """
    p = Path(path)
    shown = name or p.name
    try:
        zf = zipfile.ZipFile(p)
    except (zipfile.BadZipFile, OSError):
        raise XlsxBudgetError(_NOT_XLSX, file=shown) from None
    with zf:
        infos = zf.infolist()
        if len(infos) > max_members:
            raise XlsxBudgetError(f"压缩包内有 {len(infos):,} 个文件，超过上限 {max_members:,}", file=shown)
        declared = sum(i.file_size for i in infos)
        if declared > max_uncompressed:
            raise XlsxBudgetError(
                f"解压后大小 {_mb(declared)} 超过上限 {_mb(max_uncompressed)}（疑似压缩炸弹）", file=shown
            )
        for i in infos:
            if i.file_size > _RATIO_FLOOR and i.file_size / max(i.compress_size, 1) > max_ratio:
                raise XlsxBudgetError(
                    f"{i.filename} 压缩比 {i.file_size / max(i.compress_size, 1):,.0f} 倍，"
                    f"超过上限 {max_ratio:,.0f} 倍（疑似压缩炸弹）",
                    file=shown,
                )
        total = 0
        for i in infos:  # the directory may lie: count what the decompressor really yields
            if i.is_dir():
                continue
            try:
                with zf.open(i) as fh:
                    head = b""
                    while chunk := fh.read(_CHUNK):
                        if not head and i.filename.startswith("xl/worksheets/"):
                            head = chunk[:65536]
                            _check_dimension(head, i.filename, shown, max_cells)
                        total += len(chunk)
                        if total > max_uncompressed:
                            raise XlsxBudgetError(
                                f"解压后大小超过上限 {_mb(max_uncompressed)}（疑似压缩炸弹）", file=shown
                            )
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError) as exc:
                if isinstance(exc, XlsxBudgetError):
                    raise
                raise XlsxBudgetError(f"文件已损坏（{i.filename} 无法解压）", file=shown) from None


def _check_dimension(head: bytes, member: str, shown: str, max_cells: int) -> None:
    d = _DIMENSION.search(head)
    if not d:
        return
    c1, r1 = d.group(1), int(d.group(2))
    c2, r2 = d.group(3) or c1, int(d.group(4) or r1)
    cells = (abs(r2 - r1) + 1) * (abs(_col(c2) - _col(c1)) + 1)
    if cells > max_cells:
        sheet = member.rsplit("/", 1)[-1]
        raise XlsxBudgetError(f"工作表 {sheet} 声明了 {cells:,} 个单元格，超过上限 {max_cells:,}", file=shown)
