"""The notifications desk: /settings, /stop, /reminders, "Напомнить?", "Отписаться" and rating
invitations, carried out inside the dialogue service's transaction (like the operators' desk).

The pure dialogue turns commands and buttons into ``Notify`` effects; this class reads and writes
consents, preferences and reminders and returns the replies. Buttons it shows are registered in the
conversation's menus, so old or forged ones are refused like any other.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.analytics.events import Event, Kind
from bot.analytics.recorder import EventRecorder
from bot.config import NotificationsSection
from bot.consent import records
from bot.delivery import outbox
from bot.dialogue.logic import Notify
from bot.dialogue.messages import Outgoing
from bot.dialogue.state import Conversation, Step
from bot.kb.live import LiveKnowledge
from bot.notify import compose, prefs, queue, rating, reminders
from bot.notify.texts import NotifyTexts
from bot.notify.timing import hhmm, local_text, out_of_quiet
from bot.notify.when import WhenError, parse_when
from bot.people.repository import AccountInfo

log = logging.getLogger(__name__)

CATEGORY_NAMES = ("content", "transactional", "trigger")
QUIET_CHOICES: tuple[tuple[int, int] | None, ...] = ((22 * 60, 8 * 60), (23 * 60, 7 * 60), (21 * 60, 9 * 60), None)
REMIND_ENTRY = "remind_entry"


class NotifyDesk:
    def __init__(
        self,
        section: NotificationsSection,
        bot_timezone: str,
        knowledge: LiveKnowledge,
        recorder: EventRecorder,
        policy_url: str = "",
        texts: NotifyTexts | None = None,
    ) -> None:
        self.section = section
        self.defaults = prefs.Defaults.from_config(section, bot_timezone)
        self.knowledge = knowledge
        self.recorder = recorder
        self.policy_url = policy_url
        self.t = texts or NotifyTexts()

    # --- entry point --------------------------------------------------------------------------------

    async def handle(
        self, conn: AsyncConnection, account: AccountInfo, conv: Conversation, effect: Notify, now: datetime
    ) -> list[Outgoing]:
        call = _Call(self, conn, account, conv, now)
        await call.run(effect.action, effect.arg)
        return call.replies


class _Call:
    """One effect for one person (keeps the handler signatures short)."""

    def __init__(self, desk: NotifyDesk, conn: AsyncConnection, account: AccountInfo, conv: Conversation,
                 now: datetime) -> None:
        self.desk = desk
        self.t = desk.t
        self.conn = conn
        self.account = account
        self.person = account.person_id
        self.conv = conv
        self.now = now
        self.replies: list[Outgoing] = []

    async def run(self, action: str, arg: str) -> None:
        if action == "cmd":
            await {"settings": self.settings, "stop": self.stop, "reminders": self.list_reminders}[arg]()
        elif action == "ns":
            await self.setting(arg)
        elif action == "rem":
            await self.reminder(arg)
        elif action == "remtext":
            await self.reminder_text(arg)
        elif action == "unsub":
            await self.unsubscribe(arg)
        elif action == "rate":
            await self.rate(arg)
        elif action == "case_rated":  # rated in the conversation right after closing: no invitation later
            await rating.cancel_rating_invitation(self.conn, person_id=self.person, case_ref=arg)

    # --- output -------------------------------------------------------------------------------------

    def say(self, text: str, rows: list[list[tuple[str, str]]] | None = None) -> None:
        rows = [row for row in rows or [] if row]
        if not rows:
            self.replies.append(Outgoing(text))
            return
        self.replies.append(Outgoing(text, self.conv.add_keyboard(rows)))

    # --- consents -----------------------------------------------------------------------------------

    async def consent(self, subject: str, granted: bool, source: str) -> None:
        await records.record(
            self.conn, person_id=self.person, subject=subject, granted=granted, channel=self.account.channel,
            wording_version=self.desk.section.wording_version, at=self.now, source=source,
        )
        if not granted:
            await queue.skip_pending(self.conn, self.person, [subject], outbox.NO_CONSENT)

    def what(self, subject: str) -> str:
        if subject.startswith(records.TOPIC_PREFIX):
            topic = self.desk.knowledge.current.base.topic(subject.removeprefix(records.TOPIC_PREFIX))
            return f"новости по теме «{topic.title if topic else subject}»"
        return self.t.categories.get(subject, subject).lower()

    # --- /settings ----------------------------------------------------------------------------------

    async def settings(self) -> None:
        state = await records.current(self.conn, self.person)
        person = await prefs.load(self.conn, self.person, self.desk.defaults)
        lines = []
        rows: list[list[tuple[str, str]]] = []
        for name in CATEGORY_NAMES:
            subject = f"notify:{name}"
            on = state.get(subject, False)
            mark = self.t.on if on else self.t.off
            lines.append(f"{mark} {self.t.categories[subject]}")
            rows.append([(f"{mark} {self.t.categories[subject]}", f"ns:cat:{name}:{'off' if on else 'on'}")])
        frequencies = list(prefs.FREQUENCIES)
        following = frequencies[(frequencies.index(person.frequency) + 1) % len(frequencies)]
        frequency = self.t.button_frequency.format(value=self.t.frequency[person.frequency])
        rows.append([(frequency, f"ns:freq:{following}")])
        quiet = self._quiet_label(person.quiet_from, person.quiet_to)
        rows.append([(self.t.button_quiet.format(value=quiet), f"ns:quiet:{self._next_quiet(person)}")])
        rows.append([(self.t.button_zone, "ns:zones"), (self.t.button_topics, "ns:topics")])
        rows.append([(self.t.button_stop_all, "ns:stopall")])
        kb = self.desk.knowledge.current.base
        topics = [t.title for t in kb.topics if state.get(records.topic_subject(t.id))]
        text = self.t.settings.format(
            categories="\n".join(lines), frequency=self.t.frequency[person.frequency], quiet=quiet,
            zone=self.t.zone_name(person.timezone), topics=", ".join(topics) or self.t.topics_none,
        )
        self.say(text, rows)

    def _quiet_label(self, q_from: int | None, q_to: int | None) -> str:
        return self.t.quiet_none if q_from is None or q_to is None else f"{hhmm(q_from)}–{hhmm(q_to)}"

    @staticmethod
    def _next_quiet(person: prefs.Prefs) -> str:
        current = None if person.quiet_from is None else (person.quiet_from, person.quiet_to)
        index = QUIET_CHOICES.index(current) if current in QUIET_CHOICES else -1
        choice = QUIET_CHOICES[(index + 1) % len(QUIET_CHOICES)]
        return "none" if choice is None else f"{choice[0]}-{choice[1]}"

    async def setting(self, arg: str) -> None:
        op, _, rest = arg.partition(":")
        if op == "pd":
            await self.consent(records.PERSONAL_DATA, True, "settings")
            await self.setting(rest)
        elif op == "pdno":
            self.say(self.t.pd_declined)
        elif op == "cat":
            name, _, value = rest.partition(":")
            if name in CATEGORY_NAMES:
                await self.switch(f"notify:{name}", value == "on", arg)
            await self.settings_if_done()
        elif op == "topic":
            topic_id, _, value = rest.rpartition(":")
            if self.desk.knowledge.current.base.topic(topic_id) is not None:
                await self.switch(records.topic_subject(topic_id), value == "on", arg)
            if not self._waiting_for_pd():
                await self.topics()
        elif op == "freq" and rest in prefs.FREQUENCIES:
            await prefs.change(self.conn, self.person, self.now, frequency=rest)
            await self.settings()
        elif op == "quiet":
            if rest == "none":
                await prefs.change(self.conn, self.person, self.now, quiet_from=-1, quiet_to=-1)
            else:
                start, _, end = rest.partition("-")
                await prefs.change(self.conn, self.person, self.now, quiet_from=int(start), quiet_to=int(end))
            await self.settings()
        elif op == "zones":
            rows = [[(label, f"ns:tz:{name}")] for name, label in self.t.zone_names.items()]
            self.say(self.t.zones_title, [*rows, [(self.t.button_back, "ns:back")]])
        elif op == "tz" and rest in self.t.zone_names:
            await prefs.change(self.conn, self.person, self.now, timezone=rest)
            await self.settings()
        elif op == "topics":
            await self.topics()
        elif op == "stopall":
            await self.stop()
        else:
            await self.settings()

    def _waiting_for_pd(self) -> bool:
        return bool(self.replies) and self.replies[-1].text.startswith(self.t.pd_request[:20])

    async def settings_if_done(self) -> None:
        if not self._waiting_for_pd():
            await self.settings()

    async def switch(self, subject: str, on: bool, arg: str) -> None:
        state = await records.current(self.conn, self.person)
        if on and not state.get(records.PERSONAL_DATA):
            self.say(
                self.t.pd_request.format(policy_url=self.desk.policy_url),
                [[(self.t.pd_yes, f"ns:pd:{arg}"), (self.t.pd_no, "ns:pdno")]],
            )
            return
        if state.get(subject, False) == on:
            return
        await self.consent(subject, on, "settings")
        template = self.t.switched_on if on else self.t.switched_off
        self.replies.append(Outgoing(template.format(what=self.what(subject))))

    async def topics(self) -> None:
        state = await records.current(self.conn, self.person)
        kb = self.desk.knowledge.current.base
        rows = []
        for topic in kb.topics_for(self.conv.segment):
            on = state.get(records.topic_subject(topic.id), False)
            action = f"ns:topic:{topic.id}:{'off' if on else 'on'}"
            rows.append([(f"{self.t.on if on else self.t.off} {topic.title}", action)])
        self.say(self.t.topics_title, [*rows, [(self.t.button_back, "ns:back")]])

    # --- /stop and "Отписаться" ---------------------------------------------------------------------

    async def stop(self) -> None:
        state = await records.current(self.conn, self.person)
        subjects = [s for s, on in state.items() if on and (s.startswith("notify:") or s.startswith("topic:"))]
        for subject in subjects:
            await self.consent(subject, False, "stop")
        await queue.skip_pending(self.conn, self.person, None, outbox.NO_CONSENT)
        self.say(self.t.stopped if subjects else self.t.stopped_nothing)

    async def unsubscribe(self, subject: str) -> None:
        if subject == "*":
            await self.stop()
            return
        if not (subject.startswith("notify:") or subject.startswith("topic:")):
            self.say(self.t.stopped_nothing)
            return
        if not await records.has(self.conn, self.person, subject):
            self.say(self.t.unsubscribed_already.format(what=self.what(subject)))
            return
        await self.consent(subject, False, "unsubscribe")
        self.say(self.t.unsubscribed.format(what=self.what(subject)))

    # --- reminders ----------------------------------------------------------------------------------

    async def reminder(self, arg: str) -> None:
        op, _, rest = arg.partition(":")
        if op == "offer":
            await self.offer(rest)
        elif op == "at":
            entry_id, _, stamp = rest.rpartition(":")
            self.conv.extra[REMIND_ENTRY] = entry_id
            await self.set_reminder(datetime.fromtimestamp(int(stamp), UTC))
        elif op == "none":
            self.conv.step = Step.IDLE
            self.conv.extra.pop(REMIND_ENTRY, None)
            self.say(self.t.remind_dropped)
        elif op == "cancel":
            done = rest.isdigit() and await reminders.cancel(self.conn, self.person, int(rest))
            self.say(self.t.reminder_cancelled if done else self.t.reminder_gone)
            await self.list_reminders()

    async def over_cap(self) -> bool:
        count = await reminders.count_active(self.conn, self.person, self.now)
        if count >= self.desk.section.max_reminders:
            self.conv.step = Step.IDLE
            self.say(self.t.remind_cap.format(count=count))
            return True
        return False

    async def offer(self, entry_id: str) -> None:
        entry = self.desk.knowledge.current.base.entries.get(entry_id)
        if entry is None or await self.over_cap():
            if entry is None:
                self.say(self.t.reminder_gone)
            return
        person = await prefs.load(self.conn, self.person, self.desk.defaults)
        local = self.now.astimezone(person.tz)
        hour = self.desk.section.reminder_hour

        def at(days: int) -> str:
            day = (local + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)
            return f"rem:at:{entry_id}:{int(day.timestamp())}"

        self.conv.step = Step.REMIND_WHEN
        self.conv.extra[REMIND_ENTRY] = entry_id
        self.say(
            self.t.remind_ask.format(title=entry.question.rstrip("?!. "), zone=self.t.zone_name(person.timezone)),
            [
                [(self.t.remind_tomorrow.format(hour=hour), at(1))],
                [(self.t.remind_in_days, at(3)), (self.t.remind_in_week, at(7))],
                [(self.t.remind_cancel_choice, "rem:none")],
            ],
        )

    async def reminder_text(self, text: str) -> None:
        person = await prefs.load(self.conn, self.person, self.desk.defaults)
        try:
            moment = parse_when(text, self.now.astimezone(person.tz), self.desk.section.reminder_hour)
        except WhenError as exc:
            message = {"past": self.t.remind_past, "too_far": self.t.remind_too_far}.get(exc.reason,
                                                                                       self.t.remind_unparsed)
            self.say(message, [[(self.t.remind_cancel_choice, "rem:none")]])
            return
        await self.set_reminder(moment)

    async def set_reminder(self, moment: datetime) -> None:
        entry_id = self.conv.extra.pop(REMIND_ENTRY, None)
        self.conv.step = Step.IDLE
        entry = self.desk.knowledge.current.base.entries.get(entry_id or "")
        if entry is None:
            self.say(self.t.reminder_gone)
            return
        if moment <= self.now:
            self.conv.extra[REMIND_ENTRY] = entry.id
            self.conv.step = Step.REMIND_WHEN
            self.say(self.t.remind_past, [[(self.t.remind_cancel_choice, "rem:none")]])
            return
        if await self.over_cap():
            return
        state = await records.current(self.conn, self.person)
        # asking for a reminder is consent to keep it and send it (a consent for this single service)
        for subject in (records.PERSONAL_DATA, reminders.CONSENT):
            if not state.get(subject):
                await self.consent(subject, True, "reminder")
        person = await prefs.load(self.conn, self.person, self.desk.defaults)
        send_at = out_of_quiet(moment, person.tz, person.quiet_from, person.quiet_to)
        reminder_id = await reminders.create(self.conn, self.person, entry.question, entry.id, moment, send_at,
                                             self.now)
        message = compose.notification(
            self.t, self.t.reminder_message.format(title=entry.question), subject=reminders.CONSENT,
            consent_at=self.now, entries=[(self.t.open_answer, entry.id)], reason_text=self.t.reasons["reminder"],
        )
        rows = queue.rows(
            (self.account.account_id, self.account.channel, self.account.external_id), self.person, message,
            now=self.now, due_at=send_at, consent=reminders.CONSENT, ref=f"reminder:{reminder_id}",
        )
        ids = await outbox.insert_rows(self.conn, rows)
        await reminders.attach(self.conn, reminder_id, ids[0])
        zone_label = self.t.zone_name(person.timezone)
        template = self.t.remind_shifted if send_at != moment.astimezone(UTC) else self.t.remind_set
        self.say(template.format(when=local_text(send_at, person.tz), zone=zone_label))

    async def list_reminders(self) -> None:
        items = await reminders.active(self.conn, self.person, self.now)
        if not items:
            self.say(self.t.reminders_none)
            return
        person = await prefs.load(self.conn, self.person, self.desk.defaults)
        lines = [f"{n}. {local_text(r.send_at, person.tz)} — {r.title}" for n, r in enumerate(items, 1)]
        rows = [[(self.t.reminders_cancel.format(n=n), f"rem:cancel:{r.id}")] for n, r in enumerate(items[:10], 1)]
        self.say(self.t.reminders_list.format(zone=self.t.zone_name(person.timezone), items="\n".join(lines)), rows)

    # --- rating invitations -------------------------------------------------------------------------

    async def rate(self, arg: str) -> None:
        invitation, _, value = arg.partition(":")
        if not invitation.isdigit() or value not in ("1", "2", "3", "4"):
            self.say(self.t.rating_done)
            return
        if not await rating.rate(self.conn, self.person, int(invitation), value):
            self.say(self.t.rating_done)
            return
        recorder = self.desk.recorder
        rows = recorder.rows(
            [Event(Kind.SATISFACTION, value=value, via="case")],
            person=recorder.pseudonyms.person(self.person), channel=self.account.channel,
            segment=self.conv.segment, kb_version=None, now=self.now,
        )
        await recorder.write(self.conn, rows)
        self.say(self.t.rating_thanks)
