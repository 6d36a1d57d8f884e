"""The rules of a region's register records, written once for the services that take them in and the
region bundles that carry them between instances.

A title (称号登记簿, :mod:`liangshan.services.titles`), the base status (基地状态,
:mod:`liangshan.services.base_status`), an incident with its rectification steps (问题整改台账,
:mod:`liangshan.services.incidents`) and a contribution to a shared element (分项数据,
:mod:`liangshan.services.contributions`) are checked here: the services before they write one, the
bundle import (:mod:`liangshan.store.bundle.read`) before it writes anything, so that a bundle cannot
bring in a record the county office could not have entered. Pure functions (no database): each returns
the cleaned record or raises :class:`~liangshan.store.errors.EntryError` naming the field and the rule,
in Chinese.

Basis: 《“绿水青山就是金山银山”实践创新基地建设管理规程》 (生态环境部, 2024-02-01) for the base's status
and dates (申报 → 命名 → 复核; a named base has a naming date, whose year is the baseline of 后评估); the
work plan's 附件2 indicator 16 (国际国内生态文化品牌) for the levels of a title; the conventions of this
system (本系统约定, docs/after-naming.md) for the register of incidents.

The range of a value (:func:`range_problem`: not negative, within the element's or indicator's maximum, a
count whole) is here too: the services check every value entered, imported or contributed with it, and the
bundle import every value and contribution a bundle carries.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from liangshan.catalog.models import DataElement, Indicator
from liangshan.store.errors import EntryError
from liangshan.store.models_after import BASE_STATUSES, INCIDENT_KINDS, INCIDENT_STATES

# ---- dates -------------------------------------------------------------------------------------------
_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


def parse_date(text: str | None, field: str, *, required: bool) -> str | None:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (``/`` and ``.`` read as ``-``; checked to be a real date
    between 1949 and 2100), or None when empty."""
    t = (text or "").strip().replace("/", "-").replace(".", "-")
    if not t:
        if required:
            raise EntryError(f"{field}不能为空（格式 YYYY-MM-DD，或只写年份 YYYY）")
        return None
    m = _DATE.match(t)
    if m is None:
        raise EntryError(f"{field}格式应为 YYYY-MM-DD（或 YYYY、YYYY-MM），收到：{text}")
    y, mo, d = int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1)
    try:
        date(y, mo, d)
    except ValueError:
        raise EntryError(f"{field}不是有效日期：{text}") from None
    if not 1949 <= y <= 2100:
        raise EntryError(f"{field}的年份应在 1949—2100 之间，收到：{y}")
    return t


def first_day(text: str) -> str:
    """The first day a partial date can mean (``2019`` → ``2019-01-01``)."""
    parts = text.split("-")
    return "-".join([parts[0], *[*parts[1:], "01", "01"][:2]])


def last_day(text: str) -> str:
    """The last day a partial date can mean (``2030`` → ``2030-12-31``; months end at 31, a bound)."""
    parts = text.split("-")
    return "-".join([parts[0], *[*parts[1:], "12", "31"][:2]])


def text(value: Any, label: str, limit: int, *, required: bool = False) -> str:
    """A text field without surrounding spaces, at most ``limit`` characters (and not empty when
    ``required``)."""
    t = str(value or "").strip()
    if required and not t:
        raise EntryError(f"{label}不能为空")
    if len(t) > limit:
        raise EntryError(f"{label}不超过{limit}字")
    return t


# ---- titles (称号登记簿) -----------------------------------------------------------------------------
LEVELS = ("国际", "国家", "省")


def check_title(
    *,
    name: str,
    level: str,
    awarding_body: str,
    document: str,
    awarded_on: str,
    valid_until: str | None = None,
    evidence: str = "",
    example: bool = False,
) -> dict[str, Any]:
    """A register entry, cleaned: name, awarding body and document (文号或公告名称) are required — a
    title needs its awarding document —, the level one of :data:`LEVELS`, the date awarded a (partial)
    date and ``valid_until`` not before it."""
    name, awarding_body, document = name.strip(), awarding_body.strip(), document.strip()
    if not name:
        raise EntryError("称号名称不能为空")
    if len(name) > 200 or len(awarding_body) > 200 or len(document) > 300:
        raise EntryError("称号名称、授予机关不超过200字，授予文件不超过300字")
    if level not in LEVELS:
        raise EntryError(f"级别应为 {'、'.join(LEVELS)} 之一，收到：{level or '（空）'}")
    if not awarding_body:
        raise EntryError("授予机关不能为空")
    if not document:
        raise EntryError("授予文件（文号或公告名称）不能为空：称号须有授予文件为据")
    start = parse_date(awarded_on, "授予日期", required=True)
    until = parse_date(valid_until, "有效期至", required=False)
    assert start is not None
    if until is not None and last_day(until) < first_day(start):
        raise EntryError(f"有效期至 {until} 早于授予日期 {start}")
    return {
        "name": name,
        "level": level,
        "awarding_body": awarding_body,
        "document": document,
        "awarded_on": start,
        "valid_until": until,
        "evidence": evidence.strip(),
        "example": bool(example),
    }


# ---- the base's status (基地状态, 管理规程 2024) -------------------------------------------------------
NAMED_STATUSES = ("已命名", "复核中", "复核通过", "撤销")
DATE_FIELDS = {
    "started_on": "启动创建日期",
    "applied_on": "申报日期",
    "named_on": "命名日期",
    "reviewed_on": "复核日期",
}
DOC_FIELDS = {"applied_doc": "申报文件", "named_doc": "命名文件", "review_doc": "复核文件"}


def check_status(fields: Mapping[str, Any]) -> dict[str, Any]:
    """A complete status record, cleaned (status, dates, documents, note, example): a status after
    创建中 needs the date applied, a named one (已命名, 复核中, 复核通过, 撤销) the naming date, 复核通过 the
    review date, and the dates follow each other (启动创建 ≤ 申报 ≤ 命名 ≤ 复核)."""
    status = str(fields.get("status") or "").strip()
    if status not in BASE_STATUSES:
        raise EntryError(f"基地状态应为 {'、'.join(BASE_STATUSES)} 之一，收到：{status or '（空）'}")
    clean: dict[str, Any] = {"status": status}
    for f, label in DATE_FIELDS.items():
        clean[f] = parse_date(fields.get(f), label, required=False)
    for f, label in DOC_FIELDS.items():
        doc = str(fields.get(f) or "").strip()
        if len(doc) > 300:
            raise EntryError(f"{label}不超过300字")
        clean[f] = doc
    clean["note"] = str(fields.get("note") or "").strip()
    clean["example"] = bool(fields.get("example"))
    if status != "创建中" and clean["applied_on"] is None:
        raise EntryError(f"状态为“{status}”时须填写申报日期")
    if status in NAMED_STATUSES and clean["named_on"] is None:
        raise EntryError(f"状态为“{status}”时须填写命名日期（命名年份即后评估的基准年）")
    if status == "复核通过" and clean["reviewed_on"] is None:
        raise EntryError("状态为“复核通过”时须填写复核日期")
    order = [(f, clean[f]) for f in DATE_FIELDS if clean[f] is not None]
    for (f0, d0), (f1, d1) in itertools.pairwise(order):
        if last_day(d1) < first_day(d0):
            raise EntryError(f"{DATE_FIELDS[f1]} {d1} 早于{DATE_FIELDS[f0]} {d0}")
    return clean


# ---- incidents and their rectification (问题整改台账, 本系统约定) -----------------------------------------
SERIOUS_KINDS = ("重特大突发环境事件", "中央生态环境保护督察")
DONE = "已整改"


def check_step(status: str, due_on: str | None, done_on: str | None, since: str) -> dict[str, Any]:
    """A rectification step's status and dates, cleaned: 已整改 needs the date it was done (and only
    it has one); neither date is before the incident's date ``since``."""
    if status not in INCIDENT_STATES:
        raise EntryError(f"整改状态应为 {'、'.join(INCIDENT_STATES)} 之一，收到：{status or '（空）'}")
    due = parse_date(due_on, "整改期限", required=False)
    done = parse_date(done_on, "完成日期", required=False)
    if status == DONE and done is None:
        raise EntryError("状态为“已整改”时须填写完成日期")
    if status != DONE and done is not None:
        raise EntryError(f"状态为“{status}”时不应填写完成日期")
    for d, label in ((due, "整改期限"), (done, "完成日期")):
        if d is not None and last_day(d) < first_day(since):
            raise EntryError(f"{label} {d} 早于问题发生/交办日期 {since}")
    return {"status": status, "due_on": due, "done_on": done}


def check_incident(fields: Mapping[str, Any]) -> dict[str, Any]:
    """A new entry with its first rectification step, cleaned: ``entry`` (kind, occurred_on, title,
    description, responsible_unit, serious, example) and ``step`` (status — 整改中 when not given —,
    due_on, done_on, note, evidence). 重特大突发环境事件 and 中央生态环境保护督察 findings are always
    serious."""
    kind = str(fields.get("kind") or "").strip()
    if kind not in INCIDENT_KINDS:
        raise EntryError(f"问题类别应为 {'、'.join(INCIDENT_KINDS)} 之一，收到：{kind or '（空）'}")
    occurred = parse_date(fields.get("occurred_on"), "发生/交办日期", required=True)
    assert occurred is not None
    entry = {
        "kind": kind,
        "occurred_on": occurred,
        "title": text(fields.get("title"), "问题", 200, required=True),
        "description": text(fields.get("description"), "情况说明", 4000),
        "responsible_unit": text(fields.get("responsible_unit"), "责任单位", 100, required=True),
        "serious": kind in SERIOUS_KINDS or bool(fields.get("serious")),
        "example": bool(fields.get("example")),
    }
    evidence = text(fields.get("evidence"), "佐证", 2000)
    note = text(fields.get("note"), "整改情况", 2000)
    step = check_step(str(fields.get("status") or "整改中"), fields.get("due_on"), fields.get("done_on"),
                      occurred)  # fmt: skip
    return {"entry": entry, "step": {**step, "note": note, "evidence": evidence}}


def check_later_step(
    since: str, *, status: str, note: str, due_on: str | None, done_on: str | None, evidence: str
) -> dict[str, Any]:
    """A rectification step after the first, cleaned: it needs a note (整改情况说明)."""
    note_t = text(note, "整改情况说明", 2000, required=True)
    ev = text(evidence, "佐证", 2000)
    return {**check_step(status, due_on, done_on, since), "note": note_t, "evidence": ev}


# ---- contributions to a shared element (分项数据) ------------------------------------------------------
MAX_COMMENT = 1000  # characters of a contribution's comment


def clean_text(text: str, what: str, limit: int) -> str:
    """Free text as stored: line ends as ``\\n``, trimmed, at most ``limit`` characters, no control
    characters but line ends and tabs; ``what`` names it in the message (说明, 备注)."""
    clean = text.replace("\r\n", "\n").strip()
    if len(clean) > limit:
        raise EntryError(f"{what}最多 {limit} 字（现有 {len(clean)} 字）")
    if any(ord(c) < 32 and c not in "\n\t" for c in clean):
        raise EntryError(f"{what}含有不可见的控制字符")
    return clean


def check_comment(comment: str) -> str:
    """A contribution's comment: at most :data:`MAX_COMMENT` characters, no control characters."""
    return clean_text(comment, "说明", MAX_COMMENT)


def check_contribution_parts(part: float | None, comment: str, has_evidence: bool) -> None:
    """A contribution carries something: a numeric part, a comment or an evidence file (at least one)."""
    if part is None and not comment and not has_evidence:
        raise EntryError("请填写分项数值、说明或附佐证材料（至少一项）")


# ---- values ------------------------------------------------------------------------------------------
def range_problem(v: float, elem: DataElement | None, ind: Indicator | None) -> str | None:
    """Why ``v`` is out of range for the element or indicator (None = in range): negative, above the
    element's maximum (e.g. 366 days), a count that is not whole, above the indicator's maximum."""
    if not math.isfinite(v):
        return f"应为有限数值（{v}）"
    if v < 0:
        return f"不能为负数（{v:g}）"
    if elem is not None:
        if elem.max is not None and v > elem.max:
            return f"{elem.name}不能超过 {elem.max:g}{elem.unit}（{v:g}）"
        if elem.kind == "count" and v != int(v):
            return f"{elem.name}应为整数（{v:g}）"
    if ind is not None and ind.max_value is not None and v > ind.max_value:
        return f"{ind.name}不能超过 {ind.max_value:g}{ind.unit}（{v:g}）"
    return None
