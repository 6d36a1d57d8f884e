"""Loading a region's work plan from YAML and reading it back (organisation, phases, tasks).

The plan file (``lushi_plan.yaml`` for 卢氏县) transcribes 三、实施步骤, 四、主要任务, 五、保障措施 and
附件1 of 卢办〔2023〕16号 as data. Unit names are resolved against the region's units (by name or
alias, :func:`liangshan.store.regions.find_unit`); “各乡镇” / “各乡镇人民政府” expand to every township
government of the region and “领导小组办公室” is the region's office unit. A name that resolves to no
unit is an error naming the file and the place in it, and nothing is written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from liangshan import localtime
from liangshan.catalog import Catalog, load_catalog
from liangshan.store.db import now
from liangshan.store.models import GroupMember, Region, Unit
from liangshan.store.models_workplan import (
    WpChecklistItem,
    WpCommitment,
    WpMilestone,
    WpPhase,
    WpPlan,
    WpProgress,
    WpTask,
    WpTaskUnit,
    WpUnitContact,
)
from liangshan.store.regions import find_unit
from liangshan.store.submissions import audit
from liangshan.workplan.commitments import (
    commitment_rows,
    parse_commitments,
    plan_years,
    summarize,
    summary_year,
)
from liangshan.workplan.errors import PlanExistsError, PlanFileError, WorkplanError
from liangshan.workplan.tracking import item_state

LUSHI_PLAN = Path(__file__).with_name("lushi_plan.yaml")
ALL_TOWNSHIPS = ("各乡镇", "各乡镇人民政府")
OFFICE = "领导小组办公室"
ROLE_LABELS = {"lead": "牵头单位", "cooperating": "配合单位"}


# ------------------------------------------------------------------------------------------ resolving
def townships(session: Session, region: str) -> list[Unit]:
    q = select(Unit).where(Unit.region_code == region, Unit.kind == "township").order_by(Unit.sort, Unit.id)
    return list(session.scalars(q))


def office_unit(session: Session, region: str) -> Unit | None:
    q = select(Unit).where(Unit.region_code == region, Unit.kind == "office").order_by(Unit.sort, Unit.id)
    return session.scalars(q).first()


def resolve_units(session: Session, region: str, name: str) -> list[Unit]:
    """The units a name in the plan stands for (empty when unknown)."""
    if name in ALL_TOWNSHIPS:
        return townships(session, region)
    if name == OFFICE:
        u = office_unit(session, region)
        return [u] if u else []
    u = find_unit(session, region, name)
    return [u] if u else []


def _one_unit(session: Session, region: str, name: str, file: str, where: str) -> Unit:
    units = resolve_units(session, region, name)
    if len(units) != 1:
        raise PlanFileError(
            f"单位“{name}”不是地区 {region} 的单位（请在地区档案中添加或设为别名）", file=file, where=where
        )
    return units[0]


class _PlanLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so a bad date is reported with its place in the file."""


_PlanLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _date(value: Any, file: str, where: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise PlanFileError(f"日期应为 YYYY-MM-DD，得到 {value!r}", file=file, where=where) from None


def _indicators(value: Any, catalog: Catalog, file: str, where: str) -> list[int]:
    out = []
    for v in value or []:
        try:
            out.append(catalog.indicator(int(v)).id)
        except (KeyError, ValueError, TypeError):
            raise PlanFileError(f"未知指标序号 {v!r}（应为 1–20）", file=file, where=where) from None
    return out


def _text(node: dict[str, Any], key: str, file: str, where: str, required: bool = True) -> str:
    value = node.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise PlanFileError(f"缺少 {key}", file=file, where=where)
        return ""
    if not isinstance(value, str):
        raise PlanFileError(f"{key} 应为文字，得到 {value!r}", file=file, where=where)
    return value


# -------------------------------------------------------------------------------------------- loading
def load_plan(
    session: Session,
    region: str,
    path: str | Path = LUSHI_PLAN,
    *,
    catalog: Catalog | None = None,
    actor: str = "system",
    at: datetime | None = None,
) -> WpPlan:
    """Load a work plan for ``region`` from a YAML file (all or nothing; the caller commits).

    Parameters
    ----------
    session : Session
        Open session; nothing is committed here.
    region : str
        GB/T 2260 code of a region whose units are loaded (:func:`liangshan.store.regions.load_profile`).
    path : str or Path
        Plan YAML (default: the 卢氏县 plan transcribed from 卢办〔2023〕16号).
    catalog : Catalog, optional
        Indicator catalog used to check indicator numbers and expand per-indicator checklist items.
    actor : str
        User name recorded in the audit log.
    at : datetime, optional
        Time recorded (default now).

    Returns
    -------
    WpPlan

    Raises
    ------
    PlanFileError
        Unreadable YAML, a missing field, an unknown unit, indicator or a bad date (file and place named).
    PlanExistsError
        The region already has a plan.
    """
    p = Path(path)
    file = str(p)
    cat = catalog or load_catalog()
    try:
        raw = p.read_bytes()
        doc = yaml.load(raw.decode("utf-8"), Loader=_PlanLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise PlanFileError(f"无法读取工作方案（须为 UTF-8 YAML）：{exc}", file=file) from exc
    if not isinstance(doc, dict) or "plan" not in doc or "tasks" not in doc:
        raise PlanFileError("缺少 plan 或 tasks 部分", file=file)
    if session.get(Region, region) is None:
        raise WorkplanError(f"未知地区代码：{region}")
    if session.scalars(select(WpPlan).where(WpPlan.region_code == region)).first() is not None:
        raise PlanExistsError(f"地区 {region} 已载入工作方案；如需重新载入请先清除")
    ts = at or now()
    meta = doc["plan"]
    org = dict(doc.get("organisation") or {})
    for i, name in enumerate(org.get("member_units") or []):
        if not resolve_units(session, region, name):
            raise PlanFileError(
                f"成员单位“{name}”不是地区 {region} 的单位",
                file=file,
                where=f"organisation.member_units[{i + 1}]",
            )
    plan = WpPlan(
        region_code=region,
        title=_text(meta, "title", file, "plan"),
        doc_number=str(meta.get("doc_number") or ""),
        issued_on=_date(meta.get("issued_on"), file, "plan.issued_on"),
        issuer=str(meta.get("issuer") or ""),
        organisation=org,
        phase_note=str(doc.get("phase_note") or ""),
        source_sha256=hashlib.sha256(raw).hexdigest(),
        loaded_at=ts,
    )
    session.add(plan)
    for i, ph in enumerate(doc.get("phases") or [], start=1):
        where = f"phases[{i}]"
        phase = WpPhase(
            region_code=region,
            seq=i,
            code=str(ph.get("code", i)),
            name=_text(ph, "name", file, where),
            text=_text(ph, "text", file, where, required=False),
            note=_text(ph, "note", file, where, required=False),
        )
        session.add(phase)
        session.flush()
        for j, ms in enumerate(ph.get("milestones") or [], start=1):
            w = f"{where}.milestones[{j}]"
            owner = _one_unit(session, region, ms["owner"], file, w + ".owner") if ms.get("owner") else None
            session.add(
                WpMilestone(
                    region_code=region,
                    phase_id=phase.id,
                    seq=j,
                    title=_text(ms, "title", file, w),
                    text=_text(ms, "text", file, w, required=False),
                    owner_unit_id=owner.id if owner else None,
                    due=_date(ms.get("due"), file, w + ".due"),
                )
            )
    ctx = _CommitmentContext(
        years=_years(doc.get("commitment_years"), file),
        members=[str(m) for m in org.get("member_units") or []],
        seen=set(),
    )
    seq = 0
    for kind, key in (("task", "tasks"), ("safeguard", "safeguards")):
        for i, tk in enumerate(doc.get(key) or [], start=1):
            seq += 1
            parent = _add_task(session, region, tk, kind, seq, None, cat, file, f"{key}[{i}]", ctx)
            for j, sub in enumerate(tk.get("subtasks") or [], start=1):
                seq += 1
                w = f"{key}[{i}].subtasks[{j}]"
                _add_task(session, region, sub, kind, seq, parent.id, cat, file, w, ctx)
    _add_checklist(session, region, doc.get("checklist") or [], cat, file)
    session.flush()
    audit(
        session,
        actor,
        "load",
        "wp_plan",
        plan.id,
        after={"title": plan.title, "doc_number": plan.doc_number, "sha256": plan.source_sha256},
        detail=p.name,
        at=ts,
    )
    return plan


@dataclass
class _CommitmentContext:
    years: list[int]
    members: list[str]
    seen: set[str]


def _years(value: Any, file: str) -> list[int]:
    """``commitment_years``: the years of the plan the commitments give targets for."""
    if value is None:
        return []
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(y, int) and 1990 < y < 2100 for y in value)
    ):
        raise PlanFileError(
            f"commitment_years 应为年份列表，如 [2023, 2024, 2025]，得到 {value!r}", file=file
        )
    return sorted(set(value))


def _add_task(
    session: Session,
    region: str,
    node: dict[str, Any],
    kind: str,
    seq: int,
    parent_id: int | None,
    cat: Catalog,
    file: str,
    where: str,
    ctx: _CommitmentContext,
) -> WpTask:
    """A task with its units (``lead:`` names the 牵头单位, one of ``units:``; the others cooperate, in
    the seed's order) and its commitments."""
    task = WpTask(
        region_code=region,
        parent_id=parent_id,
        kind=kind,
        seq=seq,
        code=str(node.get("code", seq)),
        title=_text(node, "title", file, where),
        text=_text(node, "text", file, where, required=False),
        indicators=_indicators(node.get("indicators"), cat, file, where + ".indicators"),
    )
    session.add(task)
    session.flush()
    names = [str(n) for n in node.get("units") or []]
    lead = node.get("lead")
    if lead is not None and not isinstance(lead, str):
        raise PlanFileError(f"lead 应为单位名称，得到 {lead!r}", file=file, where=f"{where}.lead")
    if names and not lead:
        raise PlanFileError("缺少 lead（牵头单位须明确写出，不按责任单位的先后推断）", file=file, where=where)
    if lead and lead not in names:
        raise PlanFileError(
            f"牵头单位“{lead}”不在本任务的责任单位（units）中", file=file, where=f"{where}.lead"
        )
    if lead and len(resolve_units(session, region, lead)) != 1:
        raise PlanFileError(
            f"牵头单位“{lead}”须是地区 {region} 的一个单位（“各乡镇”不能牵头）",
            file=file,
            where=f"{where}.lead",
        )
    seen: set[int] = set()
    for k, name in enumerate(names, start=1):
        units = resolve_units(session, region, name)
        if not units:
            raise PlanFileError(
                f"责任单位“{name}”不是地区 {region} 的单位（请在地区档案中添加或设为别名）",
                file=file,
                where=f"{where}.units[{k}]",
            )
        for u in units:
            if u.id in seen:
                continue
            seen.add(u.id)
            role = "lead" if name == lead else "cooperating"
            session.add(WpTaskUnit(task_id=task.id, unit_id=u.id, role=role, seq=k, source_name=name))
    if node.get("commitments") and not ctx.years:
        raise PlanFileError("有承诺时须在文件顶层写 commitment_years（方案年度）", file=file, where=where)
    specs = parse_commitments(
        node.get("commitments"),
        task_text=task.text,
        task_lead=lead,
        leads=[*names, *ctx.members, OFFICE],
        years=ctx.years,
        catalog=cat,
        seen=ctx.seen,
        file=file,
        where=f"{where}.commitments",
    )
    for k, c in enumerate(specs, start=1):
        unit = _one_unit(session, region, c.lead, file, f"{where}.commitments[{k}].lead")
        session.add(
            WpCommitment(
                region_code=region,
                task_id=task.id,
                seq=k,
                code=c.code,
                name=c.name,
                unit=c.unit,
                comparator=c.comparator,
                target_num=None if isinstance(c.target, bool) else c.target,
                target_bool=c.target if isinstance(c.target, bool) else None,
                years={str(y): v for y, v in c.years.items()},
                basis=c.basis,
                lead_unit_id=unit.id,
                lead_name=c.lead,
                evidence=c.evidence,
                source=c.source,
                element=c.element,
            )
        )
    return task


def _add_checklist(
    session: Session, region: str, items: Sequence[dict[str, Any]], cat: Catalog, file: str
) -> None:
    seq = 0
    for i, it in enumerate(items, start=1):
        where = f"checklist[{i}]"
        category = _text(it, "category", file, where)
        title = _text(it, "title", file, where)
        if it.get("per_indicator"):
            for ind in cat.indicators:
                seq += 1
                owner = None
                for name in ind.responsible_units:
                    found = resolve_units(session, region, name)
                    if found:
                        owner = found[0]
                        break
                session.add(
                    WpChecklistItem(
                        region_code=region,
                        category=category,
                        seq=seq,
                        title=f"指标{ind.id}“{ind.name}”{title}",
                        indicator_id=ind.id,
                        owner_unit_id=owner.id if owner else None,
                        source=str(it.get("source") or ""),
                    )
                )
            continue
        seq += 1
        owner_unit = (
            _one_unit(session, region, it["owner"], file, where + ".owner") if it.get("owner") else None
        )
        session.add(
            WpChecklistItem(
                region_code=region,
                category=category,
                seq=seq,
                title=title,
                owner_unit_id=owner_unit.id if owner_unit else None,
                due=_date(it.get("due"), file, where + ".due"),
                source=str(it.get("source") or ""),
            )
        )


# ------------------------------------------------------------------------------------------- reading
def get_plan(session: Session, region: str) -> WpPlan:
    plan = session.scalars(select(WpPlan).where(WpPlan.region_code == region)).first()
    if plan is None:
        if session.get(Region, region) is None:
            raise WorkplanError(f"未知地区代码：{region}")
        raise WorkplanError(f"地区 {region} 尚未载入工作方案")
    return plan


def unit_names(session: Session, region: str) -> dict[int, str]:
    return dict(session.execute(select(Unit.id, Unit.name).where(Unit.region_code == region)).all())


@dataclass(frozen=True)
class TaskUnitRow:
    task_id: int
    unit_id: int
    role: str
    seq: int
    source_name: str


def task_units(session: Session, task_ids: Sequence[int]) -> dict[int, list[TaskUnitRow]]:
    rows = session.scalars(
        select(WpTaskUnit)
        .where(WpTaskUnit.task_id.in_(list(task_ids)))
        .order_by(WpTaskUnit.seq, WpTaskUnit.id)
    )
    out: dict[int, list[TaskUnitRow]] = {}
    for r in rows:
        out.setdefault(r.task_id, []).append(TaskUnitRow(r.task_id, r.unit_id, r.role, r.seq, r.source_name))
    return out


def unit_label(rows: Sequence[TaskUnitRow], names: dict[int, str]) -> list[str]:
    """Unit names as the plan writes them (its spelling; one “各乡镇” instead of every township)."""
    out: list[str] = []
    for r in rows:
        label = r.source_name or names[r.unit_id]
        if label not in out:
            out.append(label)
    return out


def latest_progress(
    session: Session, task_ids: Sequence[int], as_of: date | None = None
) -> dict[tuple[int, int], WpProgress]:
    """(task, unit) → the unit's newest progress report on the task (as of a date)."""
    q = select(WpProgress).where(WpProgress.task_id.in_(list(task_ids)))
    if as_of is not None:
        q = q.where(WpProgress.reported_on <= as_of)
    out: dict[tuple[int, int], WpProgress] = {}
    for p in session.scalars(q.order_by(WpProgress.reported_on, WpProgress.id)):
        out[(p.task_id, p.unit_id)] = p
    return out


def task_percent(
    task: WpTask,
    units: Sequence[TaskUnitRow],
    latest: dict[tuple[int, int], WpProgress],
    children: Sequence[float | None] = (),
) -> float | None:
    """Progress of a task, %: the lead unit's newest report; a task with sub-tasks takes their mean,
    an unreported sub-task counting 0; a task without a lead takes the newest report of any unit."""
    if children:
        return sum(c or 0.0 for c in children) / len(children)
    lead = [u for u in units if u.role == "lead"]
    if lead:
        rep = latest.get((task.id, lead[0].unit_id))
        return rep.percent if rep else None
    reps = [p for (tid, _), p in latest.items() if tid == task.id]
    if not reps:
        return None
    return max(reps, key=lambda p: (p.reported_on, p.id)).percent


def organisation_dict(session: Session, region: str) -> dict[str, Any]:
    plan = get_plan(session, region)
    org = plan.organisation or {}
    members = session.scalars(
        select(GroupMember)
        .where(GroupMember.region_code == region)
        .order_by(GroupMember.sort, GroupMember.id)
    ).all()
    names = unit_names(session, region)
    contacts = session.scalars(
        select(WpUnitContact)
        .join(Unit, Unit.id == WpUnitContact.unit_id)
        .where(Unit.region_code == region)
        .order_by(Unit.sort, WpUnitContact.role)
    ).all()

    def people(pos: str) -> list[dict[str, str]]:
        return [{"name": m.name, "title": m.title} for m in members if m.position == pos]

    return {
        "group_name": org.get("group_name", ""),
        "group_duties": org.get("group_duties", ""),
        "leaders": people("组长"),
        "deputy_leaders": people("副组长"),
        "member_units": list(org.get("member_units") or []),
        "office": {
            "name": org.get("office_name", OFFICE),
            "location": org.get("office_location", ""),
            "director": people("办公室主任"),
            "deputy_directors": people("办公室副主任"),
            "duties": org.get("office_duties", ""),
        },
        "unit_contacts_rule": org.get("unit_contacts", ""),
        "contacts": [
            {"unit": names[c.unit_id], "role": c.role, "name": c.name, "title": c.title, "phone": c.phone}
            for c in contacts
        ],
    }


def phases_list(session: Session, region: str, as_of: date, horizon_days: int = 7) -> list[dict[str, Any]]:
    from liangshan.workplan.tracking import attachments_of

    names = unit_names(session, region)
    phases = session.scalars(select(WpPhase).where(WpPhase.region_code == region).order_by(WpPhase.seq)).all()
    out = []
    for ph in phases:
        ms = session.scalars(
            select(WpMilestone).where(WpMilestone.phase_id == ph.id).order_by(WpMilestone.seq)
        ).all()
        files = attachments_of(session, "milestone", [m.id for m in ms])
        out.append(
            {
                "code": ph.code,
                "name": ph.name,
                "text": ph.text,
                "note": ph.note,
                "milestones": [
                    {
                        "id": m.id,
                        "title": m.title,
                        "text": m.text,
                        "owner": names.get(m.owner_unit_id) if m.owner_unit_id else None,
                        "due": m.due.isoformat() if m.due else None,
                        "status": m.status,
                        "done_on": m.done_on.isoformat() if m.done_on else None,
                        "state": item_state(m.due, m.status, m.done_on, as_of, horizon_days),
                        "evidence": files.get(m.id, []),
                    }
                    for m in ms
                ],
            }
        )
    return out


def tasks_list(
    session: Session, region: str, as_of: date | None = None, kind: str = "task"
) -> list[dict[str, Any]]:
    """Tasks (or safeguards) with their units, linked indicators and progress, sub-tasks nested."""
    names = unit_names(session, region)
    tasks = session.scalars(
        select(WpTask).where(WpTask.region_code == region, WpTask.kind == kind).order_by(WpTask.seq)
    ).all()
    ids = [t.id for t in tasks]
    units = task_units(session, ids)
    latest = latest_progress(session, ids, as_of)
    commitments = commitment_rows(session, region, task_ids=ids)
    count_year = summary_year(plan_years(session, region), as_of or localtime.today())
    counts: dict[int, int] = {}
    for (tid, _), _p in latest.items():
        counts[tid] = counts.get(tid, 0) + 1

    def one(t: WpTask, children: list[dict[str, Any]]) -> dict[str, Any]:
        rows = units.get(t.id, [])
        lead = [r for r in rows if r.role == "lead"]
        pct = task_percent(t, rows, latest, [c["progress"]["percent"] for c in children])
        reports = [
            {
                "unit": names[uid],
                "percent": p.percent,
                "reported_on": p.reported_on.isoformat(),
                "text": p.text,
            }
            for (tid, uid), p in latest.items()
            if tid == t.id
        ]
        return {
            "id": t.id,
            "code": t.code,
            "title": t.title,
            "text": t.text,
            "lead_unit": (lead[0].source_name or names[lead[0].unit_id]) if lead else None,
            "cooperating_units": unit_label([r for r in rows if r.role == "cooperating"], names),
            "units": unit_label(rows, names),
            "indicators": list(t.indicators or []),
            "progress": {"percent": pct, "units_reported": counts.get(t.id, 0), "latest": reports},
            "commitments": commitments.get(t.id, []),
            "commitment_counts": None
            if count_year is None or not commitments.get(t.id)
            else summarize(commitments[t.id], count_year),
            "subtasks": children,
        }

    by_parent: dict[int | None, list[WpTask]] = {}
    for t in tasks:
        by_parent.setdefault(t.parent_id, []).append(t)

    def build(t: WpTask) -> dict[str, Any]:
        return one(t, [build(c) for c in by_parent.get(t.id, [])])

    return [build(t) for t in by_parent.get(None, [])]


def plan_dict(session: Session, region: str, as_of: date, horizon_days: int = 7) -> dict[str, Any]:
    """Everything ``workplan show`` prints: keys ``plan``, ``organisation``, ``phases``, ``tasks``,
    ``safeguards`` (progress and milestone states as of ``as_of``)."""
    plan = get_plan(session, region)
    region_row = session.get(Region, region)
    tasks = tasks_list(session, region, as_of)
    return {
        "region": {"code": region, "name": region_row.name if region_row else ""},
        "as_of": as_of.isoformat(),
        "plan": {
            "title": plan.title,
            "doc_number": plan.doc_number,
            "issued_on": plan.issued_on.isoformat() if plan.issued_on else None,
            "issuer": plan.issuer,
            "phase_note": plan.phase_note,
        },
        "organisation": organisation_dict(session, region),
        "phases": phases_list(session, region, as_of, horizon_days),
        "tasks": tasks,
        "safeguards": tasks_list(session, region, as_of, kind="safeguard"),
        "commitments": _commitment_overview(session, region, tasks, as_of),
    }


def _commitment_overview(
    session: Session, region: str, tasks: Sequence[dict[str, Any]], as_of: date
) -> dict[str, Any]:
    """The plan's years, the year the views count (:func:`summary_year`) and, for that year, the counts of
    the commitments per lead unit (met / not met / not reported)."""
    years = plan_years(session, region)
    year = summary_year(years, as_of)
    by_unit: dict[str, dict[str, Any]] = {}
    stack = list(tasks)
    while stack:
        t = stack.pop(0)
        stack.extend(t["subtasks"])
        for c in t["commitments"]:
            row = by_unit.setdefault(
                c["lead_unit"],
                {"unit": c["lead_unit"], "total": 0, "met": 0, "not_met": 0, "not_reported": 0},
            )
            if year is not None:
                n = summarize([c], year)
                for k in ("total", "met", "not_met", "not_reported"):
                    row[k] += n[k]
    return {"years": years, "count_year": year, "by_lead_unit": list(by_unit.values())}


def unit_tasks(session: Session, region: str, unit_id: int) -> list[tuple[WpTask, str]]:
    """The tasks a unit is responsible for, with its role (lead / cooperating)."""
    q = (
        select(WpTask, WpTaskUnit.role)
        .join(WpTaskUnit, WpTaskUnit.task_id == WpTask.id)
        .where(WpTask.region_code == region, WpTaskUnit.unit_id == unit_id)
        .order_by(WpTask.seq)
    )
    return [(t, r) for t, r in session.execute(q).all()]


def set_contact(
    session: Session,
    unit_id: int,
    role: str,
    name: str,
    *,
    title: str = "",
    phone: str = "",
    actor: str,
    at: datetime | None = None,
) -> WpUnitContact:
    """Set a member unit's 主管领导 or 联络员 (editable; the previous value goes to the audit log)."""
    if role not in ("主管领导", "联络员"):
        raise WorkplanError(f"角色应为 主管领导 或 联络员，得到 {role!r}")
    if not name.strip():
        raise WorkplanError("姓名不能为空")
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise WorkplanError(f"单位不存在：{unit_id}")
    ts = at or now()
    row = session.scalars(
        select(WpUnitContact).where(WpUnitContact.unit_id == unit_id, WpUnitContact.role == role)
    ).first()
    before = {"name": row.name, "title": row.title, "phone": row.phone} if row else None
    if row is None:
        row = WpUnitContact(unit_id=unit_id, role=role, name=name, title=title, phone=phone, updated_at=ts)
        session.add(row)
    else:
        row.name, row.title, row.phone, row.updated_at = name, title, phone, ts
    session.flush()
    audit(
        session,
        actor,
        "set_contact",
        "wp_unit_contact",
        row.id,
        before,
        {"unit": unit.name, "role": role, "name": name, "title": title, "phone": phone},
        at=ts,
    )
    return row
