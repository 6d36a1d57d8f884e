"""Export: a region's approved values, their history and evidence, read in one snapshot and written
as a bundle file."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liangshan.catalog import Catalog, CatalogSetError, load_catalog, load_set
from liangshan.config import evidence_root
from liangshan.store.bundle.database import alembic_revision, begin_transaction, instance_id
from liangshan.store.bundle.format import BundleError, build_bundle, iso_utc, region_data
from liangshan.store.bundle.rules import TITLE_FIELDS
from liangshan.store.bundle.summary import ExportSummary
from liangshan.store.db import session_scope
from liangshan.store.evidence import blob_path
from liangshan.store.models import (
    AssessmentRound,
    Evidence,
    Region,
    RegionCatalog,
    Review,
    Submission,
    SubmissionEvidence,
    TargetOverride,
    TitleAward,
)
from liangshan.store.models_after import BaseStatus, Incident, IncidentUpdate
from liangshan.store.models_contributions import Contribution
from liangshan.store.regions import get_region
from liangshan.store.service import ensure_db
from liangshan.store.submissions import audit


def _round_key(name: str, start: int, end: int) -> dict[str, Any]:
    return {"name": name, "start_year": start, "end_year": end}


def _set_version(row: RegionCatalog) -> str:
    """The version of the bundled set the region is assigned (empty when this software lacks it)."""
    try:
        return load_set(row.catalog_set).version
    except CatalogSetError:
        return ""


def _collect(session: Session, region: Region) -> list[tuple[str, dict[str, Any]]]:
    """Every record of the bundle, in the bundle's order."""
    recs: list[tuple[str, dict[str, Any]]] = [("region", region_data(region))]
    code, seen = region.parent_code, {region.code}
    while code and code not in seen:
        seen.add(code)
        parent = session.get(Region, code)
        if parent is None:
            break
        recs.append(("parent", region_data(parent)))
        code = parent.parent_code
    assigned = session.get(RegionCatalog, region.code)
    if assigned is not None:
        recs.append(("catalog", {"catalog_set": assigned.catalog_set, "version": _set_version(assigned)}))
    rounds = session.scalars(
        select(AssessmentRound)
        .where(AssessmentRound.region_code == region.code)
        .order_by(
            AssessmentRound.start_year, AssessmentRound.end_year, AssessmentRound.name, AssessmentRound.id
        )
    ).all()
    round_of = {r.id: _round_key(r.name, r.start_year, r.end_year) for r in rounds}
    done_rounds: set[tuple[str, int, int]] = set()
    for r in rounds:
        if (r.name, r.start_year, r.end_year) in done_rounds:
            continue
        done_rounds.add((r.name, r.start_year, r.end_year))
        recs.append(("round", {**round_of[r.id], "deadline": r.deadline, "state": r.state}))
    for o in session.scalars(
        select(TargetOverride)
        .where(TargetOverride.region_code == region.code)
        .order_by(TargetOverride.indicator_id)
    ):
        recs.append(("override", {"indicator_id": o.indicator_id, "params": o.params, "note": o.note}))
    for t in session.scalars(
        select(TitleAward)
        .where(TitleAward.region_code == region.code)
        .order_by(TitleAward.awarded_on, TitleAward.name)
    ):
        recs.append(("title", {f: getattr(t, f) for f in TITLE_FIELDS}))

    approved = (Submission.region_code == region.code) & (Submission.status == "approved")
    subs = session.scalars(
        select(Submission).where(approved).order_by(Submission.item_code, Submission.year, Submission.version)
    ).all()
    links: dict[int, set[str]] = defaultdict(set)
    evidence: dict[str, Evidence] = {}
    for sid, ev in session.execute(
        select(SubmissionEvidence.submission_id, Evidence)
        .join(Evidence, Evidence.id == SubmissionEvidence.evidence_id)
        .join(Submission, Submission.id == SubmissionEvidence.submission_id)
        .where(approved)
        .order_by(Evidence.id)
    ).all():
        links[sid].add(ev.sha256)
        evidence.setdefault(ev.sha256, ev)
    contributions: list[tuple[Contribution, str | None]] = []
    for c, ev in session.execute(  # every contribution to a shared element (append-only)
        select(Contribution, Evidence)
        .outerjoin(Evidence, Evidence.id == Contribution.evidence_id)
        .where(Contribution.region_code == region.code)
        .order_by(Contribution.created_at, Contribution.id)
    ).all():
        contributions.append((c, ev.sha256 if ev is not None else None))
        if ev is not None:
            evidence.setdefault(ev.sha256, ev)
    reviews: dict[int, list[Review]] = defaultdict(list)
    for rv in session.scalars(
        select(Review).join(Submission, Submission.id == Review.submission_id).where(approved)
    ):
        reviews[rv.submission_id].append(rv)
    for sha in sorted(evidence):
        ev = evidence[sha]
        recs.append(
            (
                "evidence",
                {"sha256": sha, "filename": ev.filename, "content_type": ev.content_type, "size": ev.size},
            )
        )
    for s in subs:
        rvs = sorted(reviews[s.id], key=lambda r: (iso_utc(r.at), r.id))
        approvals = [r for r in rvs if r.action == "approve"]
        recs.append(
            (
                "submission",
                {
                    "id": s.id,
                    "item": s.item_code,
                    "year": s.year,
                    "version": s.version,
                    "value_num": s.value_num,
                    "value_bool": s.value_bool,
                    "unit": s.value_unit,
                    "note": s.note,
                    "provenance": s.provenance,
                    "status": s.status,
                    "round": round_of.get(s.round_id) if s.round_id is not None else None,
                    "created_by": s.created_by,
                    "created_at": iso_utc(s.created_at),
                    "evidence": sorted(links[s.id]),
                    "reviews": [
                        {
                            "action": r.action,
                            "from": r.from_status,
                            "to": r.to_status,
                            "reason": r.reason,
                            "actor": r.actor,
                            "at": iso_utc(r.at),
                        }
                        for r in rvs
                    ],
                    "approved_by": approvals[-1].actor if approvals else None,
                    "approved_at": iso_utc(approvals[-1].at) if approvals else None,
                },
            )
        )
    for c, ev_sha in contributions:
        recs.append(
            (
                "contribution",
                {
                    "item": c.item_code,
                    "year": c.year,
                    "unit_name": c.unit_name,
                    "value_num": c.value_num,
                    "value_unit": c.value_unit,
                    "comment": c.comment,
                    "evidence": ev_sha,
                    "created_by": c.created_by,
                    "created_at": iso_utc(c.created_at),
                },
            )
        )
    recs += _after_naming(session, region.code)
    return recs


def _after_naming(session: Session, region: str) -> list[tuple[str, dict[str, Any]]]:
    """The after-naming records: the base status (when recorded) and every incident with its whole
    rectification history, oldest first (``liangshan.services.base_status`` / ``.incidents``)."""
    recs: list[tuple[str, dict[str, Any]]] = []
    st = session.get(BaseStatus, region)
    if st is not None:
        fields = ("status", "started_on", "applied_on", "applied_doc", "named_on", "named_doc",
                  "reviewed_on", "review_doc", "note", "updated_by")  # fmt: skip
        data = {f: getattr(st, f) for f in fields}
        recs.append(
            ("base_status", {**data, "example": bool(st.example), "updated_at": iso_utc(st.updated_at)})
        )
    incidents = session.scalars(
        select(Incident)
        .where(Incident.region_code == region)
        .order_by(Incident.occurred_on, Incident.created_at, Incident.id)
    ).all()
    steps: dict[int, list[IncidentUpdate]] = defaultdict(list)
    for u in session.scalars(
        select(IncidentUpdate)
        .join(Incident, Incident.id == IncidentUpdate.incident_id)
        .where(Incident.region_code == region)
        .order_by(IncidentUpdate.at, IncidentUpdate.id)
    ):
        steps[u.incident_id].append(u)
    for i in incidents:
        if not steps[i.id]:  # an entry without its first step is not in the register either
            continue
        recs.append(
            (
                "incident",
                {
                    "kind": i.kind,
                    "occurred_on": i.occurred_on,
                    "title": i.title,
                    "description": i.description,
                    "responsible_unit": i.responsible_unit,
                    "serious": bool(i.serious),
                    "example": bool(i.example),
                    "created_by": i.created_by,
                    "created_at": iso_utc(i.created_at),
                    "updates": [
                        {
                            "status": u.status,
                            "due_on": u.due_on,
                            "done_on": u.done_on,
                            "note": u.note,
                            "evidence": u.evidence,
                            "actor": u.actor,
                            "at": iso_utc(u.at),
                        }
                        for u in steps[i.id]
                    ],
                },
            )
        )
    return recs


def export_bundle(
    url: str,
    region_code: str,
    out_path: str | Path,
    include_files: bool = False,
    actor: str = "system",
    catalog: Catalog | None = None,
) -> ExportSummary:
    """Write the bundle of ``region_code`` (its approved values and their history) to ``out_path``.

    The export itself is recorded in the audit log (``bundle_export``); the first export of an
    instance also creates its instance id.
    """
    cat = catalog or load_catalog()
    out = Path(out_path)
    ensure_db(url)
    with session_scope(url) as s:
        get_region(s, region_code)
        inst = instance_id(s, create=True, actor=actor)
        assert inst is not None
    with session_scope(url) as s:  # every record read in one snapshot, while the server may write
        begin_transaction(s, write=False)
        recs = _collect(s, get_region(s, region_code))
        alembic = alembic_revision(s)
    files: dict[str, bytes] = {}
    if include_files:
        root = evidence_root(url)
        for t, d in recs:
            if t != "evidence":
                continue
            path = blob_path(root, d["sha256"])
            try:
                blob = path.read_bytes()
            except OSError:
                raise BundleError(
                    f"佐证文件缺失 / evidence file missing: {d['filename']}"
                    f"（sha256 {d['sha256']}，{path}）；"
                    "可不带 --with-files 导出 / export without --with-files"
                ) from None
            if hashlib.sha256(blob).hexdigest() != d["sha256"]:
                raise BundleError(f"佐证文件内容与 sha256 不符 / evidence file corrupt: {path}")
            files[d["sha256"]] = blob
    data, manifest = build_bundle(
        recs,
        instance=inst,
        region=region_code,
        alembic=alembic,
        catalog_version=f"{cat.framework} {cat.version}",
        files=files,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".bundle-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    with session_scope(url) as s:
        audit(
            s,
            actor,
            "bundle_export",
            "bundle",
            manifest["bundle_id"],
            after={
                "region": region_code,
                "counts": manifest["counts"],
                "files": len(files),
                "path": str(out),
            },
        )
    return ExportSummary(
        path=str(out),
        bundle_id=manifest["bundle_id"],
        instance=inst,
        region=region_code,
        exported_at=manifest["exported_at"],
        counts=manifest["counts"],
        files=len(files),
        size=len(data),
    )
