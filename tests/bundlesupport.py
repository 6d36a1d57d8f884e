"""Test support for region bundles: a bundle edited by hand (records changed, every hash recomputed)."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from liangshan.store.bundle import build_bundle

Change = Callable[[str, dict[str, Any]], None]


def rebuilt(src: Path, dst: Path, change: Change) -> Path:
    """``src`` with its records changed by ``change(type, data)`` and every hash recomputed (a bundle
    made by other software, or edited by hand, that passes the archive's own checks)."""
    with zipfile.ZipFile(src) as z:
        manifest = json.loads(z.read("manifest.json"))
        lines = z.read("records.jsonl").decode().splitlines()
    recs = []
    for line in lines:
        r = json.loads(line)
        change(r["type"], r["data"])
        recs.append((r["type"], r["data"]))
    data, _ = build_bundle(
        recs,
        instance=manifest["instance"],
        region=manifest["region"],
        alembic=manifest["alembic_revision"],
        catalog_version=manifest["catalog_version"],
    )
    dst.write_bytes(data)
    return dst
