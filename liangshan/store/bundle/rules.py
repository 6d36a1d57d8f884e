"""The entry rules a bundle's register records must meet: the same functions the services call before
they write a title, the base status, an incident or a contribution (:mod:`liangshan.store.record_rules`).

A bundle is written by another instance, or edited by hand; a record the county office could not have
entered there (a base 已命名 without a naming date, a title without its awarding document, an incident
marked 已整改 without the date it was done …) is refused with the record and the rule named, before
anything is written. A record must also be written as the service would have stored it (trimmed text,
dates with ``-``; a 重特大突发环境事件 or 中央生态环境保护督察 finding marked serious), so that an imported
record reads and compares like one entered here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from liangshan.catalog import Catalog
from liangshan.store.bundle.format import bundle_error
from liangshan.store.errors import EntryError
from liangshan.store.record_rules import (
    DATE_FIELDS,
    DOC_FIELDS,
    SERIOUS_KINDS,
    check_comment,
    check_contribution_parts,
    check_incident,
    check_later_step,
    check_status,
    check_title,
)

TITLE_FIELDS = (
    "name",
    "level",
    "awarding_body",
    "document",
    "awarded_on",
    "valid_until",
    "evidence",
    "example",
)
#: Field → how the entry forms name it, for a record not written as the service stores it.
LABELS = {
    "name": "称号名称",
    "level": "级别",
    "awarding_body": "授予机关",
    "document": "授予文件",
    "awarded_on": "授予日期",
    "valid_until": "有效期至",
    "evidence": "佐证",
    "example": "示例标记",
    "status": "状态",
    "note": "说明",
    "kind": "问题类别",
    "occurred_on": "发生/交办日期",
    "title": "问题",
    "description": "情况说明",
    "responsible_unit": "责任单位",
    "due_on": "整改期限",
    "done_on": "完成日期",
    "comment": "说明",
    **DATE_FIELDS,
    **DOC_FIELDS,
}


def record_label(kind: str, data: Mapping[str, Any], catalog: Catalog | None = None) -> str:
    """The record as a county user names it (基地状态“已命名”, a data element by its name …)."""
    if kind == "title":
        return f"称号“{data.get('name')}”（{data.get('awarded_on')} 授予）"
    if kind == "base_status":
        return f"基地状态“{data.get('status')}”"
    if kind == "incident":
        return f"问题“{data.get('title')}”（{data.get('occurred_on')}）"
    code = str(data.get("item"))
    names = {e.code: e.name for e in catalog.data_elements} if catalog is not None else {}
    item = names.get(code, code)  # read_bundle has checked the element exists in the bundle's set
    return f"分项数据“{item}”{data.get('year')}年 {data.get('unit_name')}"


def _as_stored(clean: Mapping[str, Any], data: Mapping[str, Any], where: str = "") -> None:
    """``data`` holds each cleaned field as the service would have stored it."""
    for f, v in clean.items():
        if f in data and data[f] != v:
            raise EntryError(f"{where}{LABELS.get(f, f)}应为“{v}”（录入时保存的写法），数据包中为“{data[f]}”")


def _incident(data: Mapping[str, Any]) -> None:
    steps = sorted(data["updates"], key=lambda u: _utc(u["at"]))  # the history as the register reads it
    first, later = steps[0], steps[1:]
    step_fields = ("status", "due_on", "done_on", "note", "evidence")
    clean = check_incident({**{k: v for k, v in data.items() if k != "updates"},
                            **{k: first[k] for k in step_fields}})  # fmt: skip
    if data["kind"] in SERIOUS_KINDS and not data["serious"]:
        raise EntryError(f"“{data['kind']}”问题一律为严重问题，数据包中未标为严重问题")
    _as_stored(clean["entry"], data)
    _as_stored(clean["step"], first, "第 1 条整改记录的")
    for i, u in enumerate(later, start=2):
        try:
            step = check_later_step(data["occurred_on"], **{k: u[k] for k in step_fields})
        except EntryError as e:
            raise EntryError(f"第 {i} 条整改记录：{e}") from None
        _as_stored(step, u, f"第 {i} 条整改记录的")


def _utc(text: str) -> datetime:
    at = datetime.fromisoformat(text)
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def check_record_rules(
    p: Path, where: str, kind: str, data: Mapping[str, Any], catalog: Catalog | None = None
) -> None:
    """Refuse (:class:`~liangshan.store.bundle.format.BundleError`) a title, base status, incident or
    contribution record that breaks an entry rule, naming the record (a data element by its name in
    ``catalog``, the bundle's indicator set) and the rule."""
    try:
        if kind == "title":
            _as_stored(check_title(**{k: data[k] for k in TITLE_FIELDS}), data)
        elif kind == "base_status":
            _as_stored(check_status(data), data)
        elif kind == "incident":
            _incident(data)
        elif kind == "contribution":
            _as_stored({"comment": check_comment(data["comment"])}, data)
            check_contribution_parts(data["value_num"], data["comment"], data["evidence"] is not None)
        else:
            return
    except EntryError as e:
        raise bundle_error(
            p,
            where,
            f"{record_label(kind, data, catalog)}不符合录入规则：{e}",
            "breaks a rule the services enforce on entry",
        ) from None
