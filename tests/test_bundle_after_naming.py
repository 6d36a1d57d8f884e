"""Region bundles carry the after-naming records (命名后管理): the base status (申报/命名/复核 dates) and
the incidents with their rectification history. A round trip SQLite → database keeps them all; the
import follows the bundle's rules — everything validated first, nothing written on any error, nothing
overwritten or deleted, the history append-only, records already here listed as skipped."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from bundlesupport import rebuilt
from sqlalchemy import func, select
from typer.testing import CliRunner

from liangshan.cli import app
from liangshan.demo.build import REGION
from liangshan.services.base_status import status_of, write_status
from liangshan.services.incidents import record_step, register_rows
from liangshan.store.bundle import BundleError, export_bundle, import_bundle, read_bundle
from liangshan.store.db import session_scope
from liangshan.store.models import AuditLog, Submission
from liangshan.store.models_after import BaseStatus, Incident, IncidentUpdate
from liangshan.store.service import ensure_db

DAY = date(2026, 6, 1)


def register(url: str) -> list[dict[str, Any]]:
    """The register as the services read it, without the local ids (they differ between databases)."""
    with session_scope(url) as s:
        rows = register_rows(s, REGION, DAY)
    return [{k: v for k, v in r.items() if k != "id"} for r in rows]


def status(url: str) -> dict[str, Any]:
    with session_scope(url) as s:
        return status_of(s, REGION)


def totals(url: str) -> tuple[int, ...]:
    with session_scope(url) as s:
        return tuple(
            int(s.scalar(select(func.count()).select_from(t)) or 0)
            for t in (BaseStatus, Incident, IncidentUpdate, Submission, AuditLog)
        )


def test_round_trip_keeps_status_and_register(db: str, county: str, tmp_path: Path) -> None:
    out = tmp_path / "lushi.zip"
    exp = export_bundle(county, REGION, out)
    assert exp.counts["base_status"] == 1 and exp.counts["incident"] == 2
    b = read_bundle(out)
    assert b.base_status is not None and b.base_status["status"] == "创建中"
    assert [len(i["updates"]) for i in sorted(b.incidents, key=lambda i: i["occurred_on"])] == [2, 1]
    res = import_bundle(db, out, "province")
    assert (res.base_status_added, res.incidents_added, res.incident_updates_added) == (1, 2, 3)
    assert register(db) == register(county) and len(register(db)) == 2
    assert {k: v for k, v in status(db).items()} == status(county)
    with session_scope(db) as s:
        entities = dict(
            s.execute(
                select(AuditLog.entity, func.count())
                .where(AuditLog.action == "import")
                .group_by(AuditLog.entity)
            ).all()
        )
    assert (entities["base_status"], entities["incident"], entities["incident_update"]) == (1, 2, 3)
    # a re-import adds nothing and says what it skipped
    before = totals(db)
    again = import_bundle(db, out, "province")
    assert (again.base_status_added, again.incidents_added, again.incident_updates_added) == (0, 0, 0)
    assert not again.changed and len(again.present) == 3
    assert "基地状态 base status 创建中" in again.present
    assert "问题 incident 2024-05-20 部分河段采砂迹地生态修复不到位" in again.present
    assert totals(db)[:4] == before[:4]  # only the import's own audit entry is new


def test_history_is_appended_and_local_records_are_kept(db: str, county: str, tmp_path: Path) -> None:
    b1 = tmp_path / "b1.zip"
    export_bundle(county, REGION, b1)
    import_bundle(db, b1, "province")
    at = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
    central = "部分河段采砂迹地生态修复不到位"
    for url, note, when in (
        (county, "县级：完成第 3 处迹地整治", at),
        (db, "省级：现场核查", at.replace(day=2)),
    ):
        with session_scope(url) as s:
            inc = s.scalars(select(Incident).where(Incident.title == central)).one()
            record_step(s, "office", inc.id, status="整改中", note=note, at=when)
    with session_scope(db) as s:  # the province records another status: never overwritten
        write_status(s, "province", REGION, at=at, status="已申报", applied_on="2025-10-01")
    b2 = tmp_path / "b2.zip"
    export_bundle(county, REGION, b2)
    res = import_bundle(db, b2, "province")
    assert (res.incidents_added, res.incident_updates_added, res.base_status_added) == (0, 1, 0)
    assert f"问题 incident 2024-05-20 {central}：新增整改记录 1 条" in res.created
    assert "问题 incident 2023-09-12 乡镇污水处理设施运行负荷率偏低" in res.present
    kept = [d for d in res.differences if "基地状态" in d and "保留本地" in d]
    assert len(kept) == 1 and "本地 local 已申报" in kept[0] and "数据包 bundle 创建中" in kept[0]
    assert status(db)["status"] == "已申报" and status(db)["applied_on"] == "2025-10-01"
    row = next(r for r in register(db) if r["title"] == central)
    notes = [h["note"] for h in row["history"]]
    assert notes[-2:] == ["县级：完成第 3 处迹地整治", "省级：现场核查"] and len(notes) == 3


def test_bad_after_naming_records_refuse_the_whole_bundle(db: str, county: str, tmp_path: Path) -> None:
    good = tmp_path / "good.zip"
    export_bundle(county, REGION, good)
    ensure_db(db)

    def bad_step(kind: str, d: dict[str, Any]) -> None:
        if kind == "incident" and d["occurred_on"] == "2023-09-12":
            d["updates"][1]["status"] = "已完成"  # not a rectification state

    def bad_status(kind: str, d: dict[str, Any]) -> None:
        if kind == "base_status":
            d["named_on"] = "2025-02-30"

    before = totals(db)
    for change, words in ((bad_step, "第 2 条整改记录的字段 status"), (bad_status, "字段 named_on")):
        bad = rebuilt(good, tmp_path / f"{change.__name__}.zip", change)
        with pytest.raises(BundleError) as e:
            import_bundle(db, bad, "province")
        msg = str(e.value)
        assert words in msg and "未写入任何数据" in msg and "records.jsonl" in msg, msg
        assert totals(db) == before  # not even the values of the bundle
    res = CliRunner().invoke(app, ["bundle", "import", str(tmp_path / "bad_step.zip"), "--db", db])
    assert res.exit_code == 2 and "整改记录" in res.output and totals(db) == before


def test_conflicting_incident_refuses_the_import(db: str, county: str, tmp_path: Path) -> None:
    out = tmp_path / "lushi.zip"
    export_bundle(county, REGION, out)
    import_bundle(db, out, "province")
    with session_scope(county) as s:  # the county edits a step in place (outside the services)
        inc = s.scalars(select(Incident).where(Incident.occurred_on == "2023-09-12")).one()
        step = s.scalars(select(IncidentUpdate).where(IncidentUpdate.incident_id == inc.id)).first()
        assert step is not None
        step.note = "改写过的整改情况"
    with session_scope(county) as s:  # and records a new step, which must not slip in either
        record_step(s, "office", inc.id, status="已整改", note="复查", done_on="2025-01-10",
                    at=datetime(2026, 5, 3, tzinfo=UTC))  # fmt: skip
    edited = tmp_path / "edited.zip"
    export_bundle(county, REGION, edited)
    before = totals(db)
    with pytest.raises(BundleError) as e:
        import_bundle(db, edited, "province")
    msg = str(e.value)
    assert "整改情况与本地不同" in msg and "乡镇污水处理设施运行负荷率偏低" in msg and "未写入任何数据" in msg
    assert totals(db) == before


def test_cli_reports_what_it_added_and_skipped(db: str, county: str, tmp_path: Path) -> None:
    out = tmp_path / "lushi.zip"
    runner = CliRunner()
    exp = runner.invoke(app, ["bundle", "export", REGION, str(out), "--db", county])
    assert exp.exit_code == 0
    assert "基地状态 base status 1 条，问题整改台账 incidents 2 项，称号 titles 6 项" in exp.stdout
    first = runner.invoke(app, ["bundle", "import", str(out), "--db", db])
    assert first.exit_code == 0, first.output
    assert "新增基地状态 base status added 1，新增问题 incidents added 2" in first.stdout
    again = runner.invoke(app, ["bundle", "import", str(out), "--db", db, "--json"])
    d = json.loads(again.stdout)
    assert d["incidents_added"] == 0 and len(d["present"]) == 3
    text = runner.invoke(app, ["bundle", "import", str(out), "--db", db]).stdout
    skipped = "已存在，跳过 / already present, skipped："
    assert f"{skipped}问题 incident 2023-09-12 乡镇污水处理设施运行负荷率偏低" in text
    assert text.count("已存在，跳过") == 3
