"""The satisfaction survey of section 6: satisfaction, ease and a comment, for answers and for
operators' help.

Unbiased: asked after every finished question thread — helped, not helped, or handed to a person (then
about the operator, and only when an operator replied) — never twice for one thread, and not more
often than the configuration allows for one person. Every question asked is an event (`survey`), so
reports can say how many were asked and how many answered. Leaving takes one tap («Пропустить»); a
question typed at the comment prompt is answered, not stored as a comment.
"""

from __future__ import annotations

import re
from datetime import datetime

from bot.analytics.events import Kind
from bot.dialogue.effects import Notify, case_rating_ref
from bot.dialogue.state import Menu, Step
from bot.dialogue.texts import EASE_VALUES, SATISFACTION_VALUES
from bot.dialogue.turn import Turn
from bot.matching import Decision
from bot.matching.text import MAX_QUERY_CHARS, clean, words

HELPED = "helped"
NOT_HELPED = "not_helped"
OPERATOR = "operator"
ASKED_AT_KEY = "survey_at"  # conv.extra: when this person was last asked to rate
OUTCOME_KEY = "survey_outcome"  # conv.extra: what the survey in progress is about
_RATING_STEPS = (Step.RATE_SATISFACTION, Step.RATE_EASE, Step.RATE_COMMENT)
_QUESTION_TEXT = (
    "как где когда куда сколько почему зачем какой какая какие каких каким какую что чем кто кому откуда "
    "можно нужно надо могу должен обязан ли подскажите скажите объясните расскажите"
)
_QUESTION_WORDS = frozenset(_QUESTION_TEXT.split(" "))
_QUESTION_MARK = re.compile(r"\?\s*$|\?\s")


def looks_like_question(text: str) -> bool:
    """«а как продлить?», «где взять справку» — not «всё понятно, спасибо»."""
    said = words(clean(text))
    return bool(_QUESTION_MARK.search(text)) or (bool(said) and said[0] in _QUESTION_WORDS) or "ли" in said


class RatingFlow(Turn):
    def start_case_rating(self, case_id: int) -> None:
        """Ask the section 6 questions about an operator's help (the same scales as for answers)."""
        ref = case_rating_ref(case_id)
        self._ask(ref, OPERATOR, self.t.operator_satisfaction_question, entry=None)

    def start_rating(self, outcome: str = HELPED) -> None:
        """The thread is finished (helped or not): ask how satisfied the person is."""
        if self.conv.request is None:
            return
        self._ask(self.conv.request, outcome, self.t.satisfaction_question, entry=self.conv.entry)

    def _due(self, now: datetime) -> bool:
        """Not more often than the configured interval for one person."""
        last = self.conv.extra.get(ASKED_AT_KEY)
        if not last or self.ctx.rating_interval.total_seconds() <= 0:
            return True
        try:
            return now - datetime.fromisoformat(last) >= self.ctx.rating_interval
        except ValueError:
            return True

    def _ask(self, ref: str, outcome: str, question: str, entry: str | None) -> None:
        conv = self.conv
        if ref in conv.rated or not self._due(self.ctx.now):
            return
        conv.mark_rated(ref)  # asked once, answered or not
        conv.extra[ASKED_AT_KEY] = self.ctx.now.isoformat()
        conv.extra[OUTCOME_KEY] = outcome
        conv.rating_for = ref
        conv.entry = entry
        conv.step = Step.RATE_SATISFACTION
        self.event(Kind.SURVEY, request=ref, entry=entry, value=outcome)
        if outcome == OPERATOR and self.ctx.remindable is not None:  # the notifications desk is on:
            self.effect(Notify("case_rated", ref))  # asked now, so no invitation to rate later (never twice)
        scale = list(zip(self.t.satisfaction_scale, SATISFACTION_VALUES, strict=True))
        actions = [(label, f"sat:{value}") for label, value in scale]
        self.say(question, [*actions, (self.t.skip, "rate:skip")], 1, ref)

    def _rating_via(self) -> str | None:
        return self.conv.extra.get(OUTCOME_KEY) or (
            OPERATOR if (self.conv.rating_for or "").startswith("case-") else None
        )

    def _rating_live(self, menu: Menu) -> bool:
        return self.conv.rating_for is not None and menu.request == self.conv.rating_for

    def on_sat(self, arg: str, menu: Menu) -> None:
        if not self._rating_live(menu) or self.conv.step != Step.RATE_SATISFACTION or arg not in "1234":
            self.say(self.t.rating_done)
            return
        self.event(
            Kind.SATISFACTION, request=self.conv.rating_for, entry=self.conv.entry, value=arg, via=self._rating_via()
        )
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
        """«Пропустить» at any question of the survey: the survey is over (one tap)."""
        if not self._rating_live(menu) or self.conv.step not in _RATING_STEPS:
            self.say(self.t.rating_done)
            return
        self.finish_rating(self.t.survey_left)

    def comment(self, text: str) -> bool:
        """Store a comment; False (nothing stored) when the message is a question to answer instead."""
        if looks_like_question(text) or self._base_answers(text):
            self.leave_survey()
            return False
        self.event(
            Kind.COMMENT, request=self.conv.rating_for, entry=self.conv.entry, text=text[:MAX_QUERY_CHARS],
            via=self._rating_via(),
        )
        self.finish_rating(self.t.thanks_for_rating)
        return True

    def _base_answers(self, text: str) -> bool:
        result = self.ctx.matcher.match(text, segment=self.conv.segment)
        return result.decision in (Decision.ANSWER, Decision.CONFIRM)

    def leave_survey(self) -> None:
        """The person moved on (a question, a request for a person): the ratings given stay."""
        if self.conv.step in _RATING_STEPS:
            self.conv.rating_for = None
            self.conv.extra.pop(OUTCOME_KEY, None)
            self.conv.step = Step.IDLE

    def finish_rating(self, text: str) -> None:
        conv = self.conv
        conv.rating_for = None
        conv.extra.pop(OUTCOME_KEY, None)
        conv.step = Step.IDLE
        self.say(text)
