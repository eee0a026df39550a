"""The operators' desk, platform-free: cases opened from the dialogue and the operators' actions on them.

Messages for the operators' workspace and for the person are written to the outbox (``posting``) in the
same transaction as the case change; the channels' senders deliver them (the workspace's topic for a case
is found or created when its first message is sent). The texts are composed in ``formatting``; the SLA
check is in ``sla``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.clock import Clock
from bot.config import HandoffSection
from bot.dialogue.effects import TOPIC_KEY
from bot.dialogue.logic import CASE_KEY, case_closed
from bot.dialogue.messages import Attachment, Button, Incoming, Outgoing, UserRef, storable
from bot.dialogue.state import Conversation, Step
from bot.handoff import cases, formatting, posting, sla
from bot.handoff.cases import Case
from bot.handoff.files import FileRef
from bot.handoff.formatting import captionable, file_label, platform_name
from bot.handoff.hours import Schedule
from bot.handoff.posting import Workspace
from bot.handoff.texts import HandoffTexts
from bot.kb.live import LiveKnowledge
from bot.people import repository as people
from bot.people.repository import AccountInfo
from bot.storage import Database

log = logging.getLogger(__name__)

NOTICE_KEY = "case_notice"  # conv.extra: when the person was last told their message was passed on
NOTICE_EVERY = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class Operator:
    id: str
    name: str

    @property
    def mention(self) -> str:
        return self.name or "сотрудник"


@dataclass(frozen=True, slots=True)
class Result:
    """What an operator's action did: a short text for the operator (a button's pop-up)."""

    ok: bool
    text: str


Runner = Callable[[UserRef, Callable[..., Any]], Awaitable[Any]]


class HandoffService:
    """The operators' desk: opens cases from the dialogue, relays messages both ways, runs operators' actions."""

    def __init__(
        self,
        db: Database,
        section: HandoffSection,
        schedule: Schedule,
        workspace: Workspace,
        knowledge: LiveKnowledge,
        clock: Clock,
        texts: HandoffTexts | None = None,
    ) -> None:
        self.db = db
        self.section = section
        self.schedule = schedule
        self.workspace = workspace
        self.knowledge = knowledge
        self.clock = clock
        self.t = texts or HandoffTexts()
        self.run_dialogue: Runner | None = None  # set by the app: DialogueService.run_and_queue
        self.wakers: list[Callable[[], None]] = []
        self.on_closed: list[Callable[[AsyncConnection, Case, datetime], Awaitable[None]]] = []
        # channels whose sender can fetch the workspace's files and pass them on, with the kinds they take
        self.file_targets: dict[str, frozenset[Attachment]] = {}

    # --- helpers ------------------------------------------------------------------------------------

    def wake(self) -> None:
        """Ask the senders to look at the outbox now (after the current transaction commits)."""
        loop = asyncio.get_running_loop()
        for waker in self.wakers:
            loop.call_soon(waker)

    async def post_to_workspace(
        self,
        conn: AsyncConnection,
        text: str,
        *,
        case: int | None = None,
        buttons: tuple[tuple[Button, ...], ...] = (),
        extra: dict[str, Any] | None = None,
        now: datetime,
    ) -> None:
        await posting.to_workspace(conn, self.workspace, text, case=case, buttons=buttons, extra=extra, now=now)

    def topic_title(self, case: Case) -> str:
        return formatting.topic_title(self.t, case)

    # --- from the dialogue (HandoffPort) -----------------------------------------------------------

    async def escalate(
        self, conn: AsyncConnection, account: AccountInfo, conv: Conversation, reason: str
    ) -> list[Outgoing]:
        now = self.clock.now()
        named = conv.extra.pop(TOPIC_KEY, None)  # «нужен специалист по налогам»
        existing = await cases.open_of_person(conn, account.person_id)
        if existing is not None:
            conv.extra[CASE_KEY] = existing.id
            conv.step = Step.OPERATOR
            return [self._solved_message(conv, self.t.format(self.t.already_open, case=existing.id))]
        answered = [t.entry for t in conv.log if t.entry]
        last = answered[-1] if answered else None
        topic = str(named)[:120] if named else formatting.entry_topic(self.knowledge.current.base, last)
        case = await cases.open_case(
            conn,
            person_id=account.person_id,
            account_id=account.account_id,
            channel=account.channel,
            recipient=account.external_id,
            segment=conv.segment,
            topic=topic,
            reason=reason,
            workspace=self.workspace.chat,
            now=now,
        )
        conv.extra[CASE_KEY] = case.id
        conv.extra.pop(NOTICE_KEY, None)
        conv.step = Step.OPERATOR
        ahead = await cases.queue_ahead(conn, case)
        history = formatting.history(self.t, self.knowledge.current.base, conv)
        card = formatting.case_card(self.t, case, reason, now, self.schedule, history)
        buttons = formatting.card_buttons(self.t, case.id)
        await self.post_to_workspace(conn, card, case=case.id, buttons=buttons, now=now)
        await self.post_to_workspace(conn, formatting.new_case_notice(self.t, case, topic, ahead), now=now)
        self.wake()
        log.info("Case %s opened (%s, %s)", case.id, case.channel, reason)
        return [self._solved_message(conv, formatting.accepted(self.t, self.schedule, case.id, ahead, now))]

    def _solved_message(self, conv: Conversation, text: str) -> Outgoing:
        return Outgoing(text, conv.add_keyboard([[(self.t.solved_button, "solved")]]))

    async def relay(
        self, conn: AsyncConnection, account: AccountInfo, conv: Conversation, message: Incoming
    ) -> list[Outgoing]:
        now = self.clock.now()
        case_id = conv.extra.get(CASE_KEY)
        case = await cases.get(conn, int(case_id)) if case_id is not None else None
        if case is None or not case.open:
            conv.extra.pop(CASE_KEY, None)
            conv.step = Step.IDLE
            return [Outgoing(self.t.case_gone)]
        body = formatting.person_message(self.t, message)
        extra: dict[str, Any] = {}
        if message.attachments and account.channel == self.workspace.channel and message.message_id:
            extra["copy_from"] = {
                "chat": account.external_id,
                "message": message.message_id,
                "captionable": captionable(message.attachments),
            }
        await self.post_to_workspace(conn, body, case=case.id, extra=extra, now=now)
        self.wake()
        last = conv.extra.get(NOTICE_KEY)
        if case.status == cases.NEW and (last is None or now - datetime.fromisoformat(last) >= NOTICE_EVERY):
            conv.extra[NOTICE_KEY] = now.isoformat()
            return [Outgoing(self.t.relayed)]
        return []

    async def close_by_person(self, conn: AsyncConnection, account: AccountInfo, case_id: int) -> list[Outgoing]:
        """The person pressed «Вопрос решён» (the dialogue already thanked them and asks for a rating)."""
        now = self.clock.now()
        case = await cases.get(conn, case_id)
        if case is None or case.person_id != account.person_id or not await cases.close(conn, case.id, "person", now):
            return []
        await self.post_to_workspace(
            conn, self.t.closed_by_person_topic, case=case.id,
            extra={"close_topic": True, "topic_name": self.t.format(self.t.closed_title, title=self.topic_title(case))},
            now=now,
        )
        closed = await cases.get(conn, case.id)
        assert closed is not None
        for hook in self.on_closed:
            await hook(conn, closed, now)
        self.wake()
        return []

    async def operator_replied(self, conn: AsyncConnection, case_id: int) -> bool:
        case = await cases.get(conn, case_id)
        return case is not None and case.first_response_at is not None

    async def forget(self, conn: AsyncConnection, account: AccountInfo) -> None:
        now = self.clock.now()
        for case in await cases.anonymise_person(conn, account.person_id, now):
            await self.post_to_workspace(
                conn, self.t.deleted_topic, case=case.id,
                extra={"close_topic": True,
                       "topic_name": self.t.format(self.t.closed_title, title=self.topic_title(case))},
                now=now,
            )
        self.wake()

    # --- operators' actions --------------------------------------------------------------------------

    async def take(self, conn: AsyncConnection, case_id: int, operator: Operator) -> Result:
        now = self.clock.now()
        case = await cases.get(conn, case_id)
        if case is None:
            return Result(False, self.t.unknown_case)
        if not case.open:
            return Result(False, self.t.format(self.t.already_closed, case=case.id))
        if not await cases.take(conn, case_id, operator.id, operator.name, now):
            if case.operator_id == operator.id:
                return Result(False, self.t.took_self)
            return Result(False, self.t.format(self.t.took_already, operator=case.operator_name or "коллега"))
        await self.post_to_workspace(conn, self.t.format(self.t.took, operator=operator.mention), case=case.id, now=now)
        notice = (
            self.t.format(self.t.taken, operator=operator.name, case=case.id)
            if self.section.show_operator_name and operator.name
            else self.t.format(self.t.taken_anonymous, case=case.id)
        )
        await posting.to_person(conn, case, Outgoing(notice), now)
        self.wake()
        return Result(True, self.t.done)

    async def transfer(self, conn: AsyncConnection, case_id: int, operator: Operator) -> Result:
        now = self.clock.now()
        case = await cases.get(conn, case_id)
        if case is None:
            return Result(False, self.t.unknown_case)
        if not case.open:
            return Result(False, self.t.format(self.t.already_closed, case=case.id))
        if case.transfers >= self.section.max_transfers:
            text = self.t.format(
                self.t.transfer_limit, case=case.id, transfers=case.transfers, supervisors=self.supervisors()
            )
            await self.post_to_workspace(conn, text, case=case.id, now=now)
            self.wake()
            return Result(False, self.t.transfer_refused)
        if case.status == cases.NEW:
            return Result(False, self.t.not_taken_yet)
        if not await cases.transfer(conn, case, self.section.max_transfers):
            return Result(False, self.t.unknown_case)
        await self.post_to_workspace(conn, self.t.format(self.t.transferred, operator=operator.mention), case=case.id,
                                 now=now)
        await posting.to_person(conn, case, Outgoing(self.t.format(self.t.transferred_person, case=case.id)), now)
        self.wake()
        return Result(True, self.t.done)

    async def close(self, conn: AsyncConnection, case_id: int, operator: Operator) -> tuple[Result, Case | None]:
        """Close a case; the caller then runs the person's side (``finish_for_person``) after commit."""
        now = self.clock.now()
        case = await cases.get(conn, case_id)
        if case is None:
            return Result(False, self.t.unknown_case), None
        if not await cases.close(conn, case_id, "operator", now):
            return Result(False, self.t.format(self.t.already_closed, case=case.id)), None
        await self.post_to_workspace(
            conn, self.t.format(self.t.closed_topic, operator=operator.mention), case=case.id,
            extra={"close_topic": True, "topic_name": self.t.format(self.t.closed_title, title=self.topic_title(case))},
            now=now,
        )
        closed = await cases.get(conn, case_id)
        assert closed is not None
        for hook in self.on_closed:
            await hook(conn, closed, now)
        self.wake()
        return Result(True, self.t.done), closed

    async def finish_for_person(self, case: Case) -> None:
        """Tell the person the case is closed and ask them to rate the operator's help."""
        if case.recipient is None or self.run_dialogue is None:
            return
        user = UserRef(case.channel, case.recipient)
        await self.run_dialogue(user, lambda conv, ctx: case_closed(conv, ctx, case.id, self.t.format(
            self.t.closed_by_operator, case=case.id), replied=case.first_response_at is not None))

    async def reply(
        self,
        conn: AsyncConnection,
        case: Case,
        operator: Operator,
        text: str,
        attachments: Sequence[Attachment] = (),
        copy_from: dict[str, Any] | None = None,
        files: Sequence[FileRef] = (),
    ) -> str | None:
        """An operator wrote in a case's topic: pass it to the person. A note for the topic if not delivered.

        Files are copied within the workspace's platform (``copy_from``); to another platform they go as
        ``files`` the person's channel downloads and uploads, when it takes files of those kinds.
        """
        text = storable(text)
        now = self.clock.now()
        refused = await self._undeliverable(conn, case)
        if refused is not None:
            return refused
        if case.status == cases.NEW:
            await self.take(conn, case.id, operator)
        await cases.responded(conn, case.id, now)
        extra: dict[str, Any] = {}
        if attachments and copy_from is not None and case.channel == self.workspace.channel:
            extra["copy_from"] = copy_from
        elif attachments and self._passable(case.channel, attachments, files):
            extra["files"] = [f.to_json() for f in files]
            extra["files_from"] = self.workspace.channel
            extra["case"] = case.id  # for files_not_passed
            extra["files_lost"] = self.t.format(self.t.file_lost, files=", ".join(file_label(f) for f in files))
        body = text.strip()
        not_copied = bool(attachments) and not extra  # files this channel cannot take
        if body or extra:
            signed = self._signed(operator, body) if body else ""
            await posting.to_person(conn, case, Outgoing(signed), now, extra)
            self.wake()
        if not_copied:
            return self.t.format(self.t.file_not_relayed, channel=platform_name(case.channel))
        return None

    async def files_not_passed(self, case_id: int, channel: str, files: Sequence[FileRef]) -> None:
        """The person's channel sent an operator's text without its files: the case's topic is told."""
        names = ", ".join(file_label(f) for f in files)
        text = self.t.format(self.t.files_not_passed, files=names, channel=platform_name(channel))
        async with self.db.transaction() as conn:
            await self.post_to_workspace(conn, text, case=case_id, now=self.clock.now())
        self.wake()

    def _passable(self, channel: str, attachments: Sequence[Attachment], files: Sequence[FileRef]) -> bool:
        """Whether every attached file can go to ``channel`` (described, and of a kind it takes)."""
        kinds = self.file_targets.get(channel)
        return kinds is not None and len(files) == len(attachments) and all(f.kind in kinds for f in files)

    async def correct(self, conn: AsyncConnection, case: Case, operator: Operator, text: str) -> str | None:
        """An operator edited a message in a case's topic: the person gets the corrected text, marked as
        a correction (what they already received stays as it was). A note for the topic if not delivered."""
        body = storable(text).strip()
        if not body:
            return None
        refused = await self._undeliverable(conn, case)
        if refused is not None:
            return refused
        marked = self._signed(operator, body, correction=True)
        await posting.to_person(conn, case, Outgoing(marked), self.clock.now())
        self.wake()
        return None

    async def _undeliverable(self, conn: AsyncConnection, case: Case) -> str | None:
        """Why an operator's message cannot reach the case's person (a note for the topic), or None."""
        if not case.open or case.recipient is None:
            return self.t.format(self.t.not_delivered_closed, case=case.id)
        account = await people.account_by_id(conn, case.account_id) if case.account_id else None
        if account is not None and account.unreachable:
            return self.t.not_delivered_blocked
        return None

    def _signed(self, operator: Operator, text: str, correction: bool = False) -> str:
        name = operator.name if self.section.show_operator_name else None
        return formatting.signed(self.t, name, text, correction)

    async def send_entry(self, conn: AsyncConnection, case: Case, operator: Operator, entry_id: str) -> str:
        base = self.knowledge.current.base
        entry = base.entries.get(entry_id)
        if entry is None:
            return self.t.format(self.t.answer_unknown, entry=entry_id)
        problem = await self.reply(conn, case, operator, entry.answer_text(case.segment))
        return problem or self.t.format(self.t.answer_sent, question=entry.question)

    async def send_template(self, conn: AsyncConnection, case: Case, operator: Operator, name: str) -> str:
        text = self.section.templates.get(name)
        if text is None:
            return self.t.format(self.t.template_unknown, name=name)
        problem = await self.reply(conn, case, operator, text)
        return problem or self.t.format(self.t.template_sent, name=name)

    async def person_unreachable(self, conn: AsyncConnection, account_id: int) -> None:
        """A message to the person bounced (they blocked the bot): tell the operators of their open case."""
        info = await people.account_by_id(conn, account_id)
        if info is None:
            return
        case = await cases.open_of_person(conn, info.person_id)
        if case is not None:
            await self.post_to_workspace(conn, self.t.not_delivered_blocked, case=case.id, now=self.clock.now())
            self.wake()

    # --- overviews ------------------------------------------------------------------------------------

    def supervisors(self) -> str:
        return formatting.supervisors(self.t, self.section.supervisor_ids)

    async def queue_text(self, conn: AsyncConnection) -> str:
        now = self.clock.now()
        return formatting.queue_text(self.t, await cases.open_cases(conn), now)

    async def stats_text(self, conn: AsyncConnection) -> str:
        now = self.clock.now()
        start = now.astimezone(self.schedule.zone).replace(hour=0, minute=0, second=0, microsecond=0)
        today = await cases.between(conn, start, start + timedelta(days=1))
        open_now = len(await cases.open_cases(conn))
        limit = timedelta(minutes=self.section.sla_minutes)
        return formatting.stats_text(self.t, self.schedule, limit, today, open_now, start, now)

    def waited(self, case: Case, now: datetime) -> timedelta:
        """Working time the person waited for the first answer (so far, if there is none yet)."""
        return sla.waited(self.schedule, case, now)

    def templates_message(self) -> Outgoing:
        return formatting.templates_message(self.t, self.section.templates)

    async def check_sla(self) -> int:
        """Remind operators of cases waiting longer than the SLA, alert supervisors at twice that."""
        return await sla.check_sla(self)
