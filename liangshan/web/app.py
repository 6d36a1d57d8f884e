"""The FastAPI application: ``create_app(db_url, files_dir=None)``.

Server-rendered pages (Jinja2, autoescaped) with HTMX for inline checks, ECharts for charts, every
asset vendored under ``static/vendor`` (no CDN), and a JSON API under ``/api/`` described by
OpenAPI at ``/api/openapi.json`` (readable at ``/api/docs``).
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware

from liangshan import __version__
from liangshan.catalog import load_catalog
from liangshan.config import evidence_root, private_dir
from liangshan.services.checks import EntryError
from liangshan.services.permissions import ACTION_LABELS, ROLE_LABELS, STATUS_LABELS, PermissionDenied
from liangshan.services.uploads import DEFAULT_MAX_BYTES, UploadRejected
from liangshan.services.values import ClosedError
from liangshan.store.errors import ConflictError, LockedError, NotFoundError, StoreError, TransitionError
from liangshan.store.service import ensure_db
from liangshan.web.context import WebContext
from liangshan.web.deps import (
    CsrfError,
    NotAuthenticated,
    PasswordChangeRequired,
    login_url,
    parameter_texts,
    provenance_rows,
    region_options,
    render,
    unit_precision,
    who_label,
)
from liangshan.web.middleware import SessionHeaders
from liangshan.web.schemas import ERROR_RESPONSES
from liangshan.web.security import (
    LoginThrottle,
    SessionCodec,
    load_secret,
)
from liangshan.web.timefmt import beijing_time

HERE = Path(__file__).parent
ASGIApp = Callable[[MutableMapping[str, Any], Any, Any], Awaitable[None]]


class BodyLimit:
    """Refuse request bodies above ``limit`` bytes with 413 before they are parsed or stored."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            await _too_large(scope, send, self.limit)
            return
        seen = 0

        async def limited() -> Any:
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.limit:
                    raise HTTPException(413, _too_large_text(self.limit))
            return msg

        await self.app(scope, limited, send)


def _too_large_text(limit: int) -> str:
    return f"上传内容超过上限 {limit / 1048576:.0f} MB（单个请求），未保存任何内容"


async def _too_large(scope: MutableMapping[str, Any], send: Any, limit: int) -> None:
    resp = JSONResponse({"detail": _too_large_text(limit), "code": "too_large"}, status_code=413)
    await resp(scope, _no_body, send)


async def _no_body() -> MutableMapping[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


def _page_above(request: Request) -> str | None:
    """The nearest page above a form-only address: ``/entry/gdp/2025`` (POST only) → ``/entry/gdp``,
    ``/excel/confirm`` → ``/excel``; the query string (the region) is kept. None when no page is above."""
    from starlette.routing import Match

    if request.url.path.startswith("//"):
        return None
    parts = request.url.path.rstrip("/").split("/")
    while len(parts) > 2:
        parts.pop()
        path = "/".join(parts)
        scope = {**request.scope, "path": path, "method": "GET"}
        if any(r.matches(scope)[0] == Match.FULL for r in request.app.router.routes):
            query = request.url.query
            return path + (f"?{query}" if query else "")
    return None


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error(request: Request, status: int, message: str, code: str) -> Response:
    if _is_api(request):
        return JSONResponse({"detail": message, "code": code}, status_code=status)
    return render(request, "error.html", {"status": status, "message": message, "code": code}, status)


def create_app(
    db_url: str,
    files_dir: str | Path | None = None,
    *,
    secret_key: str | None = None,
    max_upload: int = DEFAULT_MAX_BYTES,
    secure_cookies: bool = False,
    throttle: LoginThrottle | None = None,
) -> FastAPI:
    """Build the web application for the database at ``db_url`` (migrated on start).

    Parameters
    ----------
    db_url : str
        SQLAlchemy URL (SQLite file or PostgreSQL).
    files_dir : str or Path, optional
        Evidence folder; default :func:`liangshan.config.evidence_root` of the database.
    secret_key : str, optional
        Key that signs session cookies; default ``LIANGSHAN_SECRET_KEY`` or a random key kept in
        ``<files_dir>/.secret_key``.
    max_upload : int
        Largest request body in bytes (uploads), default 20 MB.
    secure_cookies : bool
        Mark cookies ``Secure`` (set when served over HTTPS).
    """
    ensure_db(db_url)
    root = Path(files_dir) if files_dir else evidence_root(db_url)
    private_dir(root)  # 0700 when created here
    ctx = WebContext(
        db_url=db_url,
        files_dir=root,
        catalog=load_catalog(),
        codec=SessionCodec(secret_key or load_secret(root)),
        throttle=throttle or LoginThrottle(),
        max_upload=max_upload,
        secure_cookies=secure_cookies or os.environ.get("LIANGSHAN_SECURE_COOKIES") == "1",
    )
    if os.environ.get("LIANGSHAN_WEB_NOCACHE") == "1":  # for the benchmark's uncached baseline
        ctx.cache.ttl = ctx.pages.ttl = 0.0
    app = FastAPI(
        title="liangshan 两山基地建设管理系统 API",
        version=__version__,
        docs_url=None,  # the stock pages load scripts from a CDN; /api/docs is served locally instead
        redoc_url=None,
        openapi_url="/api/openapi.json",
        responses=ERROR_RESPONSES,  # the JSON bodies of refusals (the handlers below)
    )
    app.state.ctx = ctx
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True, default=True),
        auto_reload=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        ROLE_LABELS=ROLE_LABELS,
        STATUS_LABELS=STATUS_LABELS,
        ACTION_LABELS=ACTION_LABELS,
        asset_version=__version__,
        region_options=region_options,
        who=who_label,
        provenance_rows=provenance_rows,
        parameter_texts=parameter_texts,
        unit_precision=unit_precision,
    )
    env.filters["num"] = display_number
    env.filters["beijing"] = beijing_time
    env.tests["contains"] = lambda seq, x: seq is not None and x in seq
    app.state.templates = Jinja2Templates(env=env)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.exception_handler(NotAuthenticated)
    async def _unauth(request: Request, exc: NotAuthenticated) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "未登录或登录已过期，请先登录", "code": "unauthenticated"}, 401)
        return RedirectResponse(login_url(request), status_code=303)

    @app.exception_handler(PasswordChangeRequired)
    async def _must_change(request: Request, exc: PasswordChangeRequired) -> Response:
        if _is_api(request):
            message = "请先修改初始密码（网页“账号与会话”页面 /account 或 POST /api/account/password）"
            return JSONResponse({"detail": message, "code": "password_change_required"}, 403)
        return RedirectResponse("/account", status_code=303)

    handlers: list[tuple[type[Exception], int, str]] = [
        (CsrfError, 403, "csrf"),
        (PermissionDenied, 403, "forbidden"),
        (NotFoundError, 404, "not_found"),
        (LockedError, 423, "locked"),
        (ConflictError, 409, "conflict"),
        (ClosedError, 409, "closed"),
        (TransitionError, 409, "transition"),
        (EntryError, 422, "invalid"),
        (StoreError, 400, "rejected"),
    ]
    for exc_type, status, code in handlers:

        def make(
            status: int = status, code: str = code
        ) -> Callable[[Request, Exception], Awaitable[Response]]:
            async def handler(request: Request, exc: Exception) -> Response:
                message = exc.message if isinstance(exc, PermissionDenied) else str(exc)
                return _error(request, status, message, code)

            return handler

        app.add_exception_handler(exc_type, make())

    @app.exception_handler(UploadRejected)
    async def _upload(request: Request, exc: UploadRejected) -> Response:
        return _error(request, exc.status, str(exc), "upload_rejected")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        parts = [validation_text(e) for e in exc.errors()[:5]]
        return _error(request, 422, "请求参数有误 — " + "；".join(parts), "invalid")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        message = {
            404: f"页面不存在：{request.url.path}",
            405: f"不支持的请求方法 {request.method}",
            400: "请求格式有误，无法解析",
        }.get(exc.status_code, str(exc.detail))
        if exc.status_code == 413:
            message = str(exc.detail)
        if exc.status_code == 405 and request.method == "GET" and not _is_api(request):
            page = _page_above(request)  # a form's address opened again (reload, back, bookmark)
            if page is not None:
                return RedirectResponse(page, status_code=303)
        return _error(request, exc.status_code, message, f"http_{exc.status_code}")

    from liangshan.web.routes import api, auth, dashboard, entry, excel, health, indicator, report, review
    from liangshan.web.routes import rollup as rollup_routes

    for module in (auth, entry, review, dashboard, indicator, excel, report, api):
        app.include_router(module.router)
    from liangshan.web.routes import meetings, public, workplan, workplan_admin, workplan_api, workplan_items

    for module in (workplan, meetings, workplan_items, workplan_admin, workplan_api, public):
        app.include_router(module.router)  # the work plan: pages, JSON twins, public pages
    app.include_router(health.router)  # /healthz, /readyz (public, no login)
    app.include_router(rollup_routes.router)  # /regions, /api/rollup/… (city and province roll-ups)
    from liangshan.web.routes import calc, explain, reconcile, rounds, titles, todo
    from liangshan.web.routes import map as map_routes

    app.include_router(map_routes.router)  # /map, /api/map, /public/{region}/map: the county map
    app.include_router(calc.router)  # /calc/…, /api/calc/…: raw data → calculator → preview
    app.include_router(rounds.router)  # /rounds, /api/rounds: 评估批次管理 (office)
    app.include_router(reconcile.router)  # /reconcile, /api/reconcile: 官方发布值与复算值对账
    app.include_router(todo.router)  # /todo, /api/todo: 待办, where every user lands after login
    app.include_router(titles.router)  # /titles, /api/titles: 称号登记簿
    from liangshan.web.routes import after_naming

    app.include_router(after_naming.router)  # /base, /api/base, /api/incidents: 基地状态与问题整改台账
    app.include_router(explain.router)  # /explain/{id}, /api/explain/{id}: 情况说明
    from liangshan.web.routes import contributions

    app.include_router(contributions.router)  # /entry/{item}/{year}/contribute, /api/contributions: 分项数据
    from liangshan.web.routes import survey_codes

    app.include_router(survey_codes.router)  # /workplan/survey-codes/…: invitation codes, bursts (office)
    from liangshan.web.routes import commitments

    app.include_router(commitments.router)  # /workplan/commitments, /api/workplan/…/commitments: 量化承诺
    inner = AssetCache(SessionHeaders(app.build_middleware_stack(), ctx))
    zipped = GZipMiddleware(inner, minimum_size=500, compresslevel=6, exclude_content_types=NO_GZIP)
    wrapped: Any = BodyLimit(zipped, max_upload + 1024 * 1024)
    app.middleware_stack = wrapped
    return app


def display_number(text: Any, precision: int | None = None) -> str:
    """``1431000`` → ``1,431,000`` for reading (values are stored and edited without separators).

    ``precision``: the decimals to show (an indicator's catalog ``precision``, 2 for 万元); without
    it a number keeps its decimals up to 4 (``0.1234567891`` → ``0.1235``)."""
    t = "" if text is None else str(text)
    if isinstance(text, bool) or not t:
        return t
    try:
        v = float(t)
    except ValueError:
        return t
    if "e" in t.lower() or v != v or v in (float("inf"), float("-inf")):
        return t
    if isinstance(precision, int) and not isinstance(precision, bool):
        t = f"{v:.{max(0, precision)}f}"
    elif len(t.partition(".")[2]) > 4:
        t = f"{v:.4f}".rstrip("0").rstrip(".")
    whole, _, frac = t.lstrip("-").partition(".")
    sign = "-" if v < 0 and float(t) != 0 else ""
    return f"{sign}{int(whole):,}" + (f".{frac}" if frac else "")


FIELD_LABELS = {
    "region": "地区",
    "year": "年份",
    "value": "数值",
    "note": "备注",
    "reason": "理由",
    "action": "操作",
    "expected_version": "版本号",
    "item": "数据项",
    "unit": "单位",
    "unit_id": "单位",
    "start_year": "起始年份",
    "end_year": "结束年份",
    "deadline": "截止日期",
    "name": "名称",
    "username": "用户名",
    "password": "密码",
    "evidence_ids": "佐证材料",
    "keep_evidence": "保留的佐证材料",
    "files": "上传文件",
    "file": "上传文件",
    "pending": "是否含待审核数据",
    "round_id": "评估批次",
    "ind_id": "指标序号",
    "indicator": "指标",
    "title": "标题",
    "text": "内容",
    "percent": "完成百分比",
    "held_on": "会议日期",
    "reported_on": "报告日期",
    "due": "期限",
    "done_on": "完成日期",
    "status": "状态",
    "comment": "意见",
    "category": "类别",
    "location": "地点",
    "place": "地点",
    "chair": "主持人",
    "attendees": "参会人员",
    "topics": "议题",
    "lon": "经度",
    "lat": "纬度",
    "as_of": "日期",
    "on": "日期",
    "tab": "页签",
    "mode": "方式",
    "code": "代码",
    "kind": "类别",
    "public_note": "公开说明",
    "internal_note": "内部说明",
    "next": "登录后页面",
    "csrf_token": "安全令牌",
    "answer": "答案",
    "answers": "答案",
    "token": "令牌",
    "task_id": "任务",
    "meeting_id": "会议",
    "item_id": "事项",
    "evidence_id": "佐证材料",
    "survey_id": "问卷",
    "report_id": "举报",
    "progress_id": "进展报告",
    "key": "计算器",
}


def validation_text(error: Any) -> str:
    """One pydantic validation error in Chinese: the field's Chinese label and what is wrong with it."""
    loc = [x for x in error.get("loc", ()) if x not in ("body", "query", "path", "form", "header", "cookie")]
    kind = str(error.get("type", ""))
    if kind.startswith("json"):
        loc = []  # the position of a syntax error in the body is no field
    names = [FIELD_LABELS.get(str(x), f"第 {x + 1} 项" if isinstance(x, int) else "参数") for x in loc]
    label = " · ".join(names) or "请求内容"
    return f"{label}：{_cn(kind, error.get('ctx') or {})}"


def _cn(kind: str, ctx: dict[str, Any]) -> str:
    bound = {k: ctx.get(k) for k in ("le", "ge", "lt", "gt", "max_length", "min_length", "expected")}
    table = {
        "int_parsing": "应为整数",
        "int_from_float": "应为整数",
        "int_type": "应为整数",
        "float_parsing": "应为数值",
        "float_type": "应为数值",
        "finite_number": "应为有限的数值",
        "missing": "缺少此项",
        "string_too_long": f"内容过长（最多 {bound['max_length']} 个字符）",
        "string_too_short": f"内容过短（至少 {bound['min_length']} 个字符）",
        "too_long": f"条目过多（最多 {bound['max_length']} 项）",
        "too_short": f"条目过少（至少 {bound['min_length']} 项）",
        "string_type": "应为文字",
        "less_than_equal": f"应小于或等于 {bound['le']}",
        "greater_than_equal": f"应大于或等于 {bound['ge']}",
        "less_than": f"应小于 {bound['lt']}",
        "greater_than": f"应大于 {bound['gt']}",
        "json_invalid": "JSON 格式错误，无法解析",
        "json_type": "JSON 格式错误，无法解析",
        "model_attributes_type": "应为一组字段",
        "dict_type": "应为一组字段",
        "list_type": "应为列表",
        "literal_error": "取值不在允许范围内",
        "enum": "取值不在允许范围内",
        "bool_parsing": "应为“是”或“否”",
        "bool_type": "应为“是”或“否”",
        "date_parsing": "应为日期（年-月-日）",
        "date_from_datetime_parsing": "应为日期（年-月-日）",
        "date_type": "应为日期（年-月-日）",
        "datetime_parsing": "应为日期时间",
        "string_pattern_mismatch": "格式不正确",
        "value_error": "取值无效",
        "extra_forbidden": "不应有此项",
        "union_tag_invalid": "取值不在允许范围内",
        "url_parsing": "应为网址",
    }
    return table.get(kind, "取值无效")


NO_GZIP = (
    *DEFAULT_EXCLUDED_CONTENT_TYPES,
    "application/pdf",
    "application/octet-stream",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
)
"""Already-compressed downloads (xlsx, docx, pdf, images, archives) are sent as they are."""

LONG_CACHE = b"public, max-age=31536000, immutable"


class AssetCache:
    """Versioned static assets (``/static/…?v=<version>``: the page links them with the app's version,
    so a new release changes the address) may be kept by the browser for a year."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        versioned = (
            scope["type"] == "http"
            and scope["path"].startswith("/static/")
            and b"v=" in (scope.get("query_string") or b"")
        )
        if not versioned:
            await self.app(scope, receive, send)
            return

        async def send_long(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers") or [] if h[0].lower() != b"cache-control"]
                message["headers"] = [*headers, (b"cache-control", LONG_CACHE)]
            await send(message)

        await self.app(scope, receive, send_long)


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory liangshan.web.app:app_from_env`` (reads LIANGSHAN_DATABASE_URL)."""
    from liangshan.config import db_url

    return create_app(db_url(), os.environ.get("LIANGSHAN_FILES_DIR"))
