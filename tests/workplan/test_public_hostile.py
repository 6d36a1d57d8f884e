"""Anonymous photo reports: the rate limit is checked first, then the pixel count from the header,
and nothing over budget (or from a refused client) is ever decoded."""

from __future__ import annotations

import io
import re
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from wpsupport import REGION, T0

from liangshan.demo.build import seed_site
from liangshan.services.accounts import hash_password
from liangshan.store.db import dispose_engines, session_scope
from liangshan.web.app import create_app
from liangshan.workplan.errors import WorkplanError
from liangshan.workplan.plan import load_plan
from liangshan.workplan.public import set_settings
from liangshan.workplan.ratelimit import hit
from liangshan.workplan.supervision import (
    DEFAULT_REPORT_LIMIT,
    MAX_PIXELS,
    Photo,
    check_photo_header,
    image_size,
)


def png_claiming(width: int, height: int) -> bytes:
    """A small PNG whose IHDR claims ``width`` × ``height`` (the data would decompress to much more)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = zlib.compress(b"\x00" * 200_000, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def encoded(fmt: str, size: tuple[int, int], **kw: Any) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (10, 120, 40)).save(buf, format=fmt, **kw)
    return buf.getvalue()


def test_image_size_from_headers() -> None:
    assert image_size(encoded("PNG", (31, 17))) == ("PNG", 31, 17)
    assert image_size(encoded("JPEG", (64, 48))) == ("JPEG", 64, 48)
    assert image_size(encoded("JPEG", (40, 30), progressive=True)) == ("JPEG", 40, 30)
    assert image_size(png_claiming(8000, 5000)) == ("PNG", 8000, 5000)
    assert image_size(b"GIF89a....") is None
    assert image_size(b"\xff\xd8\xff") is None  # cut short


def no_decoding(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []

    def refuse(*a: Any, **k: Any) -> Any:
        calls.append("open")
        raise AssertionError("an image was decoded")

    monkeypatch.setattr(Image, "open", refuse)
    return calls


def test_header_over_budget_is_refused_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = no_decoding(monkeypatch)
    bomb = png_claiming(8000, 5000)  # 40 megapixels in a few hundred bytes
    assert len(bomb) < 10_000 and MAX_PIXELS < 8000 * 5000
    with pytest.raises(WorkplanError, match="像素过多"):
        check_photo_header(Photo(bomb, "a.png"))
    assert calls == []


@pytest.fixture
def app(tmp_path: Path) -> Iterator[FastAPI]:
    url = f"sqlite:///{tmp_path / 'web.db'}"
    seed_site(url, hash_password("test-password-1"))
    with session_scope(url) as s:
        load_plan(s, REGION, at=T0)
        set_settings(s, REGION, {"published": True, "supervision": True}, actor="office")
    yield create_app(url, tmp_path / "files", secret_key="k" * 40)
    dispose_engines()


def post_report(c: TestClient, photos: list[tuple[str, bytes]]) -> Any:
    page = c.get(f"/public/{REGION}/report")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    return c.post(
        f"/public/{REGION}/report",
        data={"category": "生态破坏", "location": "某村后山", "text": "有人在山坡上滥伐林木，已砍倒十余棵。",
              "csrf_token": token.group(1)},
        files=[("photos", (name, data, "image/png")) for name, data in photos],
    )  # fmt: skip


def test_rate_limited_client_costs_no_decoding(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    c = TestClient(app, client=("203.0.113.7", 4000))
    with session_scope(app.state.ctx.db_url) as s:
        for _ in range(DEFAULT_REPORT_LIMIT.limit):
            hit(s, f"report:{REGION}", "203.0.113.7", DEFAULT_REPORT_LIMIT)
    calls = no_decoding(monkeypatch)
    bomb = png_claiming(8000, 5000)
    r = post_report(c, [("a.png", bomb), ("b.png", bomb), ("c.png", bomb)])
    assert r.status_code == 429 and "提交过于频繁" in r.text and r.headers["Retry-After"]
    assert calls == []


def test_pixel_bomb_refused_by_header(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    c = TestClient(app, client=("203.0.113.8", 4000))
    calls = no_decoding(monkeypatch)
    r = post_report(c, [("ok.png", encoded("PNG", (8, 8))), ("bomb.png", png_claiming(8000, 5000))])
    assert r.status_code == 422 and "像素过多" in r.text
    assert calls == []  # the header of every photo is checked before any is decoded
    monkeypatch.undo()
    r = post_report(c, [("ok.png", encoded("PNG", (8, 8)))])
    assert r.status_code == 200 and "receipt-code" in r.text


def test_progress_dated_2099_and_overlong_text_refused(app: FastAPI) -> None:
    from datetime import date

    from sqlalchemy import select

    from liangshan.store.models import Unit
    from liangshan.store.models_workplan import WpTask
    from liangshan.workplan.tracking import add_progress

    with session_scope(app.state.ctx.db_url) as s:
        task = s.scalars(select(WpTask).where(WpTask.region_code == REGION)).first()
        office = s.scalars(select(Unit).where(Unit.region_code == REGION, Unit.kind == "office")).first()
        assert task is not None and office is not None
        with pytest.raises(WorkplanError, match="不在实施方案的年份内"):
            add_progress(
                s, task.id, office.id, reported_on=date(2099, 1, 1), text="进展", percent=10, actor="u"
            )
        with pytest.raises(WorkplanError, match="不能超过"):
            add_progress(
                s, task.id, office.id, reported_on=T0.date(), text="长" * 6000, percent=10, actor="u"
            )
        add_progress(s, task.id, office.id, reported_on=T0.date(), text="进展正常", percent=10, actor="u")


def test_overlong_public_form_field_refused(app: FastAPI) -> None:
    c = TestClient(app, client=("203.0.113.9", 4000))
    page = c.get(f"/public/{REGION}/report")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    form = {"category": "生态破坏", "location": "某村", "text": "长" * 6000, "csrf_token": token.group(1)}
    r = c.post(f"/public/{REGION}/report", data=form)
    assert r.status_code == 422 and "最多 5000 个字符" in r.text


def test_invitation_codes_answer_once_beside_open_answering(app: FastAPI) -> None:
    from datetime import timedelta

    from liangshan.workplan.ratelimit import RateLimit
    from liangshan.workplan.survey import bursts, code_counts, create_codes, open_survey, submit_response

    url = app.state.ctx.db_url
    with session_scope(url) as s:
        sid = open_survey(s, REGION, 2026, actor="office", at=T0).id
        codes = create_codes(s, sid, 3, actor="office")
    assert len(set(codes)) == 3 and all(re.fullmatch(r"[0-9A-Z]{5}-[0-9A-Z]{5}", c) for c in codes)
    limit = RateLimit(limit=2, window=timedelta(hours=1))
    fields = {"answer": "满意", "township": "城关镇", "urban_rural": "农村"}

    def send(i: int, code: str = "") -> None:
        with session_scope(url) as s:
            submit_response(s, sid, token=f"device-token-{i:08d}", client="10.9.9.9", limit=limit, code=code,
                            **fields)  # fmt: skip

    send(1)
    send(2)
    with pytest.raises(WorkplanError, match="频繁"):
        send(3)  # the village's shared address is used up for open answers…
    send(4, codes[0].lower())  # …but an invitation code still answers (case and dash do not matter)
    send(5, codes[1].replace("-", ""))
    with pytest.raises(WorkplanError, match="已使用"):
        send(6, codes[0])
    with pytest.raises(WorkplanError, match="10 位"):
        send(7, "ABC")
    with session_scope(url) as s:
        assert code_counts(s, sid) == {"total": 3, "used": 2}
        assert bursts(s, sid, threshold=1)[0]["answers"] == 2
        assert bursts(s, sid, threshold=2) == []


def test_office_code_sheet_and_public_answer_with_code(app: FastAPI) -> None:
    from liangshan.workplan.public import set_settings
    from liangshan.workplan.survey import open_survey

    url = app.state.ctx.db_url
    with session_scope(url) as s:
        sid = open_survey(s, REGION, 2026, actor="office", at=T0).id
        set_settings(s, REGION, {"published": True, "survey_id": sid}, actor="office")
    office = TestClient(app)
    login_csrf = re.search(r'name="csrf_token" value="([^"]+)"', office.get("/login").text)
    assert login_csrf
    office.post("/login", data={"username": "office", "password": "test-password-1",
                                "csrf_token": login_csrf.group(1)})  # fmt: skip
    token = office.get("/api/me").json()["csrf_token"]
    page = office.get(f"/workplan/survey-codes/{sid}")
    assert page.status_code == 200 and "疑似集中作答" in page.text
    r = office.post(f"/workplan/survey-codes/{sid}", data={"n": "2", "csrf_token": token})
    assert r.status_code == 200 and "只显示这一次" in r.text and "二维码" in r.text
    codes = re.findall(r'class="code"[^>]*>([0-9A-Z]{5}-[0-9A-Z]{5})<', r.text)
    assert len(codes) == 2
    assert (
        office.post(f"/workplan/survey-codes/{sid}", data={"n": "999999", "csrf_token": token}).status_code
        == 422
    )
    public = TestClient(app, client=("198.51.100.77", 4000))
    form = public.get(f"/public/{REGION}/survey?code={codes[0]}")
    assert form.status_code == 200 and codes[0] in form.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert csrf
    body = {
        "answer": "满意",
        "township": "城关镇",
        "urban_rural": "城镇",
        "code": codes[0],
        "csrf_token": csrf.group(1),
    }
    assert public.post(f"/public/{REGION}/survey", data=body).status_code == 200
    again = TestClient(app, client=("198.51.100.77", 4000))
    form = again.get(f"/public/{REGION}/survey")
    body["csrf_token"] = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    r = again.post(f"/public/{REGION}/survey", data=body)
    assert r.status_code == 422 and "已使用" in r.text
