"""Handing a conversation to a human operator."""
