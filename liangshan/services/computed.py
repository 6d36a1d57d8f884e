"""Recording calculator output (``--to-indicator``, ``liangshan batch load``) as new submission versions.

The same rules as a value entered in the web (:mod:`liangshan.services.values`): the actor's
permission for each data element, finite numbers through the one parser
(:func:`liangshan.services.checks.parse_value`), a closed round refuses (:class:`ClosedError`, the
same message as the web form), an approved value is locked, and the new versions are checked together
(:func:`liangshan.services.checks.check_value` errors, e.g. good days above valid days).

Two deliberate differences from a hand-entered value (docs/web.md): a region without any assessment
round (the many regions of a batch run) and years outside the round (a calculator's baseline years)
are recorded — a *closed* round always refuses; and a warning (a year-on-year jump) needs no note,
since the provenance records how the value was computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from liangshan.catalog import Catalog, load_catalog
from liangshan.config import db_url as resolve_url
from liangshan.config import evidence_root
from liangshan.provenance import ComputedValues
from liangshan.services.checks import EntryError, check_value, parse_value
from liangshan.services.permissions import Actor, PermissionDenied, actor_for_user, check_edit
from liangshan.services.queries import current_round, round_denial
from liangshan.services.values import ClosedError, lock_latest, locked_message
from liangshan.services.workspace import Workspace
from liangshan.store.errors import LockedError, StoreError
from liangshan.store.regions import get_region
from liangshan.store.service import ensure_db
from liangshan.store.submissions import submit_value


class RecordRefused(StoreError):
    """The actor may not record these values (a permission rule); nothing was written."""


def record_computed(
    results: Sequence[ComputedValues],
    *,
    region: str,
    db_url: str | None = None,
    user: str = "system",
    status: str = "submitted",
    at: datetime | None = None,
    catalog: Catalog | None = None,
    actor: Actor | None = None,
) -> list[int]:
    """Record calculator output as new submission versions with provenance. All or nothing.

    ``user`` names an account in the database (``system``: the command line's operator, see
    :func:`liangshan.services.permissions.system_actor`); ``actor`` overrides it. An element whose
    newest version already holds the same value and provenance is left alone (re-running a calculator
    on the same file adds nothing). Raises :class:`ClosedError`, :class:`LockedError`,
    :class:`EntryError`, :class:`RecordRefused` or :class:`StoreError`; nothing is written then.
    """
    url = ensure_db(resolve_url(db_url))
    cat = catalog or load_catalog()
    codes = {e.code for e in cat.data_elements}
    parsed: list[tuple[ComputedValues, str, float | bool]] = []
    for res in results:
        for code, value in res.values.items():
            if code not in codes:
                raise StoreError(f"计算结果含未知数据元素：{code}")
            if value is None:
                raise StoreError(f"{res.year}年 {code} 无计算值，不能记录")
            el = cat.element(code)
            if el.kind == "boolean" and not isinstance(value, bool):
                raise StoreError(f"{res.year}年 {code} 应为是/否")
            try:
                parsed.append((res, code, parse_value(value, el, None)))
            except EntryError as e:
                raise EntryError(f"{res.year}年“{el.name}”：{e}") from None
    ws = Workspace(url, evidence_root(url), cat)
    ids: list[int] = []
    with ws.write() as s:
        get_region(s, region)
        try:
            who = actor or actor_for_user(s, user)
            for _res, code, _v in parsed:
                check_edit(who, cat, region, code)
        except PermissionDenied as e:
            raise RecordRefused(e.message) from None
        rnd = current_round(s, region)
        if rnd is not None and rnd.state != "open":
            # the web's message for a closed round
            raise ClosedError(round_denial(rnd, region, parsed[0][0].year if parsed else rnd.end_year) or "")
        written = []
        for res, code, value in parsed:
            prov = res.provenance.to_json()
            prev = lock_latest(s, region, code, res.year)
            if prev is not None and prev.value == value and prev.provenance == prov:
                continue
            if prev is not None and prev.status == "approved":
                raise LockedError(locked_message(s, prev))
            sub = submit_value(
                s,
                region=region,
                item=code,
                year=res.year,
                value=value,
                user=who.username,
                unit=cat.element(code).unit,
                note=res.notes.get(code, ""),
                provenance=prov,
                status=status,
                round_id=rnd.id if rnd is not None and rnd.start_year <= res.year <= rnd.end_year else None,
                at=at,
            )
            ids.append(sub.id)
            written.append((res.year, code, value))
        problems = []
        for year, code, value in written:  # every new version is in place: check them together
            el = cat.element(code)
            checks = check_value(s, cat, region, code, year, value, el, None)
            problems += [f"{year}年“{el.name}”：{c.message}" for c in checks if c.level == "error"]
        if problems:
            raise EntryError("；".join(problems))
    return ids
