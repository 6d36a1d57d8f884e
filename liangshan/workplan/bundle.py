"""The materials checklist (资料清单 / 申报材料 / 现场核查) and its bundle export for submission.

The bundle is a ZIP with every file attached to the region's checklist items under
``<类别>/<序号>_<事项>/<文件名>`` plus ``manifest.json`` (region, plan, each item with owner, status
and its files' path, size and sha256) and ``SHA256SUMS`` (``sha256  path`` lines, as ``sha256sum -c``
reads). Each file is read from the content-addressed evidence store and its sha256 checked against the
stored one while writing; a mismatch (a damaged store) stops the export. Member times are fixed, so
the same files give the same ZIP bytes.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liangshan.store.evidence import blob_path
from liangshan.store.models import Region, Unit
from liangshan.store.models_workplan import WpChecklistItem
from liangshan.workplan.errors import WorkplanError
from liangshan.workplan.plan import get_plan
from liangshan.workplan.tracking import STATE_LABELS, attachments_of, item_state

FIXED_TIME = (2000, 1, 1, 0, 0, 0)
_BAD = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def _safe(name: str, limit: int = 60) -> str:
    s = _BAD.sub("_", name).strip(" .") or "_"
    return s[:limit]


def checklist(session: Session, region: str, as_of: date) -> list[dict[str, Any]]:
    """Checklist items with owner, status, state on ``as_of`` and files."""
    names = dict(session.execute(select(Unit.id, Unit.name).where(Unit.region_code == region)).all())
    items = session.scalars(
        select(WpChecklistItem).where(WpChecklistItem.region_code == region).order_by(WpChecklistItem.seq)
    ).all()
    files = attachments_of(session, "checklist", [i.id for i in items])
    out = []
    for it in items:
        state = item_state(it.due, it.status, it.done_on, as_of)
        out.append(
            {
                "id": it.id,
                "seq": it.seq,
                "category": it.category,
                "title": it.title,
                "indicator": it.indicator_id,
                "owner": names.get(it.owner_unit_id) if it.owner_unit_id else None,
                "owner_unit_id": it.owner_unit_id,
                "due": it.due.isoformat() if it.due else None,
                "status": it.status,
                "done_on": it.done_on.isoformat() if it.done_on else None,
                "state": state,
                "state_label": STATE_LABELS[state],
                "source": it.source,
                "files": files.get(it.id, []),
            }
        )
    return out


def export_bundle(
    session: Session, region: str, files_root: Path, out: str | Path, *, as_of: date
) -> dict[str, Any]:
    """Write the submission bundle ZIP; returns the manifest.

    Parameters
    ----------
    session : Session
    region : str
        Region code.
    files_root : Path
        Evidence folder (:func:`liangshan.config.evidence_root`).
    out : str or Path
        ZIP file to write (replaced).
    as_of : date
        Date the item states and the manifest refer to.
    """
    plan = get_plan(session, region)
    reg = session.get(Region, region)
    items = checklist(session, region, as_of)
    p = Path(out)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_suffix(p.suffix + ".tmp")
    sums: list[str] = []
    used: set[str] = set()
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as z:
            for it in items:
                folder = f"{_safe(it['category'])}/{it['seq']:03d}_{_safe(it['title'])}"
                for f in it["files"]:
                    blob = blob_path(files_root, f["sha256"])
                    try:
                        data = blob.read_bytes()
                    except OSError as exc:
                        raise WorkplanError(
                            f"资料“{it['title']}”的文件 {f['filename']} 在文件库中缺失：{blob}"
                        ) from exc
                    digest = hashlib.sha256(data).hexdigest()
                    if digest != f["sha256"]:
                        raise WorkplanError(
                            f"资料“{it['title']}”的文件 {f['filename']} 校验失败"
                            f"（sha256 {digest} ≠ {f['sha256']}），"
                            "文件库可能已损坏，未生成资料包"
                        )
                    name = f"{folder}/{_safe(f['filename'], 120)}"
                    stem, dot, ext = name.rpartition(".")
                    k = 2
                    while name in used:
                        name = f"{stem} ({k}).{ext}" if dot else f"{name} ({k})"
                        k += 1
                    used.add(name)
                    f["path"] = name
                    info = zipfile.ZipInfo(name, FIXED_TIME)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    info.external_attr = 0o644 << 16
                    z.writestr(info, data)
                    sums.append(f"{digest}  {name}")
            manifest = {
                "region": {"code": region, "name": reg.name if reg else ""},
                "plan": {"title": plan.title, "doc_number": plan.doc_number},
                "as_of": as_of.isoformat(),
                "hash": "sha256",
                "items": items,
                "file_count": len(sums),
            }
            for name, data in (
                ("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")),
                ("SHA256SUMS", ("\n".join(sums) + ("\n" if sums else "")).encode("utf-8")),
            ):
                info = zipfile.ZipInfo(name, FIXED_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                z.writestr(info, data)
        tmp.replace(p)
    finally:
        tmp.unlink(missing_ok=True)
    return manifest
