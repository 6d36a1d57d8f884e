"""Alembic environment: runs on the connection handed over by liangshan.store.db.migrate."""

from alembic import context

from liangshan.store.models import Base

target_metadata = Base.metadata
connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when alembic is run by hand
    from liangshan.store.db import get_engine

    connection = get_engine(context.config.get_main_option("sqlalchemy.url") or "").connect()

context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
