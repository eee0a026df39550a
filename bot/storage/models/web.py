"""The web console: staff accounts, their sessions, the audit log, knowledge-base change history and
unanswered-question groups an editor set aside."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, utcnow


class StaffUser(Base):
    """A console account: a login, an argon2 password hash and one role."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))  # admin | editor | analyst | operator
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column()


class StaffSession(Base):
    """A signed-in browser: only the SHA-256 of the cookie's random token is stored."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class AuditRecord(Base):
    """Who did what in the console, and when (logins, accounts, publications, broadcasts)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    login: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str | None] = mapped_column(String(128))
    detail: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(64))


class KBChange(Base):
    """One publication of a knowledge-base entry from the console: who, when, what changed."""

    __tablename__ = "kb_changes"
    __table_args__ = (Index("ix_kb_changes_entry", "entry_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    login: Mapped[str] = mapped_column(String(64))
    entry_id: Mapped[str] = mapped_column(String(128))
    topic_id: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(16))  # created | changed
    summary: Mapped[str] = mapped_column(Text)  # the changed fields, one per line
    old_version: Mapped[str | None] = mapped_column(String(64))
    new_version: Mapped[str | None] = mapped_column(String(64))


class DismissedCluster(Base):
    """A group of unanswered questions an editor handled or set aside; hidden from the list."""

    __tablename__ = "dismissed_clusters"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    representative: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(16))  # dismissed | new_entry | paraphrases
    entry_id: Mapped[str | None] = mapped_column(String(128))
    login: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    questions: Mapped[int] = mapped_column(Integer, default=0)
