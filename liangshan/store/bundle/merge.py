"""Merging a bundle's values: per region-item-year, whether a value is already here, stale, a new
approved version, or a conflict left for the office to decide."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liangshan.store.bundle.context import IMPORT_ACTION
from liangshan.store.bundle.format import value_digest
from liangshan.store.bundle.read import Bundle
from liangshan.store.bundle.schema import is_int
from liangshan.store.bundle.summary import ImportSummary
from liangshan.store.models import Evidence, Review, Submission, SubmissionEvidence
from liangshan.store.submissions import audit, snapshot, supersede


def _origin(prov: Mapping[str, Any] | None) -> dict[str, Any] | None:
    o = prov.get("origin") if isinstance(prov, Mapping) else None
    return o if isinstance(o, dict) else None


def _chain(prov: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The origin of a value, the origin that one was imported with, and so on."""
    out: list[dict[str, Any]] = []
    o = _origin(prov)
    while o is not None and len(out) < 100:
        out.append(o)
        nxt = o.get("previous_origin")
        o = nxt if isinstance(nxt, dict) else None
    return out


def _local_digest(s: Session, sub: Submission) -> str:
    shas = s.scalars(
        select(Evidence.sha256)
        .join(SubmissionEvidence, SubmissionEvidence.evidence_id == Evidence.id)
        .where(SubmissionEvidence.submission_id == sub.id)
    ).all()
    return value_digest(
        sub.item_code, sub.year, sub.value_num, sub.value_bool, sub.value_unit, sub.note, sub.provenance, shas
    )


def _identity(link: Mapping[str, Any]) -> tuple[Any, ...]:
    return (
        link.get("instance"),
        link.get("source_submission_id"),
        link.get("source_version"),
        link.get("value_sha256"),
    )


def _already_here(
    s: Session,
    rec: Mapping[str, Any],
    vsha: str,
    src: str,
    versions: list[Submission],
    local_inst: str | None,
) -> bool:
    """Is this value (or the value it was itself imported from) already one of the local versions?

    A value's identity is (instance, submission id, version, content sha256). The record's own identity
    and those of its origin chain are compared with the origin chains of the local versions, and with
    the local versions themselves where the chain leads back to this instance (a county importing the
    province's bundle of its own values finds them all unchanged).
    """
    wanted = [(src, rec["id"], rec["version"], vsha)]
    wanted += [_identity(link) for link in _chain(rec["provenance"])]
    here = {_identity(link) for v in versions for link in _chain(v.provenance)}
    if any(w in here for w in wanted):
        return True
    for inst, sid, sver, sha in wanted:
        if local_inst is not None and inst == local_inst:
            mine = next((v for v in versions if v.id == sid and v.version == sver), None)
            if mine is not None and _local_digest(s, mine) == sha:
                return True
    return False


def _merge_one(
    s: Session,
    b: Bundle,
    rec: dict[str, Any],
    versions: list[Submission],
    round_ids: Mapping[tuple[str, int, int], int],
    ev_ids: Mapping[str, int],
    actor: str,
    ts: datetime,
    summary: ImportSummary,
    local_inst: str | None,
) -> None:
    src = b.instance
    vsha = value_digest(
        rec["item"], rec["year"], rec["value_num"], rec["value_bool"], rec["unit"], rec["note"],
        rec["provenance"], rec["evidence"],
    )  # fmt: skip
    where = {"item": rec["item"], "year": rec["year"], "source_version": rec["version"]}
    if _already_here(s, rec, vsha, src, versions, local_inst):
        summary.unchanged += 1
        return
    newer_from_source = 0
    for v in versions:
        o = _origin(v.provenance)
        if o and o.get("instance") == src and is_int(o.get("source_version")):
            newer_from_source = max(newer_from_source, o["source_version"])
    if newer_from_source > rec["version"]:
        summary.stale.append({**where, "local_source_version": newer_from_source})
        return

    def source_of(v: Submission) -> str | None:
        o = _origin(v.provenance)
        return str(o.get("instance")) if o else local_inst

    prev = versions[-1] if versions else None
    conflict = prev is not None and not (source_of(prev) == src and prev.status == "approved")
    status = "submitted" if conflict else "approved"
    prov = dict(rec["provenance"] or {})
    origin: dict[str, Any] = {
        "instance": src,
        "bundle_id": b.bundle_id,
        "source_submission_id": rec["id"],
        "source_version": rec["version"],
        "exported_at": b.manifest.get("exported_at"),
        "approved_by": rec["approved_by"],
        "approved_at": rec["approved_at"],
        "created_by": rec["created_by"],
        "created_at": rec["created_at"],
        "value_sha256": vsha,
        "reviews": rec["reviews"],
    }
    if "origin" in prov:
        origin["previous_origin"] = prov.pop("origin")
    prov["origin"] = origin
    rnd = rec["round"]
    sub = Submission(
        region_code=b.region["code"],
        item_code=rec["item"],
        year=rec["year"],
        version=(prev.version + 1) if prev else 1,
        value_num=rec["value_num"],
        value_bool=rec["value_bool"],
        value_unit=rec["unit"],
        note=rec["note"],
        provenance=prov,
        status=status,
        round_id=round_ids[(rnd["name"], rnd["start_year"], rnd["end_year"])] if rnd else None,
        created_by=actor,
        created_at=ts,
    )
    s.add(sub)
    in_force = next((v for v in reversed(versions) if v.status == "approved"), None)
    before = snapshot(prev) if prev else None
    # the previous newest version is superseded, except a local approved value in a conflict: that one
    # stays in force until the office approves (or returns) the imported version
    if prev is not None and prev.status != "superseded" and not (conflict and prev.status == "approved"):
        supersede(s, prev, f"由第 {sub.version} 版（数据包导入）取代", actor, ts)
    s.flush()
    if conflict:
        reason = (
            f"数据包导入，与本地第 {prev.version if prev else 0} 版冲突，待办公室审核"
            f"（{src} 第 {rec['version']} 版，"
            f"{rec['approved_by']} {rec['approved_at']} 审核通过；bundle {b.bundle_id[:12]}）"
        )
    else:
        reason = (
            f"数据包导入：{src} 第 {rec['version']} 版，{rec['approved_by']} {rec['approved_at']} 审核通过"
            f"（bundle {b.bundle_id[:12]}）"
        )
    s.add(
        Review(
            submission_id=sub.id,
            action=IMPORT_ACTION,
            from_status="",
            to_status=status,
            reason=reason,
            actor=actor,
            at=ts,
        )
    )
    for sha in rec["evidence"]:
        s.add(SubmissionEvidence(submission_id=sub.id, evidence_id=ev_ids[sha]))
    audit(s, actor, IMPORT_ACTION, "submission", sub.id, before, snapshot(sub), detail=reason, at=ts)
    versions.append(sub)
    if not conflict:
        summary.added.append(
            {
                **where,
                "version": sub.version,
                "value": sub.value,
                "status": status,
                "previous": prev.version if prev else None,
            }
        )
    else:
        local = in_force or prev
        assert local is not None
        summary.conflicts.append(
            {
                **where,
                "local_version": local.version,
                "local_value": local.value,
                "local_status": local.status,
                "local_by": local.created_by,
                "imported_version": sub.version,
                "imported_value": sub.value,
            }
        )


def merge_values(
    s: Session,
    b: Bundle,
    round_ids: Mapping[tuple[str, int, int], int],
    ev_ids: Mapping[str, int],
    actor: str,
    ts: datetime,
    summary: ImportSummary,
    local_inst: str | None,
) -> None:
    """Every submission record of the bundle, against the local versions of its item and year."""
    by_key: dict[tuple[str, int], list[Submission]] = defaultdict(list)
    for sub in s.scalars(
        select(Submission).where(Submission.region_code == b.region["code"]).order_by(Submission.version)
    ):
        by_key[(sub.item_code, sub.year)].append(sub)
    for rec in b.submissions:
        _merge_one(
            s, b, rec, by_key[(rec["item"], rec["year"])], round_ids, ev_ids, actor, ts, summary, local_inst
        )
