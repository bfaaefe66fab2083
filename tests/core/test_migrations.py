"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text

import accounts.models
import catalog.models
import conversations.models
import orders.models
import orders.opt_outs
import orders.standing.models
from core.database import Base, make_engine
from core.migrate import current_revision, head_revision, upgrade

_ = (
    accounts.models,
    catalog.models,
    conversations.models,
    orders.models,
    orders.opt_outs,
)  # their tables


def test_migrated_database_matches_the_models(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_upgrading_a_sqlite_database_with_orders_keeps_them(tmp_path: Path) -> None:
    """SQLite rebuilds tables to alter them; rows that other rows refer to must survive."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0001")
    now = "2026-12-01 10:00:00"
    with engine.begin() as connection:
        for statement in [
            "INSERT INTO shops (id, name, notify_channel, delivery_days, created_at)"
            " VALUES (1, 'Bakker', 'log', '', :now)",
            "INSERT INTO products (id, sku, shop_id, name, unit, price_cents, aliases, available,"
            " updated_at) VALUES (1, 'b1', 1, 'Brood', 'piece', 300, '', 1, :now)",
            "INSERT INTO residents (id, name, street, postcode, language, created_at)"
            " VALUES (1, 'Jansen', 'Kerkdijk 5', '3981 AB', 'nl', :now)",
            "INSERT INTO orders (id, resident_id, status, total_cents, created_at)"
            " VALUES (1, 1, 'delivered', 300, :now)",
            "INSERT INTO order_parts (id, order_id, shop_id, subtotal_cents) VALUES (1, 1, 1, 300)",
            "INSERT INTO order_lines (id, part_id, product_id, sku, name, unit, quantity,"
            " unit_price_cents, line_total_cents) VALUES (1, 1, 1, 'b1', 'Brood', 'piece', 1,"
            " 300, 300)",
        ]:
            connection.execute(text(statement), {"now": now})
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM order_lines")).scalar() == 1
        assert connection.execute(text("SELECT round_id FROM order_parts")).scalar() is None
        assert connection.execute(text("PRAGMA foreign_key_check")).all() == []
    engine.dispose()


def test_a_half_finished_basket_survives_the_typed_state_migration(tmp_path: Path) -> None:
    """0004 moves the basket into the typed state; an open question of the old shape goes."""
    from sqlalchemy.orm import Session

    from conversations.models import Conversation

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0003")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO residents (id, name, street, postcode, language, created_at)"
                " VALUES (1, 'Jansen', 'Kerkdijk 5', '3981 AB', 'nl', '2026-12-01 10:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO conversations (id, resident_id, basket, pending, version,"
                " misunderstandings, updated_at) VALUES (1, 1, :basket, :pending, 3, 0,"
                " '2026-12-01 10:00:00')"
            ),
            {
                "basket": '[{"sku": "b1", "quantity": 2, "usual": true}]',
                "pending": '{"kind": "ask", "question": {"type": "amount", "sku": "k1"}}',
            },
        )
    upgrade(engine)
    with Session(engine) as session:
        conversation = session.get(Conversation, 1)
        assert conversation is not None
        assert [(b.sku, b.quantity, b.usual) for b in conversation.state.basket] == [
            ("b1", 2, True)
        ]
        assert conversation.state.questions == []
        assert conversation.version == 3
    engine.dispose()
