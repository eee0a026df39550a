"""A fake MAX Bot API for tests: aiohttp on 127.0.0.1, built from the documented semantics
(https://dev.max.ru/docs-api), the bot's own client talks to it.

- the token in the ``Authorization`` header (401 ``verify.token`` otherwise); errors as ``{code, message}``;
- ``GET /updates`` long polling over a numbered update log: passing ``marker`` acknowledges (forgets)
  every update before it; without one, what came after the last acknowledged update; ``timeout``,
  ``limit``, ``types``;
- ``POST /messages?user_id=`` (text ≤ 4000 characters, ``format``, an ``inline_keyboard`` checked against
  MAX's limits, uploaded ``image``/``file`` tokens), ``POST /answers?callback_id=``,
  ``POST /chats/{chatId}/actions``, ``POST /uploads`` and the upload address it gives,
  ``GET|POST|DELETE /subscriptions`` (a subscribed webhook gets every new update, with the secret header,
  again and again until it answers 200);
- a person who stopped the bot gets 403 ``chat.denied``;
- fault injection per path: 429, 5xx, a dropped connection before or after the request is carried out,
  a slow answer, and ``attachment.not.ready``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes.common import FakeChat

TOKEN = "max-TEST-bot-token-for-the-fake-api"
BOT_ID = 5550001
MAX_TEXT = 4000
_ACTIONS = {"typing_on", "sending_photo", "sending_video", "sending_audio", "sending_file", "mark_seen"}


@dataclass
class Call:
    method: str
    path: str
    params: dict[str, Any]
    body: Any
    at: float
    status: int = 200


@dataclass
class Failure:
    path: str  # "/messages", "/updates", "/answers", "/uploads", …
    kind: str  # "429" | "500" | "503" | "drop" | "drop_after" | "slow" | "not_ready" | "403"
    times: int = 1
    delay: float = 2.0


@dataclass
class Upload:
    kind: str
    filename: str
    content: bytes
    token: str


def dialog_chat(user: int) -> int:
    """The chat id of a person's dialog with the bot."""
    return 900_000_000_000 + user


def check_keyboard(payload: Any) -> str | None:
    """MAX's inline keyboard rules; the error text or None."""
    rows = payload.get("buttons") if isinstance(payload, dict) else None
    if not isinstance(rows, list) or not rows:
        return "buttons must be a non-empty list of rows"
    if len(rows) > 30 or sum(len(r) for r in rows if isinstance(r, list)) > 210:
        return "too many buttons"
    for row in rows:
        if not isinstance(row, list) or not row:
            return "a row must be a non-empty list"
        links = any(isinstance(b, dict) and b.get("type") == "link" for b in row)
        if len(row) > (3 if links else 7):
            return "too many buttons in a row"
        for button in row:
            kind = button.get("type") if isinstance(button, dict) else None
            if kind not in ("callback", "link", "message"):
                return f"unknown button type {kind}"
            if not 1 <= len(str(button.get("text", ""))) <= 128:
                return "button text must be 1..128 characters"
            if kind == "callback" and not 1 <= len(str(button.get("payload", ""))) <= 1024:
                return "callback payload must be 1..1024 characters"
            if kind == "link" and not str(button.get("url", "")).startswith(("https://", "http://")):
                return "link button needs a url"
    return None


class FakeMax(FakeChat):
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.log: list[dict[str, Any]] = []  # every update; update i has number first + i
        self.first = 1
        self.acked = 1  # updates numbered below this were acknowledged (forgotten)
        self.failures: list[Failure] = []
        self.stopped: set[int] = set()  # people who stopped the bot
        self.uploads: list[Upload] = []
        self.tokens: dict[str, Upload] = {}  # attachment token -> its upload
        self.subscriptions: list[dict[str, Any]] = []
        self.webhook_deliveries: list[tuple[int, int]] = []  # (update number, HTTP status) per attempt
        self.next_seq = 1
        self.delivered: dict[int, list[tuple[float, dict[str, Any]]]] = {}  # user -> (when, body) in order
        self._delivery = asyncio.Event()
        self.base_url = ""
        self._new_update = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._pushers: set[asyncio.Task[None]] = set()

    # --- server ----------------------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/upload/{n}", self._upload)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    @property
    def api_url(self) -> str:
        return self.base_url

    async def stop(self) -> None:
        for task in list(self._pushers):
            task.cancel()
        await asyncio.gather(*self._pushers, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeMax:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def fail(self, path: str, kind: str, times: int = 1, delay: float = 2.0) -> None:
        self.failures.append(Failure(path, kind, times, delay))

    # --- updates ---------------------------------------------------------------------------------

    @property
    def position(self) -> int:
        """The number the next update will have."""
        return self.first + len(self.log)

    def _push(self, update: dict[str, Any]) -> dict[str, Any]:
        update.setdefault("timestamp", int(time.time() * 1000))
        self.log.append(update)
        self._new_update.set()
        number = self.position - 1
        for subscription in self.subscriptions:
            if update["update_type"] in subscription["update_types"] or not subscription["update_types"]:
                task = asyncio.get_running_loop().create_task(self._post_webhook(subscription, number, update))
                self._pushers.add(task)
                task.add_done_callback(self._pushers.discard)
        return update

    def _message(self, user: int, text: str = "", attachments: list[dict[str, Any]] | None = None,
                 chat_type: str = "dialog") -> dict[str, Any]:
        seq = self.next_seq
        self.next_seq += 1
        return {
            "sender": {"user_id": user, "first_name": "Иван", "name": "Иван", "is_bot": False,
                       "last_activity_time": int(time.time() * 1000)},
            "recipient": {"chat_id": dialog_chat(user) if chat_type == "dialog" else -70_000_000 - user,
                          "chat_type": chat_type, "user_id": BOT_ID if chat_type == "dialog" else None},
            "timestamp": int(time.time() * 1000),
            "body": {"mid": f"mid.{uuid.uuid4().hex}", "seq": seq, "text": text, "attachments": attachments or []},
        }

    def message(self, user: int, text: str = "", attachments: list[dict[str, Any]] | None = None,
                chat_type: str = "dialog") -> dict[str, Any]:
        return self._push({"update_type": "message_created",
                           "message": self._message(user, text, attachments, chat_type), "user_locale": "ru"})

    def edit(self, created: dict[str, Any], text: str) -> dict[str, Any]:
        message = json.loads(json.dumps(created["message"]))
        message["body"]["text"] = text
        return self._push({"update_type": "message_edited", "message": message})

    def press(self, user: int, payload: str) -> dict[str, Any]:
        """A callback button press; ``payload`` as the bot set it (or anything, to forge one)."""
        shown = next((m for m in reversed(self.sent(user)) if m.get("attachments")), None)
        message = self._message(user, shown.get("text", "") if shown else "")
        message["sender"] = {"user_id": BOT_ID, "name": "Бот", "is_bot": True}
        callback = {"timestamp": int(time.time() * 1000), "callback_id": uuid.uuid4().hex, "payload": payload,
                    "user": {"user_id": user, "name": "Иван", "is_bot": False}}
        return self._push({"update_type": "message_callback", "callback": callback, "message": message,
                           "user_locale": "ru"})

    def start_bot(self, user: int, payload: str | None = None) -> dict[str, Any]:
        self.stopped.discard(user)
        return self._push({"update_type": "bot_started", "chat_id": dialog_chat(user),
                           "user": {"user_id": user, "name": "Иван", "is_bot": False}, "payload": payload,
                           "user_locale": "ru"})

    def stop_bot(self, user: int) -> dict[str, Any]:
        self.stopped.add(user)
        return self._push({"update_type": "bot_stopped", "chat_id": dialog_chat(user),
                           "user": {"user_id": user, "name": "Иван", "is_bot": False}})

    # --- what the bot did ------------------------------------------------------------------------

    def calls_of(self, path: str, method: str = "POST") -> list[Call]:
        return [c for c in self.calls if c.path == path and c.method == method and c.status == 200]

    def sent(self, user: int | None = None) -> list[dict[str, Any]]:
        """Bodies of every message delivered (to one person, if given), in order."""
        if user is not None:
            return [body for _, body in self.delivered.get(user, [])]
        return [c.body for c in self.calls_of("/messages")]

    async def reply(self, user: int, before: int) -> float:
        """Wait until a person has more than ``before`` messages; when the next one arrived."""
        while len(self.delivered.get(user, [])) <= before:
            self._delivery.clear()
            await self._delivery.wait()
        return self.delivered[user][before][0]

    def busiest_second(self) -> int:
        """The most requests MAX got in any one second (its limit is 30)."""
        times = sorted(c.at for c in self.calls)
        most, start = 0, 0
        for end, moment in enumerate(times):
            while moment - times[start] >= 1.0:
                start += 1
            most = max(most, end - start + 1)
        return most

    def texts(self, user: int) -> list[str]:
        return [b.get("text", "") for b in self.sent(user)]

    def keyboard(self, user: int) -> list[list[dict[str, Any]]]:
        for body in reversed(self.sent(user)):
            for attachment in body.get("attachments") or []:
                if attachment.get("type") == "inline_keyboard":
                    return list(attachment["payload"]["buttons"])
        return []

    def buttons(self, chat: int) -> list[tuple[str, str]]:
        """(text, payload or url) of the last keyboard's buttons."""
        return [(b["text"], b.get("payload", b.get("url", ""))) for row in self.keyboard(chat) for b in row]

    # --- dispatch --------------------------------------------------------------------------------

    def _error(self, call: Call, status: int, code: str, message: str,
               headers: dict[str, str] | None = None) -> web.Response:
        call.status = status
        return web.json_response({"code": code, "message": message}, status=status, headers=headers)

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        body: Any = None
        if request.can_read_body:
            raw = await request.text()
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw
        call = Call(request.method, path, dict(request.query), body, time.monotonic())
        self.calls.append(call)
        if request.headers.get("Authorization") != self.token or "access_token" in request.query:
            return self._error(call, 401, "verify.token", "Invalid access_token")
        key = "/chats/actions" if path.startswith("/chats/") and path.endswith("/actions") else path
        after: Failure | None = None
        for failure in self.failures:
            if failure.path == key and failure.times > 0:
                failure.times -= 1
                if failure.kind == "429":
                    return self._error(call, 429, "too.many.requests", "Too many requests",
                                       {"Retry-After": str(int(failure.delay))})
                if failure.kind in ("500", "502", "503"):
                    call.status = int(failure.kind)
                    return web.Response(status=int(failure.kind), text="<html>Service Unavailable</html>")
                if failure.kind == "drop":
                    call.status = 0
                    _drop(request)
                    return web.Response()
                if failure.kind == "not_ready":
                    return self._error(call, 400, "attachment.not.ready",
                                       "Key: errors.process.attachment.file.not.processed")
                if failure.kind == "slow":
                    await asyncio.sleep(failure.delay)
                    break
                if failure.kind == "drop_after":
                    after = failure
                    break
        handler = getattr(self, f"_{request.method.lower()}_{key.strip('/').replace('/', '_')}", None)
        if handler is None:
            return self._error(call, 404, "not.found", f"Path {path} is not recognized")
        response = await handler(request, call)
        if after is not None and response.status == 200:  # carried out, but the answer never arrives
            call.status = 200
            _drop(request)
        return response

    # --- methods ---------------------------------------------------------------------------------

    async def _get_me(self, request: web.Request, call: Call) -> web.Response:
        return web.json_response({"user_id": BOT_ID, "name": "Цифровой помощник", "username": "assistant_bot",
                                  "is_bot": True, "last_activity_time": int(time.time() * 1000)})

    async def _get_updates(self, request: web.Request, call: Call) -> web.Response:
        if self.subscriptions:
            return self._error(call, 400, "bad.request", "Bot is subscribed to WebHook: GET /updates is not available")
        query = request.query
        try:
            limit = int(query.get("limit", 100))
            timeout = int(query.get("timeout", 30))
            marker = int(query["marker"]) if "marker" in query else None
        except ValueError:
            return self._error(call, 400, "proto.payload", "Invalid parameter")
        if not (1 <= limit <= 1000 and 0 <= timeout <= 90):
            return self._error(call, 400, "proto.payload", "limit must be 1..1000, timeout 0..90")
        types = set(query["types"].split(",")) if query.get("types") else None
        if marker is not None:
            self.acked = max(self.acked, min(marker, self.position))  # everything before it is done
        deadline = time.monotonic() + timeout
        while True:
            found = [(n, u) for n, u in self._after(self.acked) if types is None or u["update_type"] in types]
            if found or time.monotonic() >= deadline:
                break
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), timeout=max(0.0, deadline - time.monotonic()))
        found = found[:limit]
        next_marker = found[-1][0] + 1 if found else self.position
        return web.json_response({"updates": [u for _, u in found], "marker": next_marker})

    def _after(self, number: int) -> list[tuple[int, dict[str, Any]]]:
        start = max(number, self.first) - self.first
        return [(self.first + i, u) for i, u in enumerate(self.log[start:], start)]

    async def _post_messages(self, request: web.Request, call: Call) -> web.Response:
        try:
            user = int(request.query["user_id"])
        except (KeyError, ValueError):
            return self._error(call, 400, "proto.payload", "user_id or chat_id is required")
        body = call.body if isinstance(call.body, dict) else None
        if body is None:
            return self._error(call, 400, "proto.payload", "Invalid body")
        if user in self.stopped:
            return self._error(call, 403, "chat.denied", "error.dialog.suspended")
        text = body.get("text") or ""
        attachments = body.get("attachments") or []
        if not text.strip() and not attachments:
            return self._error(call, 400, "proto.payload", "text: must not be empty")
        if len(text) > MAX_TEXT:
            return self._error(call, 400, "proto.payload", "text: size must be between 0 and 4000")
        if body.get("format") not in (None, "markdown", "html"):
            return self._error(call, 400, "proto.payload", "format: unknown")
        for attachment in attachments:
            kind = attachment.get("type") if isinstance(attachment, dict) else None
            if kind == "inline_keyboard":
                problem = check_keyboard(attachment.get("payload"))
                if problem:
                    return self._error(call, 400, "proto.payload", f"inline_keyboard: {problem}")
            elif kind in ("image", "file"):
                token = (attachment.get("payload") or {}).get("token")
                upload = self.tokens.get(str(token))
                if upload is None or upload.kind != kind:
                    return self._error(call, 400, "attachment.invalid", "Invalid attachment token")
            else:
                return self._error(call, 400, "proto.payload", f"attachment type {kind} not supported here")
        message = self._message(BOT_ID, text)
        message["sender"] = {"user_id": BOT_ID, "name": "Цифровой помощник", "is_bot": True}
        message["recipient"] = {"chat_id": dialog_chat(user), "chat_type": "dialog", "user_id": user}
        self.delivered.setdefault(user, []).append((time.monotonic(), body))
        self._delivery.set()
        return web.json_response({"message": message})

    async def _post_answers(self, request: web.Request, call: Call) -> web.Response:
        body = call.body if isinstance(call.body, dict) else {}
        if not request.query.get("callback_id"):
            return self._error(call, 400, "proto.payload", "callback_id is required")
        if body.get("message") is None and not body.get("notification"):
            return self._error(call, 400, "proto.payload", "message or notification is required")
        return web.json_response({"success": True})

    async def _post_chats_actions(self, request: web.Request, call: Call) -> web.Response:
        body = call.body if isinstance(call.body, dict) else {}
        if body.get("action") not in _ACTIONS:
            return self._error(call, 400, "proto.payload", "Unknown action")
        return web.json_response({"success": True})

    async def _post_uploads(self, request: web.Request, call: Call) -> web.Response:
        kind = request.query.get("type")
        if kind not in ("image", "video", "audio", "file"):
            return self._error(call, 400, "proto.payload", "type must be image, video, audio or file")
        n = len(self.uploads) + 1
        answer: dict[str, Any] = {"url": f"{self.base_url}/upload/{n}?type={kind}"}
        if kind in ("video", "audio"):
            answer["token"] = f"{kind}-{n}"
        self.uploads.append(Upload(kind, "", b"", ""))  # filled in when the file arrives
        return web.json_response(answer)

    async def _upload(self, request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        kind = request.query.get("type", "file")
        form = await request.post()
        part = form.get("data")
        if not isinstance(part, web.FileField) or not 0 < n <= len(self.uploads):
            return web.json_response({"code": "upload.error", "message": "no file in field data"}, status=400)
        token = f"{kind}-token-{n}"
        upload = Upload(kind, part.filename, part.file.read(), token)
        self.uploads[n - 1] = upload
        self.tokens[token] = upload
        if kind == "image":
            return web.json_response({"photos": {f"p{n}": {"token": token}}})
        return web.json_response({"fileId": n, "token": token})

    async def _get_subscriptions(self, request: web.Request, call: Call) -> web.Response:
        return web.json_response({"subscriptions": [
            {"url": s["url"], "time": 0, "update_types": s["update_types"], "version": "0.0.1"}
            for s in self.subscriptions]})

    async def _post_subscriptions(self, request: web.Request, call: Call) -> web.Response:
        body = call.body if isinstance(call.body, dict) else {}
        url, secret = body.get("url"), body.get("secret")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            return self._error(call, 400, "proto.payload", "url is required")
        if secret is not None and not (isinstance(secret, str) and 5 <= len(secret) <= 256):
            return self._error(call, 400, "proto.payload", "secret: 5..256 characters")
        self.subscriptions = [s for s in self.subscriptions if s["url"] != url]
        self.subscriptions.append({"url": url, "update_types": list(body.get("update_types") or []),
                                   "secret": secret})
        return web.json_response({"success": True})

    async def _delete_subscriptions(self, request: web.Request, call: Call) -> web.Response:
        url = request.query.get("url")
        self.subscriptions = [s for s in self.subscriptions if s["url"] != url]
        return web.json_response({"success": True})

    async def _post_webhook(self, subscription: dict[str, Any], number: int, update: dict[str, Any]) -> None:
        """Deliver an update to a webhook until it answers 200 (a pause between attempts)."""
        headers = {"X-Max-Bot-Api-Secret": subscription["secret"]} if subscription.get("secret") else {}
        async with aiohttp.ClientSession() as session:
            for _ in range(20):
                try:
                    async with session.post(subscription["url"], json=update, headers=headers) as response:
                        self.webhook_deliveries.append((number, response.status))
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    self.webhook_deliveries.append((number, 0))
                await asyncio.sleep(0.2)


def _drop(request: web.Request) -> None:
    transport = request.transport
    if transport is not None:
        transport.close()
