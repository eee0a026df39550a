"""A synthetic event log made by people talking to the real dialogue core on a base, and the survey
figures it gives: satisfaction collected from those the bot helped and those it did not, with counts.

Run: ``python -m bot.reports.synthetic [people] [seed]``. Each simulated person asks one of the base's
questions in its own words (a paraphrase), says whether the answer helped (sometimes it does not), and
answers the survey or leaves it; the log is read back as the reports read the database.
"""

from __future__ import annotations

import random
import sys
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path

from bot.config import MatcherSection
from bot.dialogue.logic import Context, respond
from bot.dialogue.messages import Incoming, Outgoing, UserRef
from bot.dialogue.state import Conversation, Step
from bot.dialogue.texts import SATISFACTION_VALUES, Texts
from bot.kb import load_knowledge_base
from bot.matching.configure import build_matcher
from bot.reports.data import EventRecord
from bot.reports.survey import SurveyGroup, survey_groups, survey_table

PROJECT = Path(__file__).resolve().parent.parent.parent
START = datetime(2026, 11, 2, 9, tzinfo=UTC)


def _press(conv: Conversation, replies: list[Outgoing], label: str) -> str | None:
    for reply in reversed(replies):
        for button in reply.all_buttons():
            if button.text == label:
                return button.payload
    return None


def synthetic_log(people: int = 200, seed: int = 17, kb_path: Path | None = None) -> list[EventRecord]:
    """Events of ``people`` simulated conversations (deterministic for a seed)."""
    rnd = random.Random(seed)
    base = load_knowledge_base(kb_path or PROJECT / "knowledge_base")
    matcher = build_matcher(base, MatcherSection())
    texts = Texts()
    ids = count(1)
    entries = [e for e in base.entries.values() if e.paraphrases]
    records: list[EventRecord] = []
    for n in range(people):
        now = START + timedelta(minutes=7 * n)
        ctx = Context(kb=base, matcher=matcher, texts=texts, now=now, new_id=lambda: f"t{next(ids)}")
        conv = Conversation(step=Step.IDLE)
        person = f"p{n:04d}"
        user = UserRef("console", person)


        def send(conv: Conversation, message: Incoming, ctx: Context = ctx, person: str = person) -> list[Outgoing]:
            outcome = respond(conv, message, ctx)
            records.extend(
                EventRecord(ctx.now, e.kind.value, person, "console", None, e.request, e.entry, e.decision,
                            e.score, e.candidates, e.value, e.via)
                for e in outcome.events
            )
            return outcome.replies

        entry = rnd.choice(entries)
        replies = send(conv, Incoming(user, text=rnd.choice(entry.paraphrases)))
        helped = rnd.random() < 0.7
        for _ in range(3):  # «Да» / «Нет» to what the bot shows, as long as it shows something
            payload = _press(conv, replies, texts.yes if helped else texts.no)
            if payload is None:
                choice = _press(conv, replies, replies[-1].all_buttons()[0].text) if replies[-1].buttons else None
                if choice is None or conv.step not in (Step.CHOICE, Step.CONFIRM):
                    break
                payload = choice
            replies = send(conv, Incoming(user, button=payload))
            if conv.step == Step.RATE_SATISFACTION:
                break
        if conv.step != Step.RATE_SATISFACTION:
            continue
        if rnd.random() < 0.25:  # leaves the survey: one tap
            send(conv, Incoming(user, button=_press(conv, replies, texts.skip)))
            continue
        weights = (0.55, 0.3, 0.1, 0.05) if helped else (0.05, 0.15, 0.35, 0.45)  # 4, 3, 2, 1
        mark = rnd.choices(SATISFACTION_VALUES, weights=weights)[0]
        label = texts.satisfaction_scale[SATISFACTION_VALUES.index(mark)]
        send(conv, Incoming(user, button=_press(conv, replies, label)))
    return records


def render(groups: list[SurveyGroup]) -> str:
    rows = survey_table(groups)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    people = int(argv[0]) if argv else 200
    seed = int(argv[1]) if len(argv) > 1 else 17
    groups = survey_groups(synthetic_log(people, seed))
    print(f"Опрос удовлетворённости: синтетический журнал, {people} человек (seed {seed})\n")
    print(render(groups))
    helped = next(g for g in groups if g.outcome == "helped")
    if helped.answered:
        print(f"\nЕсли спрашивать только тех, кому бот помог: удовлетворены {helped.satisfied_share:.0f}%")


if __name__ == "__main__":
    main(sys.argv[1:])
