"""A region's assigned indicator set (``region_catalog``) travels in region bundles and in backups."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from liangshan.cli import app
from liangshan.demo.build import REGION
from liangshan.store.backup import backup, restore
from liangshan.store.bundle import (
    MANIFEST,
    RECORDS,
    BundleError,
    build_bundle,
    export_bundle,
    import_bundle,
    read_bundle,
)
from liangshan.store.db import session_scope
from liangshan.store.models import RegionCatalog, Submission
from liangshan.store.service import ensure_db
from liangshan.store.submissions import submit_value, transition

VARIANT = "henan_variant"


def assign(url: str, set_id: str = VARIANT) -> None:
    res = CliRunner().invoke(app, ["region", "set-catalog", REGION, set_id, "--db", url])
    assert res.exit_code == 0, res.output


def approve_variant_value(url: str) -> None:
    with session_scope(url) as s:
        sub = submit_value(s, region=REGION, item="rural_villages_total", year=2025, value=352, user="office")
        transition(s, sub.id, "approve", "office")


def records(path: Path) -> list[dict]:
    with zipfile.ZipFile(path) as z:
        return [json.loads(line) for line in z.read(RECORDS).decode().splitlines()]


def assigned(url: str) -> str | None:
    with session_scope(url) as s:
        row = s.get(RegionCatalog, REGION)
        return row.catalog_set if row else None


def test_bundle_carries_the_assigned_set_and_its_values(demo_db: str, tmp_path: Path) -> None:
    plain = tmp_path / "plain.zip"
    assert "catalog" not in export_bundle(demo_db, REGION, plain).counts  # none assigned: as before
    assert read_bundle(plain).catalog_set is None
    assign(demo_db)
    approve_variant_value(demo_db)
    out = tmp_path / "lushi.zip"
    exp = export_bundle(demo_db, REGION, out)
    assert exp.counts["catalog"] == 1
    recs = records(out)
    assert [r["type"] for r in recs[:4]] == ["region", "parent", "parent", "catalog"]
    assert recs[3]["data"] == {"catalog_set": VARIANT, "version": "2026.1"}
    province = f"sqlite:///{tmp_path / 'province.db'}"
    res = import_bundle(province, out, "province")
    assert "catalog henan_variant" in res.created
    assert assigned(province) == VARIANT
    with session_scope(province) as s:
        sub = s.scalars(select(Submission).where(Submission.item_code == "rural_villages_total")).one()
        assert sub.value == 352 and sub.status == "approved"
    # a province that assigned another set keeps it and is told
    other = f"sqlite:///{tmp_path / 'other.db'}"
    import_bundle(other, plain, "province")
    assign(other, "two_mountains")
    again = import_bundle(other, out, "province")
    assert assigned(other) == "two_mountains"
    assert "catalog: 本地 local two_mountains，数据包 bundle henan_variant" in again.differences


def test_bundle_with_an_unknown_set_is_refused(demo_db: str, tmp_path: Path) -> None:
    assign(demo_db)
    approve_variant_value(demo_db)
    out = tmp_path / "lushi.zip"
    export_bundle(demo_db, REGION, out)
    with zipfile.ZipFile(out) as z:
        manifest = json.loads(z.read(MANIFEST))
    recs = [(r["type"], r["data"]) for r in records(out)]
    recs = [(t, {"catalog_set": "shanxi_variant", "version": "1"} if t == "catalog" else d) for t, d in recs]
    data, _ = build_bundle(recs, instance=manifest["instance"], region=REGION,
                           alembic=manifest["alembic_revision"], catalog_version="x")  # fmt: skip
    bad = tmp_path / "bad.zip"
    bad.write_bytes(data)
    with pytest.raises(BundleError, match=r"catalog shanxi_variant.*本系统没有指标体系 shanxi_variant"):
        read_bundle(bad)
    # without the catalog record, the variant's value is not an item of the base set
    recs = [(t, d) for t, d in recs if t != "catalog"]
    data, _ = build_bundle(recs, instance=manifest["instance"], region=REGION,
                           alembic=manifest["alembic_revision"], catalog_version="x")  # fmt: skip
    bad.write_bytes(data)
    with pytest.raises(BundleError, match="未知指标或数据元素 'rural_villages_total'"):
        read_bundle(bad)


def test_backup_round_trip_keeps_the_assignment(demo_db: str, tmp_path: Path) -> None:
    assign(demo_db)
    archive = tmp_path / "backup.zip"
    backup(demo_db, archive)  # the demo copy keeps its evidence folder beside the database
    back = f"sqlite:///{tmp_path / 'back.db'}"
    restore(archive, back, tmp_path / "files")
    assert assigned(back) == VARIANT
    ensure_db(back)
    res = CliRunner().invoke(app, ["assess", "--region", REGION, "--db", back, "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["catalog"]["id"] == VARIANT
