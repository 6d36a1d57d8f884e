"""The variants of the one demo builder: the calculators' cache, 示例县, the web tests' site."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from liangshan.cli import app
from liangshan.demo import build
from liangshan.demo.build import ROUND_YEARS, build_demo, code_version, computed_values, seed_site
from liangshan.store.db import dispose_engines, session_scope
from liangshan.store.models import Region, Submission, User


def test_cached_calculators_give_the_same_demo(demo_db: str, tmp_path: Path) -> None:
    """``demo_db`` is built from the cached calculators' output; a build without cache assesses the same."""
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert build_demo(fresh) is True
    runner = CliRunner()
    a = runner.invoke(app, ["assess", "--region", "411224", "--db", demo_db, "--json"])
    b = runner.invoke(app, ["assess", "--region", "411224", "--db", fresh, "--json"])
    assert a.exit_code == b.exit_code == 0 and a.stdout == b.stdout
    dispose_engines()


def test_cache_is_read_back_and_keyed_by_code(
    demo_cache: Path, demo_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = code_version()
    assert len(key) == 64 and (demo_cache / f"computed-{key[:16]}.json").is_file()
    first = computed_values(cache=demo_cache)

    def no_calculators() -> list[object]:
        raise AssertionError("the calculators ran although their output is cached")

    monkeypatch.setattr(build, "calculators", no_calculators)
    assert computed_values(cache=demo_cache) == first
    assert {year for year, *_ in first} == set(range(2020, 2026))
    monkeypatch.setattr(build, "__version__", "0.0.0-other")
    assert code_version() != key


def test_web_site_variant(sqlite_db: str) -> None:
    users = seed_site(sqlite_db, "h" * 20, extra_regions=2)
    assert users["统计局"].startswith("u")
    with session_scope(sqlite_db) as s:
        years = set(s.scalars(select(Submission.year).where(Submission.region_code == "411224")))
        assert years == set(ROUND_YEARS)
        free = select(func.count()).where(Submission.item_code == "eco_env_investment")
        assert s.scalar(free) == 0
        computed = select(func.count()).where(Submission.item_code == "air_good_days")
        assert s.scalar(computed) == 0  # the calculators did not run
        accounts = {u.username: u for u in s.scalars(select(User))}
        assert accounts["expert"].role == "reviewer" and accounts["office002"].region_code == "900002"
        assert {u.password_hash for u in accounts.values()} == {"h" * 20}
        extra = s.scalars(select(Region.name).where(Region.code.like("9%")).order_by(Region.code))
        assert list(extra) == ["示例县001", "示例县002"]
    dispose_engines()


def test_cli_demo_with_counties(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    res = CliRunner().invoke(app, ["demo", "--db", url, "--counties", "2", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["counties"] == ["900001", "900002"]
    res = CliRunner().invoke(app, ["assess", "--region", "900002", "--db", url, "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["region"]["name"] == "示例县002"
    dispose_engines()
