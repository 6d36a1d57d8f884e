"""Passwords (argon2), signed session cookies, CSRF tokens, login throttling, security headers.

The session is a signed cookie (itsdangerous, HMAC-SHA1 over a timestamped JSON payload): it holds
the user id, a fingerprint of the password hash (so changing a password ends every old session)
and the CSRF token. The cookie is HttpOnly and SameSite=Lax; Secure when the app is told it runs
behind HTTPS. Every unsafe request (POST/PUT/PATCH/DELETE) must carry the session's CSRF token in
the ``X-CSRF-Token`` header or the ``csrf_token`` form field.
"""

from __future__ import annotations

import hmac
import os
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

SESSION_COOKIE = "ls_session"
FLASH_COOKIE = "ls_flash"
SESSION_MAX_AGE = 12 * 3600  # seconds
SECRET_ENV = "LIANGSHAN_SECRET_KEY"


def load_secret(files_dir: Path | None) -> str:
    """``LIANGSHAN_SECRET_KEY``, else a random key kept in ``<files_dir>/.secret_key`` (mode 0600)."""
    env = os.environ.get(SECRET_ENV)
    if env:
        return env
    if files_dir is None:
        return secrets.token_urlsafe(32)
    path = files_dir / ".secret_key"
    files_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


@dataclass
class SessionData:
    """What the session cookie carries."""

    csrf: str
    uid: int | None = None
    fp: str = ""

    def dump(self) -> dict[str, Any]:
        return {"c": self.csrf, "u": self.uid, "f": self.fp}


class SessionCodec:
    """Signs and verifies session cookies and flash messages."""

    def __init__(self, secret: str, max_age: int = SESSION_MAX_AGE):
        self._ser = URLSafeTimedSerializer(secret, salt="liangshan.session")
        self._flash = URLSafeTimedSerializer(secret, salt="liangshan.flash")
        self.max_age = max_age

    def encode(self, data: SessionData) -> str:
        return self._ser.dumps(data.dump())

    def decode(self, cookie: str | None) -> SessionData | None:
        if not cookie:
            return None
        try:
            raw = self._ser.loads(cookie, max_age=self.max_age)
        except BadSignature:
            return None
        if not isinstance(raw, dict) or not isinstance(raw.get("c"), str):
            return None
        uid = raw.get("u")
        return SessionData(csrf=raw["c"], uid=uid if isinstance(uid, int) else None, fp=str(raw.get("f", "")))

    def encode_flash(self, kind: str, text: str) -> str:
        return self._flash.dumps([kind, text])

    def decode_flash(self, cookie: str | None) -> tuple[str, str] | None:
        if not cookie:
            return None
        try:
            kind, text = self._flash.loads(cookie, max_age=600)
        except (BadSignature, ValueError, TypeError):
            return None
        return str(kind), str(text)


def new_session(uid: int | None = None, fp: str = "") -> SessionData:
    return SessionData(csrf=secrets.token_urlsafe(24), uid=uid, fp=fp)


def csrf_ok(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), str(given).encode())


@dataclass
class LoginThrottle:
    """At most ``limit`` failed logins per user name and per client address within ``window`` seconds.

    Kept in memory (per server process): enough against guessing on an intranet; restart clears it.
    """

    limit: int = 5
    window: float = 900.0
    _fails: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._fails.setdefault(key, deque())
        while q and now - q[0] > self.window:
            q.popleft()
        return q

    def wait_seconds(self, *keys: str) -> int:
        """Seconds until another attempt is allowed (0 = allowed now)."""
        now = time.monotonic()
        with self._lock:
            waits = []
            for k in keys:
                q = self._recent(k, now)
                if len(q) >= self.limit:
                    waits.append(int(self.window - (now - q[0])) + 1)
            return max(waits, default=0)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for k in keys:
                self._recent(k, now).append(now)

    def succeeded(self, username_key: str) -> None:
        with self._lock:
            self._fails.pop(username_key, None)


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
