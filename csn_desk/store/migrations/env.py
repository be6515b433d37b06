"""Alembic environment: always runs on the connection csn-desk hands it (never a URL),
because only csn-desk knows the database key."""

from __future__ import annotations

from alembic import context

from csn_desk.store.models import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("csn-desk migrations run through csn_desk.store.migrate, not the CLI")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
