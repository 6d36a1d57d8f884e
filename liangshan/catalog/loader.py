"""Load the indicator catalog from YAML."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from liangshan.catalog.models import Catalog

DEFAULT_CATALOG = Path(__file__).with_name("two_mountains.yaml")


@lru_cache(maxsize=8)
def _load(path: str) -> Catalog:
    with open(path, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    return Catalog.model_validate(raw)


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Read and validate a catalog file (default: the bundled 两山指数 catalog). Cached per path."""
    return _load(str(Path(path) if path else DEFAULT_CATALOG))
