"""Shared fixtures: the catalog, and a fresh database on SQLite and on PostgreSQL.

``make test`` starts a throwaway PostgreSQL and exports ``LIANGSHAN_TEST_PG_URL``; without it the
PostgreSQL variants are skipped locally, but fail under CI (``CI=true``) so they cannot vanish.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from liangshan.catalog import Catalog, load_catalog
from liangshan.store.db import dispose_engines

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


def _pg_base() -> str | None:
    url = os.environ.get("LIANGSHAN_TEST_PG_URL")
    if not url and os.environ.get("CI"):
        pytest.fail("LIANGSHAN_TEST_PG_URL is not set under CI: run the suite through `make test`")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database (migrations not yet applied)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        dispose_engines()
        return
    base = _pg_base()
    if not base:
        pytest.skip("PostgreSQL not started (run through `make test`)")
    name = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.rsplit("/", 1)[0] + "/" + name
    dispose_engines()
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp_path / 'test.db'}"
    dispose_engines()
