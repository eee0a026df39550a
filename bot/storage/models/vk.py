"""VK channel state: the long-poll position per community and what each person's VK client can show."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, utcnow


class VKPollState(Base):
    """Where Bots Long Poll stands: ``ts`` is written only after every earlier event is handled."""

    __tablename__ = "vk_poll_state"

    group_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    ts: Mapped[str | None] = mapped_column(String(32))
    random_key: Mapped[str] = mapped_column(String(64))  # makes random_id differ between databases
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class VKClient(Base):
    """The abilities of a person's VK client (from ``client_info``), for replies sent later too."""

    __tablename__ = "vk_clients"

    peer_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    keyboard: Mapped[bool] = mapped_column(Boolean)
    inline: Mapped[bool] = mapped_column(Boolean)
    callback: Mapped[bool] = mapped_column(Boolean)
    open_link: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
