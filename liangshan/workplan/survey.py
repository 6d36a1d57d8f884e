"""The public satisfaction survey (indicator 17 “两山”建设成效公众满意度) as a service.

- One answer per device/session: the browser keeps a random token (cookie); only its sha256 is
  stored, unique per survey, so a second answer from the same token is refused
  (:class:`DuplicateResponse`).
- Rate limited per client address (:mod:`liangshan.workplan.ratelimit`), default 20 answers per hour
  per address (a village office or a school behind one address must still be able to answer; a
  choice, made a parameter).
- No personal data: the questionnaire asks the answer (5-point scale of
  :data:`liangshan.standards.survey.ANSWER_LEVELS`) and the two stratum questions of
  :data:`liangshan.standards.survey.STRATUM_COLUMNS` — township (乡镇) and 城镇/农村 — nothing else.
- The office closes the survey; the raw answers export as CSV (``answer,township,urban_rural,
  submitted_on``) that ``liangshan survey`` reads, and the statistics of
  :func:`liangshan.standards.survey.satisfaction` are recorded as ``survey_satisfied`` /
  ``survey_valid`` of the survey's year through :func:`liangshan.store.submissions.submit_value`, with
  provenance naming the sha256 of that exact export.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from liangshan.catalog import load_catalog
from liangshan.provenance import InputFile, Provenance
from liangshan.standards import survey as sv
from liangshan.store.db import now, utc_seconds
from liangshan.store.models import Region, Submission
from liangshan.store.models_workplan import WpRateEvent, WpSurvey, WpSurveyCode, WpSurveyResponse
from liangshan.store.safe_cells import csv_row
from liangshan.store.submissions import audit, submit_value
from liangshan.workplan.errors import DuplicateResponse, SurveyClosed, WorkplanError, WorkplanNotFound
from liangshan.workplan.plan import townships
from liangshan.workplan.ratelimit import RateLimit, hit

URBAN_RURAL: tuple[str, ...] = ("城镇", "农村")
DEFAULT_LIMIT = RateLimit(limit=20, window=timedelta(hours=1))
MIN_TOKEN = 16
STANDARD = "本系统推荐做法（无官方抽样规则）；Wilson 置信区间；分层设计方差"
EXPORT_COLUMNS = ("answer", "township", "urban_rural", "submitted_on")


def township_names(session: Session, region: str) -> list[str]:
    """Township names as a respondent knows them (“城关镇”, not “城关镇人民政府”)."""
    return [u.name.removesuffix("人民政府") for u in townships(session, region)]


def open_survey(
    session: Session,
    region: str,
    year: int,
    *,
    actor: str,
    title: str | None = None,
    township_list: Sequence[str] | None = None,
    at: datetime | None = None,
) -> WpSurvey:
    """Open a survey for ``region`` and ``year`` (one open survey per region-year)."""
    reg = session.get(Region, region)
    if reg is None:
        raise WorkplanError(f"未知地区代码：{region}")
    dup = session.scalars(
        select(WpSurvey).where(
            WpSurvey.region_code == region, WpSurvey.year == year, WpSurvey.status == "open"
        )
    ).first()
    if dup is not None:
        raise WorkplanError(f"{reg.name}{year}年已有进行中的问卷（#{dup.id}）")
    names = list(township_list) if township_list else township_names(session, region)
    if not names:
        raise WorkplanError(f"{reg.name}没有乡镇单位，无法设置分层问题；请传入乡镇名单")
    ts = at or now()
    s = WpSurvey(
        region_code=region,
        year=year,
        title=title or f"{reg.name}“两山”建设成效公众满意度调查（{year}年）",
        status="open",
        townships=names,
        opened_at=ts,
        created_by=actor,
    )
    session.add(s)
    session.flush()
    audit(session, actor, "open", "wp_survey", s.id, after={"year": year, "title": s.title}, at=ts)
    return s


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def get_survey(session: Session, survey_id: int) -> WpSurvey:
    s = session.get(WpSurvey, survey_id)
    if s is None:
        raise WorkplanNotFound(f"问卷不存在：{survey_id}")
    return s


def has_answered(session: Session, survey_id: int, token: str) -> bool:
    q = select(WpSurveyResponse.id).where(
        WpSurveyResponse.survey_id == survey_id, WpSurveyResponse.token_sha256 == token_hash(token)
    )
    return session.scalars(q).first() is not None


def submit_response(
    session: Session,
    survey_id: int,
    *,
    token: str,
    answer: str,
    township: str,
    urban_rural: str,
    client: str,
    limit: RateLimit = DEFAULT_LIMIT,
    at: datetime | None = None,
    code: str = "",
) -> WpSurveyResponse:
    """Record one anonymous answer (open answering, or with a one-time invitation code).

    Parameters
    ----------
    session : Session
    survey_id : int
    token : str
        Random device/session token (≥ 16 characters) kept by the respondent's browser.
    answer : str
        One of 很满意、满意、基本满意、不太满意、不满意.
    township : str
        One of the survey's townships.
    urban_rural : str
        城镇 or 农村.
    client : str
        Client address, for the rate limit only (never stored).
    limit : RateLimit
        Answers allowed per address and window.
    at : datetime, optional
    code : str, optional
        An unused invitation code of this survey (:func:`create_codes`): the answer is then not
        counted against the address's rate limit (a village behind one address), and the code is
        used up.

    Raises
    ------
    SurveyClosed, DuplicateResponse, RateLimited, WorkplanError
    """
    s = get_survey(session, survey_id)
    if s.status != "open":
        raise SurveyClosed("问卷已结束，感谢您的关注")
    if not token or len(token) < MIN_TOKEN or len(token) > 200:
        raise WorkplanError("会话标识无效，请刷新页面后重新作答")
    answer, township, urban_rural = answer.strip(), township.strip(), urban_rural.strip()
    if answer not in sv.ANSWER_LEVELS:
        raise WorkplanError(f"请选择满意程度（{'、'.join(sv.ANSWER_LEVELS)}）")
    if township not in (s.townships or []):
        raise WorkplanError("请选择您所在的乡镇")
    if urban_rural not in URBAN_RURAL:
        raise WorkplanError("请选择城镇或农村")
    h = token_hash(token)
    if has_answered(session, survey_id, token):
        raise DuplicateResponse("本设备已提交过问卷，每台设备只能提交一次，感谢参与")
    ts = at or now()
    if code.strip():
        use_code(session, survey_id, code, ts)
    else:
        hit(session, f"survey:{survey_id}", client, limit, at)
    r = WpSurveyResponse(
        survey_id=survey_id,
        token_sha256=h,
        answer=answer,
        township=township,
        urban_rural=urban_rural,
        submitted_on=ts.date(),
        created_at=ts,
    )
    try:
        with session.begin_nested():
            session.add(r)
    except IntegrityError:
        raise DuplicateResponse("本设备已提交过问卷，每台设备只能提交一次，感谢参与") from None
    return r


CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32: no I, L, O, U
CODE_SYMBOLS = 10
MAX_CODES = 2000


def normalise_code(code: str) -> str:
    """Upper case, separators removed, easily confused letters mapped (O→0, I/L→1)."""
    text = "".join(c for c in code.upper() if c.isalnum())
    return text.translate(str.maketrans("OIL", "011"))


def code_hash(survey_id: int, code: str) -> str:
    return hashlib.sha256(f"{survey_id}:{normalise_code(code)}".encode()).hexdigest()


def create_codes(
    session: Session, survey_id: int, n: int, *, actor: str, at: datetime | None = None
) -> list[str]:
    """``n`` new one-time invitation codes (``XXXXX-XXXXX``) of an open survey; only their hashes
    are stored, so the returned list is the only copy (print it at once)."""
    import secrets

    s = get_survey(session, survey_id)
    if s.status != "open":
        raise SurveyClosed("问卷已结束，不能再生成邀请码")
    if not 1 <= n <= MAX_CODES:
        raise WorkplanError(f"邀请码数量应为 1—{MAX_CODES}")
    ts = at or now()
    codes = []
    for _ in range(n):
        raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_SYMBOLS))
        codes.append(raw[:5] + "-" + raw[5:])
        session.add(WpSurveyCode(survey_id=survey_id, code_sha256=code_hash(survey_id, raw), created_at=ts))
    session.flush()
    audit(session, actor, "create", "wp_survey_code", survey_id, after={"codes": n}, at=ts)
    return codes


def use_code(session: Session, survey_id: int, code: str, at: datetime) -> None:
    """Mark an unused invitation code of ``survey_id`` as used; refuse an unknown or used one."""
    from sqlalchemy import update

    if len(normalise_code(code)) != CODE_SYMBOLS:
        raise WorkplanError("邀请码应为 10 位字母或数字（如 7K3QX-9M2PA）")
    result = session.execute(
        update(WpSurveyCode)
        .where(
            WpSurveyCode.survey_id == survey_id,
            WpSurveyCode.code_sha256 == code_hash(survey_id, code),
            WpSurveyCode.used_at.is_(None),
        )
        .values(used_at=at)
    )
    if not getattr(result, "rowcount", 0):
        raise WorkplanError("邀请码无效或已使用：每个邀请码只能作答一次")


def code_counts(session: Session, survey_id: int) -> dict[str, int]:
    """How many invitation codes a survey has, and how many are used."""
    total, used = session.execute(
        select(func.count(WpSurveyCode.id), func.count(WpSurveyCode.used_at)).where(
            WpSurveyCode.survey_id == survey_id
        )
    ).one()
    return {"total": int(total or 0), "used": int(used or 0)}


def bursts(session: Session, survey_id: int, threshold: int = 10) -> list[dict[str, Any]]:
    """Addresses with more than ``threshold`` open answers within the last hour (the rate limit's
    window), for the office to spot stuffing. The address is shown only as the first 8 characters of
    its keyed hash (addresses are never stored)."""
    since = now() - DEFAULT_LIMIT.window
    rows = session.execute(
        select(WpRateEvent.key_hash, func.count(), func.min(WpRateEvent.at), func.max(WpRateEvent.at))
        .where(WpRateEvent.scope == f"survey:{survey_id}", WpRateEvent.at > since)
        .group_by(WpRateEvent.key_hash)
        .having(func.count() > threshold)
        .order_by(func.count().desc())
    ).all()
    return [{"client": k[:8], "answers": int(n), "first": a, "last": b} for k, n, a, b in rows]


def response_count(session: Session, survey_id: int) -> int:
    q = select(func.count()).select_from(WpSurveyResponse).where(WpSurveyResponse.survey_id == survey_id)
    return int(session.scalar(q) or 0)


def responses_frame(session: Session, survey_id: int) -> pl.DataFrame:
    """The answers as the frame :func:`liangshan.standards.survey.satisfaction` takes (with ``code``)."""
    rows = session.execute(
        select(WpSurveyResponse.answer, WpSurveyResponse.township, WpSurveyResponse.urban_rural)
        .where(WpSurveyResponse.survey_id == survey_id)
        .order_by(WpSurveyResponse.id)
    ).all()
    df = pl.DataFrame(
        {
            "answer": [r[0] for r in rows],
            "township": [r[1] for r in rows],
            "urban_rural": [r[2] for r in rows],
        },
        schema={"answer": pl.String, "township": pl.String, "urban_rural": pl.String},
    )
    return df.with_columns(pl.Series("code", sv.encode_answers(df["answer"]), dtype=pl.Int8))


def export_csv(session: Session, survey_id: int) -> bytes:
    """Raw answers as UTF-8 CSV (with BOM for Excel): answer, township, urban_rural, submitted_on.

    No token hash and no time of day is exported. The same answers give the same bytes.
    """
    get_survey(session, survey_id)
    rows = session.execute(
        select(
            WpSurveyResponse.answer,
            WpSurveyResponse.township,
            WpSurveyResponse.urban_rural,
            WpSurveyResponse.submitted_on,
        )
        .where(WpSurveyResponse.survey_id == survey_id)
        .order_by(WpSurveyResponse.id)
    ).all()
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(EXPORT_COLUMNS)
    for a, t, u, d in rows:
        w.writerow(csv_row([a, t, u, d.isoformat()]))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def statistics(session: Session, survey_id: int, **kwargs: Any) -> sv.SurveyResult:
    """:func:`liangshan.standards.survey.satisfaction` of the answers so far (kwargs passed on)."""
    if response_count(session, survey_id) == 0:
        raise WorkplanError("问卷尚无有效答卷")
    return sv.satisfaction(responses_frame(session, survey_id), **kwargs)


def close_survey(session: Session, survey_id: int, *, actor: str, at: datetime | None = None) -> WpSurvey:
    """Close a survey (no more answers)."""
    s = get_survey(session, survey_id)
    if s.status == "closed":
        raise SurveyClosed(f"问卷 #{survey_id} 已结束")
    ts = at or now()
    s.status, s.closed_at = "closed", ts
    session.flush()
    audit(
        session,
        actor,
        "close",
        "wp_survey",
        s.id,
        {"status": "open"},
        {"status": "closed", "responses": response_count(session, survey_id)},
        at=ts,
    )
    return s


def record_indicator(
    session: Session,
    survey_id: int,
    *,
    actor: str,
    top_box: int = sv.DEFAULT_TOP_BOX,
    weights: pl.DataFrame | None = None,
    population: float | None = None,
    at: datetime | None = None,
) -> list[Submission]:
    """Record ``survey_satisfied`` and ``survey_valid`` of the survey's year (indicator 17).

    Values come from :func:`liangshan.standards.survey.satisfaction`; with ``weights`` the satisfied
    count is the weighted equivalent (rate × n, as provenance.components says). The provenance
    names the sha256 of :func:`export_csv` of the same answers. An approved value of that year is
    locked: the store refuses with :class:`~liangshan.store.errors.LockedError` until the office
    reopens it.
    """
    s = get_survey(session, survey_id)
    catalog = load_catalog()
    res = statistics(session, survey_id, top_box=top_box, weights=weights, population=population)
    raw = export_csv(session, survey_id)
    name = f"survey_{s.id}_{s.year}_responses.csv"
    comp: dict[str, Any] = {
        "n": res.n,
        "satisfied": res.satisfied,
        "satisfaction_percent": res.satisfaction_percent,
        "ci_low": res.ci_low,
        "ci_high": res.ci_high,
        "ci_method": res.ci_method,
        "sample_needed": res.sample_needed,
        "supports_claim": res.supports_claim,
        "sample_sufficient": res.sample_sufficient,
        "weighted": res.weighted,
        "counts": res.counts,
        "strata": res.strata,
        "survey_id": s.id,
        "survey_status": s.status,
    }
    if res.weighted:
        comp["survey_satisfied_note"] = "加权满意率 × 有效样本数（加权等效满意人数），非整数"
    prov = Provenance(
        calculator="liangshan.standards.survey.satisfaction",
        standard=STANDARD,
        parameters={**res.parameters, "source": "公众满意度网上问卷（liangshan.workplan.survey）"},
        inputs=[InputFile(name=name, sha256=hashlib.sha256(raw).hexdigest(), size=len(raw))],
        components=comp,
    ).to_json()
    note = f"网上问卷 #{s.id}“{s.title}”：有效 {res.n} 份，满意率 {res.satisfaction_percent:.1f}%"
    out = []
    for code, value in (("survey_satisfied", res.satisfied_equivalent), ("survey_valid", float(res.n))):
        out.append(
            submit_value(
                session,
                region=s.region_code,
                item=code,
                year=s.year,
                value=value,
                user=actor,
                unit=catalog.element(code).unit,
                note=note,
                provenance=prov,
                at=at,
            )
        )
    return out


def survey_dict(session: Session, survey_id: int) -> dict[str, Any]:
    s = get_survey(session, survey_id)
    return {
        "id": s.id,
        "region": s.region_code,
        "year": s.year,
        "title": s.title,
        "status": s.status,
        "townships": list(s.townships or []),
        "urban_rural": list(URBAN_RURAL),
        "answers": list(sv.ANSWER_LEVELS),
        "responses": response_count(session, s.id),
        "opened_at": utc_seconds(s.opened_at),
        "closed_at": utc_seconds(s.closed_at) if s.closed_at else None,
    }
