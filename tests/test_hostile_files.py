"""Hostile files: YAML alias bombs, xlsx zip bombs, formula injection in exports (issue 16)."""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

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


def _run(args: list[str]) -> tuple[subprocess.CompletedProcess[str], float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.monotonic()
    proc = subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120)
    wall = time.monotonic() - t0
    rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return proc, wall, max(rss_kb, before)


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
