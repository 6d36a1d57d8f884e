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
