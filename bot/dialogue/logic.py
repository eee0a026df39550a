"""The dialogue: a pure function from (conversation state, incoming message) to replies, events and
effects. No I/O here — the service around it loads and saves state and carries out the effects.

Behaviour follows «Государство для бизнеса» 4.6.5: answer when sure, ask "did you mean…?" when not,
otherwise offer the three most likely answers; after every answer ask whether it helped and, if not,
offer to rephrase and show other options; an operator is one tap away at every step.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.analytics.events import Event, Kind
from bot.dialogue.messages import Incoming, Outgoing
from bot.dialogue.phrases import tokens as phrase_tokens
from bot.dialogue.small_talk import Talk, small_talk
from bot.dialogue.state import Conversation, Menu, Step
from bot.dialogue.texts import EASE_VALUES, SATISFACTION_VALUES, Texts
from bot.dialogue.typed_answers import YesNo, option_number, segment_answer, yes_or_no
from bot.kb.model import Entry, KnowledgeBase
from bot.matching import Decision, Matcher
from bot.matching.text import MAX_QUERY_CHARS, clean, words
from bot.notify.when import looks_like_when

SEGMENTS = ("citizen", "business")
MAX_FAILURES_BEFORE_OPERATOR = 2
MAX_RELATED = 3
MAX_TOPIC_BUTTONS = 30
MAX_QUESTION_LABEL = 60


# --- effects: what the service must do beyond replying ------------------------------------------


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

_HUMAN = (
    r"(((жив|реальн|настоящ)\w*\s+)?(оператор\w*|человек(?:а|у|ом)?|сотрудник\w*|специалист\w*|консультант\w*)"
    r"|(жив|реальн)\w*\s+люд\w*)"
)
_OPERATOR_REQUEST = re.compile(
    r"^(а\s+)?((позов\w*|зов\w*|дайте|нужен|нужна|нужно|хочу|можно|соедин\w*|переключ\w*|свяжите)\s+)?"
    r"((мне|меня)\s+)?((с|со|на)\s+)?" + _HUMAN + r"(\s+(есть|нужен|нужна|тут|здесь))?(\s+пожалуйста)?$"
    r"|(поговорить|пообщаться|связаться|соединить|переключить|общаться|говорить)\s+(меня\s+)?(с|со|на)\s+"
    + _HUMAN
    + r"|(позов\w*|соедин\w*|переключ\w*)\s+(мне\s+)?(на\s+|с\s+)?" + _HUMAN
    + r"|(с|со)\s+" + _HUMAN + r"\s+(поговорить|пообщаться|связаться|общаться|говорить)",
    re.IGNORECASE,
)
_COMPLAINT = re.compile(r"\b(жалоб\w*|пожаловаться|претензи\w*)\b", re.IGNORECASE)
_SHORT_REQUEST_WORDS = 8


def wants_operator(text: str) -> bool:
    """A short message asking for a human («позовите оператора», «хочу поговорить с человеком»)."""
    parts = re.sub(r"[^\w\s-]", " ", text.lower().replace("ё", "е")).split()
    return len(parts) <= _SHORT_REQUEST_WORDS and _OPERATOR_REQUEST.search(" ".join(parts)) is not None


def _label_keys(label: str) -> set[str]:
    """How a button's text may be typed: whole, or without a part in brackets; no emoji or arrows."""
    keys = {" ".join(words(clean(label))), " ".join(words(clean(label.split("(")[0])))}
    return keys - {""}


def is_complaint(text: str) -> bool:
    return _COMPLAINT.search(text) is not None


def case_rating_ref(case_id: int) -> str:
    return f"case-{case_id}"


def case_closed(conv: Conversation, ctx: Context, case_id: int, text: str) -> Outcome:
    """An operator closed the person's case: back to the bot, and ask how the operator helped."""
    dialog = _Dialog(conv, ctx)
    if conv.extra.get(CASE_KEY) != case_id:
        return dialog.out  # already closed by the person, or another case since
    conv.extra.pop(CASE_KEY, None)
    conv.step = Step.IDLE
    dialog.say(text)
    dialog.start_case_rating(case_id)
    return dialog.out


NOTIFY_COMMANDS = ("settings", "stop", "reminders")


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


# --- entry point ---------------------------------------------------------------------------------


def respond(conv: Conversation, msg: Incoming, ctx: Context) -> Outcome:
    """Handle one incoming message; ``conv`` is updated in place."""
    dialog = _Dialog(conv, ctx)
    dialog.handle(msg)
    return dialog.out


class _Dialog:
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
        return (self.t.call_operator, "operator")

    # --- dispatch -------------------------------------------------------------------------------

    def handle(self, msg: Incoming) -> None:
        conv = self.conv
        if msg.button is not None:
            self.press(msg.button)
            return
        text = (msg.text or "").strip()
        if text.startswith("/"):
            self.command(text)
            return
        if conv.step == Step.OPERATOR or conv.extra.get(CASE_KEY) is not None:
            self.effect(RelayToOperator(msg))
            return
        if conv.step == Step.REMIND_WHEN:
            if looks_like_when(text):
                self.effect(Notify("remtext", text))
                return
            if yes_or_no(text) == YesNo.NO and self.press_latest("rem:none"):  # «не нужно» typed
                return
            conv.step = Step.IDLE  # not a date: a new question
        said = phrase_tokens(text)  # the message's words, once for the checks below
        talk = small_talk(text, said) if text else None
        first = conv.step == Step.NEW  # no question of the bot's can have been answered yet
        if first:
            self.greet()
            if talk is not None:
                return  # «здравствуйте»: the greeting is the answer
        if msg.attachments and not text:
            self.event(Kind.NON_TEXT, value=",".join(a.value for a in msg.attachments))
            self.say(self.t.non_text)
            return
        if not text:
            self.say(self.t.empty)
            return
        if conv.step == Step.FORGET:  # only the button deletes; anything typed keeps the data
            self.say(self.t.forget_cancelled)
            conv.step = Step.IDLE
        elif not first and (self.typed_answer(text) or self.typed_label(said)):
            return
        if conv.step == Step.RATE_COMMENT:
            self.comment(text)
            return
        if talk is not None:
            self.courtesy(talk)
            return
        if not said:  # «😡», «???»: nothing to search for, and no failed question either
            self.say(self.t.empty)
            return
        self.ask(text)

    def typed_answer(self, text: str) -> bool:
        """«да», «нет» or an option's number typed in answer to the bot's current question: as if pressed."""
        conv = self.conv
        menu = conv.menus[-1] if conv.menus else None
        if menu is None:
            return False
        wanted: str | None = None
        if conv.step == Step.SEGMENT:  # «кто вы?» is asked outside any question thread
            segment = segment_answer(text)
            wanted = f"seg:{segment}" if segment is not None else None
        elif not self._current(menu):
            return False
        elif conv.step == Step.CONFIRM or (conv.step == Step.FEEDBACK and not conv.feedback_done):
            answer = yes_or_no(text)
            prefix = "confirm:" if conv.step == Step.CONFIRM else "helped:"
            wanted = next(
                (a for a in menu.actions if a.startswith(prefix) and (a == prefix + "no") == (answer == YesNo.NO)),
                None,
            ) if answer is not None else None
        elif conv.step == Step.CHOICE and (number := option_number(text)) is not None:
            options = [a for a in menu.actions if a.startswith("entry:")]
            wanted = options[number - 1] if number <= len(options) else None
        return wanted is not None and self.press_latest(wanted)

    def typed_label(self, said: list[str]) -> bool:
        """The text of one of the last reply's buttons typed instead of pressed («Удовлетворён», «ЖКХ»,
        «Екатеринбург» for «Екатеринбург (UTC+5)»): as if pressed. ``said``: the message's words."""
        menu = self.conv.menus[-1] if self.conv.menus else None
        typed = " ".join(said)
        if menu is None or not menu.labels or not typed:
            return False
        hits = [i for i, label in enumerate(menu.labels) if typed in _label_keys(label)]
        if len(hits) != 1:
            return False
        self.press(f"{menu.serial}.{hits[0]}")
        return True

    def press_latest(self, action: str) -> bool:
        """Press the button with ``action`` under the bot's last reply with buttons, if it has one."""
        menu = self.conv.menus[-1] if self.conv.menus else None
        if menu is None or action not in menu.actions:
            return False
        self.press(f"{menu.serial}.{menu.actions.index(action)}")
        return True

    def courtesy(self, talk: Talk) -> None:
        """Hello, thanks, goodbye or «ок» answered in kind; the step stays (the last buttons still work)."""
        self.event(Kind.SMALL_TALK, value=talk.value)
        self.say({
            Talk.HELLO: self.t.small_talk_hello,
            Talk.THANKS: self.t.small_talk_thanks,
            Talk.BYE: self.t.small_talk_bye,
            Talk.OK: self.t.small_talk_ok,
        }[talk])

    def command(self, text: str) -> None:
        name = text.split()[0][1:].split("@")[0].lower()
        if name == "start":
            self.greet(force=True)
        elif name == "help":
            self.say(self.t.help)
        elif name == "menu":
            self.topics()
        elif name == "operator":
            self.escalate("command")
        elif name == "profile":
            self.ask_segment(self.t.format(self.t.profile, who=self._who()))
        elif name in NOTIFY_COMMANDS:
            self.effect(Notify("cmd", name))
        elif name == "link":
            self.effect(LinkAccounts(text.split(maxsplit=1)[1] if len(text.split(maxsplit=1)) > 1 else ""))
        elif name in ("forget", "delete"):
            self.conv.step = Step.FORGET
            self.say(self.t.forget_confirm, [(self.t.forget_yes, "forget:yes"), (self.t.forget_no, "forget:no")], 2)
        else:
            self.say(self.t.unknown_command)

    def press(self, payload: str) -> None:
        prefix, _, rest = payload.partition(":")
        if prefix in ("u", "r", "e") and rest:
            self.plain_button(prefix, rest)
            return
        found = self.conv.resolve(payload)
        if found is None:
            self.event(Kind.STALE_BUTTON)
            self.say(self.t.stale_button)
            return
        action, menu = found
        kind, _, arg = action.partition(":")
        handler = getattr(self, f"on_{kind}", None)
        if handler is None:
            self.event(Kind.STALE_BUTTON)
            self.say(self.t.stale_button)
            return
        handler(arg, menu)

    def plain_button(self, prefix: str, rest: str) -> None:
        """Buttons under notifications (not tied to a menu): unsubscribe, rate a case, open an answer."""
        if prefix == "u":
            self.effect(Notify("unsub", rest))
        elif prefix == "r":
            self.effect(Notify("rate", rest))
        elif rest in self.ctx.kb.entries:
            if self.conv.step == Step.OPERATOR:
                self.say(self.t.stale_button)
                return
            self.conv.start_thread(self.ctx.new_id(), self.ctx.kb.entries[rest].question)
            self.answer(rest, via="notification")
        else:
            self.event(Kind.STALE_BUTTON)
            self.say(self.t.stale_button)

    def on_ns(self, arg: str, menu: Menu) -> None:
        self.effect(Notify("ns", arg))

    def on_rem(self, arg: str, menu: Menu) -> None:
        self.effect(Notify("rem", arg))

    # --- greeting and profile -------------------------------------------------------------------

    def greet(self, force: bool = False) -> None:
        if self.conv.step != Step.NEW and not force:
            return
        greeting = self.t.format(
            self.t.greeting,
            name=self.ctx.bot_name,
            organisation=self.ctx.organisation,
            policy_url=self.ctx.policy_url,
        )
        self.out.replies.append(Outgoing(greeting))
        self.conv.step = Step.IDLE
        self.ask_segment(self.t.ask_segment)

    def ask_segment(self, text: str) -> None:
        self.conv.step = Step.SEGMENT
        self.say(
            text,
            [
                (self.t.segment_citizen, "seg:citizen"),
                (self.t.segment_business, "seg:business"),
                (self.t.segment_skip, "seg:skip"),
            ],
            per_row=2,
        )

    def _who(self) -> str:
        return {
            "citizen": self.t.profile_who_citizen,
            "business": self.t.profile_who_business,
        }.get(self.conv.segment or "", self.t.profile_who_none)

    def on_seg(self, arg: str, menu: Menu) -> None:
        segment = arg if arg in SEGMENTS else None
        if arg != "skip" or self.conv.segment is None:
            self.conv.segment = segment
            self.effect(SetSegment(segment))
            self.event(Kind.SEGMENT, value=segment or "none")
        saved = {"citizen": self.t.segment_saved_citizen, "business": self.t.segment_saved_business}
        self.say(saved.get(self.conv.segment or "", self.t.segment_saved_none))
        if self.conv.step == Step.SEGMENT:
            self.conv.step = Step.IDLE
            self.say(self.t.segment_now_ask)

    # --- questions ------------------------------------------------------------------------------

    def ask(self, text: str) -> None:
        conv = self.conv
        conv.start_thread(self.ctx.new_id(), text[:MAX_QUERY_CHARS])
        if len(text) > MAX_QUERY_CHARS:
            self.say(self.t.too_long)
        result = self.ctx.matcher.match(text, segment=conv.segment)
        conv.candidates = [c.id for c in result.top if c.id in self.ctx.kb.entries]
        thread = conv.thread()
        if thread is not None:
            thread.decision = result.decision.value
        self.event(
            Kind.REQUEST,
            decision=result.decision.value,
            score=result.best.score if result.best else 0.0,
            candidates=tuple((c.id, c.score) for c in result.top[:3]),
        )
        top = conv.candidates[:3]
        if result.decision == Decision.ANSWER and top:
            self.answer(top[0], via="match")
        elif wants_operator(text):
            self.escalate("words")
        elif result.decision == Decision.CONFIRM and top:
            entry = self.ctx.kb.entries[top[0]]
            conv.entry = entry.id
            conv.step = Step.CONFIRM
            self.say(
                self.t.format(self.t.confirm, question=entry.question),
                [(self.t.yes, f"confirm:{entry.id}"), (self.t.no, "confirm:no"), self.operator_button()],
                per_row=2,
            )
        elif is_complaint(text):
            self.escalate("words")  # a complaint the base does not answer goes to a person
        elif result.decision == Decision.SUGGEST and top:
            self.offer(top[:3], self.t.suggest)
        else:
            self.nothing_found(text)

    def nothing_found(self, text: str) -> None:
        self.conv.failures += 1
        self.event(Kind.UNANSWERED, value="none", text=text[:MAX_QUERY_CHARS])
        if self.conv.failures >= MAX_FAILURES_BEFORE_OPERATOR:
            self.propose_operator()
            return
        self.conv.step = Step.IDLE
        topics = self.ctx.kb.topics_for(self.conv.segment)[:6]
        actions = [(t.title, f"topic:{t.id}") for t in topics]
        self.say(self.t.not_found, [*actions, self.operator_button()])

    def offer(self, entry_ids: list[str], text: str) -> None:
        self.conv.step = Step.CHOICE
        actions = [(_label(self.ctx.kb.entries[i].question), f"entry:{i}") for i in entry_ids]
        self.say(text, [*actions, (self.t.other, "other"), self.operator_button()])

    def answer(self, entry_id: str, via: str) -> None:
        conv = self.conv
        entry = self.ctx.kb.entries[entry_id]
        conv.entry = entry.id
        if entry.id not in conv.shown:
            conv.shown.append(entry.id)
        conv.feedback_done = False
        conv.step = Step.FEEDBACK
        thread = conv.thread()
        if thread is not None:
            thread.entry = entry.id
        self.event(Kind.ANSWER, entry=entry.id, via=via)
        related = [r for r in entry.related if r in self.ctx.kb.entries][:MAX_RELATED]
        # One message: the answer, the question "did that help?" under it, then related entries.
        body = f"{_answer_text(entry, conv.segment, self.t)}\n\n**{self.t.helped_question}**"
        rows = [
            [(self.t.yes, "helped:yes"), (self.t.no, "helped:no")],
            [self.operator_button()],
            *[[(self.t.related_prefix + _label(self.ctx.kb.entries[r].question), f"related:{r}")] for r in related],
        ]
        if self.ctx.remindable is not None and self.ctx.remindable(entry):
            rows.insert(1, [(self.t.remind_button, f"rem:offer:{entry.id}")])
        self.say_rows(body, rows)

    # --- button actions -------------------------------------------------------------------------

    def _current(self, menu: Menu) -> bool:
        """Whether a button belongs to the question thread the person is in now."""
        return menu.request is not None and menu.request == self.conv.request

    def on_entry(self, arg: str, menu: Menu) -> None:
        if arg not in self.ctx.kb.entries:
            self.say(self.t.stale_button)
            return
        if not self._current(menu) or self.conv.step not in (Step.CHOICE, Step.FEEDBACK, Step.CONFIRM):
            # an older list: still a fine way to open an answer, as a new thread
            self.conv.start_thread(self.ctx.new_id(), self.ctx.kb.entries[arg].question)
        self.answer(arg, via="choice")

    def on_related(self, arg: str, menu: Menu) -> None:
        if arg not in self.ctx.kb.entries:
            self.say(self.t.stale_button)
            return
        self.conv.start_thread(self.ctx.new_id(), self.ctx.kb.entries[arg].question)
        self.answer(arg, via="related")

    def on_browse(self, arg: str, menu: Menu) -> None:
        if arg not in self.ctx.kb.entries:
            self.say(self.t.stale_button)
            return
        self.conv.start_thread(self.ctx.new_id(), self.ctx.kb.entries[arg].question)
        self.answer(arg, via="browse")

    def on_confirm(self, arg: str, menu: Menu) -> None:
        if not self._current(menu) or self.conv.step != Step.CONFIRM:
            self.say(self.t.already_answered)
            return
        if arg != "no" and arg in self.ctx.kb.entries:
            self.answer(arg, via="confirm")
            return
        self.failed("confirm_no")

    def on_helped(self, arg: str, menu: Menu) -> None:
        conv = self.conv
        if not self._current(menu) or conv.feedback_done:
            self.say(self.t.already_answered)
            return
        conv.feedback_done = True
        thread = conv.thread()
        if thread is not None:
            thread.helped = arg
        self.event(Kind.FEEDBACK, entry=conv.entry, value="yes" if arg == "yes" else "no")
        if arg == "yes":
            conv.failures = 0
            conv.step = Step.IDLE
            self.say(self.t.glad)
            self.start_rating()
        else:
            self.failed("no")

    def on_other(self, arg: str, menu: Menu) -> None:
        if not self._current(menu) or self.conv.step != Step.CHOICE:
            self.say(self.t.after_other, [self.operator_button()])
            return
        self.failed("other")

    def failed(self, reason: str) -> None:
        """The answer or the options did not fit: rephrase, show other options, then an operator."""
        conv = self.conv
        conv.failures += 1
        self.event(Kind.UNANSWERED, value=reason, text=conv.query)
        if conv.failures >= MAX_FAILURES_BEFORE_OPERATOR:
            self.propose_operator()
            return
        rest = [c for c in self.more_candidates() if c not in conv.shown and c != conv.entry][:3]
        if rest and reason != "other":
            self.offer(rest, self.t.rephrase_with_options)
        else:
            conv.step = Step.IDLE
            text = self.t.after_other if reason == "other" else self.t.rephrase
            self.say(text, [self.operator_button()])

    def more_candidates(self) -> list[str]:
        """The thread's likely entries beyond the first three (matched again only when needed)."""
        conv = self.conv
        if conv.query and len(conv.candidates) <= 3:
            result = self.ctx.matcher.match(conv.query, limit=6, segment=conv.segment)
            found = [c.id for c in result.top if c.id in self.ctx.kb.entries]
            conv.candidates = list(dict.fromkeys([*conv.candidates, *found]))
        return conv.candidates

    def propose_operator(self) -> None:
        self.conv.step = Step.IDLE
        self.event(Kind.ESCALATION, value="offered")
        self.say(self.t.offer_operator, [self.operator_button(), (self.t.topics_button, "topics")])

    def on_operator(self, arg: str, menu: Menu) -> None:
        self.escalate("button")

    def escalate(self, reason: str) -> None:
        """Ask the operators' desk to take the conversation; the question counts as unanswered."""
        conv = self.conv
        self.event(Kind.ESCALATION, value=reason)
        thread = conv.thread()
        if conv.query and thread is not None and thread.helped != "yes":
            self.event(Kind.UNANSWERED, value="escalation", text=conv.query)
        self.effect(Escalate(reason))

    def on_topics(self, arg: str, menu: Menu) -> None:
        self.topics()

    def topics(self) -> None:
        topics = self.ctx.kb.topics_for(self.conv.segment)
        self.say(self.t.menu, [(t.title, f"topic:{t.id}") for t in topics])

    def on_topic(self, arg: str, menu: Menu) -> None:
        topic = self.ctx.kb.topic(arg)
        if topic is None:
            self.say(self.t.stale_button)
            return
        self.event(Kind.BROWSE, value=topic.id)
        entries = self.ctx.kb.entries_for(topic.id, self.conv.segment)[:MAX_TOPIC_BUTTONS]
        if not entries:
            self.say(self.t.topic_empty, [(self.t.back_to_topics, "topics")])
            return
        actions = [(_label(e.question), f"browse:{e.id}") for e in entries]
        self.say(self.t.format(self.t.topic, topic=topic.title), [*actions, (self.t.back_to_topics, "topics")])

    def on_forget(self, arg: str, menu: Menu) -> None:
        if self.conv.step != Step.FORGET or menu.serial != self.conv.latest_serial:
            self.say(self.t.stale_button)
            return
        if arg == "yes":
            self.effect(Forget())
            self.out.replies.append(Outgoing(self.t.forgotten, remove_buttons=True))
        else:
            self.conv.step = Step.IDLE
            self.say(self.t.forget_cancelled)

    def on_solved(self, arg: str, menu: Menu) -> None:
        case_id = self.conv.extra.get(CASE_KEY)
        if case_id is None:
            self.say(self.t.case_already_closed)
            return
        self.effect(CloseCase(int(case_id)))
        self.conv.extra.pop(CASE_KEY, None)
        self.conv.step = Step.IDLE
        self.say(self.t.format(self.t.case_closed_by_person, case=case_id))
        self.start_case_rating(int(case_id))

    def start_case_rating(self, case_id: int) -> None:
        """Ask the section 6 questions about an operator's help (the same scales as for answers)."""
        conv = self.conv
        ref = case_rating_ref(case_id)
        if ref in conv.rated:
            return
        conv.rating_for = ref
        conv.entry = None
        conv.step = Step.RATE_SATISFACTION
        scale = list(zip(self.t.satisfaction_scale, SATISFACTION_VALUES, strict=True))
        actions = [(label, f"sat:{value}") for label, value in scale]
        self.say(self.t.operator_satisfaction_question, [*actions, (self.t.skip, "rate:skip")], 1, ref)

    def _rating_via(self) -> str | None:
        return "operator" if (self.conv.rating_for or "").startswith("case-") else None

    # --- satisfaction (section 6 scales) --------------------------------------------------------

    def start_rating(self) -> None:
        conv = self.conv
        request = conv.request
        if request is None or request in conv.rated:
            return
        conv.rating_for = request
        conv.step = Step.RATE_SATISFACTION
        scale = list(zip(self.t.satisfaction_scale, SATISFACTION_VALUES, strict=True))
        actions = [(label, f"sat:{value}") for label, value in scale]
        self.say(self.t.satisfaction_question, [*actions, (self.t.skip, "rate:skip")], 1, request)

    def _rating_live(self, menu: Menu) -> bool:
        return (
            self.conv.rating_for is not None
            and menu.request == self.conv.rating_for
            and self.conv.rating_for not in self.conv.rated
        )

    def on_sat(self, arg: str, menu: Menu) -> None:
        if not self._rating_live(menu) or self.conv.step != Step.RATE_SATISFACTION or arg not in "1234":
            self.say(self.t.rating_done)
            return
        self.event(
            Kind.SATISFACTION, request=self.conv.rating_for, entry=self.conv.entry, value=arg, via=self._rating_via()
        )
        if self._rating_via() == "operator" and self.ctx.remindable is not None:  # the notifications desk is on
            self.effect(Notify("case_rated", self.conv.rating_for or ""))
        self.ask_ease()

    def ask_ease(self) -> None:
        self.conv.step = Step.RATE_EASE
        scale = list(zip(self.t.ease_scale, EASE_VALUES, strict=True))
        actions = [(label, f"ease:{value}") for label, value in scale]
        self.say(self.t.ease_question, [*actions, (self.t.skip, "rate:skip")], 2, self.conv.rating_for)

    def on_ease(self, arg: str, menu: Menu) -> None:
        if not self._rating_live(menu) or self.conv.step != Step.RATE_EASE or arg not in "1234":
            self.say(self.t.rating_done)
            return
        self.event(
            Kind.EASE, request=self.conv.rating_for, entry=self.conv.entry, value=arg, via=self._rating_via()
        )
        self.ask_comment()

    def ask_comment(self) -> None:
        self.conv.step = Step.RATE_COMMENT
        self.say(self.t.comment_question, [(self.t.skip, "rate:skip")], 1, self.conv.rating_for)

    def on_rate(self, arg: str, menu: Menu) -> None:
        if not self._rating_live(menu):
            self.say(self.t.rating_done)
            return
        step = self.conv.step
        if step == Step.RATE_SATISFACTION:
            self.ask_ease()
        elif step == Step.RATE_EASE:
            self.ask_comment()
        else:
            self.finish_rating()

    def comment(self, text: str) -> None:
        self.event(
            Kind.COMMENT, request=self.conv.rating_for, entry=self.conv.entry, text=text[:MAX_QUERY_CHARS],
            via=self._rating_via(),
        )
        self.finish_rating()

    def finish_rating(self) -> None:
        conv = self.conv
        if conv.rating_for is not None:
            conv.mark_rated(conv.rating_for)
        conv.rating_for = None
        conv.step = Step.IDLE
        self.say(self.t.thanks_for_rating)


def _label(question: str) -> str:
    question = question.strip()
    return question if len(question) <= MAX_QUESTION_LABEL else question[: MAX_QUESTION_LABEL - 1] + "…"


def _answer_text(entry: Entry, segment: str | None, texts: Texts) -> str:
    body = entry.answer_text(segment).strip()
    if entry.links:
        lines = [f"- [{link.title or link.url}]({link.url})" for link in entry.links]
        body += f"\n\n{texts.links}\n" + "\n".join(lines)
    return body
