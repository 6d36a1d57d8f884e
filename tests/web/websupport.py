"""Helpers of the web tests: a seeded site (卢氏县 + other counties), logging in, and a real uvicorn
server on a free 127.0.0.1 port (for the browser, concurrency tests and the benchmark)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from liangshan.demo.build import seed_site
from liangshan.services.accounts import hash_password

PASSWORD = "test-password-1"
_HASH: list[str] = []
ARTIFACTS = Path(__file__).resolve().parents[1] / "_artifacts"


def pw_hash() -> str:
    if not _HASH:
        _HASH.append(hash_password(PASSWORD))
    return _HASH[0]


@dataclass
class Site:
    url: str
    files: Path
    users: dict[str, str]  # unit name → user name (卢氏县)


def make_site(url: str, tmp: Path, extra_regions: int = 1) -> Site:
    users = seed_site(url, pw_hash(), extra_regions=extra_regions)
    return Site(url, tmp / "files", users)


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log in through the form (CSRF token from the login page); returns the session's CSRF token."""
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    r = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token.group(1), "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:500]
    me = client.get("/api/me")
    assert me.status_code == 200
    return str(me.json()["csrf_token"])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    base: str
    proc: subprocess.Popen[bytes]
    log: Path


def start_server(db_url: str, files: Path, log: Path, workers: int = 1) -> Server:
    """``liangshan serve`` in a subprocess on a free port; waits until it answers."""
    port = free_port()
    env = {**os.environ, "LIANGSHAN_FILES_DIR": str(files), "LIANGSHAN_SECRET_KEY": "s" * 40}
    runner = "import typer; from liangshan.cli.web import serve; typer.run(serve)"
    cmd = [sys.executable, "-c", runner, "--db", db_url, "--port", str(port)]
    cmd += ["--no-access-log", "--workers", str(workers)]
    fh = log.open("wb")
    proc = subprocess.Popen(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(base + "/login", timeout=1).status_code == 200:
                return Server(base, proc, log)
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.terminate()
    raise RuntimeError(f"server did not start: {log.read_text(errors='replace')[-2000:]}")


def stop_server(server: Server) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.proc.kill()


# Debian's Chromium for the browser tests (no browser download by Playwright); as root it needs --no-sandbox,
# and without the background-networking flags it keeps trying to reach Google's hosts.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
