"""Conversation, registration, inbound-message and call state: what the bot remembers."""
