"""What the work-plan route modules share: the actor, date parsing, downloads, the survey cookie."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import Response

from liangshan import localtime
from liangshan.web.deps import ActorDep, ctx_of
from liangshan.workplan.errors import WorkplanError

__all__ = [
    "DAY",
    "SURVEY_COOKIE",
    "ActorDep",
    "client_of",
    "download",
    "lines",
    "parse_date",
    "set_survey_cookie",
    "today",
]

SURVEY_COOKIE = "ls_survey_token"
DAY = 86400


def today() -> date:
    """Today's date in 北京时间 (the pages' default day)."""
    return localtime.today()


def parse_date(text: str | None, field: str) -> date | None:
    """A ``YYYY-MM-DD`` form or query field (None when empty); a clear Chinese error naming ``field``."""
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise WorkplanError(f"{field}应为日期 YYYY-MM-DD，收到：{text}") from None


def client_of(request: Request) -> str:
    """The client address (the rate limits' key)."""
    return request.client.host if request.client else "unknown"


def lines(text: str) -> list[str]:
    """The non-empty lines of a textarea."""
    return [x.strip() for x in (text or "").splitlines() if x.strip()]


def download(data: bytes, filename: str, media: str) -> Response:
    """A file download with its (UTF-8) file name."""
    return Response(
        data,
        media_type=media,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


def set_survey_cookie(request: Request, resp: Response, token: str) -> None:
    """The anonymous survey token of this device (one answer per device and survey)."""
    resp.set_cookie(
        SURVEY_COOKIE,
        token,
        max_age=365 * DAY,
        httponly=True,
        samesite="lax",
        secure=ctx_of(request).secure_cookies,
        path="/public",
    )
