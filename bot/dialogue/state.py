"""Per-conversation state: where the dialogue is, the current question thread, and the live buttons.

Stored as JSON next to the account, so a restart continues a conversation where it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.dialogue.messages import Button

MAX_MENUS = 6
MAX_LOG = 5
MAX_RATED = 20
_PAYLOAD = re.compile(r"^(\d{1,9})\.(\d{1,2})$")


class Step(StrEnum):
    NEW = "new"  # never talked to
    IDLE = "idle"  # waiting for a question
    SEGMENT = "segment"  # asked: citizen or entrepreneur?
    FEEDBACK = "feedback"  # answered; asked "did that help?"
    CONFIRM = "confirm"  # asked "did you mean …?"
    CHOICE = "choice"  # offered the likely entries as buttons
    RATE_SATISFACTION = "rate_satisfaction"
    RATE_EASE = "rate_ease"
    RATE_COMMENT = "rate_comment"
    FORGET = "forget"  # asked to confirm deleting the person's data
    OPERATOR = "operator"  # a human operator has the conversation
    REMIND_WHEN = "remind_when"  # offered a reminder: waiting for a date (buttons or free text)


@dataclass(slots=True)
class Menu:
    """The actions behind the buttons of one reply; a button's payload is ``"<serial>.<index>"``."""

    serial: int
    actions: list[str]
    request: str | None = None
    labels: list[str] = field(default_factory=list)  # the buttons' texts, kept for the latest menu only

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"serial": self.serial, "actions": self.actions, "request": self.request}
        if self.labels:
            data["labels"] = self.labels
        return data


@dataclass(slots=True)
class Thread:
    """One question and what came of it, kept briefly for an operator's context."""

    request: str
    query: str
    entry: str | None = None
    decision: str | None = None
    helped: str | None = None  # "yes" | "no" | None


@dataclass(slots=True)
class Conversation:
    step: Step = Step.NEW
    segment: str | None = None  # person-level; copied in when loaded
    request: str | None = None  # the current question thread
    query: str | None = None  # its text
    entry: str | None = None  # the entry answered or proposed in this thread
    candidates: list[str] = field(default_factory=list)  # the thread's ranked entries
    shown: list[str] = field(default_factory=list)  # entries already shown in this thread
    feedback_done: bool = False
    failures: int = 0  # failed attempts in a row ("Нет", "Другое", nothing found)
    rating_for: str | None = None  # the request being rated
    rated: list[str] = field(default_factory=list)
    menus: list[Menu] = field(default_factory=list)
    serial: int = 0
    log: list[Thread] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # room for other services (handoff, reminders)

    # --- buttons ---------------------------------------------------------------------------------

    def add_menu(self, actions: list[str], request: str | None = None, labels: list[str] | None = None) -> Menu:
        """Register the actions of a new reply's buttons; they belong to ``request`` (default: current).

        ``labels`` (the buttons' texts) let a person type a button instead of pressing it; only the
        latest menu keeps them.
        """
        self.serial += 1
        for older in self.menus:
            older.labels = []
        menu = Menu(self.serial, list(actions), request or self.request, list(labels or []))
        self.menus.append(menu)
        del self.menus[:-MAX_MENUS]
        return menu

    def add_keyboard(
        self, rows: list[list[tuple[str, str]]], request: str | None = None
    ) -> tuple[tuple[Button, ...], ...]:
        """Register a reply's buttons, given as rows of (label, action); the rows of buttons to send."""
        menu = self.add_menu(
            [action for row in rows for _, action in row], request, [label for row in rows for label, _ in row]
        )
        index = 0
        layout: list[tuple[Button, ...]] = []
        for row in rows:
            layout.append(tuple(Button(label, f"{menu.serial}.{index + i}") for i, (label, _) in enumerate(row)))
            index += len(row)
        return tuple(layout)

    def resolve(self, payload: str | None) -> tuple[str, Menu] | None:
        """The action behind a pressed button, if the button is still live; None for stale or forged."""
        if not payload:
            return None
        m = _PAYLOAD.match(payload.strip())
        if not m:
            return None
        serial, index = int(m.group(1)), int(m.group(2))
        for menu in self.menus:
            if menu.serial == serial and 0 <= index < len(menu.actions):
                return menu.actions[index], menu
        return None

    @property
    def latest_serial(self) -> int:
        return self.menus[-1].serial if self.menus else 0

    # --- question threads ------------------------------------------------------------------------

    def start_thread(self, request: str, query: str) -> None:
        self.request = request
        self.query = query
        self.entry = None
        self.candidates = []
        self.shown = []
        self.feedback_done = False
        self.log.append(Thread(request, query))
        del self.log[:-MAX_LOG]

    def thread(self) -> Thread | None:
        return next((t for t in reversed(self.log) if t.request == self.request), None)

    def mark_rated(self, request: str) -> None:
        self.rated.append(request)
        del self.rated[:-MAX_RATED]

    # --- persistence -----------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """Plain data for storage (the segment lives on the person, not here)."""
        return {
            "step": self.step.value,
            "request": self.request,
            "query": self.query,
            "entry": self.entry,
            "candidates": self.candidates,
            "shown": self.shown,
            "feedback_done": self.feedback_done,
            "failures": self.failures,
            "rating_for": self.rating_for,
            "rated": self.rated,
            "menus": [m.to_json() for m in self.menus],
            "serial": self.serial,
            "log": [
                {"request": t.request, "query": t.query, "entry": t.entry, "decision": t.decision, "helped": t.helped}
                for t in self.log
            ],
            "extra": self.extra,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None, segment: str | None = None) -> Conversation:
        if not data:
            return cls(segment=segment)
        try:
            step = Step(data.get("step", Step.IDLE))
        except ValueError:
            step = Step.IDLE
        return cls(
            step=step,
            segment=segment,
            request=data.get("request"),
            query=data.get("query"),
            entry=data.get("entry"),
            candidates=list(data.get("candidates") or []),
            shown=list(data.get("shown") or []),
            feedback_done=bool(data.get("feedback_done")),
            failures=int(data.get("failures") or 0),
            rating_for=data.get("rating_for"),
            rated=list(data.get("rated") or []),
            menus=[
                Menu(m["serial"], list(m["actions"]), m.get("request"), list(m.get("labels") or []))
                for m in data.get("menus") or []
            ],
            serial=int(data.get("serial") or 0),
            log=[Thread(**t) for t in data.get("log") or []],
            extra=dict(data.get("extra") or {}),
        )
