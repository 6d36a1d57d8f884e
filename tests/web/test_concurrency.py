"""50 concurrent clients submit and approve 2,000 items against a running server (SQLite and
PostgreSQL): no lost or duplicated versions, no 5xx. One item in ten is raced by two clients: exactly
one save and one approval win, the other gets a clear 409/423."""

from __future__ import annotations

import asyncio
import os
import random
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from websupport import PASSWORD, pw_hash, start_server, stop_server

from liangshan.catalog import load_catalog
from liangshan.demo.build import seed_site
from liangshan.store.db import session_scope
from liangshan.store.models import Review, Submission, User

pytestmark = pytest.mark.slow
CLIENTS = int(os.environ.get("LIANGSHAN_CONCURRENCY_CLIENTS", "50"))
ITEMS = int(os.environ.get("LIANGSHAN_CONCURRENCY_ITEMS", "2000"))
REGIONS = 18
RACED = 0.10


#: every region of the run; client ``i`` is an office account of ``REGION_CODES[i % REGIONS]``
REGION_CODES = ["411224"] + [f"9{k:05d}" for k in range(1, REGIONS)]


def build(url: str) -> list[tuple[str, str, int]]:
    seed_site(url, pw_hash(), extra_regions=REGIONS - 1, values=False)
    cat = load_catalog()
    regions = REGION_CODES
    with session_scope(url) as s:  # one office account per client, spread over the regions
        for i in range(CLIENTS):
            s.add(User(username=f"c{i:02d}", display_name=f"客户端{i}", role="office",
                       region_code=regions[i % REGIONS], password_hash=pw_hash()))  # fmt: skip
    items = [(r, e.code, y) for r in regions for e in cat.data_elements for y in (2023, 2024, 2025)]
    return items[:ITEMS]


async def client_run(
    base: str, i: int, region: str, work: asyncio.Queue[tuple[str, str, int]], log: list[dict[str, Any]]
) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=120) as c:
        r = await c.post("/api/login", json={"username": f"c{i:02d}", "password": PASSWORD})
        assert r.status_code == 200, r.text
        h = {"X-CSRF-Token": r.json()["csrf_token"]}
        cat = load_catalog()
        denominators = {c for i in cat.indicators for c in i.formula.denominator}
        while True:
            try:
                reg, item, year = work.get_nowait()
            except asyncio.QueueEmpty:
                return
            value: Any = True if cat.element(item).kind == "boolean" else (300 if item in denominators else 1)
            r = await c.post(f"/api/items/{item}/{year}", headers=h,
                             json={"region": reg, "value": value, "expected_version": 0})  # fmt: skip
            log.append({"op": "save", "key": (reg, item, year), "status": r.status_code, "client": i,
                        "body": r.json() if r.status_code < 500 else r.text})  # fmt: skip
            if r.status_code != 201:
                continue
            sid = r.json()["submission"]["id"]
            r = await c.post(f"/api/submissions/{sid}/actions", headers=h, json={"action": "approve"})
            log.append({"op": "approve", "key": (reg, item, year), "status": r.status_code, "client": i,
                        "body": r.json() if r.status_code < 500 else r.text})  # fmt: skip


async def race_approve(base: str, logins: dict[str, httpx.AsyncClient], heads: dict[str, dict[str, str]],
                       log: list[dict[str, Any]], raced: list[tuple[str, str, int]]) -> None:  # fmt: skip
    """Two more clients of the same region each try to approve an already approved item."""
    for reg, item, year in raced:
        cs = [k for k in logins if k.startswith(reg + ":")]
        won = [e for e in log if e["key"] == (reg, item, year) and e["op"] == "save" and e["status"] == 201]
        if len(won) != 1:
            continue  # reported by the main assertions
        sid = won[0]["body"]["submission"]["id"]
        rs = await asyncio.gather(*(logins[k].post(f"/api/submissions/{sid}/actions", headers=heads[k],
                                                   json={"action": "approve"}) for k in cs[:2]))  # fmt: skip
        for r in rs:
            log.append(
                {"op": "approve-again", "key": (reg, item, year), "status": r.status_code, "body": r.text}
            )


async def run(base: str, items: list[tuple[str, str, int]]) -> list[dict[str, Any]]:
    rng = random.Random(7)
    raced = rng.sample(items, int(len(items) * RACED))
    regions = REGION_CODES  # the same assignment as build(), whichever regions the items reach
    queues: dict[str, asyncio.Queue[tuple[str, str, int]]] = {r: asyncio.Queue() for r in regions}
    for it in rng.sample(items + raced, len(items) + len(raced)):
        queues[it[0]].put_nowait(it)
    log: list[dict[str, Any]] = []
    started = time.monotonic()
    await asyncio.gather(
        *(client_run(base, i, regions[i % len(regions)], queues[regions[i % len(regions)]], log)
          for i in range(CLIENTS))
    )  # fmt: skip
    print(f"{len(log)} requests in {time.monotonic() - started:.1f} s")
    logins: dict[str, httpx.AsyncClient] = {}
    heads: dict[str, dict[str, str]] = {}
    for i in range(CLIENTS):
        reg = regions[i % len(regions)]
        c = httpx.AsyncClient(base_url=base, timeout=60)
        r = await c.post("/api/login", json={"username": f"c{i:02d}", "password": PASSWORD})
        logins[f"{reg}:{i}"], heads[f"{reg}:{i}"] = c, {"X-CSRF-Token": r.json()["csrf_token"]}
    await race_approve(base, logins, heads, log, raced[:50])
    for c in logins.values():
        await c.aclose()
    return log


def test_concurrent_submit_and_approve(db: str, tmp_path: Path) -> None:
    items = build(db)
    server = start_server(db, tmp_path / "files", tmp_path / "server.log")
    try:
        log = asyncio.run(run(server.base, items))
    finally:
        stop_server(server)
    statuses = Counter((e["op"], e["status"]) for e in log)
    assert not [e for e in log if e["status"] >= 500], statuses
    saves = [e for e in log if e["op"] == "save"]
    ok_saves = [e for e in saves if e["status"] == 201]
    refused = [e for e in saves if e["status"] != 201]
    assert len(ok_saves) == len(items)  # exactly one save per item won
    # the loser of a race is told the item moved on (409) or was approved meanwhile (423 locked)
    assert {e["status"] for e in refused} <= {409, 423}, Counter(e["status"] for e in refused)
    assert all(re.search("版|同一时间|锁定", e["body"]["detail"]) for e in refused)
    approvals = [e for e in log if e["op"] == "approve"]
    assert [e["status"] for e in approvals] == [200] * len(items)
    again = [e for e in log if e["op"] == "approve-again"]
    assert again and {e["status"] for e in again} <= {409, 423}
    with session_scope(db) as s:
        n = s.scalar(select(func.count()).select_from(Submission))
        assert n == len(items)  # no duplicated or lost versions
        per_key = s.execute(
            select(
                Submission.region_code,
                Submission.item_code,
                Submission.year,
                func.count(),
                func.max(Submission.version),
            ).group_by(Submission.region_code, Submission.item_code, Submission.year)
        ).all()
        assert {(c, v) for *_, c, v in per_key} == {(1, 1)}
        assert {r for (r,) in s.execute(select(Submission.status)).all()} == {"approved"}
        approves = s.scalar(select(func.count()).select_from(Review).where(Review.action == "approve"))
        assert approves == len(items)
        ids = {e["body"]["submission"]["id"] for e in ok_saves}
        assert len(ids) == len(items)
