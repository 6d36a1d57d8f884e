"""Crash test: the real server (``liangshan serve``) is killed with SIGKILL at random moments while
clients save values; every write the server acknowledged is in the database afterwards, SQLite
passes ``PRAGMA integrity_check``, and a backup restored into an empty database assesses the same.

Nine clients each own one item (生态环保投入 of a county-year) and save draft versions through the
JSON API, each with the version they edit; an answer of 201 is an acknowledged write (submission id,
version, value recorded). A request cut off by the kill has an unknown outcome: the client reads the
current version after the restart and carries on. The server is killed five times (and once more at
the end, without a graceful shutdown); afterwards the drafts are submitted and approved, so the
assessment compared after the restore includes the crash-written values.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from liangshan.cli import app
from liangshan.demo.build import seed_site
from liangshan.store.backup import backup, restore
from liangshan.store.db import get_engine, session_scope
from liangshan.store.models import Submission

sys.path.insert(0, str(Path(__file__).with_name("web")))  # the web tests' helpers, used as they are
from websupport import PASSWORD, Server, pw_hash, start_server

pytestmark = pytest.mark.slow
ITEM = "eco_env_investment"  # left without values by seed_site: free for the clients
REGIONS = {"411224": "office", "900001": "office001", "900002": "office002"}
YEARS = (2023, 2024, 2025)
KILLS = int(os.environ.get("LIANGSHAN_CRASH_KILLS", "5"))
NETWORK = (httpx.TransportError,)  # connection refused / reset / cut off by the kill


@dataclass
class State:
    server: Server
    up: asyncio.Event
    acked: list[dict[str, Any]] = field(default_factory=list)
    cut: int = 0  # requests whose outcome is unknown (the server died under them)
    stop: bool = False


async def _request(
    st: State, c: httpx.AsyncClient, method: str, path: str, idempotent: bool = False, **kw: Any
) -> httpx.Response:
    """Retry through restarts until the server answers. A write cut off after it was sent is not
    retried (its outcome is unknown: the caller re-reads); reads and logins are."""
    while True:
        await st.up.wait()
        try:
            return await c.request(method, st.server.base + path, **kw)
        except httpx.ConnectError:
            await asyncio.sleep(0.05)  # never reached the server: safe to retry
        except NETWORK:
            if not idempotent:
                raise
            await asyncio.sleep(0.05)


async def _current(st: State, c: httpx.AsyncClient, region: str, year: int) -> int:
    r = await _request(st, c, "GET", f"/api/items/{ITEM}/{year}", True, params={"region": region})
    assert r.status_code == 200, r.text
    cur = r.json()["current"]
    return int(cur["version"]) if cur else 0


async def client(st: State, region: str, user: str, year: int, seed: int) -> None:
    rng = random.Random(seed)
    async with httpx.AsyncClient(timeout=30) as c:
        login = {"username": user, "password": PASSWORD}
        r = await _request(st, c, "POST", "/api/login", True, json=login)
        assert r.status_code == 200, r.text
        headers = {"X-CSRF-Token": r.json()["csrf_token"]}
        version = await _current(st, c, region, year)
        while not st.stop:
            value = 40000 + rng.randrange(10000) + rng.choice((0.0, 0.25, 0.5, 0.1))
            body = {"region": region, "value": value, "action": "save", "expected_version": version}
            try:
                r = await _request(st, c, "POST", f"/api/items/{ITEM}/{year}", headers=headers, json=body)
            except NETWORK:
                st.cut += 1
                version = await _current(st, c, region, year)
                continue
            if r.status_code == 201:
                sub = r.json()["submission"]
                assert sub["version"] == version + 1, sub
                st.acked.append({"id": sub["id"], "key": (region, year), "version": sub["version"],
                                 "value": value, "status": "draft"})  # fmt: skip
                version = sub["version"]
            else:  # only a version conflict after a cut-off request is expected
                assert r.status_code == 409, r.text
                version = await _current(st, c, region, year)


async def killer(st: State, db: str, tmp: Path) -> list[float]:
    """Kill the server at a random moment once it has acknowledged a few more writes (clients are
    writing all the time, so the kill lands among requests in flight), then start it again."""
    rng = random.Random(2026)
    restarts = []
    for k in range(KILLS + 1):
        target, deadline = len(st.acked) + rng.randrange(10, 40), time.monotonic() + 20
        while len(st.acked) < target and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        await asyncio.sleep(rng.uniform(0, 0.3))
        if k == KILLS:
            break
        st.up.clear()
        os.kill(st.server.proc.pid, signal.SIGKILL)
        st.server.proc.wait()
        t0 = time.monotonic()
        st.server = await asyncio.to_thread(start_server, db, tmp / "files", tmp / f"server{k + 1}.log")
        restarts.append(time.monotonic() - t0)
        st.up.set()
    st.stop = True
    return restarts


async def finish(st: State) -> None:
    """Submit and approve the newest draft of every item (acknowledged: 200 with the new status)."""
    for region, user in REGIONS.items():
        async with httpx.AsyncClient(timeout=30, base_url=st.server.base) as c:
            r = await c.post("/api/login", json={"username": user, "password": PASSWORD})
            h = {"X-CSRF-Token": r.json()["csrf_token"]}
            for year in YEARS:
                cur = (await c.get(f"/api/items/{ITEM}/{year}", params={"region": region})).json()["current"]
                for action in ("submit", "approve"):
                    r = await c.post(
                        f"/api/submissions/{cur['id']}/actions", headers=h, json={"action": action}
                    )
                    assert r.status_code == 200, r.text
                st.acked.append({"id": cur["id"], "key": (region, year), "version": cur["version"],
                                 "value": None, "status": "approved"})  # fmt: skip


async def run(db: str, tmp: Path) -> tuple[State, list[float]]:
    st = State(start_server(db, tmp / "files", tmp / "server0.log"), asyncio.Event())
    st.up.set()
    seeds = iter(range(100))
    clients = [
        client(st, region, user, year, next(seeds)) for region, user in REGIONS.items() for year in YEARS
    ]
    try:
        results = await asyncio.gather(killer(st, db, tmp), *clients)
        await finish(st)
    finally:
        if st.server.proc.poll() is None:
            st.server.proc.send_signal(signal.SIGKILL)  # no graceful shutdown at the end either
        st.server.proc.wait()
    return st, results[0]


def assess_bytes(url: str) -> bytes:
    res = CliRunner().invoke(app, ["assess", "--region", "411224", "--db", url, "--json"])
    assert res.exit_code == 0, res.output
    return res.stdout_bytes


def test_sigkill_loses_no_acknowledged_write(db: str, tmp_path: Path) -> None:
    started = time.monotonic()
    seed_site(db, pw_hash(), extra_regions=len(REGIONS) - 1)
    st, downtimes = asyncio.run(run(db, tmp_path))
    drafts = [a for a in st.acked if a["status"] == "draft"]
    print(f"{len(drafts)} acknowledged saves, {st.cut} cut off by {KILLS + 1} kills, "
          f"restarts {', '.join(f'{d:.1f}' for d in downtimes)} s")  # fmt: skip
    assert len(drafts) > 50

    with session_scope(db) as s:
        rows = {x.id: x for x in s.scalars(select(Submission).where(Submission.item_code == ITEM))}
        for a in st.acked:
            got = rows.get(a["id"])
            assert got is not None, f"acknowledged write lost: {a}"
            assert (got.region_code, got.year, got.version) == (*a["key"], a["version"])
            if a["value"] is not None:
                assert got.value_num == a["value"]
        for region in REGIONS:
            for year in YEARS:
                vs = sorted(x.version for x in rows.values() if (x.region_code, x.year) == (region, year))
                assert vs == list(range(1, len(vs) + 1)), (region, year, vs)
        approved = {a["id"] for a in st.acked if a["status"] == "approved"}
        assert {x.id for x in rows.values() if x.status == "approved"} == approved
    if db.startswith("sqlite"):
        with get_engine(db).connect() as c:
            assert c.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
            assert c.execute(text("PRAGMA foreign_key_check")).all() == []

    before = assess_bytes(db)
    archive = tmp_path / "after-crash.zip"
    backup(db, archive, tmp_path / "files")
    target = f"sqlite:///{tmp_path / 'restored.db'}"
    restore(archive, target)
    assert assess_bytes(target) == before
    ind20 = next(i for i in json.loads(before)["indicators"] if i["id"] == 20)
    assert all(v is not None for v in ind20["values"].values()), ind20  # the crash-written values count
    print(f"crash test {time.monotonic() - started:.1f} s")
