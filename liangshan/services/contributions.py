"""Shared data elements (共同填报): the lead unit submits the value, cooperating units contribute parts.

A data element the catalog gives several ``suppliers`` names one of them its ``lead`` (牵头单位,
:class:`liangshan.catalog.models.DataElement`). Only the lead unit — and the office, and the
technical support unit for computed values — saves and submits the element's value
(:func:`liangshan.services.permissions.submit_denial`, the one rule every save, submit and import
path goes through). Each cooperating unit (配合单位) records what it knows instead: a part of the
figure (an optional number, parsed by the one number parser of :mod:`liangshan.services.checks`), a
comment and an evidence file. The lead sees every contribution beside its input.

Contributions are append-only (:class:`~liangshan.store.models_contributions.Contribution`): a new
contribution never replaces an older one, each is written to the audit log.

Completeness (:func:`status_for_unit`, read by ``unit_completeness`` and the 待办 list): for a
cooperating unit a shared element-year is done once the unit has contributed (``contributed``) or
the value is approved; for the lead unit only when the value is submitted or approved.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liangshan.catalog.models import DataElement
from liangshan.services.checks import EntryError, parse_number, range_problem
from liangshan.services.permissions import (
    Actor,
    PermissionDenied,
    check_region,
    check_view,
    leads,
    resolve_item,
)
from liangshan.services.queries import current_round, round_denial
from liangshan.services.uploads import CheckedUpload
from liangshan.services.values import ClosedError
from liangshan.services.workspace import Workspace
from liangshan.store.db import now, utc_seconds
from liangshan.store.errors import NotFoundError
from liangshan.store.evidence import store_evidence
from liangshan.store.models import Evidence, Unit
from liangshan.store.models_contributions import Contribution
from liangshan.store.record_rules import check_comment, check_contribution_parts
from liangshan.store.regions import find_unit
from liangshan.store.submissions import audit

CONTRIBUTED = "contributed"  # the completeness status of a cooperating unit that has contributed
CONTRIBUTED_LABEL = "已提交分项数据"


def shared_element(el: DataElement | None, item: str) -> DataElement:
    """``item``'s data element ``el`` when it is shared (several suppliers); :class:`EntryError`
    otherwise (an indicator, or an element with one supplier)."""
    if el is None:
        raise EntryError(f"{item} 是指标，不是数据元素；分项数据只用于多个单位共同填报的数据元素")
    if not el.shared:
        only = el.suppliers[0] if el.suppliers else "未指定单位"
        raise EntryError(f"“{el.name}”只由 {only} 填报，不是共同填报的数据，无需提交分项数据")
    return el


def is_cooperating(unit_names: Iterable[str], element: DataElement) -> bool:
    """Whether the unit known by ``unit_names`` supplies ``element`` without being its lead (配合单位)."""
    names = frozenset(unit_names)
    return element.shared and bool(names.intersection(element.suppliers)) and not leads(names, element)


def status_for_unit(
    element: DataElement, unit_names: Iterable[str], newest_status: str | None, contributed: bool
) -> str | None:
    """The status a unit's element-year counts with in completeness and 待办: the newest version's
    status for the lead unit (and every unshared element); for a cooperating unit ``approved`` when
    the value is approved, else :data:`CONTRIBUTED` once it has contributed, else None (missing)."""
    if not is_cooperating(unit_names, element):
        return newest_status
    if newest_status == "approved":
        return "approved"
    return CONTRIBUTED if contributed else None


def contribute_denial(actor: Actor, element: DataElement) -> str | None:
    """Why the entry page offers ``actor`` no contribution form for ``element`` (None = offered): only a
    cooperating unit's user contributes there (the office records one for a unit from the command line
    or the API, naming the unit)."""
    if not element.shared:
        return f"“{element.name}”只由一个单位填报，无分项数据"
    if not actor.is_unit:
        return "分项数据由配合单位提交"
    if leads(actor.unit_names, element):
        return f"本单位是牵头单位，直接填报数值；配合单位（{'、'.join(element.cooperating)}）提交分项数据"
    if not is_cooperating(actor.unit_names, element):
        return f"“{element.name}”由{'、'.join(element.suppliers)}填报，不含本单位"
    return None


def parse_part(raw: object, element: DataElement) -> float | None:
    """The optional numeric part (empty = none): the one number parser, then the element's range
    (not negative, a whole number for a count, not above the element's maximum)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if element.kind == "boolean":
        raise EntryError(f"“{element.name}”为是/否数据，分项不填数值，请在说明中写明情况")
    value = parse_number(raw)
    problem = range_problem(value, element, None)
    if problem:
        raise EntryError(f"分项数值{problem}")
    return value


def _contributing_unit(
    session: Session, actor: Actor, region: str, el: DataElement, unit: str | None
) -> Unit:
    """The unit the contribution is recorded for: the unit user's own unit (``unit``, if given, must
    name it), or the unit the office names (recording a contribution handed in on paper)."""
    if actor.is_unit:
        if unit and unit not in actor.unit_names:
            raise PermissionDenied(f"只能以本单位（{actor.unit_name}）的名义提交分项数据，不能代 {unit} 提交")
        row = session.get(Unit, actor.unit_id) if actor.unit_id is not None else None
        if row is None:
            raise PermissionDenied("您的账号未关联单位，不能提交分项数据")
        return row
    if actor.role != "office":
        raise PermissionDenied(
            f"只有配合单位（或代其录入的领导小组办公室）可以提交分项数据；您的角色是{actor.role_label}"
        )
    if not unit:
        raise EntryError(f"请指明提交分项数据的配合单位（{'、'.join(el.cooperating)}）")
    row = find_unit(session, region, unit)
    if row is None:
        raise NotFoundError(f"地区 {region} 没有单位：{unit}")
    return row


def contribute(
    ctx: Workspace,
    actor: Actor,
    *,
    region: str,
    element: str,
    year: int,
    value: object = None,
    comment: str = "",
    unit: str | None = None,
    upload: CheckedUpload | None = None,
    evidence_id: int | None = None,
) -> dict[str, Any]:
    """Record a cooperating unit's part of shared ``element`` in ``region`` and ``year``.

    A unit user contributes for its own unit; the office may record one for the cooperating unit it
    names in ``unit``. The lead unit does not contribute (it enters the value), nor does a unit that
    does not supply the element. At least one of ``value``, ``comment``, ``upload`` or
    ``evidence_id`` (an evidence file already uploaded in the region) is needed. Refused with
    :class:`PermissionDenied`, :class:`EntryError`, :class:`NotFoundError` or
    :class:`~liangshan.services.values.ClosedError` (closed round, year outside it); nothing is
    written then.
    """
    try:
        el_or_none, _ind = resolve_item(ctx.catalog, element)
    except KeyError:
        raise NotFoundError(f"未知数据元素：{element}") from None
    el = shared_element(el_or_none, element)
    check_region(actor, region)
    if actor.is_unit:
        check_view(actor, ctx.catalog, region, element)
    part = parse_part(value, el)
    text = check_comment(comment or "")
    check_contribution_parts(part, text, upload is not None or evidence_id is not None)
    with ctx.write() as s:
        row = _contributing_unit(s, actor, region, el, unit)
        names = {row.name, *(row.aliases or [])}
        if leads(names, el):
            raise PermissionDenied(f"{row.name}是“{el.name}”的牵头单位，直接填报数值，不提交分项数据")
        if not names.intersection(el.suppliers):
            raise PermissionDenied(f"“{el.name}”由{'、'.join(el.suppliers)}填报，不含 {row.name}")
        closed = round_denial(current_round(s, region), region, year)
        if closed:
            raise ClosedError(closed)
        ev_id = evidence_id
        if ev_id is not None:
            ev = s.get(Evidence, ev_id)
            if ev is None or ev.region_code != region or (actor.is_unit and ev.uploaded_by != actor.username):
                raise PermissionDenied(f"佐证材料 {ev_id} 不存在、不属于地区 {region}，或不是您上传的")
        if upload is not None:
            ev = store_evidence(
                s,
                ctx.files_dir,
                upload.data,
                upload.filename,
                upload.content_type,
                region=region,
                user=actor.username,
                unit_id=row.id,
            )
            ev_id = ev.id
        c = Contribution(
            region_code=region,
            item_code=el.code,
            year=year,
            unit_id=row.id,
            unit_name=row.name,
            value_num=part,
            value_unit=el.unit if part is not None else "",
            comment=text,
            evidence_id=ev_id,
            created_by=actor.username,
            created_at=now(),
        )
        s.add(c)
        s.flush()
        out = _as_dict(c, s.get(Evidence, ev_id) if ev_id is not None else None)
        audit(s, actor.username, "contribute", "contribution", c.id, after=_audit_view(out), at=c.created_at)
        return out


def _audit_view(d: dict[str, Any]) -> dict[str, Any]:
    keys = ("region", "element", "year", "unit", "value", "comment", "evidence_id")
    return {k: d[k] if k != "evidence_id" else (d["evidence"] or {}).get("id") for k in keys}


def _as_dict(c: Contribution, ev: Evidence | None) -> dict[str, Any]:
    return {
        "id": c.id,
        "region": c.region_code,
        "element": c.item_code,
        "year": c.year,
        "unit_id": c.unit_id,
        "unit": c.unit_name,
        "value": c.value_num,
        "value_unit": c.value_unit,
        "comment": c.comment,
        "evidence": ({"id": ev.id, "filename": ev.filename, "size": ev.size} if ev is not None else None),
        "created_by": c.created_by,
        "created_at": utc_seconds(c.created_at),
    }


def contributions_in(
    session: Session, region: str, element: str, years: Sequence[int] | None = None
) -> list[dict[str, Any]]:
    """Every contribution to ``element`` in ``region`` (optionally only ``years``), oldest first."""
    q = select(Contribution, Evidence).outerjoin(Evidence, Evidence.id == Contribution.evidence_id)
    q = q.where(Contribution.region_code == region, Contribution.item_code == element)
    if years is not None:
        q = q.where(Contribution.year.in_(list(years)))
    q = q.order_by(Contribution.year, Contribution.created_at, Contribution.id)
    return [_as_dict(c, ev) for c, ev in session.execute(q)]


def contributions_for(
    ctx: Workspace, actor: Actor, *, region: str, element: str, year: int | None = None
) -> dict[str, Any]:
    """The contributions to shared ``element`` in ``region`` (one ``year`` or all), with the lead and
    cooperating units: what the lead unit reads beside its input. Anyone who may view the element
    may read them (its suppliers, the office, the read roles)."""
    try:
        el_or_none, _ind = resolve_item(ctx.catalog, element)
    except KeyError:
        raise NotFoundError(f"未知数据元素：{element}") from None
    el = shared_element(el_or_none, element)
    check_view(actor, ctx.catalog, region, element)
    with ctx.read() as s:
        rows = contributions_in(s, region, el.code, None if year is None else [year])
    return {
        "region": region,
        "element": el.code,
        "name": el.name,
        "unit": el.unit,
        "lead": el.lead,
        "cooperating": list(el.cooperating),
        "year": year,
        "contributions": rows,
    }


def contributed_keys(session: Session, region: str, years: Sequence[int]) -> set[tuple[str, int, int]]:
    """(element, year, unit id) of every unit that has contributed in ``region`` and ``years``."""
    return set(first_contributions(session, region, years))


def first_contributions(
    session: Session, region: str, years: Sequence[int]
) -> dict[tuple[str, int, int], datetime]:
    """(element, year, unit id) → when the unit first contributed (timeliness of unit scoring)."""
    q = (
        select(
            Contribution.item_code, Contribution.year, Contribution.unit_id, func.min(Contribution.created_at)
        )
        .where(
            Contribution.region_code == region,
            Contribution.year.in_(list(years)),
            Contribution.unit_id.is_not(None),
        )
        .group_by(Contribution.item_code, Contribution.year, Contribution.unit_id)
    )
    return {(i, y, u): at for i, y, u, at in session.execute(q) if u is not None}
