"""What several bot instances on one database agree on: leases, scheduled jobs' runs, shared values."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, utcnow


class Lease(Base):
    """A named right held by one instance until ``expires_at`` (renewed while it lives): the VK long
    poll's leader, or an instance's membership in a channel's senders (``senders:<channel>:<id>``)."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(index=True)


class JobRun(Base):
    """The last period (``slot``) of a scheduled job claimed by an instance: each period runs once."""

    __tablename__ = "job_runs"

    job: Mapped[str] = mapped_column(String(64), primary_key=True)
    slot: Mapped[int] = mapped_column(BigInteger)
    holder: Mapped[str] = mapped_column(String(64))
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)


class SharedValue(Base):
    """A value generated once by whichever instance needs it first (the analytics salt)."""

    __tablename__ = "shared_values"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
