"""Public supervision reports: receipt code privacy, routing to a unit, status, rate limit, photo metadata."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select
from wpsupport import REGION, T0

from liangshan.store.db import session_scope
from liangshan.store.evidence import blob_path
from liangshan.store.models import Evidence
from liangshan.store.models_workplan import WpReport
from liangshan.store.regions import find_unit
from liangshan.workplan.errors import RateLimited, WorkplanError
from liangshan.workplan.ratelimit import RateLimit
from liangshan.workplan.supervision import (
    ALPHABET,
    Photo,
    list_reports,
    lookup_receipt,
    new_receipt,
    receipt_hash,
    route_report,
    submit_report,
    update_report,
)
from liangshan.workplan.tracking import digest

TEXT = "河道旁有人倾倒建筑垃圾，已持续数日，影响河水水质。"
SECRET_TEXT = "举报人自述：我是张三，电话 13800000000"


@pytest.fixture
def url(plan_db: str) -> str:
    return plan_db


def report(
    url: str, files: Path, ip: str = "198.51.100.1", minutes: float = 0, **kw: object
) -> tuple[int, str]:
    args: dict = {"category": "环境污染", "location": "城关镇洛河桥下", "text": TEXT, **kw}
    with session_scope(url) as s:
        rep, code = submit_report(
            s, REGION, client=ip, files_root=files, at=T0 + timedelta(minutes=minutes), **args
        )
        return rep.id, code


def test_receipt_codes_are_random_and_well_formed() -> None:
    codes = {new_receipt() for _ in range(2000)}
    assert len(codes) == 2000
    for c in list(codes)[:50]:
        assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}", c)
    assert set("".join(codes).replace("-", "")) <= set(ALPHABET)
    assert receipt_hash("abcd-efgh-jkmn-pqrs") == receipt_hash("ABCDEFGHJKMNPQRS")
    assert receipt_hash("0000-1111-0000-1111") == receipt_hash("OOOO-IIII-oooo-LLLL")


def test_receipt_shows_status_but_no_personal_data(url: str, tmp_path: Path) -> None:
    rid, code = report(url, tmp_path, text=SECRET_TEXT + "，" + TEXT, lon=111.05, lat=34.05)
    with session_scope(url) as s:
        row = s.get(WpReport, rid)
        assert row is not None and row.receipt_sha256 == receipt_hash(code)
        dumped = json.dumps(
            {c.name: str(getattr(row, c.name)) for c in WpReport.__table__.columns}, ensure_ascii=False
        )
        assert code not in dumped and code.replace("-", "") not in dumped
        view = lookup_receipt(s, code.lower(), client="1.2.3.4")
    assert view is not None
    assert set(view) == {"category", "received_on", "status", "status_label", "unit", "events"}
    text = json.dumps(view, ensure_ascii=False)
    assert "张三" not in text and "13800000000" not in text and "洛河桥" not in text and "111.05" not in text
    assert view["status"] == "received" and view["unit"] is None
    with session_scope(url) as s:
        assert lookup_receipt(s, "0000-0000-0000-0000", client="1.2.3.4") is None
        assert lookup_receipt(s, "garbage", client="1.2.3.4") is None


def test_routed_to_unit_and_status_visible(url: str, tmp_path: Path) -> None:
    rid, code = report(url, tmp_path)
    with session_scope(url) as s:
        water = find_unit(s, REGION, "水利局")
        env = find_unit(s, REGION, "市生态环境局卢氏分局")
        assert water and env
        route_report(s, rid, env.id, actor="office", internal_note="属水污染", at=T0 + timedelta(hours=1))
        assert [r["id"] for r in list_reports(s, REGION, env.id)] == [rid]
        assert list_reports(s, REGION, water.id) == []
        with pytest.raises(WorkplanError, match="未转交本单位"):
            update_report(s, rid, "in_progress", actor="u13", actor_unit_id=water.id)
        with pytest.raises(WorkplanError, match="答复"):
            update_report(s, rid, "resolved", actor="u01", actor_unit_id=env.id)
        update_report(
            s,
            rid,
            "in_progress",
            actor="u01",
            actor_unit_id=env.id,
            public_note="已派员现场核查",
            at=T0 + timedelta(hours=2),
        )
        items = digest(s, REGION, (T0 + timedelta(days=16)).date(), unit_id=env.id)
        assert any(i["kind"] == "report" for i in items[0]["overdue"])  # 15 days to answer
        update_report(
            s,
            rid,
            "resolved",
            actor="u01",
            actor_unit_id=env.id,
            public_note="垃圾已清运，责令整改",
            internal_note="内部：罚款 2 万元",
            at=T0 + timedelta(days=3),
        )
        view = lookup_receipt(s, code, client="1.2.3.4")
    assert view is not None and view["status"] == "resolved" and view["unit"] == "市生态环境局卢氏分局"
    assert [e["status_label"] for e in view["events"]] == ["已受理", "已转交责任单位", "办理中", "已办结"]
    assert view["events"][-1]["reply"] == "垃圾已清运，责令整改"
    assert "罚款" not in json.dumps(view, ensure_ascii=False)
    with session_scope(url) as s, pytest.raises(WorkplanError):
        update_report(s, rid, "in_progress", actor="office")


def test_reports_rate_limited(url: str, tmp_path: Path) -> None:
    limit = RateLimit(limit=2, window=timedelta(hours=1))
    report(url, tmp_path, limit=limit)
    report(url, tmp_path, limit=limit, minutes=1)
    with pytest.raises(RateLimited):
        report(url, tmp_path, limit=limit, minutes=2)
    report(url, tmp_path, limit=limit, minutes=2, ip="198.51.100.2")
    with session_scope(url) as s:
        assert len(s.scalars(select(WpReport)).all()) == 3


def test_bad_reports_refused(url: str, tmp_path: Path) -> None:
    for kw, msg in (
        ({"category": "噪声"}, "类别"),
        ({"text": "太短"}, "10–2000"),
        ({"location": ""}, "地点"),
        ({"lon": 111.0}, "同时"),
        ({"lon": 200.0, "lat": 34.0}, "范围"),
        ({"photos": [Photo(b"not an image", "a.jpg")]}, "无法识别"),
    ):
        with pytest.raises(WorkplanError, match=msg):
            report(url, tmp_path, **kw)


def _jpeg_with_gps() -> bytes:
    img = Image.new("RGB", (64, 48), (20, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (34.0, 3.0, 0.0), 3: "E", 4: (111.0, 2.0, 0.0)}  # GPS IFD
    buf = io.BytesIO()
    img.save(buf, format="JPEG", exif=exif)
    return buf.getvalue()


def test_photo_metadata_removed(url: str, tmp_path: Path) -> None:
    raw = _jpeg_with_gps()
    with Image.open(io.BytesIO(raw)) as im:
        assert im.getexif().get(0x010F) == "PhoneMaker"
    report(url, tmp_path, photos=[Photo(raw, "IMG_0001.JPG")])
    with session_scope(url) as s:
        ev = s.scalars(select(Evidence)).one()
        assert ev.uploaded_by == "public" and ev.filename == "IMG_0001.jpg"
        stored = blob_path(tmp_path, ev.sha256).read_bytes()
        assert list_reports(s, REGION)[0]["photos"][0]["sha256"] == ev.sha256
    with Image.open(io.BytesIO(stored)) as im:
        assert im.format == "JPEG" and im.size == (64, 48)
        assert len(im.getexif()) == 0
    assert b"PhoneMaker" not in stored
