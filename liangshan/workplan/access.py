"""Who may do what in the work plan: the permission rules of the work-plan pages, held once.

The office (领导小组办公室) manages meetings, routing, settings and surveys; a unit (责任单位)
reports progress on its own tasks (四、主要任务: 牵头单位 / 配合单位), updates its own tracked items and
handles the supervision reports routed to it (五、(三) 群众监督); the units' ranking (年度工作目标考核) is
for the office and the leaders.
Every function takes a SQLAlchemy session and an :class:`~liangshan.services.permissions.Actor` and raises
:class:`~liangshan.services.permissions.PermissionDenied` with a Chinese message when the rule says no.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liangshan.services.permissions import Actor, PermissionDenied, check_region
from liangshan.store.models_workplan import (
    WpAction,
    WpChecklistItem,
    WpMilestone,
    WpReport,
    WpTask,
    WpTaskUnit,
)
from liangshan.workplan.errors import WorkplanError, WorkplanNotFound
from liangshan.workplan.plan import office_unit

__all__ = [
    "ITEM_MODELS",
    "SCORE_ROLES",
    "can_report",
    "check_item_update",
    "check_report_handler",
    "check_reports_list",
    "check_scores",
    "item_row",
    "own_unit",
    "reporting_unit",
    "supervision_report",
    "task_access",
]

SCORE_ROLES = frozenset({"office", "leader"})
"""Roles that see the units' yearly ranking (年度工作目标考核)."""

ITEM_MODELS: dict[str, Any] = {"milestone": WpMilestone, "action": WpAction, "checklist": WpChecklistItem}
"""Tracked items a user updates by hand: phase milestones, meeting follow-ups, checklist entries."""


def own_unit(actor: Actor) -> int | None:
    """The unit whose rows a unit account is limited to (None: the actor sees every unit)."""
    return actor.unit_id if actor.is_unit else None


def check_scores(actor: Actor) -> None:
    """The units' ranking is for the office and the leading group (not units, experts or analysts)."""
    if actor.role not in SCORE_ROLES:
        raise PermissionDenied(f"只有领导小组办公室和领导可以查看年度考核排名；您的角色是{actor.role_label}")


def task_access(session: Session, actor: Actor, task_id: int) -> tuple[WpTask, str | None]:
    """The task (in the actor's regions) and the actor's unit's role in it (``lead``/``cooperating``/None)."""
    task = session.get(WpTask, task_id)
    if task is None:
        raise WorkplanNotFound(f"任务不存在：{task_id}")
    check_region(actor, task.region_code)
    role = None
    if actor.unit_id is not None:
        role = session.scalars(
            select(WpTaskUnit.role).where(WpTaskUnit.task_id == task_id, WpTaskUnit.unit_id == actor.unit_id)
        ).first()
    return task, role


def can_report(actor: Actor, role: str | None) -> bool:
    """Whether the actor may report progress on a task where its unit has ``role``."""
    return actor.role == "office" or (actor.is_unit and role is not None)


def reporting_unit(session: Session, actor: Actor, task: WpTask, role: str | None) -> int:
    """The unit a progress report is filed under: the task's lead or cooperating unit of the actor, or
    for the office the office unit of the task's region (its account may have no unit)."""
    if actor.role == "office":
        office = office_unit(session, task.region_code)
        if office is None:
            raise WorkplanError(f"地区 {task.region_code} 没有领导小组办公室单位，无法以办公室名义报送")
        return office.id
    if actor.is_unit and actor.unit_id is not None and role is not None:
        return actor.unit_id
    why = (
        f"本单位（{actor.unit_name}）不是该任务的责任单位"
        if actor.is_unit
        else f"您的角色是{actor.role_label}"
    )
    raise PermissionDenied(f"只有该任务的牵头单位、配合单位或领导小组办公室可以报送进展；{why}")


def item_row(session: Session, kind: str, item_id: int) -> Any:
    """The milestone, action or checklist row ``item_id`` of ``kind``."""
    model = ITEM_MODELS.get(kind)
    if model is None:
        raise WorkplanError(f"未知事项类型：{kind}")
    row = session.get(model, item_id)
    if row is None:
        raise WorkplanNotFound(f"事项不存在：{item_id}")
    return row


def check_item_update(actor: Actor, row: Any, status: str) -> None:
    """Only the item's unit or the office updates an item; a unit may only mark it done."""
    check_region(actor, row.region_code)
    if actor.role != "office" and not (actor.is_unit and row.owner_unit_id == actor.unit_id):
        raise PermissionDenied("只有该事项的责任单位或领导小组办公室可以更新该事项")
    if actor.role != "office" and status != "done":
        # cancelling or reopening takes an item out of the overdue list and the unit's score
        raise PermissionDenied("责任单位只能将事项标记为完成；取消或重新打开事项只有领导小组办公室可以操作")


def check_report_handler(actor: Actor) -> None:
    """Supervision reports are handled by the office and the units."""
    if actor.role not in ("office", "unit"):
        raise PermissionDenied(f"只有领导小组办公室和承办单位可以办理举报；您的角色是{actor.role_label}")


def supervision_report(
    session: Session,
    actor: Actor,
    report_id: int,
    *,
    unit_may: str | None = None,
    missing: type = WorkplanError,
) -> WpReport:
    """The supervision report ``report_id`` in the actor's regions. With ``unit_may`` (what the unit
    wants to do: 办理, 查看照片) a unit account must be the unit the report was routed to."""
    rep = session.get(WpReport, report_id)
    if rep is None:
        raise missing(f"监督举报不存在：{report_id}")
    check_region(actor, rep.region_code)
    if unit_may is not None and actor.is_unit and (actor.unit_id is None or rep.unit_id != actor.unit_id):
        raise PermissionDenied(f"监督举报 #{report_id} 未转交本单位（{actor.unit_name}），无权{unit_may}")
    return rep


def check_reports_list(actor: Actor) -> None:
    """A unit account sees the reports routed to its unit, so it must belong to one."""
    if actor.is_unit and actor.unit_id is None:
        raise PermissionDenied("账号未关联单位")
