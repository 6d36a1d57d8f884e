"""The bundle's archive layout: member names, canonical JSON and hashes, and the deterministic ZIP."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from liangshan import __version__
from liangshan.store.errors import StoreError
from liangshan.store.models import Region

FORMAT = "liangshan-bundle"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
RECORDS = "records.jsonl"
FILES = "files/"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
RECORD_TYPES = (
    "region", "parent", "catalog", "round", "override", "title", "evidence", "submission", "contribution",
    "base_status", "incident",
)  # fmt: skip
#: Record types a bundle may lack (a region without them): not counted in the manifest when absent, so
#: a bundle of such a region is byte for byte what it was before the type existed.
OPTIONAL_TYPES = ("catalog", "contribution", "base_status", "incident")
REGION_FIELDS = (
    "code", "name", "level", "parent_code", "terrain_zone", "zone_shares", "land_area_km2", "population",
    "note",
)  # fmt: skip
REGION_CODE_RE = re.compile(r"^\d{6}(\d{3}){0,2}$")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


class BundleError(StoreError):
    """A bundle that cannot be exported or imported; the message names the file and the member/record."""


def bundle_error(path: Path, where: str, zh: str, en: str) -> BundleError:
    """The error for a bad bundle: file, member or record, and what is wrong (nothing was written)."""
    return BundleError(f"{path}：{where}：{zh} / {en}；未写入任何数据 / nothing written")


def canonical(obj: Any) -> bytes:
    """Canonical JSON bytes: sorted keys, no whitespace, UTF-8, no NaN."""
    return json.dumps(
        obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    ).encode()


def digest(obj: Any) -> str:
    return hashlib.sha256(canonical(obj)).hexdigest()


def iso_utc(dt: datetime) -> str:
    """UTC ISO 8601 (SQLite returns naive datetimes, which are UTC)."""
    return (dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)).isoformat()


def value_digest(
    item: str,
    year: int,
    value_num: float | None,
    value_bool: bool | None,
    unit: str,
    note: str,
    provenance: Mapping[str, Any] | None,
    evidence: Iterable[str],
) -> str:
    """The identity of a value's content: what it says, where it comes from, what backs it."""
    return digest(
        {
            "item": item,
            "year": year,
            "value_num": value_num,
            "value_bool": value_bool,
            "unit": unit,
            "note": note,
            "provenance": dict(provenance) if provenance else None,
            "evidence": sorted(evidence),
        }
    )


def region_data(r: Region) -> dict[str, Any]:
    """The exported fields (:data:`REGION_FIELDS`) of a region row."""
    return {f: getattr(r, f) for f in REGION_FIELDS}


def _zip_member(z: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = 0o644 << 16
    z.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)


def build_bundle(
    recs: list[tuple[str, dict[str, Any]]],
    *,
    instance: str,
    region: str,
    alembic: str,
    catalog_version: str,
    files: Mapping[str, bytes] | None = None,
) -> tuple[bytes, dict[str, Any]]:
    """The bundle's bytes and its manifest, from its records (and evidence files by sha256)."""
    lines = [canonical({"type": t, "sha256": digest(d), "data": d}) for t, d in recs]
    records = b"".join(line + b"\n" for line in lines)
    records_sha = hashlib.sha256(records).hexdigest()
    bundle_id = digest(
        {
            "format_version": FORMAT_VERSION,
            "instance": instance,
            "region": region,
            "records_sha256": records_sha,
        }
    )
    stamps = [d["created_at"] for t, d in recs if t == "submission"]
    stamps += [r["at"] for t, d in recs if t == "submission" for r in d["reviews"]]
    counts = {t: sum(1 for tt, _ in recs if tt == t) for t in RECORD_TYPES}
    for optional_type in OPTIONAL_TYPES:  # absent: manifests as before the record existed
        if not counts[optional_type]:
            del counts[optional_type]
    members = {f"{FILES}{sha}": data for sha, data in sorted((files or {}).items())}
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "bundle_id": bundle_id,
        "instance": instance,
        "region": region,
        "alembic_revision": alembic,
        "catalog_version": catalog_version,
        "software": f"liangshan {__version__}",
        "exported_at": max(stamps) if stamps else None,
        "records_sha256": records_sha,
        "counts": counts,
        "files": {n: {"sha256": hashlib.sha256(b).hexdigest(), "size": len(b)} for n, b in members.items()},
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        _zip_member(z, MANIFEST, json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode())
        _zip_member(z, RECORDS, records)
        for name, data in members.items():
            _zip_member(z, name, data)
    return buf.getvalue(), manifest
