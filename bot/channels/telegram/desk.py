"""The operators' workspace in a Telegram supergroup with topics: one topic per case.

Operators press «Взять / Передать / Закрыть» on a case's card and simply write in its topic; the bot
passes what they write to the person. Commands: /queue, /stats, /templates, /answer ID, /help, and the
editors' /kb_check, /reload, /unanswered. Only members of the configured group can act.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import CallbackQuery, Message, Update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.app import App
from bot.channels.telegram.files import passable_files
from bot.channels.telegram.inbound import CHANNEL, attachments
from bot.delivery import updates
from bot.delivery.outbox import Envelope
from bot.handoff import cases
from bot.handoff.cases import Case
from bot.handoff.formatting import captionable
from bot.handoff.service import HandoffService, Operator, Result

log = logging.getLogger(__name__)
MEMBER_STATUSES = {"creator", "administrator", "member"}
MEMBERSHIP_TTL = 300.0  # seconds a membership check is trusted
ADMIN_HINT_EVERY = 600.0

EDITOR_COMMANDS = ("kb_check", "reload", "unanswered")


class EditorRunner(Protocol):
    async def __call__(self, name: str, user_id: int, args: str, *, private: bool = False) -> str | None: ...


class TelegramDesk:
    def __init__(self, app: App, bot: Bot, service: HandoffService, chat_id: int) -> None:
        self.app = app
        self.bot = bot
        self.service = service
        self.chat_id = chat_id
        self.t = service.t
        self.editor_command: EditorRunner | None = None  # (command, user id, args) -> text, or None
        self._members: dict[int, tuple[bool, float]] = {}
        # when administrators were last told; None: never (time.monotonic() counts from the host's boot,
        # so comparing with 0 kept the hint back for the first 10 minutes after a reboot)
        self._hinted_at: float | None = None

    # --- setup ----------------------------------------------------------------------------------------

    async def check(self) -> list[str]:
        """What is wrong with the operators' group, in words an administrator can act on."""
        problems: list[str] = []
        try:
            chat = await self.bot.get_chat(self.chat_id)
        except Exception as exc:
            problems.append(
                f"The bot cannot see the operators' group {self.chat_id} ({exc}). Add the bot to the group and check "
                "handoff.chat_id (a supergroup id starts with -100)."
            )
            return self._report(problems)
        if not chat.is_forum:
            problems.append("The operators' group has no topics: open the group's settings and switch on «Темы».")
        try:
            me = await self.bot.get_me()
            member = await self.bot.get_chat_member(self.chat_id, me.id)
        except Exception as exc:
            problems.append(f"Could not check the bot's rights in the operators' group: {exc}")
            return self._report(problems)
        if member.status != "administrator":
            problems.append("The bot is not an administrator of the operators' group: make it one.")
        elif not getattr(member, "can_manage_topics", False):
            problems.append("The bot may not manage topics in the operators' group: give it the «Управление темами» "
                            "right.")
        return self._report(problems)

    def _report(self, problems: list[str]) -> list[str]:
        for problem in problems:
            log.error("Operators' desk: %s", problem)
        return problems

    # --- routing --------------------------------------------------------------------------------------

    def owns(self, update: Update) -> bool:
        """Updates from the operators' group, and presses on its buttons from anywhere (to refuse them)."""
        if update.message is not None:
            return update.message.chat.id == self.chat_id
        if update.edited_message is not None:
            return update.edited_message.chat.id == self.chat_id
        query = update.callback_query
        if query is not None:
            chat = query.message.chat if query.message is not None else None
            if chat is not None and chat.id == self.chat_id:
                return True
            data = query.data or ""
            return chat is not None and chat.type != "private" and data.startswith(("case:", "tpl:"))
        return False

    async def handle(self, update: Update) -> None:
        after: list[Callable[[], Awaitable[None]]] = []
        async with self.app.db.transaction() as conn:
            if not await updates.first_time(conn, CHANNEL, str(update.update_id), self.app.clock.now()):
                log.info("Update %s was already processed; ignored", update.update_id)
                return
            if update.message is not None:
                await self._message(conn, update.message, after)
            elif update.edited_message is not None:
                await self._edited(conn, update.edited_message)
            elif update.callback_query is not None:
                await self._press(conn, update.callback_query, after)
        for action in after:
            await action()

    # --- operators' messages ---------------------------------------------------------------------------

    async def _message(
        self, conn: AsyncConnection, message: Message, after: list[Callable[[], Awaitable[None]]]
    ) -> None:
        user = message.from_user
        if user is None or user.is_bot:
            return
        thread = message.message_thread_id if message.is_topic_message else None
        text = message.text if message.text is not None else (message.caption or "")
        if text.startswith("/"):
            await self._command(conn, message, text, thread, after)
            return
        kinds = attachments(message)
        if not text and not kinds:
            return  # a service message: topic created, closed, member joined…
        if thread is None:
            replied = message.reply_to_message
            if replied is not None and replied.from_user is not None and replied.from_user.is_bot:
                await self._say(conn, self.t.reply_in_topic)
            return
        case = await cases.by_thread(conn, str(self.chat_id), thread)
        if case is None:
            return  # a topic that is not a case: operators talking among themselves
        operator = Operator(str(user.id), user.first_name or "")
        copy_from = (
            {"chat": str(self.chat_id), "message": str(message.message_id), "captionable": captionable(kinds)}
            if kinds else None
        )
        files = passable_files(message) if kinds and case.channel != CHANNEL else ()
        note = await self.service.reply(conn, case, operator, text, kinds, copy_from, files)
        if note:
            await self._say(conn, note, thread)

    async def _edited(self, conn: AsyncConnection, message: Message) -> None:
        """An operator corrected a message in a case's topic: the correction goes to the person."""
        user = message.from_user
        thread = message.message_thread_id if message.is_topic_message else None
        text = message.text if message.text is not None else (message.caption or "")
        if user is None or user.is_bot or thread is None or not text.strip() or text.startswith("/"):
            return
        case = await cases.by_thread(conn, str(self.chat_id), thread)
        if case is None:
            return
        note = await self.service.correct(conn, case, Operator(str(user.id), user.first_name or ""), text)
        if note:
            await self._say(conn, note, thread)

    async def _command(
        self, conn: AsyncConnection, message: Message, text: str, thread: int | None,
        after: list[Callable[[], Awaitable[None]]],
    ) -> None:
        head, _, args = text.partition(" ")
        name = head[1:].split("@")[0].lower()
        user = message.from_user
        assert user is not None
        operator = Operator(str(user.id), user.first_name or "")
        if name == "queue":
            await self._say(conn, await self.service.queue_text(conn), thread)
        elif name == "stats":
            await self._say(conn, await self.service.stats_text(conn), thread)
        elif name == "templates":
            reply = self.service.templates_message()
            await self.service.post_to_workspace(
                conn, reply.text, buttons=reply.buttons, extra=_thread(thread), now=self.app.clock.now()
            )
            self.service.wake()
        elif name in ("answer", "t", "template"):
            case = await cases.by_thread(conn, str(self.chat_id), thread) if thread is not None else None
            if case is None:
                await self._say(conn, self.t.use_in_topic, thread)
            elif not args.strip():
                example = next(iter(self.app.knowledge.current.base.entries), "id")
                await self._say(conn, self.t.format(self.t.answer_usage, example=example), thread)
            elif name == "answer":
                await self._say(conn, await self.service.send_entry(conn, case, operator, args.strip()), thread)
            else:
                await self._say(conn, await self.service.send_template(conn, case, operator, args.strip()), thread)
        elif name in ("help", "start"):
            await self._say(conn, self.t.format(self.t.help, transfers=self.service.section.max_transfers), thread)
        elif self.editor_command is not None:
            async def run_editor() -> None:
                assert self.editor_command is not None
                reply = await self.editor_command(name, user.id, args)
                if reply:
                    async with self.app.db.transaction() as conn2:
                        await self._say(conn2, reply, thread)
            after.append(run_editor)

    async def _say(self, conn: AsyncConnection, text: str, thread: int | None = None) -> None:
        await self.service.post_to_workspace(conn, text, extra=_thread(thread), now=self.app.clock.now())
        self.service.wake()

    # --- buttons ---------------------------------------------------------------------------------------

    async def _press(
        self, conn: AsyncConnection, query: CallbackQuery, after: list[Callable[[], Awaitable[None]]]
    ) -> None:
        chat = query.message.chat if query.message is not None else None
        if chat is None or chat.id != self.chat_id or not await self._is_member(query.from_user.id):
            after.append(lambda: self._answer(query.id, Result(False, self.t.not_operator)))
            return
        data = query.data or ""
        operator = Operator(str(query.from_user.id), query.from_user.first_name or "")
        parts = data.split(":")
        result = Result(False, self.t.unknown_case)
        if len(parts) == 3 and parts[0] == "case" and parts[2].isdigit():
            action, case_id = parts[1], int(parts[2])
            case = await cases.get(conn, case_id)
            thread = query.message.message_thread_id if query.message is not None else None
            if case is None or case.workspace != str(self.chat_id) or (thread and case.thread_id != thread):
                result = Result(False, self.t.unknown_case)  # a forged or foreign button
            elif action == "take":
                result = await self.service.take(conn, case_id, operator)
            elif action == "transfer":
                result = await self.service.transfer(conn, case_id, operator)
            elif action == "close":
                result, closed = await self.service.close(conn, case_id, operator)
                if closed is not None:
                    after.append(lambda: self.service.finish_for_person(closed))
        elif len(parts) == 2 and parts[0] == "tpl":
            thread = query.message.message_thread_id if query.message is not None else None
            case = await cases.by_thread(conn, str(self.chat_id), thread) if thread else None
            if case is None:
                result = Result(False, self.t.use_in_topic)
            else:
                result = Result(True, await self.service.send_template(conn, case, operator, parts[1]))
        after.insert(0, lambda: self._answer(query.id, result))

    async def _answer(self, query_id: str, result: Result) -> None:
        with contextlib.suppress(TelegramAPIError, TimeoutError):
            await self.bot.answer_callback_query(query_id, text=result.text[:200], show_alert=not result.ok)

    async def _is_member(self, user_id: int) -> bool:
        cached = self._members.get(user_id)
        now = time.monotonic()
        if cached is not None and now - cached[1] < MEMBERSHIP_TTL:
            return cached[0]
        try:
            member = await self.bot.get_chat_member(self.chat_id, user_id)
        except TelegramAPIError as exc:
            log.warning("Could not check an operator's membership: %s", exc)
            return False
        allowed = member.status in MEMBER_STATUSES or bool(getattr(member, "is_member", False))
        self._members[user_id] = (allowed, now)
        return allowed

    # --- sending into topics (used by the Telegram transport) -------------------------------------------

    async def thread_for(self, envelope: Envelope) -> int | None:
        """The topic a workspace message goes to; a case's topic is created with its first message."""
        if "thread_id" in envelope.extra:
            return int(envelope.extra["thread_id"])
        case_id = envelope.extra.get("case")
        if case_id is None:
            return None
        async with self.app.db.read() as conn:
            case = await cases.get(conn, int(case_id))
        if case is None:
            return None
        if case.thread_id is not None:
            return case.thread_id
        return await self._create_topic(case)

    async def _create_topic(self, case: Case) -> int:
        try:
            topic = await self.bot.create_forum_topic(self.chat_id, name=self.service.topic_title(case))
        except TelegramBadRequest as exc:
            log.error("Operators' desk: could not create a topic for case %s (%s). Make the bot an administrator "
                      "with the «Управление темами» right and switch on topics in the group.", case.id, exc)
            await self._hint_admins(str(exc))
            raise
        async with self.app.db.transaction() as conn:
            await cases.set_thread(conn, case.id, topic.message_thread_id)
        return topic.message_thread_id

    async def _hint_admins(self, error: str) -> None:
        now = time.monotonic()
        if self._hinted_at is not None and now - self._hinted_at < ADMIN_HINT_EVERY:
            return
        self._hinted_at = now
        text = ("⚠️ Не могу создать тему для нового обращения: сделайте бота администратором группы с правом "
                f"«Управление темами» и включите темы. Ошибка Telegram: {error}")
        with contextlib.suppress(TelegramAPIError, TimeoutError):
            await self.bot.send_message(self.chat_id, text)

    async def after_send(self, envelope: Envelope, thread: int | None) -> None:
        """Close (and rename) a case's topic after its closing message went out."""
        if not envelope.extra.get("close_topic") or thread is None:
            return
        with contextlib.suppress(TelegramAPIError, TimeoutError):
            name = envelope.extra.get("topic_name")
            if name:
                await self.bot.edit_forum_topic(self.chat_id, thread, name=str(name)[:128])
            await self.bot.close_forum_topic(self.chat_id, thread)


def _thread(thread: int | None) -> dict[str, Any]:
    return {"thread_id": thread} if thread is not None else {}


def editor_commands(app: App) -> EditorRunner:
    """The editors' commands for the operators' group; only editors listed in the config may run them."""
    from bot.editors.commands import EditorCommands
    from bot.editors.reload import Reloader

    reloader = app.extras.get("reloader")
    commands = EditorCommands.for_app(app, reloader if isinstance(reloader, Reloader) else None)

    async def run(name: str, user_id: int, args: str, *, private: bool = False) -> str | None:
        if name not in EDITOR_COMMANDS:
            return None
        if not commands.is_editor(user_id):
            if private:
                return None  # for everybody else it is just an unknown command
            return "Эта команда — для редакторов базы знаний (их список задаёт администратор в [editors])."
        if name == "kb_check":
            return await commands.kb_check()
        if name == "reload":
            return await commands.reload()
        return await commands.unanswered()

    return run
