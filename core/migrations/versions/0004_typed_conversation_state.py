"""typed conversation state: basket, questions and the last quote in one document

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 22:10:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_conversations = sa.table(
    "conversations",
    sa.column("id", sa.Integer()),
    sa.column("basket", sa.JSON()),
    sa.column("state", sa.JSON()),
)


def _line(line: dict[str, Any]) -> dict[str, Any]:
    return {
        "sku": str(line["sku"]),
        "quantity": int(line["quantity"]),
        "usual": bool(line.get("usual") or line.get("from_history")),
    }


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("state", sa.JSON(), nullable=True))
    connection = op.get_bind()
    # Baskets survive; an open question or read-back of the old shape is asked again.
    rows = connection.execute(sa.select(_conversations.c.id, _conversations.c.basket)).all()
    for row_id, basket in rows:
        state = {"basket": [_line(line) for line in basket or []]}
        connection.execute(
            _conversations.update().where(_conversations.c.id == row_id).values(state=state)
        )
    with op.batch_alter_table("conversations") as batch:
        batch.alter_column("state", existing_type=sa.JSON(), nullable=False)
        batch.drop_column("basket")
        batch.drop_column("pending")


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("basket", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("pending", sa.JSON(), nullable=True))
    connection = op.get_bind()
    table = sa.table(
        "conversations",
        sa.column("id", sa.Integer()),
        sa.column("state", sa.JSON()),
        sa.column("basket", sa.JSON()),
        sa.column("pending", sa.JSON()),
    )
    for row_id, state in connection.execute(sa.select(table.c.id, table.c.state)).all():
        basket = (state or {}).get("basket", [])
        connection.execute(
            table.update().where(table.c.id == row_id).values(basket=basket, pending={})
        )
    with op.batch_alter_table("conversations") as batch:
        batch.alter_column("basket", existing_type=sa.JSON(), nullable=False)
        batch.alter_column("pending", existing_type=sa.JSON(), nullable=False)
        batch.drop_column("state")
