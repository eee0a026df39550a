"""The survey's reach in reports (issue 17, item 5): asked vs answered, helped and not helped apart."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.reports.data import EventRecord
from bot.reports.survey import survey_groups, survey_table
from bot.reports.synthetic import synthetic_log

AT = datetime(2026, 11, 2, tzinfo=UTC)


def _event(kind: str, person: str, request: str, value: str) -> EventRecord:
    return EventRecord(AT, kind, person, "telegram", request=request, value=value)


def test_asked_and_answered_are_counted_per_outcome() -> None:
    events = [
        _event("survey", "a", "r1", "helped"), _event("satisfaction", "a", "r1", "4"),
        _event("survey", "b", "r2", "helped"),  # asked, left the survey
        _event("survey", "c", "r3", "not_helped"), _event("satisfaction", "c", "r3", "1"),
        _event("survey", "d", "case-5", "operator"), _event("satisfaction", "d", "case-5", "3"),
        _event("satisfaction", "e", "r9", "4"),  # a mark without an offer (an old log): not counted as asked
    ]
    groups = {g.outcome: g for g in survey_groups(events)}
    assert (groups["helped"].asked, groups["helped"].answered, groups["helped"].satisfied) == (2, 1, 1)
    assert (groups["not_helped"].asked, groups["not_helped"].answered, groups["not_helped"].satisfied) == (1, 1, 0)
    assert (groups["operator"].asked, groups["operator"].answered, groups["operator"].satisfied) == (1, 1, 1)
    assert survey_table(list(groups.values()))[-1][:3] == ["Всего", "4", "3"]


def test_a_synthetic_log_collects_satisfaction_from_helped_and_not_helped_people() -> None:
    groups = {g.outcome: g for g in survey_groups(synthetic_log(people=60, seed=3))}
    helped, not_helped = groups["helped"], groups["not_helped"]
    assert helped.asked > 0 and not_helped.asked > 0
    assert 0 < helped.answered <= helped.asked and 0 < not_helped.answered <= not_helped.asked
    assert helped.satisfied_share is not None and not_helped.satisfied_share is not None
    assert not_helped.satisfied_share < helped.satisfied_share  # only-«Да» surveys would hide this
