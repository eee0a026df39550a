"""One-time codes that link a person's accounts in different channels, and failed attempts to use one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, utcnow


class LinkCode(Base):
    """A code given by /link; only its hash is stored. Single use, short-lived."""

    __tablename__ = "link_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class LinkAttempt(Base):
    """A wrong code entered by an account (counted to stop guessing)."""

    __tablename__ = "link_attempts"
    __table_args__ = (Index("ix_link_attempts_account_at", "account_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
