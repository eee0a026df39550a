"""The satisfaction survey of section 6: satisfaction, ease and a comment, for answers and for
operators' help."""

from __future__ import annotations

from bot.analytics.events import Kind
from bot.dialogue.effects import Notify, case_rating_ref
from bot.dialogue.state import Menu, Step
from bot.dialogue.texts import EASE_VALUES, SATISFACTION_VALUES
from bot.dialogue.turn import Turn
from bot.matching.text import MAX_QUERY_CHARS


class RatingFlow(Turn):
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

