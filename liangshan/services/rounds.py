"""评估批次管理 (the office): list and create rounds, close / reopen with a reason, the deadline, and
per-unit completeness of a round (expected items from the catalog's responsibility table).

One deadline per round is the due date of every unit's items (there is no per-unit due-date table;
see docs/web.md). At most one round of a region is open at a time: entries go to the open round
(:func:`liangshan.services.queries.current_round`) and a closed round refuses them
(:class:`liangshan.services.values.ClosedError`). Every change is written to the audit log.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liangshan import localtime
from liangshan.catalog.models import Catalog
from liangshan.services.checks import EntryError, check_note
from liangshan.services.permissions import Actor, check_office, check_region
from liangshan.services.queries import (
    current_round,
    round_dict,
    round_years,
)
from liangshan.services.workspace import Workspace
from liangshan.store.db import utc_seconds
from liangshan.store.errors import ConflictError, NotFoundError, TransitionError
from liangshan.store.models import AssessmentRound, AuditLog, Region
from liangshan.store.submissions import audit

ENTITY = "assessment_round"
ACTIONS = {"close": "关闭", "reopen": "重新打开", "deadline": "调整截止日期"}
MAX_SPAN = 10  # years in one round (a choice: the work plan assesses three)
_COUNTS = ("expected", "submitted", "approved", "returned", "draft", "missing", "overdue")


def _what(actor: Actor) -> None:
    check_office(actor, "管理评估批次")


def _round(session: Session, actor: Actor, round_id: int, lock: bool = False) -> AssessmentRound:
    q = select(AssessmentRound).where(AssessmentRound.id == round_id)
    rnd = session.scalars(q.with_for_update() if lock else q).first()
    if rnd is None:
        raise NotFoundError(f"评估批次不存在：{round_id}")
    check_region(actor, rnd.region_code)
    return rnd


def parse_deadline(text: str | None) -> str | None:
    """``2026-12-31`` (ISO date) or empty → None; anything else is refused."""
    t = (text or "").strip()
    if not t:
        return None
    try:
        return date.fromisoformat(t).isoformat()
    except ValueError:
        raise EntryError(f"截止日期应为 YYYY-MM-DD，如 2026-12-31，收到“{t[:20]}”") from None


def _check_name(name: str) -> str:
    text = " ".join((name or "").split())
    if not text:
        raise EntryError("请填写评估批次名称")
    if len(text) > 100:
        raise EntryError(f"评估批次名称最多 100 字（现有 {len(text)} 字）")
    return text


def _check_years(start: int, end: int) -> None:
    for y in (start, end):
        if not 2000 <= y <= 2100:
            raise EntryError(f"年份应在 2000—2100 之间，收到 {y}")
    if start > end:
        raise EntryError(f"起始年份 {start} 晚于结束年份 {end}")
    if end - start + 1 > MAX_SPAN:
        raise EntryError(f"一个评估批次最多 {MAX_SPAN} 年（{start}—{end} 为 {end - start + 1} 年）")


def _open_other(session: Session, region: str, but: int | None = None) -> AssessmentRound | None:
    q = select(AssessmentRound).where(AssessmentRound.region_code == region, AssessmentRound.state == "open")
    return next((r for r in session.scalars(q) if r.id != but), None)


def completeness(
    session: Session, catalog: Catalog, rnd: AssessmentRound, today: date | None = None, items: bool = False
) -> list[dict[str, Any]]:
    """Per unit of the round's region: expected element-years (catalog responsibility table × the
    round's years), submitted, approved, returned, drafts, missing, overdue; optionally each item
    (:func:`liangshan.services.assessment.unit_completeness`, the one implementation)."""
    from liangshan.services.assessment import unit_completeness

    found = unit_completeness(session, catalog, rnd.region_code, rnd, today=today)
    rows: list[dict[str, Any]] = found.to_dict(items)["units"]
    return rows


def _summary(session: Session, catalog: Catalog, rnd: AssessmentRound, current: int | None) -> dict[str, Any]:
    units = completeness(session, catalog, rnd)
    total = {k: sum(u[k] for u in units) for k in _COUNTS}
    return {**(round_dict(rnd) or {}), "region": rnd.region_code, "current": rnd.id == current, **total}


def list_rounds(ctx: Workspace, actor: Actor, region: str) -> dict[str, Any]:
    """The region's rounds (newest first) with their totals; which one entries go to."""
    _what(actor)
    check_region(actor, region)
    with ctx.read() as s:
        reg = s.get(Region, region)
        if reg is None:
            raise NotFoundError(f"未知地区代码：{region}")
        cur = current_round(s, region)
        rounds = s.scalars(
            select(AssessmentRound)
            .where(AssessmentRound.region_code == region)
            .order_by(AssessmentRound.end_year.desc(), AssessmentRound.id.desc())
        ).all()
        rows = [_summary(s, ctx.catalog, r, cur.id if cur else None) for r in rounds]
    return {"region": region, "region_name": reg.name, "rounds": rows, "today": localtime.today().isoformat()}


def create_round(
    ctx: Workspace,
    actor: Actor,
    *,
    region: str,
    name: str,
    start_year: int,
    end_year: int,
    deadline: str | None = None,
) -> dict[str, Any]:
    """A new open round; refused while another round of the region is open (close it first)."""
    _what(actor)
    check_region(actor, region)
    name = _check_name(name)
    _check_years(start_year, end_year)
    due = parse_deadline(deadline)
    with ctx.write() as s:
        if s.get(Region, region) is None:
            raise NotFoundError(f"未知地区代码：{region}")
        other = _open_other(s, region)
        if other is not None:
            raise ConflictError(f"地区 {region} 已有进行中的评估批次“{other.name}”，请先关闭后再新建")
        same = s.scalars(
            select(AssessmentRound).where(AssessmentRound.region_code == region, AssessmentRound.name == name)
        ).first()
        if same is not None:
            raise ConflictError(f"地区 {region} 已有名为“{name}”的评估批次")
        rnd = AssessmentRound(
            region_code=region,
            name=name,
            start_year=start_year,
            end_year=end_year,
            deadline=due,
            state="open",
        )
        s.add(rnd)
        s.flush()
        audit(s, actor.username, "create_round", ENTITY, rnd.id, after=round_dict(rnd))
        return {**(round_dict(rnd) or {}), "region": region}


def round_action(
    ctx: Workspace, actor: Actor, round_id: int, action: str, reason: str = "", deadline: str | None = None
) -> dict[str, Any]:
    """Close or reopen a round (a reason is required), or change its deadline; audited."""
    _what(actor)
    if action not in ACTIONS:
        raise EntryError(f"未知操作：{action}（应为 close、reopen 或 deadline）")
    reason = check_note(reason)
    with ctx.write() as s:
        rnd = _round(s, actor, round_id, lock=True)
        before = round_dict(rnd)
        if action == "deadline":
            rnd.deadline = parse_deadline(deadline)
        else:
            want = "open" if action == "close" else "closed"
            if rnd.state != want:
                label = "进行中" if rnd.state == "open" else "已关闭"
                raise TransitionError(f"评估批次“{rnd.name}”当前{label}，不能{ACTIONS[action]}")
            if not reason:
                raise EntryError(f"{ACTIONS[action]}评估批次必须填写理由")
            if action == "reopen":
                other = _open_other(s, rnd.region_code, but=rnd.id)
                if other is not None:
                    raise ConflictError(
                        f"地区 {rnd.region_code} 已有进行中的评估批次“{other.name}”，"
                        "请先关闭它再重新打开本批次"
                    )
            rnd.state = "closed" if action == "close" else "open"
        s.flush()
        audit(s, actor.username, f"{action}_round", ENTITY, rnd.id, before, round_dict(rnd), detail=reason)
        return {**(round_dict(rnd) or {}), "region": rnd.region_code}


def round_detail(ctx: Workspace, actor: Actor, round_id: int, today: date | None = None) -> dict[str, Any]:
    """A round: per-unit completeness with each unit's expected items, and its history."""
    _what(actor)
    with ctx.read() as s:
        rnd = _round(s, actor, round_id)
        cur = current_round(s, rnd.region_code)
        units = completeness(s, ctx.catalog, rnd, today, items=True)
        log = s.scalars(
            select(AuditLog)
            .where(AuditLog.entity == ENTITY, AuditLog.entity_id == str(rnd.id))
            .order_by(AuditLog.id)
        ).all()
        history = [
            {
                "at": utc_seconds(a.at),
                "who": a.actor,
                "action": a.action,
                "label": {"create_round": "新建", **{f"{k}_round": v for k, v in ACTIONS.items()}}.get(
                    a.action, a.action
                ),
                "before": a.before,
                "after": a.after,
                "reason": a.detail,
            }
            for a in log
        ]
        data = {
            **(round_dict(rnd) or {}),
            "region": rnd.region_code,
            "current": cur is not None and cur.id == rnd.id,
        }
    total = {k: sum(u[k] for u in units) for k in _COUNTS}
    return {"round": data, "units": units, "total": total, "history": history, "years": round_years(rnd)}
