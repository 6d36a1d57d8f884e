"""Server-side sessions, the login throttle, the password policy and the forced password change."""

from __future__ import annotations

import random
import re
import string

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner
from websupport import PASSWORD, Site, login

from liangshan.cli import app as cli_app
from liangshan.services.accounts import (
    PasswordPolicyError,
    check_password,
    common_passwords,
    hash_password,
)
from liangshan.store.db import session_scope
from liangshan.store.models import User, UserSession
from liangshan.web.app import create_app
from liangshan.web.security import LoginThrottle


def form_login(c: TestClient, user: str, password: str) -> int:
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
    assert token
    r = c.post("/login", data={"username": user, "password": password, "csrf_token": token.group(1)},
               follow_redirects=False)  # fmt: skip
    return r.status_code


def test_logout_ends_the_session_for_a_replayed_cookie(site: Site, app: FastAPI) -> None:
    c = TestClient(app)
    token = login(c, "office")
    stolen = c.cookies.get("ls_session")
    assert stolen
    assert c.post("/api/logout", headers={"X-CSRF-Token": token}).status_code == 200
    replay = TestClient(app)
    replay.cookies.set("ls_session", stolen)
    r = replay.get("/api/me")
    assert r.status_code == 401 and r.json()["code"] == "unauthenticated"
    r = replay.get("/dashboard", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    with session_scope(site.url) as s:
        rows = s.scalars(select(UserSession)).all()
        assert len(rows) == 1 and rows[0].revoked_at is not None
        assert stolen not in rows[0].token_hash  # only the sha256 of the id is kept


def test_form_logout_and_other_process_revocation(site: Site, app: FastAPI) -> None:
    c = TestClient(app)
    login(c, "leader")
    page = c.get("/account")
    assert page.status_code == 200 and "当前会话" in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    stolen = c.cookies.get("ls_session")
    assert c.post("/logout", data={"csrf_token": csrf.group(1)}, follow_redirects=False).status_code == 303
    replay = TestClient(app)
    replay.cookies.set("ls_session", stolen)
    assert replay.get("/api/me").status_code == 401
    # revoked by the CLI (another process): effective once the 5 s check cache expires
    c2 = TestClient(app)
    login(c2, "leader")
    app.state.ctx.actors.ttl = 0.0
    res = CliRunner().invoke(cli_app, ["user", "sessions", "leader", "--db", site.url])
    assert res.exit_code == 0 and "leader 的登录会话" in res.output
    res = CliRunner().invoke(cli_app, ["user", "revoke", "leader", "--db", site.url])
    assert res.exit_code == 0 and "已结束用户 leader 的 1 个登录会话" in res.output
    assert c2.get("/api/me").status_code == 401


def test_end_other_sessions_and_password_change(site: Site, app: FastAPI) -> None:
    a, b, c = TestClient(app), TestClient(app), TestClient(app)
    token_a = login(a, "office")
    login(b, "office")
    login(c, "office")
    r = a.get("/api/account/sessions")
    assert r.status_code == 200 and len(r.json()["sessions"]) == 3
    r = a.post("/api/account/sessions/end-others", headers={"X-CSRF-Token": token_a})
    assert r.json() == {"ok": True, "ended": 2}
    assert b.get("/api/me").status_code == 401 and a.get("/api/me").status_code == 200
    login(b, "office")
    r = a.post("/api/account/password", json={"old_password": PASSWORD, "new_password": "12345678"},
               headers={"X-CSRF-Token": token_a})  # fmt: skip
    assert r.status_code == 422 and "常见" in r.json()["detail"]
    r = a.post("/api/account/password", json={"old_password": "wrong-one", "new_password": "Liangshan#2026x"},
               headers={"X-CSRF-Token": token_a})  # fmt: skip
    assert r.status_code == 422 and "当前密码不正确" in r.json()["detail"]
    r = a.post("/api/account/password", json={"old_password": PASSWORD, "new_password": "Liangshan#2026x"},
               headers={"X-CSRF-Token": token_a})  # fmt: skip
    assert r.status_code == 200
    assert a.get("/api/me").status_code == 200  # this session is renewed
    assert b.get("/api/me").status_code == 401  # every other one ended
    assert form_login(TestClient(app), "office", "Liangshan#2026x") == 303


def test_cli_passwd_ends_sessions_and_checks_policy(site: Site, app: FastAPI) -> None:
    c = TestClient(app)
    login(c, "leader")
    app.state.ctx.actors.ttl = 0.0
    res = CliRunner().invoke(cli_app, ["user", "passwd", "leader", "--db", site.url], input="password\n")
    assert res.exit_code != 0 and "常见" in res.output
    res = CliRunner().invoke(cli_app, ["user", "passwd", "leader", "--db", site.url], input="leader\n")
    assert res.exit_code != 0
    assert c.get("/api/me").status_code == 200
    res = CliRunner().invoke(cli_app, ["user", "passwd", "leader", "--db", site.url], input="Shan-shui-88\n")
    assert res.exit_code == 0, res.output
    assert c.get("/api/me").status_code == 401


def test_five_failures_for_one_account_do_not_lock_another(site: Site, app: FastAPI) -> None:
    c = TestClient(app)  # every TestClient comes from the same address ("testclient")
    for _ in range(5):
        assert form_login(c, "office", "wrong-password") == 401
    assert form_login(c, "office", PASSWORD) == 429  # this pair waits a short back-off
    assert form_login(TestClient(app), "leader", PASSWORD) == 303  # a colleague behind the same NAT
    other = TestClient(app, client=("10.0.0.9", 4000))
    assert form_login(other, "office", PASSWORD) == 303  # the owner from elsewhere


def test_throttle_back_off_is_short_and_memory_bounded() -> None:
    t = LoginThrottle(limit=5, max_entries=1000)
    for _ in range(5):
        t.failed("office", "1.2.3.4")
    wait = t.wait_seconds("office", "1.2.3.4")
    assert 0 < wait <= 31
    t.failed("office", "1.2.3.4")
    assert t.wait_seconds("office", "1.2.3.4") <= 61
    for _ in range(20):
        t.failed("office", "1.2.3.4")
    assert t.wait_seconds("office", "1.2.3.4") <= t.max_backoff + 1  # never more than 5 minutes
    assert t.wait_seconds("office", "1.2.3.5") == 0
    rnd = random.Random(1)
    for i in range(30_000):
        name = "".join(rnd.choices(string.ascii_lowercase, k=10))
        t.failed(name, f"10.{i % 250}.{i // 250 % 250}.1")
    assert t.entries() <= 2 * 1000
    # the per-address ceiling: 100 failures from one address across names
    t2 = LoginThrottle()
    for i in range(100):
        t2.failed(f"user{i}", "9.9.9.9")
    assert t2.wait_seconds("fresh-name", "9.9.9.9") > 0
    assert t2.wait_seconds("fresh-name", "9.9.9.8") == 0


@pytest.mark.parametrize(
    "password",
    ["password", "12345678", "qwertyui", "1qaz2wsx", "woaini1314", "lushi123456", "PASSWORD", "short"],
)
def test_password_policy_refuses(password: str) -> None:
    with pytest.raises(PasswordPolicyError):
        check_password(password)


def test_password_policy_accepts_and_refuses_the_user_name() -> None:
    assert len(common_passwords()) > 1000
    check_password("Qing-shan-lv-shui-7")
    check_password("lushi-demo-2026")
    with pytest.raises(PasswordPolicyError, match="用户名"):
        check_password("zhangsan-office", "zhangsan-office")
    with pytest.raises(PasswordPolicyError, match="简单"):
        check_password("abababab")


def test_demo_passwords_force_a_change_on_first_login(site: Site) -> None:
    with session_scope(site.url) as s:
        s.add(User(username="newbie", display_name="新人", role="leader", region_code="411224"))
    res = CliRunner().invoke(cli_app, ["user", "demo-passwords", "--db", site.url])
    assert res.exit_code == 0 and "首次登录须修改" in "".join(res.output.split())
    app = create_app(site.url, site.files, secret_key="k" * 40)
    c = TestClient(app)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
    assert token
    body = {"username": "newbie", "password": "lushi-demo-2026", "csrf_token": token.group(1)}
    r = c.post("/login", data=body, follow_redirects=False)
    assert r.headers["location"] == "/account"
    r = c.get("/dashboard", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/account"
    r = c.get("/api/workplan/tasks/1")
    assert r.status_code == 403 and r.json()["code"] == "password_change_required"
    page = c.get("/account")
    assert "初始" in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    r = c.post("/account/password", data={"csrf_token": csrf.group(1), "old_password": "lushi-demo-2026",
               "new_password": "newbie", "new_password2": "newbie"})  # fmt: skip
    assert r.status_code == 422 and "至少 8 个字符" in r.text
    new = "Xin-ren-2026!"
    r = c.post("/account/password", data={"csrf_token": csrf.group(1), "old_password": "lushi-demo-2026",
               "new_password": new, "new_password2": new}, follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    assert c.get("/dashboard", follow_redirects=False).status_code == 200
    with session_scope(site.url) as s:
        user = s.scalars(select(User).where(User.username == "newbie")).one()
        assert user.must_change_password is False


def test_demo_mode_does_not_force_a_change(site: Site) -> None:
    with session_scope(site.url) as s:
        s.add(User(username="demo-user", display_name="演示", role="leader", region_code="411224"))
    res = CliRunner().invoke(cli_app, ["user", "demo-passwords", "--demo", "--db", site.url])
    assert res.exit_code == 0 and "仅用于演示" in "".join(res.output.split())
    with session_scope(site.url) as s:
        assert s.scalars(select(User).where(User.username == "demo-user")).one().must_change_password is False
    assert hash_password("lushi-demo-2026")


def test_demo_says_which_accounts_wait_for_a_password(site: Site) -> None:
    """``liangshan demo`` names the accounts that cannot log in yet and the command that fixes it; once
    ``user demo-passwords`` has run it says nothing more, and that command lists roles in Chinese."""
    with session_scope(site.url) as s:
        s.add(User(username="waiting", display_name="待设", role="leader", region_code="411224"))
    res = CliRunner().invoke(cli_app, ["demo", "--db", site.url])
    text = "".join(res.output.split())
    assert res.exit_code == 0 and "示例账号1个（waiting）尚未设置密码，暂时不能登录" in text, res.output
    assert f"liangshanuserdemo-passwords--db{site.url}" in text and "须先修改密码" in text
    res = CliRunner().invoke(cli_app, ["user", "demo-passwords", "--db", site.url])
    assert res.exit_code == 0 and "领导（只读）" in res.output and "│ leader" not in res.output, res.output
    res = CliRunner().invoke(cli_app, ["demo", "--db", site.url])
    assert res.exit_code == 0 and "尚未设置密码" not in "".join(res.output.split())
