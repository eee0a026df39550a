"""The operators' desk, platform-free: cases opened from the dialogue, operators' actions, SLA checks.

Messages for the operators' workspace and for the person are written to the outbox in the same
transaction as the case change; the channels' senders deliver them (the workspace's topic for a case
is found or created when its first message is sent).
"""

from __future__ import annotations

import asyncio
import logging
import statistics
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.clock import Clock
from bot.config import HandoffSection
from bot.delivery import outbox
from bot.dialogue.effects import TOPIC_KEY
from bot.dialogue.logic import CASE_KEY, case_closed
from bot.dialogue.markup import literal, split_message
from bot.dialogue.messages import Attachment, Button, Incoming, Outgoing, UserRef, storable
from bot.dialogue.state import Conversation, Step
from bot.handoff import cases
from bot.handoff.cases import Case
from bot.handoff.files import FileRef
from bot.handoff.hours import Schedule, format_wait
from bot.handoff.texts import HandoffTexts
from bot.kb.live import LiveKnowledge
from bot.people import repository as people
from bot.people.repository import AccountInfo
from bot.storage import Database

log = logging.getLogger(__name__)

KIND = "operator"
NOTICE_KEY = "case_notice"  # conv.extra: when the person was last told their message was passed on
NOTICE_EVERY = timedelta(minutes=10)
HISTORY = 5
TEXT_LIMITS = {"telegram": 4096, "vk": 4000, "max": 4000}
ACTION_PREFIX = "case"


@dataclass(frozen=True, slots=True)
class Operator:
    id: str
    name: str

    @property
    def mention(self) -> str:
        return self.name or "сотрудник"


@dataclass(frozen=True, slots=True)
class Workspace:
    """Where operators work: a channel and a chat in it (a Telegram supergroup with topics)."""

    channel: str
    chat: str


@dataclass(frozen=True, slots=True)
class Result:
    """What an operator's action did: a short text for the operator (a button's pop-up)."""

    ok: bool
    text: str


Runner = Callable[[UserRef, Callable[..., Any]], Awaitable[Any]]


class HandoffService:
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
        extra = dict(extra or {})
        if case is not None:
            extra["case"] = case
        message = Outgoing(text, buttons)
        parts = split_message(message, TEXT_LIMITS.get(self.workspace.channel, 4000))
        rows = [
            r
            for part in parts
            for r in outbox.rows_for(self.workspace.channel, self.workspace.chat, [part], now, kind=KIND, extra=extra)
        ]
        await outbox.insert_rows(conn, rows)

    async def _to_person(
        self, conn: AsyncConnection, case: Case, message: Outgoing, now: datetime, extra: dict[str, Any] | None = None
    ) -> bool:
        if case.recipient is None:
            return False
        parts = split_message(message, TEXT_LIMITS.get(case.channel, 4000))
        # files (and what to copy) go with the last part only: each part is a message of its own
        rows = outbox.rows_for(case.channel, case.recipient, parts[:-1], now, account_id=case.account_id, kind=KIND)
        rows += outbox.rows_for(case.channel, case.recipient, parts[-1:], now, account_id=case.account_id,
                                kind=KIND, extra=extra)
        await outbox.insert_rows(conn, rows)
        return True

    def _topic_title(self, entry_id: str | None) -> str | None:
        if entry_id is None:
            return None
        base = self.knowledge.current.base
        entry = base.entries.get(entry_id)
        if entry is None:
            return None
        topic = base.topic(entry.topic_id)
        return topic.title if topic is not None else None

    def _history(self, conv: Conversation) -> str:
        base = self.knowledge.current.base
        lines = []
        for thread in conv.log[-HISTORY:]:
            entry = base.entries.get(thread.entry) if thread.entry else None
            answer = f"«{entry.question}» ({entry.id})" if entry else self.t.history_no_answer
            helped = {"yes": self.t.helped_yes, "no": self.t.helped_no}.get(thread.helped or "", "")
            lines.append(self.t.format(self.t.history_line, query=literal(_quote(thread.query)), answer=answer,
                                       helped=helped))
        return "\n".join(lines) or self.t.card_no_history

    def card_buttons(self, case_id: int) -> tuple[tuple[Button, ...], ...]:
        return (
            (
                Button(self.t.take, f"{ACTION_PREFIX}:take:{case_id}"),
                Button(self.t.transfer, f"{ACTION_PREFIX}:transfer:{case_id}"),
                Button(self.t.close, f"{ACTION_PREFIX}:close:{case_id}"),
            ),
        )

    def topic_title(self, case: Case) -> str:
        title = self.t.format(
            self.t.topic_title, case=case.id, segment=self.t.segment(case.segment),
            topic=case.topic or self.t.topic_unknown,
        )
        return title[:120]

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
        topic = str(named)[:120] if named else self._topic_title(answered[-1] if answered else None)
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
        card = self.t.format(
            self.t.card,
            case=case.id,
            channel=_channel_mark(case.channel),
            segment=self.t.segment(case.segment),
            opened=_local(now, self.schedule),
            reason=self.t.reason(reason),
            history=self._history(conv),
        )
        await self.post_to_workspace(conn, card, case=case.id, buttons=self.card_buttons(case.id), now=now)
        notice = self.t.format(
            self.t.new_case, case=case.id, segment=self.t.segment(case.segment), topic=topic or self.t.topic_unknown,
            channel=_channel_mark(case.channel), queue=ahead + 1,
        )
        await self.post_to_workspace(conn, notice, now=now)
        self.wake()
        log.info("Case %s opened (%s, %s)", case.id, case.channel, reason)
        hours = self.schedule.describe()
        if self.schedule.is_open(now):
            text = self.t.format(self.t.accepted, case=case.id, ahead=ahead, hours=hours)
        else:
            next_open = self.schedule.next_open(now)
            when = _local(next_open, self.schedule) if next_open else "в ближайший рабочий день"
            text = self.t.format(self.t.accepted_off_hours, case=case.id, hours=hours, next_open=when)
        return [self._solved_message(conv, text)]

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
        text = literal((message.text or "").strip())  # the person's words, never markup
        extra: dict[str, Any] = {}
        if message.attachments:
            kinds = ", ".join(_attachment_name(a) for a in message.attachments)
            body = self.t.format(self.t.person_file, kinds=kinds, text=text).rstrip()
            if message.file_links:  # a platform the operators' one cannot copy from: the files' links
                body += "\n" + "\n".join(literal(link) for link in message.file_links)
            if account.channel == self.workspace.channel and message.message_id:
                extra["copy_from"] = {
                    "chat": account.external_id,
                    "message": message.message_id,
                    "captionable": captionable(message.attachments),
                }
        else:
            body = self.t.format(self.t.person_wrote, text=text)
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
        await self._to_person(conn, case, Outgoing(notice), now)
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
        await self._to_person(conn, case, Outgoing(self.t.format(self.t.transferred_person, case=case.id)), now)
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
            extra["files_lost"] = self.t.format(self.t.file_lost, files=", ".join(_file_label(f) for f in files))
        body = text.strip()
        not_copied = bool(attachments) and not extra  # files this channel cannot take
        if body or extra:
            signed = self._signed(operator, body) if body else ""
            await self._to_person(conn, case, Outgoing(signed), now, extra)
            self.wake()
        if not_copied:
            return self.t.format(self.t.file_not_relayed, channel=_channel_mark(case.channel))
        return None

    async def files_not_passed(self, case_id: int, channel: str, files: Sequence[FileRef]) -> None:
        """The person's channel sent an operator's text without its files: the case's topic is told."""
        names = ", ".join(_file_label(f) for f in files)
        text = self.t.format(self.t.files_not_passed, files=names, channel=_channel_mark(channel))
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
        await self._to_person(conn, case, Outgoing(marked), self.clock.now())
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
        named, anonymous = (
            (self.t.operator_corrects, self.t.operator_corrects_anonymous) if correction
            else (self.t.operator_says, self.t.operator_says_anonymous)
        )
        if self.section.show_operator_name and operator.name:
            return self.t.format(named, operator=operator.name, text=text)
        return self.t.format(anonymous, text=text)

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
        ids = self.section.supervisor_ids
        if not ids:
            return self.t.supervisors_none
        return ", ".join(f"[руководитель](tg://user?id={i})" for i in ids)

    async def queue_text(self, conn: AsyncConnection) -> str:
        now = self.clock.now()
        open_cases = await cases.open_cases(conn)
        if not open_cases:
            return self.t.queue_empty
        lines = [self.t.queue_head]
        for case in open_cases:
            status = (
                self.t.status_new if case.status == cases.NEW
                else self.t.format(self.t.status_taken, operator=case.operator_name or "сотрудника")
            )
            lines.append(self.t.format(
                self.t.queue_line, case=case.id, status=status, waited=format_wait(now - case.opened_at),
                segment=self.t.segment(case.segment), topic=case.topic or self.t.topic_unknown,
            ))
        return "\n".join(lines)

    async def stats_text(self, conn: AsyncConnection) -> str:
        now = self.clock.now()
        local = now.astimezone(self.schedule.zone)
        start = local.replace(hour=0, minute=0, second=0, microsecond=0)
        today = await cases.between(conn, start, start + timedelta(days=1))
        opened = [c for c in today if c.opened_at >= start]
        closed = [c for c in today if c.closed_at is not None and c.closed_at >= start]
        firsts = [
            self.schedule.working_time(c.opened_at, c.first_response_at) for c in opened if c.first_response_at
        ]
        median = format_wait(statistics.median(firsts)) if firsts else self.t.no_data
        sla = timedelta(minutes=self.section.sla_minutes)
        breaches = sum(1 for c in opened if self.waited(c, now) > sla)
        open_now = len(await cases.open_cases(conn))
        return self.t.format(
            self.t.stats, day=f"{local:%d.%m.%Y}", new=len(opened), closed=len(closed), open=open_now,
            median=median, sla=format_wait(sla), breaches=breaches,
        )

    def waited(self, case: Case, now: datetime) -> timedelta:
        """Working time the person waited for the first answer (so far, if there is none yet)."""
        return self.schedule.working_time(case.opened_at, case.first_response_at or now)

    def templates_message(self) -> Outgoing:
        templates = self.section.templates
        if not templates:
            return Outgoing(self.t.templates_none)
        lines = [self.t.templates_head] + [f"• **{name}**: {_quote(text, 120)}" for name, text in templates.items()]
        buttons = tuple((Button(name, f"tpl:{name}"),) for name in templates if len(f"tpl:{name}".encode()) <= 64)
        return Outgoing("\n".join(lines), buttons)

    # --- SLA ------------------------------------------------------------------------------------------

    async def check_sla(self) -> int:
        """Remind operators of cases waiting longer than the SLA, alert supervisors at twice that."""
        now = self.clock.now()
        sla = timedelta(minutes=self.section.sla_minutes)
        sent = 0
        async with self.db.transaction() as conn:
            for case in await cases.open_cases(conn):
                if case.first_response_at is not None:
                    continue
                waited = self.waited(case, now)
                # claimed by a conditional update first: with several instances, one of them posts
                if waited >= 2 * sla and case.escalated_at is None:
                    if not await cases.mark_once(conn, case.id, "escalated_at", escalated_at=now,
                                                 reminded_at=case.reminded_at or now):
                        continue
                    text = self.t.format(self.t.sla_escalation, supervisors=self.supervisors(), case=case.id,
                                         waited=format_wait(waited))
                    await self.post_to_workspace(conn, text, case=case.id, now=now)
                    await self.post_to_workspace(conn, text, now=now)
                    sent += 1
                elif waited >= sla and case.reminded_at is None:
                    if not await cases.mark_once(conn, case.id, "reminded_at", reminded_at=now):
                        continue
                    text = self.t.format(self.t.sla_reminder, case=case.id, waited=format_wait(waited),
                                         sla=format_wait(sla))
                    await self.post_to_workspace(conn, text, case=case.id, now=now)
                    sent += 1
        if sent:
            self.wake()
        return sent


def _quote(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _local(moment: datetime, schedule: Schedule) -> str:
    return f"{moment.astimezone(schedule.zone):%d.%m %H:%M}"


def _channel_mark(channel: str) -> str:
    return {"telegram": "Telegram", "vk": "VK", "max": "MAX"}.get(channel, channel)


def _attachment_name(kind: Attachment) -> str:
    return {
        Attachment.PHOTO: "фото", Attachment.DOCUMENT: "документ", Attachment.VOICE: "голосовое",
        Attachment.VIDEO: "видео", Attachment.AUDIO: "аудио", Attachment.STICKER: "стикер",
        Attachment.LOCATION: "место", Attachment.CONTACT: "контакт",
    }.get(kind, "вложение")


def _file_label(ref: FileRef) -> str:
    return f"«{literal(ref.name)}»" if ref.name else _attachment_name(ref.kind)


_CAPTIONABLE = {Attachment.PHOTO, Attachment.DOCUMENT, Attachment.VIDEO, Attachment.AUDIO, Attachment.VOICE}


def captionable(kinds: Sequence[Attachment]) -> bool:
    """Telegram keeps a caption on these when copying; other kinds get the text as a message before."""
    return bool(kinds) and all(kind in _CAPTIONABLE for kind in kinds)
