"""Request helpers shared by the routes: the context, the signed-in user, CSRF, regions, rendering."""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Sequence
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import Markup, escape
from sqlalchemy import select

from liangshan.services.permissions import Actor, PermissionDenied, check_region
from liangshan.store.models import AssessmentRound, Region
from liangshan.web.context import WebContext
from liangshan.web.security import FLASH_COOKIE, SessionData, csrf_ok

MAX_ID = 2**31 - 1  # an INTEGER column on PostgreSQL (SQLite takes 2⁶³ but the row cannot exist)
IdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="记录编号（正整数）")]
YearPath = Annotated[int, Path(ge=1900, le=2100, description="年份（1900—2100）")]
YearQuery = Annotated[int, Query(ge=1900, le=2100, description="年份（1900—2100）")]
IdQuery = Annotated[int, Query(ge=1, le=MAX_ID, description="记录编号（正整数）")]
OptIdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID, description="记录编号（正整数）")]
OptYearQuery = Annotated[int | None, Query(ge=1900, le=2100, description="年份（1900—2100）")]


def _known_item(request: Request, item: Annotated[str, Path(max_length=64)]) -> str:
    """A data element code or ``indicator:N`` of the catalog or of another bundled indicator set (the
    route checks it against the region's set); an unknown one answers 404."""
    from liangshan.services.catalogs import known_item
    from liangshan.store.errors import NotFoundError

    if not known_item(item, request.app.state.ctx.catalog):
        raise NotFoundError(f"未知数据项：{item}")
    return item


ItemPath = Annotated[str, Depends(_known_item)]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class NotAuthenticated(Exception):
    """No valid session: pages redirect to the login form, the API answers 401."""


class PasswordChangeRequired(Exception):
    """The user signed in with a password that must be changed first (pages redirect to the
    change-password page, the API answers 403)."""


# what a user who must change the password may still reach
PASSWORD_CHANGE_PATHS = frozenset(
    {
        "/account",
        "/account/password",
        "/logout",
        "/api/logout",
        "/api/me",
        "/api/account/password",
        "/api/account/sessions",
    }
)


class CsrfError(Exception):
    """A write without the session's CSRF token (HTTP 403)."""


def ctx_of(request: Request) -> WebContext:
    return request.app.state.ctx


def session_of(request: Request) -> SessionData:
    return request.state.session


def _login(request: Request) -> tuple[Actor, bool] | None:
    cached = getattr(request.state, "login", None)
    if cached is not None:
        return cached
    hit = ctx_of(request).load_login(session_of(request))
    if hit is not None:
        request.state.login = hit
    return hit


def _actor_of(request: Request, hit: tuple[Actor, bool] | None) -> Actor:
    if hit is None:
        raise NotAuthenticated()
    actor, must_change = hit
    if must_change and request.url.path not in PASSWORD_CHANGE_PATHS:
        raise PasswordChangeRequired()
    request.state.actor = actor
    return actor


def current_actor(request: Request) -> Actor:
    """The signed-in user; raises :class:`NotAuthenticated`, or :class:`PasswordChangeRequired` while
    the user still has to replace an initial password."""
    return _actor_of(request, _login(request))


async def actor_dependency(request: Request) -> Actor:
    """:func:`current_actor` as a route dependency. A session checked in the last seconds is answered
    from the context's cache on the event loop; only a check that reads the database goes to the
    thread pool. (A sync dependency would cost every request a thread hand-off — futex wake-ups and
    GIL transfers that a second worker process would otherwise turn into throughput.)"""
    hit = getattr(request.state, "login", None) or ctx_of(request).cached_login(session_of(request))
    if hit is not None:
        request.state.login = hit
        return _actor_of(request, hit)
    return await run_in_threadpool(current_actor, request)


#: The signed-in user of a route (every route that needs a login declares ``actor: ActorDep``).
ActorDep = Annotated[Actor, Depends(actor_dependency)]


def optional_actor(request: Request) -> Actor | None:
    try:
        return current_actor(request)
    except NotAuthenticated:
        return None


async def csrf_protect(request: Request) -> None:
    """Dependency of every router: unsafe methods need the session's CSRF token (header or form field)."""
    if request.method in SAFE_METHODS:
        return
    if request.url.path == "/api/login" and request.headers.get("content-type", "").startswith(
        "application/json"
    ):
        return  # a cross-site JSON POST needs a CORS preflight, which this server never grants
    origin = request.headers.get("origin")
    if origin and origin != "null":
        host = request.headers.get("host", "")
        if origin.split("://", 1)[-1] != host:
            raise CsrfError(f"请求来源 {origin} 与本站 {host} 不一致")
    token = request.headers.get("x-csrf-token")
    if not token and request.headers.get("content-type", "").startswith(FORM_TYPES):
        form = await request.form()
        value = form.get("csrf_token")
        token = value if isinstance(value, str) else None
    if not csrf_ok(session_of(request).csrf, token):
        raise CsrfError("安全校验失败（CSRF 令牌缺失或不符）：请刷新页面后重试")


def scope_regions(request: Request, actor: Actor) -> list[dict[str, str]]:
    """The regions the user may switch between (code, name), with a round first."""
    ctx = ctx_of(request)
    key = ("regions", actor.regions)
    hit = ctx.cache.get(key)
    if hit is None:
        with ctx.read() as s:
            with_round = set(s.scalars(select(AssessmentRound.region_code).distinct()))
            rows = s.execute(
                select(Region.code, Region.name)
                .where(Region.code.in_(list(actor.regions)))
                .order_by(Region.code)
            ).all()
        hit = sorted(
            ({"code": c, "name": n, "has_round": c in with_round} for c, n in rows),
            key=lambda r: (not r["has_round"], r["code"]),
        )
        ctx.cache.put(key, hit)
    return hit


def pick_region(request: Request, actor: Actor, region: str | None) -> str:
    """The region asked for (checked against the user's scope), else the user's default region."""
    if region:
        region = region.strip()
        check_region(actor, region)
        return region
    if actor.region is None or not actor.regions:
        raise PermissionDenied("您的账号没有指定地区，请联系管理员")
    regions = scope_regions(request, actor)
    own = next((r for r in regions if r["code"] == actor.region), None)
    if own is not None and own["has_round"]:
        return actor.region
    return regions[0]["code"] if regions else actor.region


_OPTIONS: dict[int, tuple[Sequence[dict[str, Any]], str]] = {}


def region_options(regions: Sequence[dict[str, Any]], current: str | None) -> Markup:
    """The ``<option>`` list of the region switcher, with ``current`` selected.

    Built once per list (``scope_regions`` caches the list, a ministry's has 3,000 entries) and kept
    with a reference to it, so its ``id`` cannot be reused while the entry lives."""
    hit = _OPTIONS.get(id(regions))
    if hit is None or hit[0] is not regions:
        if len(_OPTIONS) > 64:
            _OPTIONS.clear()
        html = "".join(
            f'<option value="{escape(r["code"])}">{escape(r["name"])}（{escape(r["code"])}）</option>'
            for r in regions
        )
        hit = _OPTIONS[id(regions)] = (regions, html)
    if current is None:
        return Markup(hit[1])
    value = f'<option value="{escape(current)}">'
    return Markup(hit[1].replace(value, value[:-1] + " selected>", 1))


def _common(request: Request) -> dict[str, Any]:
    """The per-user part of every page: user, CSRF token, flash message, regions."""
    actor = getattr(request.state, "actor", None)
    if actor is None:
        hit = _login(request)
        actor = hit[0] if hit is not None and not hit[1] else None
    return {
        "request": request,
        "actor": actor,
        "csrf": session_of(request).csrf,
        "flash": ctx_of(request).codec.decode_flash(request.cookies.get(FLASH_COOKIE)),
        "regions": scope_regions(request, actor) if actor is not None and actor.region else [],
    }


def _respond(request: Request, html: str, flash: Any, status_code: int) -> HTMLResponse:
    resp = HTMLResponse(html, status_code=status_code)
    if flash:
        resp.delete_cookie(FLASH_COOKIE, path="/")
    return resp


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    """Render a template with the common context (user, CSRF token, flash message, regions)."""
    base = _common(request)
    base.update(context)
    html = request.app.state.templates.env.get_template(name).render(base)
    return _respond(request, html, base["flash"], status_code)


CSRF_SLOT = "liangshan-csrf-slot-0c4f2a"  # never a real token (those are url-safe base64 of 32 bytes)
SHELL_MARK = re.compile(r"<!--liangshan:header\|([a-z_]*)\|([0-9A-Za-z_-]*)-->")
FLASH_MARK = "<!--liangshan:flash-->"


def render_cached(
    request: Request,
    name: str,
    make_context: Callable[[], dict[str, Any]],
    key: Hashable,
    status_code: int = 200,
) -> HTMLResponse:
    """Render a page whose body depends only on ``key`` (region, data version, the role's view…).

    The page is rendered once per key (``make_context()`` is called only then) with the header,
    the flash message and the CSRF token left as slots; each request then renders only the header
    (user, regions) and fills the slots. The caller's key must include everything the body shows
    that differs between users; the caller checks permissions before calling.
    """
    ctx = ctx_of(request)
    shell = ctx.pages.get(key)
    if shell is None:
        actor = current_actor(request)
        html = request.app.state.templates.env.get_template(name).render(
            {"request": request, "actor": actor, "csrf": CSRF_SLOT, "page_shell": True, **make_context()}
        )
        m = SHELL_MARK.search(html)
        assert m is not None and FLASH_MARK in html, f"{name} does not extend base.html"
        head, tail = html[: m.start()], html[m.end() :]
        shell = (head, tail, m.group(1), m.group(2) or None)
        ctx.pages.put(key, shell)
    head, tail, section, current_region = shell
    common = _common(request)
    env = request.app.state.templates.env
    vars = {**common, "section": section}
    if current_region is not None:
        vars["current_region"] = current_region
    header = env.get_template("_header.html").render(vars)
    flash = common["flash"]
    flash_html = (
        f'<div class="alert {escape(flash[0])}" role="status">{escape(flash[1])}</div>' if flash else ""
    )
    csrf = str(escape(common["csrf"]))
    html = (
        head.replace(CSRF_SLOT, csrf)
        + header
        + tail.replace(FLASH_MARK, flash_html, 1).replace(CSRF_SLOT, csrf)
    )
    return _respond(request, html, flash, status_code)


def redirect(request: Request, url: str, flash: tuple[str, str] | None = None) -> RedirectResponse:
    """303 redirect (after a POST), optionally with a one-time message."""
    resp = RedirectResponse(url, status_code=303)
    if flash:
        ctx = ctx_of(request)
        resp.set_cookie(
            FLASH_COOKIE,
            ctx.codec.encode_flash(*flash),
            httponly=True,
            samesite="lax",
            secure=ctx.secure_cookies,
            path="/",
        )
    return resp


def login_url(request: Request) -> str:
    target = request.url.path + (("?" + request.url.query) if request.url.query else "")
    return "/login?next=" + quote(target, safe="")


def safe_next(url: str | None) -> str:
    """Only same-site relative paths are followed after login."""
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return "/"
    return url


def error_status(exc: Exception) -> int:
    """The HTTP status a refused write answers with (same mapping as the app's error handlers)."""
    from liangshan.services.checks import EntryError
    from liangshan.services.uploads import UploadRejected
    from liangshan.services.values import ClosedError
    from liangshan.store.errors import ConflictError, LockedError, NotFoundError, StoreError, TransitionError

    if isinstance(exc, UploadRejected):
        return exc.status
    table: list[tuple[type[Exception], int]] = [
        (PermissionDenied, 403),
        (NotFoundError, 404),
        (LockedError, 423),
        (ConflictError, 409),
        (ClosedError, 409),
        (TransitionError, 409),
        (EntryError, 422),
        (StoreError, 400),
    ]
    return next((code for t, code in table if isinstance(exc, t)), 400)


def error_text(exc: Exception) -> str:
    return exc.message if isinstance(exc, PermissionDenied) else str(exc)


# ---- display helpers of the templates (Jinja globals and filters registered by the app) ----------
MONEY_UNITS = ("万元", "元", "亿元")


def unit_precision(unit: str | None) -> int | None:
    """Decimals a data element is shown with: money (万元、元、亿元) to 2 decimals, else as entered
    (at most 4 decimals). Indicators use the catalog's ``precision``."""
    return 2 if unit in MONEY_UNITS else None


def who_label(request: Request, username: str | None) -> str:
    """An account name as a user reads it: its unit and role (``财政局（责任单位）``), never the login name.

    The region's accounts are read once and cached with the page data (one query per cache period)."""
    from liangshan.services.todo import people_labels
    from liangshan.store.models import User

    if not username:
        return ""
    ctx = ctx_of(request)
    key = ("people", ctx.data_version())
    hit = ctx.cache.get(key)
    if hit is None or username not in hit:
        with ctx.read() as s:
            names = list(s.scalars(select(User.username)))
            hit = people_labels(s, names)
        ctx.cache.put(key, hit)
    return str(hit.get(username, "系统导入" if username == "system" else username))


def provenance_rows(prov: Any, item: str | None = None) -> list[tuple[str, str]]:
    """A computed value's provenance as (Chinese label, text) rows: the calculation (the calculator's
    Chinese title), the standards, the input files (name, size, start of sha256), the parameters by
    their Chinese labels and chosen values, and the program version. The raw record stays
    downloadable as JSON (the page links it)."""
    from liangshan.services.calculators import SPECS

    if not isinstance(prov, dict):
        return []
    specs = list(SPECS.values())
    spec = next((s for s in specs if item and item in s.elements), None)
    params: dict[str, Any] = prov.get("parameters") or {}
    if spec is None and params:
        spec = max(specs, key=lambda s: len({p.key for p in s.params} & set(params)))
    rows: list[tuple[str, str]] = []
    rows.append(("计算方法", spec.title if spec is not None else "按国家标准计算"))
    if prov.get("standard"):
        rows.append(("依据标准", str(prov["standard"]).replace(";", "；")))
    files = []
    for f in prov.get("inputs") or []:
        if isinstance(f, dict):
            size = f.get("size")
            kb = f"，{size / 1024:.0f} KB" if isinstance(size, int | float) else ""
            sha = str(f.get("sha256", ""))[:12]
            files.append(f"{f.get('name', '')}{kb}（校验值 {sha}…）" if sha else f"{f.get('name', '')}{kb}")
    if files:
        rows.append(("原始数据文件", "；".join(files)))
    shown = parameter_texts(params, spec.key if spec is not None else None)
    if shown:
        rows.append(("参数", "；".join(shown)))
    if prov.get("package_version"):
        rows.append(("程序版本", str(prov["package_version"])))
    return rows


def parameter_texts(params: Any, calc_key: str | None = None) -> list[str]:
    """A calculator's chosen parameters as ``标签：取值`` texts (Chinese labels and choice names of the
    calculator's spec, never the parameter keys)."""
    from liangshan.services.calculators import SPECS

    if not isinstance(params, dict):
        return []
    order = [SPECS[calc_key]] if calc_key in SPECS else []
    labels: dict[str, Any] = {}
    for sp in order + list(SPECS.values()):
        for par in sp.params:
            labels.setdefault(par.key, par)
    out = []
    for k, v in params.items():
        ps = labels.get(k)
        if ps is None or str(k).startswith("_"):
            continue
        text = dict(ps.choices).get(str(v), v) if ps.choices else v
        if isinstance(text, bool):
            text = "是" if text else "否"
        out.append(f"{ps.label}：（缺省）" if text in (None, "") else f"{ps.label}：{text}{ps.unit}")
    return out
