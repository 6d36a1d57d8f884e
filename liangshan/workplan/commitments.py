"""The quantified commitments of the work plan's main tasks (四、主要任务) as targets with actual values.

卢办〔2023〕16号 writes its commitments into the task texts: 四、(五)2 “确保农村饮用水水源地水质达标率达
100%” and “农村生活垃圾收运处置体系覆盖全县所有村庄”, 四、(六)1 “在稳定3亿棒产业规模的基础上”,
“推进百万亩连翘全面提质增效”, 四、(五)1 “积极创建国家园林县城” … The plan file lists them per task
(``commitments:``, see the header of ``lushi_plan.yaml``): a code, a name, a unit of measurement
(:data:`UNITS`), a comparator (:data:`COMPARATORS`), the target, the target of each year of the plan
(``None``: no target that year), the basis of the yearly values, the lead unit (牵头单位, default the task's
lead), what proves the value (``evidence``) and the seed's words (``source``, which must occur in the
task's text). A commitment that *is* a 两山指数 figure names it (``element``: a data element code or
``indicator:N``); its actual value is then the approved value of that figure and is never asked twice.

Any other actual value is reported by the commitment's lead unit (or the office for it) with its
evidence and stored append-only (:class:`~liangshan.store.models_workplan.WpCommitmentValue`): a change
is a new version; the office approves or returns the newest version; an approved version is locked.
Only approved values count. A year's state (:data:`STATUS_LABELS`) is ``met`` / ``not_met`` (approved
value against the year's target), ``not_reported`` (no approved value) or ``no_target``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liangshan import localtime
from liangshan.assess.index import choose_value
from liangshan.assess.values import display_value, official_figure, year_value
from liangshan.catalog import Catalog, load_catalog
from liangshan.services.permissions import Actor, PermissionDenied, check_office, check_region
from liangshan.store.db import now
from liangshan.store.models_workplan import WpCommitment, WpCommitmentValue
from liangshan.store.submissions import approved_observations, audit
from liangshan.workplan.errors import PlanFileError, WorkplanError, WorkplanNotFound

__all__ = [
    "COMPARATORS",
    "STATUS_LABELS",
    "UNITS",
    "CommitmentSpec",
    "commitment_rows",
    "may_report",
    "meets",
    "parse_commitments",
    "report_actual",
    "review_actual",
    "summarize",
    "unit_counts",
]

UNITS: dict[str, str] = {
    "%": "百分比",
    "个": "个数",
    "项": "项数",
    "亿棒": "食用菌菌棒数（亿棒）",
    "万亩": "面积（万亩）",
    "是/否": "是否获得或完成",
}
"""Units of measurement a commitment may use (计量单位); ``是/否`` goes with the comparator ``bool``."""
COMPARATORS: dict[str, str] = {">=": "不低于", "<=": "不高于", "==": "等于", "bool": "获得/完成"}
STATUS_LABELS: dict[str, str] = {
    "met": "已达到",
    "not_met": "未达到",
    "not_reported": "未报送",
    "no_target": "本年无目标",
}
REVIEW_ACTIONS = {"approve": "approved", "return": "returned"}
VALUE_STATUS_LABELS = {
    "submitted": "待审核",
    "approved": "已审核",
    "returned": "已退回",
    "superseded": "已取代",
}

Target = float | bool


@dataclass(frozen=True)
class CommitmentSpec:
    """A commitment as the plan file writes it (validated; the lead still a name)."""

    code: str
    name: str
    unit: str
    comparator: str
    target: Target
    years: dict[int, Target | None]
    basis: str
    lead: str
    evidence: str
    source: str
    element: str


# ------------------------------------------------------------------------------------------ parsing
def _target(value: Any, comparator: str, file: str, where: str) -> Target:
    if comparator == "bool":
        if not isinstance(value, bool):
            raise PlanFileError(
                f"比较方式为 bool 时目标应为 true 或 false，得到 {value!r}", file=file, where=where
            )
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise PlanFileError(f"目标应为数值，得到 {value!r}", file=file, where=where)
    return float(value)


def _str(node: Mapping[str, Any], key: str, file: str, where: str, *, required: bool = True) -> str:
    value = node.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise PlanFileError(f"缺少 {key}", file=file, where=where)
        return ""
    if not isinstance(value, str):
        raise PlanFileError(f"{key} 应为文字，得到 {value!r}", file=file, where=f"{where}.{key}")
    return value.strip()


def parse_commitments(
    items: Any,
    *,
    task_text: str,
    task_lead: str | None,
    leads: Iterable[str],
    years: Sequence[int],
    catalog: Catalog,
    seen: set[str],
    file: str,
    where: str,
) -> list[CommitmentSpec]:
    """Validate a task's ``commitments:`` list.

    Parameters
    ----------
    items : Any
        The YAML node (a list of mappings, or None).
    task_text : str
        The task's text: each ``source`` must occur in it word for word.
    task_lead : str or None
        The task's ``lead:`` (a commitment's lead by default).
    leads : iterable of str
        Names a commitment's lead may take: the task's units, the member units and 领导小组办公室.
    years : sequence of int
        The plan's years (``commitment_years``): each commitment gives a target (or null) for each.
    catalog : Catalog
        To check ``element`` (a data element code or ``indicator:N``).
    seen : set of str
        Codes used so far in the plan (updated): a code is unique in the plan.
    file, where : str
        The file and the YAML path of the list, for error messages.

    Raises
    ------
    PlanFileError
        A missing field, an unknown unit or comparator, a target of the wrong kind, years other than the
        plan's, a lead outside the allowed names, an unknown element, a source not in the task's text.
    """
    if items is None:
        return []
    if not isinstance(items, list):
        raise PlanFileError("commitments 应为列表", file=file, where=where)
    allowed = set(leads)
    out: list[CommitmentSpec] = []
    for i, node in enumerate(items, start=1):
        w = f"{where}[{i}]"
        if not isinstance(node, dict):
            raise PlanFileError("每项承诺应为键值对", file=file, where=w)
        code = _str(node, "code", file, w)
        if code in seen:
            raise PlanFileError(f"承诺编号“{code}”重复", file=file, where=f"{w}.code")
        seen.add(code)
        unit = _str(node, "unit", file, w)
        if unit not in UNITS:
            raise PlanFileError(
                f"未知计量单位“{unit}”（可用：{'、'.join(UNITS)}）", file=file, where=f"{w}.unit"
            )
        comparator = str(node.get("comparator", ""))
        if comparator not in COMPARATORS:
            raise PlanFileError(
                f"未知比较方式“{comparator}”（可用：{'、'.join(COMPARATORS)}）",
                file=file,
                where=f"{w}.comparator",
            )
        if (comparator == "bool") != (unit == "是/否"):
            raise PlanFileError("计量单位“是/否”须与比较方式 bool 同时使用", file=file, where=f"{w}.unit")
        target = _target(node.get("target"), comparator, file, f"{w}.target")
        raw_years = node.get("years")
        if not isinstance(raw_years, dict):
            raise PlanFileError(
                "缺少 years（方案每一年的目标值，无目标写 null）", file=file, where=f"{w}.years"
            )
        got = {int(k) if str(k).isdigit() else k for k in raw_years}
        if got != set(years):
            raise PlanFileError(
                f"years 应逐年列出方案年度 {'、'.join(map(str, years))}，"
                f"得到 {'、'.join(map(str, raw_years))}",
                file=file,
                where=f"{w}.years",
            )
        yearly: dict[int, Target | None] = {}
        for k, v in raw_years.items():
            yearly[int(k)] = None if v is None else _target(v, comparator, file, f"{w}.years.{k}")
        if all(v is None for v in yearly.values()):
            raise PlanFileError("years 至少有一年须有目标值", file=file, where=f"{w}.years")
        lead = _str(node, "lead", file, w, required=False) or (task_lead or "")
        if not lead:
            raise PlanFileError("任务未写 lead，承诺须写明牵头单位 lead", file=file, where=f"{w}.lead")
        if lead not in allowed:
            raise PlanFileError(
                f"牵头单位“{lead}”既不是本任务的责任单位，也不是领导小组成员单位",
                file=file,
                where=f"{w}.lead",
            )
        element = _str(node, "element", file, w, required=False)
        if element:
            try:
                if element.startswith("indicator:"):
                    ind = catalog.indicator(element.split(":", 1)[1])
                    if ind.unit != unit:
                        raise PlanFileError(
                            f"关联指标{ind.id}的单位是“{ind.unit}”，与承诺的计量单位“{unit}”不一致",
                            file=file,
                            where=f"{w}.element",
                        )
                else:
                    catalog.element(element)
            except (KeyError, ValueError):
                raise PlanFileError(
                    f"未知数据元素或指标“{element}”", file=file, where=f"{w}.element"
                ) from None
        source = _str(node, "source", file, w)
        if source not in task_text:
            raise PlanFileError("source 应逐字引自本任务的方案原文", file=file, where=f"{w}.source")
        basis = _str(node, "basis", file, w, required=False)
        if not basis and any(v is None or v != target for v in yearly.values()):
            msg = "逐年目标与总目标不同或有空缺时须写明 basis（取值依据）"
            raise PlanFileError(msg, file=file, where=w)
        out.append(
            CommitmentSpec(
                code=code,
                name=_str(node, "name", file, w),
                unit=unit,
                comparator=comparator,
                target=target,
                years=yearly,
                basis=basis,
                lead=lead,
                evidence=_str(node, "evidence", file, w),
                source=source,
                element=element,
            )
        )
    return out


# ------------------------------------------------------------------------------------------ judging
def meets(comparator: str, target: Target, value: float | bool) -> bool:
    """Whether ``value`` meets ``target`` under ``comparator`` (``bool``: the same truth value)."""
    if comparator == "bool":
        return bool(value) is bool(target)
    v, t = float(value), float(target)
    if comparator == ">=":
        return v >= t
    if comparator == "<=":
        return v <= t
    return math.isclose(v, t, rel_tol=0.0, abs_tol=1e-9)


def year_target(c: WpCommitment, year: int) -> Target | None:
    v = (c.years or {}).get(str(year))
    if v is None:
        return None
    return bool(v) if c.comparator == "bool" else float(v)


def target_of(c: WpCommitment) -> Target:
    return bool(c.target_bool) if c.comparator == "bool" else float(c.target_num or 0.0)


def target_text(comparator: str, target: Target | None, unit: str) -> str:
    """``≥100%``, ``≥3亿棒``, ``获得`` … as the pages print a target."""
    if target is None:
        return "—"
    if comparator == "bool":
        return "获得/完成" if target else "否"
    sign = {">=": "≥", "<=": "≤", "==": "="}[comparator]
    return f"{sign}{float(target):g}{unit}"


def value_text(value: float | bool | None, unit: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    return f"{value:g}{unit}"


def element_label(element: str, catalog: Catalog | None = None) -> str:
    """How a page names a linked 两山指数 figure: 指标2“集中式饮用水水源地水质达标率”, 数据项“…”."""
    if not element:
        return ""
    cat = catalog or load_catalog()
    try:
        if element.startswith("indicator:"):
            ind = cat.indicator(element.split(":", 1)[1])
            return f"指标{ind.id}“{ind.name}”"
        return f"数据项“{cat.element(element).name}”"
    except (KeyError, ValueError):
        return "“两山指数”数据"


# ------------------------------------------------------------------------------------------ actuals
@dataclass(frozen=True)
class Actual:
    """The value that counts for a commitment-year (``value`` None: none approved) and what is pending."""

    value: float | bool | None
    origin: str  # reported | element | none
    version: int | None = None
    evidence: str = ""
    reported_by: str | None = None
    pending: float | bool | None = None
    pending_status: str | None = None


def _value(v: WpCommitmentValue) -> float | bool | None:
    return v.value_bool if v.value_bool is not None else v.value_num


def actuals(
    session: Session,
    region: str,
    commitments: Sequence[WpCommitment],
    years: Sequence[int],
    *,
    catalog: Catalog | None = None,
    as_of: date | None = None,
) -> dict[tuple[int, int], Actual]:
    """(commitment id, year) → its actual value: the linked 两山指数 figure's approved value, else the
    newest approved version reported by the lead unit (approved by ``as_of`` when given), and the newest
    version still under review or returned (``pending``)."""
    out: dict[tuple[int, int], Actual] = {}
    linked = [c for c in commitments if c.element]
    if linked:
        cat = catalog or load_catalog()
        obs = approved_observations(session, region, years)
        for c in linked:
            for y in years:
                v: float | bool | None
                if c.element.startswith("indicator:"):
                    ind = cat.indicator(c.element.split(":", 1)[1])
                    yv = choose_value(ind, year_value(ind, y, obs), official_figure(ind, y, obs))
                    v = display_value(ind, yv) if yv.status == "ok" else None
                else:
                    o = obs.get((c.element, y))
                    v = None if o is None else o.value
                out[(c.id, y)] = Actual(v, "element" if v is not None else "none")
    ids = [c.id for c in commitments if not c.element]
    if not ids:
        return out
    rows = session.scalars(
        select(WpCommitmentValue)
        .where(WpCommitmentValue.commitment_id.in_(ids), WpCommitmentValue.year.in_(list(years)))
        .order_by(WpCommitmentValue.version)
    )
    approved: dict[tuple[int, int], WpCommitmentValue] = {}
    newest: dict[tuple[int, int], WpCommitmentValue] = {}
    for r in rows:
        key = (r.commitment_id, r.year)
        newest[key] = r
        by_then = as_of is None or (r.reviewed_at and localtime.beijing_day(r.reviewed_at) <= as_of)
        if r.status == "approved" and by_then:
            approved[key] = r
    for key in set(approved) | set(newest):
        a, n = approved.get(key), newest.get(key)
        pending = n if n is not None and n is not a and n.status in ("submitted", "returned") else None
        out[key] = Actual(
            _value(a) if a else None,
            "reported" if a else "none",
            a.version if a else None,
            a.evidence if a else "",
            a.created_by if a else None,
            _value(pending) if pending else None,
            pending.status if pending else None,
        )
    return out


def year_status(c: WpCommitment, year: int, actual: Actual | None) -> str:
    t = year_target(c, year)
    if t is None:
        return "no_target"
    if actual is None or actual.value is None:
        return "not_reported"
    return "met" if meets(c.comparator, t, actual.value) else "not_met"


# ------------------------------------------------------------------------------------------ reading
def plan_years(session: Session, region: str) -> list[int]:
    """The years the region's commitments have targets for (the plan's ``commitment_years``)."""
    ys: set[int] = set()
    for years in session.scalars(select(WpCommitment.years).where(WpCommitment.region_code == region)):
        ys |= {int(k) for k in years or {}}
    return sorted(ys)


def commitment_rows(
    session: Session,
    region: str,
    *,
    task_ids: Sequence[int] | None = None,
    catalog: Catalog | None = None,
) -> dict[int, list[dict[str, Any]]]:
    """task id → its commitments as JSON-ready dicts, each with its targets, actuals and states by year."""
    q = select(WpCommitment).where(WpCommitment.region_code == region)
    if task_ids is not None:
        q = q.where(WpCommitment.task_id.in_(list(task_ids)))
    cs = list(session.scalars(q.order_by(WpCommitment.task_id, WpCommitment.seq)))
    if not cs:
        return {}
    years = plan_years(session, region)
    acts = actuals(session, region, cs, years, catalog=catalog)
    out: dict[int, list[dict[str, Any]]] = {}
    for c in cs:
        rows = []
        for y in years:
            a = acts.get((c.id, y))
            st = year_status(c, y, a)
            rows.append(
                {
                    "year": y,
                    "target": year_target(c, y),
                    "target_text": target_text(c.comparator, year_target(c, y), c.unit),
                    "actual": a.value if a else None,
                    "actual_text": value_text(a.value if a else None, c.unit),
                    "origin": a.origin if a else "none",
                    "actual_evidence": a.evidence if a else "",
                    "pending": a.pending if a else None,
                    "pending_status": VALUE_STATUS_LABELS.get(a.pending_status or "") if a else None,
                    "status": st,
                    "status_label": STATUS_LABELS[st],
                }
            )
        out.setdefault(c.task_id, []).append(
            {
                "code": c.code,
                "name": c.name,
                "unit": c.unit,
                "comparator": c.comparator,
                "target": target_of(c),
                "target_text": target_text(c.comparator, target_of(c), c.unit),
                "lead_unit": c.lead_name,
                "evidence": c.evidence,
                "source": c.source,
                "basis": c.basis,
                "element": c.element or None,
                "element_label": element_label(c.element, catalog) if c.element else None,
                "years": rows,
            }
        )
    return out


def summarize(rows: Iterable[Mapping[str, Any]], year: int) -> dict[str, int]:
    """Counts of ``year``'s states over commitment dicts (:func:`commitment_rows`): met, not met, not
    reported, and the number with a target that year."""
    out = {"year": year, "total": 0, "met": 0, "not_met": 0, "not_reported": 0}
    for c in rows:
        for y in c["years"]:
            if y["year"] == year and y["status"] != "no_target":
                out["total"] += 1
                out[y["status"]] += 1
    return out


def summary_year(years: Sequence[int], on: date) -> int | None:
    """The plan year the progress views count: the newest plan year that has ended by ``on`` (a year's
    values are reported after it ends), else the first plan year."""
    if not years:
        return None
    ended = [y for y in years if y < on.year]
    return max(ended) if ended else min(years)


def unit_counts(
    session: Session,
    region: str,
    year: int,
    *,
    as_of: date | None = None,
    catalog: Catalog | None = None,
) -> dict[int, dict[str, int]]:
    """lead unit id → counts of its commitments with a target in ``year``: total, met, not_met,
    not_reported (approved values, approved by ``as_of`` when given)."""
    cs = list(session.scalars(select(WpCommitment).where(WpCommitment.region_code == region)))
    cs = [c for c in cs if year_target(c, year) is not None]
    acts = actuals(session, region, cs, [year], catalog=catalog, as_of=as_of)
    out: dict[int, dict[str, int]] = {}
    for c in cs:
        n = out.setdefault(c.lead_unit_id, {"total": 0, "met": 0, "not_met": 0, "not_reported": 0})
        n["total"] += 1
        n[year_status(c, year, acts.get((c.id, year)))] += 1
    return out


# ------------------------------------------------------------------------------------------ writing
def get_commitment(session: Session, region: str, code: str) -> WpCommitment:
    c = session.scalars(
        select(WpCommitment).where(WpCommitment.region_code == region, WpCommitment.code == code)
    ).first()
    if c is None:
        raise WorkplanNotFound(f"地区 {region} 的工作方案没有编号为“{code}”的承诺")
    return c


def may_report(actor: Actor, c: WpCommitment) -> bool:
    """Whether ``actor`` may report ``c``'s actual values: its lead unit, or the office for it."""
    return actor.role == "office" or (actor.is_unit and actor.unit_id == c.lead_unit_id)


def _parse_value(c: WpCommitment, value: float | bool | str) -> float | bool:
    if c.comparator == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip()
        if text in ("是", "true", "1", "已获得", "已完成"):
            return True
        if text in ("否", "false", "0", "未获得", "未完成"):
            return False
        raise WorkplanError(f"承诺“{c.name}”的实际值应为 是 或 否，收到：{value}")
    if isinstance(value, bool):
        raise WorkplanError(f"承诺“{c.name}”的实际值应为数值（{c.unit}），收到：{value}")
    try:
        v = float(value)
    except ValueError:
        raise WorkplanError(f"承诺“{c.name}”的实际值应为数值（{c.unit}），收到：{value}") from None
    if not math.isfinite(v) or v < 0 or (c.unit == "%" and v > 100):
        raise WorkplanError(f"承诺“{c.name}”的实际值超出范围（{c.unit}）：{value}")
    return v


def report_actual(
    session: Session,
    actor: Actor,
    region: str,
    code: str,
    year: int,
    value: float | bool | str,
    *,
    evidence: str,
    note: str = "",
    at: datetime | None = None,
) -> WpCommitmentValue:
    """Report a commitment's actual value for ``year`` (a new version, submitted for review).

    Only the commitment's lead unit, or the office for it, may report; a commitment linked to a 两山指数
    figure takes that figure's approved value and is not reported here; ``evidence`` (what proves the
    value: 监测报告、命名文件 …) is required; an approved version is locked.
    """
    check_region(actor, region)
    c = get_commitment(session, region, code)
    if not may_report(actor, c):
        raise PermissionDenied(
            f"无权报送：承诺“{c.name}”的实际值只有牵头单位（{c.lead_name}）或领导小组办公室可以报送"
        )
    if c.element:
        raise WorkplanError(
            f"承诺“{c.name}”取自“两山指数”{element_label(c.element)}的审核通过值，无需另行报送"
        )
    if str(year) not in (c.years or {}):
        raise WorkplanError(f"承诺“{c.name}”没有 {year} 年（方案年度：{'、'.join(c.years or {})}）")
    if not evidence.strip():
        raise WorkplanError(f"请写明证明材料（如：{c.evidence}）")
    v = _parse_value(c, value)
    prev = session.scalars(
        select(WpCommitmentValue)
        .where(WpCommitmentValue.commitment_id == c.id, WpCommitmentValue.year == year)
        .order_by(WpCommitmentValue.version.desc())
    ).first()
    if prev is not None and prev.status == "approved":
        raise WorkplanError(f"承诺“{c.name}”{year}年第 {prev.version} 版已审核通过并锁定")
    ts = at or now()
    row = WpCommitmentValue(
        commitment_id=c.id,
        year=year,
        version=(prev.version if prev else 0) + 1,
        value_num=None if isinstance(v, bool) else v,
        value_bool=v if isinstance(v, bool) else None,
        evidence=evidence.strip(),
        note=note,
        unit_id=c.lead_unit_id,
        status="submitted",
        created_by=actor.username,
        created_at=ts,
        review_note="",
    )
    session.add(row)
    if prev is not None and prev.status != "superseded":
        prev.status = "superseded"
    session.flush()
    audit(
        session,
        actor.username,
        "report",
        "wp_commitment_value",
        row.id,
        after={
            "commitment": c.code,
            "year": year,
            "version": row.version,
            "value": v,
            "evidence": row.evidence,
        },
        at=ts,
    )
    return row


def review_actual(
    session: Session,
    actor: Actor,
    value_id: int,
    action: str,
    *,
    note: str = "",
    at: datetime | None = None,
) -> WpCommitmentValue:
    """Approve or return (with a reason) the newest reported version of a commitment-year (office only)."""
    check_office(actor, "审核承诺实际值")
    row = session.get(WpCommitmentValue, value_id)
    if row is None:
        raise WorkplanNotFound(f"承诺实际值记录不存在：{value_id}")
    c = session.get(WpCommitment, row.commitment_id)
    assert c is not None
    check_region(actor, c.region_code)
    if action not in REVIEW_ACTIONS:
        raise WorkplanError(f"审核操作应为 approve（通过）或 return（退回），收到：{action}")
    if row.status != "submitted":
        raise WorkplanError(
            f"只能审核待审核的最新版本（该版本状态：{VALUE_STATUS_LABELS.get(row.status, row.status)}）"
        )
    if action == "return" and not note.strip():
        raise WorkplanError("退回须写明理由")
    ts = at or now()
    before = row.status
    row.status = REVIEW_ACTIONS[action]
    row.reviewed_by, row.reviewed_at, row.review_note = actor.username, ts, note
    session.flush()
    audit(
        session,
        actor.username,
        action,
        "wp_commitment_value",
        row.id,
        before={"status": before},
        after={"status": row.status, "commitment": c.code, "year": row.year, "version": row.version},
        detail=note,
        at=ts,
    )
    return row
