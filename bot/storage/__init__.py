"""Persistence: SQLAlchemy 2 async models, the engine, and Alembic migrations."""

from bot.storage.database import Database
from bot.storage.migrate import current_revision, downgrade, upgrade

__all__ = ["Database", "current_revision", "downgrade", "upgrade"]
