"""Public supervision channel (五、(三): 群众的知情权、参与权和监督权): reports of ecological damage or
pollution from the public, routed by the office to the responsible unit.

- Anonymous: nothing identifies the reporter. The reporter gets a random receipt code (16 symbols of
  Crockford's base-32 alphabet, 80 bits, from :mod:`secrets`) shown once; only its sha256 is stored.
- Photos (JPEG/PNG, at most 3 × 5 MB) are decoded and re-encoded with Pillow, which drops EXIF and
  other metadata (camera, time, GPS of the phone), then stored as evidence (content-addressed).
- The receipt look-up shows the category, the day received, the status, the unit it was routed to
  and the public replies — never the text, the location or the photos, so a leaked code exposes
  nothing the reporter wrote.
- Reports and look-ups are rate limited per client address.
"""

from __future__ import annotations

import io
import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from hashlib import sha256
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liangshan import localtime
from liangshan.store.db import now, utc_seconds
from liangshan.store.evidence import store_evidence
from liangshan.store.models import Region, Unit
from liangshan.store.models_workplan import WpReport, WpReportEvent
from liangshan.store.submissions import audit
from liangshan.workplan.errors import WorkplanError, WorkplanNotFound
from liangshan.workplan.ratelimit import RateLimit, hit, peek
from liangshan.workplan.tracking import attach, attachments_of

CATEGORIES: tuple[str, ...] = ("生态破坏", "环境污染", "其他")
STATUS_LABELS = {
    "received": "已受理",
    "routed": "已转交责任单位",
    "in_progress": "办理中",
    "resolved": "已办结",
    "rejected": "不予受理",
}
#: Which status may follow which (the office may also re-route a report that is not closed).
NEXT_STATUS = {
    "received": ("routed", "rejected"),
    "routed": ("in_progress", "resolved", "rejected"),
    "in_progress": ("resolved",),
    "resolved": (),
    "rejected": (),
}
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32
RECEIPT_SYMBOLS = 16
DEFAULT_REPORT_LIMIT = RateLimit(limit=5, window=timedelta(hours=1))
DEFAULT_LOOKUP_LIMIT = RateLimit(limit=30, window=timedelta(hours=1))
MAX_PHOTOS = 3
MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 24_000_000  # 24 megapixels: checked from the file header before anything is decoded
TEXT_MIN, TEXT_MAX = 10, 2000


def new_receipt() -> str:
    """A random receipt code ``XXXX-XXXX-XXXX-XXXX`` (80 bits)."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(RECEIPT_SYMBOLS))
    return "-".join(raw[i : i + 4] for i in range(0, RECEIPT_SYMBOLS, 4))


def normalise_receipt(code: str) -> str:
    """Upper case, separators removed, the letters people confuse mapped (O→0, I/L→1)."""
    c = "".join(ch for ch in code.upper() if ch not in "- \t")
    return c.translate(str.maketrans("OIL", "011"))


def receipt_hash(code: str) -> str:
    return sha256(normalise_receipt(code).encode("ascii", "replace")).hexdigest()


@dataclass(frozen=True)
class Photo:
    data: bytes
    filename: str


_JPEG_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
_JPEG_BARE = frozenset({0x01, *range(0xD0, 0xDA)})  # markers without a length field


def image_size(data: bytes) -> tuple[str, int, int] | None:
    """``(format, width, height)`` read from a PNG's IHDR chunk or a JPEG's SOF segment, without
    decoding the image; None when the bytes are neither (or the header is cut short)."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR" and len(data) >= 24:
        return "PNG", int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data[:2] != b"\xff\xd8":
        return None
    i, n = 2, len(data)
    while i + 4 <= n:
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in _JPEG_BARE:
            i += 2
            continue
        if marker == 0xD9 or marker == 0xDA:  # end of image / start of scan before any frame header
            return None
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if marker in _JPEG_SOF:
            if i + 9 > n:
                return None
            height = int.from_bytes(data[i + 5 : i + 7], "big")
            width = int.from_bytes(data[i + 7 : i + 9], "big")
            return "JPEG", width, height
        if length < 2:
            return None
        i += 2 + length
    return None


def check_photo_header(photo: Photo) -> None:
    """Refuse a photo that is too large, not a JPEG/PNG, or has more than :data:`MAX_PIXELS`
    pixels according to its header — all before any decoding (a 170 KB PNG can claim 40 MP)."""
    if len(photo.data) > MAX_PHOTO_BYTES:
        raise WorkplanError(f"照片“{photo.filename}”超过 {MAX_PHOTO_BYTES // 1048576} MB")
    size = image_size(photo.data)
    if size is None:
        raise WorkplanError(f"照片“{photo.filename}”无法识别为图片（应为 JPEG 或 PNG）")
    _, width, height = size
    if width < 1 or height < 1 or width * height > MAX_PIXELS:
        raise WorkplanError(
            f"照片“{photo.filename}”像素过多（{width}×{height}，上限 {MAX_PIXELS // 1_000_000} 百万像素）"
        )


def clean_photos(photos: Sequence[Photo]) -> list[tuple[bytes, str, str]]:
    """Check every header first, then decode and re-encode each photo (:func:`clean_photo`).

    Call this outside any database transaction: decoding a large photo takes a while."""
    if len(photos) > MAX_PHOTOS:
        raise WorkplanError(f"最多上传 {MAX_PHOTOS} 张照片")
    for p in photos:
        check_photo_header(p)
    return [clean_photo(p) for p in photos]


def clean_photo(photo: Photo) -> tuple[bytes, str, str]:
    """Decode a JPEG/PNG and re-encode it without metadata; returns (bytes, filename, content type).

    The header is checked first (:func:`check_photo_header`): nothing over the pixel budget is decoded."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    check_photo_header(photo)
    try:
        with Image.open(io.BytesIO(photo.data)) as img:
            fmt = img.format
            if fmt not in ("JPEG", "PNG"):
                raise WorkplanError(f"照片“{photo.filename}”应为 JPEG 或 PNG 图片")
            if img.width * img.height > MAX_PIXELS:
                raise WorkplanError(f"照片“{photo.filename}”像素过多")
            img.load()
            clean = ImageOps.exif_transpose(img) or img
            out = io.BytesIO()
            if fmt == "JPEG":
                clean.convert("RGB").save(out, format="JPEG", quality=90)
            else:
                clean.save(out, format="PNG")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise WorkplanError(f"照片“{photo.filename}”无法识别为图片") from exc
    stem = Path(photo.filename).stem[:60] or "photo"
    ext, ctype = (".jpg", "image/jpeg") if fmt == "JPEG" else (".png", "image/png")
    return out.getvalue(), stem + ext, ctype


def submit_report(
    session: Session,
    region: str,
    *,
    category: str,
    location: str,
    text: str,
    client: str,
    files_root: Path,
    lon: float | None = None,
    lat: float | None = None,
    photos: Sequence[Photo] = (),
    cleaned: Sequence[tuple[bytes, str, str]] | None = None,
    limit: RateLimit = DEFAULT_REPORT_LIMIT,
    at: datetime | None = None,
) -> tuple[WpReport, str]:
    """Receive a public report; returns it and the receipt code (shown once, not stored).

    Parameters
    ----------
    session : Session
    region : str
        Region code the report is about.
    category : str
        生态破坏, 环境污染 or 其他.
    location : str
        Where (place name, village, road), 1–200 characters.
    text : str
        What was seen, 10–2000 characters.
    client : str
        Client address, for the rate limit only (never stored).
    files_root : Path
        Evidence folder for the photos.
    lon, lat : float, optional
        WGS 84 degrees (both or neither).
    photos : sequence of Photo
        At most 3 JPEG/PNG files of at most 5 MB each.
    cleaned : sequence of (bytes, filename, content type), optional
        The photos already checked and re-encoded by :func:`clean_photos` (the web does this outside
        the database write lock); ``photos`` is then ignored.
    limit : RateLimit
        Reports allowed per address and window.
    at : datetime, optional
    """
    if session.get(Region, region) is None:
        raise WorkplanError(f"未知地区代码：{region}")
    category, location, text = category.strip(), location.strip(), text.strip()
    if category not in CATEGORIES:
        raise WorkplanError(f"请选择问题类别（{'、'.join(CATEGORIES)}）")
    if not location or len(location) > 200:
        raise WorkplanError("请填写地点（不超过 200 字）")
    if not TEXT_MIN <= len(text) <= TEXT_MAX:
        raise WorkplanError(f"情况描述应为 {TEXT_MIN}–{TEXT_MAX} 字")
    if (lon is None) != (lat is None):
        raise WorkplanError("经度和纬度须同时填写")
    if (
        lon is not None
        and lat is not None
        and not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90)
    ):
        raise WorkplanError("经纬度超出范围（经度 −180–180，纬度 −90–90）")
    if cleaned is None:
        cleaned = clean_photos(photos)
    elif len(cleaned) > MAX_PHOTOS:
        raise WorkplanError(f"最多上传 {MAX_PHOTOS} 张照片")
    hit(session, f"report:{region}", client, limit, at)
    ts = at or now()
    code = new_receipt()
    rep = WpReport(
        region_code=region,
        receipt_sha256=receipt_hash(code),
        category=category,
        location=location,
        lon=lon,
        lat=lat,
        text=text,
        status="received",
        created_on=ts.date(),
        created_at=ts,
    )
    session.add(rep)
    session.flush()
    ids = [
        store_evidence(session, files_root, data, name, ctype, region=region, user="public", at=ts).id
        for data, name, ctype in cleaned
    ]
    attach(session, "report", rep.id, ids)
    session.add(
        WpReportEvent(
            report_id=rep.id, at=ts, status="received", public_note="已收到您的反映", actor="public"
        )
    )
    audit(
        session,
        "public",
        "create",
        "wp_report",
        rep.id,
        after={"category": category, "photos": len(ids)},
        at=ts,
    )
    return rep, code


def _event(
    session: Session,
    rep: WpReport,
    status: str,
    actor: str,
    public_note: str,
    internal_note: str,
    at: datetime | None,
) -> None:
    ts = at or now()
    before = {"status": rep.status, "unit_id": rep.unit_id}
    rep.status = status
    session.add(
        WpReportEvent(
            report_id=rep.id,
            at=ts,
            status=status,
            public_note=public_note.strip(),
            internal_note=internal_note.strip(),
            actor=actor,
        )
    )
    session.flush()
    audit(
        session,
        actor,
        status,
        "wp_report",
        rep.id,
        before,
        {"status": status, "unit_id": rep.unit_id},
        detail=internal_note,
        at=ts,
    )


def route_report(
    session: Session,
    report_id: int,
    unit_id: int,
    *,
    actor: str,
    public_note: str = "",
    internal_note: str = "",
    at: datetime | None = None,
) -> WpReport:
    """The office routes (or re-routes) a report to the responsible unit of its region."""
    rep = session.get(WpReport, report_id)
    if rep is None:
        raise WorkplanNotFound(f"监督举报不存在：{report_id}")
    if rep.status in ("resolved", "rejected"):
        raise WorkplanError(f"监督举报 #{report_id} 已{STATUS_LABELS[rep.status]}，不能再转交")
    unit = session.get(Unit, unit_id)
    if unit is None or unit.region_code != rep.region_code:
        raise WorkplanError(f"单位 {unit_id} 不属于地区 {rep.region_code}")
    ts = at or now()
    rep.unit_id, rep.routed_on = unit.id, ts.date()
    _event(session, rep, "routed", actor, public_note or f"已转交{unit.name}办理", internal_note, ts)
    return rep


def update_report(
    session: Session,
    report_id: int,
    status: str,
    *,
    actor: str,
    actor_unit_id: int | None = None,
    public_note: str = "",
    internal_note: str = "",
    at: datetime | None = None,
) -> WpReport:
    """Move a report to its next status. ``actor_unit_id`` (a unit user) must be the unit it was routed to."""
    rep = session.get(WpReport, report_id)
    if rep is None:
        raise WorkplanNotFound(f"监督举报不存在：{report_id}")
    if actor_unit_id is not None and rep.unit_id != actor_unit_id:
        raise WorkplanError(f"监督举报 #{report_id} 未转交本单位")
    if status not in NEXT_STATUS.get(rep.status, ()):
        allowed = "、".join(STATUS_LABELS[s] for s in NEXT_STATUS.get(rep.status, ())) or "无"
        raise WorkplanError(f"状态“{STATUS_LABELS.get(rep.status, rep.status)}”之后只能为：{allowed}")
    if status == "routed":
        raise WorkplanError("转交请使用“转交责任单位”")
    if status in ("resolved", "rejected") and not public_note.strip():
        raise WorkplanError("办结或不予受理时须填写给反映人的答复")
    _event(session, rep, status, actor, public_note, internal_note, at)
    return rep


def check_report_rate(
    session: Session, region: str, client: str, limit: RateLimit = DEFAULT_REPORT_LIMIT
) -> None:
    """Raise :class:`RateLimited` when ``client`` has used up its reports for ``region`` — checked
    before any photo is read, so a refused client costs no decoding (the report itself counts)."""
    peek(session, f"report:{region}", client, limit)


def lookup_receipt(
    session: Session,
    code: str,
    *,
    client: str,
    limit: RateLimit = DEFAULT_LOOKUP_LIMIT,
    at: datetime | None = None,
) -> dict[str, Any] | None:
    """What the receipt holder may see (no text, location or photos); None for an unknown code."""
    hit(session, "receipt", client, limit, at)
    if len(normalise_receipt(code)) != RECEIPT_SYMBOLS:
        return None
    rep = session.scalars(select(WpReport).where(WpReport.receipt_sha256 == receipt_hash(code))).first()
    if rep is None:
        return None
    unit = session.get(Unit, rep.unit_id) if rep.unit_id else None
    events = session.scalars(
        select(WpReportEvent)
        .where(WpReportEvent.report_id == rep.id)
        .order_by(WpReportEvent.at, WpReportEvent.id)
    ).all()
    return {
        "category": rep.category,
        "received_on": rep.created_on.isoformat(),
        "status": rep.status,
        "status_label": STATUS_LABELS[rep.status],
        "unit": unit.name if unit else None,
        "events": [
            {
                "date": localtime.beijing_day(e.at).isoformat(),
                "status_label": STATUS_LABELS[e.status],
                "reply": e.public_note,
            }
            for e in events
        ],
    }


def report_dict(session: Session, rep: WpReport) -> dict[str, Any]:
    """Everything the office and the routed unit see (still nothing about the reporter)."""
    unit = session.get(Unit, rep.unit_id) if rep.unit_id else None
    events = session.scalars(
        select(WpReportEvent)
        .where(WpReportEvent.report_id == rep.id)
        .order_by(WpReportEvent.at, WpReportEvent.id)
    ).all()
    return {
        "id": rep.id,
        "category": rep.category,
        "location": rep.location,
        "lon": rep.lon,
        "lat": rep.lat,
        "text": rep.text,
        "status": rep.status,
        "status_label": STATUS_LABELS[rep.status],
        "unit": unit.name if unit else None,
        "unit_id": rep.unit_id,
        "received_on": rep.created_on.isoformat(),
        "routed_on": rep.routed_on.isoformat() if rep.routed_on else None,
        "photos": attachments_of(session, "report", [rep.id]).get(rep.id, []),
        "events": [
            {
                "at": utc_seconds(e.at),
                "status": e.status,
                "status_label": STATUS_LABELS[e.status],
                "public_note": e.public_note,
                "internal_note": e.internal_note,
                "actor": e.actor,
            }
            for e in events
        ],
    }


def list_reports(session: Session, region: str, unit_id: int | None = None) -> list[dict[str, Any]]:
    """Reports of a region (the office) or those routed to one unit (the unit)."""
    q = select(WpReport).where(WpReport.region_code == region)
    if unit_id is not None:
        q = q.where(WpReport.unit_id == unit_id)
    return [report_dict(session, r) for r in session.scalars(q.order_by(WpReport.id.desc()))]
