"""Sending outbox envelopes with POST /messages (operators' files uploaded first), mapping MAX's answers
to what the sender does."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from typing import Any

from bot.channels.max.api import MaxAPI, MaxError, MaxUnavailable
from bot.channels.max.files import Retry, upload_all
from bot.channels.max.inbound import CHANNEL
from bot.channels.max.render import render
from bot.delivery.outbox import Envelope
from bot.delivery.sender import SendResult, Status
from bot.handoff.files import FileRef, FileSource

log = logging.getLogger(__name__)

NOT_READY = "attachment.not.ready"  # an upload is still being processed: the message waits a moment
NOT_READY_WAITS = (0.5, 1.0, 2.0)


def classify(error: MaxError) -> SendResult:
    """What to do after MAX refused a message."""
    text = str(error)
    if error.status == 429:
        return SendResult(Status.RETRY_AFTER, error.retry_after, text)
    if error.status >= 500 or error.code == NOT_READY:
        return SendResult(Status.TRANSIENT, error=text)
    if error.status == 403 or (error.status == 404 and _about_the_person(error)):
        return SendResult(Status.BLOCKED, error=text)  # the person stopped the bot, blocked it, or is gone
    return SendResult(Status.FAILED, error=text)


def _about_the_person(error: MaxError) -> bool:
    """A 404 that says the chat or user is gone (not a wrong address, which must not mark anyone)."""
    words = f"{error.code} {error.message}".lower()
    return any(word in words for word in ("chat", "user", "dialog"))


class MaxTransport:
    channel = CHANNEL

    def __init__(self, api: MaxAPI, files: Mapping[str, FileSource] | None = None) -> None:
        self.api = api
        self.files = files if files is not None else {}  # other channels' file sources, by channel
        # told when a message went without some of its files (the operators' desk says so in the case)
        self.on_files_lost: Callable[[Envelope, list[FileRef]], Awaitable[None]] | None = None

    async def send(self, envelope: Envelope) -> SendResult:
        lost: list[FileRef] = []
        try:
            user_id = int(envelope.recipient)
        except ValueError:
            return SendResult(Status.FAILED, error=f"not a MAX user id: {envelope.recipient!r}"[:300])
        try:
            outgoing, attached = envelope.message, []
            if envelope.extra.get("files"):
                attached, lost = await upload_all(self.api, self.files, envelope.extra, envelope.attempts)
                if lost:  # the text still goes, with a word that a file was meant to come with it
                    note = str(envelope.extra.get("files_lost", ""))
                    outgoing = replace(outgoing, text=f"{outgoing.text}\n\n{note}".strip())
            message = render(outgoing, attached)
            for body, plain in zip(message.bodies, message.plain, strict=True):
                await self._send(user_id, body, plain)
        except MaxError as exc:
            result = classify(exc)
            if result.status == Status.FAILED:
                log.warning("MAX refused message %s: %s %s", envelope.id, exc.status, exc.code)
            return result
        except Retry as exc:
            return SendResult(Status.TRANSIENT, error=f"file: {exc}"[:300])
        except MaxUnavailable as exc:
            return SendResult(Status.TRANSIENT, error=str(exc)[:300])
        if lost and self.on_files_lost is not None:
            try:
                await self.on_files_lost(envelope, lost)
            except Exception:  # the message itself was sent; a failed notice must not make it look otherwise
                log.exception("Could not tell the operators that message %s went without its files", envelope.id)
        return SendResult(Status.SENT)

    async def _send(self, user_id: int, body: dict[str, Any], plain: str) -> None:
        waits = list(NOT_READY_WAITS)
        while True:
            try:
                await self.api.send(user_id, body)
                return
            except MaxError as exc:
                if exc.code == NOT_READY and waits:
                    await asyncio.sleep(waits.pop(0))
                    continue
                if exc.status == 400 and body.get("format") == "html":
                    # should never happen (every text is escaped), but a reply must not be lost over markup
                    log.warning("MAX refused the HTML of a message (%s); sending it as plain text", exc.code)
                    body = {**{k: v for k, v in body.items() if k != "format"}, "text": plain}
                    continue
                raise

