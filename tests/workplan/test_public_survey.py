"""Public survey: one answer per device/session, rate limit per address, no personal data, export,
closing, and feeding indicator 17 (survey_satisfied / survey_valid) with provenance."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from wpsupport import REGION, T0

from liangshan.standards import survey as sv
from liangshan.store.db import session_scope
from liangshan.store.errors import LockedError
from liangshan.store.models_workplan import WpRateEvent, WpSurveyResponse
from liangshan.store.submissions import latest, transition
from liangshan.workplan.errors import DuplicateResponse, RateLimited, SurveyClosed, WorkplanError
from liangshan.workplan.ratelimit import RateLimit
from liangshan.workplan.survey import (
    close_survey,
    export_csv,
    open_survey,
    record_indicator,
    response_count,
    submit_response,
)

LIMIT = RateLimit(limit=3, window=timedelta(hours=1))


@pytest.fixture
def survey(plan_db: str) -> tuple[str, int]:
    db = plan_db
    with session_scope(db) as s:
        sid = open_survey(s, REGION, 2026, actor="office", at=T0).id
    return db, sid


def answer(url: str, sid: int, token: str, ip: str = "10.0.0.1", minutes: float = 0, **kw: str) -> None:
    fields = {"answer": "满意", "township": "城关镇", "urban_rural": "城镇", **kw}
    with session_scope(url) as s:
        submit_response(
            s, sid, token=token, client=ip, limit=LIMIT, at=T0 + timedelta(minutes=minutes), **fields
        )


def count(url: str, sid: int) -> int:
    with session_scope(url) as s:
        return response_count(s, sid)


def test_townships_are_strata_questions(survey: tuple[str, int]) -> None:
    url, sid = survey
    from liangshan.workplan.survey import survey_dict

    with session_scope(url) as s:
        d = survey_dict(s, sid)
    assert len(d["townships"]) == 19 and d["townships"][0] == "城关镇"
    assert d["urban_rural"] == ["城镇", "农村"] and d["answers"] == list(sv.ANSWER_LEVELS)


def test_one_answer_per_token(survey: tuple[str, int]) -> None:
    url, sid = survey
    answer(url, sid, "a" * 32)
    with pytest.raises(DuplicateResponse):
        answer(url, sid, "a" * 32, ip="10.0.0.2", answer="不满意")
    assert count(url, sid) == 1
    with pytest.raises(WorkplanError, match="会话标识"):
        answer(url, sid, "short")
    assert count(url, sid) == 1


def test_rate_limit_per_address_and_window(survey: tuple[str, int]) -> None:
    url, sid = survey
    for i in range(3):
        answer(url, sid, f"token-{i:02d}-xxxxxxxxxxxx", minutes=i)
    with pytest.raises(RateLimited) as err:
        answer(url, sid, "token-03-xxxxxxxxxxxx", minutes=10)
    assert 0 < err.value.retry_after <= 3600 - 10 * 60 + 1
    answer(url, sid, "token-04-xxxxxxxxxxxx", ip="10.0.0.9", minutes=10)  # another address is not limited
    assert count(url, sid) == 4
    # the first event leaves the window after 60 minutes: one more is accepted, the next not
    answer(url, sid, "token-05-xxxxxxxxxxxx", minutes=60.5)
    with pytest.raises(RateLimited):
        answer(url, sid, "token-06-xxxxxxxxxxxx", minutes=60.6)
    assert count(url, sid) == 5


def test_no_personal_data_kept(survey: tuple[str, int]) -> None:
    url, sid = survey
    token, ip = "device-token-1234567890", "203.0.113.77"
    answer(url, sid, token, ip=ip)
    with session_scope(url) as s:
        r = s.scalars(select(WpSurveyResponse)).one()
        assert r.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
        stored = {c.name: getattr(r, c.name) for c in WpSurveyResponse.__table__.columns}
        ev = s.scalars(select(WpRateEvent)).one()
    assert token not in map(str, stored.values()) and ip not in map(str, stored.values())
    assert ev.key_hash != hashlib.sha256(ip.encode()).hexdigest()  # keyed, not a plain hash of the address
    assert ip not in ev.key_hash
    raw = export_bytes(url, sid).decode("utf-8-sig")
    assert raw.splitlines()[0] == "answer,township,urban_rural,submitted_on"
    assert token not in raw and ip not in raw


def export_bytes(url: str, sid: int) -> bytes:
    with session_scope(url) as s:
        return export_csv(s, sid)


def test_invalid_answers_refused(survey: tuple[str, int]) -> None:
    url, sid = survey
    bads: list[dict[str, Any]] = [{"answer": "还行"}, {"township": "北京"}, {"urban_rural": "郊区"}]
    for bad in bads:
        with pytest.raises(WorkplanError):
            answer(url, sid, "x" * 20, **bad)
    assert count(url, sid) == 0


def test_close_export_and_indicator_17(survey: tuple[str, int], tmp_path: Path) -> None:
    url, sid = survey
    answers = ["很满意", "满意", "基本满意", "不太满意", "满意"]
    for i, a in enumerate(answers):
        answer(
            url,
            sid,
            f"tok-{i}-abcdefghijklmn",
            ip=f"10.0.1.{i}",
            answer=a,
            township="汤河乡" if i % 2 else "城关镇",
            urban_rural="农村" if i % 2 else "城镇",
        )
    with session_scope(url) as s:
        subs = record_indicator(s, sid, actor="office", at=T0 + timedelta(hours=1))
    by = {x.item_code: x for x in subs}
    assert by["survey_valid"].value == 5 and by["survey_satisfied"].value == 4
    raw = export_bytes(url, sid)
    prov = by["survey_valid"].provenance
    assert prov is not None
    assert prov["inputs"][0]["sha256"] == hashlib.sha256(raw).hexdigest()
    assert prov["calculator"] == "liangshan.standards.survey.satisfaction"
    # the export is what `liangshan survey` reads, and gives the same figures
    path = tmp_path / "export.csv"
    path.write_bytes(raw)
    res = sv.satisfaction(sv.read_responses(path))
    assert (res.n, res.satisfied) == (5, 4)
    # one more answer changes indicator 17's sample count
    answer(url, sid, "tok-late-abcdefghijklmn", ip="10.0.2.1", answer="不满意")
    with session_scope(url) as s:
        record_indicator(s, sid, actor="office", at=T0 + timedelta(hours=2))
        v = latest(s, REGION, "survey_valid", 2026)
        assert v is not None and v.value == 6 and v.version == 2
        close_survey(s, sid, actor="office", at=T0 + timedelta(hours=3))
    with pytest.raises(SurveyClosed):
        answer(url, sid, "tok-after-close-xxxxxxx", ip="10.0.3.1")
    with session_scope(url) as s:
        v = latest(s, REGION, "survey_valid", 2026)
        assert v is not None
        transition(s, v.id, "approve", "office", at=T0 + timedelta(hours=4))
    with pytest.raises(LockedError), session_scope(url) as s:
        record_indicator(s, sid, actor="office", at=T0 + timedelta(hours=5))
