"""Materials checklist bundle: ZIP with manifest.json and SHA256SUMS, verified by re-reading the ZIP."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from wpsupport import REGION, clock

from liangshan.store.db import session_scope
from liangshan.store.evidence import blob_path, store_evidence
from liangshan.store.models_workplan import WpChecklistItem
from liangshan.workplan.bundle import checklist, export_bundle
from liangshan.workplan.errors import WorkplanError
from liangshan.workplan.tracking import update_item

ON = date(2026, 3, 2)


@pytest.fixture
def bundle_db(plan_db: str, tmp_path: Path) -> tuple[str, Path]:
    db = plan_db
    files = tmp_path / "files"
    tick = clock()
    with session_scope(db) as s:
        items = s.scalars(select(WpChecklistItem).order_by(WpChecklistItem.seq)).all()
        a, b = items[0], items[5]
        e1 = store_evidence(
            s,
            files,
            "申报书正文（示例）".encode(),
            "申报书.docx",
            "application/octet-stream",
            region=REGION,
            user="office",
            at=next(tick),
        )
        e2 = store_evidence(
            s,
            files,
            b"\x00\x01binary",
            "data/../evil:name?.bin",
            "application/octet-stream",
            region=REGION,
            user="u12",
            at=next(tick),
        )
        e3 = store_evidence(
            s,
            files,
            b"second",
            "申报书.docx",
            "application/octet-stream",
            region=REGION,
            user="office",
            at=next(tick),
        )
        update_item(
            s,
            "checklist",
            a.id,
            actor="office",
            status="done",
            done_on=date(2026, 2, 1),
            evidence_ids=[e1.id, e3.id],
            at=next(tick),
        )
        update_item(
            s, "checklist", b.id, actor="u12", evidence_ids=[e2.id], due=date(2026, 2, 15), at=next(tick)
        )
    return db, files


def test_manifest_and_sha256_verified_by_rereading(bundle_db: tuple[str, Path], tmp_path: Path) -> None:
    url, files = bundle_db
    out = tmp_path / "bundle.zip"
    with session_scope(url) as s:
        manifest = export_bundle(s, REGION, files, out, as_of=ON)
        items = checklist(s, REGION, ON)
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        m = json.loads(z.read("manifest.json"))
        sums: dict[str, str] = {}
        for line in z.read("SHA256SUMS").decode().splitlines():
            digest, path = line.split("  ", 1)
            sums[path] = digest
        listed = [f for it in m["items"] for f in it["files"]]
        assert len(listed) == m["file_count"] == 3
        for f in listed:
            data = z.read(f["path"])
            assert hashlib.sha256(data).hexdigest() == f["sha256"] == sums[f["path"]]
            assert len(data) == f["size"]
        assert set(names) == {f["path"] for f in listed} | {"manifest.json", "SHA256SUMS"}
    assert m == json.loads(json.dumps(manifest, ensure_ascii=False))
    assert len(m["items"]) == len(items) and m["region"]["name"] == "卢氏县"
    first = m["items"][0]
    assert first["status"] == "done" and first["state"] == "done" and first["owner"] == "市生态环境局卢氏分局"
    paths = [f["path"] for f in first["files"]]
    assert paths[0].startswith("申报材料/001_") and paths[1].endswith(
        "申报书 (2).docx"
    )  # same name kept apart
    evil = m["items"][5]["files"][0]["path"]
    assert ".." not in evil.split("/") and ":" not in evil and "?" not in evil
    assert m["items"][5]["state"] == "overdue"  # due 15 February, open on 2 March


def test_same_files_same_bytes(bundle_db: tuple[str, Path], tmp_path: Path) -> None:
    url, files = bundle_db
    with session_scope(url) as s:
        export_bundle(s, REGION, files, tmp_path / "a.zip", as_of=ON)
        export_bundle(s, REGION, files, tmp_path / "b.zip", as_of=ON)
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()


def test_damaged_store_stops_export(bundle_db: tuple[str, Path], tmp_path: Path) -> None:
    url, files = bundle_db
    digest = hashlib.sha256("申报书正文（示例）".encode()).hexdigest()
    blob_path(files, digest).write_bytes(b"tampered")
    out = tmp_path / "bad.zip"
    with pytest.raises(WorkplanError, match="校验失败"), session_scope(url) as s:
        export_bundle(s, REGION, files, out, as_of=ON)
    assert not out.exists() and not (tmp_path / "bad.zip.tmp").exists()


@pytest.mark.slow
def test_submission_package_holds_report_appendix_and_evidence(
    copy_demo: Callable[[Path], str], tmp_path: Path
) -> None:
    """``liangshan workplan bundle`` on the demo: the report (Word and PDF), the Excel 附表, the evidence of
    every indicator that has evidence in the database, a 目录, and SHA256SUMS covering every file."""
    import shutil

    from typer.testing import CliRunner

    from liangshan.cli import app
    from liangshan.report.pdf import find_soffice
    from liangshan.workplan.bundle import values_evidence_files

    if find_soffice() is None or shutil.which("pdftotext") is None:
        pytest.skip("未安装 LibreOffice 或 poppler")
    url = copy_demo(tmp_path / "demo.db")
    out = tmp_path / "申报资料包.zip"
    r = CliRunner().invoke(app, ["workplan", "bundle", "--region", REGION, "--db", url, "--out", str(out)])
    assert r.exit_code == 0, r.output
    with session_scope(url) as s:
        expected = values_evidence_files(s, REGION)
    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
        assert {
            "报告/情况说明技术报告.docx",
            "报告/情况说明技术报告.pdf",
            "报告/评估附表.xlsx",
            "目录.txt",
        } <= names
        sums = dict(reversed(line.split("  ", 1)) for line in z.read("SHA256SUMS").decode().splitlines())
        assert set(sums) == names - {"SHA256SUMS"}  # every file but the sums themselves
        for name, digest in sums.items():
            assert hashlib.sha256(z.read(name)).hexdigest() == digest, name
        folders = {f for f, *_ in expected}
        assert folders and all(any(n.startswith(f + "/") for n in names) for f in folders)
        toc = z.read("目录.txt").decode()
        assert "报告/情况说明技术报告.pdf" in toc and z.read("报告/情况说明技术报告.pdf")[:4] == b"%PDF"
