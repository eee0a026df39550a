"""The anonymised event log. No ids of people: ``person`` is a salted hash (a pseudonym)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, utcnow


class EventRow(Base):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_kind_at", "kind", "at"),
        Index("ix_events_request", "request"),
        Index("ix_events_text_expires_at", "text_expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(24))
    person: Mapped[str] = mapped_column(String(32), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    segment: Mapped[str | None] = mapped_column(String(16))
    request: Mapped[str | None] = mapped_column(String(32))
    entry: Mapped[str | None] = mapped_column(String(128))
    decision: Mapped[str | None] = mapped_column(String(16))
    score: Mapped[float | None] = mapped_column(Float)
    candidates: Mapped[str | None] = mapped_column(Text)  # JSON [[id, score], …]
    value: Mapped[str | None] = mapped_column(String(64))
    via: Mapped[str | None] = mapped_column(String(16))
    kb_version: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str | None] = mapped_column(Text)  # unanswered questions and comments only
    text_expires_at: Mapped[datetime | None]
