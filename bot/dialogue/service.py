"""The dialogue service: one message in, replies out — state, effects and analytics in one transaction.

Messages of one person are handled one at a time (a per-person lock, and a version check on the stored
state for several processes); different people are handled concurrently.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.analytics.recorder import EventRecorder, forget_texts
from bot.clock import Clock
from bot.dialogue import store
from bot.dialogue.cache import StateCache
from bot.dialogue.journal import Journal, StateWrite
from bot.dialogue.locks import KeyedLocks
from bot.dialogue.logic import Context, Escalate, Forget, Outcome, RelayToOperator, SetSegment, respond
from bot.dialogue.messages import Incoming, Outgoing, UserRef
from bot.dialogue.state import Conversation
from bot.dialogue.texts import Texts
from bot.handoff.port import HandoffPort
from bot.kb.live import LiveKnowledge, Snapshot
from bot.people import repository as people
from bot.people.repository import AccountInfo
from bot.storage import Database

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3

Decider = Callable[[Conversation, Context], Outcome]


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
        self.journal = Journal(db, recorder.pseudonyms)
        self.cache = StateCache()

    async def handle(self, message: Incoming) -> list[Outgoing]:
        """Process one message of a person and return the replies to send."""
        return await self.run(message.user, lambda conv, ctx: respond(conv, message, ctx))

    async def run(self, user: UserRef, decide: Decider) -> list[Outgoing]:
        """Run ``decide`` on a person's conversation under their lock and persist what it did.

        Messages use it through ``handle``; other services (operators, reminders) use it to change a
        conversation from outside — a case taken or closed — with the same guarantees.
        """
        async with self.locks.hold(user.key):
            for attempt in range(1, MAX_ATTEMPTS + 1):
                try:
                    return await self._run_once(user, decide)
                except store.StaleConversation:
                    self.cache.drop(user.key)
                    if attempt == MAX_ATTEMPTS:
                        raise
                    log.info("Conversation changed concurrently; handling the message again")
        raise AssertionError("unreachable")

    def context(self, now: datetime) -> tuple[Context, Snapshot]:
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
        return ctx, snapshot

    async def _load(self, user: UserRef, now: datetime) -> people.AccountState:
        """The account and its conversation: from the cache, the database, or — for a person's first
        message — a new account that the write step creates (``account_id == 0`` until then)."""
        state = self.cache.get(user.key)
        if state is not None:
            return state
        async with self.db.read() as conn:
            state = await people.load_state(conn, user)
        if state is None:
            return people.AccountState(people.AccountInfo(0, 0, user.channel, user.user_id, None), now, None, None)
        return state

    async def _run_once(self, user: UserRef, decide: Decider) -> list[Outgoing]:
        now = self.clock.now()
        # 1. the account and its conversation
        state = await self._load(user, now)
        account = state.account
        conv = store.decode(state.conversation, account.segment)

        # 2. decide, with no connection held
        ctx, snapshot = self.context(now)
        outcome = decide(conv, ctx)

        # 3. write the new state, the effects and the events together
        replies = list(outcome.replies)
        rows = self.recorder.rows(
            outcome.events,
            person=self.recorder.pseudonyms.person(account.person_id) if account.person_id else "",
            channel=account.channel,
            segment=conv.segment,
            kb_version=snapshot.version,
            now=now,
        )
        data = store.encode(conv)
        touch = people.needs_touch(state, now)
        changes = [e for e in outcome.effects if isinstance(e, SetSegment)]
        if len(changes) == len(outcome.effects):
            # the common case: group-committed with other people's messages
            job = StateWrite(
                account_id=account.account_id,
                person_id=account.person_id,
                step=conv.step.value,
                data=data,
                version=state.version,
                now=now,
                events=rows,
                segment_changed=bool(changes),
                segment=conv.segment,
                touch=touch and account.account_id != 0,
                new_user=user if account.account_id == 0 else None,
            )
            await self.journal.write(job)
            account = replace(account, account_id=job.account_id, person_id=job.person_id)
        else:
            account, forgotten = await self._write_with_effects(account, conv, outcome, rows, replies, state, now)
            if forgotten:
                self.cache.drop_person(account.person_id)
                return replies
        if changes:
            self.cache.drop_person(account.person_id)  # other linked accounts carry the old segment
        self.cache.put(
            user.key,
            people.AccountState(
                replace(account, segment=conv.segment, unreachable=False),
                now if touch else state.last_seen_at,
                data,
                (state.version or 0) + 1,
            ),
        )
        return replies

    async def _write_with_effects(
        self,
        account: AccountInfo,
        conv: Conversation,
        outcome: Outcome,
        rows: list[dict[str, object]],
        replies: list[Outgoing],
        state: people.AccountState,
        now: datetime,
    ) -> tuple[AccountInfo, bool]:
        """Effects that need the database right away (operators, deletion) in one transaction.

        Returns the account (created here on a person's first message) and whether it was deleted.
        """
        async with self.db.transaction() as conn:
            if account.account_id == 0:
                try:
                    async with conn.begin_nested():
                        account = await people.create_account(conn, account.user, now)
                except IntegrityError:
                    raise store.StaleConversation(0) from None  # created elsewhere just now: start over
                pseudonym = self.recorder.pseudonyms.person(account.person_id)
                rows = [{**row, "person": pseudonym} for row in rows]
            forgotten = False
            for effect in outcome.effects:
                if isinstance(effect, SetSegment):
                    await people.set_segment(conn, account.person_id, effect.segment, now)
                elif isinstance(effect, Escalate):
                    replies += await self.handoff.escalate(conn, account, conv, effect.reason)
                elif isinstance(effect, RelayToOperator):
                    replies += await self.handoff.relay(conn, account, conv, effect.message)
                elif isinstance(effect, Forget):
                    await self._forget(conn, account)
                    forgotten = True
            if forgotten:
                rows = [{**row, "text": None, "text_expires_at": None} for row in rows]
            else:
                await store.save(conn, account.account_id, conv, state.version, now)
                if state.version is not None:
                    await people.touch(conn, state, now)
            await self.recorder.write(conn, rows)
        return account, forgotten

    def forget_cached(self, user: UserRef) -> None:
        """Another part of the bot changed this person's account (blocked, linked): read it afresh."""
        self.cache.drop(user.key)

    async def close(self) -> None:
        await self.journal.close()

    async def _forget(self, conn: AsyncConnection, account: AccountInfo) -> None:
        await self.handoff.forget(conn, account)
        await forget_texts(conn, self.recorder.pseudonyms.person(account.person_id))
        await people.forget_person(conn, account.person_id)

    async def conversation(self, account_id: int) -> Conversation | None:
        """The stored state of an account's conversation (for operators' context and tests)."""
        async with self.db.read() as conn:
            info = await people.account_by_id(conn, account_id)
        if info is None:
            return None
        async with self.db.read() as conn:
            state = await people.load_state(conn, info.user)
        return store.decode(state.conversation if state else None, info.segment)
