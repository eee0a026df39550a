"""The Telegram adapter: an update is processed by the core and its replies stored, and only then
acknowledged (by the next getUpdates offset, or by the webhook's HTTP answer); then the replies are sent."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Coroutine, Sequence
from typing import Any

from aiogram import Bot
from aiogram.enums import ChatAction
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats, Update

from bot.app import App
from bot.channels.background import Background
from bot.channels.telegram.desk import EDITOR_COMMANDS, EditorRunner, TelegramDesk
from bot.channels.telegram.inbound import CHANNEL, Inbound, to_inbound
from bot.channels.telegram.render import MAX_TEXT
from bot.delivery import outbox, updates
from bot.delivery.outbox import Envelope
from bot.delivery.sender import Sender
from bot.dialogue.markup import split_message
from bot.dialogue.messages import Outgoing, UserRef
from bot.people import repository as people

log = logging.getLogger(__name__)

TYPING_AFTER = 1.0  # seconds of work before "typing…" is shown (Telegram shows it for 5 s)
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]

COMMANDS = [
    BotCommand(command="start", description="Начать сначала"),
    BotCommand(command="menu", description="Темы и вопросы"),
    BotCommand(command="operator", description="Позвать сотрудника"),
    BotCommand(command="profile", description="Гражданин или предприниматель"),
    BotCommand(command="settings", description="Уведомления и подписки"),
    BotCommand(command="reminders", description="Мои напоминания"),
    BotCommand(command="stop", description="Отключить все уведомления"),
    BotCommand(command="link", description="Связать чаты в Telegram, VK и MAX"),
    BotCommand(command="help", description="Как пользоваться ботом"),
    BotCommand(command="forget", description="Удалить мои данные"),
]


class TelegramChannel:
    def __init__(self, app: App, bot: Bot, sender: Sender) -> None:
        self.app = app
        self.bot = bot
        self.sender = sender
        self.desk: TelegramDesk | None = None  # the operators' workspace, when configured
        self.editor_command: EditorRunner | None = None  # /kb_check, /reload, /unanswered for editors
        self._background = Background()

    async def setup(self, set_commands: bool = True) -> str:
        """Check the token and publish the command menu; returns the bot's @username."""
        me = await self.bot.get_me()
        if set_commands:
            try:
                await self.bot.set_my_commands(COMMANDS, scope=BotCommandScopeAllPrivateChats())
            except TelegramAPIError as exc:
                log.warning("Could not set the command menu: %s", exc)
        return me.username or str(me.id)

    async def handle_batch(self, updates: Sequence[Update]) -> None:
        """Handle a batch: chats concurrently, each chat's updates in order. Raises if any failed."""
        by_chat: dict[str, list[Update]] = defaultdict(list)
        for update in updates:
            by_chat[chat_key(update)].append(update)
        results = await asyncio.gather(*(self._handle_in_order(group) for group in by_chat.values()),
                                       return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            raise errors[0]

    async def _handle_in_order(self, updates: list[Update]) -> None:
        for update in updates:
            await self.handle(update)

    async def handle(self, update: Update) -> None:
        """Process one update completely: state stored, replies stored and sent (or queued)."""
        await self.deliver(await self.store(update))

    async def store(self, update: Update) -> list[Envelope]:
        """Process an update up to its stored effects; returns its stored replies, not yet sent."""
        if self.desk is not None and self.desk.owns(update):
            await self.desk.handle(update)
            return []
        if update.my_chat_member is not None:
            await self._membership(update)
            return []
        inbound = to_inbound(update)
        if inbound is None:
            return []
        command = _editor_command(inbound.message.text) if self.editor_command is not None else None
        if command is not None:
            replies = await self._editor(update, inbound, command)
            if replies is not None:
                return replies
        if inbound.callback_id is not None:
            self._spawn(self._answer_callback(inbound.callback_id))
        typing = asyncio.get_running_loop().call_later(
            TYPING_AFTER, lambda: self._spawn(self._typing(inbound.chat_id))
        )
        try:
            handled = await self.app.dialogue.process(
                inbound.message, update_key=str(update.update_id), durable=True, split_at=MAX_TEXT
            )
        finally:
            typing.cancel()
        if handled.duplicate:
            log.info("Update %s was already processed; ignored", update.update_id)
            return []
        return handled.envelopes

    async def deliver(self, envelopes: list[Envelope]) -> None:
        """Send stored replies (what cannot be sent now stays in the outbox)."""
        if envelopes:
            await self.sender.deliver(envelopes)

    def deliver_soon(self, envelopes: list[Envelope]) -> None:
        """Send stored replies in the background (finished before the channel stops)."""
        if envelopes:
            self._spawn(self.deliver(envelopes))

    async def _editor(self, update: Update, inbound: Inbound, command: tuple[str, str]) -> list[Envelope] | None:
        """An editor's command in a private chat: answered here (None: not an editor, the dialogue answers)."""
        assert self.editor_command is not None
        name, args = command
        reply = await self.editor_command(name, int(inbound.message.user.user_id), args, private=True)
        if reply is None:
            return None
        now = self.app.clock.now()
        parts = split_message(Outgoing(reply), MAX_TEXT)
        rows = outbox.rows_for(CHANNEL, str(inbound.chat_id), parts, now, claimed_by=self.app.dialogue.instance)
        async with self.app.db.transaction() as conn:
            if not await updates.first_time(conn, CHANNEL, str(update.update_id), now):
                return []  # this update was handled before
            ids = await outbox.insert_rows(conn, rows)
        return outbox.envelopes(ids, rows)

    async def _membership(self, update: Update) -> None:
        member = update.my_chat_member
        assert member is not None
        if member.chat.type != "private":
            return
        user = UserRef(CHANNEL, str(member.chat.id))
        if member.new_chat_member.status == "kicked":
            async with self.app.db.transaction() as conn:
                await people.mark_unreachable(conn, user, self.app.clock.now())
                account = await people.find_account(conn, user)
                if self.app.handoff is not None and account is not None:
                    await self.app.handoff.person_unreachable(conn, account.account_id)
            self.app.dialogue.forget_cached(user)
            log.info("A person blocked the bot; marked unreachable")

    async def on_blocked(self, envelope: Envelope) -> None:
        user = UserRef(CHANNEL, envelope.recipient)
        async with self.app.db.transaction() as conn:
            await people.mark_unreachable(conn, user, self.app.clock.now())
            if self.app.handoff is not None and envelope.account_id is not None:
                await self.app.handoff.person_unreachable(conn, envelope.account_id)
        self.app.dialogue.forget_cached(user)

    async def _answer_callback(self, callback_id: str) -> None:
        with contextlib.suppress(TelegramAPIError, asyncio.TimeoutError):
            await self.bot.answer_callback_query(callback_id)

    async def _typing(self, chat_id: int) -> None:
        with contextlib.suppress(TelegramAPIError, asyncio.TimeoutError):
            await self.bot.send_chat_action(chat_id, ChatAction.TYPING)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        self._background.spawn(coro)

    async def drain(self) -> None:
        """Wait for callback answers and typing notices still on their way."""
        await self._background.drain()


def chat_key(update: Update) -> str:
    """The chat an update belongs to (its updates are handled in order)."""
    for part in (update.message, update.edited_message):
        if part is not None:
            return str(part.chat.id)
    if update.callback_query is not None and update.callback_query.from_user is not None:
        return str(update.callback_query.from_user.id)
    if update.my_chat_member is not None:
        return str(update.my_chat_member.chat.id)
    return f"update:{update.update_id}"


def _editor_command(text: str | None) -> tuple[str, str] | None:
    """("reload", args) for an editors' command, else None."""
    if not text or not text.startswith("/"):
        return None
    head, _, args = text.partition(" ")
    name = head[1:].split("@")[0].lower()
    return (name, args) if name in EDITOR_COMMANDS else None
