"""a catalogue version row, moved by a trigger on every change to the products

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 16:30:00

The bot looks at this one row before every message instead of the newest updated_at and a
count over all products (a scan of the whole table). A trigger, not our code, moves it, so a
change made in SQL by hand is seen as well.

SQLite drops a table's triggers when a migration rebuilds the table (batch mode copies and
drops it): a later migration that alters `products` must create these triggers again.
tests/catalog/test_catalogue_version.py fails at head if they are missing.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BUMP = "UPDATE catalogue_version SET version = version + 1 WHERE id = 1"
_EVENTS = ("insert", "update", "delete")


def upgrade() -> None:
    op.create_table(
        "catalogue_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_version")),
    )
    op.execute("INSERT INTO catalogue_version (id, version) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION catalogue_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$"
            f" BEGIN {_BUMP}; RETURN NULL; END $$"
        )
        # Once per statement: an import of thousands of products moves it once.
        op.execute(
            "CREATE TRIGGER catalogue_version_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
            " ON products FOR EACH STATEMENT EXECUTE FUNCTION catalogue_version_bump()"
        )
    else:
        # SQLite has row triggers only.
        for event in _EVENTS:
            op.execute(
                f"CREATE TRIGGER catalogue_version_after_{event} AFTER {event.upper()}"
                f" ON products BEGIN {_BUMP}; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER catalogue_version_bump ON products")
        op.execute("DROP FUNCTION catalogue_version_bump()")
    else:
        for event in _EVENTS:
            op.execute(f"DROP TRIGGER catalogue_version_after_{event}")
    op.drop_table("catalogue_version")
