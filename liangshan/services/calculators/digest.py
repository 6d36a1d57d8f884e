"""Input files hashed on another thread while a calculator reads them.

A calculator's provenance names every input file by its sha256 (:func:`liangshan.provenance.sha256_file`).
Hashing reads the file once more; :mod:`hashlib` releases the GIL for each 1 MiB block, so on another thread
it runs on the core that the reading and evaluation leave idle (polars and numpy release the GIL too). The
pydantic models of :mod:`liangshan.provenance` are imported on that thread as well. Used by the water and air
calculators.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from liangshan.provenance import InputFile


def hash_meanwhile(paths: Sequence[Path]) -> Callable[[], list[InputFile]]:
    """Start hashing ``paths`` (in order) on another thread; the returned function waits for the
    :class:`~liangshan.provenance.InputFile` list and re-raises the thread's error (a missing or unreadable
    file) in the caller's thread."""
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            from liangshan.provenance import sha256_file

            box["files"] = [sha256_file(p) for p in paths]
        except BaseException as exc:  # handed to the caller by result()
            box["error"] = exc

    thread = threading.Thread(target=work, name="sha256", daemon=True)
    thread.start()

    def result() -> list[InputFile]:
        thread.join()
        if "error" in box:
            raise box["error"]
        return cast("list[InputFile]", box["files"])

    return result
