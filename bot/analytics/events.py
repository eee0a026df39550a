"""Analytics events as the dialogue produces them (the recorder adds time, channel and pseudonym)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    REQUEST = "request"  # a question was asked: decision, candidates and scores
    ANSWER = "answer"  # an answer was shown (via: match, confirm, choice, browse, related)
    FEEDBACK = "feedback"  # "did that help?": value yes / no
    UNANSWERED = "unanswered"  # a question the bot could not answer; its text is kept for editors
    SATISFACTION = "satisfaction"  # value 1–4 (4 = Удовлетворён)
    EASE = "ease"  # value 1–4 (4 = Легко)
    COMMENT = "comment"  # free-text comment after a rating
    ESCALATION = "escalation"  # the person asked for / was offered an operator (value: reason)
    SEGMENT = "segment"  # the person chose a segment
    BROWSE = "browse"  # a topic menu was opened
    NON_TEXT = "non_text"  # a photo, voice, sticker … the bot cannot read
    STALE_BUTTON = "stale_button"
    SMALL_TALK = "small_talk"  # hello, thanks, goodbye, «ок» answered in kind (value: which)
    EMERGENCY = "emergency"  # danger to life or health: 112 shown before any matching (value: fire, gas, …)
    SURVEY = "survey"  # the satisfaction survey was offered (value: helped, not_helped, operator)
    ABOUT_BOT = "about_bot"  # a question about the bot itself answered (value: who, abilities, name)


@dataclass(frozen=True, slots=True)
class Event:
    kind: Kind
    request: str | None = None
    entry: str | None = None
    decision: str | None = None
    score: float | None = None
    candidates: tuple[tuple[str, float], ...] = ()
    value: str | None = None
    via: str | None = None
    text: str | None = None  # only for unanswered questions and comments, and only for a while
