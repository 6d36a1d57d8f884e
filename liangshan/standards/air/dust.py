"""Days affected by sand and dust (沙尘天) and the rule for leaving them out of the evaluation.

The ministry's rule (HJ 663-2013): 《受沙尘天气过程影响城市空气质量评价补充规定》 (2016; document number
UNVERIFIED in SPEC) lets the PM10 and PM2.5 data of days affected by a declared sand-dust process be
deducted (扣沙) from the concentration evaluation; CNEMC's city reports deduct them from the PM10/PM2.5
concentrations but keep the days in 优良天数比例. Because the exact text was not available, the rule is
a documented, overridable parameter (:class:`DustRule`) whose default follows HJ 663-2013:

* ``exclude_pm_concentration=True`` — the PM10 and PM2.5 daily values of dust days are left out of the
  annual means and percentiles (and so of their attainment); every other pollutant is unchanged;
* ``exclude_from_good_day_ratio=False`` — dust days stay in 有效天数 and 优良天数 as computed.

With ``exclude_from_good_day_ratio=True`` dust days are removed from both 有效天数 and 优良天数.
Results are always reported twice: 不扣沙 (all days) and 扣沙 (under the rule).

Dust-day list file: CSV or text, UTF-8 (a BOM is allowed), one row per day or range, comma- or tab-separated:
``date[,document]`` where ``date`` is ``2026-03-15``, ``2026/3/15`` or ``20260315``, or a range
``2026-03-14~2026-03-16`` (also ``至``); ``document`` is the optional notice that declared the process. A
header row (first cell ``date`` or ``日期``), blank lines and lines starting with ``#`` are skipped.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from types import MappingProxyType

from liangshan.standards.air.errors import AirInputError

RULE_SOURCE = "《受沙尘天气过程影响城市空气质量评价补充规定》"
"""The applicable 技术规定 as HJ 663-2013 names it (its document number is UNVERIFIED there)."""
DUST_POLLUTANTS: tuple[str, ...] = ("pm10", "pm2_5")
"""Pollutants whose daily values a dust day removes from the concentration evaluation."""
MAX_RANGE_DAYS = 31
"""A single row may declare at most this many days (a longer range is most likely a typing error)."""

_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$|^(\d{4})(\d{2})(\d{2})$")
_RANGE = re.compile(r"\s*(?:~|～|至|—|--)\s*")


@dataclass(frozen=True)
class DustRule:
    """What a dust day removes (see the module docstring; defaults follow HJ 663-2013).

    Attributes
    ----------
    exclude_pm_concentration : bool
        Leave the PM10/PM2.5 daily values of dust days out of annual means and percentiles.
    exclude_from_good_day_ratio : bool
        Leave dust days out of 有效天数 and 优良天数.
    """

    exclude_pm_concentration: bool = True
    exclude_from_good_day_ratio: bool = False

    def describe(self) -> str:
        """The rule in Chinese, for reports and JSON."""
        conc = (
            "沙尘天的 PM10、PM2.5 日均值不参与年均值和百分位数统计" if self.exclude_pm_concentration else ""
        )
        ratio = (
            "沙尘天不计入有效天数和优良天数"
            if self.exclude_from_good_day_ratio
            else "沙尘天仍计入有效天数和优良天数"
        )
        return "；".join(part for part in (conc, ratio) if part) + f"（参照{RULE_SOURCE}，规则可调整）"


@dataclass(frozen=True)
class DustDays:
    """Declared dust days and, for each, the document that declared it ("" when not given)."""

    documents: MappingProxyType[date, str] = field(default_factory=lambda: MappingProxyType({}))
    source: str = ""

    @property
    def dates(self) -> tuple[date, ...]:
        """The days, sorted."""
        return tuple(sorted(self.documents))

    def in_year(self, year: int) -> list[dict[str, str]]:
        """Days of ``year`` as JSON-ready rows ``{"date", "document"}``."""
        return [{"date": d.isoformat(), "document": self.documents[d]} for d in self.dates if d.year == year]


def _parse_date(text: str, file: str, row: int) -> date:
    m = _DATE.match(text.strip())
    if not m:
        raise AirInputError(
            f"日期 {text!r} 无法识别，应为 2026-03-15、2026/3/15 或 20260315",
            file=file,
            row=row,
            column="date",
        )
    y, mo, d = (int(g) for g in (m.group(1, 2, 3) if m.group(1) else m.group(4, 5, 6)))
    try:
        return date(y, mo, d)
    except ValueError:
        raise AirInputError(f"日期 {text!r} 不存在", file=file, row=row, column="date") from None


def _parse_days(cell: str, file: str, row: int) -> list[date]:
    parts = _RANGE.split(cell.strip())
    if len(parts) == 1:
        return [_parse_date(parts[0], file, row)]
    if len(parts) != 2 or not parts[0] or not parts[1]:
        raise AirInputError(
            f"日期范围 {cell!r} 无法识别，应为 2026-03-14~2026-03-16", file=file, row=row, column="date"
        )
    start, end = _parse_date(parts[0], file, row), _parse_date(parts[1], file, row)
    if end < start:
        raise AirInputError(f"日期范围 {cell!r} 的结束日早于开始日", file=file, row=row, column="date")
    n = (end - start).days + 1
    if n > MAX_RANGE_DAYS:
        raise AirInputError(
            f"日期范围 {cell!r} 共 {n} 天，超过 {MAX_RANGE_DAYS} 天，请检查",
            file=file,
            row=row,
            column="date",
        )
    return [start + timedelta(days=i) for i in range(n)]


def parse_dust_days(text: str, file: str = "沙尘天列表") -> DustDays:
    """Parse the text of a dust-day list (format in the module docstring).

    Raises
    ------
    AirInputError
        Naming the file, the row (first line = row 1) and the column, for an unreadable or impossible date,
        a reversed or over-long range, or too many columns; nothing is returned when any row is bad.
    """
    docs: dict[date, str] = {}
    lines = text.lstrip("\ufeff").splitlines()
    dialect = "excel-tab" if any("\t" in ln for ln in lines) else "excel"
    first = True
    for row, cells in enumerate(csv.reader(io.StringIO("\n".join(lines)), dialect=dialect), start=1):
        cells = [c.strip() for c in cells]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if first and cells[0].lower() in ("date", "日期", "沙尘日期"):
            first = False
            continue
        first = False
        if len(cells) > 2 and any(cells[2:]):
            raise AirInputError(
                f"多出 {len(cells) - 2} 列：每行应为 日期[,发布文件]",
                file=file,
                row=row,
                column=str(len(cells)),
            )
        document = cells[1] if len(cells) > 1 else ""
        for day in _parse_days(cells[0], file, row):
            docs.setdefault(day, document)
    return DustDays(MappingProxyType(dict(sorted(docs.items()))), file)


def read_dust_days(path: str | Path) -> DustDays:
    """Read a dust-day list file (``.csv`` or ``.txt``, UTF-8).

    Raises
    ------
    AirInputError
        Missing or unreadable file, or a bad row (see :func:`parse_dust_days`).
    """
    p = Path(path)
    if not p.exists():
        raise AirInputError("沙尘天列表文件不存在", file=str(p))
    try:
        text = p.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise AirInputError("沙尘天列表文件不是 UTF-8 编码，请另存为 UTF-8", file=p.name) from None
    return parse_dust_days(text, p.name)
