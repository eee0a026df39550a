"""A fake VK API for tests: aiohttp on 127.0.0.1, VK's JSON shapes, the real vkbottle client talks to it.

- ``/method/<name>``: groups.getById, groups.getLongPollServer, groups.setLongPollSettings,
  messages.send (random_id de-duplication per peer, VK's keyboard rules checked),
  messages.sendMessageEventAnswer; the token is checked (error 5).
- ``/lp/<group>``: the Bots Long Poll endpoint (``act=a_check&key=&ts=&wait=``) over a numbered event
  history, with VK's ``failed`` answers: 1 (ts older than the history), 2 (key expired),
  3 (session lost).
- Error injection per method: codes 6 (too many requests), 9 (flood control), 901 (can't send to the
  user), HTTP 5xx, timeouts (before or after the message is accepted).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from tests.fakes.common import FakeChat

GROUP_ID = 212345678
TOKEN = "vk1.a.TEST-community-token-for-the-fake-api"

CLIENT_CALLBACK = {"button_actions": ["text", "vkpay", "open_app", "location", "open_link", "callback",
                                      "intent_subscribe", "intent_unsubscribe"],
                   "keyboard": True, "inline_keyboard": True, "carousel": True, "lang_id": 0}
CLIENT_INLINE_TEXT = {"button_actions": ["text", "open_link"], "keyboard": True, "inline_keyboard": True,
                      "carousel": False, "lang_id": 0}
CLIENT_TEXT_ONLY = {"button_actions": ["text"], "keyboard": True, "inline_keyboard": False, "carousel": False,
                    "lang_id": 0}

_INLINE_LIMITS = (6, 10)
_REGULAR_LIMITS = (10, 40)


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float
    error: int = 0  # VK error code, or the HTTP status for 5xx


@dataclass
class Upload:
    kind: str  # "photo" | "doc"
    filename: str
    content: bytes
    peer: str  # the peer_id the upload server was asked for


@dataclass
class Failure:
    method: str
    kind: str  # "6" | "9" | "901" | "500" | "timeout" | "timeout_after"
    times: int = 1
    delay: float = 3.0


def check_keyboard(raw: str) -> str | None:
    """VK's keyboard rules, enough to catch a bot that breaks them; the error text or None."""
    try:
        keyboard = json.loads(raw)
    except ValueError:
        return "keyboard is not JSON"
    rows = keyboard.get("buttons")
    if not isinstance(rows, list):
        return "buttons must be a list"
    inline = bool(keyboard.get("inline"))
    max_rows, max_buttons = _INLINE_LIMITS if inline else _REGULAR_LIMITS
    if len(rows) > max_rows or sum(len(r) for r in rows) > max_buttons:
        return "too many buttons"
    for row in rows:
        if len(row) > 5:
            return "more than 5 buttons in a row"
        for button in row:
            action = button.get("action", {})
            kind = action.get("type")
            if kind not in ("text", "callback", "open_link"):
                return f"unknown button type {kind}"
            if kind == "callback" and not inline:
                pass  # allowed in regular keyboards too on supporting clients
            if not 1 <= len(action.get("label", "")) <= 40:
                return "label must be 1..40 characters"
            if kind == "open_link" and not str(action.get("link", "")).startswith("http"):
                return "open_link needs a link"
            payload = action.get("payload")
            if payload is not None and (not isinstance(payload, str) or len(payload) > 255):
                return "payload must be a JSON string of at most 255 characters"
    return None


class FakeVK(FakeChat):
    def __init__(self, token: str = TOKEN, group_id: int = GROUP_ID) -> None:
        self.token = token
        self.group_id = group_id
        self.calls: list[Call] = []
        self.events: list[dict[str, Any]] = []  # the whole history; event i has number first_ts + i
        self.first_ts = 100
        self.forgotten_before = 100  # events numbered below this are gone (a ts below it gets failed=1)
        self.key = uuid.uuid4().hex
        self.lose_session = 0  # the next a_check answers failed=3 this many times
        self.failures: list[Failure] = []
        self.blocked: set[int] = set()
        self.clients: dict[int, dict[str, Any]] = {}
        self.delivered: dict[tuple[int, int], int] = {}  # (peer, random_id) -> message id
        self.long_poll_settings: dict[str, Any] = {}
        self.next_message_id = 1
        self.next_cmid = 1
        self.base_url = ""
        self.handling_seconds = 0.0
        self.rights = {"messages", "manage", "photos", "docs"}  # what the community token was given
        self.uploads: list[Upload] = []  # files uploaded for messages
        self.saved: dict[str, Upload] = {}  # attachment string -> the upload saved under it
        self._new_event = asyncio.Event()
        self._runner: web.AppRunner | None = None

    # --- server ----------------------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/method/{method}", self._method)
        app.router.add_route("*", "/lp/{group}", self._long_poll)
        app.router.add_post("/upload/{kind}", self._upload)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    @property
    def api_url(self) -> str:
        return self.base_url + "/method"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeVK:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- failure injection -------------------------------------------------------------------------

    def fail(self, method: str, kind: str, times: int = 1, delay: float = 3.0) -> None:
        self.failures.append(Failure(method, kind, times, delay))

    def block(self, peer: int) -> None:
        self.blocked.add(peer)

    def expire_key(self) -> None:
        self.key = uuid.uuid4().hex

    # --- events ------------------------------------------------------------------------------------

    @property
    def ts(self) -> int:
        """The number the next event will have."""
        return self.first_ts + len(self.events)

    def _push(self, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
        event = {"group_id": self.group_id, "type": kind, "event_id": uuid.uuid4().hex[:40], "v": "5.199",
                 "object": obj}
        self.events.append(event)
        self._new_event.set()
        return event

    def message(self, user: int, text: str = "", client: dict[str, Any] | None = None,
                payload: str | None = None, attachments: list[dict[str, Any]] | None = None,
                peer: int | None = None) -> dict[str, Any]:
        client = client if client is not None else self.clients.get(user, CLIENT_CALLBACK)
        self.clients[user] = client
        message: dict[str, Any] = {
            "date": int(time.time()), "from_id": user, "id": self.next_message_id, "out": 0, "version": 1,
            "attachments": attachments or [], "conversation_message_id": self.next_cmid, "fwd_messages": [],
            "important": False, "is_hidden": False, "peer_id": peer if peer is not None else user,
            "random_id": 0, "text": text,
        }
        self.next_message_id += 1
        self.next_cmid += 1
        if payload is not None:
            message["payload"] = payload
        return self._push("message_new", {"message": message, "client_info": client})

    def press(self, user: int, button: str | dict[str, Any]) -> dict[str, Any]:
        """A callback button press (message_event); ``button`` is the core's id or a raw payload object."""
        payload = button if isinstance(button, dict) else {"b": button}
        return self._push("message_event", {"user_id": user, "peer_id": user, "event_id": uuid.uuid4().hex[:12],
                                            "payload": payload, "conversation_message_id": self.next_cmid})

    def text_press(self, user: int, label: str) -> dict[str, Any]:
        """A text-keyboard button press: a message with the button's label and payload."""
        for text, payload in self.keyboard_buttons(user):
            if text == label or text.startswith(label):
                return self.message(user, text, payload=payload)
        raise AssertionError(f"no button {label!r} in {self.keyboard_buttons(user)}")

    def allow(self, user: int) -> dict[str, Any]:
        self.blocked.discard(user)
        return self._push("message_allow", {"user_id": user, "key": "k"})

    def deny(self, user: int) -> dict[str, Any]:
        self.blocked.add(user)  # VK refuses the community's messages to this person from now on (901)
        return self._push("message_deny", {"user_id": user})

    # --- what the bot did --------------------------------------------------------------------------

    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and not c.error]

    def sent(self, peer: int | None = None) -> list[dict[str, Any]]:
        """Parameters of every message delivered (to one peer, if given), in order; repeats excluded."""
        return [c.params for c in self.calls_of("messages.send")
                if not c.params.get("_repeat") and (peer is None or int(c.params["peer_id"]) == peer)]

    def texts(self, peer: int) -> list[str]:
        return [p["message"] for p in self.sent(peer)]

    def last_keyboard(self, peer: int) -> dict[str, Any] | None:
        for params in reversed(self.sent(peer)):
            if params.get("keyboard"):
                keyboard = json.loads(params["keyboard"])
                if keyboard.get("buttons"):
                    return keyboard
        return None

    def keyboard_buttons(self, peer: int) -> list[tuple[str, str]]:
        """(label, payload JSON) of the buttons of the last keyboard sent to a peer."""
        keyboard = self.last_keyboard(peer)
        if keyboard is None:
            return []
        return [(b["action"]["label"], b["action"].get("payload", b["action"].get("link", "")))
                for row in keyboard["buttons"] for b in row]

    def buttons(self, peer: int) -> list[tuple[str, str]]:
        """(label, the core's button id) of the last keyboard's action buttons."""
        result = []
        for label, payload in self.keyboard_buttons(peer):
            try:
                result.append((label, json.loads(payload)["b"]))
            except (ValueError, KeyError, TypeError):
                result.append((label, payload))
        return result

    # --- dispatch ----------------------------------------------------------------------------------

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, str):
                    params[key] = value
        return params

    def _error(self, method: str, params: dict[str, Any], code: int, message: str) -> web.Response:
        self.calls.append(Call(method, params, time.monotonic(), code))
        public = {k: v for k, v in params.items() if k != "access_token"}
        return web.json_response({"error": {"error_code": code, "error_msg": message, "request_params": [
            {"key": k, "value": str(v)} for k, v in public.items()]}})

    async def _method(self, request: web.Request) -> web.StreamResponse:
        started = time.perf_counter()
        try:
            return await self._method_inner(request)
        finally:
            self.handling_seconds += time.perf_counter() - started

    async def _method_inner(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params = await self._params(request)
        if params.get("access_token") != self.token:
            return self._error(method, params, 5, "User authorization failed: invalid access_token (4).")
        params.pop("access_token", None)
        after: Failure | None = None
        for failure in self.failures:
            if failure.method == method and failure.times > 0:
                failure.times -= 1
                if failure.kind == "timeout":
                    await asyncio.sleep(failure.delay)
                    self.calls.append(Call(method, params, time.monotonic(), 504))
                    return web.Response(status=504, text="<html>Gateway Timeout</html>")
                if failure.kind == "timeout_after":
                    after = failure
                    break
                if failure.kind in ("500", "502"):
                    self.calls.append(Call(method, params, time.monotonic(), int(failure.kind)))
                    return web.Response(status=int(failure.kind), text="<html>Internal Server Error</html>")
                messages = {"6": "Too many requests per second", "9": "Flood control",
                            "901": "Can't send messages for users without permission"}
                return self._error(method, params, int(failure.kind), messages.get(failure.kind, "Error"))
        handler = getattr(self, "_m_" + method.replace(".", "_").lower(), None)
        if handler is None:
            return self._error(method, params, 3, "Unknown method passed")
        result = handler(params)
        if isinstance(result, web.Response):
            return result
        self.calls.append(Call(method, params, time.monotonic()))
        if after is not None:  # VK accepted the message, but the answer never reaches the bot
            await asyncio.sleep(after.delay)
        return web.json_response({"response": result})

    async def _long_poll(self, request: web.Request) -> web.Response:
        params = await self._params(request)
        if params.get("act") != "a_check":
            return web.json_response({"failed": 2})
        if self.lose_session:
            self.lose_session -= 1
            return web.json_response({"failed": 3})
        if params.get("key") != self.key:
            return web.json_response({"failed": 2})
        try:
            ts = int(params.get("ts", ""))
        except ValueError:
            return web.json_response({"failed": 1, "ts": str(self.ts)})
        if ts < self.forgotten_before or ts > self.ts:
            return web.json_response({"failed": 1, "ts": str(self.ts)})
        wait = min(float(params.get("wait") or 0), 90.0)
        deadline = time.monotonic() + wait
        while self.ts <= ts and time.monotonic() < deadline:
            self._new_event.clear()
            try:
                await asyncio.wait_for(self._new_event.wait(), timeout=max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                break
        if request.match_info["group"] != str(self.group_id):
            return web.json_response({"failed": 2})
        updates = self.events[ts - self.first_ts:]
        return web.json_response({"ts": str(ts + len(updates)), "updates": updates})

    # --- methods -----------------------------------------------------------------------------------

    def _m_groups_getbyid(self, params: dict[str, Any]) -> Any:
        group = {"id": self.group_id, "name": "Цифровой помощник", "screen_name": "assistant", "is_closed": 0,
                 "type": "group"}
        return {"groups": [group], "profiles": []}

    def _m_groups_gettokenpermissions(self, params: dict[str, Any]) -> Any:
        bits = {"photos": 4, "messages": 4096, "docs": 131072, "manage": 262144}
        return {"mask": sum(bits.get(r, 0) for r in self.rights),
                "permissions": [{"setting": bits.get(r, 0), "name": r} for r in sorted(self.rights)]}

    def _m_groups_getlongpollserver(self, params: dict[str, Any]) -> Any:
        if int(params.get("group_id", 0)) != self.group_id:
            return self._error("groups.getLongPollServer", params, 15, "Access denied")
        return {"key": self.key, "server": f"{self.base_url}/lp/{self.group_id}", "ts": str(self.ts)}

    def _m_groups_setlongpollsettings(self, params: dict[str, Any]) -> Any:
        self.long_poll_settings = dict(params)
        return 1

    def _m_messages_sendmessageeventanswer(self, params: dict[str, Any]) -> Any:
        return 1

    async def _upload(self, request: web.Request) -> web.Response:
        """An upload server: takes one multipart file, answers with what the save method needs."""
        kind = request.match_info["kind"]
        field_name = "photo" if kind == "photo" else "file"
        form = await request.post()
        part = form.get(field_name)
        if not isinstance(part, web.FileField):
            return web.json_response({"error": "ERR_UPLOAD_FILE_NOT_PASSED"})
        upload = Upload(kind, unquote(part.filename), part.file.read(), request.query.get("peer", ""))
        self.uploads.append(upload)
        token = f"{kind}-{len(self.uploads)}"
        if kind == "photo":
            return web.json_response({"server": 1, "photo": json.dumps([{"token": token}]), "hash": "h" + token})
        return web.json_response({"file": token})

    def _m_photos_getmessagesuploadserver(self, params: dict[str, Any]) -> Any:
        if "photos" not in self.rights:
            return self._error("photos.getMessagesUploadServer", params, 15, "Access denied: no access to photos")
        return {"upload_url": f"{self.base_url}/upload/photo?peer={params.get('peer_id', '')}", "album_id": -3,
                "group_id": self.group_id}

    def _m_docs_getmessagesuploadserver(self, params: dict[str, Any]) -> Any:
        if "docs" not in self.rights:
            return self._error("docs.getMessagesUploadServer", params, 15, "Access denied: no access to docs")
        if not params.get("peer_id"):
            return self._error("docs.getMessagesUploadServer", params, 100, "peer_id is undefined")
        return {"upload_url": f"{self.base_url}/upload/doc?peer={params['peer_id']}"}

    def _m_photos_savemessagesphoto(self, params: dict[str, Any]) -> Any:
        try:
            token = json.loads(params.get("photo", ""))[0]["token"]
        except (ValueError, LookupError, TypeError):
            return self._error("photos.saveMessagesPhoto", params, 1160, "Invalid photo")
        index = int(token.rsplit("-", 1)[1])
        attachment = f"photo-{self.group_id}_{index}"
        self.saved[attachment] = self.uploads[index - 1]
        return [{"id": index, "owner_id": -self.group_id, "album_id": -3, "date": 0, "sizes": []}]

    def _m_docs_save(self, params: dict[str, Any]) -> Any:
        token = params.get("file", "")
        if not token.startswith("doc-"):
            return self._error("docs.save", params, 1152, "Invalid document title or file")
        index = int(token.rsplit("-", 1)[1])
        attachment = f"doc-{self.group_id}_{index}"
        self.saved[attachment] = self.uploads[index - 1]
        return {"type": "doc", "doc": {"id": index, "owner_id": -self.group_id, "title": params.get("title", ""),
                                        "size": len(self.uploads[index - 1].content), "ext": "pdf"}}

    def _m_messages_send(self, params: dict[str, Any]) -> Any:
        method = "messages.send"
        try:
            peer = int(params["peer_id"])
            random_id = int(params["random_id"])
        except (KeyError, ValueError):
            return self._error(method, params, 100, "One of the parameters specified was missing or invalid")
        if not -(2**31) <= random_id < 2**31:
            return self._error(method, params, 100, "random_id out of range")
        if peer in self.blocked:
            return self._error(method, params, 901, "Can't send messages for users without permission")
        text = params.get("message", "")
        attachments = [a for a in params.get("attachment", "").split(",") if a]
        if not text.strip() and not attachments:
            return self._error(method, params, 100, "message is empty")
        if any(a not in self.saved for a in attachments):
            return self._error(method, params, 100, "attachment is invalid")
        if len(text) > 4096:
            return self._error(method, params, 914, "Message is too long")
        if params.get("keyboard"):
            problem = check_keyboard(params["keyboard"])
            if problem:
                return self._error(method, params, 911, f"Keyboard format is invalid: {problem}")
            keyboard = json.loads(params["keyboard"])
            client = self.clients.get(peer, CLIENT_CALLBACK)
            kinds = {b["action"]["type"] for row in keyboard["buttons"] for b in row}
            if keyboard.get("inline") and not client.get("inline_keyboard"):
                return self._error(method, params, 911, "Keyboard format is invalid: client has no inline keyboards")
            if kinds - set(client.get("button_actions", [])):
                return self._error(method, params, 911, "Keyboard format is invalid: unsupported button type")
        known = self.delivered.get((peer, random_id))
        if known is not None:
            params["_repeat"] = True  # VK answers with the first message's id and delivers nothing
            return known
        message_id = self.next_message_id
        self.next_message_id += 1
        self.delivered[(peer, random_id)] = message_id
        return message_id
