"""Sending outbox envelopes with messages.send (operators' files uploaded first), mapping VK's error
codes to what the sender does."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace

import aiohttp
from vkbottle import API, VKAPIError

from bot.channels.vk.api import VKUnavailable
from bot.channels.vk.files import Retry, upload_all
from bot.channels.vk.inbound import CHANNEL
from bot.channels.vk.render import random_id, render
from bot.channels.vk.store import ClientRegistry
from bot.delivery.outbox import Envelope
from bot.delivery.sender import SendResult, Status
from bot.handoff.files import FileRef, FileSource

log = logging.getLogger(__name__)

TOO_MANY_REQUESTS = 6  # more than ~20 requests a second with a community token
FLOOD_CONTROL = 9  # too many messages (or the same message) in a short time
RETRY_AFTER_TOO_MANY = 1.0
# the person cannot get messages from the community: denied them, blacklisted it, closed messages,
# or the page is deleted
BLOCKED_CODES = frozenset({18, 900, 901, 902})
TRANSIENT_CODES = frozenset({1, 10, FLOOD_CONTROL})


def classify(code: int, message: str = "") -> SendResult:
    """What to do after VK refused a message with ``code``."""
    error = f"VK error {code}: {message}"[:300]
    if code == TOO_MANY_REQUESTS:
        return SendResult(Status.RETRY_AFTER, RETRY_AFTER_TOO_MANY, error)
    if code in TRANSIENT_CODES:
        return SendResult(Status.TRANSIENT, error=error)
    if code in BLOCKED_CODES:
        return SendResult(Status.BLOCKED, error=error)
    return SendResult(Status.FAILED, error=error)


class VKTransport:
    channel = CHANNEL

    def __init__(
        self, api: API, clients: ClientRegistry, random_key: bytes, files: Mapping[str, FileSource] | None = None
    ) -> None:
        self.api = api
        self.clients = clients
        self.random_key = random_key
        self.files = files if files is not None else {}  # other channels' file sources, by channel
        # told when a message went without some of its files (the operators' desk says so in the case)
        self.on_files_lost: Callable[[Envelope, list[FileRef]], Awaitable[None]] | None = None

    async def send(self, envelope: Envelope) -> SendResult:
        try:
            caps = await self.clients.get(envelope.recipient)
            outgoing, attached, lost = envelope.message, [], []
            if envelope.extra.get("files"):
                attached, lost = await upload_all(
                    self.api, self.files, envelope.extra, int(envelope.recipient), envelope.attempts
                )
                if lost:  # the text still goes, with a word that a file was meant to come with it
                    note = str(envelope.extra.get("files_lost", ""))
                    outgoing = replace(outgoing, text=f"{outgoing.text}\n\n{note}".strip())
            message = render(outgoing, caps)
            parts = ("",) if attached and not outgoing.text.strip() else message.parts
            last = len(parts) - 1
            for index, part in enumerate(parts):
                params: dict[str, object] = {
                    "peer_id": int(envelope.recipient),
                    # the same on every retry: VK delivers a repeated request once
                    "random_id": random_id(self.random_key, envelope.id, index),
                    "message": part,
                    "dont_parse_links": 1,
                    "disable_mentions": 1,
                }
                if index == last and message.keyboard is not None:
                    params["keyboard"] = message.keyboard
                if index == last and attached:
                    params["attachment"] = ",".join(attached)
                await self.api.request("messages.send", params)
        except VKAPIError as exc:
            result = classify(exc.code, getattr(exc, "error_msg", ""))
            if result.status == Status.FAILED:
                log.warning("VK refused message %s with error %s", envelope.id, exc.code)
            return result
        except Retry as exc:
            return SendResult(Status.TRANSIENT, error=f"file: {exc}"[:300])
        except (TimeoutError, aiohttp.ClientError, VKUnavailable) as exc:
            return SendResult(Status.TRANSIENT, error=f"{type(exc).__name__}: {exc}"[:300])
        if lost and self.on_files_lost is not None:
            try:
                await self.on_files_lost(envelope, lost)
            except Exception:  # the message itself was sent; a failed notice must not make it look otherwise
                log.exception("Could not tell the operators that message %s went without its files", envelope.id)
        return SendResult(Status.SENT)
