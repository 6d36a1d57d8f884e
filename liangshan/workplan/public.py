"""The public page (五、(三) 知情权): only what the office chooses to publish.

Settings per region (``wp_setting`` key ``public:<code>``): ``published`` (the page exists at all),
``show_index`` (the counts of verdicts), ``show_verdicts`` (each indicator's verdict and latest value),
``show_progress`` (the tasks' progress percent), ``message`` (a notice), ``survey_id`` (the survey
linked from the page) and ``supervision`` (whether the supervision form is offered). Everything is off
until the office turns it on. :func:`public_view` takes the assessment as an argument, so it never
reaches the database beyond the settings and the task list.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from liangshan.assess.index import Assessment
from liangshan.store.db import now
from liangshan.store.models import Region
from liangshan.store.models_workplan import WpSetting
from liangshan.store.submissions import audit
from liangshan.workplan.errors import WorkplanError
from liangshan.workplan.plan import tasks_list

DEFAULTS: dict[str, Any] = {
    "published": False,
    "show_index": False,
    "show_verdicts": False,
    "show_progress": False,
    "supervision": False,
    "message": "",
    "survey_id": None,
}


def _key(region: str) -> str:
    return f"public:{region}"


def get_settings(session: Session, region: str) -> dict[str, Any]:
    row = session.get(WpSetting, _key(region))
    return {**DEFAULTS, **(row.value if row else {})}


def set_settings(
    session: Session, region: str, changes: dict[str, Any], *, actor: str, at: datetime | None = None
) -> dict[str, Any]:
    """Change what the public page shows (only the keys of :data:`DEFAULTS`)."""
    if session.get(Region, region) is None:
        raise WorkplanError(f"未知地区代码：{region}")
    unknown = [k for k in changes if k not in DEFAULTS]
    if unknown:
        raise WorkplanError(f"未知公开设置：{unknown}")
    before = get_settings(session, region)
    after = {**before, **changes}
    for k in ("published", "show_index", "show_verdicts", "show_progress", "supervision"):
        after[k] = bool(after[k])
    after["message"] = str(after["message"] or "")[:1000]
    if after["survey_id"] is not None:
        after["survey_id"] = int(after["survey_id"])
    ts = at or now()
    row = session.get(WpSetting, _key(region))
    if row is None:
        session.add(WpSetting(key=_key(region), value=after, updated_by=actor, updated_at=ts))
    else:
        row.value, row.updated_by, row.updated_at = after, actor, ts
    session.flush()
    audit(session, actor, "publish", "wp_setting", _key(region), before, after, at=ts)
    return after


def public_view(
    session: Session, region: str, assessment: Assessment | None, as_of: date
) -> dict[str, Any] | None:
    """What the public page shows, or None when the region has not published it."""
    settings = get_settings(session, region)
    reg = session.get(Region, region)
    if reg is None or not settings["published"]:
        return None
    view: dict[str, Any] = {
        "region": {"code": region, "name": reg.name},
        "message": settings["message"],
        "survey_id": settings["survey_id"],
        "supervision": settings["supervision"],
        "as_of": as_of.isoformat(),
    }
    if assessment is not None and settings["show_index"]:
        view["index"] = {"years": list(assessment.years), "counts": assessment.counts()}
    if assessment is not None and settings["show_verdicts"]:
        view["verdicts"] = [
            {
                "id": r.indicator.id,
                "name": r.indicator.name,
                "target": r.target.text,
                "verdict": r.verdict,
                "latest": next((v for v in reversed(list(r.values().values())) if v is not None), None),
                "unit": r.indicator.unit,
            }
            for r in assessment.results
        ]
    if settings["show_progress"]:
        view["progress"] = [
            {"code": t["code"], "title": t["title"], "percent": t["progress"]["percent"]}
            for t in tasks_list(session, region, as_of)
        ]
    return view
