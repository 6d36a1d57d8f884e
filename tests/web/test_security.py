"""Login, sessions, CSRF, headers, vendored assets and hostile input: clear 4xx, nothing stored."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, inspect, select
from websupport import PASSWORD, Site, login

from liangshan.services.accounts import hash_password
from liangshan.services.uploads import safe_filename, sniff
from liangshan.store.db import get_engine, session_scope
from liangshan.store.models import Evidence, Submission, User
from liangshan.web.app import create_app
from liangshan.web.security import LoginThrottle

WEB = Path(__file__).resolve().parents[2] / "liangshan" / "web"
PDF = b"%PDF-1.4\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20
Clients = Callable[[str], tuple[TestClient, str]]


def count(url: str, model: type = Submission) -> int:
    with session_scope(url) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def form_login(c: TestClient, user: str, password: str) -> int:
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
    assert token
    r = c.post("/login", data={"username": user, "password": password, "csrf_token": token.group(1)},
               follow_redirects=False)  # fmt: skip
    return r.status_code


def test_login_wrong_password_then_throttled(site: Site) -> None:
    app = create_app(site.url, site.files, secret_key="k" * 40, throttle=LoginThrottle(limit=3))
    c = TestClient(app)
    assert form_login(c, "office", "wrong-password") == 401
    assert form_login(c, "office", "wrong-password") == 401
    assert form_login(c, "office", "wrong-password") == 401
    # locked out, even with the right password
    assert form_login(c, "office", PASSWORD) == 429
    r = c.post("/api/login", json={"username": "office", "password": PASSWORD})
    assert r.status_code == 429 and "登录失败次数过多" in r.json()["detail"]
    # another account from another address is not affected
    c2 = TestClient(app, client=("10.0.0.2", 5000))
    assert form_login(c2, "leader", PASSWORD) == 303


def test_unknown_user_and_no_password_cannot_log_in(site: Site, app: FastAPI) -> None:
    with session_scope(site.url) as s:
        s.add(User(username="nopass", display_name="x", role="leader", region_code="411224"))
    c = TestClient(app)
    assert form_login(c, "nobody", PASSWORD) == 401
    assert form_login(c, "nopass", "") == 401


def test_session_cookie_flags_tampering_and_password_change(site: Site, app: FastAPI) -> None:
    c = TestClient(app)
    page = c.get("/login")
    cookie = page.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower() and "Path=/" in cookie
    login(c, "leader")
    assert c.get("/api/me").status_code == 200
    good = c.cookies.get("ls_session")
    assert good
    c.cookies.set("ls_session", good[:-3] + ("abc" if not good.endswith("abc") else "xyz"))
    assert c.get("/api/me").status_code == 401
    c.cookies.set("ls_session", good)
    assert c.get("/api/me").status_code == 200
    app.state.ctx.actors.ttl = 0.0  # the 5 s actor cache would delay the effect of the change below
    with session_scope(site.url) as s:
        user = s.scalars(select(User).where(User.username == "leader")).one()
        user.password_hash = hash_password("a-new-password")
    assert c.get("/api/me").status_code == 401  # old sessions end with a password change


def test_actor_cache_expires() -> None:
    from liangshan.web.context import TtlCache

    cache = TtlCache(ttl=0.05)
    cache.put("k", 1)
    assert cache.get("k") == 1
    import time

    time.sleep(0.06)
    assert cache.get("k") is None


def test_csrf_required_on_every_write(client_for: Clients) -> None:
    c, token = client_for("u07")
    body = {"region": "411224", "value": 45000, "expected_version": 0}
    r = c.post("/api/items/eco_env_investment/2023", json=body)
    assert r.status_code == 403 and r.json()["code"] == "csrf"
    r = c.post("/api/items/eco_env_investment/2023", json=body, headers={"X-CSRF-Token": "forged"})
    assert r.status_code == 403
    r = c.post("/entry/eco_env_investment/2023", data={"region": "411224", "value": "1", "csrf_token": "x"})
    assert r.status_code == 403 and "CSRF" in r.text
    r = c.post("/api/items/eco_env_investment/2023", json=body,
               headers={"X-CSRF-Token": token, "Origin": "http://evil.example"})  # fmt: skip
    assert r.status_code == 403
    r = c.post("/logout", data={})
    assert r.status_code == 403
    r = c.post("/api/items/eco_env_investment/2023", json=body, headers={"X-CSRF-Token": token})
    assert r.status_code == 201
    # the login form itself needs the anonymous session's token
    anon = TestClient(c.app)
    assert anon.post("/login", data={"username": "office", "password": PASSWORD}).status_code == 403


def test_security_headers(client_for: Clients) -> None:
    c, _ = client_for("office")
    for path in ("/dashboard", "/login", "/static/css/app.css", "/api/me"):
        h = c.get(path).headers
        csp = h["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-eval" not in csp and "frame-ancestors 'none'" in csp
        assert h["x-content-type-options"] == "nosniff" and h["x-frame-options"] == "DENY"
    assert c.get("/dashboard").headers["cache-control"] == "no-store"


def test_assets_are_vendored_no_cdn() -> None:
    for f in ("htmx/htmx.min.js", "htmx/LICENSE", "echarts/echarts.min.js", "echarts/LICENSE"):
        assert (WEB / "static" / "vendor" / f).stat().st_size > 500
    own = [*WEB.glob("templates/*.html"), *WEB.glob("static/js/*.js"), *WEB.glob("static/css/*.css")]
    for f in own:
        assert not re.search(r"(src|href)=[\"']?(https?:)?//", f.read_text()), f
    app = create_app("sqlite:///:memory:", "/tmp/liangshan-no-files", secret_key="k" * 40)
    assert app.docs_url is None and app.redoc_url is None  # the stock pages load from a CDN


def test_openapi_and_local_docs(client_for: Clients) -> None:
    c, _ = client_for("leader")
    spec = c.get("/api/openapi.json").json()
    assert (
        "/api/items/{item}/{year}" in spec["paths"]
        and "/api/submissions/{submission_id}/actions" in spec["paths"]
    )
    docs = c.get("/api/docs")
    assert docs.status_code == 200 and "/api/dashboard" in docs.text and '<script src="http' not in docs.text


# ---- uploads ------------------------------------------------------------------------------------


def test_sniff_and_sanitise() -> None:
    assert sniff(PDF) == "pdf" and sniff(PNG) == "png" and sniff(b"\xff\xd8\xff\xe0") == "jpeg"
    assert (
        sniff(b"MZ\x90\x00") is None and sniff(b"<html><script>") is None and sniff(b"PK\x03\x04xx") is None
    )
    assert safe_filename("../../etc/passwd.pdf", "pdf") == "passwd.pdf"
    assert safe_filename("..\\..\\windows\\a.pdf", "pdf") == "a.pdf"
    assert safe_filename("报告\x00<b>.pdf", "pdf") == "报告_b_.pdf"
    assert safe_filename("", "png") == "file.png" and safe_filename(".htaccess", "pdf") == "htaccess.pdf"


def test_office_files_are_recognised(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.save(tmp_path / "a.xlsx")
    assert sniff((tmp_path / "a.xlsx").read_bytes()) == "xlsx"
    import zipfile

    with zipfile.ZipFile(tmp_path / "b.zip", "w") as z:
        z.writestr("x.txt", "hello")
    assert sniff((tmp_path / "b.zip").read_bytes()) == "zip"


def _upload(
    c: TestClient, token: str, name: str, data: bytes, mime: str = "application/pdf"
) -> tuple[int, str]:
    r = c.post(
        "/entry/eco_env_investment/2023",
        data={"region": "411224", "value": "45000", "action": "submit", "version": "0", "csrf_token": token},
        files=[("files", (name, data, mime))],
        follow_redirects=False,
    )
    return r.status_code, r.text


def test_hostile_uploads_refused_nothing_stored(site: Site) -> None:
    app = create_app(site.url, site.files, secret_key="k" * 40, max_upload=4096)
    c = TestClient(app)
    token = login(c, "u07")
    before = (count(site.url), count(site.url, Evidence))
    status, text = _upload(c, token, "大文件.pdf", PDF + b"0" * 10_000)
    assert status == 413 and "超过上限" in text
    status, text = _upload(c, token, "照片.pdf", PNG)
    assert status == 415 and "扩展名 .pdf 与内容（PNG 图片）不符" in text
    status, text = _upload(c, token, "setup.pdf", b"MZ\x90\x00" + b"\x00" * 100, "application/pdf")
    assert status == 415 and "不是可接受的类型" in text
    status, text = _upload(c, token, "page.pdf", b"<html><script>alert(1)</script></html>", "application/pdf")
    assert status == 415
    r = c.post("/api/evidence", data={"region": "411224"}, files={"file": ("x.pdf", b"", "application/pdf")},
               headers={"X-CSRF-Token": token})  # fmt: skip
    assert r.status_code == 400 and "为空" in r.json()["detail"]
    assert (count(site.url), count(site.url, Evidence)) == before
    blobs = [p for p in site.files.rglob("*") if p.is_file() and len(p.name) == 64]
    assert blobs == []
    # a path-like name is reduced to a bare file name inside the content-addressed store
    status, _ = _upload(c, token, "../../../../tmp/evil.pdf", PDF)
    assert status == 303
    with session_scope(site.url) as s:
        ev = s.scalars(select(Evidence)).one()
        assert ev.filename == "evil.pdf" and ev.content_type == "application/pdf"
    assert all(site.files in p.parents for p in site.files.rglob("*"))


def test_script_in_note_is_escaped(client_for: Clients) -> None:
    c, token = client_for("u07")
    note = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    r = c.post("/api/items/eco_env_investment/2023", headers={"X-CSRF-Token": token},
               json={"region": "411224", "value": 45000, "note": note, "expected_version": 0})  # fmt: skip
    assert r.status_code == 201 and r.json()["submission"]["note"] == note
    page = c.get("/entry/eco_env_investment").text
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page and "<img src=x" not in page
    o, _ = client_for("office")
    assert "<script>alert" not in o.get("/review").text


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("12abc", "应为数值"), ("1e400", "有限数值"), ("NaN", "有限数值"), ("--1", "应为数值"),
        ("", "请填写数值"), ("-5", "不能为负数"), ("1" * 60, "过长"),
        ("1; DROP TABLE submission", "应为数值"),
    ],
)  # fmt: skip
def test_malformed_numbers_are_refused(site: Site, client_for: Clients, value: str, message: str) -> None:
    c, token = client_for("u07")
    before = count(site.url)
    form = {"region": "411224", "value": value, "action": "save", "version": "0", "csrf_token": token}
    r = c.post("/entry/eco_env_investment/2023", follow_redirects=False, data=form)
    assert r.status_code == 422 and message in r.text
    assert 'value="' + value[:10] in r.text or not value  # the user's input is kept in the form
    assert count(site.url) == before


def test_sql_looking_input_is_just_text(site: Site, client_for: Clients) -> None:
    c, token = client_for("office")
    assert c.get("/entry/gdp'; DROP TABLE submission;--").status_code == 404
    assert c.get("/dashboard", params={"region": "411224' OR '1'='1"}).status_code == 403
    assert c.get("/api/items/gdp/2023", params={"region": "1 OR 1=1"}).status_code == 403
    r = c.get("/api/submissions/1 OR 1=1")
    assert r.status_code == 422 and "应为整数" in r.json()["detail"]
    note = "'); DELETE FROM submission; --"
    r = c.post("/api/items/air_good_days/2023", headers={"X-CSRF-Token": token},
               json={"region": "411224", "value": 300, "note": note, "expected_version": 0})  # fmt: skip
    assert r.status_code == 201 and r.json()["submission"]["note"] == note
    assert "submission" in inspect(get_engine(site.url)).get_table_names() and count(site.url) > 10


def test_bad_json_and_long_note(client_for: Clients) -> None:
    c, token = client_for("u07")
    h = {"X-CSRF-Token": token, "Content-Type": "application/json"}
    r = c.post("/api/items/eco_env_investment/2023", content=b"{not json", headers=h)
    assert r.status_code == 422 and "JSON" in r.json()["detail"]
    r = c.post("/api/items/eco_env_investment/2023", headers={"X-CSRF-Token": token},
               json={"region": "411224", "value": 1, "note": "长" * 2500, "expected_version": 0})  # fmt: skip
    assert r.status_code == 422 and "备注最多" in r.json()["detail"]
