"""Hostile files: YAML alias bombs, xlsx zip bombs, formula injection in exports (issue 16)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from liangshan.cli import app as cli_app
from liangshan.standards.gep import GepWorkbookError, load_workbook
from liangshan.standards.safe_yaml import UnsafeYamlError, excerpt, load_user_yaml

CLI = [sys.executable, "-c", "from liangshan.cli import app; app()"]


def _alias_bomb(levels: int = 9) -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    prev = "a"
    for c in "bcdefghijklmnop"[: levels - 1]:
        lines.append(f"{c}: &{c} [" + ",".join([f"*{prev}"] * 9) + "]")
        prev = c
    lines.append("items: {}")
    return "\n".join(lines) + "\n"


_MEASURE = (
    "import resource, subprocess, sys, time\n"
    "t = time.monotonic()\n"
    "p = subprocess.run(sys.argv[1:])\n"
    "wall = time.monotonic() - t\n"
    "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "print(f'@@ {p.returncode} {wall} {rss}', file=sys.stderr)\n"
)


def _run(args: list[str]) -> tuple[subprocess.CompletedProcess[str], float, int]:
    """Run the CLI under a fresh wrapper process that reports its child's exit code, wall time and peak
    RSS (KiB, getrusage(RUSAGE_CHILDREN) — only that one child, not this test session's others)."""
    proc = subprocess.run([sys.executable, "-c", _MEASURE, *CLI, *args], capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    tag = proc.stderr.rstrip().rsplit("\n", 1)[-1].split()
    assert tag[0] == "@@", proc.stderr
    rc, wall, rss = int(tag[1]), float(tag[2]), int(tag[3])
    return subprocess.CompletedProcess(proc.args, rc, proc.stdout, proc.stderr), wall, rss


def test_gep_cli_refuses_yaml_alias_bomb_fast_and_small(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    text = _alias_bomb(10)
    assert len(text.encode()) < 700
    bomb.write_text(text, encoding="utf-8")
    # the interpreter's start-up (imports) on a busy machine is measured separately and not counted
    _, startup, _ = _run(["gep", "--help"])
    proc, wall, rss_kb = _run(["gep", str(bomb)])
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "别名" in proc.stderr or "锚点" in proc.stderr
    assert "bomb.yaml" in proc.stderr
    assert wall - startup < 5.0
    assert rss_kb < 500 * 1024


def test_safe_yaml_refuses_alias_without_anchor_and_budgets() -> None:
    with pytest.raises(UnsafeYamlError, match="锚点"):
        load_user_yaml("a: &x 1\nb: 2\n", name="w.yaml")
    with pytest.raises(UnsafeYamlError, match=r"别名|格式错误"):
        load_user_yaml("a: *x\n", name="w.yaml")
    with pytest.raises(UnsafeYamlError, match="节点数"):
        load_user_yaml("[" + ",".join(["1"] * 50) + "]", name="w.yaml", max_nodes=20)
    with pytest.raises(UnsafeYamlError, match="文件大小"):
        load_user_yaml("a: 1\n" * 100, name="w.yaml", max_bytes=50)
    with pytest.raises(UnsafeYamlError, match="第 2 行"):
        load_user_yaml("a: 1\n b: [\n", name="w.yaml")
    assert load_user_yaml("a: [1, 2]\nb: 中文\n", name="w.yaml") == {"a": [1, 2], "b": "中文"}


def test_gep_workbook_errors_quote_short_excerpts(tmp_path: Path) -> None:
    big = "x" * 100_000
    p = tmp_path / "w.yaml"
    p.write_text(f"land_area_km2: {big}\nitems: {{}}\n", encoding="utf-8")
    with pytest.raises(GepWorkbookError) as info:
        load_workbook(p)
    assert len(str(info.value)) < 400
    assert excerpt(list(range(10**5))) == "（列表，100000 项）"


# ---------------------------------------------------------------------------------------- evidence access


def test_evidence_access_follows_uploader_and_attachment_not_unit(tmp_path: Path) -> None:
    """The office account belongs to unit 统计局 (as the deployment guide sets it up); the office uploads
    a file for 财政局's item. 统计局's liaison is not the office: 403. 财政局's liaison: 403 until the
    file is attached to its item, then allowed."""
    from liangshan.catalog import load_catalog
    from liangshan.demo.build import seed_site
    from liangshan.services.permissions import PermissionDenied, actor_for_user
    from liangshan.services.uploads import CheckedUpload
    from liangshan.services.values import evidence_for_download, save_entry, upload_evidence
    from liangshan.services.workspace import Workspace
    from liangshan.store.db import session_scope
    from liangshan.store.models import Unit, User
    from liangshan.store.submissions import submit_value

    url = f"sqlite:///{tmp_path / 'ev.db'}"
    accounts = seed_site(url, "x")
    home = "411224"
    ws = Workspace(url, tmp_path / "files", load_catalog())
    with session_scope(url) as s:
        stats = s.query(Unit).filter_by(region_code=home, name="统计局").one()
        s.query(User).filter_by(username="office").one().unit_id = stats.id
    with session_scope(url) as s:
        office = actor_for_user(s, "office")
        stats_liaison = actor_for_user(s, accounts["统计局"])
        finance = actor_for_user(s, accounts["财政局"])
    assert office.unit_id == stats.id and stats_liaison.unit_id == stats.id
    pdf = CheckedUpload("投入明细.pdf", "pdf", "application/pdf", b"%PDF-1.4\n%%EOF\n")
    ev = upload_evidence(ws, office, home, pdf)["id"]

    assert evidence_for_download(ws, office, ev).id == ev
    for who in (stats_liaison, finance):
        with pytest.raises(PermissionDenied):
            evidence_for_download(ws, who, ev)
    # nor may 财政局 attach the office's file to its own value before the office has attached it
    with pytest.raises(PermissionDenied, match="不是您上传的"):
        save_entry(ws, finance, region=home, item="eco_env_investment", year=2025, raw_value="45000", note="",
                   action="save", expected_version=None, attach_evidence=[ev])  # fmt: skip

    with session_scope(url) as s:
        submit_value(s, region=home, item="eco_env_investment", year=2024, value=45000.0, user="office",
                     evidence_ids=[ev])  # fmt: skip
    assert evidence_for_download(ws, finance, ev).id == ev
    with pytest.raises(PermissionDenied):
        evidence_for_download(ws, stats_liaison, ev)
    # a liaison's own upload stays its own, attached or not
    mine = CheckedUpload("a.pdf", "pdf", "application/pdf", b"%PDF-1.4\n1")
    own = upload_evidence(ws, stats_liaison, home, mine)
    assert evidence_for_download(ws, stats_liaison, own["id"]).id == own["id"]
    with pytest.raises(PermissionDenied):
        evidence_for_download(ws, finance, own["id"])


# ------------------------------------------------------------------------------------------ xlsx bombs


def xlsx_bomb(path: Path, header: list[str], mb: int = 200) -> Path:
    """A valid-looking workbook whose first sheet is ``mb`` MB of XML compressing to under 1 MB."""
    import io
    import zipfile

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(header)
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(buf)
    sheet = src.read("xl/worksheets/sheet1.xml")
    head, tail = sheet.split(b"</sheetData>")
    row = b'<row><c t="inlineStr"><is><t>' + b"x" * 200 + b"</t></is></c></row>"
    chunk = row * 4000
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for info in src.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                with out.open(info.filename, "w", force_zip64=True) as fh:
                    fh.write(head)
                    for _ in range(mb * 1024 * 1024 // len(chunk)):
                        fh.write(chunk)
                    fh.write(b"</sheetData>" + tail)
            else:
                out.writestr(info.filename, src.read(info.filename))
    assert path.stat().st_size < 1024 * 1024
    return path


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return xlsx_bomb(tmp_path_factory.mktemp("bomb") / "炸弹.xlsx", ["region", "item", "year", "value"])


def test_cli_import_refuses_xlsx_bomb_quickly(bomb: Path, tmp_path: Path) -> None:
    from liangshan.store.service import ensure_db

    url = f"sqlite:///{tmp_path / 'b.db'}"
    ensure_db(url)
    t0 = time.monotonic()
    res = CliRunner().invoke(cli_app, ["import", str(bomb), "--db", url])
    assert time.monotonic() - t0 < 5.0
    assert res.exit_code == 2
    assert "炸弹.xlsx" in res.stderr and "压缩" in res.stderr


def test_gep_xlsx_bomb_refused(bomb: Path) -> None:
    t0 = time.monotonic()
    with pytest.raises(GepWorkbookError, match="压缩") as info:
        load_workbook(bomb)
    assert "炸弹.xlsx" in str(info.value)
    assert time.monotonic() - t0 < 5.0


def test_check_xlsx_budgets(tmp_path: Path) -> None:
    from openpyxl import Workbook

    from liangshan.standards.xlsx_guard import XlsxBudgetError, check_xlsx

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["a", "b"])
    ws["C70000"] = 1
    ok = tmp_path / "ok.xlsx"
    wb.save(ok)
    check_xlsx(ok)  # an ordinary workbook passes
    with pytest.raises(XlsxBudgetError, match="单元格"):
        check_xlsx(ok, max_cells=1000)
    with pytest.raises(XlsxBudgetError, match="个文件"):
        check_xlsx(ok, max_members=3)
    with pytest.raises(XlsxBudgetError, match="解压后大小"):
        check_xlsx(ok, max_uncompressed=1000)
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(XlsxBudgetError, match="不是有效的 Excel"):
        check_xlsx(bad)
