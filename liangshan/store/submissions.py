"""Submissions: append-only versions, review transitions, approved values, audit entries.

Every function takes the caller's :class:`~sqlalchemy.orm.Session` and never commits: the caller's
transaction decides, so a batch either lands whole or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liangshan.assess.values import Observation
from liangshan.catalog.models import Catalog
from liangshan.store.db import now
from liangshan.store.errors import ConflictError, LockedError, NotFoundError, TransitionError
from liangshan.store.models import AuditLog, Region, Review, Submission, SubmissionEvidence

# status → {action: new status}; "superseded" is set when a newer version arrives.
TRANSITIONS: dict[str, dict[str, str]] = {
    "draft": {"submit": "submitted"},
    "submitted": {"approve": "approved", "return": "returned"},
    "returned": {},
    "approved": {"reopen": "reopened"},
    "reopened": {"approve": "approved", "return": "returned"},
    "superseded": {},
}
REASON_REQUIRED = {"return", "reopen"}
#: statuses of a version that holds the official value: approved, or approved and reopened for revision
STANDING = ("approved", "reopened")
#: a preview's preference (lower first): approved, submitted, reopened
PREVIEW_RANK = {"approved": 0, "submitted": 1, "reopened": 2}


def audit(
    session: Session,
    actor: str,
    action: str,
    entity: str,
    entity_id: Any,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    detail: str = "",
    at: datetime | None = None,
) -> None:
    """Append one audit entry."""
    session.add(
        AuditLog(
            at=at or now(),
            actor=actor,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            before=dict(before) if before else None,
            after=dict(after) if after else None,
            detail=detail,
        )
    )


def snapshot(s: Submission) -> dict[str, Any]:
    return {
        "item": s.item_code,
        "year": s.year,
        "version": s.version,
        "value": s.value,
        "unit": s.value_unit,
        "status": s.status,
        "note": s.note,
    }


def latest(session: Session, region: str, item: str, year: int) -> Submission | None:
    """The newest version for a region-item-year, whatever its status."""
    q = (
        select(Submission)
        .where(Submission.region_code == region, Submission.item_code == item, Submission.year == year)
        .order_by(Submission.version.desc())
        .limit(1)
    )
    return session.scalars(q).first()


def supersede(session: Session, prev: Submission, reason: str, actor: str, at: datetime) -> None:
    """Mark ``prev`` superseded by a newer version, with the review entry that records it."""
    before = prev.status
    prev.status = "superseded"
    session.add(
        Review(
            submission_id=prev.id,
            action="supersede",
            from_status=before,
            to_status="superseded",
            reason=reason,
            actor=actor,
            at=at,
        )
    )


def submit_value(
    session: Session,
    *,
    region: str,
    item: str,
    year: int,
    value: float | bool | None,
    user: str,
    unit: str = "",
    note: str = "",
    provenance: Mapping[str, Any] | None = None,
    status: str = "submitted",
    round_id: int | None = None,
    expected_version: int | None = None,
    evidence_ids: Sequence[int] = (),
    at: datetime | None = None,
) -> Submission:
    """Store a new version of a value. The previous version is kept (and marked superseded).

    Refused with :class:`LockedError` when the current version is approved (reopen it first) and
    with :class:`ConflictError` when ``expected_version`` is given and is no longer the newest.
    """
    if session.get(Region, region) is None:
        raise NotFoundError(f"未知地区代码：{region}")
    prev = latest(session, region, item, year)
    current = prev.version if prev else 0
    if expected_version is not None and expected_version != current:
        raise ConflictError(
            f"{item} {year}年已被他人更新为第 {current} 版（您编辑的是第 {expected_version} 版），"
            "请刷新后再保存；您的输入未丢失"
        )
    if prev is not None and prev.status == "approved":
        raise LockedError(
            f"{item} {year}年第 {prev.version} 版已审核通过并锁定，须由办公室说明理由重新打开后才能修改"
        )
    ts = at or now()
    sub = Submission(
        region_code=region,
        item_code=item,
        year=year,
        version=current + 1,
        value_num=None if isinstance(value, bool) or value is None else float(value),
        value_bool=value if isinstance(value, bool) else None,
        value_unit=unit,
        note=note,
        provenance=dict(provenance) if provenance else None,
        status=status,
        round_id=round_id,
        created_by=user,
        created_at=ts,
    )
    session.add(sub)
    if prev is not None and prev.status not in ("superseded", "reopened"):
        supersede(session, prev, f"由第 {current + 1} 版取代", user, ts)
    # a reopened version was approved and keeps standing in every official view until a successor is
    # approved (revision semantics): it is superseded by that approval in :func:`transition`
    session.flush()
    for eid in evidence_ids:
        session.add(SubmissionEvidence(submission_id=sub.id, evidence_id=eid))
    audit(
        session, user, "submit", "submission", sub.id, snapshot(prev) if prev else None, snapshot(sub), at=ts
    )
    return sub


def transition(
    session: Session, submission_id: int, action: str, user: str, reason: str = "", at: datetime | None = None
) -> Submission:
    """Apply a review action (approve / return / reopen / submit) to the newest version of an item."""
    sub = session.get(Submission, submission_id)
    if sub is None:
        raise NotFoundError(f"填报记录不存在：{submission_id}")
    newest = latest(session, sub.region_code, sub.item_code, sub.year)
    if newest is not None and newest.id != sub.id:
        raise TransitionError(f"第 {sub.version} 版已被第 {newest.version} 版取代，只能审核最新版本")
    allowed = TRANSITIONS.get(sub.status, {})
    if action not in allowed:
        can = "、".join(allowed) or "无"
        raise TransitionError(f"状态为“{sub.status}”的填报不能执行“{action}”（可执行：{can}）")
    if action in REASON_REQUIRED and not reason.strip():
        raise TransitionError("退回或重新打开必须填写理由")
    ts = at or now()
    before = snapshot(sub)
    session.add(
        Review(
            submission_id=sub.id,
            action=action,
            from_status=sub.status,
            to_status=allowed[action],
            reason=reason,
            actor=user,
            at=ts,
        )
    )
    sub.status = allowed[action]
    if action == "approve":  # the revised value now stands: the version it revises steps down
        for older in session.scalars(
            select(Submission).where(
                Submission.region_code == sub.region_code,
                Submission.item_code == sub.item_code,
                Submission.year == sub.year,
                Submission.version < sub.version,
                Submission.status == "reopened",
            )
        ):
            supersede(session, older, f"修订版第 {sub.version} 版审核通过，取代本版", user, ts)
    audit(session, user, action, "submission", sub.id, before, snapshot(sub), detail=reason, at=ts)
    session.flush()
    return sub


def history(session: Session, region: str, item: str, year: int) -> list[Submission]:
    q = (
        select(Submission)
        .where(Submission.region_code == region, Submission.item_code == item, Submission.year == year)
        .order_by(Submission.version)
    )
    return list(session.scalars(q))


def approved_observations(
    session: Session, region: str, years: Iterable[int], include_pending: bool = False
) -> dict[tuple[str, int], Observation]:
    """The approved value of every item in ``years``, as observations: the version that stands.

    A version stands from its approval until a successor is approved: reopened for revision (status
    ``reopened``), and while its revision is drafted, submitted or returned, it still holds the official
    value (revision semantics; docs/data-model.md). With ``include_pending`` the newest submitted version is
    used where none is approved, and a revision under review over the reopened version it revises (a preview;
    the report and the official assessment use standing values only).
    """
    statuses = ["approved", "submitted", "reopened"] if include_pending else STANDING
    rows = session.scalars(
        select(Submission)
        .where(
            Submission.region_code == region,
            Submission.year.in_(list(years)),
            Submission.status.in_(statuses),
        )
        .order_by(Submission.item_code, Submission.year, Submission.version)
    )
    # official: the standing version (one per item-year). A preview: an approved version first, then the
    # newest submitted one, then a reopened one (a revision under review shows over the value it revises)
    rank = PREVIEW_RANK if include_pending else {s: 0 for s in STANDING}
    chosen: dict[tuple[str, int], Submission] = {}
    for s in rows:  # in version order: among equals the newest wins
        key = (s.item_code, s.year)
        if key not in chosen or rank[s.status] <= rank[chosen[key].status]:
            chosen[key] = s
    counts = dict(
        session.execute(
            select(SubmissionEvidence.submission_id, func.count())
            .where(SubmissionEvidence.submission_id.in_([s.id for s in chosen.values()]))
            .group_by(SubmissionEvidence.submission_id)
        ).all()
    )
    return {
        k: Observation(s.value, counts.get(s.id, 0), s.id, s.version, s.provenance) for k, s in chosen.items()
    }


def check_item(catalog: Catalog, item: str) -> str:
    """Return the canonical item code or raise with the list of valid forms."""
    # official:N = the officially published figure, explain:N = the indicator's 情况说明
    if item.startswith(("indicator:", "official:", "explain:")):
        catalog.indicator(item.split(":", 1)[1])
        return item
    catalog.element(item)
    return item
