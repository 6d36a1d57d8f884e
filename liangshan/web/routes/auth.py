"""Log in and out, change the password, list and end one's sessions (pages and API)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from liangshan.services.accounts import (
    PasswordPolicyError,
    active_sessions,
    end_session,
    password_fingerprint,
    revoke_sessions,
    set_password,
    start_session,
    verify_password,
)
from liangshan.services.permissions import Actor
from liangshan.store.models import User
from liangshan.store.submissions import audit
from liangshan.web import schemas as sc
from liangshan.web.context import WebContext
from liangshan.web.deps import (
    ActorDep,
    csrf_protect,
    ctx_of,
    optional_actor,
    redirect,
    render,
    safe_next,
    session_of,
)
from liangshan.web.security import new_session

router = APIRouter(dependencies=[Depends(csrf_protect)])


class LoginFailed(Exception):
    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def client_of(request: Request) -> str:
    return request.client.host if request.client else "?"


def _wait_text(wait: int) -> str:
    return f"{wait} 秒" if wait < 60 else f"{(wait + 59) // 60} 分钟"


def authenticate(ctx: WebContext, request: Request, username: str, password: str) -> User:
    """Check the password with throttling (per account and address, see :class:`LoginThrottle`);
    on success record a server-side session and rotate the cookie (new session id, new CSRF token)."""
    name = username.strip()[:64]
    client = client_of(request)
    wait = ctx.throttle.wait_seconds(name, client)
    if wait:
        raise LoginFailed(f"登录失败次数过多，请 {_wait_text(wait)}后再试", 429)
    with ctx.read() as s:
        user = s.scalars(select(User).where(func.lower(User.username) == name.lower())).first()
        ok = verify_password(user.password_hash if user else None, password)
        if not ok or user is None or not user.active:
            ctx.throttle.failed(name, client)
            raise LoginFailed("用户名或密码错误（账号未设置密码或已停用也无法登录）", 401)
        s.expunge(user)
    ctx.throttle.succeeded(name, client)
    old = session_of(request)
    with ctx.write(values=False) as s:
        if old.sid:  # logging in again from the same browser ends the previous session
            end_session(s, old.sid)
        sid = start_session(s, user.id, client, request.headers.get("user-agent", ""))
        audit(s, user.username, "login", "user", user.id, detail=client)
    request.state.session_out = new_session(user.id, password_fingerprint(user.password_hash), sid)
    return user


def _end_current(request: Request) -> None:
    """Revoke the request's server-side session (logout): the cookie stops working everywhere."""
    data = session_of(request)
    if data.sid:
        ctx = ctx_of(request)
        with ctx.write(values=False) as s:
            end_session(s, data.sid)
        ctx.forget_sessions()
    request.state.session_out = "clear"


@router.get("/", include_in_schema=False)
def home(request: Request) -> Response:
    actor = optional_actor(request)
    if actor is None:
        return redirect(request, "/login")
    return redirect(request, "/entry" if actor.role == "unit" else "/dashboard")


@router.get("/login", include_in_schema=False)
def login_form(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", {"next": safe_next(next), "error": None, "username": ""})


@router.post("/login", include_in_schema=False)
def login(
    request: Request,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=500)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    ctx = ctx_of(request)
    try:
        user = authenticate(ctx, request, username, password)
    except LoginFailed as e:
        ctx_vars = {"next": safe_next(next), "error": str(e), "username": username}
        return render(request, "login.html", ctx_vars, e.status)
    if user.must_change_password:
        return redirect(request, "/account", ("info", "首次登录请先修改初始密码"))
    return redirect(request, "/todo" if safe_next(next) == "/" else safe_next(next))  # 待办 first


@router.post("/logout", include_in_schema=False)
def logout(request: Request) -> Response:
    _end_current(request)
    return redirect(request, "/login", ("ok", "已退出登录"))


class LoginBody(BaseModel):
    username: str = Field(max_length=200)
    password: str = Field(max_length=500)


@router.post(
    "/api/login",
    tags=["账号"],
    summary="登录（返回 CSRF 令牌，写操作须带 X-CSRF-Token 头）",
    response_model=sc.LoginOut,
    responses={401: {"model": sc.ErrorBody}, 429: {"model": sc.ErrorBody, "description": "登录失败次数过多"}},
)
def api_login(request: Request, body: LoginBody) -> Response:
    ctx = ctx_of(request)
    try:
        user = authenticate(ctx, request, body.username, body.password)
    except LoginFailed as e:
        return JSONResponse({"detail": str(e), "code": "login_failed"}, status_code=e.status)
    return JSONResponse(
        {
            "user": {"username": user.username, "role": user.role, "region": user.region_code},
            "csrf_token": request.state.session_out.csrf,
        }
    )


@router.post("/api/logout", tags=["账号"], summary="退出登录", response_model=sc.Ok)
def api_logout(request: Request) -> dict[str, Any]:
    _end_current(request)
    return {"ok": True}


@router.get("/api/me", tags=["账号"], summary="当前用户、角色、单位、可访问地区", response_model=sc.Me)
def api_me(actor: ActorDep) -> dict[str, Any]:
    return {
        "username": actor.username,
        "display_name": actor.display_name,
        "role": actor.role,
        "role_label": actor.role_label,
        "region": actor.region,
        "unit": actor.unit_name,
        "regions": sorted(actor.regions),
        "csrf_token": actor.csrf,
    }


# ---------------------------------------------------------------- own account: password, sessions


def _must_change(request: Request) -> bool:
    hit = getattr(request.state, "login", None)
    return bool(hit and hit[1])


def _sessions_view(request: Request, actor: Actor) -> list[dict[str, Any]]:
    ctx = ctx_of(request)
    with ctx.read() as s:
        rows = active_sessions(s, actor.id, session_of(request).sid or None)
    return [
        {
            "ref": r.ref,
            "created": r.created_at.astimezone().strftime("%Y-%m-%d %H:%M"),
            "last_seen": r.last_seen_at.astimezone().strftime("%Y-%m-%d %H:%M"),
            "expires": r.expires_at.astimezone().strftime("%Y-%m-%d %H:%M"),
            "client": r.client,
            "user_agent": r.user_agent,
            "current": r.current,
        }
        for r in rows
    ]


def _account_page(request: Request, actor: Actor, error: str | None = None, status: int = 200) -> Response:
    ctx_vars = {
        "sessions": _sessions_view(request, actor),
        "error": error,
        "must_change": _must_change(request),
        "section": "account",
    }
    return render(request, "account.html", ctx_vars, status)


def change_password(request: Request, actor: Actor, old: str, new: str, again: str | None) -> None:
    """Check the current password and the policy, store the new one, end every other session and
    rotate this one. Raises :class:`PasswordPolicyError` (a Chinese message)."""
    ctx = ctx_of(request)
    if again is not None and new != again:
        raise PasswordPolicyError("两次输入的新密码不一致")
    with ctx.write(values=False) as s:
        user = s.get(User, actor.id)
        if user is None or not verify_password(user.password_hash, old):
            raise PasswordPolicyError("当前密码不正确")
        if verify_password(user.password_hash, new):
            raise PasswordPolicyError("新密码不能与当前密码相同")
        set_password(s, user, new)  # revokes every session of the user, this one included
        sid = start_session(s, user.id, client_of(request), request.headers.get("user-agent", ""))
        audit(s, user.username, "passwd", "user", user.id, detail="用户自行修改密码")
        fp = password_fingerprint(user.password_hash)
    ctx.forget_sessions()
    request.state.session_out = new_session(actor.id, fp, sid)


@router.get("/account", include_in_schema=False)
def account(request: Request, actor: ActorDep) -> Response:
    return _account_page(request, actor)


@router.post("/account/password", include_in_schema=False)
def account_password(
    request: Request,
    actor: ActorDep,
    old_password: Annotated[str, Form(max_length=500)] = "",
    new_password: Annotated[str, Form(max_length=500)] = "",
    new_password2: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    try:
        change_password(request, actor, old_password, new_password, new_password2)
    except PasswordPolicyError as e:
        return _account_page(request, actor, str(e), 422)
    return redirect(request, "/account", ("ok", "密码已修改，其他设备上的登录已全部退出"))


@router.post("/account/sessions/end-others", include_in_schema=False)
def account_end_others(request: Request, actor: ActorDep) -> Response:
    ctx = ctx_of(request)
    with ctx.write(values=False) as s:
        n = revoke_sessions(s, actor.id, keep_token=session_of(request).sid or None)
        audit(s, actor.username, "revoke", "user", actor.id, detail=f"结束其他会话 {n} 个")
    ctx.forget_sessions()
    return redirect(request, "/account", ("ok", f"已结束其他 {n} 个登录会话"))


class PasswordBody(BaseModel):
    old_password: str = Field(max_length=500)
    new_password: str = Field(max_length=500)


@router.post(
    "/api/account/password",
    tags=["账号"],
    summary="修改自己的密码（其他会话全部结束，本会话换新 CSRF 令牌）",
    response_model=sc.LoginOut,
    responses={422: {"model": sc.ErrorBody}},
)
def api_account_password(request: Request, body: PasswordBody, actor: ActorDep) -> Response:
    try:
        change_password(request, actor, body.old_password, body.new_password, None)
    except PasswordPolicyError as e:
        return JSONResponse({"detail": str(e), "code": "password_policy"}, status_code=422)
    return JSONResponse(
        {
            "user": {"username": actor.username, "role": actor.role, "region": actor.region},
            "csrf_token": request.state.session_out.csrf,
        }
    )


class SessionOut(BaseModel):
    ref: int = Field(description="会话编号（liangshan user revoke --session 用）")
    created: str = Field(description="登录时间")
    last_seen: str = Field(description="最近使用时间（约每 5 分钟更新）")
    expires: str = Field(description="到期时间")
    client: str = Field(description="客户端地址")
    user_agent: str = Field(description="浏览器标识")
    current: bool = Field(description="是否为本次请求的会话")


class SessionsOut(BaseModel):
    sessions: list[SessionOut]


class EndedOut(BaseModel):
    ok: bool
    ended: int = Field(description="结束的会话数")


@router.get(
    "/api/account/sessions",
    tags=["账号"],
    summary="自己的有效登录会话（页面 /account）",
    response_model=SessionsOut,
)
def api_account_sessions(request: Request, actor: ActorDep) -> dict[str, Any]:
    return {"sessions": _sessions_view(request, actor)}


@router.post(
    "/api/account/sessions/end-others",
    tags=["账号"],
    summary="结束自己的其他登录会话",
    response_model=EndedOut,
)
def api_account_end_others(request: Request, actor: ActorDep) -> dict[str, Any]:
    ctx = ctx_of(request)
    with ctx.write(values=False) as s:
        n = revoke_sessions(s, actor.id, keep_token=session_of(request).sid or None)
        audit(s, actor.username, "revoke", "user", actor.id, detail=f"结束其他会话 {n} 个")
    ctx.forget_sessions()
    return {"ok": True, "ended": n}
