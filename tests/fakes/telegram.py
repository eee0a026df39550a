"""A fake Telegram Bot API server for tests: aiohttp on 127.0.0.1, real JSON shapes.

It queues updates for ``getUpdates`` (long polling, acknowledgement by offset), records every call,
validates messages the way Telegram does (HTML entities, lengths, callback data), and can inject
failures: 429 with ``retry_after``, 5xx, timeouts, 403 for people who blocked the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import html
import json
import time
from collections import deque
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes.common import FakeChat

BOT_ID = 777000
BOT_USERNAME = "test_assistant_bot"
_ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "tg-spoiler",
                 "span", "blockquote", "tg-emoji"}


_content_type: contextvars.ContextVar[str] = contextvars.ContextVar("content_type", default="")


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float
    status: int = 200
    content_type: str = ""


@dataclass
class Failure:
    method: str
    kind: str  # "429" | "500" | "timeout" | "403" | "400"
    times: int = 1
    retry_after: int = 1
    delay: float = 0.0  # for "timeout": how long to hang
    chat: int | None = None  # only requests to this chat fail (None: any)


class _EntityChecker(HTMLParser):
    """Telegram's HTML rules, enough to catch broken markup: known tags, properly nested."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.error: str | None = None
        self.visible: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _ALLOWED_TAGS:
            self.error = self.error or f"Unsupported start tag \"{tag}\""
        if tag == "a" and not dict(attrs).get("href"):
            self.error = self.error or "a tag without href"
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.error = self.error or f"Can't find end tag corresponding to start tag \"{tag}\""
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.visible.append(data)


def check_html(text: str) -> tuple[str | None, str]:
    """(error or None, visible text) for a message sent with parse_mode=HTML."""
    checker = _EntityChecker()
    checker.feed(text)
    checker.close()
    if checker.stack and not checker.error:
        checker.error = f"Can't find end tag corresponding to start tag \"{checker.stack[-1]}\""
    if "&" in text:
        # a bare ampersand that is not an entity is an error in Telegram's parser
        for chunk in text.split("&")[1:]:
            name = chunk.split(";", 1)[0]
            if ";" not in chunk or not (name in ("lt", "gt", "amp", "quot") or name.startswith("#")):
                checker.error = checker.error or "Unsupported entity"
    return checker.error, "".join(checker.visible)


class FakeTelegram(FakeChat):
    def __init__(self, token: str = "123456:TEST-token") -> None:
        self.token = token
        self.calls: list[Call] = []
        self.updates: deque[dict[str, Any]] = deque()
        self.next_update_id = 1000
        self.next_message_id = 1
        self.acked_offset = 0
        self.delivered_at: dict[int, float] = {}  # update id -> when the bot first received it
        self.failures: list[Failure] = []
        self.blocked: set[int] = set()
        self.limit_per_second: float | None = None
        self.rejected_for_rate = 0
        self.forum_topics: dict[int, dict[int, dict[str, Any]]] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self.admins: dict[int, list[int]] = {}
        self.webhook: dict[str, Any] | None = None
        self._new_update = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._recent_sends: deque[float] = deque()
        self.base_url = ""
        self.handling_seconds = 0.0  # time spent inside the fake's own handlers (its cost in benchmarks)
        self.acked_at: dict[int, float] = {}
        self._ack_waiters: dict[int, asyncio.Future[float]] = {}
        self._sent_count: dict[int, int] = {}
        self._sent_to: dict[int, list[dict[str, Any]]] = {}  # chat -> its sendMessage parameters, in order
        self._reply_waiters: dict[int, list[tuple[int, asyncio.Future[float]]]] = {}
        self._webhook_target: tuple[str, str] | None = None
        self._webhook_session: aiohttp.ClientSession | None = None
        self._posting: set[asyncio.Future[None]] = set()
        self.files: dict[str, bytes] = {}  # file_id -> content, for getFile and downloads
        self.send_delay = 0.0  # seconds each sendMessage takes to be accepted (a slow network)
        self.sends_in_flight = 0  # sendMessage requests being answered right now
        self.downloads: list[str] = []  # file paths downloaded, in order

    # --- server ----------------------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application(client_max_size=50 * 2**20)
        app.router.add_route("*", "/bot{token}/{method}", self._dispatch)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    async def stop(self) -> None:
        if self._webhook_session is not None:
            await self._webhook_session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- failure injection -------------------------------------------------------------------------

    def fail(self, method: str, kind: str, times: int = 1, retry_after: int = 1, delay: float = 0.0,
             chat: int | None = None) -> None:
        self.failures.append(Failure(method, kind, times, retry_after, delay, chat))

    def block(self, chat_id: int) -> None:
        self.blocked.add(chat_id)

    # --- updates -----------------------------------------------------------------------------------

    def _push(self, body: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": self.next_update_id, **body}
        self.next_update_id += 1
        if self._webhook_target is not None:
            task = asyncio.ensure_future(self._post_update(update))
            self._posting.add(task)
            task.add_done_callback(self._posting.discard)
            return update
        self.updates.append(update)
        self._new_update.set()
        return update

    def push_to_webhook(self, url: str, secret: str) -> None:
        """Deliver every new update by POSTing it to the bot, as Telegram does in webhook mode."""
        self._webhook_target = (url, secret)

    async def _post_update(self, update: dict[str, Any]) -> None:
        assert self._webhook_target is not None
        url, secret = self._webhook_target
        if self._webhook_session is None:
            self._webhook_session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100))
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
        self.delivered_at.setdefault(update["update_id"], time.monotonic())
        while True:
            async with self._webhook_session.post(url, json=update, headers=headers) as resp:
                if resp.status == 200:
                    break
            await asyncio.sleep(0.5)  # Telegram retries an update the bot did not accept
        now = time.monotonic()
        self.acked_at[update["update_id"]] = now
        waiter = self._ack_waiters.pop(update["update_id"], None)
        if waiter is not None and not waiter.done():
            waiter.set_result(now)

    @staticmethod
    def user(user_id: int, name: str = "Иван") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": name, "language_code": "ru"}

    def _private_message(self, user_id: int, **content: Any) -> dict[str, Any]:
        message_id = self.next_message_id
        self.next_message_id += 1
        return {
            "message_id": message_id,
            "from": self.user(user_id),
            "chat": {"id": user_id, "type": "private", "first_name": "Иван"},
            "date": int(time.time()),
            **content,
        }

    def message(self, user_id: int, text: str) -> dict[str, Any]:
        return self._push({"message": self._private_message(user_id, text=text)})

    def command(self, user_id: int, command: str) -> dict[str, Any]:
        entity = {"type": "bot_command", "offset": 0, "length": len(command.split()[0])}
        return self._push({"message": self._private_message(user_id, text=command, entities=[entity])})

    def edited(self, user_id: int, text: str) -> dict[str, Any]:
        message = self._private_message(user_id, text=text)
        message["edit_date"] = int(time.time())
        return self._push({"edited_message": message})

    def photo(self, user_id: int, caption: str | None = None) -> dict[str, Any]:
        sizes = [{"file_id": "AgACPhoto", "file_unique_id": "u1", "width": 90, "height": 90}]
        content: dict[str, Any] = {"photo": sizes}
        if caption is not None:
            content["caption"] = caption
        return self._push({"message": self._private_message(user_id, **content)})

    def sticker(self, user_id: int) -> dict[str, Any]:
        sticker = {"file_id": "CAAC", "file_unique_id": "s1", "type": "regular", "width": 512, "height": 512,
                   "is_animated": False, "is_video": False}
        return self._push({"message": self._private_message(user_id, sticker=sticker)})

    def voice(self, user_id: int) -> dict[str, Any]:
        voice = {"file_id": "AwAC", "file_unique_id": "v1", "duration": 3}
        return self._push({"message": self._private_message(user_id, voice=voice)})

    def location(self, user_id: int) -> dict[str, Any]:
        return self._push({"message": self._private_message(user_id, location={"latitude": 53.0, "longitude": 158.6})})

    def document(self, user_id: int, caption: str | None = None) -> dict[str, Any]:
        document = {"file_id": "BQAC", "file_unique_id": "d1", "file_name": "справка.pdf"}
        content: dict[str, Any] = {"document": document}
        if caption is not None:
            content["caption"] = caption
        return self._push({"message": self._private_message(user_id, **content)})

    def press(self, user_id: int, data: str, message_id: int = 1) -> dict[str, Any]:
        query = {
            "id": f"cb{self.next_update_id}",
            "from": self.user(user_id),
            "chat_instance": "ci",
            "data": data,
            "message": {"message_id": message_id, "date": int(time.time()), "text": "…",
                        "chat": {"id": user_id, "type": "private", "first_name": "Иван"}},
        }
        return self._push({"callback_query": query})

    def kicked(self, user_id: int) -> dict[str, Any]:
        member = {
            "chat": {"id": user_id, "type": "private", "first_name": "Иван"},
            "from": self.user(user_id),
            "date": int(time.time()),
            "old_chat_member": {"user": {"id": BOT_ID, "is_bot": True, "first_name": "Bot"}, "status": "member"},
            "new_chat_member": {"user": {"id": BOT_ID, "is_bot": True, "first_name": "Bot"}, "status": "kicked",
                                "until_date": 0},
        }
        return self._push({"my_chat_member": member})

    def group_message(self, chat_id: int, user_id: int, text: str, thread_id: int | None = None,
                      **content: Any) -> dict[str, Any]:
        message_id = self.next_message_id
        self.next_message_id += 1
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": self.user(user_id, "Оператор"),
            "chat": {"id": chat_id, "type": "supergroup", "title": "Операторы", "is_forum": True},
            "date": int(time.time()),
            **content,
        }
        if text:
            message["text"] = text
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        return self._push({"message": message})

    def group_edit(self, message: dict[str, Any], text: str) -> dict[str, Any]:
        """An operator edits a message sent with ``group_message`` (the update it returned)."""
        edited = {**message["message"], "edit_date": int(time.time())}
        edited["caption" if "caption" in edited else "text"] = text
        return self._push({"edited_message": edited})

    def group_press(self, chat_id: int, user_id: int, data: str, message_id: int = 1,
                    thread_id: int | None = None) -> dict[str, Any]:
        msg: dict[str, Any] = {"message_id": message_id, "date": int(time.time()), "text": "…",
                               "chat": {"id": chat_id, "type": "supergroup", "title": "Операторы", "is_forum": True}}
        if thread_id is not None:
            msg["message_thread_id"] = thread_id
            msg["is_topic_message"] = True
        query = {"id": f"cb{self.next_update_id}", "from": self.user(user_id, "Оператор"), "chat_instance": "g",
                 "data": data, "message": msg}
        return self._push({"callback_query": query})

    async def deliver_webhook(self, url: str, update: dict[str, Any], secret: str | None) -> int:
        """POST an update to the bot's webhook as Telegram does; the HTTP status it answered."""
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        async with aiohttp.ClientSession() as session, session.post(url, json=update, headers=headers) as resp:
            return resp.status

    # --- what the bot did --------------------------------------------------------------------------

    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.status == 200]

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Parameters of every successful sendMessage (to one chat, if given), in order."""
        if chat_id is not None:  # kept per chat: the benchmark asks this for every button press
            return list(self._sent_to.get(chat_id, ()))
        return [c.params for c in self.calls_of("sendMessage")]

    def texts(self, chat_id: int) -> list[str]:
        return [p["text"] for p in self.sent(chat_id)]

    def buttons(self, chat_id: int) -> list[tuple[str, str]]:
        """(label, callback data) of the buttons under the last message with buttons to a chat."""
        for params in reversed(self.sent(chat_id)):
            markup = params.get("reply_markup")
            if markup:
                return [(b["text"], b.get("callback_data", b.get("url", ""))) for row in markup["inline_keyboard"]
                        for b in row]
        return []



    async def acknowledged(self, update_id: int) -> float:
        """Wait until the bot acknowledges an update (it is handled and replied to); the moment."""
        if update_id in self.acked_at:
            return self.acked_at[update_id]
        waiter = self._ack_waiters.setdefault(update_id, asyncio.get_running_loop().create_future())
        return await waiter

    def sent_count(self, chat_id: int) -> int:
        return self._sent_count.get(chat_id, 0)

    async def reply(self, chat_id: int, after: int) -> float:
        """Wait until more than ``after`` messages were sent to a chat; the moment the next one arrived."""
        future = asyncio.get_running_loop().create_future()
        if self._sent_count.get(chat_id, 0) > after:
            return time.monotonic()
        self._reply_waiters.setdefault(chat_id, []).append((after, future))
        return await future

    def _note_sent(self, chat_id: int, params: dict[str, Any]) -> None:
        self._sent_to.setdefault(chat_id, []).append(params)
        count = self._sent_count[chat_id] = self._sent_count.get(chat_id, 0) + 1
        waiting = self._reply_waiters.get(chat_id)
        if not waiting:
            return
        now = time.monotonic()
        still = []
        for after, future in waiting:
            if count > after and not future.done():
                future.set_result(now)
            elif not future.done():
                still.append((after, future))
        self._reply_waiters[chat_id] = still

    def pending(self) -> int:
        """Updates not yet acknowledged by the bot."""
        return sum(1 for u in self.updates if u["update_id"] >= self.acked_offset)

    # --- dispatch ----------------------------------------------------------------------------------

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        _content_type.set(request.content_type)  # each request is served in its own task
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, str):
                    params[key] = value
        for key in ("reply_markup", "allowed_updates", "commands", "scope", "link_preview_options"):
            if isinstance(params.get(key), str):
                with contextlib.suppress(ValueError):
                    params[key] = json.loads(params[key])
        return params

    def _error(self, method: str, params: dict[str, Any], code: int, description: str,
               parameters: dict[str, Any] | None = None) -> web.Response:
        self.calls.append(Call(method, params, time.monotonic(), code, _content_type.get()))
        body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.json_response(body, status=code)

    async def _dispatch(self, request: web.Request) -> web.Response:
        started = time.perf_counter()
        sending = request.match_info["method"].lower() == "sendmessage"
        self.sends_in_flight += sending
        try:
            return await self._dispatch_inner(request)
        finally:
            self.sends_in_flight -= sending
            if request.match_info["method"].lower() != "getupdates":
                self.handling_seconds += time.perf_counter() - started

    async def _dispatch_inner(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await self._params(request)
        for failure in self.failures:
            if failure.chat is not None and str(params.get("chat_id")) != str(failure.chat):
                continue
            if failure.method.lower() == method.lower() and failure.times > 0:
                failure.times -= 1
                if failure.kind == "timeout":
                    await asyncio.sleep(failure.delay or 5.0)
                    return self._error(method, params, 504, "Gateway Timeout")
                if failure.kind == "429":
                    return self._error(method, params, 429, f"Too Many Requests: retry after {failure.retry_after}",
                                       {"retry_after": failure.retry_after})
                if failure.kind == "500":
                    return self._error(method, params, 500, "Internal Server Error")
                if failure.kind == "502":
                    return self._error(method, params, 502, "Bad Gateway")
                if failure.kind == "403":
                    return self._error(method, params, 403, "Forbidden: bot was blocked by the user")
                if failure.kind == "400":
                    return self._error(method, params, 400, "Bad Request: something is wrong")
        handler = getattr(self, f"_m_{method.lower()}", None)
        if handler is None:
            return self._error(method, params, 404, "Not Found: method not found")
        if method.lower().startswith("send") and method.lower() != "sendchataction" and self.limit_per_second:
            now = time.monotonic()
            while self._recent_sends and now - self._recent_sends[0] > 1.0:
                self._recent_sends.popleft()
            if len(self._recent_sends) >= self.limit_per_second:
                self.rejected_for_rate += 1
                return self._error(method, params, 429, "Too Many Requests: retry after 1", {"retry_after": 1})
            self._recent_sends.append(now)
        if self.send_delay and method.lower() == "sendmessage":
            await asyncio.sleep(self.send_delay)
        result = await handler(params) if asyncio.iscoroutinefunction(handler) else handler(params)
        if isinstance(result, web.Response):
            return result
        self.calls.append(Call(method, params, time.monotonic(), content_type=_content_type.get()))
        if method.lower() == "sendmessage":
            self._note_sent(int(params["chat_id"]), params)
        return web.json_response({"ok": True, "result": result})

    async def _download(self, request: web.Request) -> web.Response:
        """Files as the Bot API serves them: ``/file/bot<token>/<file_path>`` from ``getFile``."""
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        path = request.match_info["path"]
        content = self.files.get(path.removeprefix("documents/"))
        if content is None:
            return web.Response(status=404, text="Not Found")
        self.downloads.append(path)
        return web.Response(body=content, content_type="application/octet-stream")

    # --- methods -----------------------------------------------------------------------------------

    def _m_getfile(self, params: dict[str, Any]) -> Any:
        file_id = str(params.get("file_id", ""))
        if file_id not in self.files:
            return self._error("getFile", params, 400, "Bad Request: invalid file_id")
        return {"file_id": file_id, "file_unique_id": file_id[::-1], "file_size": len(self.files[file_id]),
                "file_path": f"documents/{file_id}"}


    def _m_getme(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Помощник", "username": BOT_USERNAME,
                "can_join_groups": True, "can_read_all_group_messages": True, "supports_inline_queries": False}

    async def _m_getupdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        if offset:
            self.acked_offset = max(self.acked_offset, offset)
            now = time.monotonic()
            while self.updates and self.updates[0]["update_id"] < offset:
                acked = self.updates.popleft()["update_id"]
                self.acked_at[acked] = now
                waiter = self._ack_waiters.pop(acked, None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(now)
        deadline = time.monotonic() + timeout
        while True:
            ready = [u for u in self.updates if u["update_id"] >= offset][:limit]
            if ready or time.monotonic() >= deadline:
                now = time.monotonic()
                for update in ready:
                    self.delivered_at.setdefault(update["update_id"], now)
                return ready
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), timeout=max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                return []

    def _m_deletewebhook(self, params: dict[str, Any]) -> bool:
        if str(params.get("drop_pending_updates", "")).lower() == "true":
            self.updates.clear()
        self.webhook = None
        return True

    def _m_setwebhook(self, params: dict[str, Any]) -> Any:
        if not str(params.get("url", "")).startswith("https://"):  # as Telegram answers an http:// address
            return self._error("setWebhook", params, 400, "Bad Request: bad webhook: An HTTPS URL must be provided "
                               "for webhook")
        self.webhook = params
        return True

    def _m_setmycommands(self, params: dict[str, Any]) -> bool:
        return True

    def _m_sendchataction(self, params: dict[str, Any]) -> bool:
        return True

    def _m_answercallbackquery(self, params: dict[str, Any]) -> bool:
        return True

    def _chat(self, chat_id: int) -> dict[str, Any]:
        if chat_id < 0:
            return self.chats.get(chat_id, {"id": chat_id, "type": "supergroup", "title": "Операторы",
                                            "is_forum": True})
        return {"id": chat_id, "type": "private", "first_name": "Иван"}

    def _message_result(self, chat_id: int, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        message_id = self.next_message_id
        self.next_message_id += 1
        result = {"message_id": message_id, "date": int(time.time()), "chat": self._chat(chat_id),
                  "from": {"id": BOT_ID, "is_bot": True, "first_name": "Помощник", "username": BOT_USERNAME},
                  **content}
        if params.get("message_thread_id"):
            result["message_thread_id"] = int(params["message_thread_id"])
            result["is_topic_message"] = True
        return result

    def _check_target(self, method: str, params: dict[str, Any]) -> web.Response | int:
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked:
            return self._error(method, params, 403, "Forbidden: bot was blocked by the user")
        thread = params.get("message_thread_id")
        if thread and chat_id < 0:
            topic = self.forum_topics.get(chat_id, {}).get(int(thread))
            if topic is None:
                return self._error(method, params, 400, "Bad Request: message thread not found")
            if topic.get("closed") and self._chat(chat_id).get("no_rights"):
                # administrators who manage topics may still write in closed ones; others may not
                return self._error(method, params, 400, "Bad Request: TOPIC_CLOSED")
        return chat_id

    def _check_markup(self, method: str, params: dict[str, Any]) -> web.Response | None:
        markup = params.get("reply_markup")
        if markup:
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    data = button.get("callback_data")
                    if data is not None and not 1 <= len(data.encode()) <= 64:
                        return self._error(method, params, 400, "Bad Request: BUTTON_DATA_INVALID")
        return None

    def _m_sendmessage(self, params: dict[str, Any]) -> Any:
        target = self._check_target("sendMessage", params)
        if isinstance(target, web.Response):
            return target
        text = params.get("text", "")
        visible = text
        if params.get("parse_mode") == "HTML":
            error, visible = check_html(text)
            if error:
                return self._error("sendMessage", params, 400, f"Bad Request: can't parse entities: {error}")
        if not visible.strip():
            return self._error("sendMessage", params, 400, "Bad Request: message text is empty")
        if len(visible) > 4096:
            return self._error("sendMessage", params, 400, "Bad Request: message is too long")
        bad = self._check_markup("sendMessage", params)
        if bad is not None:
            return bad
        return self._message_result(target, params, text=html.unescape(visible))

    def _m_sendphoto(self, params: dict[str, Any]) -> Any:
        target = self._check_target("sendPhoto", params)
        if isinstance(target, web.Response):
            return target
        return self._message_result(target, params, photo=[{"file_id": str(params.get("photo")),
                                                            "file_unique_id": "p", "width": 1, "height": 1}],
                                    caption=params.get("caption"))

    def _m_senddocument(self, params: dict[str, Any]) -> Any:
        target = self._check_target("sendDocument", params)
        if isinstance(target, web.Response):
            return target
        return self._message_result(target, params, document={"file_id": str(params.get("document")),
                                                              "file_unique_id": "d"}, caption=params.get("caption"))

    def _m_copymessage(self, params: dict[str, Any]) -> Any:
        target = self._check_target("copyMessage", params)
        if isinstance(target, web.Response):
            return target
        message_id = self.next_message_id
        self.next_message_id += 1
        return {"message_id": message_id}

    def _m_editmessagereplymarkup(self, params: dict[str, Any]) -> Any:
        return True

    def _m_editmessagetext(self, params: dict[str, Any]) -> Any:
        return True

    def _m_deletemessage(self, params: dict[str, Any]) -> bool:
        return True

    def _m_createforumtopic(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        chat = self._chat(chat_id)
        if not chat.get("is_forum"):
            return self._error("createForumTopic", params, 400, "Bad Request: the chat is not a forum")
        if chat.get("no_rights"):
            return self._error("createForumTopic", params, 400, "Bad Request: not enough rights to create a topic")
        topics = self.forum_topics.setdefault(chat_id, {})
        thread_id = 100 + len(topics) + 1
        topics[thread_id] = {"name": params.get("name"), "closed": False}
        return {"message_thread_id": thread_id, "name": params.get("name"), "icon_color": 7322096}

    def _m_editforumtopic(self, params: dict[str, Any]) -> Any:
        topic = self.forum_topics.get(int(params["chat_id"]), {}).get(int(params["message_thread_id"]))
        if topic is None:
            return self._error("editForumTopic", params, 400, "Bad Request: TOPIC_ID_INVALID")
        if params.get("name"):
            topic["name"] = params["name"]
        return True

    def _m_closeforumtopic(self, params: dict[str, Any]) -> Any:
        topic = self.forum_topics.get(int(params["chat_id"]), {}).get(int(params["message_thread_id"]))
        if topic is None:
            return self._error("closeForumTopic", params, 400, "Bad Request: TOPIC_ID_INVALID")
        topic["closed"] = True
        return True

    def _m_reopenforumtopic(self, params: dict[str, Any]) -> Any:
        topic = self.forum_topics.get(int(params["chat_id"]), {}).get(int(params["message_thread_id"]))
        if topic is None:
            return self._error("reopenForumTopic", params, 400, "Bad Request: TOPIC_ID_INVALID")
        topic["closed"] = False
        return True

    def _m_getchat(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        chat = dict(self._chat(chat_id))
        chat.pop("no_rights", None)
        chat.setdefault("accent_color_id", 0)
        chat.setdefault("max_reaction_count", 11)
        chat.setdefault("accepted_gift_types", {"unlimited_gifts": False, "limited_gifts": False,
                                                "unique_gifts": False, "premium_subscription": False,
                                                "gifts_from_channels": False})
        return chat

    def _m_getchatmember(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        user_id = int(params["user_id"])
        user = {"id": user_id, "is_bot": user_id == BOT_ID, "first_name": "Кто-то"}
        if user_id in self.admins.get(chat_id, []) or user_id == BOT_ID:
            member = {"status": "administrator", "user": user, "can_be_edited": False, "is_anonymous": False,
                      "can_manage_chat": True, "can_delete_messages": True, "can_manage_video_chats": True,
                      "can_restrict_members": True, "can_promote_members": False, "can_change_info": True,
                      "can_invite_users": True, "can_post_stories": False, "can_edit_stories": False,
                      "can_delete_stories": False, "can_send_welcome_messages": False,
                      "can_manage_topics": not self._chat(chat_id).get("no_rights")}
            return member
        members = self.chats.get(chat_id, {}).get("members", [])
        if user_id in members:
            return {"status": "member", "user": user}
        return {"status": "left", "user": user}

    @property
    def api_server(self) -> str:
        return self.base_url

    def timings_of(self, method: str) -> list[float]:
        return [c.at for c in self.calls_of(method)]

    def counts(self) -> dict[str, int]:
        result: dict[str, int] = {}
        for call in self.calls:
            result[call.method] = result.get(call.method, 0) + 1
        return result
