"""Shared plumbing every domain package stands on: errors and persistence."""
