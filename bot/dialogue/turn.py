"""What every step of the dialogue shares: the state, the context, and how replies, events and effects
are put out."""

from __future__ import annotations

from bot.analytics.events import Event, Kind
from bot.dialogue.effects import Context, Effect, Outcome
from bot.dialogue.messages import Outgoing
from bot.dialogue.state import Conversation, Menu
from bot.dialogue.texts import Texts
from bot.kb.model import Entry

MAX_QUESTION_LABEL = 60
MAX_GREETING_TOPICS = 12


class Turn:
    """One message's handling; the steps (answers, ratings, menus) are mixins over this."""

    def __init__(self, conv: Conversation, ctx: Context) -> None:
        self.conv = conv
        self.ctx = ctx
        self.t = ctx.texts
        self.out = Outcome()

    # --- output helpers -------------------------------------------------------------------------

    def say(
        self,
        text: str,
        actions: list[tuple[str, str]] | None = None,
        per_row: int = 1,
        request: str | None = None,
    ) -> None:
        """Reply with text and buttons; each button is (label, action), ``per_row`` to a row."""
        actions = actions or []
        self.say_rows(text, [actions[i : i + per_row] for i in range(0, len(actions), per_row)], request)

    def say_rows(self, text: str, rows: list[list[tuple[str, str]]], request: str | None = None) -> None:
        """Reply with text and buttons laid out in the given rows."""
        rows = [row for row in rows if row]
        if not rows:
            self.out.replies.append(Outgoing(text))
            return
        self.out.replies.append(Outgoing(text, self.conv.add_keyboard(rows, request)))

    def event(self, kind: Kind, **fields: object) -> None:
        fields.setdefault("request", self.conv.request)
        self.out.events.append(Event(kind, **fields))  # type: ignore[arg-type]

    def effect(self, effect: Effect) -> None:
        self.out.effects.append(effect)

    def operator_button(self) -> tuple[str, str]:
        """«Позвать оператора», or — with no operators' desk but contacts — the contacts."""
        if self.ctx.operators or not self.ctx.contacts.configured:
            return (self.t.call_operator, "operator")
        return (self.t.contacts_button, "operator")

    def fallback(self) -> str:
        """What the bot promises when it cannot help: only what is configured."""
        if self.ctx.operators:
            return self.t.fallback_operator
        return self.t.fallback_contacts if self.ctx.contacts.configured else self.t.fallback_none

    def reach(self) -> str:
        """« или позвать сотрудника» — or the contacts, or nothing: only what is configured."""
        if self.ctx.operators:
            return self.t.reach_operator
        return self.t.reach_contacts if self.ctx.contacts.configured else ""

    def topics_phrase(self) -> str:
        """The loaded base's topics, for the greeting and «что ты умеешь»."""
        titles = [t.title for t in self.ctx.kb.topics_for(self.conv.segment)]
        if not titles:
            return ""
        shown = ", ".join(titles[:MAX_GREETING_TOPICS])
        more = self.t.more_topics if len(titles) > MAX_GREETING_TOPICS else ""
        return self.t.format(self.t.greeting_topics, topics=shown + more)

    def press_latest(self, action: str) -> bool:
        """Press the button with ``action`` under the bot's last reply with buttons, if it has one."""
        menu = self.conv.menus[-1] if self.conv.menus else None
        if menu is None or action not in menu.actions:
            return False
        self.press(f"{menu.serial}.{menu.actions.index(action)}")
        return True

    def _current(self, menu: Menu) -> bool:
        """Whether a button belongs to the question thread the person is in now."""
        return menu.request is not None and menu.request == self.conv.request

    # --- steps other mixins provide ------------------------------------------------------------

    def press(self, payload: str) -> None:
        raise NotImplementedError

    def start_rating(self, outcome: str = "helped") -> None:
        raise NotImplementedError

    def leave_survey(self) -> None:
        raise NotImplementedError

    def start_case_rating(self, case_id: int) -> None:
        raise NotImplementedError

    def escalate(self, reason: str) -> None:
        raise NotImplementedError

    def ask(self, text: str) -> None:
        raise NotImplementedError

    def topics(self) -> None:
        raise NotImplementedError


def label(question: str) -> str:
    question = question.strip()
    return question if len(question) <= MAX_QUESTION_LABEL else question[: MAX_QUESTION_LABEL - 1] + "…"


def answer_text(entry: Entry, segment: str | None, texts: Texts) -> str:
    body = entry.answer_text(segment).strip()
    if entry.links:
        lines = [f"- [{link.title or link.url}]({link.url})" for link in entry.links]
        body += f"\n\n{texts.links}\n" + "\n".join(lines)
    return body
