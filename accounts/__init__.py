"""Accounts of the people behind the counter: the coordinator, shopkeepers and the courier.

Residents have no password: they are known by their phone number or chat. Operators log in to
the web pages (bot/pages) with an e-mail address and a password, hashed with argon2.
"""
