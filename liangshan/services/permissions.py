"""Who may see and do what. Every route calls these checks on the server; the UI only shows their result.

Rules (see docs/web.md):

- ``unit`` (责任单位): in its own region only; sees the data elements whose ``suppliers`` name its unit
  (by name or alias) and enters those whose ``lead`` (牵头单位) it is — of a shared element a
  cooperating unit (配合单位) only contributes its part or comment (:func:`submit_denial`); sees the
  indicators whose ``responsible_units`` name it (and may enter an indicator's value directly,
  ``indicator:N``). It never reviews.
- ``office`` (领导小组办公室): everything in its region and the regions below it; enters values and
  reviews (approve / return / reopen with a reason).
- ``analyst`` (技术支持单位): reads everything in its region scope and enters (computed) values for any
  data element; does not review.
- ``reviewer`` (评审专家): reads everything in scope and may comment; ``leader`` (领导): reads only.
- ``system``: the command line without ``--user`` — office rights over every region (docs/web.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from liangshan.catalog.models import Catalog, DataElement, Indicator
from liangshan.store.models import Region, Unit, User

ROLES = ("office", "unit", "reviewer", "leader", "analyst")
ROLE_LABELS = {
    "office": "领导小组办公室",
    "unit": "责任单位",
    "reviewer": "评审专家",
    "leader": "领导（只读）",
    "analyst": "技术支持单位",
}
EDIT_ROLES = frozenset({"office", "unit", "analyst"})
REVIEW_ROLES = frozenset({"office"})
COMMENT_ROLES = frozenset({"office", "reviewer"})
STATUS_LABELS = {
    "draft": "草稿",
    "submitted": "已提交待审",
    "approved": "已审核通过",
    "returned": "已退回",
    "reopened": "已重新打开",
    "superseded": "已被新版本取代",
    None: "未填报",
}
ACTION_LABELS = {
    "save": "保存草稿",
    "submit": "提交",
    "approve": "审核通过",
    "return": "退回",
    "reopen": "重新打开",
    "comment": "评论",
}


class PermissionDenied(Exception):
    """A request the user's role, unit or region does not allow (HTTP 403), with the reason in Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Actor:
    """The signed-in user as the permission rules see it."""

    id: int
    username: str
    display_name: str
    role: str
    region: str | None
    unit_id: int | None = None
    unit_name: str | None = None
    unit_names: frozenset[str] = field(default_factory=frozenset)
    regions: frozenset[str] = field(default_factory=frozenset)
    csrf: str = ""

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def is_unit(self) -> bool:
        return self.role == "unit"


def check_region(actor: Actor, region: str) -> None:
    """Refuse a region outside the user's scope."""
    if region not in actor.regions:
        raise PermissionDenied(f"无权访问地区 {region}：您的账号属于地区 {actor.region or '（未指定）'}")


def supplies(actor: Actor, element: DataElement) -> bool:
    return bool(actor.unit_names.intersection(element.suppliers))


def leads(unit_names: frozenset[str] | set[str], element: DataElement) -> bool:
    """Whether the unit known by ``unit_names`` (its name and aliases) enters and submits ``element``'s
    value: it is the element's lead unit (牵头单位; the only supplier of an unshared element)."""
    return element.lead is not None and element.lead in unit_names


def submit_denial(actor: Actor, element: DataElement) -> str | None:
    """Why ``actor`` may not save or submit ``element``'s value although its unit supplies it: the one
    rule of shared elements — only the lead unit (and the office, the analyst) enters the value; a
    cooperating unit (配合单位) contributes its part or comment instead
    (:mod:`liangshan.services.contributions`). None = allowed (or not a supplier at all, which
    :func:`view_denial` refuses)."""
    if actor.is_unit and supplies(actor, element) and not leads(actor.unit_names, element):
        return f"该数据由牵头单位 {element.lead} 填报，本单位可提交分项数据或说明"
    return None


def responsible(actor: Actor, indicator: Indicator) -> bool:
    return bool(actor.unit_names.intersection(indicator.responsible_units))


def visible_elements(actor: Actor, catalog: Catalog) -> list[DataElement]:
    if actor.is_unit:
        return [e for e in catalog.data_elements if supplies(actor, e)]
    return list(catalog.data_elements)


def visible_indicators(actor: Actor, catalog: Catalog) -> list[Indicator]:
    if actor.is_unit:
        return [i for i in catalog.indicators if responsible(actor, i)]
    return list(catalog.indicators)


def resolve_item(catalog: Catalog, item: str) -> tuple[DataElement | None, Indicator | None]:
    """The data element or indicator an item code names; :class:`KeyError` when unknown."""
    # official:N = indicator N's published figure, explain:N = its 情况说明
    if item.startswith(("indicator:", "official:", "explain:")):
        key = item.split(":", 1)[1]
        if not key.isdigit():
            raise KeyError(item)
        return None, catalog.indicator(key)
    return catalog.element(item), None


def item_name(catalog: Catalog, item: str) -> str:
    el, ind = resolve_item(catalog, item)
    official = {"official": "（官方发布值）", "explain": "（情况说明）"}.get(item.split(":", 1)[0], "")
    return el.name if el else f"指标{ind.id} {ind.name}{official}"  # type: ignore[union-attr]


def view_denial(actor: Actor, catalog: Catalog, region: str, item: str) -> str | None:
    """Why ``actor`` may not see ``item`` in ``region`` (None = allowed)."""
    if region not in actor.regions:
        return f"无权访问地区 {region}：您的账号属于地区 {actor.region or '（未指定）'}"
    if not actor.is_unit:
        return None
    el, ind = resolve_item(catalog, item)
    if el is not None and not supplies(actor, el):
        return f"“{el.name}”由{'、'.join(el.suppliers)}填报，不属于本单位（{actor.unit_name}）"
    if ind is not None and not responsible(actor, ind):
        return f"指标{ind.id}“{ind.name}”的责任单位是{'、'.join(ind.responsible_units)}，不含本单位"
    return None


def edit_denial(actor: Actor, catalog: Catalog, region: str, item: str) -> str | None:
    """Why ``actor`` may not enter values for ``item`` in ``region`` (None = allowed)."""
    if actor.role not in EDIT_ROLES:
        return f"{actor.role_label}账号只能查看，不能填报"
    if actor.role == "analyst" and item.startswith("indicator:"):
        return "技术支持单位填报数据元素，不直接填报指标值"
    denied = view_denial(actor, catalog, region, item)
    if denied:
        return denied
    el, _ind = resolve_item(catalog, item)
    return submit_denial(actor, el) if el is not None else None


def check_view(actor: Actor, catalog: Catalog, region: str, item: str) -> None:
    reason = view_denial(actor, catalog, region, item)
    if reason:
        raise PermissionDenied(reason)


def check_edit(actor: Actor, catalog: Catalog, region: str, item: str) -> None:
    reason = edit_denial(actor, catalog, region, item)
    if reason:
        raise PermissionDenied(reason)


def check_indicator(actor: Actor, indicator: Indicator, region: str) -> None:
    check_region(actor, region)
    if actor.is_unit and not responsible(actor, indicator):
        raise PermissionDenied(
            f"指标{indicator.id}“{indicator.name}”的责任单位是{'、'.join(indicator.responsible_units)}，"
            f"不含本单位（{actor.unit_name}）"
        )


def check_review(actor: Actor) -> None:
    if actor.role not in REVIEW_ROLES:
        raise PermissionDenied(f"只有领导小组办公室可以审核；您的角色是{actor.role_label}")


def check_comment(actor: Actor) -> None:
    if actor.role not in COMMENT_ROLES:
        raise PermissionDenied(f"只有领导小组办公室和评审专家可以评论；您的角色是{actor.role_label}")


def check_office(actor: Actor, what: str) -> None:
    if actor.role != "office":
        raise PermissionDenied(f"只有领导小组办公室可以{what}；您的角色是{actor.role_label}")


SYSTEM = "system"


def region_scope(tree: Mapping[str, str | None], root: str | None) -> frozenset[str]:
    """``root`` and every region below it in ``tree`` (code → parent code)."""
    if root is None:
        return frozenset()
    children: dict[str | None, list[str]] = {}
    for code, parent in tree.items():
        children.setdefault(parent, []).append(code)
    out, todo = {root}, [root]
    while todo:
        for c in children.get(todo.pop(), []):
            if c not in out:
                out.add(c)
                todo.append(c)
    return frozenset(out)


def region_tree(session: Session) -> dict[str, str | None]:
    """code → parent code of every region."""
    return dict(session.execute(select(Region.code, Region.parent_code)).tuples().all())


def build_actor(
    session: Session, user: User, tree: Mapping[str, str | None] | None = None, csrf: str = ""
) -> Actor:
    """The :class:`Actor` of a ``User`` row: a unit account sees its unit's region only (nothing
    without a unit); every other role sees its region and every region below it."""
    unit = session.get(Unit, user.unit_id) if user.unit_id is not None else None
    region = unit.region_code if (user.role == "unit" and unit is not None) else user.region_code
    names = frozenset([unit.name, *(unit.aliases or [])]) if unit is not None else frozenset()
    if user.role == "unit":
        regions = frozenset([region]) if unit is not None and region else frozenset()
    else:
        regions = region_scope(region_tree(session) if tree is None else tree, region)
    return Actor(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        region=region,
        unit_id=unit.id if unit is not None else None,
        unit_name=unit.name if unit is not None else None,
        unit_names=names,
        regions=regions,
        csrf=csrf,
    )


def actor_for_user(session: Session, username: str | None) -> Actor:
    """The actor a command-line ``--user NAME`` names: an active account in the database.

    Without a name (or with ``system``) it is :func:`system_actor`. An unknown or disabled account is
    refused with :class:`PermissionDenied`.
    """
    if username is None or username == SYSTEM:
        return system_actor(session)
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise PermissionDenied(f"用户不存在：{username}（用 liangshan user list 查看账号）")
    if not user.active:
        raise PermissionDenied(f"用户 {username} 已停用")
    return build_actor(session, user)


def system_actor(session: Session) -> Actor:
    """The command line's own operator (``system``) when no ``--user`` is given: office rights (enter,
    import, review, manage rounds) over every region in the database. Every rule other than the
    region scope — closed rounds, approved locks, value checks — applies to it as to anyone."""
    regions = frozenset(session.scalars(select(Region.code)))
    return Actor(
        id=0,
        username=SYSTEM,
        display_name="命令行操作员（system）",
        role="office",
        region=None,
        regions=regions,
    )
