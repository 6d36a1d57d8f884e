"""Helpers shared by the CLI sub-commands: JSON output, errors, database URL."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from rich.console import Console
from rich.markup import escape

from liangshan.config import db_url

if TYPE_CHECKING:
    from liangshan.provenance import ComputedValues
    from liangshan.services.permissions import Actor
    from liangshan.services.workspace import Workspace

__all__ = ["console", "db_url", "emit_json", "err_console", "fail", "record_results", "workspace_actor"]

console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True)


def emit_json(data: Any) -> None:
    """Print ``data`` as UTF-8 JSON on stdout (Chinese kept readable, keys in insertion order).

    Indented for a terminal; compact (no spaces, one line) when stdout is a pipe or a file, which lets
    ``json`` use its C encoder — the indenting encoder is pure Python and took about a quarter of the CPU
    of ``liangshan water sections --json`` on a million results. Both forms parse to the same value.
    """
    out = sys.stdout
    if out.isatty():
        text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    else:
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    out.write(text + "\n")


def fail(message: str, code: int = 2) -> NoReturn:
    """Print a clear error on stderr and exit with ``code``."""
    err_console.print(f"[bold red]错误[/]: {escape(message)}", highlight=False, soft_wrap=True)
    raise SystemExit(code)


def workspace_actor(db: str | None, user: str | None) -> tuple[Workspace, Actor]:
    """The workspace of ``--db`` and the actor of ``--user NAME`` (an account in that database); without
    ``--user`` the command line's operator ``system`` (office rights over every region). An unknown
    or disabled account ends the command with a clear message."""
    from liangshan.catalog import load_catalog
    from liangshan.config import evidence_root
    from liangshan.services.permissions import PermissionDenied, actor_for_user
    from liangshan.services.workspace import Workspace
    from liangshan.store.service import ensure_db

    url = ensure_db(db_url(db))
    ws = Workspace(url, evidence_root(url), load_catalog())
    try:
        with ws.read() as s:
            actor = actor_for_user(s, user)
    except PermissionDenied as e:
        fail(e.message)
    return ws, actor


def record_results(
    results: Sequence[ComputedValues], region: str | None, db: str | None, user: str = "system"
) -> list[int]:
    """``--to-indicator``: record calculator output as new submission versions of ``region``.

    One implementation for every calculator command. Errors (no region, unknown region or data
    element, closed round, approved lock, a check that fails, an account without the right) end the
    command with a clear message and nothing recorded; the confirmation goes to stderr so that
    ``--json`` output on stdout stays clean. ``user`` names an account (``system``: the operator).
    """
    if not region:
        fail("--to-indicator 需要 --region 地区代码")
    from liangshan.services.computed import record_computed

    try:
        ids = record_computed(results, region=region, db_url=db_url(db), user=user)
    except ValueError as exc:
        fail(str(exc))
    listed = "、".join(map(str, ids)) or "无（与已记录的值相同）"
    err_console.print(f"已记入 {region} 的指标数据元，新提交编号：{listed}", highlight=False)
    return ids
