"""All tables; importing this package registers them on ``Base.metadata`` (Alembic needs that)."""

from bot.storage.models.base import Base
from bot.storage.models.kb import KBEntryTitle, KBVersion

__all__ = ["Base", "KBEntryTitle", "KBVersion"]
