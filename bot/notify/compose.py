"""Building notification messages (pure): the body, which consent it relies on, and one-tap buttons.

Buttons under notifications are not tied to a conversation's menus, so their payloads are plain:
``u:<subject>`` withdraws a consent (harmless if forged: one can only unsubscribe oneself), ``e:<entry>``
opens a knowledge-base answer, ``r:<invitation>:<value>`` rates a case (checked against its owner).
"""

from __future__ import annotations

from datetime import datetime

from bot.dialogue.messages import Button, Outgoing
from bot.notify.texts import NotifyTexts

MAX_PAYLOAD = 64  # bytes: Telegram's callback data limit
UNSUBSCRIBE_ALL = "u:*"


def payload(prefix: str, value: str) -> str | None:
    data = f"{prefix}:{value}"
    return data if len(data.encode()) <= MAX_PAYLOAD else None


def reason(texts: NotifyTexts, subject: str, topic_title: str = "") -> str:
    if subject.startswith("topic:"):
        return texts.reasons["topic"].format(topic=topic_title or subject.removeprefix("topic:"))
    return texts.reasons.get(subject, texts.reasons["notify:content"])


def notification(
    texts: NotifyTexts,
    body: str,
    *,
    subject: str,
    consent_at: datetime | None,
    topic_title: str = "",
    entries: list[tuple[str, str]] | None = None,
    extra_rows: list[tuple[Button, ...]] | None = None,
    reason_text: str | None = None,
) -> Outgoing:
    """A notification: ``body``, a line on the consent it relies on, buttons for the KB entries
    (label, entry id), then "Отписаться" withdrawing exactly that consent."""
    date = consent_at.strftime("%d.%m.%Y") if consent_at else "—"
    why = reason_text or reason(texts, subject, topic_title)
    text = f"{body.strip()}\n\n{texts.footer.format(reason=why, date=date)}"
    rows: list[tuple[Button, ...]] = list(extra_rows or [])
    for label, entry_id in entries or []:
        data = payload("e", entry_id)
        if data is not None:
            rows.append((Button(label, data),))
    rows.append((Button(texts.unsubscribe, payload("u", subject) or UNSUBSCRIBE_ALL),))
    return Outgoing(text, tuple(rows))


def digest(texts: NotifyTexts, bodies: list[str], limit: int = 3500) -> str:
    """Several content messages as one: numbered, cut to fit one message."""
    parts = [texts.digest_title.format(count=len(bodies))]
    for n, body in enumerate(bodies, 1):
        parts.append(f"{n}. {body.strip()}")
    text = "\n\n".join(parts)
    return text if len(text) <= limit else text[: limit - 1] + "…"
