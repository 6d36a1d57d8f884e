"""Upload checks: size limit, type sniffed from the content (magic bytes), safe file names.

Accepted: PDF, PNG, JPEG, Office Open XML (docx/xlsx/pptx, zip-based) and ZIP. The name's extension
must agree with the content (a PNG called ``报告.pdf`` is refused), and the name is reduced to a bare,
printable file name (no folders, no ``..``, no control characters).
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

DEFAULT_MAX_BYTES = 20 * 1024 * 1024

KINDS = {
    "pdf": ("application/pdf", "PDF 文档", (".pdf",)),
    "png": ("image/png", "PNG 图片", (".png",)),
    "jpeg": ("image/jpeg", "JPEG 图片", (".jpg", ".jpeg")),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "Word 文档",
        (".docx",),
    ),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel 表格", (".xlsx",)),
    "pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "PowerPoint 演示文稿",
        (".pptx",),
    ),
    "zip": ("application/zip", "ZIP 压缩包", (".zip",)),
}
ACCEPTED_TEXT = "PDF、PNG、JPEG、Word/Excel/PowerPoint（docx/xlsx/pptx）或 ZIP"
_OOXML_MARKERS = (
    ("word/document.xml", "docx"),
    ("xl/workbook.xml", "xlsx"),
    ("ppt/presentation.xml", "pptx"),
)
_BAD_CHARS = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')


class UploadRejected(ValueError):
    """An upload refused before anything was stored; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 415):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class CheckedUpload:
    filename: str
    kind: str
    content_type: str
    data: bytes


def sniff(data: bytes) -> str | None:
    """The kind of file the bytes are, from their magic numbers (and the parts inside a zip)."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
        except (zipfile.BadZipFile, ValueError, EOFError):
            return None
        if "[Content_Types].xml" in names:
            for marker, kind in _OOXML_MARKERS:
                if marker in names:
                    return kind
        return "zip"
    return None


def safe_filename(name: str | None, kind: str) -> str:
    """A bare file name: folders, ``..``, control and reserved characters removed; extension kept/added.

    Format characters (Unicode category Cf: U+202E RIGHT-TO-LEFT OVERRIDE and the other bidi
    controls, zero-width spaces and joiners, soft hyphens…) are dropped, so ``报告\u202efdp.exe``
    cannot show as ``报告exe.pdf``."""
    text = unicodedata.normalize("NFC", name or "")
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    text = re.split(r"[\\/]", text)[-1]
    text = _BAD_CHARS.sub("_", text).strip().lstrip(".").strip()
    text = re.sub(r"_+", "_", text)
    exts = KINDS[kind][2]
    stem, dot, ext = text.rpartition(".")
    if not dot:
        stem, ext = text, ""
    stem = stem[:80] or "file"
    ext = "." + ext.lower() if ext else ""
    if ext not in exts:
        ext = exts[0]
    return stem + ext


def check_upload(
    data: bytes,
    filename: str | None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    allowed: tuple[str, ...] | None = None,
) -> CheckedUpload:
    """Refuse empty, oversized, unknown or mislabelled files; return the sanitised upload."""
    label = (filename or "").strip() or "（无文件名）"
    if not data:
        raise UploadRejected(f"文件“{label}”为空", 400)
    if len(data) > max_bytes:
        raise UploadRejected(
            f"文件“{label}”大小 {len(data) / 1048576:.1f} MB，超过上限 {max_bytes / 1048576:.0f} MB", 413
        )
    kind = sniff(data)
    if kind is None or (allowed is not None and kind not in allowed):
        want = ACCEPTED_TEXT if allowed is None else "、".join(KINDS[k][1] for k in allowed)
        raise UploadRejected(
            f"文件“{label}”的内容不是可接受的类型（只接受 {want}；按文件内容判断，不看扩展名）"
        )
    base = re.split(r"[\\/]", label)[-1]
    _, dot, ext = base.rpartition(".")
    if dot and "." + ext.lower() not in KINDS[kind][2]:
        raise UploadRejected(
            f"文件“{base}”的扩展名 .{ext} 与内容（{KINDS[kind][1]}）不符，请确认文件后重新上传"
        )
    return CheckedUpload(safe_filename(filename, kind), kind, KINDS[kind][0], data)


# Raw data for the calculators (上传原始数据计算): the same size limit and content sniffing as evidence.
DATA_KINDS = {
    "csv": ("text/csv", "CSV 表格（UTF-8 或 GB18030 文本）", (".csv", ".txt")),
    "parquet": ("application/vnd.apache.parquet", "Parquet 数据", (".parquet",)),
    "geotiff": ("image/tiff", "GeoTIFF 栅格", (".tif", ".tiff")),
    "geojson": ("application/geo+json", "GeoJSON", (".geojson", ".json")),
    "gpkg": ("application/geopackage+sqlite3", "GeoPackage", (".gpkg",)),
    "yaml": ("application/yaml", "YAML 工作簿", (".yaml", ".yml")),
    "xlsx": KINDS["xlsx"],
}
_TEXT_KINDS = ("csv", "geojson", "yaml")


def _is_text(data: bytes) -> bool:
    head = data[:65536]
    if b"\x00" in head:
        return False
    for enc in ("utf-8-sig", "gb18030"):
        try:
            head.decode(enc)
            return True
        except UnicodeDecodeError as e:
            if enc == "utf-8-sig" and e.start >= len(head) - 3:
                return True  # a multi-byte character cut at the end of the sample
    return False


def sniff_data(data: bytes, filename: str | None) -> str | None:
    """The kind of raw-data file: binary formats by their magic numbers; text formats (CSV, GeoJSON,
    YAML) are text without NUL bytes, told apart by the extension (GeoJSON must start with ``{``)."""
    if data.startswith(b"PAR1") and data.endswith(b"PAR1"):
        return "parquet"
    if data.startswith((b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")):
        return "geotiff"
    if data.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    kind = sniff(data)
    if kind is not None:
        return kind
    if not _is_text(data):
        return None
    ext = "." + (filename or "").rsplit(".", 1)[-1].lower() if "." in (filename or "") else ""
    for k in _TEXT_KINDS:
        if ext in DATA_KINDS[k][2]:
            if k == "geojson" and not data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
                return None
            return k
    return "csv"


def check_data_upload(
    data: bytes, filename: str | None, max_bytes: int, allowed: tuple[str, ...]
) -> CheckedUpload:
    """Refuse an empty, oversized, unknown or mislabelled raw-data file (same rules as
    :func:`check_upload`); ``allowed`` are keys of :data:`DATA_KINDS`."""
    label = (filename or "").strip() or "（无文件名）"
    if not data:
        raise UploadRejected(f"文件“{label}”为空", 400)
    if len(data) > max_bytes:
        raise UploadRejected(
            f"文件“{label}”大小 {len(data) / 1048576:.1f} MB，超过上限 {max_bytes / 1048576:.0f} MB", 413
        )
    base = re.split(r"[\\/]", label)[-1]
    kind = sniff_data(data, base)
    want = "、".join(DATA_KINDS[k][1] for k in allowed)
    if kind is None or kind not in allowed:
        what = f"（内容是{(DATA_KINDS.get(kind) or KINDS[kind])[1]}）" if kind else ""
        raise UploadRejected(
            f"文件“{base}”的内容不是可接受的类型{what}：此处只接受 {want}（按文件内容判断，不看扩展名）"
        )
    _, dot, ext = base.rpartition(".")
    if not dot or "." + ext.lower() not in DATA_KINDS[kind][2]:
        what, exts = DATA_KINDS[kind][1], DATA_KINDS[kind][2]
        if not dot:
            raise UploadRejected(f"文件“{base}”没有扩展名：内容是{what}，请加上扩展名 {exts[0]} 后重新上传")
        raise UploadRejected(f"文件“{base}”的扩展名 .{ext} 与内容（{what}）不符，请确认文件后重新上传")
    return CheckedUpload(_data_filename(base, kind), kind, DATA_KINDS[kind][0], data)


def _data_filename(name: str, kind: str) -> str:
    text = unicodedata.normalize("NFC", name)
    text = _BAD_CHARS.sub("_", text).strip().lstrip(".").strip()
    text = re.sub(r"_+", "_", text)
    stem, _, ext = text.rpartition(".")
    return (stem[:80] or "file") + "." + ext.lower()
