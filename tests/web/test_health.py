"""``/healthz`` (alive, no database) and ``/readyz`` (database, migrations, evidence storage): public,
503 with a reason when not ready, and nothing sensitive (URL, password, host, path) in any answer."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from liangshan.store.db import get_engine

SECRET_URL = "postgresql+psycopg://liangshan:pw-secret-123@127.0.0.1:9/liangshan_prod"


def no_secrets(body: str, *secrets: str) -> None:
    for s in ("pw-secret-123", "127.0.0.1:9", "liangshan_prod", "sqlite", "Traceback", *secrets):
        assert s not in body, s


def test_healthz_needs_no_database(app: FastAPI) -> None:
    c = TestClient(app)
    app.state.ctx.db_url = SECRET_URL  # even an unreachable database does not matter
    r = c.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}
    assert r.headers["cache-control"] == "no-store"


def test_readyz_ok(app: FastAPI) -> None:
    r = TestClient(app).get("/readyz")
    assert r.status_code == 200, r.text
    assert r.json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "evidence_storage": "ok"},
    }
    assert not [p for p in Path(app.state.ctx.files_dir).iterdir() if p.name.startswith(".readyz")]


def test_readyz_database_unreachable(app: FastAPI) -> None:
    files = str(app.state.ctx.files_dir)
    app.state.ctx.db_url = SECRET_URL
    r = TestClient(app).get("/readyz")
    assert r.status_code == 503
    body = r.json()
    assert body["status"] == "unavailable" and body["checks"]["database"] == "failed"
    assert "数据库无法连接" in body["reason"]
    no_secrets(r.text, files)


def test_readyz_schema_not_at_head(app: FastAPI) -> None:
    url = app.state.ctx.db_url
    with get_engine(url).begin() as c:
        c.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    r = TestClient(app).get("/readyz")
    assert r.status_code == 503 and r.json()["checks"] == {
        "database": "ok",
        "migrations": "failed",
        "evidence_storage": "ok",
    }
    assert "迁移" in r.json()["reason"]
    no_secrets(r.text, url)


def test_readyz_evidence_not_writable(app: FastAPI, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    app.state.ctx.files_dir = blocker / "files"
    r = TestClient(app).get("/readyz")
    assert r.status_code == 503 and r.json()["checks"]["evidence_storage"] == "failed"
    assert "佐证文件目录不可写" in r.json()["reason"]
    no_secrets(r.text, str(blocker), "not-a-folder")
