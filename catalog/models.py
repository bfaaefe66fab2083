"""Catalogue tables: shops and the products they sell."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.database import Base, UTCDateTime, utcnow


class Unit(StrEnum):
    PIECE = "piece"  # sold per piece or pack; counted in pieces
    KG = "kg"  # weighed; priced per kg, counted in grams


class Shop(Base):
    __tablename__ = "shops"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str | None] = mapped_column(String(40))
    street: Mapped[str | None] = mapped_column(String(120))
    postcode: Mapped[str | None] = mapped_column(String(10))
    # Where the shop wants its round notification: sms | whatsapp | telegram | email | log.
    notify_channel: Mapped[str] = mapped_column(String(20), default="log")
    notify_address: Mapped[str | None] = mapped_column(String(200))
    # Comma-separated weekdays (mon..sun) the shop supplies; empty means every round.
    delivery_days: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    products: Mapped[list[Product]] = relationship(back_populates="shop")

    @property
    def weekdays(self) -> tuple[str, ...]:
        return tuple(day for day in self.delivery_days.split(",") if day)


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(80), unique=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(10))
    # Cents per piece, or per kg for weighed products.
    price_cents: Mapped[int] = mapped_column(Integer)
    # Other names residents use, ';'-separated as in the catalogue CSV.
    aliases: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str | None] = mapped_column(String(80))
    available: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    shop: Mapped[Shop] = relationship(back_populates="products")

    @property
    def alias_list(self) -> tuple[str, ...]:
        return tuple(alias.strip() for alias in self.aliases.split(";") if alias.strip())


class CatalogueVersion(Base):
    """One row whose number moves with every change to the products: a database trigger
    (migration 0008) counts each INSERT, UPDATE and DELETE on products, whoever makes it.

    Reading it is how a running bot tells, message by message, that its catalogue is still
    current: one row by its key, where the newest updated_at and a count of the products
    cost a scan of the whole table (about 3 ms on PostgreSQL for 50,000 products)."""

    __tablename__ = "catalogue_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
