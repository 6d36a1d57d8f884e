"""Signed session cookies, CSRF tokens, login throttling, security headers.

The session is a signed cookie (itsdangerous, HMAC-SHA1 over a timestamped JSON payload): it holds
the user id, the random id of a server-side session (a ``user_session`` row, which logout, a password
change or an administrator revokes), a fingerprint of the password hash and the CSRF token. The
cookie is HttpOnly and SameSite=Lax; Secure when the app is told it runs behind HTTPS. Every
unsafe request (POST/PUT/PATCH/DELETE) must carry the session's CSRF token in the
``X-CSRF-Token`` header or the ``csrf_token`` form field.
"""

from __future__ import annotations

import hmac
import os
import secrets
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

from liangshan.config import private_dir

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
    private_dir(files_dir)
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
    sid: str = ""

    def dump(self) -> dict[str, Any]:
        return {"c": self.csrf, "u": self.uid, "f": self.fp, "s": self.sid}


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
        return SessionData(
            csrf=raw["c"],
            uid=uid if isinstance(uid, int) and not isinstance(uid, bool) else None,
            fp=str(raw.get("f", "")),
            sid=str(raw.get("s", "")),
        )

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


def new_session(uid: int | None = None, fp: str = "", sid: str = "") -> SessionData:
    return SessionData(csrf=secrets.token_urlsafe(24), uid=uid, fp=fp, sid=sid)


def csrf_ok(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), str(given).encode())


@dataclass
class LoginThrottle:
    """Failed logins are counted per (account, client address) pair and per address.

    * A pair with ``limit`` failures within ``window`` seconds waits ``backoff`` seconds after its
      last failure, doubling with each further failure up to ``max_backoff`` (5 minutes). Only that
      pair waits: the same account from another address, and other accounts from the same address
      (a county office behind one NAT), are not held up, so nobody can lock someone else's account
      for longer than this short back-off.
    * An address with ``address_limit`` failures within ``window`` (100 in 15 minutes, whatever the
      account names) waits until the oldest of them leaves the window: a ceiling against one machine
      guessing across many accounts, high enough that an office's honest typos never reach it.
    * Memory is bounded: at most ``max_entries`` pairs and addresses each, least recently failed
      dropped first; each entry keeps at most a few timestamps. Kept per server process; a restart
      clears it.
    """

    limit: int = 5
    window: float = 900.0
    backoff: float = 30.0
    max_backoff: float = 300.0
    address_limit: int = 100
    max_entries: int = 10_000
    _pairs: OrderedDict[tuple[str, str], deque[float]] = field(default_factory=OrderedDict)
    _addrs: OrderedDict[str, deque[float]] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @staticmethod
    def _prune(q: deque[float], now: float, window: float) -> deque[float]:
        while q and now - q[0] > window:
            q.popleft()
        return q

    def wait_seconds(self, account: str, address: str) -> int:
        """Seconds until ``account`` may try again from ``address`` (0 = allowed now)."""
        now = time.monotonic()
        key = (account.lower(), address)
        with self._lock:
            waits = [0.0]
            q = self._pairs.get(key)
            if q is not None and len(self._prune(q, now, self.window)) >= self.limit:
                delay = min(self.max_backoff, self.backoff * 2 ** (len(q) - self.limit))
                waits.append(delay - (now - q[-1]))
            a = self._addrs.get(address)
            if a is not None and len(self._prune(a, now, self.window)) >= self.address_limit:
                waits.append(self.window - (now - a[0]))
            wait = max(waits)
            return int(wait) + 1 if wait > 0 else 0

    def failed(self, account: str, address: str) -> None:
        now = time.monotonic()
        key = (account.lower(), address)
        with self._lock:
            self._add(self._pairs, key, now, self.limit + 16)
            self._add(self._addrs, address, now, self.address_limit)

    def _add(self, table: OrderedDict[Any, deque[float]], key: Any, now: float, keep: int) -> None:
        q = table.get(key)
        if q is None:
            q = table[key] = deque(maxlen=keep)
        else:
            table.move_to_end(key)
        self._prune(q, now, self.window).append(now)
        while len(table) > self.max_entries:
            table.popitem(last=False)

    def succeeded(self, account: str, address: str) -> None:
        with self._lock:
            self._pairs.pop((account.lower(), address), None)

    def entries(self) -> int:
        """How many pairs and addresses are remembered (bounded by ``2 * max_entries``)."""
        with self._lock:
            return len(self._pairs) + len(self._addrs)


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
