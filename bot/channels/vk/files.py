"""Operators' files for a VK person: fetched from the workspace's platform, uploaded to VK's message
storage with vkbottle's uploaders, and attached to the message that carries the operator's text."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

import aiohttp
from vkbottle import API, VKAPIError
from vkbottle.tools import DocMessagesUploader, PhotoMessageUploader

from bot.dialogue.messages import Attachment
from bot.handoff.files import FileRef, FileSource, FileUnavailable

log = logging.getLogger(__name__)

KINDS = frozenset({Attachment.PHOTO, Attachment.DOCUMENT})  # what a community can upload for a message
RIGHTS = {Attachment.PHOTO: "photos", Attachment.DOCUMENT: "docs"}  # the community token's right each needs
GIVE_UP_AFTER = 8  # attempts of a message before its files count as lost and its text goes without them
_TRANSIENT_CODES = frozenset({1, 6, 9, 10})  # unknown/internal error, too many requests, flood control


async def uploadable_kinds(api: API) -> frozenset[Attachment]:
    """The kinds of files the community token may upload (its «photos» and «docs» rights).

    If VK does not say, all of them: a refused upload still reaches the operators as a note.
    """
    try:
        response = (await api.request("groups.getTokenPermissions", {}))["response"]
        granted = {str(p.get("name")) for p in response.get("permissions", [])}
    except (VKAPIError, KeyError, TypeError, AttributeError) as exc:
        log.info("Could not read the VK token's rights (%s); operators' files will be tried", type(exc).__name__)
        return KINDS
    kinds = frozenset(kind for kind in KINDS if RIGHTS[kind] in granted)
    missing = sorted(RIGHTS[kind] for kind in KINDS - kinds)
    if missing:
        log.warning(
            "The VK token lacks the %s right(s): operators' %s will not reach VK people "
            "(docs/admin-guide.md, section VK)",
            " and ".join(missing), " and ".join(sorted(k.value + "s" for k in KINDS - kinds)),
        )
    return kinds


class Retry(Exception):
    """A file could not be passed on this time; the message is worth trying again."""


async def upload_all(
    api: API, sources: Mapping[str, FileSource], extra: dict[str, Any], peer: int, attempts: int
) -> tuple[list[str], list[FileRef]]:
    """The files of an envelope as VK attachment strings, and those that could not be passed on.

    Raises Retry while a failure may pass (network, VK busy) and the message has attempts left.
    """
    source = sources.get(str(extra.get("files_from", "")))
    refs = [FileRef.from_json(item) for item in extra.get("files", [])]
    attached: list[str] = []
    lost: list[FileRef] = []
    for ref in refs:
        try:
            if source is None:
                raise FileUnavailable("the workspace's channel is not running in this process")
            attached.append(await _upload(api, ref, await source.fetch(ref.file_id), peer))
        except FileUnavailable as exc:
            if exc.retry and attempts + 1 < GIVE_UP_AFTER:
                raise Retry(str(exc)) from None
            log.warning("An operator's %s could not be passed to VK: %s", ref.kind.value, exc)
            lost.append(ref)
        except VKAPIError as exc:
            if exc.code in _TRANSIENT_CODES and attempts + 1 < GIVE_UP_AFTER:
                raise Retry(f"VK error {exc.code}") from None
            log.warning("VK refused an operator's %s: error %s", ref.kind.value, exc.code)
            lost.append(ref)
        except (TimeoutError, aiohttp.ClientError, json.JSONDecodeError, KeyError) as exc:
            if attempts + 1 < GIVE_UP_AFTER:
                raise Retry(f"upload: {type(exc).__name__}") from None
            log.warning("An operator's %s could not be uploaded to VK: %s", ref.kind.value, type(exc).__name__)
            lost.append(ref)
    return attached, lost


async def _upload(api: API, ref: FileRef, data: bytes, peer: int) -> str:
    if ref.kind == Attachment.PHOTO:
        return await PhotoMessageUploader(api).upload(data, peer_id=peer)
    return await DocMessagesUploader(api).upload(data, peer_id=peer, title=ref.name or "файл")
