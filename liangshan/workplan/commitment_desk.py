"""Reporting and reviewing the commitments' actual values on the web (量化承诺实际值的报送与审核).

卢办〔2023〕16号 四、主要任务 writes quantified commitments into the tasks; 五、(二) makes the lead unit
(牵头单位) answer for its task and 五、(四) has the office (领导小组办公室) check what the units report.
The rule of a report or a review is :func:`liangshan.workplan.commitments.report_actual` /
:func:`~liangshan.workplan.commitments.review_actual` — the very functions the command line calls;
this module adds what only the web needs around them:

- :func:`desk`: the commitments an account may act on in a plan year, each with its versions (value,
  evidence, files, state, the office's reason for a return) and whether the account may report or
  review now;
- :func:`report_with_files`: a report plus its evidence files (checked by
  :mod:`liangshan.services.uploads` before anything is written, stored content-addressed and
  attached to the version);
- :func:`evidence_file`: an attached file, for the office, the read roles and the lead unit;
- :func:`todo_items`: a unit's commitments of the judged year not reported yet or returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liangshan import localtime
from liangshan.services.permissions import Actor, PermissionDenied, check_region
from liangshan.services.uploads import CheckedUpload
from liangshan.store.errors import NotFoundError
from liangshan.store.evidence import blob_path, store_evidence
from liangshan.store.models import Evidence, Region
from liangshan.store.models_workplan import WpAttachment, WpCommitment, WpCommitmentValue, WpTask
from liangshan.workplan.commitments import (
    STATUS_LABELS,
    VALUE_STATUS_LABELS,
    actuals,
    element_label,
    may_report,
    plan_years,
    report_actual,
    summary_year,
    target_text,
    value_text,
    year_status,
    year_target,
)
from liangshan.workplan.errors import WorkplanError, WorkplanNotFound
from liangshan.workplan.tracking import attach, attachments_of

__all__ = ["ENTITY", "desk", "evidence_file", "report_with_files", "todo_items", "value_out"]

ENTITY = "commitment_value"  # WpAttachment.entity of a reported version's evidence files


def _people(session: Session, names: Sequence[str | None]) -> dict[str, str]:
    from liangshan.services.todo import people_labels

    return people_labels(session, [n for n in names if n])


def _value(v: WpCommitmentValue) -> float | bool | None:
    return v.value_bool if v.value_bool is not None else v.value_num


def pick_year(session: Session, region: str, year: int | None, today: date) -> tuple[list[int], int | None]:
    """The plan years and the year to show: ``year`` when given (one of the plan's), else the year the
    progress views count (:func:`~liangshan.workplan.commitments.summary_year`)."""
    years = plan_years(session, region)
    if year is not None and years and year not in years:
        raise WorkplanError(f"工作方案的承诺年度为 {'、'.join(map(str, years))}，没有 {year} 年")
    return years, year if year is not None else summary_year(years, today)


def desk(session: Session, actor: Actor, region: str, year: int | None, today: date) -> dict[str, Any]:
    """The commitments ``actor`` sees in ``region`` for a plan year, with every reported version.

    A unit account sees the commitments it leads; the office and the read roles see all. Each item
    says whether the account may report now (:func:`~liangshan.workplan.commitments.may_report`, not
    linked to a 两山指数 figure, the newest version not approved) and, for the office, which version
    waits for its review.
    """
    check_region(actor, region)
    reg = session.get(Region, region)
    years, y = pick_year(session, region, year, today)
    q = (
        select(WpCommitment, WpTask.code, WpTask.title)
        .join(WpTask, WpTask.id == WpCommitment.task_id)
        .where(WpCommitment.region_code == region)
        .order_by(WpCommitment.task_id, WpCommitment.seq)
    )
    if actor.is_unit:
        q = q.where(WpCommitment.lead_unit_id == (actor.unit_id or 0))
    rows = session.execute(q).all()
    cs = [c for c, _, _ in rows]
    acts = actuals(session, region, cs, [y]) if cs and y is not None else {}
    versions: dict[int, list[WpCommitmentValue]] = {}
    if cs and y is not None:
        for v in session.scalars(
            select(WpCommitmentValue)
            .where(
                WpCommitmentValue.commitment_id.in_([c.id for c in cs]),
                WpCommitmentValue.year == y,
            )
            .order_by(WpCommitmentValue.version.desc())
        ):
            versions.setdefault(v.commitment_id, []).append(v)
    all_versions = [v for vs in versions.values() for v in vs]
    files = attachments_of(session, ENTITY, [v.id for v in all_versions])
    who = _people(session, [v.created_by for v in all_versions] + [v.reviewed_by for v in all_versions])
    items: list[dict[str, Any]] = []
    for c, task_code, task_title in rows:
        vs = versions.get(c.id, [])
        newest = vs[0] if vs else None
        t = year_target(c, y) if y is not None else None
        a = acts.get((c.id, y)) if y is not None else None
        st = year_status(c, y, a) if y is not None else "no_target"
        items.append(
            {
                "code": c.code,
                "name": c.name,
                "task": f"（{task_code}）{task_title}" if task_code else task_title,
                "task_id": c.task_id,
                "lead_unit": c.lead_name,
                "unit": c.unit,
                "is_bool": c.comparator == "bool",
                "target_text": target_text(c.comparator, t, c.unit),
                "actual_text": value_text(a.value if a else None, c.unit),
                "status": st,
                "status_label": STATUS_LABELS[st],
                "evidence_hint": c.evidence,
                "linked": element_label(c.element) if c.element else None,
                "can_report": bool(
                    y is not None
                    and not c.element
                    and may_report(actor, c)
                    and str(y) in (c.years or {})
                    and (newest is None or newest.status != "approved")
                ),
                "review_id": newest.id
                if newest is not None and newest.status == "submitted" and actor.role == "office"
                else None,
                "versions": [
                    {
                        "id": v.id,
                        "version": v.version,
                        "value_text": value_text(_value(v), c.unit),
                        "evidence": v.evidence,
                        "note": v.note,
                        "status": v.status,
                        "status_label": VALUE_STATUS_LABELS.get(v.status, v.status),
                        "reported_by": who.get(v.created_by, v.created_by),
                        "reported_on": localtime.beijing_day(v.created_at).isoformat(),
                        "review_note": v.review_note,
                        "reviewed_by": who.get(v.reviewed_by, v.reviewed_by) if v.reviewed_by else None,
                        "reviewed_on": (
                            localtime.beijing_day(v.reviewed_at).isoformat() if v.reviewed_at else None
                        ),
                        "files": files.get(v.id, []),
                    }
                    for v in vs
                ],
            }
        )
    return {
        "region": region,
        "region_name": reg.name if reg else region,
        "year": y,
        "years": years,
        "role": actor.role,
        "items": items,
        "counts": {
            "total": len(items),
            "to_report": sum(1 for i in items if i["can_report"]),
            "to_review": sum(1 for i in items if i["review_id"] is not None),
        },
    }


def value_out(session: Session, row: WpCommitmentValue) -> dict[str, Any]:
    """A reported or reviewed version as the faces answer it: record number, commitment, year, version,
    state, the number of files attached and the region (for the page to go back to)."""
    c = session.get(WpCommitment, row.commitment_id)
    assert c is not None
    return {
        "id": row.id,
        "code": c.code,
        "name": c.name,
        "region": c.region_code,
        "year": row.year,
        "version": row.version,
        "status": row.status,
        "status_label": VALUE_STATUS_LABELS.get(row.status, row.status),
        "files": len(attachments_of(session, ENTITY, [row.id]).get(row.id, [])),
    }


def report_with_files(
    session: Session,
    actor: Actor,
    files_dir: Path,
    region: str,
    code: str,
    year: int,
    value: float | bool | str,
    *,
    evidence: str,
    note: str = "",
    uploads: Sequence[CheckedUpload] = (),
) -> WpCommitmentValue:
    """:func:`~liangshan.workplan.commitments.report_actual` and the evidence files of the version
    (already checked by :func:`liangshan.services.uploads.check_upload`), in the caller's transaction:
    a refused report stores no file record."""
    row = report_actual(session, actor, region, code, year, value, evidence=evidence, note=note)
    ids = []
    for up in uploads:
        ev = store_evidence(
            session,
            files_dir,
            up.data,
            up.filename,
            up.content_type,
            region=region,
            user=actor.username,
            unit_id=row.unit_id,
        )
        if ev.id not in ids:
            ids.append(ev.id)
    attach(session, ENTITY, row.id, ids)
    return row


def evidence_file(
    session: Session, actor: Actor, files_dir: Path, value_id: int, evidence_id: int
) -> tuple[Path, str, str | None]:
    """An evidence file of a reported version (path, file name, content type): for the office and the
    read roles of the region, and for the commitment's lead unit."""
    row = session.get(WpCommitmentValue, value_id)
    c = session.get(WpCommitment, row.commitment_id) if row is not None else None
    if row is None or c is None:
        raise WorkplanNotFound(f"承诺实际值记录不存在：{value_id}")
    check_region(actor, c.region_code)
    if actor.is_unit and actor.unit_id != c.lead_unit_id:
        raise PermissionDenied(
            f"无权查看：承诺“{c.name}”的证明材料只对牵头单位（{c.lead_name}）、领导小组办公室和领导、专家开放"
        )
    linked = session.scalars(
        select(WpAttachment.id).where(
            WpAttachment.entity == ENTITY,
            WpAttachment.entity_id == value_id,
            WpAttachment.evidence_id == evidence_id,
        )
    ).first()
    ev = session.get(Evidence, evidence_id) if linked is not None else None
    if ev is None:
        raise NotFoundError(f"该实际值记录没有编号为 {evidence_id} 的证明材料")
    path = blob_path(files_dir, ev.sha256)
    if not path.exists():
        raise NotFoundError(f"证明材料“{ev.filename}”的文件不在存储中")
    return path, ev.filename, ev.content_type


def todo_items(session: Session, actor: Actor, region: str, today: date) -> list[dict[str, Any]]:
    """A unit's commitments with a target in the judged year (the year the progress views count) that
    are not reported yet or were returned (with the office's reason); returned ones first. A
    commitment linked to a 两山指数 figure is never asked for, nor one waiting for the review."""
    if not actor.is_unit or actor.unit_id is None:
        return []
    _, y = pick_year(session, region, None, today)
    if y is None:
        return []
    cs = [
        c
        for c in session.scalars(
            select(WpCommitment)
            .where(WpCommitment.region_code == region, WpCommitment.lead_unit_id == actor.unit_id)
            .order_by(WpCommitment.task_id, WpCommitment.seq)
        )
        if not c.element and year_target(c, y) is not None
    ]
    newest: dict[int, WpCommitmentValue] = {}
    if cs:
        for v in session.scalars(
            select(WpCommitmentValue)
            .where(WpCommitmentValue.commitment_id.in_([c.id for c in cs]), WpCommitmentValue.year == y)
            .order_by(WpCommitmentValue.version)
        ):
            newest[v.commitment_id] = v
    who = _people(session, [v.reviewed_by for v in newest.values()])
    out: list[dict[str, Any]] = []
    for c in cs:
        last = newest.get(c.id)
        if last is not None and last.status != "returned":
            continue
        row: dict[str, Any] = {
            "code": c.code,
            "name": c.name,
            "year": y,
            "target_text": target_text(c.comparator, year_target(c, y), c.unit),
            "status": "not_reported",
            "status_label": "未报送",
            "version": None,
            "reason": None,
            "returned_by": None,
            "returned_on": None,
        }
        if last is not None:
            row.update(
                status="returned",
                status_label="已退回",
                version=last.version,
                reason=last.review_note,
                returned_by=who.get(last.reviewed_by or "", last.reviewed_by),
                returned_on=localtime.beijing_day(last.reviewed_at).isoformat() if last.reviewed_at else None,
            )
        out.append(row)
    out.sort(key=lambda r: r["status"] != "returned")
    return out
