"""Checks of one entered value, shown inline while typing and enforced on save.

Errors block saving: not a number, negative, above the element's maximum, a count that is not a
whole number, and numerator > denominator for a ratio indicator that cannot exceed its maximum
(checked against the newest values of the other elements of the same region-year). A warning — a
year-on-year change larger than :data:`JUMP_THRESHOLD` — does not block a draft, but a submission
with a warning needs a note that explains it (DHIS2-style "comment required on outliers").
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy.orm import Session

from liangshan.catalog.models import Catalog, DataElement, Indicator
from liangshan.store.errors import EntryError as EntryError  # in the store: its record rules raise it too
from liangshan.store.record_rules import clean_text
from liangshan.store.record_rules import range_problem as range_problem  # the rule lives with the others
from liangshan.store.submissions import latest

JUMP_THRESHOLD = 0.30  # relative year-on-year change that asks for an explanation (a choice, see docs/web.md)
MAX_TEXT = 2000  # characters of a note
MAX_NUMBER = 50  # characters of one typed number
TRUE = frozenset({"是", "true", "1", "yes", "y", "有"})
FALSE = frozenset({"否", "false", "0", "no", "n", "无"})


@dataclass(frozen=True)
class Check:
    level: str  # error | warning
    message: str


_NUMBER = re.compile(r"[+-]?(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)?(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?")
_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?")
_NON_FINITE = {"nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}


def _shown(raw: object) -> str:
    text = str(raw)
    return text if len(text) <= 20 else text[:20] + "…"


def parse_number(raw: object) -> float:
    """One number from a form field, a JSON body, an Excel cell or a CSV cell.

    Accepted: ``1234.5``, ``-3``, ``1e5``, full-width digits, and thousands separators only in groups of
    exactly three digits (``1,234.5``; the Chinese comma ``，`` counts as a comma). Refused with a
    Chinese :class:`EntryError`: empty, longer than :data:`MAX_NUMBER` characters, ``NaN``/``inf`` and
    anything that overflows a double (``1e400``), an ambiguous separator (``12,5`` — a decimal comma or
    a typo?), underscores (``1_000``), booleans and any other text. The value is exact as typed: no
    rounding here (reporting precision is applied by the target rules, GB/T 8170).
    """
    if isinstance(raw, bool):
        raise EntryError(f"应为数值，收到“{'是' if raw else '否'}”")
    if isinstance(raw, int):
        try:
            value = float(raw)
        except OverflowError:
            raise EntryError(f"应为有限数值，“{_shown(raw)}”超出范围（溢出）") from None
        return value
    if isinstance(raw, float):
        if math.isnan(raw) or math.isinf(raw):
            raise EntryError(f"应为有限数值，收到“{raw}”")
        return raw
    if raw is None:
        raise EntryError("请填写数值")
    text = unicodedata.normalize("NFKC", str(raw)).strip().replace("，", ",")
    if not text:
        raise EntryError("请填写数值")
    if len(text) > MAX_NUMBER:
        raise EntryError("数值过长（应为一个数字）")
    if text.lower() in _NON_FINITE:
        raise EntryError(f"应为有限数值，收到“{_shown(raw)}”")
    if "_" in text:
        raise EntryError(f"数值不能含下划线“_”，收到“{_shown(raw)}”")
    if not _NUMBER.fullmatch(text) or not any(c.isdigit() for c in text):
        if "," in text and re.fullmatch(r"[+-]?[0-9,]+(?:\.[0-9]+)?", text):
            raise EntryError(
                f"数值“{_shown(raw)}”中的逗号有歧义：小数点请用“.”，千分位逗号须每 3 位一组（如 1,234.5）"
            )
        raise EntryError(f"应为数值，收到“{_shown(raw)}”")
    if "," in text and not _GROUPED.fullmatch(text):
        raise EntryError(
            f"数值“{_shown(raw)}”中的逗号有歧义：小数点请用“.”，千分位逗号须每 3 位一组（如 1,234.5）"
        )
    value = float(text.replace(",", ""))
    if math.isinf(value):
        raise EntryError(f"应为有限数值，“{_shown(raw)}”超出范围（溢出）")
    return value


def parse_boolean(raw: object) -> bool:
    """是/否 (also true/false, 1/0, yes/no, 有/无); anything else is refused."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float) and raw in (0, 1):
        return bool(raw)
    text = unicodedata.normalize("NFKC", "" if raw is None else str(raw)).strip().lower()
    if not text:
        raise EntryError("请选择 是/否")
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise EntryError(f"应为 是/否，收到“{_shown(raw)}”")


def is_boolean(element: DataElement | None, indicator: Indicator | None) -> bool:
    return (element is not None and element.kind == "boolean") or (
        indicator is not None and indicator.target.rule == "established"
    )


def parse_value(raw: object, element: DataElement | None, indicator: Indicator | None) -> float | bool:
    """The typed value from form, JSON, Excel, CSV or calculator input; :class:`EntryError` says what
    was expected. The one parser of every entry point (web form, JSON API, Excel import,
    ``liangshan import``, calculator output)."""
    if is_boolean(element, indicator):
        return parse_boolean(raw)
    return parse_number(raw)


def check_note(note: str) -> str:
    """A value's note (备注): at most :data:`MAX_TEXT` characters, no control characters."""
    return clean_text(note, "备注", MAX_TEXT)


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
    problem = range_problem(float(value), element, indicator)
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
