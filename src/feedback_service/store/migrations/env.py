"""Alembic's entry point for the service's migrations; run through feedback_service.store.migrate."""

from __future__ import annotations

from alembic import context

from feedback_service.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `feedback-service migrate` (feedback_service.store.migrate)")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
