"""inbound messages unique per sender; rate limit windows, who was limited, one-time notices

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_messages") as batch:
        batch.drop_constraint("uq_inbound_messages_channel", type_="unique")
        batch.create_unique_constraint(
            "uq_inbound_messages_sender_id", ["channel", "sender", "message_id"]
        )
    op.create_table(
        "rate_windows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("noticed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_windows")),
        sa.UniqueConstraint("key", "window_start", name=op.f("uq_rate_windows_key")),
    )
    op.create_table(
        "rate_limited",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("sender", sa.String(length=120), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_limited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_limited_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_limited")),
        sa.UniqueConstraint("channel", "sender", name=op.f("uq_rate_limited_channel")),
    )
    op.create_table(
        "channel_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_notices")),
        sa.UniqueConstraint("channel", "address", "kind", name=op.f("uq_channel_notices_channel")),
    )


def downgrade() -> None:
    op.drop_table("channel_notices")
    op.drop_table("rate_limited")
    op.drop_table("rate_windows")
    # Rows that only differ by sender cannot share the old key: keep the first of each.
    op.execute(
        "DELETE FROM inbound_messages WHERE id NOT IN"
        " (SELECT min(id) FROM inbound_messages GROUP BY channel, message_id)"
    )
    with op.batch_alter_table("inbound_messages") as batch:
        batch.drop_constraint("uq_inbound_messages_sender_id", type_="unique")
        batch.create_unique_constraint("uq_inbound_messages_channel", ["channel", "message_id"])
