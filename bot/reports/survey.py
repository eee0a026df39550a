"""The satisfaction survey's reach: how many were asked and how many answered, apart for those the bot
helped, those it did not help, and those an operator helped — so that the published stars can be read
against who was asked (the survey is offered after every finished thread, not only after «Да»)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from bot.reports.data import EventRecord

OUTCOMES = ("helped", "not_helped", "operator")
OUTCOME_NAMES = {"helped": "Бот помог", "not_helped": "Бот не помог", "operator": "Помог сотрудник"}


@dataclass(frozen=True, slots=True)
class SurveyGroup:
    outcome: str  # helped | not_helped | operator
    asked: int  # survey offers (events `survey`)
    answered: int  # of them, with a satisfaction mark
    satisfied: int  # of the answered, «Удовлетворён» or «Скорее удовлетворён»

    @property
    def name(self) -> str:
        return OUTCOME_NAMES.get(self.outcome, self.outcome)

    @property
    def response_rate(self) -> float | None:
        return 100.0 * self.answered / self.asked if self.asked else None

    @property
    def satisfied_share(self) -> float | None:
        return 100.0 * self.satisfied / self.answered if self.answered else None


def survey_groups(events: Iterable[EventRecord]) -> list[SurveyGroup]:
    """Asked, answered and satisfied per outcome; a mark counts for the offer it answers (same thread)."""
    offered: dict[tuple[str, str], str] = {}  # (person, thread) -> outcome
    marks: dict[tuple[str, str], int] = {}
    for event in events:
        if event.request is None:
            continue
        key = (event.person, event.request)
        if event.kind == "survey" and event.value in OUTCOMES:
            offered.setdefault(key, event.value)
        elif event.kind == "satisfaction" and event.value in ("1", "2", "3", "4"):
            marks.setdefault(key, int(event.value))
    asked: dict[str, int] = defaultdict(int)
    answered: dict[str, int] = defaultdict(int)
    satisfied: dict[str, int] = defaultdict(int)
    for key, outcome in offered.items():
        asked[outcome] += 1
        if key in marks:
            answered[outcome] += 1
            satisfied[outcome] += marks[key] >= 3
    return [SurveyGroup(o, asked[o], answered[o], satisfied[o]) for o in OUTCOMES]


def survey_table(groups: list[SurveyGroup]) -> list[list[str]]:
    """Rows for a report table: who, asked, answered, response rate, satisfied."""
    def pct(value: float | None) -> str:
        return "—" if value is None else f"{value:.0f}%"

    rows = [["Кого спросили", "Спросили", "Ответили", "Доля ответивших", "Удовлетворены"]]
    for g in groups:
        rows.append([g.name, str(g.asked), str(g.answered), pct(g.response_rate),
                     f"{g.satisfied} ({pct(g.satisfied_share)})"])
    total = SurveyGroup("total", sum(g.asked for g in groups), sum(g.answered for g in groups),
                        sum(g.satisfied for g in groups))
    rows.append(["Всего", str(total.asked), str(total.answered), pct(total.response_rate),
                 f"{total.satisfied} ({pct(total.satisfied_share)})"])
    return rows
