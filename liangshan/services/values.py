"""Write-side services: save/submit a value with evidence, review actions, comments, evidence access.

Each runs in one write transaction (:meth:`Workspace.write`): the newest version is locked
(``SELECT … FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite) before it is checked, so two
people saving or reviewing the same item at once cannot both win — the second gets a clear 409 and
nothing is lost or duplicated.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liangshan.services.catalogs import region_catalog
from liangshan.services.checks import Check, EntryError, check_note, check_value, parse_value
from liangshan.services.permissions import (
    ACTION_LABELS,
    STATUS_LABELS,
    Actor,
    PermissionDenied,
    check_comment,
    check_edit,
    check_region,
    check_review,
    check_view,
    resolve_item,
)
from liangshan.services.queries import current_round, evidence_of, round_denial, submission_dict
from liangshan.services.uploads import CheckedUpload
from liangshan.services.workspace import Workspace
from liangshan.store.errors import ConflictError, LockedError, NotFoundError, StoreError, TransitionError
from liangshan.store.evidence import store_evidence
from liangshan.store.models import Evidence, Review, Submission, SubmissionEvidence
from liangshan.store.models_contributions import Contribution
from liangshan.store.submissions import REASON_REQUIRED, TRANSITIONS, audit, latest, submit_value, transition


class ClosedError(StoreError):
    """The round is closed or the year is outside it (HTTP 409)."""


@dataclass
class EntryOutcome:
    submission: dict[str, Any]
    checks: list[Check] = field(default_factory=list)
    changed: bool = True
    message: str = ""


def lock_latest(session: Session, region: str, item: str, year: int) -> Submission | None:
    """The newest version, re-read and row-locked until the transaction ends (PostgreSQL)."""
    q = (
        select(Submission)
        .where(Submission.region_code == region, Submission.item_code == item, Submission.year == year)
        .order_by(Submission.version.desc())
        .limit(1)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.scalars(q).first()


def locked_message(session: Session, sub: Submission) -> str:
    rev = session.scalars(
        select(Review)
        .where(Review.submission_id == sub.id, Review.action == "approve")
        .order_by(Review.id.desc())
        .limit(1)
    ).first()
    who = f"由 {rev.actor} 于 {rev.at:%Y-%m-%d %H:%M} " if rev else ""
    return (
        f"{sub.year}年第 {sub.version} 版已{who}审核通过并锁定；如需修改，须由领导小组办公室说明理由重新打开"
    )


def _conflict_message(prev: Submission | None, year: int, expected_version: int) -> str:
    who = f"{prev.created_by} 于 {prev.created_at:%Y-%m-%d %H:%M:%S} " if prev else ""
    current = prev.version if prev else 0
    return (
        f"{year}年的数据已被{who}更新为第 {current} 版（您编辑的是第 {expected_version} 版）；"
        "您的保存未生效，输入保留在下方，请核对最新版本后再保存"
    )


def _evidence_ids(session: Session, submission_id: int) -> list[int]:
    return list(
        session.scalars(
            select(SubmissionEvidence.evidence_id)
            .where(SubmissionEvidence.submission_id == submission_id)
            .order_by(SubmissionEvidence.evidence_id)
        )
    )


def save_entry(
    ctx: Workspace,
    actor: Actor,
    *,
    region: str,
    item: str,
    year: int,
    raw_value: Any,
    note: str,
    action: str,
    expected_version: int | None,
    uploads: Sequence[CheckedUpload] = (),
    keep_evidence: Sequence[int] | None = None,
    attach_evidence: Sequence[int] = (),
) -> EntryOutcome:
    """Save a draft (``action="save"``) or submit (``"submit"``) a value as a new version.

    Raises :class:`PermissionDenied`, :class:`EntryError` (bad value, unexplained warning),
    :class:`ClosedError`, :class:`LockedError` or :class:`ConflictError`; nothing is written then.
    """
    if action not in ("save", "submit"):
        raise EntryError(f"未知操作：{action}（应为 save 或 submit）")
    cat = region_catalog(ctx, region)  # the region's indicator set
    try:
        el, ind = resolve_item(cat, item)
    except KeyError:
        raise NotFoundError(f"未知数据元素或指标：{item}") from None
    check_edit(actor, cat, region, item)
    value = parse_value(raw_value, el, ind)
    note = check_note(note)
    with ctx.write() as s:
        rnd = current_round(s, region)
        closed = round_denial(rnd, region, year)
        if closed:
            raise ClosedError(closed)
        prev = lock_latest(s, region, item, year)
        if prev is not None and prev.status == "approved":
            raise LockedError(locked_message(s, prev))
        current = prev.version if prev else 0
        if expected_version is not None and expected_version != current:
            raise ConflictError(_conflict_message(prev, year, expected_version))
        checks = check_value(s, cat, region, item, year, value, el, ind)
        errors = [c.message for c in checks if c.level == "error"]
        if errors:
            raise EntryError("；".join(errors))
        warnings = [c.message for c in checks if c.level == "warning"]
        if action == "submit" and warnings and not note:
            raise EntryError(f"{warnings[0]}（请在备注中说明原因后再提交，或先保存草稿）")
        prev_ev = _evidence_ids(s, prev.id) if prev else []
        keep = prev_ev if keep_evidence is None else [i for i in prev_ev if i in set(keep_evidence)]
        for eid in attach_evidence:
            _check_attachable(ctx, s, actor, region, eid)
            if eid not in keep:
                keep.append(eid)
        new_ids = []
        for up in uploads:
            ev = store_evidence(
                s,
                ctx.files_dir,
                up.data,
                up.filename,
                up.content_type,
                region=region,
                user=actor.username,
                unit_id=actor.unit_id,
            )
            new_ids.append(ev.id)
        unchanged = (
            prev is not None
            and prev.value == value
            and prev.note == note
            and not new_ids
            and sorted(keep) == prev_ev
        )
        if unchanged and prev is not None and prev.status == "draft" and action == "submit":
            sub = transition(s, prev.id, "submit", actor.username)
            return EntryOutcome(submission_dict(sub), checks, True, f"{year}年第 {sub.version} 版已提交")
        if (
            unchanged
            and prev is not None
            and (
                (action == "save" and prev.status == "draft")
                or (action == "submit" and prev.status == "submitted")
            )
        ):
            return EntryOutcome(submission_dict(prev), checks, False, f"{year}年数据无变化，未产生新版本")
        sub = submit_value(
            s,
            region=region,
            item=item,
            year=year,
            value=value,
            user=actor.username,
            unit=el.unit if el else ind.unit,  # type: ignore[union-attr]
            note=note,
            status="draft" if action == "save" else "submitted",
            round_id=rnd.id if rnd else None,
            expected_version=current,
            evidence_ids=sorted(set(keep + new_ids)),
        )
        verb = "已保存为草稿" if action == "save" else "已提交，等待领导小组办公室审核"
        evs = evidence_of(s, [sub.id])[sub.id]
        return EntryOutcome(submission_dict(sub, evs), checks, True, f"{year}年第 {sub.version} 版{verb}")


@dataclass(frozen=True)
class ComputedRow:
    """One calculator value to store: the item-year, the value, its provenance and the version the user
    saw in the preview (optimistic check)."""

    item: str
    year: int
    value: float | bool
    provenance: dict[str, Any]
    expected_version: int


class _DryRun(Exception):
    def __init__(self, outcomes: list[EntryOutcome]):
        super().__init__("dry run")
        self.outcomes = outcomes


def save_computed(
    ctx: Workspace,
    actor: Actor,
    *,
    region: str,
    rows: Sequence[ComputedRow],
    action: str,
    note: str = "",
    uploads: Sequence[CheckedUpload] = (),
    dry_run: bool = False,
) -> list[EntryOutcome]:
    """Save as drafts (``"save"``) or submit calculator output: all rows in one transaction, each a new
    version with its provenance, the raw files stored once as evidence and attached to every new
    version (replacing earlier copies of the same file).

    The same checks as :func:`save_entry` — permission per item, open round, approved lock, optimistic
    version, value checks (a ratio's numerator and denominator checked after both are in place), a note
    for warnings on submit — raise :class:`PermissionDenied`, :class:`ClosedError`,
    :class:`LockedError`, :class:`ConflictError` or :class:`EntryError` and nothing is written. With
    ``dry_run`` all of it runs and is rolled back (no evidence is stored): the preview's outcomes.
    """
    if action not in ("save", "submit"):
        raise EntryError(f"未知操作：{action}（应为 save 或 submit）")
    note = check_note(note)
    cat = region_catalog(ctx, region)  # the region's indicator set
    parsed = []
    for r in rows:
        try:
            el, ind = resolve_item(cat, r.item)
        except KeyError:
            raise NotFoundError(f"未知数据元素或指标：{r.item}") from None
        check_edit(actor, cat, region, r.item)
        parsed.append((r, el, ind, parse_value(r.value, el, ind)))
    target = "draft" if action == "save" else "submitted"
    try:
        with ctx.write() as s:
            rnd = current_round(s, region)
            prevs: dict[tuple[str, int], Submission | None] = {}
            for r, *_ in parsed:
                closed = round_denial(rnd, region, r.year)
                if closed:
                    raise ClosedError(closed)
                prev = lock_latest(s, region, r.item, r.year)
                if prev is not None and prev.status == "approved":
                    raise LockedError(locked_message(s, prev))
                if (prev.version if prev else 0) != r.expected_version:
                    raise ConflictError(_conflict_message(prev, r.year, r.expected_version))
                prevs[(r.item, r.year)] = prev
            new_ids: list[int] = []
            for up in uploads if not dry_run else ():
                ev = store_evidence(s, ctx.files_dir, up.data, up.filename, up.content_type,
                                    region=region, user=actor.username, unit_id=actor.unit_id)  # fmt: skip
                new_ids.append(ev.id)
            digests = {hashlib.sha256(up.data).hexdigest() for up in uploads}
            outcomes: list[EntryOutcome] = []
            written: list[tuple[int, ComputedRow, Any, Any, float | bool]] = []
            for r, el, ind, value in parsed:
                prev = prevs[(r.item, r.year)]
                same = prev is not None and prev.value == value and prev.provenance == r.provenance
                if same and prev is not None and prev.status in (target, "submitted"):  # never back to draft
                    outcomes.append(EntryOutcome(submission_dict(prev), [], False, "无变化，未产生新版本"))
                    continue
                if same and prev is not None and prev.status == "draft":
                    sub = transition(s, prev.id, "submit", actor.username)
                    outcomes.append(
                        EntryOutcome(submission_dict(sub), [], True, f"第 {sub.version} 版已提交")
                    )
                    continue
                keep = []
                if prev is not None:
                    keep = [
                        eid
                        for eid, sha in s.execute(
                            select(Evidence.id, Evidence.sha256)
                            .join(SubmissionEvidence, SubmissionEvidence.evidence_id == Evidence.id)
                            .where(SubmissionEvidence.submission_id == prev.id)
                        )
                        if sha not in digests
                    ]
                sub = submit_value(
                    s,
                    region=region,
                    item=r.item,
                    year=r.year,
                    value=value,
                    user=actor.username,
                    unit=el.unit if el else (ind.unit if ind else ""),
                    note=note,
                    provenance=r.provenance,
                    status=target,
                    round_id=rnd.id if rnd else None,
                    expected_version=r.expected_version,
                    evidence_ids=sorted(set(keep + new_ids)),
                )
                verb = {
                    ("save", True): "将保存为草稿",
                    ("submit", True): "将提交审核",
                    ("save", False): "已保存为草稿",
                    ("submit", False): "已提交，等待领导小组办公室审核",
                }[(action, dry_run)]
                outcomes.append(EntryOutcome(submission_dict(sub), [], True, f"第 {sub.version} 版{verb}"))
                written.append((len(outcomes) - 1, r, el, ind, value))
            problems: list[str] = []
            for i, r, el, ind, value in written:  # every new version is in place: check them together
                checks = check_value(s, cat, region, r.item, r.year, value, el, ind)
                outcomes[i].checks.extend(checks)
                name = el.name if el else (ind.name if ind else r.item)
                problems += [f"{r.year}年“{name}”：{c.message}" for c in checks if c.level == "error"]
                if action == "submit" and not note and not dry_run:
                    warn = [c.message for c in checks if c.level == "warning"]
                    if warn:
                        problems.append(
                            f"{r.year}年“{name}”：{warn[0]}（请在备注中说明原因后再提交，或先保存草稿）"
                        )
            if problems and not dry_run:
                raise EntryError("；".join(problems))
            if dry_run:
                raise _DryRun(outcomes)
            return outcomes
    except _DryRun as done:
        return done.outcomes


def _unit_may_use(ctx: Workspace, session: Session, actor: Actor, ev: Evidence) -> bool:
    """Whether a unit user may see (download, attach) an evidence file: it uploaded the file itself,
    or the file is attached to a value (or a contribution to a shared element) the unit may view. The
    uploader's unit id decides nothing: the office account may belong to a unit, and that unit's
    liaison is not the office."""
    if ev.uploaded_by == actor.username:
        return True
    items = session.scalars(
        select(Submission.item_code)
        .join(SubmissionEvidence, SubmissionEvidence.submission_id == Submission.id)
        .where(SubmissionEvidence.evidence_id == ev.id, Submission.region_code == ev.region_code)
        .distinct()
    ).all()
    shared = session.scalars(  # a cooperating unit's part of a shared element (services/contributions.py)
        select(Contribution.item_code).where(Contribution.evidence_id == ev.id).distinct()
    ).all()
    return any(_may_view(ctx, actor, ev.region_code, i) for i in [*items, *shared])


def _check_attachable(ctx: Workspace, session: Session, actor: Actor, region: str, evidence_id: int) -> None:
    ev = session.get(Evidence, evidence_id)
    if ev is None or ev.region_code != region:
        raise PermissionDenied(f"佐证材料 {evidence_id} 不存在或不属于地区 {region}")
    if actor.is_unit and not _unit_may_use(ctx, session, actor, ev):
        raise PermissionDenied(
            f"佐证材料 {evidence_id} 不是您上传的，也未附在本单位（{actor.unit_name}）可查看的数据上"
        )


def upload_evidence(ctx: Workspace, actor: Actor, region: str, upload: CheckedUpload) -> dict[str, Any]:
    """Store an evidence file on its own (to attach to a value later by id)."""
    if actor.role not in ("office", "unit", "analyst"):
        raise PermissionDenied(f"{actor.role_label}账号只能查看，不能上传佐证材料")
    check_region(actor, region)
    with ctx.write() as s:
        ev = store_evidence(
            s,
            ctx.files_dir,
            upload.data,
            upload.filename,
            upload.content_type,
            region=region,
            user=actor.username,
            unit_id=actor.unit_id,
        )
        return {"id": ev.id, "filename": ev.filename, "sha256": ev.sha256, "size": ev.size}


def review(
    ctx: Workspace,
    actor: Actor,
    submission_id: int,
    action: str,
    reason: str = "",
    expected_version: int | None = None,
) -> dict[str, Any]:
    """Approve / return / reopen (office), submit a draft (its editor) or comment (office, reviewer)."""
    if action not in ("approve", "return", "reopen", "submit", "comment"):
        raise EntryError(f"未知操作：{action}")
    reason = check_note(reason)
    with ctx.write() as s:
        sub = s.get(Submission, submission_id)
        if sub is None:
            raise NotFoundError(f"填报记录不存在：{submission_id}")
        cat = region_catalog(ctx, sub.region_code, s)
        check_view(actor, cat, sub.region_code, sub.item_code)
        if action == "comment":
            check_comment(actor)
            if not reason:
                raise EntryError("评论内容不能为空")
            audit(s, actor.username, "comment", "submission", sub.id, detail=reason)
            return submission_dict(sub)
        if action == "submit":
            check_edit(actor, cat, sub.region_code, sub.item_code)
            closed = round_denial(current_round(s, sub.region_code), sub.region_code, sub.year)
            if closed:
                raise ClosedError(closed)
        else:
            check_review(actor)
        sub = lock_latest(s, sub.region_code, sub.item_code, sub.year) or sub
        if sub.id != submission_id:
            old = s.get(Submission, submission_id)
            raise ConflictError(
                f"第 {old.version if old else '?'} 版已被第 {sub.version} 版（{sub.created_by}）取代，"
                "请刷新后审核最新版本"
            )
        if expected_version is not None and expected_version != sub.version:
            raise ConflictError(f"版本已变化（现为第 {sub.version} 版），请刷新后再操作")
        allowed = TRANSITIONS.get(sub.status, {})
        if action not in allowed:
            if sub.status == "approved" and action in ("approve", "submit"):
                raise LockedError(locked_message(s, sub))
            can = "、".join(ACTION_LABELS.get(a, a) for a in allowed) or "无"
            raise TransitionError(
                f"当前状态为“{STATUS_LABELS.get(sub.status, sub.status)}”，不能{ACTION_LABELS[action]}"
                f"（此状态可执行：{can}）"
            )
        if action in REASON_REQUIRED and not reason:
            raise EntryError(f"{ACTION_LABELS[action]}必须填写理由")
        done = transition(s, sub.id, action, actor.username, reason)
        return submission_dict(done)


def evidence_for_download(ctx: Workspace, actor: Actor, evidence_id: int) -> Evidence:
    """The evidence row if the user may download it: same region scope and, for a unit user, a file it
    uploaded itself (same account) or one attached to a value the unit may view (:func:`_unit_may_use`)."""
    with ctx.read() as s:
        ev = s.get(Evidence, evidence_id)
        if ev is None:
            raise NotFoundError(f"佐证材料不存在：{evidence_id}")
        check_region(actor, ev.region_code)
        if actor.is_unit and not _unit_may_use(ctx, s, actor, ev):
            raise PermissionDenied(
                f"佐证材料 {evidence_id} 不是您上传的，"
                f"也未附在本单位（{actor.unit_name}）可查看的数据上，无权下载"
            )
        s.expunge(ev)
        return ev


def _may_view(ctx: Workspace, actor: Actor, region: str, item: str) -> bool:
    try:
        check_view(actor, region_catalog(ctx, region), region, item)
    except (PermissionDenied, KeyError):
        return False
    return True


def review_latest(
    ctx: Workspace, actor: Actor, *, region: str, item: str, year: int, action: str, reason: str = ""
) -> dict[str, Any]:
    """:func:`review` of the newest version of a region-item-year (the command line names the item,
    not a submission id)."""
    try:
        resolve_item(region_catalog(ctx, region), item)
    except KeyError:
        raise NotFoundError(f"未知数据元素或指标：{item}") from None
    check_region(actor, region)
    with ctx.read() as s:
        sub = latest(s, region, item, year)
        if sub is None:
            raise NotFoundError(f"{region} {item} {year}年 没有填报记录")
        sub_id = sub.id
    return review(ctx, actor, sub_id, action, reason)


def attach_evidence(
    ctx: Workspace, actor: Actor, *, region: str, item: str, year: int, upload: CheckedUpload
) -> EntryOutcome:
    """Attach an evidence file to a value: a new version with the same value and note plus the file,
    as the web's save with an upload (a draft stays a draft, anything else is submitted). Refused like
    any save: no value yet, approved (locked), closed round, permission."""
    with ctx.read() as s:
        cur = latest(s, region, item, year)
        if cur is None:
            raise EntryError(f"{region} {item} {year}年尚无填报数值，请先填报再附佐证材料")
        value, note, version, status = cur.value, cur.note, cur.version, cur.status
    return save_entry(
        ctx,
        actor,
        region=region,
        item=item,
        year=year,
        raw_value=value,
        note=note,
        action="save" if status == "draft" else "submit",
        expected_version=version,
        uploads=[upload],
    )
