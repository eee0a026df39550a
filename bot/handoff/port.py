"""What the dialogue needs from an operators' desk; ``NoOperators`` when none is configured."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.dialogue.contacts import Contacts
from bot.dialogue.effects import TOPIC_KEY
from bot.dialogue.messages import Incoming, Outgoing
from bot.dialogue.state import Conversation
from bot.dialogue.texts import Texts
from bot.people.repository import AccountInfo


class HandoffPort(Protocol):
    async def escalate(
        self, conn: AsyncConnection, account: AccountInfo, conv: Conversation, reason: str
    ) -> list[Outgoing]:
        """Open (or find) the person's case; may switch ``conv`` to the operator step."""

    async def relay(
        self, conn: AsyncConnection, account: AccountInfo, conv: Conversation, message: Incoming
    ) -> list[Outgoing]:
        """Pass a message written during a case to the operators."""

    async def close_by_person(self, conn: AsyncConnection, account: AccountInfo, case_id: int) -> list[Outgoing]:
        """The person pressed «Вопрос решён»: close their case."""

    async def forget(self, conn: AsyncConnection, account: AccountInfo) -> None:
        """The person deleted their data: close and anonymise their cases."""

    async def operator_replied(self, conn: AsyncConnection, case_id: int) -> bool:
        """Whether an operator answered in the case (only then is the person asked to rate the operator)."""


class NoOperators:
    """No operators' desk is configured: say how else to reach the administration."""

    def __init__(self, texts: Texts, contacts: Contacts | None = None) -> None:
        self.texts = texts
        self.contacts = contacts or Contacts()

    def _reply(self) -> list[Outgoing]:
        if self.contacts.configured:
            return [Outgoing(self.texts.format(self.texts.contacts, contacts=self.contacts.describe()))]
        return [Outgoing(self.texts.no_operators)]

    async def escalate(
        self, conn: AsyncConnection, account: AccountInfo, conv: Conversation, reason: str
    ) -> list[Outgoing]:
        conv.extra.pop(TOPIC_KEY, None)
        return self._reply()

    async def relay(
        self, conn: AsyncConnection, account: AccountInfo, conv: Conversation, message: Incoming
    ) -> list[Outgoing]:
        return self._reply()

    async def close_by_person(self, conn: AsyncConnection, account: AccountInfo, case_id: int) -> list[Outgoing]:
        return []

    async def forget(self, conn: AsyncConnection, account: AccountInfo) -> None:
        return None

    async def operator_replied(self, conn: AsyncConnection, case_id: int) -> bool:
        return False
