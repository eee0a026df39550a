"""The vkbottle API client the channel uses: its own HTTP session, a configurable address, and no
silent waiting when VK answers with something that is not JSON (the sender retries instead)."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import ClientTimeout
from vkbottle import API
from vkbottle.api.request_rescheduler import ABCRequestRescheduler
from vkbottle.http import AiohttpClient

from bot.config import VKSection

log = logging.getLogger(__name__)


class VKUnavailable(Exception):
    """VK answered with something other than JSON (a 5xx page from a proxy, an outage)."""


class RaiseRescheduler(ABCRequestRescheduler):
    """vkbottle's default rescheduler sleeps and repeats forever; raise so the caller decides."""

    async def reschedule(self, ctx_api: Any, method: str, data: dict[str, Any], recent_response: Any) -> Any:
        raise VKUnavailable(f"VK returned no JSON for {method}")


def make_api(section: VKSection) -> API:
    """A vkbottle ``API`` on ``vk.api_url`` with a session of its own (vkbottle's default one is shared
    by the whole process and never closed)."""
    assert section.token is not None
    http = AiohttpClient(timeout=ClientTimeout(total=section.request_timeout))
    api = API(section.token.get_secret_value(), http_client=http, request_rescheduler=RaiseRescheduler())
    api.API_URL = section.api_url.rstrip("/") + "/"  # an instance attribute shadows the class default
    api.API_VERSION = section.api_version
    return api
