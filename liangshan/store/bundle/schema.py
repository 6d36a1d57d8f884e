"""The shape of a bundle's records: a predicate per field for each record type."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from liangshan.store.bundle.format import REGION_CODE_RE, SHA256_RE
from liangshan.store.models_after import BASE_STATUSES, INCIDENT_KINDS, INCIDENT_STATES


def is_int(v: Any) -> bool:
    """An integer that is not a boolean."""
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def check_fields(spec: Mapping[str, Any], data: Mapping[str, Any]) -> str | None:
    """``spec``: field → predicate. Returns the first bad field's name."""
    for name, ok in spec.items():
        if name not in data or not ok(data[name]):
            return name
    return None


def optional(pred: Any) -> Any:
    """``pred`` that also accepts ``None``."""
    return lambda v: v is None or pred(v)


def _is_str(v: Any) -> bool:
    return isinstance(v, str)


def is_iso(v: Any) -> bool:
    """An ISO 8601 date or timestamp string."""
    if not isinstance(v, str):
        return False
    try:
        datetime.fromisoformat(v)
    except ValueError:
        return False
    return True


def _text(limit: int) -> Any:
    return lambda v: isinstance(v, str) and len(v) <= limit


_PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def is_partial_date(v: Any) -> bool:
    """A date as the after-naming records keep it: ``YYYY-MM-DD``, or ``YYYY``/``YYYY-MM`` when only
    those are known (:func:`liangshan.store.record_rules.parse_date`); the date must exist."""
    if not isinstance(v, str) or not _PARTIAL_DATE.match(v):
        return False
    full = v + "-01" * (2 - v.count("-"))
    try:
        datetime.strptime(full, "%Y-%m-%d")
    except ValueError:
        return False
    return True


def _is_bool(v: Any) -> bool:
    return isinstance(v, bool)


_REGION_SPEC = {
    "code": lambda v: isinstance(v, str) and bool(REGION_CODE_RE.match(v)),
    "name": lambda v: isinstance(v, str) and 0 < len(v) <= 100,
    "level": _text(20),
    "parent_code": optional(lambda v: isinstance(v, str) and bool(REGION_CODE_RE.match(v))),
    "terrain_zone": optional(_text(10)),
    "zone_shares": optional(lambda v: isinstance(v, dict) and all(_is_num(x) for x in v.values())),
    "land_area_km2": optional(_is_num),
    "population": optional(is_int),
    "note": _is_str,
}
_ROUND_SPEC = {
    "name": _text(100),
    "start_year": is_int,
    "end_year": is_int,
    "deadline": optional(_text(10)),
    "state": _text(20),
}
_CATALOG_SPEC = {"catalog_set": lambda v: isinstance(v, str) and 0 < len(v) <= 40, "version": _text(40)}
_OVERRIDE_SPEC = {"indicator_id": is_int, "params": lambda v: isinstance(v, dict), "note": _is_str}
_TITLE_SPEC = {  # a title of the register (称号登记簿, liangshan.services.titles)
    "name": _text(200),
    "level": _text(10),
    "awarding_body": _text(200),
    "document": _text(300),
    "awarded_on": _text(10),
    "valid_until": optional(_text(10)),
    "evidence": _is_str,
    "example": lambda v: isinstance(v, bool),
}
_EVIDENCE_SPEC = {
    "sha256": lambda v: isinstance(v, str) and bool(SHA256_RE.match(v)),
    "filename": lambda v: isinstance(v, str) and 0 < len(v) <= 255,
    "content_type": _text(100),
    "size": lambda v: is_int(v) and v >= 0,
}
REVIEW_SPEC = {
    "action": _is_str,
    "from": _is_str,
    "to": _is_str,
    "reason": _is_str,
    "actor": _is_str,
    "at": is_iso,
}
_SUBMISSION_SPEC = {
    "id": is_int,
    "item": _is_str,
    "year": is_int,
    "version": lambda v: is_int(v) and v >= 1,
    "value_num": optional(_is_num),
    "value_bool": optional(lambda v: isinstance(v, bool)),
    "unit": _text(20),
    "note": _is_str,
    "provenance": optional(lambda v: isinstance(v, dict)),
    "status": lambda v: v == "approved",
    "round": optional(lambda v: isinstance(v, dict)),
    "created_by": _is_str,
    "created_at": is_iso,
    "evidence": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    "reviews": lambda v: isinstance(v, list) and all(isinstance(x, dict) for x in v),
    "approved_by": optional(_is_str),
    "approved_at": optional(is_iso),
}
_CONTRIBUTION_SPEC = {  # a cooperating unit's part of a shared element (liangshan.services.contributions)
    "item": _text(64),
    "year": is_int,
    "unit_name": lambda v: isinstance(v, str) and 0 < len(v) <= 100,
    "value_num": optional(_is_num),
    "value_unit": _text(20),
    "comment": _is_str,
    "evidence": optional(lambda v: isinstance(v, str) and bool(SHA256_RE.match(v))),
    "created_by": lambda v: isinstance(v, str) and 0 < len(v) <= 64,
    "created_at": is_iso,
}
_BASE_STATUS_SPEC = {  # the base's status and dates (基地状态, liangshan.services.base_status)
    "status": lambda v: v in BASE_STATUSES,
    "started_on": optional(is_partial_date),
    "applied_on": optional(is_partial_date),
    "applied_doc": _text(300),
    "named_on": optional(is_partial_date),
    "named_doc": _text(300),
    "reviewed_on": optional(is_partial_date),
    "review_doc": _text(300),
    "note": _is_str,
    "example": _is_bool,
    "updated_by": lambda v: isinstance(v, str) and 0 < len(v) <= 64,
    "updated_at": is_iso,
}
_INCIDENT_SPEC = {  # an incident or 督察 finding with its history (liangshan.services.incidents)
    "kind": lambda v: v in INCIDENT_KINDS,
    "occurred_on": is_partial_date,
    "title": lambda v: isinstance(v, str) and 0 < len(v) <= 200,
    "description": _is_str,
    "responsible_unit": lambda v: isinstance(v, str) and 0 < len(v) <= 100,
    "serious": _is_bool,
    "example": _is_bool,
    "created_by": lambda v: isinstance(v, str) and 0 < len(v) <= 64,
    "created_at": is_iso,
    "updates": lambda v: isinstance(v, list) and len(v) > 0 and all(isinstance(x, dict) for x in v),
}
INCIDENT_UPDATE_SPEC = {  # one rectification step (整改记录), append-only
    "status": lambda v: v in INCIDENT_STATES,
    "due_on": optional(is_partial_date),
    "done_on": optional(is_partial_date),
    "note": _is_str,
    "evidence": _is_str,
    "actor": lambda v: isinstance(v, str) and 0 < len(v) <= 64,
    "at": is_iso,
}
RECORD_SPECS = {
    "region": _REGION_SPEC,
    "parent": _REGION_SPEC,
    "catalog": _CATALOG_SPEC,
    "round": _ROUND_SPEC,
    "override": _OVERRIDE_SPEC,
    "title": _TITLE_SPEC,
    "evidence": _EVIDENCE_SPEC,
    "submission": _SUBMISSION_SPEC,
    "contribution": _CONTRIBUTION_SPEC,
    "base_status": _BASE_STATUS_SPEC,
    "incident": _INCIDENT_SPEC,
}


def describe_record(kind: str, data: Mapping[str, Any]) -> str:
    """A short label of a record for error messages (``submission #12 gdp 2024 v2`` …)."""
    if kind == "submission":
        return f"submission #{data.get('id')} {data.get('item')} {data.get('year')} v{data.get('version')}"
    if kind == "evidence":
        return f"evidence {str(data.get('sha256'))[:12]} {data.get('filename')}"
    if kind in ("region", "parent"):
        return f"{kind} {data.get('code')}"
    if kind == "round":
        return f"round {data.get('name')}"
    if kind == "catalog":
        return f"catalog {data.get('catalog_set')}"
    if kind == "contribution":
        d = data
        return f"contribution {d.get('item')} {d.get('year')} {d.get('unit_name')} {d.get('created_at')}"
    if kind == "base_status":
        return f"base_status {data.get('status')}"
    if kind == "incident":
        return f"incident {data.get('occurred_on')} {data.get('title')}"
    if kind == "title":
        return f"title {data.get('name')} {data.get('awarded_on')}"
    return f"{kind} {data.get('indicator_id')}"
