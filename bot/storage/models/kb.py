"""Which knowledge-base versions served, and the questions of their entries (for reports)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, utcnow


class KBVersion(Base):
    """A knowledge base as loaded by the bot: one row per distinct content checksum."""

    __tablename__ = "kb_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    checksum: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(Text)
    topics: Mapped[int]
    entries: Mapped[int]
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class KBEntryTitle(Base):
    """The canonical question of each entry of a version, so old analytics stay readable."""

    __tablename__ = "kb_entry_titles"
    __table_args__ = (UniqueConstraint("version_id", "entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("kb_versions.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[str] = mapped_column(String(128), index=True)
    topic_id: Mapped[str] = mapped_column(String(128))
    question: Mapped[str] = mapped_column(Text)
