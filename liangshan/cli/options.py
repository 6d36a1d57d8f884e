"""Options and the service-call wrapper shared by the office's CLI groups (``base``, ``titles``,
``workplan``, ``review``/``round``, ``value``)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from liangshan.cli.common import fail

RegionOpt = Annotated[str, typer.Option("--region", help="地区代码（GB/T 2260），如 411224")]
ActorOpt = Annotated[
    str | None, typer.Option("--user", "--as", help="以哪个账号的名义（缺省：命令行操作员 system）")
]


def run_service(fn: Any, *args: Any, **kw: Any) -> Any:
    """``fn(*args, **kw)``; a refusal (permission, bad value, store rule) ends the command with its Chinese
    message and exit code 2 (:func:`liangshan.cli.common.fail`)."""
    from liangshan.services.checks import EntryError
    from liangshan.services.permissions import PermissionDenied
    from liangshan.store.errors import StoreError

    try:
        return fn(*args, **kw)
    except PermissionDenied as e:
        fail(e.message)
    except (EntryError, StoreError) as e:
        fail(str(e))
