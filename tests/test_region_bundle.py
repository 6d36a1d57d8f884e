"""Mergeable deployments: a county's bundle imported by the province (SQLite and PostgreSQL).

The county is always SQLite (the 卢氏县 demo, built once per module and copied per test); the
province is the parametrized ``db`` fixture.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from liangshan.cli import app
from liangshan.config import FILES_ENV
from liangshan.demo.build import REGION
from liangshan.demo.explanations import TEXTS
from liangshan.services.assessment import run_assessment
from liangshan.store.bundle import (
    MANIFEST,
    PLACEHOLDER_NOTE,
    RECORDS,
    BundleError,
    build_bundle,
    canonical,
    digest,
    export_bundle,
    import_bundle,
    read_bundle,
)
from liangshan.store.bundle import merge as bundle_merge
from liangshan.store.db import session_scope
from liangshan.store.models import AuditLog, Base, Region, Review
from liangshan.store.service import ensure_db
from liangshan.store.submissions import approved_observations, history, latest, submit_value, transition

# the demo's values (248) and its 情况说明 (explain:N, one per indicator and explained year)
SUBMISSIONS = 248 + sum(len(per_year) for per_year in TEXTS.values())

ITEM, YEAR = "eco_env_investment", 2025  # indicator 20 (生态环保投入占 GDP 比重)


@pytest.fixture
def province_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[], Path]:
    """Call to point evidence storage at the province's own folder (after the county has exported)."""

    def use() -> Path:
        folder = tmp_path / "province-files"
        monkeypatch.setenv(FILES_ENV, str(folder))
        return folder

    return use


def counts(url: str) -> dict[str, int]:
    with session_scope(url) as s:
        return {
            t.name: s.execute(select(func.count()).select_from(t)).scalar_one()
            for t in Base.metadata.sorted_tables
        }


def assessment(url: str) -> dict[str, Any]:
    return run_assessment(url, REGION).to_dict()


def county_edit(url: str, value: float, note: str = "更正") -> None:
    """The county office reopens the approved value, a corrected version is submitted and approved."""
    with session_scope(url) as s:
        cur = latest(s, REGION, ITEM, YEAR)
        assert cur is not None
        transition(s, cur.id, "reopen", "office", reason=note)
        sub = submit_value(
            s, region=REGION, item=ITEM, year=YEAR, value=value, user="u07", unit="万元", note=note
        )
        transition(s, sub.id, "approve", "office")


# ------------------------------------------------------------------------------------------------ tests


def test_import_reproduces_the_county_assessment(
    db: str, county: str, tmp_path: Path, province_files: Callable[[], Path]
) -> None:
    out = tmp_path / "lushi.zip"
    exp = export_bundle(county, REGION, out, include_files=True, actor="office")
    # the demo: 233 values + 9 official figures + 6 improvement-target yes/no (15 more evidence files),
    # and 3 contributions to a shared element, one with its 分项测算表 (1 more evidence file)
    assert exp.counts["submission"] == SUBMISSIONS and exp.counts["evidence"] == 27 and exp.files == 27
    assert exp.counts["contribution"] == 3
    folder = province_files()
    res = import_bundle(db, out, "province")
    assert len(res.added) == SUBMISSIONS and res.unchanged == 0 and not res.conflicts
    assert res.evidence_added == 27 and res.files_written == 27 and res.contributions_added == 3
    assert res.created[:3] == ["region 410000 河南省", "region 411200 三门峡市", "region 411224 卢氏县"]
    assert assessment(db) == assessment(county)
    assert len(list(folder.rglob("*"))) > 26  # the blobs, under ab/cd/<sha256>
    with session_scope(db) as s:
        sub = latest(s, REGION, ITEM, YEAR)
        assert sub is not None and sub.status == "approved" and sub.version == 1
        origin = (sub.provenance or {})["origin"]
        assert origin["instance"] == exp.instance and origin["bundle_id"] == exp.bundle_id
        assert origin["source_version"] == 1 and origin["approved_by"] == "office"
        assert origin["exported_at"] == exp.exported_at and origin["created_by"] == "u07"
        rv = s.scalars(select(Review).where(Review.submission_id == sub.id)).one()
        assert (rv.action, rv.from_status, rv.to_status, rv.actor) == ("import", "", "approved", "province")
        assert s.scalars(select(func.count()).where(AuditLog.action == "bundle_import")).one() == 1
        # calculator provenance travels unchanged beside the origin
        computed = latest(s, REGION, "air_good_days", YEAR)
        assert computed is not None and computed.provenance and "calculator" in computed.provenance


def test_reimport_changes_nothing(db: str, county: str, tmp_path: Path) -> None:
    out = tmp_path / "lushi.zip"
    export_bundle(county, REGION, out)
    import_bundle(db, out, "province")
    before = counts(db)
    again = import_bundle(db, out, "province")
    assert (
        again.unchanged == SUBMISSIONS and not again.added and not again.changed and again.evidence_added == 0
    )
    after = counts(db)
    assert after.pop("audit_log") == before.pop("audit_log") + 1  # one "bundle_import: no change" entry
    assert after == before
    with session_scope(db) as s:
        entry = s.scalars(select(AuditLog).order_by(AuditLog.id.desc()).limit(1)).one()
        assert entry.action == "bundle_import" and "no change" in entry.detail
    # a fresh export of the unchanged county is the same bundle, and changes nothing either
    out2 = tmp_path / "again.zip"
    assert export_bundle(county, REGION, out2).bundle_id == again.bundle_id
    assert import_bundle(db, out2, "province").unchanged == SUBMISSIONS
    # a dry run writes nothing at all
    before = counts(db)
    assert import_bundle(db, out2, "province", dry_run=True).unchanged == SUBMISSIONS
    assert counts(db) == before


def test_county_update_becomes_a_new_version_with_origin(db: str, county: str, tmp_path: Path) -> None:
    b1, b2 = tmp_path / "b1.zip", tmp_path / "b2.zip"
    first = export_bundle(county, REGION, b1)
    import_bundle(db, b1, "province")
    county_edit(county, 45000.0)
    second = export_bundle(county, REGION, b2)
    assert second.bundle_id != first.bundle_id
    res = import_bundle(db, b2, "province")
    assert res.unchanged == SUBMISSIONS - 1 and not res.conflicts
    assert [(a["item"], a["year"], a["version"], a["status"], a["previous"]) for a in res.added] == [
        (ITEM, YEAR, 2, "approved", 1)
    ]
    with session_scope(db) as s:
        v1, v2 = history(s, REGION, ITEM, YEAR)
        assert (v1.value, v1.status) == (43400.0, "superseded")  # the old version is kept
        assert (v2.value, v2.status) == (45000.0, "approved")
        origin = (v2.provenance or {})["origin"]
        assert origin["bundle_id"] == second.bundle_id and origin["source_version"] == 2
        assert [r["action"] for r in origin["reviews"]] == ["approve"]
        assert (v1.provenance or {})["origin"]["bundle_id"] == first.bundle_id
    assert assessment(db) == assessment(county)
    # the older bundle arriving again adds nothing (its values were imported already)
    again = import_bundle(db, b1, "province")
    assert again.unchanged == SUBMISSIONS and not again.added and not again.stale
    # at a province that got the newer bundle first, the older one arriving late is stale
    other = f"sqlite:///{tmp_path / 'other-province.db'}"
    import_bundle(other, b2, "province")
    late = import_bundle(other, b1, "province")
    assert late.unchanged == SUBMISSIONS - 1 and not late.added
    assert late.stale == [{"item": ITEM, "year": YEAR, "source_version": 1, "local_source_version": 2}]
    assert assessment(other) == assessment(county)


def test_province_version_is_never_overwritten(db: str, county: str, tmp_path: Path) -> None:
    b1, b2 = tmp_path / "b1.zip", tmp_path / "b2.zip"
    export_bundle(county, REGION, b1)
    import_bundle(db, b1, "province")
    with session_scope(db) as s:  # the province corrects the value after its own verification
        cur = latest(s, REGION, ITEM, YEAR)
        assert cur is not None
        transition(s, cur.id, "reopen", "province", reason="核查更正")
        own = submit_value(
            s, region=REGION, item=ITEM, year=YEAR, value=44000.0, user="province", unit="万元"
        )
        transition(s, own.id, "approve", "province")
    # the same bundle again: unchanged, no conflict (the province's correction stands)
    assert import_bundle(db, b1, "province").unchanged == SUBMISSIONS
    county_edit(county, 45000.0)
    export_bundle(county, REGION, b2)
    before = counts(db)
    res = import_bundle(db, b2, "province")
    assert res.unchanged == SUBMISSIONS - 1 and not res.added
    assert res.conflicts == [
        {
            "item": ITEM,
            "year": YEAR,
            "source_version": 2,
            "local_version": 2,
            "local_value": 44000.0,
            "local_status": "approved",
            "local_by": "province",
            "imported_version": 3,
            "imported_value": 45000.0,
        }
    ]
    after = counts(db)
    assert after["submission"] == before["submission"] + 1
    with session_scope(db) as s:
        v1, v2, v3 = history(s, REGION, ITEM, YEAR)
        assert (v1.value, v1.status) == (43400.0, "superseded")
        assert (v2.value, v2.status, v2.created_by) == (44000.0, "approved", "province")  # untouched
        assert (v3.value, v3.status) == (45000.0, "submitted")  # awaits the province office
        assert (v3.provenance or {})["origin"]["source_version"] == 2
        obs = approved_observations(s, REGION, [YEAR])
        assert obs[(ITEM, YEAR)].value == 44000.0  # the province's value stays in force
    # importing it again reports nothing new
    again = import_bundle(db, b2, "province")
    assert again.unchanged == SUBMISSIONS and not again.conflicts and not again.added
    # the office accepts the county's value through the normal review
    with session_scope(db) as s:
        v3 = history(s, REGION, ITEM, YEAR)[-1]
        transition(s, v3.id, "approve", "office")
    assert assessment(db) == assessment(county)


def test_county_importing_the_province_bundle_changes_nothing(db: str, county: str, tmp_path: Path) -> None:
    b1, back = tmp_path / "b1.zip", tmp_path / "back.zip"
    export_bundle(county, REGION, b1)
    import_bundle(db, b1, "province")
    exp = export_bundle(db, REGION, back, actor="province")
    assert exp.counts["submission"] == SUBMISSIONS
    before = counts(county)
    res = import_bundle(county, back, "office")
    assert res.unchanged == SUBMISSIONS and not res.changed
    after = counts(county)
    assert after.pop("audit_log") == before.pop("audit_log") + 1 and after == before
    # and its own bundle coming back changes nothing either
    assert import_bundle(county, b1, "office").unchanged == SUBMISSIONS
    assert counts(county)["submission"] == before["submission"]


def _rezip(src: Path, dst: Path, change: Callable[[str, bytes], bytes]) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, change(info.filename, zin.read(info.filename)))


def _edit_records(data: bytes, fix_sha: bool) -> bytes:
    lines = data.decode().splitlines()
    for i, line in enumerate(lines):
        rec = json.loads(line)
        if rec["type"] == "submission" and rec["data"]["item"] == ITEM and rec["data"]["year"] == YEAR:
            rec["data"]["value_num"] = 99999.0
            if fix_sha:
                rec["sha256"] = digest(rec["data"])
            lines[i] = canonical(rec).decode()
    return ("\n".join(lines) + "\n").encode()


def _fix_manifest(data: bytes, records: bytes, fix_id: bool) -> bytes:
    m = json.loads(data)
    m["records_sha256"] = hashlib.sha256(records).hexdigest()
    if fix_id:
        m["bundle_id"] = digest(
            {
                "format_version": 1,
                "instance": m["instance"],
                "region": m["region"],
                "records_sha256": m["records_sha256"],
            }
        )
    return json.dumps(m).encode()


def test_tampered_bundle_is_refused(db: str, county: str, tmp_path: Path) -> None:
    good = tmp_path / "good.zip"
    export_bundle(county, REGION, good, include_files=True)
    raw = good.read_bytes()
    with zipfile.ZipFile(good) as z:
        records = z.read(RECORDS)
    cases: dict[str, tuple[Path, str]] = {}

    def case(name: str, expect: str) -> Path:
        p = tmp_path / f"{name}.zip"
        cases[name] = (p, expect)
        return p

    # one changed byte in the middle of the file (inside the compressed records)
    flipped = bytearray(raw)
    flipped[len(raw) // 3] ^= 0x01
    case("byte", RECORDS).write_bytes(bytes(flipped))
    # a record's value changed, its sha256 left alone
    _rezip(good, case("record", "line"), lambda n, b: _edit_records(b, False) if n == RECORDS else b)
    # record sha256 recomputed, but records.jsonl no longer matches the manifest
    _rezip(good, case("records_sha", RECORDS), lambda n, b: _edit_records(b, True) if n == RECORDS else b)
    # manifest's records sha256 recomputed, but the bundle id not
    edited = _edit_records(records, True)
    _rezip(
        good,
        case("bundle_id", "bundle_id"),
        lambda n, b: edited if n == RECORDS else _fix_manifest(b, edited, False) if n == MANIFEST else b,
    )
    # an evidence file changed
    _rezip(good, case("file", "files/"), lambda n, b: b + b"x" if n.startswith("files/") else b)
    # not a bundle at all; a future format
    case("notzip", "ZIP").write_bytes(b"PK\x03\x04 not really a zip")
    _rezip(
        good,
        case("version", "format_version"),
        lambda n, b: json.dumps({**json.loads(b), "format_version": 2}).encode() if n == MANIFEST else b,
    )
    ensure_db(db)
    empty = counts(db)
    for name, (path, expect) in cases.items():
        with pytest.raises(BundleError) as err:
            import_bundle(db, path, "province")
        msg = str(err.value)
        assert str(path) in msg and expect in msg and "nothing written" in msg, (name, msg)
        assert counts(db) == empty, name
    # a fully consistent forgery (every hash recomputed) is a different bundle, not a tampered one
    forged = tmp_path / "forged.zip"
    _rezip(
        good,
        forged,
        lambda n, b: edited if n == RECORDS else _fix_manifest(b, edited, True) if n == MANIFEST else b,
    )
    assert read_bundle(forged).bundle_id != read_bundle(good).bundle_id


def test_failure_while_writing_writes_nothing(
    db: str, county: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "lushi.zip"
    export_bundle(county, REGION, out)
    ensure_db(db)
    empty = counts(db)
    real = bundle_merge._merge_one
    calls = {"n": 0}

    def boom(*args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 100:
            raise RuntimeError("disk full")
        real(*args, **kwargs)

    monkeypatch.setattr(bundle_merge, "_merge_one", boom)
    with pytest.raises(RuntimeError):
        import_bundle(db, out, "province")
    assert counts(db) == empty


def test_bundle_bytes_are_deterministic(county: str, tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.zip", tmp_path / "b.zip", tmp_path / "c.zip"
    ra = export_bundle(county, REGION, a, include_files=True)
    rb = export_bundle(county, REGION, b, include_files=True)
    assert a.read_bytes() == b.read_bytes() and ra == ra.__class__(**{**rb.to_dict(), "path": ra.path})
    rc = export_bundle(county, REGION, c)
    assert rc.bundle_id == ra.bundle_id  # the id is the content's, with or without the files
    with zipfile.ZipFile(a) as z:
        assert [i.filename for i in z.infolist()][:2] == [MANIFEST, RECORDS]
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        manifest = json.loads(z.read(MANIFEST))
    assert manifest["format_version"] == 1 and manifest["alembic_revision"]
    assert manifest["exported_at"].startswith("2026-03-02T")  # the data's own time, not the clock
    with session_scope(county) as s:
        assert s.scalars(select(func.count()).where(AuditLog.action == "bundle_export")).one() == 3


def test_unknown_parent_becomes_a_placeholder(db: str, tmp_path: Path) -> None:
    region = {
        "code": "411224", "name": "卢氏县", "level": "county", "parent_code": "411200",
        "terrain_zone": "山区", "zone_shares": None, "land_area_km2": 4004.0, "population": 317232,
        "note": "",
    }  # fmt: skip
    data, _ = build_bundle(
        [("region", region)], instance="test", region="411224", alembic="0003", catalog_version="x"
    )
    path = tmp_path / "bare.zip"
    path.write_bytes(data)
    res = import_bundle(db, path, "province")
    assert res.created == ["region 411200（占位 / placeholder）", "region 411224 卢氏县"]
    with session_scope(db) as s:
        parent = s.get(Region, "411200")
        assert parent is not None and parent.level == "city" and parent.note == PLACEHOLDER_NOTE
    # a later bundle that describes the parent completes the placeholder
    city = {**region, "code": "411200", "name": "三门峡市", "level": "city", "parent_code": None, "note": ""}
    city.update(terrain_zone=None, land_area_km2=None, population=None)
    data, _ = build_bundle(
        [("region", region), ("parent", city)],
        instance="test",
        region="411224",
        alembic="0003",
        catalog_version="x",
    )
    path.write_bytes(data)
    res = import_bundle(db, path, "province")
    assert res.created == ["region 411200 三门峡市（补全占位 / placeholder completed）"]
    with session_scope(db) as s:
        parent = s.get(Region, "411200")
        assert parent is not None and parent.name == "三门峡市" and parent.note == ""


def test_cli_export_import(db: str, county: str, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "lushi.zip"
    r = runner.invoke(app, ["bundle", "export", REGION, str(out), "--db", county, "--json"])
    assert r.exit_code == 0, r.output
    exported = json.loads(r.stdout)
    r = runner.invoke(app, ["bundle", "import", str(out), "--db", db, "--dry-run", "--json"])
    assert r.exit_code == 0, r.output
    dry = json.loads(r.stdout)
    assert dry["dry_run"] and dry["counts"]["added"] == SUBMISSIONS
    assert counts(db)["submission"] == 0
    r = runner.invoke(app, ["bundle", "import", str(out), "--db", db])
    assert r.exit_code == 0, r.output
    assert f"新增版本 added {SUBMISSIONS}" in r.stdout and exported["bundle_id"] in r.stdout
    r = runner.invoke(app, ["bundle", "import", str(out), "--db", db, "--json"])
    assert json.loads(r.stdout)["counts"] == {
        "added": 0, "unchanged": SUBMISSIONS, "conflicts": 0, "stale": 0,
        "evidence_added": 0, "files_written": 0,
    }  # fmt: skip
    bad = tmp_path / "bad.zip"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(MANIFEST, "{}")
        z.writestr(RECORDS, "")
    bad.write_bytes(buf.getvalue())
    r = runner.invoke(app, ["bundle", "import", str(bad), "--db", db])
    assert r.exit_code == 2 and "bad.zip" in r.stderr and "manifest.json" in r.stderr
    r = runner.invoke(app, ["bundle", "export", "999999", str(tmp_path / "x.zip"), "--db", county])
    assert r.exit_code == 2 and "999999" in r.stderr
