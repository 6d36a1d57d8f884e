"""Checks of one entered value, shown inline while typing and enforced on save.

Errors block saving: not a number, negative, above the element's maximum, a count that is not a
whole number, and numerator > denominator for a ratio indicator that cannot exceed its maximum
(checked against the newest values of the other elements of the same region-year). A warning — a
year-on-year change larger than :data:`JUMP_THRESHOLD` — does not block a draft, but a submission
with a warning needs a note that explains it (DHIS2-style "comment required on outliers").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy.orm import Session

from liangshan.catalog.models import Catalog, DataElement, Indicator
from liangshan.store.submissions import latest
from liangshan.store.values_io import _parse_value, _range_problem

JUMP_THRESHOLD = 0.30  # relative year-on-year change that asks for an explanation (a choice, see docs/web.md)
MAX_TEXT = 2000  # characters of a note


class EntryError(ValueError):
    """A value or note that cannot be stored, with the reason for the user."""


@dataclass(frozen=True)
class Check:
    level: str  # error | warning
    message: str


def parse_value(
    raw: str | float | bool | None, element: DataElement | None, indicator: Indicator | None
) -> float | bool:
    """The typed value from form or JSON input; :class:`EntryError` says what was expected."""
    boolean = (element is not None and element.kind == "boolean") or (
        indicator is not None and indicator.target.rule == "established"
    )
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise EntryError("请填写数值" if not boolean else "请选择 是/否")
    if isinstance(raw, str) and len(raw) > 50:
        raise EntryError("数值过长（应为一个数字）")
    if boolean and isinstance(raw, bool):
        return raw
    try:
        value = _parse_value(raw, boolean)
    except ValueError as e:
        raise EntryError(str(e)) from None
    if not isinstance(value, bool) and not math.isfinite(value):
        raise EntryError(f"应为有限数值，收到“{raw}”")
    return value


def check_note(note: str) -> str:
    text = note.replace("\r\n", "\n").strip()
    if len(text) > MAX_TEXT:
        raise EntryError(f"备注最多 {MAX_TEXT} 字（现有 {len(text)} 字）")
    if any(ord(c) < 32 and c not in "\n\t" for c in text):
        raise EntryError("备注含有不可见的控制字符")
    return text


def _current(session: Session, region: str, item: str, year: int) -> float | None:
    sub = latest(session, region, item, year)
    if sub is None or sub.value_num is None or sub.status == "returned":
        return None
    return sub.value_num


def check_value(
    session: Session,
    catalog: Catalog,
    region: str,
    item: str,
    year: int,
    value: float | bool,
    element: DataElement | None,
    indicator: Indicator | None,
) -> list[Check]:
    """Errors and warnings for ``value`` of ``item`` in ``region`` and ``year``."""
    if isinstance(value, bool):
        return []
    out: list[Check] = []
    problem = _range_problem(float(value), element, indicator)
    if problem:
        return [Check("error", problem)]
    if element is not None:
        for ind in catalog.indicators_using(element.code):
            f = ind.formula
            if f.kind != "ratio" or ind.max_value is None:
                continue
            vals: dict[str, float | None] = {
                c: float(value) if c == element.code else _current(session, region, c, year)
                for c in f.element_codes()
            }
            if any(v is None for v in vals.values()):
                continue
            num = sum(vals[c] or 0.0 for c in f.numerator)
            den = sum(vals[c] or 0.0 for c in f.denominator)
            if den > 0 and num / den * f.scale > ind.max_value:
                out.append(
                    Check(
                        "error",
                        f"指标{ind.id}“{ind.name}”将为 {num / den * f.scale:.1f}{ind.unit}，超过 "
                        f"{ind.max_value:g}{ind.unit}：分子（{num:g}）不能大于分母（{den:g}）",
                    )
                )
    for other in (year - 1, year + 1):
        ref = _current(session, region, item, other)
        if ref is None or ref == 0:
            continue
        change = (float(value) - ref) / abs(ref)
        if abs(change) > JUMP_THRESHOLD:
            out.append(
                Check(
                    "warning",
                    f"与{other}年（{ref:g}）相比变化 {change * 100:+.0f}%，"
                    f"超过 ±{JUMP_THRESHOLD * 100:.0f}%，"
                    "提交时须在备注中说明原因",
                )
            )
            break
    return out
