"""The dialogue service: one message in, replies out — state, effects and analytics in one transaction.

Messages of one person are handled one at a time (a per-person lock, and a version check on the stored
state for several processes); different people are handled concurrently.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.analytics.recorder import EventRecorder
from bot.clock import Clock
from bot.dialogue import store
from bot.dialogue.locks import KeyedLocks
from bot.dialogue.logic import Context, Escalate, Forget, RelayToOperator, SetSegment, respond
from bot.dialogue.messages import Incoming, Outgoing
from bot.dialogue.state import Conversation
from bot.dialogue.texts import Texts
from bot.handoff.port import HandoffPort
from bot.kb.live import LiveKnowledge
from bot.people import repository as people
from bot.people.repository import AccountInfo
from bot.storage import Database
from bot.storage.models import EventRow

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class Branding:
    bot_name: str
    organisation: str
    policy_url: str


class DialogueService:
    def __init__(
        self,
        db: Database,
        knowledge: LiveKnowledge,
        texts: Texts,
        recorder: EventRecorder,
        handoff: HandoffPort,
        clock: Clock,
        branding: Branding,
        new_id: Callable[[], str] | None = None,
    ) -> None:
        self.db = db
        self.knowledge = knowledge
        self.texts = texts
        self.recorder = recorder
        self.handoff = handoff
        self.clock = clock
        self.branding = branding
        self.new_id = new_id or (lambda: uuid.uuid4().hex[:16])
        self.locks = KeyedLocks()

    async def handle(self, message: Incoming) -> list[Outgoing]:
        """Process one message of a person and return the replies to send."""
        async with self.locks.hold(message.user.key):
            for attempt in range(1, MAX_ATTEMPTS + 1):
                try:
                    return await self._handle_once(message)
                except store.StaleConversation:
                    if attempt == MAX_ATTEMPTS:
                        raise
                    log.info("Conversation changed concurrently; handling the message again")
        raise AssertionError("unreachable")

    async def _handle_once(self, message: Incoming) -> list[Outgoing]:
        now = self.clock.now()
        snapshot = self.knowledge.current
        ctx = Context(
            kb=snapshot.base,
            matcher=snapshot.matcher,
            texts=self.texts,
            now=now,
            new_id=self.new_id,
            bot_name=self.branding.bot_name,
            organisation=self.branding.organisation,
            policy_url=self.branding.policy_url,
        )
        async with self.db.session() as session:
            account = await people.get_or_create_account(session, message.user, now)
            conv, version = await store.load(session, account.account_id, account.segment)
            outcome = respond(conv, message, ctx)
            replies = list(outcome.replies)
            forgotten = False
            for effect in outcome.effects:
                if isinstance(effect, SetSegment):
                    await people.set_segment(session, account.person_id, effect.segment, now)
                elif isinstance(effect, Escalate):
                    replies += await self.handoff.escalate(session, account, conv, effect.reason)
                elif isinstance(effect, RelayToOperator):
                    replies += await self.handoff.relay(session, account, conv, effect.message)
                elif isinstance(effect, Forget):
                    await self._forget(session, account)
                    forgotten = True
            rows = self.recorder.rows(
                outcome.events,
                person_id=account.person_id,
                channel=account.channel,
                segment=conv.segment,
                kb_version=snapshot.version,
                now=now,
            )
            if forgotten:
                rows = [{**row, "text": None, "text_expires_at": None} for row in rows]
            else:
                await store.save(session, account.account_id, conv, version, now)
            await self.recorder.write(session, rows)
        return replies

    async def _forget(self, session: AsyncSession, account: AccountInfo) -> None:
        await self.handoff.forget(session, account)
        pseudonym = self.recorder.pseudonyms.person(account.person_id)
        await session.execute(
            update(EventRow).where(EventRow.person == pseudonym).values(text=None, text_expires_at=None)
        )
        await people.forget_person(session, account.person_id)

    async def conversation(self, account_id: int) -> Conversation | None:
        """The stored state of an account's conversation (for operators' context and tests)."""
        async with self.db.session() as session:
            info = await people.account_by_id(session, account_id)
            if info is None:
                return None
            conv, _ = await store.load(session, account_id, info.segment)
            return conv
