"""The materials checklist (资料清单 / 申报材料 / 现场核查) and its bundle export for submission.

The bundle is a ZIP with every file attached to the region's checklist items under
``<类别>/<序号>_<事项>/<文件名>`` plus ``manifest.json`` (region, plan, each item with owner, status
and its files' path, size and sha256) and ``SHA256SUMS`` (``sha256  path`` lines, as ``sha256sum -c``
reads). Each file is read from the content-addressed evidence store and its sha256 checked against the
stored one while writing; a mismatch (a damaged store) stops the export. Member times are fixed, so
the same files give the same ZIP bytes.

The 申报资料包 adds (``values_evidence`` and ``extra_files``) the 情况说明技术报告 (Word, PDF) and its
Excel 附表 under ``报告/``, every evidence file attached to an approved value of the region under
``佐证材料/指标NN_<指标>/<年份>_<文件名>``, and a ``目录.txt`` listing every file; SHA256SUMS then covers
every file of the ZIP except itself (``sha256sum -c SHA256SUMS`` verifies the whole package).
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from collections.abc import Sequence
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


def values_evidence_files(session: Session, region: str) -> list[tuple[str, str, str, int]]:
    """Evidence attached to the region's approved values, per indicator: (folder, name, sha256, size)."""
    from liangshan.catalog import load_catalog
    from liangshan.store.models import Evidence, Submission, SubmissionEvidence

    catalog = load_catalog()
    rows = session.execute(
        select(Submission.item_code, Submission.year, Evidence.filename, Evidence.sha256, Evidence.size)
        .join(SubmissionEvidence, SubmissionEvidence.submission_id == Submission.id)
        .join(Evidence, Evidence.id == SubmissionEvidence.evidence_id)
        .where(Submission.region_code == region, Submission.status == "approved")
        .order_by(Submission.item_code, Submission.year, Evidence.filename, Evidence.sha256)
    ).all()
    out: list[tuple[str, str, str, int]] = []
    seen: set[tuple[str, str]] = set()
    for item, year, filename, sha, size in rows:
        for ind in catalog.indicators:
            codes = {*ind.formula.element_codes(), f"indicator:{ind.id}", f"official:{ind.id}"}
            if item not in codes:
                continue
            folder = f"佐证材料/指标{ind.id:02d}_{_safe(ind.name, 40)}"
            if (folder, sha) in seen:
                continue
            seen.add((folder, sha))
            out.append((folder, f"{year}_{filename}", sha, int(size)))
    return out


def export_bundle(
    session: Session,
    region: str,
    files_root: Path,
    out: str | Path,
    *,
    as_of: date,
    values_evidence: bool = False,
    extra_files: Sequence[tuple[str, bytes]] = (),
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
    values_evidence : bool
        Also pack the evidence of every approved value (:func:`values_evidence_files`).
    extra_files : sequence of (path, bytes)
        Further files, e.g. ``("报告/情况说明技术报告.pdf", …)``.
    """
    plan = get_plan(session, region)
    reg = session.get(Region, region)
    items = checklist(session, region, as_of)
    p = Path(out)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_suffix(p.suffix + ".tmp")
    sums: list[str] = []
    used: set[str] = set()
    listing: list[tuple[str, int, str]] = []

    def put(z: zipfile.ZipFile, name: str, data: bytes) -> None:
        info = zipfile.ZipInfo(name, FIXED_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        z.writestr(info, data)
        digest = hashlib.sha256(data).hexdigest()
        sums.append(f"{digest}  {name}")
        listing.append((name, len(data), digest))

    def stored(sha: str, label: str) -> bytes:
        blob = blob_path(files_root, sha)
        try:
            data = blob.read_bytes()
        except OSError as exc:
            raise WorkplanError(f"{label}在文件库中缺失：{blob}") from exc
        digest = hashlib.sha256(data).hexdigest()
        if digest != sha:
            raise WorkplanError(f"{label}校验失败（sha256 {digest} ≠ {sha}），文件库可能已损坏，未生成资料包")
        return data

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
                    put(z, name, data)
            evidence: list[dict[str, Any]] = []
            for folder, filename, sha, size in (
                values_evidence_files(session, region) if values_evidence else ()
            ):
                data = stored(sha, f"佐证材料 {filename} ")
                name = f"{folder}/{_safe(filename, 120)}"
                if name in used:
                    continue
                used.add(name)
                put(z, name, data)
                evidence.append({"path": name, "sha256": sha, "size": size})
            for name, data in extra_files:
                used.add(name)
                put(z, name, data)
            count = len(sums)
            manifest = {
                "region": {"code": region, "name": reg.name if reg else ""},
                "plan": {"title": plan.title, "doc_number": plan.doc_number},
                "as_of": as_of.isoformat(),
                "hash": "sha256",
                "items": items,
                "file_count": count,
            }
            if values_evidence or extra_files:
                manifest["evidence"] = evidence
                manifest["reports"] = [name for name, _ in extra_files]
                toc = [
                    f"{reg.name if reg else region}“两山”基地申报资料包目录（截至 {as_of.isoformat()}）",
                    "",
                ]
                toc += [f"{i:>4}. {name}（{size:,} 字节，SHA-256 {digest[:16]}）"
                        for i, (name, size, digest) in enumerate(listing, start=1)]  # fmt: skip
                toc += ["", "完整校验值见 SHA256SUMS（sha256sum -c SHA256SUMS 可逐一核对）。", ""]
                put(z, "目录.txt", "\n".join(toc).encode("utf-8"))
                put(z, "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"))
                data = ("\n".join(sums) + "\n").encode("utf-8")
                info = zipfile.ZipInfo("SHA256SUMS", FIXED_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                z.writestr(info, data)
            else:
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
