"""liangshan — 两山基地建设管理与“两山指数”评估系统.

Layers, one way only: ``standards`` (pure calculators) → ``assess`` (verdicts) → ``store``
(database, append-only submissions) → faces (``cli``, later ``web`` and ``report``).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("liangshan")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+src"
