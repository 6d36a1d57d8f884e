"""Helpers shared by the CLI sub-commands: JSON output, errors, database URL.

``console`` (stdout) and ``err_console`` (stderr) are rich consoles made on first use (PEP 562): rich is
not imported by a command that prints only JSON (``liangshan air good-days --json``).
"""

from __future__ import annotations

import gc
import json
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn

from liangshan.config import db_url

if TYPE_CHECKING:
    from rich.console import Console

    from liangshan.provenance import ComputedValues
    from liangshan.services.permissions import Actor
    from liangshan.services.workspace import Workspace

__all__ = [
    "console",
    "cycle_gc_paused",
    "db_url",
    "emit_json",
    "err_console",
    "fail",
    "polars_allocator",
    "record_results",
    "stderr_is_terminal",
    "workspace_actor",
]

console: Console
err_console: Console


def __getattr__(name: str) -> Any:
    """``console`` and ``err_console``, made when first asked for (``from … import console`` asks)."""
    if name not in ("console", "err_console"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from rich.console import Console

    made = Console(width=None if sys.stdout.isatty() else 160) if name == "console" else Console(stderr=True)
    globals()[name] = made
    return made


POLARS_JEMALLOC = "dirty_decay_ms:500,muzzy_decay_ms:1000"
"""What ``import polars`` (2.1) puts first in ``_RJEM_MALLOC_CONF``, its allocator's setting; it appends
whatever the variable held before, and the later option wins."""


def polars_allocator(option: str) -> None:
    """Add ``option`` to the setting of polars' allocator (jemalloc), for a command module imported before
    polars is. Also when the variable was inherited from a parent that imported polars (it starts with
    polars' own); any other value — a user's own — is left alone, and so is a process that has already
    imported polars (the tests)."""
    conf = os.environ.get("_RJEM_MALLOC_CONF", "")
    if "polars" not in sys.modules and (not conf or conf.startswith(POLARS_JEMALLOC)):
        os.environ["_RJEM_MALLOC_CONF"] = ",".join(filter(None, (conf, option)))


def stderr_is_terminal() -> bool:
    """Whether rich would draw live output (a progress bar) on stderr: a terminal, or forced by
    ``FORCE_COLOR`` / ``TTY_COMPATIBLE`` (rich's own rules). Otherwise a transient progress bar prints
    nothing at all, and need not be built."""
    if "TTY_COMPATIBLE" in os.environ or "FORCE_COLOR" in os.environ:
        return True
    try:
        return sys.stderr.isatty()
    except ValueError:  # a closed stream
        return False


def _err() -> Console:
    made: Console | None = globals().get("err_console")
    return made if made is not None else __getattr__("err_console")


@contextmanager
def cycle_gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a command reads and computes. Its work is arrays, rows and
    dictionaries that reference counting frees; the collector would otherwise scan the growing heap
    (every object of polars, numpy and the other libraries the command imports) again and again. The
    command ends soon after; the collector is enabled again whatever happens.

    In the console script (the process ends with the command) the objects made meanwhile are first
    moved to the permanent generation (``gc.freeze``): otherwise the first collection after enabling
    would scan every one of them (≈ 0.02 s of CPU after ``air good-days`` imported polars)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            from liangshan.cli import ends_with_command

            if ends_with_command():
                gc.freeze()
            gc.enable()


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
    from rich.markup import escape

    _err().print(f"[bold red]错误[/]: {escape(message)}", highlight=False, soft_wrap=True)
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
    _err().print(f"已记入 {region} 的指标数据元，新提交编号：{listed}", highlight=False)
    return ids
