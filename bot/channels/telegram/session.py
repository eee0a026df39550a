"""aiogram's HTTP session, tuned for a busy bot: orjson, cached response types, and updates already in
hand dropped from a ``getUpdates`` answer before aiogram parses them.

Telegram re-sends every update at or above the offset, and the poller keeps the offset below updates
still being handled (so nothing is acknowledged early); without the filter each poll would parse those
again.
"""

from __future__ import annotations

from typing import Any

import orjson
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import PRODUCTION, TelegramAPIServer
from aiogram.methods import (
    AnswerCallbackQuery,
    CloseForumTopic,
    CopyMessage,
    CreateForumTopic,
    DeleteWebhook,
    EditForumTopic,
    GetChat,
    GetChatMember,
    GetMe,
    GetUpdates,
    Response,
    SendChatAction,
    SendMessage,
    SetMyCommands,
    SetWebhook,
)

# pydantic keeps parametrised generics only while something refers to them: without these references
# ``Response[Message]`` and the like are rebuilt (schema and all) for many requests.
_RESPONSE_TYPES = [
    Response[method.__returning__]  # type: ignore[name-defined]
    for method in (
        AnswerCallbackQuery, CloseForumTopic, CopyMessage, CreateForumTopic, DeleteWebhook, EditForumTopic,
        GetChat, GetChatMember, GetMe, GetUpdates, SendChatAction, SendMessage, SetMyCommands, SetWebhook,
    )
] + [Response[dict]]  # sendMessage without the echo (see transport.SendMessageNoEcho)


class UpdateFilter:
    """Update ids up to ``seen`` are already in the poller's hands."""

    def __init__(self) -> None:
        self.seen = 0

    def loads(self, content: str | bytes) -> Any:
        data = orjson.loads(content)
        result = data.get("result") if isinstance(data, dict) else None
        is_updates = isinstance(result, list) and result and isinstance(result[0], dict) and "update_id" in result[0]
        if self.seen and is_updates:
            data["result"] = [u for u in result if int(u.get("update_id", 0)) > self.seen]
        return data


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def make_session(api_server: str, timeout: float, updates: UpdateFilter) -> AiohttpSession:
    api: TelegramAPIServer = TelegramAPIServer.from_base(api_server) if api_server else PRODUCTION
    return AiohttpSession(api=api, json_loads=updates.loads, json_dumps=_dumps, timeout=timeout)
