"""Operators' files for a MAX person: fetched from the workspace's platform, uploaded with POST /uploads,
and attached (by the token MAX gives) to the message that carries the operator's text."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from bot.channels.max.api import MaxAPI, MaxError, MaxUnavailable
from bot.dialogue.messages import Attachment
from bot.handoff.files import FileRef, FileSource, FileUnavailable

log = logging.getLogger(__name__)

KINDS = frozenset({Attachment.PHOTO, Attachment.DOCUMENT})  # what the bot uploads for a message
UPLOAD_TYPES = {Attachment.PHOTO: "image", Attachment.DOCUMENT: "file"}
GIVE_UP_AFTER = 8  # attempts of a message before its files count as lost and its text goes without them


class Retry(Exception):
    """A file could not be passed on this time; the message is worth trying again."""


def token_of(answer: dict[str, Any]) -> str | None:
    """The attachment token in an upload answer: ``token``, or (images) the first of ``photos``."""
    token = answer.get("token")
    if isinstance(token, str) and token:
        return token
    photos = answer.get("photos")
    if isinstance(photos, dict):
        for photo in photos.values():
            if isinstance(photo, dict) and isinstance(photo.get("token"), str) and photo["token"]:
                return str(photo["token"])
    return None


async def upload(api: MaxAPI, ref: FileRef, data: bytes) -> dict[str, Any]:
    """One file as a MAX message attachment."""
    kind = UPLOAD_TYPES[ref.kind]
    default = "photo.jpg" if ref.kind == Attachment.PHOTO else "файл"
    token = token_of(await api.upload(kind, data, ref.name or default))
    if token is None:
        raise MaxUnavailable("the upload server gave no token")
    return {"type": kind, "payload": {"token": token}}


async def upload_all(
    api: MaxAPI, sources: Mapping[str, FileSource], extra: dict[str, Any], attempts: int
) -> tuple[list[dict[str, Any]], list[FileRef]]:
    """The files of an envelope as MAX attachments, and those that could not be passed on.

    Raises Retry while a failure may pass (network, MAX busy) and the message has attempts left.
    """
    source = sources.get(str(extra.get("files_from", "")))
    refs = [FileRef.from_json(item) for item in extra.get("files", [])]
    attached: list[dict[str, Any]] = []
    lost: list[FileRef] = []
    last_try = attempts + 1 >= GIVE_UP_AFTER
    for ref in refs:
        try:
            if source is None:
                raise FileUnavailable("the workspace's channel is not running in this process")
            if ref.kind not in KINDS:
                raise FileUnavailable(f"MAX takes no {ref.kind.value} from the bot")
            attached.append(await upload(api, ref, await source.fetch(ref.file_id)))
        except FileUnavailable as exc:
            if exc.retry and not last_try:
                raise Retry(str(exc)) from None
            log.warning("An operator's %s could not be passed to MAX: %s", ref.kind.value, exc)
            lost.append(ref)
        except MaxError as exc:
            if exc.transient and not last_try:
                raise Retry(f"MAX {exc.status}") from None
            log.warning("MAX refused an operator's %s: %s %s", ref.kind.value, exc.status, exc.code)
            lost.append(ref)
        except MaxUnavailable as exc:
            if not last_try:
                raise Retry(f"upload: {exc}") from None
            log.warning("An operator's %s could not be uploaded to MAX: %s", ref.kind.value, exc)
            lost.append(ref)
    return attached, lost
