"""The status of a region's 两山 base and its dates (基地状态): 申报, 命名, 复核.

Basis: 《“绿水青山就是金山银山”实践创新基地建设管理规程》 (生态环境部, issued 2024-02-01; it replaces the
2019 试行 version the seed 卢办〔2023〕16号 cites). The system records, per region:

- ``status``: 创建中 → 已申报 → 已命名 → 复核中 → 复核通过 (or 撤销 at any point after naming);
- the dates (``YYYY-MM-DD``, or ``YYYY``/``YYYY-MM`` when only those are known) and document numbers of
  启动创建, 申报, 命名 and the latest 复核;
- ``example``: the dates are invented for the demo (示例), not taken from a document.

The **baseline year** of the annual progress report (年度建设进展报告) and of 后评估 is the year of
命名 (命名基准年); before naming it is the year the creation started (创建基准年, 本系统约定), so a base
being created can already compare each year with its start.

The **review interval** (复核周期) is a parameter, :data:`REVIEW_INTERVAL_YEARS` = 3: the next 复核
is due in the year of the last 复核 (else of 命名) plus the interval. UNVERIFIED: the interval is not
verified against the text of the 管理规程 (docs/after-naming.md); a deployment sets it with
``LIANGSHAN_REVIEW_INTERVAL_YEARS``.

Permissions: every signed-in user of the region sees the status; only the office (领导小组办公室)
changes it, each change audited (the audit log is the status's history).
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liangshan.services.checks import EntryError
from liangshan.services.permissions import Actor, check_office, check_region
from liangshan.services.workspace import Workspace
from liangshan.store.db import now, utc_seconds
from liangshan.store.errors import NotFoundError
from liangshan.store.models import AuditLog, Region
from liangshan.store.models_after import BASE_STATUSES, BaseStatus
from liangshan.store.record_rules import DATE_FIELDS, DOC_FIELDS, check_status
from liangshan.store.submissions import audit

STATUSES = BASE_STATUSES
RULES_BASIS = {
    "title": "《“绿水青山就是金山银山”实践创新基地建设管理规程》",
    "issuer": "生态环境部",
    "issued_on": "2024-02-01",
    "replaces": "2019年印发的试行版本（工作方案引用的版本）",
}
REVIEW_INTERVAL_YEARS = 3  # UNVERIFIED: 复核周期, a parameter (see the module docstring)
EDIT_WHAT = "修改基地状态"
FIELDS = ("status", *DATE_FIELDS, *DOC_FIELDS, "note", "example")


def review_interval() -> int:
    """The review interval in years (:data:`REVIEW_INTERVAL_YEARS`, or the environment's setting)."""
    raw = os.environ.get("LIANGSHAN_REVIEW_INTERVAL_YEARS", "").strip()
    return int(raw) if raw.isdigit() and 0 < int(raw) <= 20 else REVIEW_INTERVAL_YEARS


def _year(text: str | None) -> int | None:
    return int(text[:4]) if text else None


def describe(row: BaseStatus | None, region: str) -> dict[str, Any]:
    """The status as the pages, the JSON and the reports show it (a region without a row: 创建中,
    no dates)."""
    data: dict[str, Any] = {f: None for f in DATE_FIELDS} | {f: "" for f in DOC_FIELDS}
    data.update(region=region, status="创建中", note="", example=False, recorded=row is not None)
    if row is not None:
        data.update({f: getattr(row, f) for f in FIELDS})
        data["example"] = bool(row.example)
        data["updated_by"] = row.updated_by
        data["updated_at"] = utc_seconds(row.updated_at)
    named = _year(data["named_on"])
    started = _year(data["started_on"])
    data["baseline_year"] = named if named is not None else started
    data["baseline_label"] = "命名基准年" if named is not None else "创建基准年"
    interval = review_interval()
    last = _year(data["reviewed_on"]) or named
    data["review_interval_years"] = interval
    data["next_review_year"] = last + interval if last is not None and data["status"] != "撤销" else None
    data["basis"] = dict(RULES_BASIS)
    return data


def status_of(session: Session, region: str) -> dict[str, Any]:
    """The region's base status (:func:`describe`), read in ``session`` (for reports and warnings)."""
    if session.get(Region, region) is None:
        raise NotFoundError(f"未知地区代码：{region}")
    return describe(session.get(BaseStatus, region), region)


def get_status(ws: Workspace, actor: Actor, region: str) -> dict[str, Any]:
    """The base status of ``region`` with its change history (newest first) and whether the actor may
    edit it."""
    check_region(actor, region)
    with ws.read() as s:
        data = status_of(s, region)
        data["region_name"] = s.get(Region, region).name  # type: ignore[union-attr]
        history = s.scalars(
            select(AuditLog)
            .where(AuditLog.entity == "base_status", AuditLog.entity_id == region)
            .order_by(AuditLog.at.desc(), AuditLog.id.desc())
        )
        data["history"] = [
            {
                "at": utc_seconds(h.at),
                "actor": h.actor,
                "status": (h.after or {}).get("status"),
                "before": (h.before or {}).get("status"),
                "note": h.detail,
            }
            for h in history
        ]
    data["statuses"] = list(STATUSES)
    data["can_edit"] = actor.role == "office"
    return data


def write_status(
    session: Session, username: str, region: str, *, at: datetime | None = None, **fields: Any
) -> dict[str, Any]:
    """Merge ``fields`` into the region's status, check the whole record and write it (audited) — the
    one rule behind :func:`set_status` and the demo. Nothing is written when a field is bad."""
    if session.get(Region, region) is None:
        raise NotFoundError(f"未知地区代码：{region}")
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise EntryError(f"未知的基地状态字段：{'、'.join(unknown)}")
    row = session.get(BaseStatus, region)
    before = describe(row, region)
    merged = {f: before.get(f) for f in FIELDS} | {k: v for k, v in fields.items() if v is not None}
    clean = check_status(merged)
    if row is None:
        row = BaseStatus(region_code=region)
        session.add(row)
    for k, v in clean.items():
        setattr(row, k, v)
    row.updated_by = username
    row.updated_at = at or now()
    session.flush()
    after = describe(row, region)
    keep = ("status", *DATE_FIELDS, *DOC_FIELDS, "example")
    audit(
        session, username, "update", "base_status", region,
        before={k: before[k] for k in keep} if before["recorded"] else None,
        after={k: after[k] for k in keep}, detail=clean["note"], at=at,
    )  # fmt: skip
    return after


def set_status(ws: Workspace, actor: Actor, region: str, **fields: Any) -> dict[str, Any]:
    """Change the base status of ``region`` (office only; given fields only, the rest kept)."""
    check_office(actor, EDIT_WHAT)
    check_region(actor, region)
    with ws.write() as s:
        return write_status(s, actor.username, region, **fields)
