"""Fixtures of the work-plan tests: a database with the 卢氏县 profile and plan, on SQLite and PostgreSQL.

The SQLite variant copies a template built once per session (migrating and loading take most of the
time of each test otherwise); PostgreSQL builds it in the test's own database.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from wpsupport import make_plan_db

from liangshan.store.db import dispose_engines


@pytest.fixture(scope="session")
def plan_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("wp_template") / "plan.db"
    make_plan_db(f"sqlite:///{path}")
    dispose_engines()
    return path


@pytest.fixture
def plan_db(db: str, plan_template: Path) -> str:
    """URL of a database holding the 卢氏县 profile (units, leading group, round) and its work plan."""
    if db.startswith("sqlite:///"):
        target = Path(db.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            src = plan_template.with_name(plan_template.name + suffix)
            if src.exists():
                shutil.copyfile(src, target.with_name(target.name + suffix))
    else:
        make_plan_db(db)
    return db
