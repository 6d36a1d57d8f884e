"""Helpers shared by the CLI sub-commands: JSON output, errors, database URL."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from rich.console import Console
from rich.markup import escape

from liangshan.config import db_url
from liangshan.provenance import ComputedValues

__all__ = ["console", "db_url", "emit_json", "err_console", "fail", "record_results"]

console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True)


def emit_json(data: Any) -> None:
    """Print ``data`` as UTF-8 JSON on stdout (Chinese kept readable, keys in insertion order)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def fail(message: str, code: int = 2) -> NoReturn:
    """Print a clear error on stderr and exit with ``code``."""
    err_console.print(f"[bold red]错误[/]: {escape(message)}", highlight=False, soft_wrap=True)
    raise SystemExit(code)


def record_results(
    results: Sequence[ComputedValues], region: str | None, db: str | None, user: str = "system"
) -> list[int]:
    """``--to-indicator``: record calculator output as new submission versions of ``region``.

    One implementation for every calculator command. Errors (no region, unknown region or data
    element) end the command with a clear message and nothing recorded; the confirmation goes
    to stderr so that ``--json`` output on stdout stays clean.
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
