"""Evidence files, stored content-addressed (``<root>/ab/cd/<sha256>``) and never overwritten."""

from __future__ import annotations

import hashlib
import os
import tempfile
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from liangshan.config import private_dir
from liangshan.store.db import now
from liangshan.store.models import Evidence
from liangshan.store.submissions import audit


def blob_path(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256[2:4] / sha256


def store_evidence(
    session: Session,
    root: Path,
    data: bytes,
    filename: str,
    content_type: str,
    *,
    region: str,
    user: str,
    unit_id: int | None = None,
    at: datetime | None = None,
) -> Evidence:
    """Write the bytes once under their sha256 (atomic rename) and record who uploaded them."""
    digest = hashlib.sha256(data).hexdigest()
    path = blob_path(root, digest)
    if not path.exists():
        private_dir(root)  # the evidence folder is created 0700
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    ev = Evidence(
        sha256=digest,
        filename=Path(filename).name,
        content_type=content_type,
        size=len(data),
        region_code=region,
        unit_id=unit_id,
        uploaded_by=user,
        uploaded_at=at or now(),
    )
    session.add(ev)
    session.flush()
    audit(
        session,
        user,
        "upload",
        "evidence",
        ev.id,
        after={"sha256": digest, "filename": ev.filename, "size": ev.size},
        at=at,
    )
    return ev
