"""The review list (审核): the queue with the context a reviewer needs to decide, and batch approval.

Each row of :func:`review_list` is the newest version of an item-year of the region's current round in
the tab's statuses, with

* the values of the three previous years (the newest version that is not returned — the value the
  entry form's check compares with, :func:`liangshan.services.checks.check_value`),
* the change against the previous year and the ±30 % flag (:data:`liangshan.services.checks.JUMP_THRESHOLD`,
  the same threshold that asks the unit for an explanation when it submits),
* the evidence (links) and how many days the version has been waiting,
* who entered it as people read it (``created_by_label``: the unit and role, e.g. 财政局（责任单位）;
  :func:`liangshan.services.todo.people_labels`), never the account name.

Filters: responsible unit, indicator (its data elements, or the indicator's own entry), minimum age in
days; pages of :data:`PAGE_SIZE`. Counts per tab are for the same filters.

:func:`approve_many` approves several rows in one request. Each row goes through
:func:`liangshan.services.values.review` in its own transaction (the same checks as one approval:
permission, newest version, expected version, state), so the result is **per row**: the rows that
could be approved are approved, every other row is reported with the reason — a batch is not
all-or-nothing, since one row changed by someone else must not block the others.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from liangshan.catalog import Catalog
from liangshan.services.checks import JUMP_THRESHOLD, EntryError
from liangshan.services.permissions import Actor, PermissionDenied, check_region, check_review
from liangshan.services.queries import (
    current_round,
    evidence_of,
    latest_map,
    resolve_item,
    round_years,
    submission_dict,
    unit_elements,
)
from liangshan.services.todo import people_labels
from liangshan.services.values import review
from liangshan.services.workspace import Workspace
from liangshan.store.errors import StoreError
from liangshan.store.models import Submission, Unit

PAGE_SIZE = 50
PREVIOUS_YEARS = 3
TABS: dict[str, tuple[str, tuple[str, ...]]] = {
    "pending": ("待审核", ("submitted", "reopened")),
    "returned": ("已退回", ("returned",)),
    "approved": ("已通过", ("approved",)),
    "draft": ("草稿", ("draft",)),
}
AGES = {0: "不限", 3: "3 天以上", 7: "7 天以上", 30: "30 天以上"}  # minimum days waiting
MAX_BATCH = 200


def relative_change(value: float | None, ref: float | None) -> float | None:
    """(value − ref) / |ref|, as in the entry check (None when either is missing or ref is 0)."""
    if value is None or ref is None or ref == 0:
        return None
    return (value - ref) / abs(ref)


def _value_num(sub: Submission | None) -> float | None:
    if sub is None or sub.value_num is None or sub.status == "returned":
        return None
    return float(sub.value_num)


def _as_date(at: datetime | None) -> date | None:
    if at is None:
        return None
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC).date()


def _items_of(
    session: Session, catalog: Catalog, region: str, unit: int | None, indicator: int | None
) -> list[str] | None:
    """Item codes the filters allow (None: all)."""
    items: set[str] | None = None
    if unit is not None:
        u = session.get(Unit, unit)
        if u is None or u.region_code != region:
            raise PermissionDenied(f"单位 {unit} 不属于地区 {region}")
        names = {u.name, *(u.aliases or [])}
        items = {e.code for e in catalog.data_elements if names.intersection(e.suppliers)}
        items |= {f"indicator:{i.id}" for i in catalog.indicators if names.intersection(i.responsible_units)}
    if indicator is not None:
        ind = next((i for i in catalog.indicators if i.id == indicator), None)
        if ind is None:
            raise EntryError(f"没有序号为 {indicator} 的指标")
        codes = {*ind.formula.element_codes(), f"indicator:{ind.id}"}
        items = codes if items is None else items & codes
    return sorted(items) if items is not None else None


@dataclass(frozen=True)
class ReviewFilters:
    unit: int | None = None
    indicator: int | None = None
    age: int = 0
    page: int = 1


def review_list(
    session: Session,
    catalog: Catalog,
    actor: Actor,
    region: str,
    tab: str,
    filters: ReviewFilters,
    today: date | None = None,
) -> dict[str, Any]:
    """One page of the review list of ``region`` (see the module docstring), with counts per tab."""
    if actor.is_unit:
        raise PermissionDenied(
            "审核页面供领导小组办公室、评审专家和领导使用；责任单位请在“数据填报”中查看本单位状态"
        )
    check_region(actor, region)
    if tab not in TABS:
        tab = "pending"
    if filters.age not in AGES:
        raise EntryError(f"等待天数只能选 {'、'.join(str(a) for a in AGES)}")
    day = today or datetime.now(UTC).date()
    items = _items_of(session, catalog, region, filters.unit, filters.indicator)
    years = round_years(current_round(session, region))
    latest = latest_map(session, region, years, items)

    def age(sub: Submission) -> int:
        d = _as_date(sub.created_at)
        return (day - d).days if d else 0

    shown = [s for s in latest.values() if age(s) >= filters.age]
    counts = {k: sum(s.status in st for s in shown) for k, (_, st) in TABS.items()}
    rows_all = sorted((s for s in shown if s.status in TABS[tab][1]), key=lambda s: (s.created_at, s.id))
    total = len(rows_all)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(1, filters.page), pages)
    subs = rows_all[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]

    prev_years = sorted({s.year - k for s in subs for k in range(1, PREVIOUS_YEARS + 1)})
    history = latest_map(session, region, prev_years, sorted({s.item_code for s in subs})) if subs else {}
    ev = evidence_of(session, [s.id for s in subs])
    people = people_labels(session, [s.created_by for s in subs])
    rows = []
    for s in subs:
        el, ind = resolve_item(catalog, s.item_code)
        d = submission_dict(s, ev.get(s.id, []))
        d["name"] = el.name if el else ind.name  # type: ignore[union-attr]
        d["suppliers"] = list(el.suppliers) if el else list(ind.responsible_units)  # type: ignore[union-attr]
        prev: list[dict[str, Any]] = []
        for k in range(PREVIOUS_YEARS, 0, -1):
            p = history.get((s.item_code, s.year - k))
            v = _value_num(p)
            prev.append({"year": s.year - k, "value": v, "value_text": f"{v:g}" if v is not None else None})
        before: float | None = prev[-1]["value"]
        change = relative_change(float(s.value_num) if s.value_num is not None else None, before)
        d["previous"] = prev
        d["change"] = change
        d["change_text"] = f"{change * 100:+.1f}%" if change is not None else None
        d["jump"] = change is not None and abs(change) > JUMP_THRESHOLD
        d["age_days"] = age(s)
        d["created_by_label"] = people.get(s.created_by, s.created_by)
        rows.append(d)
    units = [{"id": u.id, "name": u.name} for u, _ in unit_elements(session, catalog, region)]
    indicators = [{"id": i.id, "name": i.name} for i in catalog.indicators]
    return {
        "region": region,
        "tab": tab,
        "tabs": {k: v[0] for k, v in TABS.items()},
        "counts": counts,
        "rows": rows,
        "units": units,
        "indicators": indicators,
        "ages": {str(k): v for k, v in AGES.items()},
        "unit_filter": filters.unit,
        "indicator_filter": filters.indicator,
        "age_filter": filters.age,
        "page": page,
        "pages": pages,
        "page_size": PAGE_SIZE,
        "total": total,
        "jump_threshold": JUMP_THRESHOLD,
        "can_review": actor.role == "office",
    }


@dataclass(frozen=True)
class BatchRow:
    id: int
    ok: bool
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "ok": self.ok, "message": self.message}


def approve_many(ctx: Workspace, actor: Actor, rows: Sequence[tuple[int, int | None]]) -> list[BatchRow]:
    """Approve each ``(submission id, expected version)``; per-row results (see the module docstring)."""
    check_review(actor)
    if not rows:
        raise EntryError("请先勾选要审核通过的数据")
    if len(rows) > MAX_BATCH:
        raise EntryError(f"一次最多批量审核 {MAX_BATCH} 条（收到 {len(rows)} 条）")
    if len({i for i, _ in rows}) != len(rows):
        raise EntryError("同一条数据被重复勾选")
    out = []
    for sid, version in rows:
        try:
            sub = review(ctx, actor, sid, "approve", "", version)
        except (StoreError, EntryError) as exc:
            out.append(BatchRow(sid, False, str(exc)))
            continue
        except PermissionDenied as exc:  # e.g. a row of another region: reported, the others go on
            out.append(BatchRow(sid, False, exc.message))
            continue
        out.append(BatchRow(sid, True, f"{sub['item']} {sub['year']}年第 {sub['version']} 版已审核通过"))
    return out


def batch_message(results: Sequence[BatchRow]) -> tuple[str, str]:
    """The flash after a batch: ("ok" | "error", text naming the rows that failed and why)."""
    done = [r for r in results if r.ok]
    failed = [r for r in results if not r.ok]
    text = f"已批量审核通过 {len(done)} 条"
    if failed:
        reasons = "；".join(f"第 {r.id} 号：{r.message}" for r in failed[:10])
        more = f"；另有 {len(failed) - 10} 条" if len(failed) > 10 else ""
        return "error", f"{text}，{len(failed)} 条未通过（{reasons}{more}）"
    return "ok", text
