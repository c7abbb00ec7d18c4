"""Alembic environment: runs on the connection provenance hands it."""

from __future__ import annotations

from alembic import context

from provenance.store.models import Base, postgresql_options
from provenance.store.schema import on_backend

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - provenance always passes one
    raise RuntimeError("run migrations through `provenance init`")

if connection.dialect.name == "postgresql":
    postgresql_options()
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    include_object=on_backend(connection.dialect.name),  # trigram index: PostgreSQL only
)
with context.begin_transaction():
    context.run_migrations()
