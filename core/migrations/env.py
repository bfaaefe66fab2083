"""Alembic environment: runs against the engine handed over by core.migrate."""

from __future__ import annotations

from alembic import context

import accounts.models
import catalog.models
import orders.models
import orders.opt_outs  # its table: SMS opt-outs
import orders.standing.models
from core.database import Base

_ = (
    accounts.models,
    catalog.models,
    orders.models,
    orders.standing.models,
)  # imported for their tables on Base.metadata

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # SQLite alters a table by copying and dropping it; with foreign keys enforced the drop
        # fails once rows refer to it. The pragma only works outside a transaction.
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
    try:
        with connection.begin():
            context.configure(
                connection=connection, target_metadata=Base.metadata, render_as_batch=sqlite
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
