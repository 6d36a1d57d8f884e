"""liangshan — 两山基地建设管理与“两山指数”评估系统.

Layers, one way only: ``standards`` (pure calculators) → ``assess`` (verdicts) → ``store``
(database, append-only submissions) → faces (``cli``, later ``web`` and ``report``).

``__version__`` is looked up when first asked for (PEP 562): ``importlib.metadata`` costs about 0.02 s
of start-up that ``liangshan --help`` and the commands that never print or record a version need not pay.
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__: str


def __getattr__(name: str) -> str:
    """``__version__``: the installed distribution's version (``0.0.0+src`` in a source tree that is not
    installed), read once."""
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("liangshan")
    except PackageNotFoundError:  # running from a source tree without installation
        found = "0.0.0+src"
    globals()["__version__"] = found
    return found
