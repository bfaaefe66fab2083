"""standing orders and what happens to each of them per round

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 02:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "standing_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.String(length=3), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("paused_until", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_standing_orders_resident_id_residents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standing_orders")),
        sa.UniqueConstraint("resident_id", "weekday", name=op.f("uq_standing_orders_resident_id")),
    )
    op.create_index(op.f("ix_standing_orders_resident_id"), "standing_orders", ["resident_id"])
    op.create_table(
        "standing_weeks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("standing_order_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("skipped", sa.Boolean(), nullable=False),
        sa.Column("left_out", sa.JSON(), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_standing_weeks_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["delivery_rounds.id"],
            name=op.f("fk_standing_weeks_round_id_delivery_rounds"),
        ),
        sa.ForeignKeyConstraint(
            ["standing_order_id"],
            ["standing_orders.id"],
            name=op.f("fk_standing_weeks_standing_order_id_standing_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standing_weeks")),
        sa.UniqueConstraint(
            "standing_order_id", "round_id", name=op.f("uq_standing_weeks_standing_order_id")
        ),
    )
    op.create_index(op.f("ix_standing_weeks_round_id"), "standing_weeks", ["round_id"])
    op.create_index(
        op.f("ix_standing_weeks_standing_order_id"), "standing_weeks", ["standing_order_id"]
    )


def downgrade() -> None:
    op.drop_table("standing_weeks")
    op.drop_table("standing_orders")
