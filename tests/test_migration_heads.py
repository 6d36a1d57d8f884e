"""The statically known head revision and the start-up check that avoids importing Alembic."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from liangshan.store import service
from liangshan.store.backup.revisions import head_revisions
from liangshan.store.db import HEADS, at_head, dispose_engines, get_engine
from liangshan.store.service import ensure_db


def test_heads_constant_matches_the_migration_scripts() -> None:
    # a new migration in liangshan/store/migrations/versions/ must update store.db.HEADS
    assert sorted(HEADS) == head_revisions()


def test_at_head_of_new_migrated_and_older_databases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "_migrated", set())
    url = f"sqlite:///{tmp_path / 'a.db'}"
    assert not at_head(url)  # no alembic_version table yet
    ensure_db(url)
    assert at_head(url)
    with get_engine(url).begin() as c:  # as if the newest revision (0009) had not run yet
        for table in ("incident_update", "incident", "base_status"):
            c.execute(text(f"DROP TABLE {table}"))
        c.execute(text("UPDATE alembic_version SET version_num = '0008'"))
    assert not at_head(url)
    ensure_db(url)  # once per process: nothing happens
    assert "base_status" not in inspect(get_engine(url)).get_table_names()
    monkeypatch.setattr(service, "_migrated", set())
    ensure_db(url)  # a new process: the upgrade runs
    assert at_head(url)
    assert "base_status" in inspect(get_engine(url)).get_table_names()
    dispose_engines()


def test_a_database_at_head_is_opened_without_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'b.db'}"
    ensure_db(url)
    code = (
        "import sys\n"
        "from liangshan.store.service import ensure_db\n"
        f"ensure_db({url!r})\n"
        "print('alembic' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
    stale = f"sqlite:///{tmp_path / 'c.db'}"  # a new database: the upgrade imports Alembic
    code = code.replace(repr(url), repr(stale))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "True"
    assert at_head(stale)
    dispose_engines()
