"""Questions: matching, answering, «did you mean…?», the options, «did that help?», failures and the
way to an operator."""

from __future__ import annotations

from bot.analytics.events import Kind
from bot.dialogue.effects import Escalate
from bot.dialogue.person_request import is_complaint, wants_operator
from bot.dialogue.state import Menu, Step
from bot.dialogue.turn import Turn, answer_text, label
from bot.matching import Decision
from bot.matching.text import MAX_QUERY_CHARS

MAX_FAILURES_BEFORE_OPERATOR = 2
MAX_RELATED = 3


class AnswerFlow(Turn):
    # --- questions ------------------------------------------------------------------------------

    def ask(self, text: str) -> None:
        conv = self.conv
        conv.start_thread(self.ctx.new_id(), text[:MAX_QUERY_CHARS])
        if len(text) > MAX_QUERY_CHARS:
            self.say(self.t.too_long)
        result = self.ctx.matcher.match(text)
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
        actions = [(label(self.ctx.kb.entries[i].question), f"entry:{i}") for i in entry_ids]
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
        body = f"{answer_text(entry, conv.segment, self.t)}\n\n**{self.t.helped_question}**"
        rows = [
            [(self.t.yes, "helped:yes"), (self.t.no, "helped:no")],
            [self.operator_button()],
            *[[(self.t.related_prefix + label(self.ctx.kb.entries[r].question), f"related:{r}")] for r in related],
        ]
        if self.ctx.remindable is not None and self.ctx.remindable(entry):
            rows.insert(1, [(self.t.remind_button, f"rem:offer:{entry.id}")])
        self.say_rows(body, rows)

    # --- button actions -------------------------------------------------------------------------
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
            result = self.ctx.matcher.match(conv.query, limit=6)
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

