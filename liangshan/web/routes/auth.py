"""Log in and out (pages and API)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from liangshan.services.accounts import password_fingerprint, verify_password
from liangshan.services.permissions import Actor
from liangshan.store.models import User
from liangshan.store.submissions import audit
from liangshan.web import schemas as sc
from liangshan.web.context import WebContext
from liangshan.web.deps import (
    csrf_protect,
    ctx_of,
    current_actor,
    optional_actor,
    redirect,
    render,
    safe_next,
)
from liangshan.web.security import new_session

router = APIRouter(dependencies=[Depends(csrf_protect)])


class LoginFailed(Exception):
    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def authenticate(ctx: WebContext, request: Request, username: str, password: str) -> User:
    """Check the password with throttling; on success rotate the session (new CSRF token)."""
    name = username.strip()[:64]
    client = request.client.host if request.client else "?"
    keys = ("u:" + name.lower(), "ip:" + client)
    wait = ctx.throttle.wait_seconds(*keys)
    if wait:
        raise LoginFailed(f"登录失败次数过多，请 {max(1, wait // 60)} 分钟后再试", 429)
    with ctx.read() as s:
        user = s.scalars(select(User).where(func.lower(User.username) == name.lower())).first()
        ok = verify_password(user.password_hash if user else None, password)
        if not ok or user is None or not user.active:
            ctx.throttle.failed(*keys)
            raise LoginFailed("用户名或密码错误（账号未设置密码或已停用也无法登录）", 401)
        s.expunge(user)
    ctx.throttle.succeeded(keys[0])
    with ctx.write(values=False) as s:
        audit(s, user.username, "login", "user", user.id, detail=client)
    request.state.session_out = new_session(user.id, password_fingerprint(user.password_hash))
    return user


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
        authenticate(ctx, request, username, password)
    except LoginFailed as e:
        ctx_vars = {"next": safe_next(next), "error": str(e), "username": username}
        return render(request, "login.html", ctx_vars, e.status)
    return redirect(request, "/todo" if safe_next(next) == "/" else safe_next(next))  # 待办 first


@router.post("/logout", include_in_schema=False)
def logout(request: Request) -> Response:
    request.state.session_out = "clear"
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
    request.state.session_out = "clear"
    return {"ok": True}


@router.get("/api/me", tags=["账号"], summary="当前用户、角色、单位、可访问地区", response_model=sc.Me)
def api_me(actor: Annotated[Actor, Depends(current_actor)]) -> dict[str, Any]:
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
