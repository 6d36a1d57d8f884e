"""Helpers shared by the CLI sub-commands: JSON output, errors, database URL."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

from rich.console import Console
from rich.markup import escape

from liangshan.config import db_url

__all__ = ["console", "db_url", "emit_json", "err_console", "fail"]

console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True)


def emit_json(data: Any) -> None:
    """Print ``data`` as UTF-8 JSON on stdout (Chinese kept readable, keys in insertion order)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def fail(message: str, code: int = 2) -> NoReturn:
    """Print a clear error on stderr and exit with ``code``."""
    err_console.print(f"[bold red]错误[/]: {escape(message)}", highlight=False, soft_wrap=True)
    raise SystemExit(code)
