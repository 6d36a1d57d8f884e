"""情况说明 per indicator and year: where the figure comes from, what was done, why it moved.

The 情况说明技术报告 explains every indicator in prose written by its responsible unit: 数据来源
(publisher, document or yearbook, table/page, date), 工作开展情况 and 变化原因 (where the value moved
against the target). Each explanation is stored with the ordinary submission machinery as item
``explain:N`` (indicator N) and year — versions, submit → approve / return / reopen, audit — with
the text fields in the submission's provenance JSON and no value, exactly as ``official:N`` keeps
an officially published figure (:func:`liangshan.services.reconcile.save_official`). The office
reviews them through :func:`liangshan.services.values.review`; the report uses approved ones only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liangshan.catalog import Catalog
from liangshan.services.permissions import Actor, check_edit, check_view
from liangshan.services.queries import current_round, round_denial, submission_dict
from liangshan.services.values import ClosedError, EntryOutcome, lock_latest, locked_message
from liangshan.services.workspace import Workspace
from liangshan.store.errors import ConflictError, LockedError, NotFoundError, StoreError
from liangshan.store.models import Submission
from liangshan.store.regions import get_region
from liangshan.store.submissions import submit_value

EXPLAIN_PREFIX = "explain:"
EXPLAIN_KIND = "explanation"
FIELDS: dict[str, str] = {"source": "数据来源", "work": "工作开展情况", "cause": "变化原因"}
MAX_CHARS = 2000


class ExplanationError(StoreError):
    """An explanation that cannot be stored (empty or too long text)."""


def explain_key(indicator: int) -> str:
    return f"{EXPLAIN_PREFIX}{indicator}"


@dataclass(frozen=True)
class Explanation:
    """One indicator-year's 情况说明 as the unit wrote it."""

    indicator: int
    year: int
    source: str
    work: str
    cause: str = ""
    version: int = 0
    status: str = ""
    submission_id: int | None = None
    author: str = ""

    @property
    def text(self) -> str:
        return "".join(x for x in (self.work, self.cause) if x)


def clean(text: str) -> str:
    """Strip the text and join lines broken inside a sentence (no stray spaces between Chinese)."""
    lines = [ln.strip() for ln in str(text or "").splitlines()]
    out = ""
    for ln in lines:
        if not ln:
            continue
        if out and out[-1].isascii() and ln[:1].isascii() and out[-1].isalnum() and ln[:1].isalnum():
            out += " "
        out += ln
    return out


def check_fields(data: Mapping[str, Any]) -> dict[str, str]:
    """The three text fields, cleaned; 数据来源 and 工作开展情况 are required."""
    fields = {k: clean(str(data.get(k) or "")) for k in FIELDS}
    for k in ("source", "work"):
        if not fields[k]:
            raise ExplanationError(f"请填写“{FIELDS[k]}”")
    for k, label in FIELDS.items():
        if len(fields[k]) > MAX_CHARS:
            raise ExplanationError(f"“{label}”不超过 {MAX_CHARS} 字（现 {len(fields[k])} 字）")
    return fields


def from_submission(sub: Submission) -> Explanation:
    prov = sub.provenance or {}
    f = prov.get("explanation") or {}
    return Explanation(
        int(sub.item_code.split(":", 1)[1]),
        sub.year,
        str(f.get("source", "")),
        str(f.get("work", "")),
        str(f.get("cause", "")),
        sub.version,
        sub.status,
        sub.id,
        sub.created_by,
    )


def save_explanation(
    ctx: Workspace,
    actor: Actor,
    *,
    region: str,
    indicator: int,
    year: int,
    data: Mapping[str, Any],
    action: str = "submit",
    expected_version: int | None = None,
) -> EntryOutcome:
    """Save (``"save"``, draft) or submit the 情况说明 of ``indicator`` for ``year`` as a new version of
    ``explain:N``: permission (the indicator's responsible unit or the office), open round, approved
    lock and optimistic version are checked; nothing is written when any check fails."""
    if action not in ("save", "submit"):
        raise ExplanationError(f"未知操作：{action}（应为保存草稿或提交）")
    try:
        ind = ctx.catalog.indicator(indicator)
    except (KeyError, ValueError):
        raise NotFoundError(f"未知指标：{indicator}") from None
    item = explain_key(ind.id)
    check_edit(actor, ctx.catalog, region, item)
    fields = check_fields(data)
    with ctx.write() as s:
        get_region(s, region)
        closed = round_denial(current_round(s, region), region, year)
        if closed:
            raise ClosedError(closed)
        prev = lock_latest(s, region, item, year)
        if prev is not None and prev.status == "approved":
            raise LockedError(locked_message(s, prev))
        current = prev.version if prev else 0
        if expected_version is not None and expected_version != current:
            raise ConflictError(
                f"指标{ind.id}{year}年情况说明已被更新为第 {current} 版"
                f"（您编辑的是第 {expected_version} 版），请刷新后再保存"
            )
        provenance = {"kind": EXPLAIN_KIND, "indicator": ind.id, "explanation": fields}
        if prev is not None and (prev.provenance or {}) == provenance and prev.status in ("submitted",):
            return EntryOutcome(submission_dict(prev), [], False, "无变化，未产生新版本")
        sub = submit_value(
            s,
            region=region,
            item=item,
            year=year,
            value=None,
            user=actor.username,
            note=f"{ind.name}{year}年情况说明",
            provenance=provenance,
            status="draft" if action == "save" else "submitted",
        )
        s.flush()
        return EntryOutcome(
            submission_dict(sub),
            [],
            True,
            "已提交，待领导小组办公室审核" if action == "submit" else "已保存草稿",
        )


def list_explanations(
    session: Session,
    region: str,
    years: Iterable[int],
    *,
    approved_only: bool = True,
    indicator: int | None = None,
) -> dict[tuple[int, int], Explanation]:
    """The newest (approved, unless ``approved_only`` is False) explanation per (indicator, year)."""
    q = select(Submission).where(
        Submission.region_code == region,
        Submission.year.in_(list(years)),
        Submission.item_code.like(f"{EXPLAIN_PREFIX}%"),
    )
    if indicator is not None:
        q = q.where(Submission.item_code == explain_key(indicator))
    if approved_only:
        q = q.where(Submission.status == "approved")
    out: dict[tuple[int, int], Explanation] = {}
    for sub in session.scalars(q.order_by(Submission.item_code, Submission.year, Submission.version)):
        if sub.status == "superseded":
            continue
        e = from_submission(sub)
        out[(e.indicator, e.year)] = e
    return out


def explanations_for(
    ctx: Workspace, actor: Actor, region: str, indicator: int, years: Iterable[int]
) -> list[Explanation]:
    """What a unit or the office sees on the 情况说明 page: the newest version per year (any status)."""
    ind = ctx.catalog.indicator(indicator)
    check_view(actor, ctx.catalog, region, explain_key(ind.id))
    with ctx.read() as s:
        found = list_explanations(s, region, years, approved_only=False, indicator=ind.id)
    return [found[k] for k in sorted(found)]


def missing_explanations(
    catalog: Catalog, found: Mapping[tuple[int, int], Explanation], year: int
) -> list[tuple[int, str, str]]:
    """Indicators without an approved explanation for ``year``: (id, name, responsible unit)."""
    return [
        (i.id, i.name, "、".join(i.responsible_units))
        for i in catalog.indicators
        if (i.id, year) not in found
    ]


STATUS_TEXT = {
    "draft": "草稿",
    "submitted": "待审核",
    "returned": "已退回",
    "approved": "审核通过",
    "reopened": "已重新打开",
}


def _review_reasons(session: Session, submission_ids: Iterable[int | None]) -> dict[int, str]:
    """The reason of the newest return or reopen of each submission (what the office asked for)."""
    from liangshan.store.models import Review

    ids = [i for i in submission_ids if i is not None]
    if not ids:
        return {}
    rows = session.execute(
        select(Review.submission_id, Review.reason)
        .where(Review.submission_id.in_(ids), Review.action.in_(("return", "reopen")))
        .order_by(Review.id)
    )
    return {sid: reason for sid, reason in rows}


def explain_view(
    ctx: Workspace, actor: Actor, region: str, indicator: int, years: Iterable[int]
) -> dict[str, Any]:
    """The 情况说明 page of ``indicator``: per year the newest version (text, status, version) and whether
    ``actor`` may write it."""
    from liangshan.services.permissions import edit_denial

    try:
        ind = ctx.catalog.indicator(indicator)
    except (KeyError, ValueError):
        raise NotFoundError(f"未知指标：{indicator}") from None
    ys = list(years)
    found = {e.year: e for e in explanations_for(ctx, actor, region, ind.id, ys)}
    with ctx.read() as s:
        name = get_region(s, region).name
        reasons = _review_reasons(
            s, [e.submission_id for e in found.values() if e.status in ("returned", "reopened")]
        )
    rows = []
    for y in ys:
        e = found.get(y)
        rows.append(
            {
                "year": y,
                "source": e.source if e else "",
                "work": e.work if e else "",
                "cause": e.cause if e else "",
                "version": e.version if e else 0,
                "status": e.status if e else "",
                "status_label": STATUS_TEXT.get(e.status, e.status) if e else "未填写",
                "submission_id": e.submission_id if e else None,
                "reason": reasons.get(e.submission_id or 0, "") if e else "",
            }
        )
    return {
        "region": {"code": region, "name": name},
        "indicator": {
            "id": ind.id,
            "name": ind.name,
            "unit": ind.unit,
            "responsible_units": list(ind.responsible_units),
        },
        "years": rows,
        "editable": edit_denial(actor, ctx.catalog, region, explain_key(ind.id)) is None,
        "fields": FIELDS,
    }
