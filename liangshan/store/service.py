"""Database set-up by URL (migrate once per process) and the year-span parser shared by every face."""

from __future__ import annotations

from liangshan.store.db import at_head, migrate
from liangshan.store.errors import StoreError

_migrated: set[str] = set()


def ensure_db(url: str) -> str:
    """Migrate the database once per process; returns the URL. A database already at the head
    revision (:func:`~liangshan.store.db.at_head`, one query) is left as it is without importing
    Alembic — the same outcome as ``alembic upgrade heads``, which would do nothing."""
    if url not in _migrated:
        if not at_head(url):
            migrate(url)
        _migrated.add(url)
    return url


def parse_years(text: str | None, default: tuple[int, int]) -> list[int]:
    """``2023-2025`` → [2023, 2024, 2025]; ``2025`` → [2025]; None → the default span."""
    if not text:
        a, b = default
    else:
        parts = text.replace("—", "-").replace("–", "-").split("-")
        try:
            a, b = (int(parts[0]), int(parts[-1]))
        except ValueError:
            raise StoreError(f"年份格式应为 2023-2025 或 2025，收到：{text}") from None
    if a > b:
        raise StoreError(f"起始年份 {a} 晚于结束年份 {b}")
    return list(range(a, b + 1))
