"""Residents and their channel addresses, baskets, orders, delivery rounds and the outbox."""
