"""Shared fixtures: the catalog, a fresh database on SQLite and on PostgreSQL, and the 卢氏县 demo.

The demo (:func:`liangshan.demo.build.build_demo`) is built once per session into a template SQLite
file which ``demo_db`` copies; the calculators' output is cached in pytest's cache folder, keyed by
the hash of the code that produces it, so a session whose calculators did not change skips them.

``make test`` starts a throwaway PostgreSQL and exports ``LIANGSHAN_TEST_PG_URL``; without it the
PostgreSQL variants are skipped locally, but fail under CI (``CI=true``) so they cannot vanish.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from liangshan.catalog import Catalog, load_catalog
from liangshan.demo.build import build_demo
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


@pytest.fixture(scope="session")
def demo_cache(pytestconfig: pytest.Config) -> Path:
    """Folder of the calculators' cached output (see :func:`liangshan.demo.build.computed_values`)."""
    return Path(pytestconfig.cache.mkdir("liangshan-demo"))


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory, demo_cache: Path) -> Path:
    """The 卢氏县 demo built once per session (SQLite file; its evidence folder beside it)."""
    path = tmp_path_factory.mktemp("demo_template") / "demo.db"
    assert build_demo(f"sqlite:///{path}", cache=demo_cache) is True
    dispose_engines()
    return path


def copy_demo(template: Path, target: Path) -> str:
    """Copy the demo's SQLite file (and its evidence folder) to ``target``; returns the URL."""
    for suffix in ("", "-wal", "-shm"):
        src = template.with_name(template.name + suffix)
        if src.exists():
            shutil.copyfile(src, target.with_name(target.name + suffix))
    files = template.with_name(template.name + ".files")
    if files.is_dir():
        shutil.copytree(files, target.with_name(target.name + ".files"))
    return f"sqlite:///{target}"


@pytest.fixture(scope="session", name="copy_demo")
def copy_demo_fixture(demo_template: Path) -> Callable[[Path], str]:
    """``copy_demo(target)``: a fresh copy of the demo at ``target`` (for module-scoped fixtures)."""
    return lambda target: copy_demo(demo_template, target)


@pytest.fixture
def demo_db(tmp_path: Path, demo_template: Path) -> Iterator[str]:
    """URL of a fresh copy of the 卢氏县 demo database."""
    yield copy_demo(demo_template, tmp_path / "demo.db")
    dispose_engines()


@pytest.fixture(scope="module")
def county_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 卢氏县 demo database for bundle tests, built once per module (it takes a few seconds) and
    checkpointed so it can be copied."""
    path = tmp_path_factory.mktemp("county") / "county.db"
    build_demo(f"sqlite:///{path}")
    dispose_engines()
    with sqlite3.connect(path) as c:
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def county(county_template: Path, tmp_path: Path) -> str:
    """A private copy of the county database (with its evidence files)."""
    target = tmp_path / "county" / "county.db"
    target.parent.mkdir()
    shutil.copy(county_template, target)
    shutil.copytree(county_template.with_name("county.db.files"), target.with_name("county.db.files"))
    return f"sqlite:///{target}"
