"""The session cookie and the security headers, as a plain ASGI middleware.

A plain ASGI wrapper rather than ``@app.middleware("http")``: Starlette's ``BaseHTTPMiddleware``
runs every request through an extra task and memory stream, which cost about a millisecond a page.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.requests import cookie_parser
from starlette.responses import Response

from liangshan.web.context import WebContext
from liangshan.web.security import SECURITY_HEADERS, SESSION_COOKIE, new_session

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]


class SessionHeaders:
    """Decodes the signed session cookie into ``request.state.session`` (a fresh one when absent or
    invalid); after the endpoint, writes the cookie when it is new or the endpoint replaced it
    (``request.state.session_out``: a session, or ``"clear"``), and adds the security headers and
    ``Cache-Control`` (static assets a day, everything else ``no-store``)."""

    def __init__(self, app: ASGIApp, ctx: WebContext):
        self.app, self.ctx = app, ctx
        self.static_headers = [(b"cache-control", b"public, max-age=86400")]
        self.security = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookie = next((v for k, v in scope.get("headers") or [] if k == b"cookie"), None)
        raw = cookie_parser(cookie.decode("latin-1")).get(SESSION_COOKIE) if cookie else None
        data = self.ctx.codec.decode(raw)
        state = scope.setdefault("state", {})
        state["session"] = data or new_session()
        state["session_out"] = None
        fresh = data is None
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                names = {k.lower() for k, _ in headers}
                out = state.get("session_out")
                if out is not None or fresh:
                    headers.append(self._cookie(new_session() if out == "clear" else out or state["session"]))
                headers += [h for h in self.security if h[0] not in names]
                if static:
                    headers = [h for h in headers if h[0].lower() != b"cache-control"] + self.static_headers
                elif b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _cookie(self, session: Any) -> tuple[bytes, bytes]:
        r = Response()
        r.set_cookie(
            SESSION_COOKIE,
            self.ctx.codec.encode(session),
            max_age=self.ctx.codec.max_age,
            httponly=True,
            samesite="lax",
            secure=self.ctx.secure_cookies,
            path="/",
        )
        return next((k, v) for k, v in r.raw_headers if k == b"set-cookie")
