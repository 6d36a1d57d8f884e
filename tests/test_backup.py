"""Backup and restore (``liangshan backup`` / ``liangshan restore``): round trips on SQLite and
PostgreSQL and across them, a backup taken during concurrent writes is one consistent state, a
damaged archive or a non-empty target writes nothing, missing or changed evidence stops a backup."""

from __future__ import annotations

import hashlib
import json
import threading
import time
import zipfile
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, inspect, select, text
from typer.testing import CliRunner

from liangshan.catalog import load_catalog
from liangshan.cli import app
from liangshan.demo.build import REGION, build_demo, seed_site
from liangshan.store import backup as bk
from liangshan.store.backup import BackupError, backup, restore, verify_archive
from liangshan.store.db import dispose_engines, get_engine, session_scope
from liangshan.store.evidence import blob_path, store_evidence
from liangshan.store.models import Evidence, Region, Submission, TitleAward
from liangshan.store.service import ensure_db
from liangshan.store.submissions import submit_value


def assess_bytes(url: str) -> bytes:
    res = CliRunner().invoke(app, ["assess", "--region", REGION, "--db", url, "--json"])
    assert res.exit_code == 0, res.output
    return res.stdout_bytes


def members(archive: Path) -> dict[str, Any]:
    with zipfile.ZipFile(archive) as zf:
        return json.loads(zf.read("manifest.json"))["members"]


def table_rows(archive: Path, name: str) -> list[dict[str, Any]]:
    with zipfile.ZipFile(archive) as zf:
        man = json.loads(zf.read("manifest.json"))
        spec = next(t for t in man["tables"] if t["name"] == name)
        cols = [c for c, _ in spec["columns"]]
        lines = zf.read(spec["member"]).decode().splitlines()
    return [dict(zip(cols, json.loads(line), strict=True)) for line in lines]


def row_count(url: str) -> int:
    with get_engine(url).connect() as c:
        names = [n for n in inspect(c).get_table_names() if n != "alembic_version"]
        return sum(c.execute(text(f'SELECT count(*) FROM "{n}"')).scalar_one() for n in names)


def table_names(url: str) -> list[str]:
    with get_engine(url).connect() as c:
        return inspect(c).get_table_names()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The 卢氏县 demo on SQLite (with its evidence files), its assessment and its backup."""
    tmp = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{tmp / 'demo.db'}"
    assert build_demo(url) is True
    archive = tmp / "demo.zip"
    summary = backup(url, archive)
    yield {"url": url, "files": tmp / "demo.db.files", "archive": archive, "assess": assess_bytes(url),
           "summary": summary}  # fmt: skip
    dispose_engines()


# --------------------------------------------------------------------------------------------
# Round trips


def test_demo_backup_contents(demo: dict[str, Any]) -> None:
    man = verify_archive(demo["archive"])
    assert man["format"] == "liangshan-backup" and man["format_version"] == 1
    assert man["alembic_revision"] == bk.head_revisions()
    from liangshan.store.models import Base

    assert [t["name"] for t in man["tables"]] == [t.name for t in Base.metadata.sorted_tables]
    assert {t["name"] for t in man["tables"]} >= {"submission", "wp_task", "wp_attachment", "audit_log"}
    counts = {t["name"]: t["rows"] for t in man["tables"]}
    with session_scope(demo["url"]) as s:
        assert counts["submission"] == s.scalar(select(func.count()).select_from(Submission))
        shas = set(s.scalars(select(Evidence.sha256)))
    assert shas and {f"evidence/{x}" for x in shas} == {
        m for m in man["members"] if m.startswith("evidence/")
    }
    assert man["evidence"]["files"] == len(shas) == demo["summary"].evidence_files
    raw = json.dumps(man, ensure_ascii=False)
    assert "sqlite:" not in raw and str(demo["files"]) not in raw  # no URL, no path
    # timestamps with their zone, JSON columns distinct from SQL NULL, floats as numbers
    sub = table_rows(demo["archive"], "submission")[0]
    assert sub["created_at"].endswith("+00:00") and isinstance(sub["value_num"], float)
    assert isinstance(sub["provenance"], list) and isinstance(sub["provenance"][0], dict)


def test_round_trip_and_cross_database(demo: dict[str, Any], db: str, tmp_path: Path) -> None:
    """demo (SQLite) → ``db`` (SQLite or PostgreSQL) → backup → a fresh SQLite: the same
    assessment byte for byte, and the same table data in every archive."""
    files = tmp_path / "files-db"
    got = restore(demo["archive"], db, files)
    assert got.rows == demo["summary"].rows and got.evidence_files == demo["summary"].evidence_files
    assert assess_bytes(db) == demo["assess"]
    for sha in (m.removeprefix("evidence/") for m in members(demo["archive"]) if m.startswith("evidence/")):
        assert hashlib.sha256(blob_path(files, sha).read_bytes()).hexdigest() == sha
    again = tmp_path / "again.zip"
    backup(db, again, files)
    assert members(again) == members(demo["archive"])  # type-faithful: identical table files
    back = f"sqlite:///{tmp_path / 'back.db'}"
    restore(again, back)
    assert assess_bytes(back) == demo["assess"]
    if db.startswith("postgresql"):  # sequences continue after the restored ids
        with session_scope(db) as s:
            top = s.scalar(select(func.max(Submission.id)))
            sub = submit_value(
                s, region=REGION, item="eco_env_investment", year=2031, value=1.0, user="office"
            )
            assert sub.id == top + 1


def test_native_values_round_trip(db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Values written by the application on ``db`` (not by a restore) come back exactly, on the
    other database too: floats to the last bit, booleans, JSON null vs SQL NULL, zoned timestamps."""
    monkeypatch.setenv("LIANGSHAN_FILES_DIR", str(tmp_path / "files"))
    seed_site(db, "x" * 20, values=False)
    # (no -0.0: SQLite itself stores it as 0.0)
    tricky = [0.1 + 0.2, 1e-300, 123456789.12345679, 2.0**53 + 2, 5e-324, -7.25]
    at = datetime(2026, 5, 1, 12, 30, 15, 123456, tzinfo=UTC)
    with session_scope(db) as s:
        for i, v in enumerate(tricky):
            submit_value(s, region=REGION, item="gdp", year=2000 + i, value=v, user="office", at=at,
                         provenance={"x": v, "nested": [None, True, {"y": 1.5e-7}]})  # fmt: skip
        submit_value(
            s, region=REGION, item="gdp", year=1999, value=True, user="office", note="带“引号”\n换行"
        )
        store_evidence(s, tmp_path / "files", b"%PDF-1.4\n%%EOF\n", "a.pdf", "application/pdf",
                       region=REGION, user="office")  # fmt: skip
    first = tmp_path / "first.zip"
    backup(db, first, tmp_path / "files")
    target = f"sqlite:///{tmp_path / 'copy.db'}"
    restore(first, target)
    with session_scope(target) as s:
        rows = {x.year: x for x in s.scalars(select(Submission).where(Submission.item_code == "gdp"))}
        for i, v in enumerate(tricky):
            got = rows[2000 + i]
            assert got.value_num is not None and got.value_num.hex() == float(v).hex()
            assert got.provenance == {"x": v, "nested": [None, True, {"y": 1.5e-7}]}
            assert got.created_at.replace(tzinfo=UTC) == at
        assert rows[1999].value_bool is True and rows[1999].note == "带“引号”\n换行"
        assert rows[1999].provenance is None
    second = tmp_path / "second.zip"
    backup(target, second)
    assert members(second) == members(first)


def test_staged_restore_from_an_older_revision(demo: dict[str, Any], tmp_path: Path) -> None:
    """An archive of an older schema is restored at its revision, then upgraded to the newest."""
    older = tmp_path / "older.zip"
    with zipfile.ZipFile(demo["archive"]) as src, zipfile.ZipFile(older, "w", zipfile.ZIP_DEFLATED) as dst:
        man = json.loads(src.read("manifest.json"))
        # what revision 0001 lacks: the work-plan tables (0003), user_session and the
        # user_account.must_change_password column (0004), the title register and catalog sets (0005),
        # the contributions to shared elements (0007), the task commitments (0008, wp_), the base status
        # and the incident register (0009)
        newer = (
            "user_session",
            "title_award",
            "region_catalog",
            "contribution",
            "base_status",
            "incident",
            "incident_update",
        )
        keep = [t for t in man["tables"] if not t["name"].startswith("wp_") and t["name"] not in newer]
        keep_members = {t["member"] for t in keep} | {m for m in man["members"] if m.startswith("evidence/")}
        man["tables"], man["alembic_revision"] = keep, ["0001"]
        man["members"] = {k: v for k, v in man["members"].items() if k in keep_members}
        changed: dict[str, bytes] = {}
        for spec in keep:
            names = [c for c, _ in spec["columns"]]
            if "must_change_password" in names:
                at = names.index("must_change_password")
                spec["columns"].pop(at)
                rows = [json.loads(line) for line in src.read(spec["member"]).decode().splitlines()]
                data = "".join(
                    json.dumps(r[:at] + r[at + 1 :], ensure_ascii=False) + "\n" for r in rows
                ).encode()
                changed[spec["member"]] = data
                man["members"][spec["member"]] = {
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "size": len(data),
                }
        for name in man["members"]:
            dst.writestr(name, changed.get(name) or src.read(name))
        dst.writestr("manifest.json", json.dumps(man))
    url = f"sqlite:///{tmp_path / 'older.db'}"
    restore(older, url)
    assert "wp_plan" in table_names(url)
    with get_engine(url).connect() as c:
        assert bk.db_revisions(c) == bk.head_revisions()
    with session_scope(demo["url"]) as d, session_scope(url) as s:  # the register came after 0001:
        cols = [c.name for c in TitleAward.__table__.columns]  # re-register its titles after the upgrade
        s.add_all([TitleAward(**{c: getattr(t, c) for c in cols}) for t in d.scalars(select(TitleAward))])
    assert assess_bytes(url) == demo["assess"]


def test_restore_into_a_migrated_empty_database(demo: dict[str, Any], tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    ensure_db(url)
    restore(demo["archive"], url)
    assert assess_bytes(url) == demo["assess"]


def test_snapshot_does_not_see_later_commits(db: str) -> None:
    """The backup's snapshot: a value committed by another connection after it began is not seen
    (SQLite: a read transaction holding its WAL snapshot; PostgreSQL: REPEATABLE READ READ ONLY)."""
    ensure_db(db)
    count = select(func.count()).select_from(Submission)
    with get_engine(db).connect() as c:
        bk._snapshot(c)
        before = c.execute(count).scalar()
        with session_scope(db) as s:
            s.add(Region(code="990001", name="快照测试", level="county"))
            s.flush()
            submit_value(s, region="990001", item="gdp", year=2025, value=1.0, user="t")
        assert c.execute(count).scalar() == before
        if db.startswith("postgresql"):
            assert c.execute(text("SHOW transaction_isolation")).scalar() == "repeatable read"
            assert c.execute(text("SHOW transaction_read_only")).scalar() == "on"
        c.rollback()
    with get_engine(db).connect() as c:
        assert c.execute(count).scalar() == (before or 0) + 1


# --------------------------------------------------------------------------------------------
# Consistency under concurrent writes


def _writer(url: str, part: int, stop: threading.Event, done: list[int], errors: list[BaseException]) -> None:
    """Keep adding versions (each with its supersede review and audit entry) to this writer's items."""
    cat = load_catalog()
    keys = [(e.code, y) for e in cat.data_elements if e.kind != "boolean" for y in (2023, 2024, 2025)]
    keys = keys[part::2]
    i = 0
    try:
        while not stop.is_set():
            item, year = keys[i % len(keys)]
            with session_scope(url) as s:
                if url.startswith("sqlite"):
                    s.connection().exec_driver_sql("BEGIN IMMEDIATE")
                submit_value(s, region=REGION, item=item, year=year, value=float(i), user="office",
                             status="draft")  # fmt: skip
            i += 1
            done.append(i)
    except BaseException as e:  # reported by the test
        errors.append(e)


def check_consistent(archive: Path) -> int:
    """Invariants every committed state has; a backup read across transactions would break them
    (audit_log is dumped before submission, review after it)."""
    subs = table_rows(archive, "submission")
    versions: dict[tuple[str, str, int], list[int]] = defaultdict(list)
    for r in subs:
        versions[(r["region_code"], r["item_code"], r["year"])].append(r["version"])
    for key, vs in versions.items():
        assert sorted(vs) == list(range(1, len(vs) + 1)), (key, vs)
    audits = Counter(
        (r["entity"], r["action"]) for r in table_rows(archive, "audit_log") if r["entity"] == "submission"
    )
    assert audits[("submission", "submit")] == len(subs)
    ids = {r["id"] for r in subs}
    reviews = table_rows(archive, "review")
    assert {r["submission_id"] for r in reviews} <= ids
    assert sum(r["action"] == "supersede" for r in reviews) == sum(len(v) - 1 for v in versions.values())
    return len(subs)


def test_backup_during_concurrent_writes_is_consistent(db: str, tmp_path: Path) -> None:
    seed_site(db, "x" * 20, values=False)
    stop, done, errors = threading.Event(), [], []
    threads = [threading.Thread(target=_writer, args=(db, k, stop, done, errors)) for k in range(2)]
    for t in threads:
        t.start()
    sizes = []
    try:
        while len(done) < 20:
            time.sleep(0.05)
        for k in range(6):
            archive = tmp_path / f"b{k}.zip"
            backup(db, archive, tmp_path / "files")
            verify_archive(archive)  # manifest counts = rows in the archive
            sizes.append(check_consistent(archive))
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not errors, errors
    assert len(set(sizes)) > 1, sizes  # writes really went on between (and during) the backups
    restore(tmp_path / "b5.zip", f"sqlite:///{tmp_path / 'r.db'}")


# --------------------------------------------------------------------------------------------
# Refusals: nothing written


def _rewrite(src: Path, dst: Path, change: dict[str, bytes | None], manifest: Any = None) -> None:
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as b:
        for name in a.namelist():
            data = a.read(name)
            if name in change:
                if change[name] is None:
                    continue
                data = change[name]  # type: ignore[assignment]
            if name == "manifest.json" and manifest is not None:
                data = json.dumps(manifest).encode()
            b.writestr(name, data)


def _damaged(demo: dict[str, Any], tmp: Path) -> dict[str, Path]:
    src: Path = demo["archive"]
    out = {}
    with zipfile.ZipFile(src) as zf:
        man = json.loads(zf.read("manifest.json"))
        sub = zf.read("tables/submission.jsonl")
        ev = next(n for n in zf.namelist() if n.startswith("evidence/"))
    out["row changed"] = tmp / "a.zip"
    _rewrite(src, out["row changed"], {"tables/submission.jsonl": sub.replace(b"317.0", b"318.0", 1)})
    out["evidence changed"] = tmp / "b.zip"
    _rewrite(src, out["evidence changed"], {ev: b"not the evidence"})
    out["member missing"] = tmp / "c.zip"
    _rewrite(src, out["member missing"], {"tables/review.jsonl": None})
    out["manifest missing"] = tmp / "d.zip"
    _rewrite(src, out["manifest missing"], {"manifest.json": None})
    out["truncated"] = tmp / "e.zip"
    out["truncated"].write_bytes(src.read_bytes()[: src.stat().st_size // 2])
    flipped = bytearray(src.read_bytes())
    with zipfile.ZipFile(src) as zf:
        info = zf.getinfo("tables/audit_log.jsonl")
    flipped[info.header_offset + 30 + len(info.filename) + 50] ^= 0xFF  # inside the compressed data
    out["byte flipped"] = tmp / "f.zip"
    out["byte flipped"].write_bytes(bytes(flipped))
    # a consistent-looking archive whose row count was altered in the manifest as well as the data
    bad = dict(man)
    bad["tables"] = [dict(t, rows=t["rows"] + 1) if t["name"] == "region" else t for t in man["tables"]]
    out["count mismatch"] = tmp / "g.zip"
    _rewrite(src, out["count mismatch"], {}, bad)
    # a row with a wrong type, re-hashed so only the type check can catch it
    bad_rows = sub.replace(b'"2026-03-02T09:00:29+00:00"', b'"yesterday"', 1)
    bad2 = json.loads(json.dumps(man))
    bad2["members"]["tables/submission.jsonl"] = {"sha256": hashlib.sha256(bad_rows).hexdigest(),
                                                   "size": len(bad_rows)}  # fmt: skip
    out["bad type"] = tmp / "h.zip"
    _rewrite(src, out["bad type"], {"tables/submission.jsonl": bad_rows}, bad2)
    out["not a zip"] = tmp / "i.zip"
    out["not a zip"].write_bytes(b"hello")
    return out


def test_damaged_archive_writes_nothing(demo: dict[str, Any], db: str, tmp_path: Path) -> None:
    files = tmp_path / "files"
    for what, path in _damaged(demo, tmp_path).items():
        with pytest.raises(BackupError) as exc:
            restore(path, db, files)
        assert "未写入任何内容" in str(exc.value) or "不是有效的备份文件" in str(exc.value), (what, exc.value)
        if db.startswith("sqlite"):
            assert not Path(db.removeprefix("sqlite:///")).exists(), what
        else:
            assert table_names(db) == [], what
        assert not files.exists(), what


def test_rows_the_database_refuses_are_rolled_back(demo: dict[str, Any], db: str, tmp_path: Path) -> None:
    """An archive that is intact but breaks a constraint (a review of a submission that does not
    exist): the insert transaction is rolled back, no row is left."""
    with zipfile.ZipFile(demo["archive"]) as zf:
        man = json.loads(zf.read("manifest.json"))
        lines = zf.read("tables/review.jsonl").decode().splitlines()
    spec = next(t for t in man["tables"] if t["name"] == "review")
    at = [c for c, _ in spec["columns"]].index("submission_id")
    row = json.loads(lines[-1])
    row[at] = 999999
    data = (
        "\n".join([*lines[:-1], json.dumps(row, ensure_ascii=False, separators=(",", ":"))]) + "\n"
    ).encode()
    man["members"]["tables/review.jsonl"] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    bad = tmp_path / "fk.zip"
    _rewrite(demo["archive"], bad, {"tables/review.jsonl": data}, man)
    with pytest.raises(BackupError, match="事务已回滚"):
        restore(bad, db, tmp_path / "files")
    assert row_count(db) == 0


def test_non_empty_target_is_refused(demo: dict[str, Any], db: str, tmp_path: Path) -> None:
    seed_site(db, "x" * 20, values=False)
    before = row_count(db)
    with pytest.raises(BackupError, match="不是空的"):
        restore(demo["archive"], db, tmp_path / "files")
    assert row_count(db) == before
    res = CliRunner().invoke(app, ["restore", str(demo["archive"]), "--db", db])
    assert res.exit_code == 2 and "不是空的" in res.output


def _with_evidence(url: str, root: Path) -> str:
    seed_site(url, "x" * 20, values=False)
    with session_scope(url) as s:
        return store_evidence(s, root, b"%PDF-1.4\nevidence\n%%EOF\n", "e.pdf", "application/pdf",
                              region=REGION, user="office").sha256  # fmt: skip


def test_missing_or_changed_evidence_stops_the_backup(sqlite_db: str, tmp_path: Path) -> None:
    root = tmp_path / "files"
    sha = _with_evidence(sqlite_db, root)
    out = tmp_path / "out" / "b.zip"
    blob_path(root, sha).write_bytes(b"changed")
    with pytest.raises(BackupError, match="佐证文件已损坏"):
        backup(sqlite_db, out, root)
    blob_path(root, sha).unlink()
    with pytest.raises(BackupError, match=f"佐证文件缺失：sha256 {sha}"):
        backup(sqlite_db, out, root)
    assert list(out.parent.iterdir()) == []  # no archive, no temporary file left behind
    res = CliRunner().invoke(app, ["backup", str(out), "--db", sqlite_db, "--files", str(root)])
    assert res.exit_code == 2 and "佐证文件缺失" in res.output


def test_backup_refuses_a_database_that_is_not_migrated(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="数据库文件不存在"):
        backup(f"sqlite:///{tmp_path / 'none.db'}", tmp_path / "x.zip")
    url = f"sqlite:///{tmp_path / 'old.db'}"
    bk._upgrade(url, "0001")
    with pytest.raises(BackupError, match="liangshan migrate"):
        backup(url, tmp_path / "x.zip")
    create_engine(f"sqlite:///{tmp_path / 'other.db'}").connect().close()
    with pytest.raises(BackupError, match="没有迁移记录"):
        backup(f"sqlite:///{tmp_path / 'other.db'}", tmp_path / "x.zip")
    assert not (tmp_path / "x.zip").exists()


def test_cli_round_trip(demo: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "cli.zip"
    res = CliRunner().invoke(app, ["backup", str(out), "--db", demo["url"], "--json"])
    assert res.exit_code == 0, res.output
    info = json.loads(res.stdout)
    assert info["evidence_files"] == demo["summary"].evidence_files and info["archive_bytes"] > 0
    target = f"sqlite:///{tmp_path / 'cli.db'}"
    res = CliRunner().invoke(app, ["restore", str(out), "--db", target])
    assert res.exit_code == 0 and "已恢复" in res.output, res.output
    assert assess_bytes(target) == demo["assess"]
    res = CliRunner().invoke(app, ["restore", str(out), "--check"])
    assert res.exit_code == 0 and "备份完好" in res.output, res.output
    out.write_bytes(out.read_bytes()[:-100])
    res = CliRunner().invoke(app, ["restore", str(out), "--check"])
    assert res.exit_code == 2 and "不是有效的备份文件" in res.output, res.output
    res = CliRunner().invoke(app, ["migrate", "--db", target])
    assert res.exit_code == 0 and bk.head_revisions()[0] in res.output


def test_encoding_of_special_values() -> None:
    for v in (float("nan"), float("inf"), float("-inf")):
        enc = bk._encode("float", v)
        assert isinstance(enc, str)
        back = bk._decode("float", json.loads(json.dumps(enc)))
        assert (back != back) if v != v else back == v
    assert bk._decode("json", [None]) is bk.JSON.NULL and bk._decode("json", None) is None
    naive = datetime(2026, 1, 2, 3, 4, 5)
    assert bk._encode("datetime", naive) == "2026-01-02T03:04:05+00:00"
    for kind, bad in (("int", 1.5), ("int", True), ("bool", 1), ("datetime", "2026-01-01T00:00:00")):
        with pytest.raises((TypeError, ValueError)):
            bk._decode(kind, bad)


def test_region_parents_are_inserted_first() -> None:
    from liangshan.store.models import Base

    rows = [
        {"code": "3", "parent_code": "2"},
        {"code": "2", "parent_code": "1"},
        {"code": "1", "parent_code": None},
    ]
    ordered = bk._parents_first(rows, Base.metadata.tables["region"])
    assert [r["code"] for r in ordered] == ["1", "2", "3"]


# --------------------------------------------------------------------------------------------
# What the target database would reject (issue 16): non-finite JSON, NUL, out-of-range integers


def _raw_audit(url: str, rows: list[tuple[int, str | None, str | None, str]]) -> None:
    with get_engine(url).begin() as c:
        for id_, before, after, detail in rows:
            c.execute(
                text(
                    "INSERT INTO audit_log (id, at, actor, action, entity, entity_id, before, after, detail) "
                    "VALUES (:id, '2025-01-02 03:04:05', 'old', 'update', 'submission', '1', :b, :a, :d)"
                ),
                {"id": id_, "b": before, "a": after, "d": detail},
            )


def test_nonfinite_audit_json_fails_check_and_migration_repairs_it(tmp_path: Path) -> None:
    from liangshan.store.backup.revisions import upgrade_schema

    url = f"sqlite:///{tmp_path / 'old.db'}"
    ensure_db(url)  # entries an older version wrote (its JSON writer let NaN/Infinity through):
    _raw_audit(url, [
        (1, '{"value": 1.5, "note": "NaN is a word here"}', '{"value": 2}', ""),
        (2, '{"value": Infinity, "note": "x"}', '{"list": [1, -Infinity, NaN], "ok": "Infinity"}', ""),
    ])  # fmt: skip
    archive = tmp_path / "old.zip"
    backup(url, archive)
    with pytest.raises(
        BackupError, match=r"表 audit_log 第 2 行（id=2） 列 before：JSON 中含非有限数值（Infinity）"
    ):
        verify_archive(archive)
    res = CliRunner().invoke(app, ["restore", str(archive), "--check"])
    assert res.exit_code == 2 and "audit_log" in res.stderr and "Infinity" in res.stderr
    target = f"sqlite:///{tmp_path / 'new.db'}"
    with pytest.raises(BackupError, match="非有限数值"):
        restore(archive, target, tmp_path / "new.files")
    assert "audit_log" not in table_names(target) or row_count(target) == 0

    with get_engine(url).begin() as c:  # as if the database had not yet run 0006 (nor 0007–0009)
        c.execute(text("DROP TABLE contribution"))  # 0007
        c.execute(text("DROP TABLE wp_commitment_value"))  # 0008
        c.execute(text("DROP TABLE wp_commitment"))
        c.execute(text("UPDATE alembic_version SET version_num = '0005'"))
        for table in ("incident_update", "incident", "base_status"):  # 0009
            c.execute(text(f"DROP TABLE {table}"))
    upgrade_schema(url, "head")  # 0006 repairs the stored entries
    with get_engine(url).connect() as c:
        got = {
            i: (json.loads(b), json.loads(a))
            for i, b, a in c.execute(text("SELECT id, before, after FROM audit_log"))
        }
    assert got[1] == ({"value": 1.5, "note": "NaN is a word here"}, {"value": 2})
    assert got[2] == (
        {"value": "非有限数值（Infinity）", "note": "x"},
        {"list": [1, "非有限数值（-Infinity）", "非有限数值（NaN）"], "ok": "Infinity"},
    )
    fixed = tmp_path / "fixed.zip"
    backup(url, fixed)
    verify_archive(fixed)
    res = CliRunner().invoke(app, ["restore", str(fixed), "--check"])
    assert res.exit_code == 0, res.output


def test_check_names_nul_and_out_of_range_integers_for_postgresql(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    ensure_db(url)
    _raw_audit(url, [(1, None, None, "a\x00b"), (3_000_000_000, None, None, "")])
    archive = tmp_path / "a.zip"
    backup(url, archive)
    with pytest.raises(BackupError, match=r"表 audit_log 第 1 行（id=1） 列 detail：文本含 NUL"):
        verify_archive(archive)
    verify_archive(archive, target="sqlite")  # SQLite keeps both
    with get_engine(url).begin() as c:
        c.execute(text("UPDATE audit_log SET detail = '' WHERE id = 1"))
    backup(url, archive2 := tmp_path / "b.zip")
    with pytest.raises(BackupError, match=r"第 2 行（id=3000000000） 列 id：整数 3000000000 超出"):
        verify_archive(archive2)
    summary = restore(archive2, f"sqlite:///{tmp_path / 'b.db'}", tmp_path / "b.files")
    assert summary.rows >= 2
