"""Reports from a database: read the event log of a period, compute figures, group unanswered questions."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from bot.kb.model import KnowledgeBase
from bot.matching.analyzer import Analyzer
from bot.matching.lexicon import load_lexicon
from bot.matching.matcher import Matcher
from bot.reports import optional
from bot.reports.data import EventRecord, Period, load_events, stored_titles
from bot.reports.metrics import Report, compute_report
from bot.reports.unanswered import (
    NoPickGroup,
    QuestionCluster,
    cluster_questions,
    no_pick_groups,
    unanswered_questions,
)
from bot.storage import Database

UNANSWERED_KINDS = ("request", "answer", "unanswered")


@dataclass(frozen=True, slots=True)
class Unanswered:
    clusters: list[QuestionCluster]
    no_pick: list[NoPickGroup]
    total: int  # questions without a good answer, with or without a kept text


def titles_for(base: KnowledgeBase | None, stored: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """Entry id -> (question, topic name): the current base first, then versions served before."""
    titles: dict[str, tuple[str, str]] = {}
    for eid, (question, topic_id) in stored.items():
        topic = base.topic(topic_id) if base is not None else None
        titles[eid] = (question, topic.title if topic else topic_id)
    if base is not None:
        for topic in base.topics:
            for eid in topic.entry_ids:
                titles[eid] = (base.entries[eid].question, topic.title)
    return titles


def _analyzer(matcher: Matcher | None) -> Analyzer:
    return matcher.analyzer if matcher is not None else Analyzer(load_lexicon())


async def find_unanswered(db: Database, period: Period, matcher: Matcher | None = None) -> Unanswered:
    async with db.read() as conn:
        events = await load_events(conn, period, UNANSWERED_KINDS)
    questions = unanswered_questions(events)
    # Matching every group's question (with the sentence encoder) runs off the event loop.
    clusters = await asyncio.to_thread(cluster_questions, questions, _analyzer(matcher), matcher)
    return Unanswered(clusters, no_pick_groups(questions), len(questions))


async def build_report(
    db: Database,
    period: Period,
    *,
    base: KnowledgeBase | None = None,
    matcher: Matcher | None = None,
    min_feedback: int = 5,
    yes_rate: float = 0.5,
    keep: Callable[[list[EventRecord]], list[EventRecord]] | None = None,
) -> Report:
    """``keep`` narrows the period's events first (the web console's channel and topic filters)."""
    async with db.read() as conn:
        events = await load_events(conn, period)
        if keep is not None:
            events = keep(events)
        stored = await stored_titles(conn)
        first = await optional.first_responses(conn, period)
        people = len({e.person for e in events})
        consents = await optional.consents(conn, period, people)
    report = compute_report(
        events, period, titles_for(base, stored), min_feedback=min_feedback, yes_rate=yes_rate
    )
    report.first_responses = first
    report.consents = consents
    questions = unanswered_questions(events)
    report.unanswered = await asyncio.to_thread(cluster_questions, questions, _analyzer(matcher), matcher)
    report.unanswered_total = len(questions)
    report.no_pick = no_pick_groups(questions)
    return report
