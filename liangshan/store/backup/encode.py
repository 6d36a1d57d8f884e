"""Type-faithful encoding of a cell as JSON, and back (see the package docstring for the rules)."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Date, DateTime, Float, Integer, Numeric, String, Text

from liangshan.store.backup.archive import BackupError


def column_kind(col: Column[Any]) -> str:
    """The archive type of a column (``json``, ``bool``, ``datetime``, ``date``, ``int``, ``float`` …)."""
    t = col.type
    if isinstance(t, JSON):
        return "json"
    if isinstance(t, Boolean):
        return "bool"
    if isinstance(t, DateTime):
        return "datetime"
    if isinstance(t, Date):
        return "date"
    if isinstance(t, Integer):
        return "int"
    if isinstance(t, Float):
        return "float"
    if isinstance(t, Numeric):
        return "decimal"
    if isinstance(t, String):
        return "str"
    raise BackupError(f"不支持备份的列类型：{col.table.name}.{col.name}（{t!r}）")


def _utc(v: datetime) -> datetime:
    return v.replace(tzinfo=UTC) if v.tzinfo is None else v.astimezone(UTC)


def encode_cell(kind: str, v: Any) -> Any:
    """The JSON value archived for a cell of type ``kind`` (see the package docstring for the rules)."""
    if v is None:
        return None
    if kind == "float":
        f = float(v)
        return f if math.isfinite(f) else ("nan" if math.isnan(f) else ("inf" if f > 0 else "-inf"))
    if kind == "datetime":
        return _utc(v).isoformat()
    if kind == "date":
        return v.isoformat()
    if kind == "json":
        return [json.loads(v)]  # the column was read as its stored JSON text
    if kind == "decimal":
        return str(v)
    if kind == "bool":
        return bool(v)
    return v


def decode_cell(kind: str, v: Any) -> Any:
    """The Python value to insert for an archived cell; raises ValueError/TypeError if malformed."""
    if v is None:
        return None
    if kind == "int":
        if isinstance(v, bool) or not isinstance(v, int):
            raise TypeError("应为整数")
        return v
    if kind == "float":
        if isinstance(v, str) and v in ("nan", "inf", "-inf"):
            return float(v)
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise TypeError("应为数值")
        return float(v)
    if kind == "bool":
        if not isinstance(v, bool):
            raise TypeError("应为 true/false")
        return v
    if kind in ("str", "decimal"):
        if not isinstance(v, str):
            raise TypeError("应为字符串")
        return Decimal(v) if kind == "decimal" else v
    if kind == "datetime":
        dt = datetime.fromisoformat(v)
        if dt.tzinfo is None:
            raise ValueError("时间缺少时区")
        return dt.astimezone(UTC)
    if kind == "date":
        return date.fromisoformat(v)
    if kind == "json":
        if not isinstance(v, list) or len(v) != 1:
            raise TypeError("JSON 列应为 null 或单元素列表")
        return JSON.NULL if v[0] is None else v[0]
    raise TypeError(f"未知列类型 {kind}")


CELL_TYPES: dict[str, Any] = {
    "int": Integer,
    "float": Float,
    "bool": Boolean,
    "str": Text,
    "decimal": Numeric,
    "datetime": lambda: DateTime(timezone=True),
    "date": Date,
    "json": lambda: JSON(none_as_null=True),  # None → SQL NULL, JSON.NULL → JSON null
}
