"""Alembic environment: runs against the engine handed over by core.migrate."""

from __future__ import annotations

from alembic import context

import catalog.models
import orders.calls  # its tables: call states and SMS opt-outs
import orders.models
from core.database import Base

_ = (catalog.models, orders.models)  # imported for their tables on Base.metadata

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
