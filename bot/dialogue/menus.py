"""The greeting, the profile (citizen or entrepreneur), topics, deleting one's data and closing a case."""

from __future__ import annotations

from bot.analytics.events import Kind
from bot.dialogue.about import About
from bot.dialogue.effects import CASE_KEY, CloseCase, Forget, SetSegment
from bot.dialogue.messages import Outgoing
from bot.dialogue.state import Menu, Step
from bot.dialogue.turn import Turn, label

SEGMENTS = ("citizen", "business")
MAX_TOPIC_BUTTONS = 30


class MenuFlow(Turn):
    # --- greeting and profile -------------------------------------------------------------------

    def greet(self, force: bool = False) -> None:
        if self.conv.step != Step.NEW and not force:
            return
        greeting = self.t.format(
            self.t.greeting,
            name=self.ctx.bot_name,
            organisation=self.ctx.organisation,
            policy_url=self.ctx.policy_url,
            topics=self.topics_phrase(),
            fallback=self.fallback(),
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

    def about(self, kind: About) -> None:
        """«ты робот?», «что ты умеешь», «как тебя зовут»: the configured answer."""
        self.event(Kind.ABOUT_BOT, value=kind.value)
        template = {About.WHO: self.ctx.about.who, About.ABILITIES: self.ctx.about.abilities,
                    About.NAME: self.ctx.about.name}[kind]
        text = template.format(
            name=self.ctx.bot_name, organisation=self.ctx.organisation, topics=self.topics_phrase(),
            fallback=self.fallback(),
        )
        self.say(text.strip(), [self.operator_button()])

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
        actions = [(label(e.question), f"browse:{e.id}") for e in entries]
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
        # the survey about the operator follows only if an operator replied (the service asks the desk)

