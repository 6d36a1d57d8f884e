"""The public pages of a region (no login): what the region published, its satisfaction survey and the
supervision channel (五、(三) 群众的知情权、参与权和监督权; 指标17 公众满意度).

Only what the office published is shown; the published assessment comes from
:func:`liangshan.services.assessment.assess_region` over the open round's years, like every other face.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from liangshan.catalog import Catalog
from liangshan.services.assessment import assess_region
from liangshan.store.errors import NotFoundError
from liangshan.store.models import Region
from liangshan.store.models_workplan import WpSurvey
from liangshan.store.regions import open_round
from liangshan.workplan.errors import DuplicateResponse, RateLimited, SurveyClosed, WorkplanError
from liangshan.workplan.public import get_settings, public_view
from liangshan.workplan.supervision import Photo, submit_report
from liangshan.workplan.survey import has_answered, submit_response, survey_dict

__all__ = [
    "Outcome",
    "answer_survey",
    "public_region",
    "public_summary",
    "public_survey",
    "report_channel_open",
    "send_report",
    "survey_page",
]


@dataclass(frozen=True)
class Outcome:
    """The result of a public submission: ``error`` is None on success, else the message for the
    person and the HTTP status (409 duplicate/closed, 422 bad input, 429 rate limited)."""

    error: str | None = None
    status: int = 200
    retry_after: int | None = None
    receipt: str | None = None


def public_region(session: Session, code: str) -> Region:
    """The region ``code`` (404 for an unknown code)."""
    reg = session.get(Region, code)
    if reg is None:
        raise NotFoundError(f"未知地区代码：{code}")
    return reg


def public_summary(session: Session, catalog: Catalog, region: str, today: date) -> dict[str, Any] | None:
    """What the region's public page shows (None when it is not published): the attainment of the open
    round's years when the office published the index or the verdicts, and the tasks' progress."""
    public_region(session, region)
    settings = get_settings(session, region)
    assessment = None
    if settings["published"] and (settings["show_index"] or settings["show_verdicts"]):
        try:
            rnd = open_round(session, region)
            assessment = assess_region(session, catalog, region, range(rnd.start_year, rnd.end_year + 1))
        except ValueError:  # no open round: nothing to assess yet
            assessment = None
    return public_view(session, region, assessment, today)


def public_survey(session: Session, region: str) -> WpSurvey | None:
    """The survey the region's published page links to (None when the page is not published)."""
    settings = get_settings(session, region)
    if not settings["published"]:
        return None
    sid = settings["survey_id"]
    sv = session.get(WpSurvey, sid) if sid else None
    return sv if sv is not None and sv.region_code == region else None


def survey_page(session: Session, region: str, token: str) -> dict[str, Any]:
    """The survey form's data: the survey (None: no survey to answer) and whether this device answered."""
    reg = public_region(session, region)
    sv = public_survey(session, region)
    return {
        "survey": survey_dict(session, sv.id) if sv else None,
        "answered": bool(sv and has_answered(session, sv.id, token)),
        "region": region,
        "region_name": reg.name,
    }


def answer_survey(
    session: Session,
    region: str,
    *,
    token: str,
    answer: str,
    township: str,
    urban_rural: str,
    client: str,
    code: str = "",
) -> tuple[Outcome, dict[str, Any]]:
    """Record one answer of the published survey (with an invitation code when given); returns the
    outcome and the survey form's data."""
    reg = public_region(session, region)
    sv = public_survey(session, region)
    if sv is None:
        raise NotFoundError("当前没有进行中的问卷")
    outcome = Outcome()
    try:
        submit_response(
            session,
            sv.id,
            token=token,
            answer=answer,
            township=township,
            urban_rural=urban_rural,
            client=client,
            code=code,
        )
    except RateLimited as e:
        outcome = Outcome(str(e), 429, e.retry_after)
    except (DuplicateResponse, SurveyClosed) as e:
        outcome = Outcome(str(e), 409)
    except WorkplanError as e:
        outcome = Outcome(str(e), 422)
    page = {
        "survey": survey_dict(session, sv.id),
        "answered": outcome.status == 409,
        "region": region,
        "region_name": reg.name,
    }
    return outcome, page


def report_channel_open(session: Session, region: str) -> tuple[Region, bool]:
    """The region and whether its supervision channel is open (page published with supervision on)."""
    reg = public_region(session, region)
    st = get_settings(session, region)
    return reg, bool(st["published"] and st["supervision"])


def send_report(
    session: Session,
    region: str,
    *,
    category: str,
    location: str,
    text: str,
    lon: str,
    lat: str,
    photos: Sequence[Photo],
    client: str,
    files_root: Path,
    cleaned: Sequence[tuple[bytes, str, str]] | None = None,
) -> tuple[Region, Outcome]:
    """File a supervision report through the region's open channel; the outcome carries the receipt.

    ``cleaned``: the photos already re-encoded by :func:`~liangshan.workplan.supervision.clean_photos`
    (outside the write lock), used instead of ``photos``."""
    reg, open_ = report_channel_open(session, region)
    if not open_:
        raise NotFoundError("该地区未开通群众监督渠道")
    try:
        x = float(lon) if lon.strip() else None
        y = float(lat) if lat.strip() else None
    except ValueError:
        return reg, Outcome("经纬度应为数字", 422)
    try:
        _, code = submit_report(
            session,
            region,
            category=category,
            location=location,
            text=text,
            lon=x,
            lat=y,
            photos=photos,
            cleaned=cleaned,
            client=client,
            files_root=files_root,
        )
    except RateLimited as e:
        return reg, Outcome(str(e), 429, e.retry_after)
    except WorkplanError as e:
        return reg, Outcome(str(e), 422)
    return reg, Outcome(receipt=code)
