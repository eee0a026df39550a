"""The dialogue: a pure function from (conversation state, incoming message) to replies, events and
effects. No I/O here — the service around it loads and saves state and carries out the effects.

Behaviour follows «Государство для бизнеса» 4.6.5: answer when sure, ask "did you mean…?" when not,
otherwise offer the three most likely answers; after every answer ask whether it helped and, if not,
offer to rephrase and show other options; an operator is one tap away at every step.
"""

from __future__ import annotations

from bot.analytics.events import Kind
from bot.dialogue.about import about_bot
from bot.dialogue.answers import MAX_FAILURES_BEFORE_OPERATOR, RETRY_KEY, AnswerFlow
from bot.dialogue.effects import (
    CASE_KEY,
    CloseCase,
    Context,
    Effect,
    Escalate,
    Forget,
    LinkAccounts,
    Notify,
    Outcome,
    RelayToOperator,
    SetSegment,
    case_rating_ref,
)
from bot.dialogue.emergency import Danger, detect
from bot.dialogue.emergency import reply as emergency_reply
from bot.dialogue.menus import SEGMENTS, MenuFlow
from bot.dialogue.messages import Incoming, Outgoing
from bot.dialogue.person_request import is_complaint, person_request, wants_operator
from bot.dialogue.phrases import tokens as phrase_tokens
from bot.dialogue.ratings import RatingFlow
from bot.dialogue.small_talk import Talk, small_talk
from bot.dialogue.state import Conversation, Menu, Step
from bot.dialogue.typed_answers import YesNo, option_number, segment_answer, yes_or_no
from bot.matching.text import clean, words
from bot.notify.when import looks_like_when

__all__ = [
    "CASE_KEY", "MAX_FAILURES_BEFORE_OPERATOR", "SEGMENTS", "CloseCase", "Context", "Effect", "Escalate", "Forget",
    "LinkAccounts", "Notify", "Outcome", "RelayToOperator", "SetSegment", "case_closed", "case_rating",
    "case_rating_ref",
    "is_complaint", "respond", "wants_operator",
]

NOTIFY_COMMANDS = ("settings", "stop", "reminders")


def _label_keys(label: str) -> set[str]:
    """How a button's text may be typed: whole, or without a part in brackets; no emoji or arrows."""
    keys = {" ".join(words(clean(label))), " ".join(words(clean(label.split("(")[0])))}
    return keys - {""}


def case_closed(conv: Conversation, ctx: Context, case_id: int, text: str, replied: bool = True) -> Outcome:
    """An operator closed the person's case: back to the bot, and — if an operator replied — ask how the
    operator helped."""
    dialog = _Dialog(conv, ctx)
    if conv.extra.get(CASE_KEY) != case_id:
        return dialog.out  # already closed by the person, or another case since
    conv.extra.pop(CASE_KEY, None)
    conv.step = Step.IDLE
    dialog.say(text)
    if replied:
        dialog.start_case_rating(case_id)
    return dialog.out


def case_rating(conv: Conversation, ctx: Context, case_id: int) -> Outcome:
    """The person closed a case an operator replied in: ask how the operator helped."""
    dialog = _Dialog(conv, ctx)
    dialog.start_case_rating(case_id)
    return dialog.out


# --- entry point ---------------------------------------------------------------------------------


def respond(conv: Conversation, msg: Incoming, ctx: Context) -> Outcome:
    """Handle one incoming message; ``conv`` is updated in place."""
    dialog = _Dialog(conv, ctx)
    dialog.handle(msg)
    return dialog.out


class _Dialog(AnswerFlow, RatingFlow, MenuFlow):
    """One message's handling: dispatch to the step it belongs to."""

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
        said = phrase_tokens(text)  # the message's words, once for the checks below
        danger = detect(text, said) if said else None
        with_operator = conv.step == Step.OPERATOR or conv.extra.get(CASE_KEY) is not None
        if danger is not None:  # before anything else: 112
            self.emergency(danger)
            if with_operator:
                self.effect(RelayToOperator(msg))
            elif conv.step == Step.NEW:
                self.greet()
            return
        if with_operator:
            self.effect(RelayToOperator(msg))
            return
        if conv.step == Step.REMIND_WHEN:
            if looks_like_when(text):
                self.effect(Notify("remtext", text))
                return
            if yes_or_no(text) == YesNo.NO and self.press_latest("rem:none"):  # «не нужно» typed
                return
            conv.step = Step.IDLE  # not a date: a new question
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
            conv.step = Step.IDLE
            self.say(self.t.forget_cancelled)
            if self.is_label(said) or yes_or_no(text) is not None or talk is not None or not said:
                return  # «удалить», «да» typed: one reply, and not a question for the base
        elif not first and (self.typed_answer(text) or self.typed_label(said)):
            return
        asked_about = about_bot(said)
        if asked_about is not None:
            self.leave_survey()
            self.about(asked_about)
            return
        wanted = person_request(text, said)
        if wanted is not None:  # a person, not the base: even at the comment prompt
            self.leave_survey()
            self.ask_for_person(text, wanted)
            return
        if conv.step == Step.RATE_COMMENT:
            if not self.comment(text):
                self.ask(text)  # a question, not a comment: the ratings stay, the question is answered
            return
        if talk is not None:
            self.courtesy(talk)
            return
        if not said:  # «😡», «???»: nothing to search for, and no failed question either
            self.say(self.t.empty)
            return
        self.ask(text)

    def emergency(self, danger: Danger) -> None:
        """Danger to life or health: 112 and the services, before (instead of) any matching."""
        self.event(Kind.EMERGENCY, value=danger.kind, request=None)
        self.out.replies.append(Outgoing(emergency_reply(danger, self.ctx.safety)))

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

    def is_label(self, said: list[str]) -> bool:
        """Whether the words are the text of a button of the bot's last reply."""
        menu = self.conv.menus[-1] if self.conv.menus else None
        typed = " ".join(said)
        return menu is not None and bool(typed) and any(typed in _label_keys(label) for label in menu.labels)

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

    def courtesy(self, talk: Talk) -> None:
        """Hello, thanks, goodbye, «ок», chit-chat or rudeness answered in kind — never a failed question
        (no operator offer for it); the step stays (the last buttons still work)."""
        self.conv.extra.pop(RETRY_KEY, None)  # a failed question left be: the next one starts afresh
        self.event(Kind.SMALL_TALK, value=talk.value)
        if talk == Talk.RUDE:
            self.say(self.t.small_talk_rude, [self.operator_button()])
            return
        self.say({
            Talk.HELLO: self.t.small_talk_hello,
            Talk.THANKS: self.t.small_talk_thanks,
            Talk.BYE: self.t.small_talk_bye,
            Talk.OK: self.t.small_talk_ok,
            Talk.CHAT: self.t.small_talk_chat,
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
            if self.conv.step == Step.NEW:  # the first message: the personal-data note first
                self.greet()
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

