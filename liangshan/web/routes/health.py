"""Liveness and readiness for load balancers, systemd and monitoring (public, no login).

``GET /healthz``: the process answers (touches nothing else). ``GET /readyz``: the database answers
a trivial query, its schema is at this software's newest migration, and the evidence folder takes a
new file; otherwise 503 with the failed checks. Neither reveals a URL, a path or an error text
(those go to the server log).
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
from functools import cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from liangshan.web.deps import ctx_of

router = APIRouter(include_in_schema=False)
log = logging.getLogger("liangshan.web.health")
TIMEOUT = 5.0
REASONS = {
    "database": "数据库无法连接 / database unreachable",
    "migrations": "数据库迁移版本与本程序不一致 / database schema is not at this software's revision",
    "evidence_storage": "佐证文件目录不可写 / evidence storage is not writable",
    "timeout": f"检查超过 {TIMEOUT:g} 秒未完成 / checks timed out",
}


@cache
def _heads() -> tuple[str, ...]:
    from liangshan.store.backup import head_revisions

    return tuple(head_revisions())


def _checks(request: Request) -> dict[str, str]:
    from sqlalchemy import text

    from liangshan.store.backup import db_revisions
    from liangshan.store.db import get_engine

    ctx = ctx_of(request)
    out = {"database": "failed", "migrations": "skipped", "evidence_storage": "failed"}
    try:
        with get_engine(ctx.db_url).connect() as conn:
            conn.execute(text("SELECT 1")).scalar_one()
            out["database"] = "ok"
            revs = tuple(db_revisions(conn) or ())
            out["migrations"] = "ok" if revs == _heads() else "failed"
            if revs != _heads():
                log.warning("readyz: database revision %s, software head %s", revs, _heads())
    except Exception:
        log.exception("readyz: database check failed")
    try:
        fd, name = tempfile.mkstemp(dir=ctx.files_dir, prefix=".readyz-")
        try:
            os.write(fd, b"ok")
        finally:
            os.close(fd)
            os.unlink(name)
        out["evidence_storage"] = "ok"
    except OSError:
        log.exception("readyz: evidence storage check failed")
    return out


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is alive (no database access)."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Ready to serve: database reachable, schema at head, evidence folder writable; else 503."""
    try:
        checks = await asyncio.wait_for(run_in_threadpool(_checks, request), TIMEOUT)
    except TimeoutError:
        log.error("readyz: checks did not finish within %s s", TIMEOUT)
        body: dict[str, Any] = {"status": "unavailable", "checks": {}, "reason": REASONS["timeout"]}
        return JSONResponse(body, status_code=503)
    failed = [k for k, v in checks.items() if v == "failed"]
    if failed:
        reason = "；".join(REASONS[k] for k in failed)
        return JSONResponse({"status": "unavailable", "checks": checks, "reason": reason}, status_code=503)
    return JSONResponse({"status": "ok", "checks": checks})
