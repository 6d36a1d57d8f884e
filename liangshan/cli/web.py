"""``liangshan serve`` (the web app) and ``liangshan user add|passwd|list|sessions|revoke|demo-passwords``."""

from __future__ import annotations

import getpass
import os
import sys
from typing import Annotated

import typer
from rich.table import Table

from liangshan.cli.common import console, db_url, fail

DbOpt = Annotated[
    str | None, typer.Option("--db", help="数据库 URL（默认 LIANGSHAN_DATABASE_URL 或 data/liangshan.db）")
]
user_app = typer.Typer(help="用户账号：添加、改密码、列出（密码从标准输入读取）", no_args_is_help=True)
DEMO_PASSWORD = "lushi-demo-2026"


def serve(
    db: DbOpt = None,
    host: Annotated[str, typer.Option(help="监听地址（县内网可用 0.0.0.0）")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口")] = 8000,
    workers: Annotated[int, typer.Option(help="进程数")] = 1,
    access_log: Annotated[bool, typer.Option("--access-log/--no-access-log", help="打印访问日志")] = True,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            help="反向代理的地址（如 127.0.0.1）：信任其 X-Forwarded-For/-Proto（限速与审计用真实地址）"
        ),
    ] = None,
) -> None:
    """启动网页服务（填报、审核、总览、Excel、JSON API）。"""
    from liangshan.config import DB_ENV
    from liangshan.store.service import ensure_db
    from liangshan.web.serving import serve as run_server

    url = db_url(db)
    try:
        ensure_db(url)
    except Exception as e:  # a bad URL or an unreachable server: say so plainly
        fail(f"无法打开数据库 {url}：{e}")
    if workers < 1:
        fail(f"--workers 应为正整数，收到：{workers}")
    os.environ[DB_ENV] = url
    console.print(f"两山基地建设管理系统：http://{host}:{port}/  （数据库 {url}）", highlight=False)
    try:
        run_server(
            host,
            port,
            workers,
            access_log=access_log,
            log_level="info" if access_log else "warning",
            proxy_headers=forwarded_allow_ips is not None,
            forwarded_allow_ips=forwarded_allow_ips,
        )
    except OSError as e:
        fail(f"无法监听 {host}:{port}：{e.strerror or e}（端口已被占用或地址无效）")


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("密码：")
        if getpass.getpass("再次输入：") != first:
            fail("两次输入的密码不一致")
        return first
    return sys.stdin.readline().rstrip("\r\n")


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="用户名（登录名）")],
    role: Annotated[str, typer.Option(help="角色：office|unit|reviewer|leader|analyst")],
    unit: Annotated[str | None, typer.Option(help="所属责任单位（名称或别名；unit 角色必填）")] = None,
    region: Annotated[str | None, typer.Option(help="地区代码（只有一个地区时可省略）")] = None,
    display_name: Annotated[str | None, typer.Option(help="显示名称")] = None,
    db: DbOpt = None,
) -> None:
    """添加用户；密码从标准输入读取（至少 8 个字符，不能是常见密码或用户名）。"""
    from liangshan.services.accounts import AccountError, create_user
    from liangshan.services.permissions import ROLES
    from liangshan.store.db import session_scope
    from liangshan.store.service import ensure_db

    if role not in ROLES:
        fail(f"未知角色：{role}（应为 {'|'.join(ROLES)}）")
    url = ensure_db(db_url(db))
    password = _read_password()
    try:
        with session_scope(url) as s:
            user = create_user(
                s,
                username=name,
                role=role,
                password=password,
                unit=unit,
                region=region,
                display_name=display_name,
            )
            where, unit_name = user.region_code, user.unit.name if user.unit else ""
    except AccountError as e:
        fail(str(e))
    console.print(f"已添加用户 {name}（{role}，地区 {where}{'，' + unit_name if unit_name else ''}）")


@user_app.command("passwd")
def user_passwd(name: Annotated[str, typer.Argument(help="用户名")], db: DbOpt = None) -> None:
    """设置或重置用户密码（从标准输入读取）；该用户所有已登录的会话随即失效。"""
    from liangshan.services.accounts import AccountError, set_password
    from liangshan.store.db import session_scope
    from liangshan.store.service import ensure_db

    url = ensure_db(db_url(db))
    password = _read_password()
    try:
        with session_scope(url) as s:
            set_password(s, name, password, by="cli")
    except AccountError as e:
        fail(str(e))
    console.print(f"已设置用户 {name} 的密码，其已登录的会话全部失效")


@user_app.command("sessions")
def user_sessions(name: Annotated[str, typer.Argument(help="用户名")], db: DbOpt = None) -> None:
    """列出用户当前有效的登录会话（编号、登录时间、最近使用、地址、浏览器）。"""
    from sqlalchemy import select

    from liangshan.services.accounts import active_sessions
    from liangshan.store.db import session_scope
    from liangshan.store.models import User
    from liangshan.store.service import ensure_db

    url = ensure_db(db_url(db))
    with session_scope(url) as s:
        user = s.scalars(select(User).where(User.username == name)).first()
        if user is None:
            fail(f"用户不存在：{name}")
        rows = active_sessions(s, user.id)
    if not rows:
        console.print(f"用户 {name} 没有有效的登录会话")
        return
    table = Table("编号", "登录时间", "最近使用", "到期时间", "地址", "浏览器", title=f"{name} 的登录会话")
    fmt = "%Y-%m-%d %H:%M"
    for r in rows:
        table.add_row(
            str(r.ref),
            r.created_at.astimezone().strftime(fmt),
            r.last_seen_at.astimezone().strftime(fmt),
            r.expires_at.astimezone().strftime(fmt),
            r.client,
            r.user_agent[:40],
        )
    console.print(table)


@user_app.command("revoke")
def user_revoke(
    name: Annotated[str, typer.Argument(help="用户名")],
    session: Annotated[
        int | None, typer.Option("--session", help="只结束这一个会话（编号见 liangshan user sessions）")
    ] = None,
    db: DbOpt = None,
) -> None:
    """结束用户的登录会话（默认全部）：被结束的浏览器须重新登录（其他服务进程最迟数秒内生效）。"""
    from sqlalchemy import select

    from liangshan.services.accounts import revoke_sessions
    from liangshan.store.db import session_scope
    from liangshan.store.models import User
    from liangshan.store.service import ensure_db
    from liangshan.store.submissions import audit

    url = ensure_db(db_url(db))
    with session_scope(url) as s:
        user = s.scalars(select(User).where(User.username == name)).first()
        if user is None:
            fail(f"用户不存在：{name}")
        n = revoke_sessions(s, user.id, ref=session)
        if session is not None and n == 0:
            fail(f"用户 {name} 没有编号为 {session} 的有效会话（liangshan user sessions {name} 查看）")
        audit(s, "cli", "revoke", "user", user.id, detail=f"结束会话 {n} 个")
    console.print(f"已结束用户 {name} 的 {n} 个登录会话")


@user_app.command("list")
def user_list(db: DbOpt = None) -> None:
    """列出用户、角色、单位和是否已设置密码。"""
    from liangshan.services.accounts import list_users
    from liangshan.store.db import session_scope
    from liangshan.store.service import ensure_db

    url = ensure_db(db_url(db))
    table = Table("用户名", "显示名称", "角色", "单位", "地区", "密码")
    with session_scope(url) as s:
        rows = list_users(s)
    for u in rows:
        table.add_row(
            u.username,
            u.display_name,
            u.role_label,
            u.unit,
            u.region,
            "已设置" if u.has_password else "未设置",
        )
    console.print(table)


@user_app.command("demo-passwords")
def user_demo_passwords(
    db: DbOpt = None,
    password: Annotated[str, typer.Option(help="给尚无密码的账号设置的示例密码")] = DEMO_PASSWORD,
    demo: Annotated[
        bool, typer.Option("--demo", help="演示模式：不要求首次登录修改密码（仅用于本机演示）")
    ] = False,
) -> None:
    """给尚未设置密码的账号设置同一个示例密码并打印账号；除 --demo 外，这些账号首次登录须先改密码。"""
    from liangshan.services.accounts import AccountError, set_missing_passwords
    from liangshan.store.db import session_scope
    from liangshan.store.service import ensure_db

    url = ensure_db(db_url(db))
    try:
        with session_scope(url) as s:
            shown = set_missing_passwords(s, password, must_change=not demo)
    except AccountError as e:
        fail(str(e))
    if not shown:
        console.print("所有账号都已设置密码，未做修改")
        return
    note = "仅用于演示" if demo else "首次登录须修改"
    table = Table("用户名", "角色", "单位", title=f"示例账号（密码均为 {password}，{note}）")
    from liangshan.services.permissions import ROLE_LABELS

    for name, role, unit in shown[:8]:
        table.add_row(name, ROLE_LABELS.get(role, role), unit)
    if len(shown) > 8:
        table.add_row("…", "", f"另有 {len(shown) - 8} 个账号（liangshan user list 查看）")
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add ``serve`` and the ``user`` group to the root command."""
    app.command("serve")(serve)
    app.add_typer(user_app, name="user")
