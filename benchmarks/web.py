"""Web latency under load: dashboard and indicator pages, 20 concurrent clients, 100 regions of data.

Builds (or reuses, ``--db``) a SQLite database with 卢氏县 and 99 synthetic counties (示例数据, values
for 2023–2025 approved), starts ``liangshan serve`` on a free 127.0.0.1 port, and has ``--clients``
clients (asyncio + httpx, closed loop, no think time) request random regions' dashboards and
indicator pages for ``--seconds``. It runs twice in the same session: with the result cache (as
served) and without it (``LIANGSHAN_WEB_NOCACHE=1``, every request recomputes the assessment) and
prints p50/p95, the ratio, and the CPU time the server processes and the load clients spent per
request (read from /proc, so a busy machine inflates the latencies but hardly the CPU figures).

    .venv/bin/python benchmarks/web.py [--db sqlite:///out/bench_web.db] [--clients 1,20] [--seconds 20]
                                       [--workers 1,2] [--warmup 12] [--client raw|httpx]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

PASSWORD = "bench-password-1"


def build(url: str, regions: int) -> None:
    from sqlalchemy import select

    from liangshan.demo.build import seed_site
    from liangshan.services.accounts import hash_password
    from liangshan.store.db import session_scope
    from liangshan.store.models import Region, User

    with session_scope(url) as s:
        try:
            if s.scalar(select(Region.code).where(Region.code == "411224")):
                return
        except Exception:
            pass
    t = time.perf_counter()
    h = hash_password(PASSWORD)
    seed_site(url, h, extra_regions=regions - 1)
    with session_scope(url) as s:
        s.add(
            User(
                username="bench", display_name="市领导", role="leader", region_code="411200", password_hash=h
            )
        )
    print(f"built {regions} regions in {time.perf_counter() - t:.0f} s")


def start(url: str, files: Path, nocache: bool, workers: int = 1) -> tuple[subprocess.Popen[bytes], str]:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "LIANGSHAN_FILES_DIR": str(files), "LIANGSHAN_SECRET_KEY": "b" * 40}
    if nocache:
        env["LIANGSHAN_WEB_NOCACHE"] = "1"
    runner = "import typer; from liangshan.cli.web import serve; typer.run(serve)"
    cmd = [sys.executable, "-c", runner, "--db", url, "--port", str(port), "--no-access-log"]
    cmd += ["--workers", str(workers)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            if httpx.get(base + "/login", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("server did not start")


async def _login(base: str) -> str:
    """Log in once through httpx and return the ``Cookie`` header the raw client sends."""
    async with httpx.AsyncClient(base_url=base, timeout=120) as c:
        r = await c.post("/api/login", json={"username": "bench", "password": PASSWORD})
        r.raise_for_status()
        return "; ".join(f"{k}={v}" for k, v in c.cookies.items())


async def _read_body(reader: asyncio.StreamReader, head: bytes) -> None:
    """Consume one response body: ``Content-Length`` or chunked transfer coding (RFC 9112 §6–7)."""
    lower = head.lower()
    i = lower.find(b"content-length:")
    if i >= 0:
        await reader.readexactly(int(head[i + 15 : head.index(b"\r\n", i)]))
        return
    while True:  # chunked
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        await reader.readexactly(size + 2)
        if size == 0:
            return


async def load(
    base: str, regions: list[str], clients: int, seconds: float, client: str = "raw"
) -> dict[str, list[float]]:
    """``clients`` closed-loop clients for ``seconds`` after all have logged in.

    ``client="raw"``: keep-alive HTTP/1.1 over asyncio streams with a pre-built request (≈0.1 ms of
    client CPU per request), so on a 2-core machine the load generator does not take the core a second
    worker needs; ``client="httpx"``: httpx.AsyncClient (≈2.3 ms of client CPU per request)."""
    out: dict[str, list[float]] = {"dashboard": [], "indicator": []}
    errors: list[int] = []
    ready = asyncio.Event()
    logged_in = [0]
    stop = [0.0]
    host, port = base.removeprefix("http://").split(":")

    def pick(rng: random.Random) -> tuple[str, str]:
        region = rng.choice(regions)
        if rng.random() < 0.5:
            return "dashboard", f"/dashboard?region={region}"
        return "indicator", f"/indicator/{rng.randint(1, 20)}?region={region}"

    async def started() -> None:
        logged_in[0] += 1  # the password hash is slow on purpose: load starts when all are in
        if logged_in[0] == clients:
            stop[0] = time.monotonic() + seconds
            ready.set()
        await ready.wait()

    async def one_httpx(i: int) -> None:
        rng = random.Random(i)
        async with httpx.AsyncClient(base_url=base, timeout=60) as c:
            r = await c.post("/api/login", json={"username": "bench", "password": PASSWORD})
            r.raise_for_status()
            await started()
            while time.monotonic() < stop[0]:
                kind, path = pick(rng)
                t = time.perf_counter()
                r = await c.get(path)
                dt = (time.perf_counter() - t) * 1000
                if r.status_code != 200:
                    errors.append(r.status_code)
                out[kind].append(dt)

    async def one_raw(i: int) -> None:
        rng = random.Random(i)
        cookie = await _login(base)
        reader, writer = await asyncio.open_connection(host, int(port))
        await started()
        try:
            while time.monotonic() < stop[0]:
                kind, path = pick(rng)
                req = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\n\r\n".encode()
                t = time.perf_counter()
                writer.write(req)
                head = await reader.readuntil(b"\r\n\r\n")
                await _read_body(reader, head)
                dt = (time.perf_counter() - t) * 1000
                if head[9:12] != b"200":
                    errors.append(int(head[9:12]))
                out[kind].append(dt)
        finally:
            writer.close()

    one = one_raw if client == "raw" else one_httpx
    await asyncio.gather(*(one(i) for i in range(clients)))
    if errors:
        raise SystemExit(f"errors: {errors[:10]}")
    return out


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) of the server and its worker processes."""
    import psutil

    procs = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    return sum(t.user + t.system for t in (p.cpu_times() for p in procs))


def pct(xs: list[float], q: int) -> float:
    return statistics.quantiles(xs, n=100, method="inclusive")[q - 1] if len(xs) > 1 else xs[0]


def run_once(
    url: str,
    files: Path,
    regions: list[str],
    a: argparse.Namespace,
    nocache: bool,
    workers: int,
    clients: int,
) -> tuple[dict[str, list[float]], float, float, float]:
    """One server start: warm-up, then a measured window. Returns latencies and the CPU seconds of
    server and clients and the measured window's wall time."""
    proc, base = start(url, files, nocache, workers)
    try:
        asyncio.run(load(base, regions, clients, a.warmup, a.client))  # warm-up (templates, caches)
        s0, c0 = server_cpu(proc.pid), time.process_time()
        res = asyncio.run(load(base, regions, clients, a.seconds, a.client))
        s1, c1 = server_cpu(proc.pid), time.process_time()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return res, s1 - s0, c1 - c0, a.seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", default=None)
    ap.add_argument("--regions", type=int, default=100)
    ap.add_argument("--clients", default="20", help="comma-separated client counts, e.g. 1,20")
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--workers", default="1", help="comma-separated uvicorn worker counts, e.g. 1,2")
    ap.add_argument("--warmup", type=float, default=12.0, help="seconds of load before measuring")
    ap.add_argument("--modes", default="cached,uncached", help="which runs: cached, uncached or both")
    ap.add_argument("--client", choices=("raw", "httpx"), default="raw", help="load generator")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="liangshan-bench-web-"))
    url = a.db or f"sqlite:///{tmp / 'bench.db'}"
    build(url, a.regions)
    regions = ["411224"] + [f"9{k:05d}" for k in range(1, a.regions)]
    worker_counts = [int(w) for w in a.workers.split(",")]
    client_counts = [int(c) for c in a.clients.split(",")]
    rows: dict[tuple[str, int, int], tuple[dict[str, list[float]], float]] = {}
    modes = [m for m in (("cached", False), ("uncached", True)) if m[0] in a.modes.split(",")]
    for label, nocache in modes:
        for clients in client_counts:
            for workers in worker_counts:
                res, server_s, client_s, secs = run_once(
                    url, tmp / "files", regions, a, nocache, workers, clients
                )
                n = sum(len(v) for v in res.values())
                if not n:
                    raise SystemExit(f"[{label}] no request answered in {secs:.0f} s")
                rate = n / secs
                rows[(label, clients, workers)] = (res, rate)
                print(
                    f"[{label}] workers {workers}, {clients} clients ({a.client}): "
                    f"{n} requests in {secs:.0f} s = {rate:.0f} req/s, load {os.getloadavg()[0]:.1f}"
                )
                print(
                    f"  CPU per request: server {1000 * server_s / n:.2f} ms, "
                    f"clients {1000 * client_s / n:.2f} ms"
                )
                for kind, xs in res.items():
                    print(f"  {kind:9s} n={len(xs):5d}  p50 {pct(xs, 50):6.1f} ms  p95 {pct(xs, 95):6.1f} ms")
    for clients in client_counts:
        for workers in worker_counts[1:]:
            base_key, key = ("cached", clients, worker_counts[0]), ("cached", clients, workers)
            if base_key in rows and key in rows:
                (r0, q0), (r1, q1) = rows[base_key], rows[key]
                all0 = r0["dashboard"] + r0["indicator"]
                all1 = r1["dashboard"] + r1["indicator"]
                print(
                    f"{clients} clients: {workers} workers / {worker_counts[0]}: throughput ×{q1 / q0:.2f}, "
                    f"p50 {pct(all1, 50):.2f} ms vs {pct(all0, 50):.2f} ms"
                )
    if len(modes) == 2:
        for kind in ("dashboard", "indicator"):
            key_c = ("cached", client_counts[0], worker_counts[0])
            key_u = ("uncached", client_counts[0], worker_counts[0])
            c, u = rows[key_c][0][kind], rows[key_u][0][kind]
            r50, r95 = pct(u, 50) / pct(c, 50), pct(u, 95) / pct(c, 95)
            print(f"ratio uncached/cached {kind}: p50 ×{r50:.1f}, p95 ×{r95:.1f}")
    print(f"cpu cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
