"""A thin client of the MAX Bot API (https://dev.max.ru/docs-api) on aiohttp.

JSON in, JSON out, the token in the ``Authorization`` header. Every failure is an exception the caller
maps to what it does (the sender, the poller): no hidden retries or sleeps here. Why not a library:
docs/max.md, «Клиент API».
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

import aiohttp

log = logging.getLogger(__name__)

DEFAULT_RETRY_AFTER = 1.0  # seconds, when a 429 does not say


class MaxError(Exception):
    """The API answered with an error: the HTTP status and MAX's ``{code, message}``."""

    def __init__(self, status: int, code: str = "", message: str = "", retry_after: float = 0.0) -> None:
        super().__init__(f"MAX {status} {code}: {message}"[:300])
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after

    @property
    def transient(self) -> bool:
        """Worth trying again later: the platform is busy or unwell."""
        return self.status == 429 or self.status >= 500


class MaxUnavailable(Exception):
    """No usable answer: the connection dropped, timed out, or the answer was not JSON."""


class MaxAPI:
    def __init__(self, token: str, api_url: str, request_timeout: float = 40.0) -> None:
        self.api_url = api_url.rstrip("/")
        self.request_timeout = request_timeout
        self._token = token
        self._session: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.request_timeout),
                headers={"Authorization": self._token},
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def request(
        self, method: str, path: str, *, params: dict[str, Any] | None = None, body: Any = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """One API call; the answer's JSON object. Raises MaxError or MaxUnavailable."""
        query = {k: _query_value(v) for k, v in (params or {}).items() if v is not None}
        kwargs: dict[str, Any] = {"params": query}
        if body is not None:
            kwargs["json"] = body
        if timeout is not None:
            kwargs["timeout"] = aiohttp.ClientTimeout(total=timeout)
        try:
            async with self.session.request(method, self.api_url + path, **kwargs) as response:
                text = await response.text()
                status = response.status
                retry_after = response.headers.get("Retry-After")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise MaxUnavailable(f"{method} {path}: {type(exc).__name__}") from None
        data = _json(text)
        if status >= 400:
            code = str(data.get("code", "")) if data else ""
            message = str(data.get("message", "")) if data else ""
            wait = _seconds(retry_after) if status == 429 else 0.0
            raise MaxError(status, code, message, wait or (DEFAULT_RETRY_AFTER if status == 429 else 0.0))
        if data is None:
            raise MaxUnavailable(f"{method} {path}: the answer is not a JSON object")
        return data

    # --- the methods the bot uses -------------------------------------------------------------------

    async def me(self) -> dict[str, Any]:
        return await self.request("GET", "/me")

    async def updates(
        self, marker: int | None, timeout: int, limit: int = 100, types: Sequence[str] = ()
    ) -> dict[str, Any]:
        """GET /updates: passing ``marker`` tells MAX every update before it is handled."""
        params: dict[str, Any] = {"marker": marker, "timeout": timeout, "limit": limit}
        if types:
            params["types"] = ",".join(types)
        return await self.request("GET", "/updates", params=params, timeout=timeout + self.request_timeout)

    async def send(self, user_id: int, body: dict[str, Any]) -> dict[str, Any]:
        return await self.request(
            "POST", "/messages", params={"user_id": user_id, "disable_link_preview": True}, body=body
        )

    async def answer(self, callback_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self.request("POST", "/answers", params={"callback_id": callback_id}, body=body)

    async def action(self, chat_id: int, action: str) -> dict[str, Any]:
        return await self.request("POST", f"/chats/{chat_id}/actions", body={"action": action})

    async def subscriptions(self) -> list[dict[str, Any]]:
        found = (await self.request("GET", "/subscriptions")).get("subscriptions")
        return [s for s in found if isinstance(s, dict)] if isinstance(found, list) else []

    async def subscribe(self, url: str, secret: str, types: Sequence[str]) -> dict[str, Any]:
        return await self.request(
            "POST", "/subscriptions", body={"url": url, "update_types": list(types), "secret": secret}
        )

    async def unsubscribe(self, url: str) -> dict[str, Any]:
        return await self.request("DELETE", "/subscriptions", params={"url": url})

    async def upload(self, kind: str, data: bytes, filename: str) -> dict[str, Any]:
        """POST /uploads, then the file to the address it gives; the upload server's answer (its token).

        For ``image`` and ``file`` the token comes in the upload server's answer; for ``video`` and
        ``audio`` it comes with the address (both are returned merged)."""
        slot = await self.request("POST", "/uploads", params={"type": kind})
        url = slot.get("url")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise MaxUnavailable("POST /uploads gave no upload address")
        form = aiohttp.FormData(quote_fields=False)  # the file name as UTF-8, as browsers send it
        form.add_field("data", data, filename=filename, content_type="application/octet-stream")
        try:
            async with self.session.post(url, data=form) as response:
                text = await response.text()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise MaxUnavailable(f"upload: {type(exc).__name__}") from None
        if status >= 400:
            found = _json(text) or {}
            raise MaxError(status, str(found.get("code", "")), str(found.get("message", "")))
        return {**{k: v for k, v in slot.items() if k != "url"}, **(_json(text) or {})}


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _json(text: str) -> dict[str, Any] | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _seconds(value: str | None) -> float:
    try:
        return max(0.0, float(value)) if value else 0.0
    except ValueError:
        return 0.0
