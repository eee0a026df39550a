"""What a dialogue turn produces beyond its replies (effects for the service to carry out), and what it
may read (the context)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.analytics.events import Event
from bot.dialogue.about import AboutBot
from bot.dialogue.contacts import Contacts
from bot.dialogue.emergency import SafetyNumbers
from bot.dialogue.messages import Incoming, Outgoing
from bot.dialogue.texts import Texts
from bot.kb.model import Entry, KnowledgeBase
from bot.matching import Matcher


@dataclass(frozen=True, slots=True)
class SetSegment:
    segment: str | None


@dataclass(frozen=True, slots=True)
class Escalate:
    reason: str  # "command", "button", "failures", "words"


@dataclass(frozen=True, slots=True)
class RelayToOperator:
    message: Incoming


@dataclass(frozen=True, slots=True)
class Forget:
    pass


@dataclass(frozen=True, slots=True)
class Notify:
    """For the notifications desk: "cmd" (settings/stop/reminders), "ns" (a settings button), "rem" (a
    reminder button), "remtext" (a typed date), "unsub" (a consent subject), "rate" (invitation:value)."""

    action: str
    arg: str = ""


@dataclass(frozen=True, slots=True)
class CloseCase:
    """The person said their question is solved: close their operator case."""

    case_id: int


@dataclass(frozen=True, slots=True)
class LinkAccounts:
    """/link: give a one-time code (``code`` empty) or join this account with the one that gave it."""

    code: str = ""


Effect = SetSegment | Escalate | RelayToOperator | Forget | Notify | CloseCase | LinkAccounts

CASE_KEY = "case"  # conv.extra: the number of the person's open operator case
TOPIC_KEY = "case_topic"  # conv.extra: the topic a person named asking for a person («по налогам»)


def case_rating_ref(case_id: int) -> str:
    return f"case-{case_id}"


@dataclass(slots=True)
class Outcome:
    replies: list[Outgoing] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Context:
    """What the dialogue may read: the base and its matcher, the texts, and the time."""

    kb: KnowledgeBase
    matcher: Matcher
    texts: Texts
    now: datetime
    new_id: Callable[[], str]
    bot_name: str = "Цифровой помощник"
    organisation: str = ""
    policy_url: str = ""
    remindable: Callable[[Entry], bool] | None = None  # answers that offer "Напомнить?"
    safety: SafetyNumbers = field(default_factory=SafetyNumbers)  # numbers for emergencies
    operators: bool = True  # an operators' desk is set up; otherwise the contacts stand in for it
    contacts: Contacts = field(default_factory=Contacts)
    rating_interval: timedelta = timedelta(0)  # ask one person to rate at most this often (0: every thread)
    popular: tuple[str, ...] = ()  # the base's most asked entries, most asked first
    about: AboutBot = field(default_factory=AboutBot)

