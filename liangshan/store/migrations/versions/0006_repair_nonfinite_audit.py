"""repair non-finite numbers (NaN, ±Infinity) in audit_log before/after and submission provenance

Earlier versions wrote such numbers into JSON columns as the bare tokens ``NaN``/``Infinity`` (Python's
``json.dumps`` default). That is not JSON: PostgreSQL rejects it, so a backup holding one could not be
restored there. Each one is rewritten to a string such as ``"非有限数值（Infinity）"``; every other value
is left as it was. New writes refuse non-finite numbers (:func:`liangshan.store.db.json_dumps`).

On PostgreSQL the columns cannot hold such tokens, so the migration finds nothing there.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

import json
import math
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

COLUMNS = (("audit_log", "id", ("before", "after")), ("submission", "id", ("provenance",)))


def _label(x: float) -> str:
    word = "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")
    return f"非有限数值（{word}）"


def _finite(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return _label(v)
    if isinstance(v, dict):
        return {k: _finite(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_finite(x) for x in v]
    return v


def upgrade() -> None:
    bind = op.get_bind()
    json_param = "CAST(:v AS JSON)" if bind.dialect.name == "postgresql" else ":v"
    for table, key, columns in COLUMNS:
        for col in columns:
            text_col = sa.cast(sa.column(col), sa.Text)
            query: Any = (
                sa.select(sa.column(key), text_col)
                .select_from(sa.table(table))
                .where(sa.or_(text_col.like("%Infinity%"), text_col.like("%NaN%")))
            )
            for pk, raw in bind.execute(query).all():
                if raw is None:
                    continue
                value = json.loads(raw)  # Python's reader accepts NaN/Infinity
                fixed = _finite(value)
                if json.dumps(value) == json.dumps(fixed):
                    continue  # the letters were inside a string, not a number
                bind.execute(
                    sa.text(f'UPDATE "{table}" SET "{col}" = {json_param} WHERE "{key}" = :k'),
                    {"v": json.dumps(fixed, allow_nan=False, ensure_ascii=False), "k": pk},
                )


def downgrade() -> None:
    # The original non-finite numbers are not restored: they were never valid JSON.
    pass
