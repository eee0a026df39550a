"""Questions: matching, answering, «did you mean…?», the options, «did that help?», failures and the
way to an operator."""

from __future__ import annotations

from bot.analytics.events import Kind
from bot.analytics.privacy import scrub
from bot.dialogue.effects import TOPIC_KEY, Escalate
from bot.dialogue.person_request import PersonRequest, is_complaint
from bot.dialogue.ratings import HELPED, NOT_HELPED
from bot.dialogue.state import Menu, Step
from bot.dialogue.turn import Turn, answer_text, label
from bot.matching import Decision
from bot.matching.text import MAX_QUERY_CHARS

MAX_FAILURES_BEFORE_OPERATOR = 2
MAX_RELATED = 3
MAX_EXAMPLE = 45  # a longer question is a poor example of how to ask
RETRY_KEY = "retry"  # conv.extra: the bot's last word was «try again»; the next question continues it


class AnswerFlow(Turn):
    # --- questions ------------------------------------------------------------------------------

    def ask(self, text: str) -> None:
        conv = self.conv
        self.leave_survey()  # a question instead of a mark: the survey is left, the marks given stay
        if not conv.extra.pop(RETRY_KEY, False):
            conv.failures = 0  # a new question, not another try at the one that failed
        conv.start_thread(self.ctx.new_id(), scrub(text[:MAX_QUERY_CHARS]))
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
        elif result.decision == Decision.CONFIRM and top:
            entry = self.ctx.kb.entries[top[0]]
            conv.entry = entry.id
            conv.step = Step.CONFIRM
            self.say(
                self.t.format(self.t.confirm, question=entry.question.rstrip("?!. ")),  # no «…?»?
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
        self.conv.extra[RETRY_KEY] = True
        topics = self.ctx.kb.topics_for(self.conv.segment)[:6]
        actions = [(t.title, f"topic:{t.id}") for t in topics]
        text = self.t.format(self.t.not_found, examples=self.examples(), reach=self.reach())
        self.say(text, [*actions, self.operator_button()])

    def examples(self) -> str:
        """Two short questions of the loaded base that people ask most, as examples of a good question."""
        kb = self.ctx.kb
        ids = [i for i in self.ctx.popular if i in kb.entries]
        if len(ids) < 2:
            firsts = [kb.entries_for(t.id, self.conv.segment) for t in kb.topics_for(self.conv.segment)]
            ids += [entries[0].id for entries in firsts if entries]
        shown = [kb.entries[i].question.rstrip("?").strip() for i in dict.fromkeys(ids)]
        shown = [q for q in shown if len(q) <= MAX_EXAMPLE][:2]
        if not shown:
            return ""
        return self.t.format(self.t.not_found_examples, examples=" или ".join(f"«{q}»" for q in shown))

    def ask_for_person(self, text: str, wanted: PersonRequest) -> None:
        """A typed request for a person: to the operators (or the contacts), with the topic it names."""
        conv = self.conv
        if wanted.topic:
            conv.extra[TOPIC_KEY] = self.topic_named(wanted.topic)
        self.escalate("words")

    def topic_named(self, words: str) -> str:
        """The base's topic for «налогам», «жкх»; the words themselves when the base has none."""
        result = self.ctx.matcher.match(words)
        for candidate in result.top[:1]:
            topic = self.ctx.kb.topic_of(candidate.id)
            if topic is not None and result.decision != Decision.NONE:
                return topic.title
        return words

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
            self.start_rating(HELPED)
        else:
            self.failed("no")

    def on_other(self, arg: str, menu: Menu) -> None:
        if not self._current(menu) or self.conv.step != Step.CHOICE:
            self.say(self.t.format(self.t.after_other, reach=self.reach()), [self.operator_button()])
            return
        self.failed("other")

    def failed(self, reason: str) -> None:
        """The answer or the options did not fit: rephrase, show other options, then an operator."""
        conv = self.conv
        conv.failures += 1
        self.event(Kind.UNANSWERED, value=reason, text=conv.query)
        if conv.failures >= MAX_FAILURES_BEFORE_OPERATOR:
            self.propose_operator()
            if reason != "confirm_no":
                self.start_rating(NOT_HELPED)  # the thread ends without help: ask too
            return
        conv.extra[RETRY_KEY] = True
        rest = [c for c in self.more_candidates() if c not in conv.shown and c != conv.entry][:3]
        if rest and reason != "other":
            self.offer(rest, self.t.rephrase_with_options)
        else:
            conv.step = Step.IDLE
            text = self.t.format(self.t.after_other, reach=self.reach()) if reason == "other" else self.t.rephrase
            self.say(text, [self.operator_button()])
            if reason == "no":
                self.start_rating(NOT_HELPED)  # nothing else to show in this thread

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
        self.conv.failures = 0
        self.event(Kind.ESCALATION, value="offered")
        text = self.t.offer_operator if self.ctx.operators else self.t.offer_contacts
        self.say(text, [self.operator_button(), (self.t.topics_button, "topics")])

    def on_operator(self, arg: str, menu: Menu) -> None:
        self.escalate("button")

    def escalate(self, reason: str) -> None:
        """Ask the operators' desk to take the conversation; the question counts as unanswered."""
        conv = self.conv
        self.event(Kind.ESCALATION, value=reason)
        conv.failures = 0
        conv.extra.pop(RETRY_KEY, None)
        thread = conv.thread()
        if conv.query and thread is not None and thread.helped != "yes":
            self.event(Kind.UNANSWERED, value="escalation", text=conv.query)
        if not self.ctx.operators and self.ctx.contacts.configured:  # no desk: the contacts stand in for it
            conv.extra.pop(TOPIC_KEY, None)
            self.say(self.t.format(self.t.contacts, contacts=self.ctx.contacts.describe()))
            return
        self.effect(Escalate(reason))

