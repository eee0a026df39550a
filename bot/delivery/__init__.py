"""Durable, rate-limited delivery of messages through any channel (the outbox and its sender)."""
