"""The knowledge base's small Markdown subset (**bold**, [text](url), "- " lists) and its renderings."""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass, replace

from bot.dialogue.messages import Outgoing

_INLINE = re.compile(r"\*\*(?P<bold>.+?)\*\*|\[(?P<label>[^\]\n]+)\]\((?P<url>https?://[^\s)]+)\)")
_ITEM = re.compile(r"^\s*[-•]\s+")


@dataclass(frozen=True, slots=True)
class Span:
    kind: str  # "text" | "bold" | "link"
    text: str
    url: str = ""


@dataclass(frozen=True, slots=True)
class Line:
    spans: tuple[Span, ...]
    item: bool = False  # a "- " list line


def parse(text: str) -> list[Line]:
    """Lines of spans; anything that is not valid markup stays literal text."""
    lines: list[Line] = []
    for raw in text.strip("\n").split("\n"):
        item = bool(_ITEM.match(raw))
        body = _ITEM.sub("", raw, count=1) if item else raw
        spans: list[Span] = []
        position = 0
        for m in _INLINE.finditer(body):
            if m.start() > position:
                spans.append(Span("text", body[position : m.start()]))
            if m.group("bold") is not None:
                spans.append(Span("bold", m.group("bold")))
            else:
                spans.append(Span("link", m.group("label"), m.group("url")))
            position = m.end()
        if position < len(body):
            spans.append(Span("text", body[position:]))
        lines.append(Line(tuple(spans), item))
    return lines


@functools.lru_cache(maxsize=1024)
def to_telegram_html(text: str) -> str:
    """Telegram HTML: every piece of text escaped, so a reply never breaks the parser.

    Cached: most replies are the same few hundred answers and prompts."""
    out: list[str] = []
    for line in parse(text):
        parts = ["• "] if line.item else []
        for span in line.spans:
            if span.kind == "bold":
                parts.append(f"<b>{html.escape(span.text, quote=False)}</b>")
            elif span.kind == "link":
                parts.append(f'<a href="{html.escape(span.url, quote=True)}">{html.escape(span.text, quote=False)}</a>')
            else:
                parts.append(html.escape(span.text, quote=False))
        out.append("".join(parts))
    return "\n".join(out)


@functools.lru_cache(maxsize=256)
def readable_url(url: str) -> str:
    """A link as people should read it: internationalised domains in their own letters
    (https://xn--90adear.xn--p1ai/ → https://гибдд.рф/); the link itself still works when typed or tapped."""
    scheme, sep, rest = url.partition("://")
    if not sep or "xn--" not in rest.lower():
        return url
    host, slash, tail = rest.partition("/")
    try:
        host = host.encode("ascii").decode("idna")
    except (UnicodeError, ValueError):
        return url
    return f"{scheme}://{host}{slash}{tail}"


@functools.lru_cache(maxsize=1024)
def to_plain(text: str) -> str:
    """Readable plain text (VK, console): bold unmarked, links spelled out as «label: url». Cached."""
    out: list[str] = []
    for line in parse(text):
        parts = ["• "] if line.item else []
        for span in line.spans:
            if span.kind == "link":
                url = readable_url(span.url)
                parts.append(span.text if span.text in (span.url, url) else f"{span.text} ({url})")
            else:
                parts.append(span.text)
        out.append("".join(parts))
    return "\n".join(out)


def split(text: str, limit: int) -> list[str]:
    """Split a message into parts of at most ``limit`` characters at paragraph boundaries,
    then at line ends, then at sentence ends, then at spaces; never inside markup of one line."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for block in _blocks(text, limit):
        candidate = f"{current}\n\n{block}" if current else block
        if len(candidate) <= limit:
            current = candidate
        else:
            if current:
                parts.append(current)
            current = block
    if current:
        parts.append(current)
    return parts


def _blocks(text: str, limit: int) -> list[str]:
    blocks: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        if len(paragraph) <= limit:
            blocks.append(paragraph)
            continue
        for piece in _pack(paragraph.split("\n"), "\n", limit):
            if len(piece) <= limit:
                blocks.append(piece)
                continue
            sentences = re.split(r"(?<=[.!?…])\s+", piece)
            for chunk in _pack(sentences, " ", limit):
                if len(chunk) <= limit:
                    blocks.append(chunk)
                else:
                    blocks.extend(_pack(chunk.split(" "), " ", limit, hard=True))
    return blocks


def _pack(pieces: list[str], glue: str, limit: int, hard: bool = False) -> list[str]:
    out: list[str] = []
    current = ""
    for piece in pieces:
        while hard and len(piece) > limit:
            if current:
                out.append(current)
                current = ""
            out.append(piece[:limit])
            piece = piece[limit:]
        candidate = f"{current}{glue}{piece}" if current else piece
        if len(candidate) <= limit:
            current = candidate
        else:
            if current:
                out.append(current)
            current = piece
    if current:
        out.append(current)
    return out


def split_message(message: Outgoing, limit: int) -> list[Outgoing]:
    """A message too long for a platform as several, with the buttons under the last one."""
    parts = split(message.text, limit)
    if len(parts) == 1:
        return [message]
    last = len(parts) - 1
    return [
        replace(message, text=part) if i == last else Outgoing(part)
        for i, part in enumerate(parts)
    ]
