"""Report figures computed from the event log alone (pure functions; no I/O, no identities).

Definitions
- question: a thread that began with a typed question (an event `request`); its channel and segment are
  those of that event. A thread begun from the topic menu or a related button is a *menu answer*.
- people: distinct pseudonyms with any event in the period (counted, never shown).
- answered by the bot: a question whose thread has an `answer` event; resolved: its «Это помогло?» got
  «Да»; escalated: the person asked for an operator in that thread (an `escalation` other than the
  bot's own offer).
- «helped?» yes-rate per entry: yes / (yes + no) of its feedback; an entry is flagged for review when it
  has at least ``min_feedback`` answers and its yes-rate is below ``yes_rate``.
- ease and satisfaction: the section 6 scales (4 = Легко / Удовлетворён); the share of 3 and 4 gives the
  stars of Table 1 (see ``bot.reports.stars``).
- 1–5 ratings (event `rating`) and NPS (event `nps`, 0–10: promoters 9–10 minus detractors 0–6) only
  when such events exist; the dialogue does not ask them yet.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from bot.reports.data import EventRecord, Period
from bot.reports.stars import stars
from bot.reports.survey import SurveyGroup, survey_groups

if TYPE_CHECKING:
    from bot.reports.unanswered import NoPickGroup, QuestionCluster

SEGMENT_NAMES = {"citizen": "граждане", "business": "предприниматели", None: "не указан"}
TOP = 10


def percent(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


@dataclass(frozen=True, slots=True)
class Scale:
    """Answers on a 1–4 scale (4 is best)."""

    counts: Mapping[int, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def positive(self) -> int:
        return self.counts.get(3, 0) + self.counts.get(4, 0)

    @property
    def share(self) -> float | None:
        return percent(self.positive, self.total)

    @property
    def stars(self) -> int | None:
        return stars(self.share)


@dataclass(frozen=True, slots=True)
class FiveScale:
    counts: Mapping[int, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def mean(self) -> float | None:
        return sum(k * v for k, v in self.counts.items()) / self.total if self.total else None


@dataclass(frozen=True, slots=True)
class NPS:
    promoters: int
    passives: int
    detractors: int

    @property
    def total(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def score(self) -> float | None:
        return 100.0 * (self.promoters - self.detractors) / self.total if self.total else None


@dataclass(frozen=True, slots=True)
class Group:
    name: str
    questions: int
    people: int


@dataclass(frozen=True, slots=True)
class EntryStat:
    id: str
    question: str
    topic: str
    answers: int
    yes: int
    no: int
    flagged: bool = False

    @property
    def rate(self) -> float | None:
        return percent(self.yes, self.yes + self.no)


@dataclass(frozen=True, slots=True)
class WeekStat:
    start: date  # Monday
    questions: int
    people: int
    answered: int
    resolved: int
    escalated: int
    ease_positive: int
    ease_total: int

    @property
    def label(self) -> str:
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}"


@dataclass(frozen=True, slots=True)
class FirstResponses:
    """Operators' first replies to cases opened in the period, against the 2-hour norm (4.6.6.2)."""

    cases: int
    responded: int
    within_norm: int
    median_minutes: float | None
    p90_minutes: float | None
    norm_minutes: int = 120

    @property
    def share_within(self) -> float | None:
        return percent(self.within_norm, self.cases)


@dataclass(frozen=True, slots=True)
class ConsentKind:
    """One kind of notification (a category, or all topic subscriptions): people who switched it on and
    off in the period, and who had it on at the period's end."""

    name: str
    given: int
    revoked: int
    active_at_end: int


@dataclass(frozen=True, slots=True)
class Consents:
    """Notification consents (people, not taps) given and revoked in the period."""

    given: int
    revoked: int
    active_before: int
    people: int  # people who used the bot in the period
    kinds: tuple[ConsentKind, ...] = ()

    @property
    def opt_in_rate(self) -> float | None:
        return percent(self.given, self.people)

    @property
    def opt_out_rate(self) -> float | None:
        return percent(self.revoked, self.active_before + self.given)


@dataclass
class Report:
    period: Period
    questions: int = 0
    people: int = 0
    by_channel: list[Group] = field(default_factory=list)
    by_segment: list[Group] = field(default_factory=list)
    decisions: dict[str, int] = field(default_factory=dict)  # each question once, by the bot's first decision
    answered_by_decision: dict[str, int] = field(default_factory=dict)  # of those, answered in the end
    answered: int = 0
    resolved: int = 0
    not_helped: int = 0
    escalated: int = 0
    operator_requests: int = 0
    operator_offers: int = 0
    menu_answers: int = 0
    ease: Scale = field(default_factory=lambda: Scale({}))
    satisfaction: Scale = field(default_factory=lambda: Scale({}))
    five: FiveScale | None = None
    nps: NPS | None = None
    entries: list[EntryStat] = field(default_factory=list)
    top_topics: list[tuple[str, int]] = field(default_factory=list)
    weeks: list[WeekStat] = field(default_factory=list)
    first_responses: FirstResponses | None = None
    consents: Consents | None = None
    unanswered: list[QuestionCluster] = field(default_factory=list)  # filled by the caller
    unanswered_total: int = 0
    no_pick: list[NoPickGroup] = field(default_factory=list)
    survey: list[SurveyGroup] = field(default_factory=list)  # asked vs answered, per outcome of the thread

    @property
    def channel_people_sum(self) -> int:
        """People summed over channels: more than ``people`` when someone wrote in several channels."""
        return sum(g.people for g in self.by_channel)

    @property
    def segment_people_sum(self) -> int:
        """People summed over segments: more than ``people`` when someone changed their segment."""
        return sum(g.people for g in self.by_segment)

    @property
    def answered_share(self) -> float | None:
        return percent(self.answered, self.questions)

    @property
    def resolved_share(self) -> float | None:
        return percent(self.resolved, self.questions)

    @property
    def escalated_share(self) -> float | None:
        return percent(self.escalated, self.questions)

    @property
    def flagged(self) -> list[EntryStat]:
        return [e for e in self.entries if e.flagged]

    @property
    def top_questions(self) -> list[EntryStat]:
        ranked = sorted((e for e in self.entries if e.answers), key=lambda e: (-e.answers, e.id))
        return ranked[:TOP]


def _int(value: str | None, low: int, high: int) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if low <= number <= high else None


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def compute_report(
    events: Sequence[EventRecord],
    period: Period,
    titles: Mapping[str, tuple[str, str]] | None = None,
    *,
    min_feedback: int = 5,
    yes_rate: float = 0.5,
) -> Report:
    """Every figure of the report; ``titles`` maps an entry id to (question, topic name)."""
    titles = titles or {}
    report = Report(period)
    people: set[str] = set()
    channel_people: dict[str, set[str]] = defaultdict(set)
    segment_people: dict[str | None, set[str]] = defaultdict(set)
    question_of: dict[str, EventRecord] = {}
    answered: set[str] = set()
    resolved: set[str] = set()
    escalated: set[str] = set()
    answers: Counter[str] = Counter()
    yes: Counter[str] = Counter()
    no: Counter[str] = Counter()
    ease: Counter[int] = Counter()
    satisfaction: Counter[int] = Counter()
    five: Counter[int] = Counter()
    nps: Counter[int] = Counter()
    decisions: Counter[str] = Counter()
    week_people: dict[date, set[str]] = defaultdict(set)
    week_ease: dict[date, Counter[int]] = defaultdict(Counter)

    for event in events:
        people.add(event.person)
        channel_people[event.channel].add(event.person)
        segment_people[event.segment].add(event.person)
        week = _monday(period.local_date(event.at))
        week_people[week].add(event.person)
        kind = event.kind
        if kind == "request":
            if event.request and event.request not in question_of:
                question_of[event.request] = event
        elif kind == "answer" and event.entry:
            answers[event.entry] += 1
            if event.request:
                answered.add(event.request)
            if event.via in ("browse", "related"):
                report.menu_answers += 1
        elif kind == "feedback" and event.entry:
            if event.value == "yes":
                yes[event.entry] += 1
                if event.request:
                    resolved.add(event.request)
            elif event.value == "no":
                no[event.entry] += 1
                report.not_helped += 1
        elif kind == "escalation":
            if event.value == "offered":
                report.operator_offers += 1
            else:
                report.operator_requests += 1
                if event.request:
                    escalated.add(event.request)
        elif kind in ("ease", "satisfaction"):
            value = _int(event.value, 1, 4)
            if value is not None:
                (ease if kind == "ease" else satisfaction)[value] += 1
                if kind == "ease":
                    week_ease[week][value] += 1
        elif kind == "rating":
            value = _int(event.value, 1, 5)
            if value is not None:
                five[value] += 1
        elif kind == "nps":
            value = _int(event.value, 0, 10)
            if value is not None:
                nps[value] += 1

    report.survey = survey_groups(events)
    questions = set(question_of)
    report.questions = len(questions)
    report.people = len(people)
    report.answered = len(answered & questions)
    report.resolved = len(resolved & questions)
    report.escalated = len(escalated & questions)
    answered_by: Counter[str] = Counter()
    for request, event in question_of.items():
        decisions[event.decision or "none"] += 1
        if request in answered:
            answered_by[event.decision or "none"] += 1
    report.decisions = dict(sorted(decisions.items()))
    report.answered_by_decision = {k: answered_by.get(k, 0) for k in report.decisions}

    by_channel: Counter[str] = Counter(e.channel for e in question_of.values())
    report.by_channel = sorted(
        (Group(c, by_channel.get(c, 0), len(p)) for c, p in channel_people.items()),
        key=lambda g: (-g.questions, -g.people, g.name),
    )
    by_segment: Counter[str | None] = Counter(e.segment for e in question_of.values())
    report.by_segment = sorted(
        (Group(SEGMENT_NAMES.get(s, str(s)), by_segment.get(s, 0), len(p)) for s, p in segment_people.items()),
        key=lambda g: (-g.questions, -g.people, g.name),
    )

    report.ease = Scale(dict(sorted(ease.items())))
    report.satisfaction = Scale(dict(sorted(satisfaction.items())))
    report.five = FiveScale(dict(sorted(five.items()))) if five else None
    if nps:
        report.nps = NPS(
            sum(n for v, n in nps.items() if v >= 9),
            sum(n for v, n in nps.items() if 7 <= v <= 8),
            sum(n for v, n in nps.items() if v <= 6),
        )

    for eid in sorted(set(answers) | set(yes) | set(no)):
        question, topic = titles.get(eid, (eid, ""))
        total = yes[eid] + no[eid]
        flagged = total >= min_feedback and yes[eid] < yes_rate * total
        report.entries.append(EntryStat(eid, question, topic, answers[eid], yes[eid], no[eid], flagged))
    topics: Counter[str] = Counter()
    for eid, count in answers.items():
        topics[titles.get(eid, (eid, "—"))[1] or "—"] += count
    report.top_topics = sorted(topics.items(), key=lambda t: (-t[1], t[0]))[:TOP]

    week_questions: dict[date, set[str]] = defaultdict(set)
    for request, event in question_of.items():
        week_questions[_monday(period.local_date(event.at))].add(request)
    first = _monday(period.start)
    monday = first
    while monday <= period.end:
        asked = week_questions.get(monday, set())
        counts = week_ease.get(monday, Counter())
        report.weeks.append(WeekStat(
            monday, len(asked), len(week_people.get(monday, set())), len(asked & answered),
            len(asked & resolved), len(asked & escalated), counts[3] + counts[4], sum(counts.values()),
        ))
        monday += timedelta(days=7)
    return report
