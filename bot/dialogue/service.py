"""The dialogue service: one message in, replies out — state, effects and analytics stored together.

Messages of one person are handled one at a time (a per-person lock, and a version check on the stored
state for several processes); different people are handled concurrently. For messenger channels the
replies are written to the outbox in the same transaction as the state, and the platform's update id
is recorded there too, so a crash neither loses a reply nor handles an update twice.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.analytics.recorder import EventRecorder, forget_texts
from bot.clock import Clock
from bot.delivery import outbox, updates
from bot.delivery.outbox import Envelope
from bot.dialogue import store
from bot.dialogue.about import AboutBot
from bot.dialogue.cache import StateCache
from bot.dialogue.contacts import Contacts
from bot.dialogue.effects import (
    CloseCase,
    Context,
    Escalate,
    Forget,
    LinkAccounts,
    Notify,
    Outcome,
    RelayToOperator,
    SetSegment,
)
from bot.dialogue.emergency import SafetyNumbers
from bot.dialogue.journal import DuplicateUpdate, Journal, StateWrite
from bot.dialogue.locks import KeyedLocks
from bot.dialogue.logic import case_rating, respond
from bot.dialogue.markup import split_message
from bot.dialogue.messages import Incoming, Outgoing, UserRef
from bot.dialogue.state import Conversation
from bot.dialogue.texts import Texts
from bot.handoff.port import HandoffPort, NoOperators
from bot.kb.live import LiveKnowledge, Snapshot
from bot.kb.model import Entry
from bot.people import erasure, linking
from bot.people import repository as people
from bot.people.repository import AccountInfo
from bot.storage import Database
from bot.storage.models import ProcessedUpdate

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
SEEN_UPDATES = 200_000
SEEN_WINDOW = timedelta(days=2)

Decider = Callable[[Conversation, Context], Outcome]
_updates = ProcessedUpdate.__table__


@dataclass(frozen=True, slots=True)
class Branding:
    bot_name: str
    organisation: str
    policy_url: str
    safety: SafetyNumbers = field(default_factory=SafetyNumbers)
    contacts: Contacts = field(default_factory=Contacts)
    rating_interval: timedelta = timedelta(0)
    about: AboutBot = field(default_factory=AboutBot)


@dataclass(slots=True)
class Handled:
    """What came of one message: the replies, and (for durable channels) their outbox envelopes."""

    replies: list[Outgoing] = field(default_factory=list)
    envelopes: list[Envelope] = field(default_factory=list)
    duplicate: bool = False


@dataclass(frozen=True, slots=True)
class _Options:
    update_key: tuple[str, str] | None = None
    durable: bool = False
    instance: str = ""
    split_at: int | None = None


class NotifyPort(Protocol):
    async def handle(
        self, conn: AsyncConnection, account: AccountInfo, conv: Conversation, effect: Notify, now: datetime
    ) -> list[Outgoing]:
        """Carry out a settings / reminder / unsubscribe action; may add menus to ``conv``."""


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
        instance: str | None = None,
        notify: NotifyPort | None = None,
        remindable: Callable[[Entry], bool] | None = None,
    ) -> None:
        self.db = db
        self.knowledge = knowledge
        self.texts = texts
        self.recorder = recorder
        self.handoff = handoff
        self.clock = clock
        self.branding = branding
        self.instance = instance or uuid.uuid4().hex[:12]
        self.new_id = new_id or _ids(self.instance)
        self.notify = notify
        self.remindable = remindable
        self.locks = KeyedLocks()
        self.wakers: list[Callable[[], None]] = []  # the senders, told when rows are queued for them
        self.journal = Journal(db, recorder.pseudonyms)
        self.cache = StateCache()
        self._seen: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._seen_loaded: set[str] = set()
        self.popular: tuple[str, ...] = ()  # the base's most asked entries (set by the app)

    # --- entry points -------------------------------------------------------------------------------

    async def handle(self, message: Incoming) -> list[Outgoing]:
        """Process one message and return the replies to show (channels that print them at once)."""
        return (await self.process(message)).replies

    async def process(
        self,
        message: Incoming,
        *,
        update_key: str | None = None,
        durable: bool = False,
        split_at: int | None = None,
    ) -> Handled:
        """Process one message of a messenger channel.

        ``update_key`` is the platform's id of the update: an update already processed is reported as
        a duplicate and not handled again. With ``durable`` the replies are stored in the outbox in the
        same transaction as the state, claimed by this process, and returned as envelopes to send.
        ``split_at`` is the platform's message length limit: longer replies become several messages.
        """
        key = (message.user.channel, update_key) if update_key is not None else None
        if key is not None and await self._was_processed(key):
            return Handled(duplicate=True)
        options = _Options(key, durable, self.instance, split_at)
        try:
            handled = await self.run(message.user, lambda conv, ctx: respond(conv, message, ctx), options)
        except DuplicateUpdate:
            return Handled(duplicate=True)
        if key is not None:
            self._remember(key)
        return handled

    async def run(self, user: UserRef, decide: Decider, options: _Options | None = None) -> Handled:
        """Run ``decide`` on a person's conversation under their lock and persist what it did.

        Messages use it through ``process``; other services (operators, reminders) use it to change a
        conversation from outside — a case taken or closed — with the same guarantees.
        """
        options = options or _Options()
        async with self.locks.hold(user.key):
            for attempt in range(1, MAX_ATTEMPTS + 1):
                if options.update_key is not None and options.update_key in self._seen:
                    return Handled(duplicate=True)  # a copy of this update was handled while we waited
                try:
                    return await self._run_once(user, decide, options)
                except store.StaleConversation:
                    self.cache.drop(user.key)
                    if attempt == MAX_ATTEMPTS:
                        raise
                    log.info("Conversation changed concurrently; handling the message again")
        raise AssertionError("unreachable")

    async def run_and_queue(self, user: UserRef, decide: Decider, split_at: int = 4000) -> Handled:
        """``run`` for changes from outside (a case taken or closed): the replies go to the outbox as
        pending messages, for the person's channel to send."""
        handled = await self.run(user, decide, _Options(durable=True, instance="", split_at=split_at))
        for waker in self.wakers:
            waker()
        return handled

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
            remindable=self.remindable if self.notify is not None else None,
            safety=self.branding.safety,
            operators=not isinstance(self.handoff, NoOperators),
            contacts=self.branding.contacts,
            rating_interval=self.branding.rating_interval,
            popular=self.popular,
            about=self.branding.about,
        )
        return ctx, snapshot

    def forget_cached(self, user: UserRef) -> None:
        """Another part of the bot changed this person's account (blocked, linked): read it afresh."""
        self.cache.drop(user.key)

    async def conversation(self, account_id: int) -> Conversation | None:
        """The stored state of an account's conversation (for operators' context and tests)."""
        async with self.db.read() as conn:
            info = await people.account_by_id(conn, account_id)
        if info is None:
            return None
        async with self.db.read() as conn:
            state = await people.load_state(conn, info.user)
        return store.decode(state.conversation if state else None, info.segment)

    async def close(self) -> None:
        await self.journal.close()

    # --- processed updates ----------------------------------------------------------------------------

    async def _was_processed(self, key: tuple[str, str]) -> bool:
        channel = key[0]
        if channel not in self._seen_loaded:
            # after a restart the platform re-sends what was not acknowledged: know what is done
            self._seen_loaded.add(channel)
            since = self.clock.now() - SEEN_WINDOW
            async with self.db.read() as conn:
                rows = await conn.execute(
                    select(_updates.c.update_key)
                    .where(_updates.c.channel == channel, _updates.c.processed_at >= since)
                    .order_by(_updates.c.processed_at.desc())
                    .limit(SEEN_UPDATES)
                )
                for (update_key,) in rows:
                    self._remember((channel, update_key))
        return key in self._seen

    def processed_elsewhere(self, channel: str, update_key: str) -> None:
        """An update was dealt with outside the dialogue (set aside as a dead letter): a copy is skipped."""
        self._remember((channel, update_key))

    def forget_update(self, channel: str, update_key: str) -> None:
        """An update is to be handled again (a dead letter replayed): no longer "already processed"."""
        self._seen.pop((channel, update_key), None)

    def _remember(self, key: tuple[str, str]) -> None:
        self._seen[key] = None
        while len(self._seen) > SEEN_UPDATES:
            self._seen.popitem(last=False)

    # --- one attempt ----------------------------------------------------------------------------------

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

    async def _run_once(self, user: UserRef, decide: Decider, options: _Options) -> Handled:
        now = self.clock.now()
        # 1. the account and its conversation
        state = await self._load(user, now)
        account = state.account
        conv = store.decode(state.conversation, account.segment)

        # 2. decide, with no connection held
        ctx, snapshot = self.context(now)
        if snapshot.matcher.encoder_ready:  # the sentence encoder takes milliseconds: off the event loop
            outcome = await asyncio.to_thread(decide, conv, ctx)
        else:
            outcome = decide(conv, ctx)

        # 3. write the new state, the replies, the effects and the events together
        handled = Handled(_split(outcome.replies, options))
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
            outbox_rows = self._outbox_rows(user, account, handled.replies, now, options)
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
                update_key=options.update_key,
                outbox=outbox_rows,
            )
            await self.journal.write(job)
            account = replace(account, account_id=job.account_id, person_id=job.person_id)
            handled.envelopes = outbox.envelopes(job.outbox_ids, outbox_rows)
        else:
            account, forgotten = await self._write_with_effects(
                user, account, conv, outcome, rows, handled, state, now, options
            )
            if forgotten:
                self.cache.drop_person(account.person_id)
                return handled
            data = store.encode(conv)  # effects may have changed it (menus, the operator step)
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
        return handled

    def _outbox_rows(
        self, user: UserRef, account: AccountInfo, replies: list[Outgoing], now: datetime, options: _Options
    ) -> list[dict[str, object]]:
        if not options.durable or not replies:
            return []
        return outbox.rows_for(
            user.channel, user.user_id, replies, now, account_id=account.account_id or None,
            claimed_by=options.instance or None,
        )

    async def _write_with_effects(
        self,
        user: UserRef,
        account: AccountInfo,
        conv: Conversation,
        outcome: Outcome,
        rows: list[dict[str, object]],
        handled: Handled,
        state: people.AccountState,
        now: datetime,
        options: _Options,
    ) -> tuple[AccountInfo, bool]:
        """Effects that need the database right away (operators, deletion) in one transaction.

        Returns the account (created here on a person's first message) and whether it was deleted.
        """
        async with self.db.transaction() as conn:
            if options.update_key is not None and not await updates.first_time(conn, *options.update_key, now):
                raise DuplicateUpdate(options.update_key)
            if account.account_id == 0:
                try:
                    async with conn.begin_nested():
                        account = await people.create_account(conn, account.user, now)
                except IntegrityError:
                    raise store.StaleConversation(0) from None  # created elsewhere just now: start over
                pseudonym = self.recorder.pseudonyms.person(account.person_id)
                rows = [{**row, "person": pseudonym} for row in rows]
            forgotten = False
            merged: list[int] = []  # people joined by /link: their other accounts' cached state is stale
            for effect in outcome.effects:
                if isinstance(effect, SetSegment):
                    await people.set_segment(conn, account.person_id, effect.segment, now)
                elif isinstance(effect, Escalate):
                    handled.replies += _split(await self.handoff.escalate(conn, account, conv, effect.reason), options)
                elif isinstance(effect, RelayToOperator):
                    handled.replies += _split(await self.handoff.relay(conn, account, conv, effect.message), options)
                elif isinstance(effect, CloseCase):
                    replied = await self.handoff.operator_replied(conn, effect.case_id)
                    closing = await self.handoff.close_by_person(conn, account, effect.case_id)
                    handled.replies += _split(closing, options)
                    if replied:  # ask how the operator helped: only when an operator answered
                        survey = case_rating(conv, self.context(now)[0], effect.case_id)
                        handled.replies += _split(survey.replies, options)
                        for follow in survey.effects:  # «case_rated»: no invitation to rate it later
                            if isinstance(follow, Notify) and self.notify is not None:
                                await self.notify.handle(conn, account, conv, follow, now)
                        rows += self.recorder.rows(
                            survey.events, person=self.recorder.pseudonyms.person(account.person_id),
                            channel=account.channel, segment=conv.segment, kb_version=self.knowledge.current.version,
                            now=now,
                        )
                elif isinstance(effect, Forget):
                    await self._forget(conn, account)
                    forgotten = True
                elif isinstance(effect, Notify):
                    if self.notify is None:
                        handled.replies.append(Outgoing(self.texts.notifications_unavailable))
                    else:
                        handled.replies += _split(await self.notify.handle(conn, account, conv, effect, now), options)
                elif isinstance(effect, LinkAccounts):
                    reply, linked = await self._link(conn, account, effect.code, now)
                    handled.replies.append(Outgoing(reply))
                    if linked.result == linking.LinkResult.LINKED and linked.person_id is not None:
                        merged.extend(p for p in (account.person_id, linked.person_id) if p is not None)
                        account = replace(account, person_id=linked.person_id, segment=linked.segment)
                        conv.segment = linked.segment
                        pseudonym = self.recorder.pseudonyms.person(linked.person_id)
                        rows = [{**row, "person": pseudonym} for row in rows]
            if forgotten:
                rows = [{**row, "text": None, "text_expires_at": None} for row in rows]
                account_for_outbox = replace(account, account_id=0)
            else:
                await store.save(conn, account.account_id, conv, state.version, now)
                if state.version is not None:
                    await people.touch(conn, state, now)
                account_for_outbox = account
            await self.recorder.write(conn, rows)
            outbox_rows = self._outbox_rows(user, account_for_outbox, handled.replies, now, options)
            if forgotten:  # the farewell: removed from the outbox as soon as it is delivered
                outbox_rows = [{**row, "ref": erasure.FAREWELL_REF} for row in outbox_rows]
            ids = await outbox.insert_rows(conn, outbox_rows)
        handled.envelopes = outbox.envelopes(ids, outbox_rows)
        for person_id in merged:
            self.cache.drop_person(person_id)
        return account, forgotten

    async def _link(
        self, conn: AsyncConnection, account: AccountInfo, code: str, now: datetime
    ) -> tuple[str, linking.Linked]:
        """/link: a new code, or the accounts joined; the reply to show."""
        t = self.texts
        if not code.strip():
            issued = await linking.issue(conn, account, now)
            minutes = int(linking.CODE_TTL.total_seconds() // 60)
            shown = linking.display(issued)
            return t.format(t.link_code, code=shown, minutes=minutes), linking.Linked(linking.LinkResult.ISSUED)
        linked = await linking.redeem(conn, account, code, now, self.recorder.pseudonyms.person)
        replies = {
            linking.LinkResult.LINKED: t.link_done,
            linking.LinkResult.ALREADY: t.link_already,
            linking.LinkResult.INVALID: t.link_invalid,
            linking.LinkResult.SAME_CHANNEL: t.link_same_channel,
            linking.LinkResult.CONFLICT: t.link_conflict,
            linking.LinkResult.TOO_MANY: t.link_too_many,
        }
        return replies[linked.result], linked

    async def _forget(self, conn: AsyncConnection, account: AccountInfo) -> None:
        await self.handoff.forget(conn, account)
        await forget_texts(conn, self.recorder.pseudonyms.person(account.person_id))
        await erasure.erase_outbox(conn, account.person_id, await people.accounts_of(conn, account.person_id))
        await people.forget_person(conn, account.person_id)
        await erasure.retire_id(conn, account.person_id)


def _split(replies: list[Outgoing], options: _Options) -> list[Outgoing]:
    if not options.split_at:
        return list(replies)
    return [part for reply in replies for part in split_message(reply, options.split_at)]


def _ids(instance: str) -> Callable[[], str]:
    """Request ids unique across processes: this process's random prefix and a counter (uuid4 per
    message costs a system call)."""
    counter = itertools.count(1)
    prefix = instance[:8]
    return lambda: f"{prefix}{next(counter):08x}"
