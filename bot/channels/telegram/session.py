"""aiogram's HTTP session, tuned for a busy bot: requests as one JSON body (orjson), plain results
taken without building response models, cached response types, and updates already in hand dropped
from a ``getUpdates`` answer before aiogram parses them.

aiogram's stock session sends every request as a form whose fields are percent-quoted byte by byte
(nested objects such as keyboards JSON-encoded first); for Russian texts that was the largest single
cost of a reply. The Bot API takes ``application/json`` bodies just the same; requests that upload a
file still go as aiogram builds them.

Telegram re-sends every update at or above the offset, and the poller keeps the offset below updates
still being handled (so nothing is acknowledged early); without the filter each poll would parse those
again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import orjson
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import PRODUCTION, TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
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
    TelegramMethod,
)
from aiohttp import ClientError, ClientTimeout

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.methods.base import TelegramType

# pydantic keeps parametrised generics only while something refers to them: without these references
# ``Response[Message]`` and the like are rebuilt (schema and all) for many requests.
_RESPONSE_TYPES = [
    Response[method.__returning__]  # type: ignore[name-defined]
    for method in (
        AnswerCallbackQuery, CloseForumTopic, CopyMessage, CreateForumTopic, DeleteWebhook, EditForumTopic,
        GetChat, GetChatMember, GetMe, GetUpdates, SendChatAction, SendMessage, SetMyCommands, SetWebhook,
    )
] + [Response[dict]]  # sendMessage without the echo (see transport.SendReply)


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


_JSON_HEADERS = {"Content-Type": "application/json"}
_PLAIN_RESULTS = (bool, dict)  # results used as they come: no model to build


class JsonSession(AiohttpSession):
    """An aiogram session that sends requests without files as a JSON body."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._timeouts: dict[float, ClientTimeout] = {}

    def json_body(self, bot: Bot, method: TelegramMethod[Any]) -> bytes | None:
        """The request as JSON, or None when it carries a file to upload."""
        files: dict[str, Any] = {}
        body: dict[str, Any] = {}
        # the fields as they are (methods have no aliases): nested objects, defaults and files are
        # turned into JSON values by aiogram's own prepare_value, without serialising the model first
        fields = method.__dict__ if not method.__pydantic_extra__ else {**method.__dict__, **method.__pydantic_extra__}
        for key, value in fields.items():
            value = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if value is None or value is False or value == "":
                continue  # left out, as aiogram's form leaves out empty fields
            body[key] = value
        return None if files else orjson.dumps(body)

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        body = self.json_body(bot, method)
        if body is None:
            return await super().make_request(bot, method, timeout)
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        seconds = float(self.timeout if timeout is None else timeout)
        client_timeout = self._timeouts.get(seconds) or self._timeouts.setdefault(seconds, ClientTimeout(total=seconds))
        try:
            async with session.post(url, data=body, headers=_JSON_HEADERS, timeout=client_timeout) as resp:
                content = await resp.read()
        except TimeoutError as exc:
            raise TelegramNetworkError(method=method, message="Request timeout error") from exc
        except ClientError as exc:
            raise TelegramNetworkError(method=method, message=f"{type(exc).__name__}: {exc}") from exc
        if 200 <= resp.status < 300 and method.__returning__ in _PLAIN_RESULTS:
            data = self.json_loads(content)
            if isinstance(data, dict) and data.get("ok") is True:
                return cast("TelegramType", data.get("result"))
        response = self.check_response(bot=bot, method=method, status_code=resp.status, content=content)
        return cast("TelegramType", response.result)


def startup_transient(exc: BaseException) -> bool:
    """Errors of a start-up call worth retrying: the network, Telegram's 5xx and 429, timeouts.

    A refused token (401) or an address that is not a Bot API (404) is not; neither is a programming error.
    """
    if isinstance(exc, TelegramUnauthorizedError | TelegramNotFound):
        return False
    return isinstance(exc, TelegramNetworkError | TelegramServerError | TelegramRetryAfter | TimeoutError
                      | ClientError | OSError)


# what no retry changes: the address itself is not one Telegram will post to
WEBHOOK_REFUSED_FOR_GOOD = ("https url must be provided", "only on ports", "invalid url", "url host is empty")


def webhook_transient(exc: BaseException) -> bool:
    """setWebhook is also retried when Telegram refuses the address for now (its DNS or TLS check of the
    public address fails until the proxy in front of the bot is up), not when the address is impossible."""
    if isinstance(exc, TelegramBadRequest):
        return not any(words in str(exc).lower() for words in WEBHOOK_REFUSED_FOR_GOOD)
    return startup_transient(exc)


def make_session(api_server: str, timeout: float, updates: UpdateFilter) -> AiohttpSession:
    api: TelegramAPIServer = TelegramAPIServer.from_base(api_server) if api_server else PRODUCTION
    return JsonSession(api=api, json_loads=updates.loads, json_dumps=_dumps, timeout=timeout)
