"""Unanswered and poorly answered questions, grouped so an editor can fix a whole group at once.

A question counts when its thread ended in `none`, in «Нет» after an answer or on "did you mean…?",
in «Другое» among the options, in an escalation, or in options (`suggest`) that nobody picked. Groups
are ranked by how many different people asked (pseudonyms are counted, never shown).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.kb.model import KnowledgeBase
from bot.matching.analyzer import Analyzer
from bot.matching.matcher import Matcher
from bot.reports.cluster import THRESHOLD, group, normalise
from bot.reports.data import EventRecord

REASONS = {
    "none": "не найдено",
    "no": "«Нет» после ответа",
    "confirm_no": "«Нет» на уточнение",
    "other": "«Другое» в вариантах",
    "escalation": "вызов оператора",
    "suggest": "варианты без выбора",
}
MAX_EXAMPLES = 5


@dataclass(slots=True)
class Question:
    """One question thread that the bot did not solve."""

    person: str
    text: str | None = None
    request: str | None = None
    reasons: list[str] = field(default_factory=list)
    candidates: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True, slots=True)
class Nearest:
    id: str
    question: str
    score: float


@dataclass(slots=True)
class QuestionCluster:
    questions: list[Question]
    representative: str
    examples: list[str]
    people: int
    reasons: Counter[str]
    nearest: Nearest | None = None

    @property
    def count(self) -> int:
        return len(self.questions)

    def action(self, min_score: float) -> str:
        """What an editor will probably do: extend a close entry (score at least ``min_score``) or write one."""
        if self.nearest is not None and self.nearest.score >= min_score:
            return f"добавить перефразировки в «{self.nearest.id}» или уточнить ответ"
        return "новая статья"


@dataclass(frozen=True, slots=True)
class NoPickGroup:
    """Options offered (`suggest`) but none taken; the question's text is not kept for these."""

    candidates: tuple[str, ...]
    count: int
    people: int


def unanswered_questions(events: Iterable[EventRecord]) -> list[Question]:
    """Threads that ended badly, in the order they started; one question per thread."""
    threads: dict[str, Question] = {}
    loose: list[Question] = []
    suggested: dict[str, EventRecord] = {}
    answered: set[str] = set()
    for event in events:
        if event.kind == "request" and event.decision == "suggest" and event.request:
            suggested[event.request] = event
        elif event.kind == "answer" and event.request:
            answered.add(event.request)
        elif event.kind == "unanswered":
            if event.request is None:
                loose.append(Question(event.person, event.text, None, [event.value or "none"]))
                continue
            question = threads.get(event.request)
            if question is None:
                question = threads[event.request] = Question(event.person, event.text, event.request)
            question.text = question.text or event.text
            if event.value and event.value not in question.reasons:
                question.reasons.append(event.value)
    for request, event in suggested.items():
        if request not in answered and request not in threads:
            threads[request] = Question(event.person, None, request, ["suggest"], event.candidates)
    return [*threads.values(), *loose]


def cluster_questions(
    questions: Iterable[Question],
    analyzer: Analyzer,
    matcher: Matcher | None = None,
    threshold: float = THRESHOLD,
) -> list[QuestionCluster]:
    """Groups of similar questions with their texts, most people first; texts already erased are left out."""
    with_text = [q for q in questions if q.text]
    correct = matcher.index.correct if matcher is not None else None
    keys = [normalise(q.text or "", analyzer, correct) for q in with_text]
    # Weight each text by 1 / (questions of its person with that text): one person repeating is one voice.
    repeats = Counter((q.person, k) for q, k in zip(with_text, keys, strict=True))
    weights = [1 / repeats[(q.person, k)] for q, k in zip(with_text, keys, strict=True)]
    clusters: list[QuestionCluster] = []
    for indexes in group(keys, weights, threshold):
        members = [with_text[i] for i in indexes]
        texts = Counter((q.text or "").strip() for q in members)
        representative = (members[0].text or "").strip()
        examples = [representative] + [t for t, _ in texts.most_common() if t != representative]
        reasons: Counter[str] = Counter(r for q in members for r in q.reasons)
        clusters.append(QuestionCluster(
            members, representative, examples[:MAX_EXAMPLES], len({q.person for q in members}), reasons,
        ))
    if matcher is not None:
        for item in clusters:
            item.nearest = nearest_entry(item.representative, matcher)
    clusters.sort(key=lambda c: (-c.people, -c.count, c.representative))
    return clusters


def nearest_entry(text: str, matcher: Matcher) -> Nearest | None:
    result = matcher.match(text)
    best = result.best
    if best is None or best.id not in matcher.base.entries:
        return None
    return Nearest(best.id, matcher.base.entries[best.id].question, best.score)


def no_pick_groups(questions: Iterable[Question]) -> list[NoPickGroup]:
    """Offered options nobody picked, grouped by the options shown, most people first."""
    counts: Counter[tuple[str, ...]] = Counter()
    people: dict[tuple[str, ...], set[str]] = {}
    for q in questions:
        if q.text is None and q.reasons == ["suggest"]:
            key = tuple(i for i, _ in q.candidates[:3])
            counts[key] += 1
            people.setdefault(key, set()).add(q.person)
    groups = [NoPickGroup(k, n, len(people[k])) for k, n in counts.items()]
    return sorted(groups, key=lambda g: (-g.people, -g.count, g.candidates))


def reasons_text(reasons: Counter[str], limit: int | None = None) -> str:
    return ", ".join(f"{REASONS.get(r, r)}: {n}" for r, n in reasons.most_common(limit))


# --- spreadsheet for editors ---------------------------------------------------------------------

CLUSTER_COLUMNS = (
    ("№", 5), ("Людей", 8), ("Вопросов", 9), ("Типичный вопрос", 40), ("Примеры (в перефразировки)", 50),
    ("Почему без ответа", 30), ("Ближайшая статья (ID)", 26), ("Вопрос ближайшей статьи", 40), ("Сходство", 9),
    ("Что сделать", 36), ("Решение редактора", 30),
)


def cluster_rows(clusters: list[QuestionCluster], min_score: float) -> list[list[object]]:
    rows: list[list[object]] = []
    for number, item in enumerate(clusters, start=1):
        rows.append([
            number, item.people, item.count, item.representative, "\n".join(item.examples),
            reasons_text(item.reasons), item.nearest.id if item.nearest else "",
            item.nearest.question if item.nearest else "", round(item.nearest.score, 1) if item.nearest else "",
            item.action(min_score), "",
        ])
    return rows


def write_clusters(
    path: Path,
    clusters: list[QuestionCluster],
    no_pick: list[NoPickGroup],
    base: KnowledgeBase | None,
    min_score: float,
) -> None:
    """An .xlsx workbook (groups, and options nobody picked) or a .csv of the groups.

    A group whose nearest entry scores at least ``min_score`` is marked for new paraphrases.
    """
    rows = cluster_rows(clusters, min_score)
    headers = [h for h, _ in CLUSTER_COLUMNS]
    if path.suffix.lower() == ".csv":
        import csv

        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(headers)
            writer.writerows(rows)
        return
    from openpyxl import Workbook

    def title(eid: str) -> str:
        entry = base.entries.get(eid) if base is not None else None
        return f"{eid}: {entry.question}" if entry else eid

    book = Workbook()
    sheet = book.active
    sheet.title = "Вопросы без ответа"
    _fill(sheet, headers, rows, [w for _, w in CLUSTER_COLUMNS])
    other_rows = [[g.people, g.count, "\n".join(title(i) for i in g.candidates)] for g in no_pick]
    _fill(book.create_sheet("Варианты без выбора"), ["Людей", "Раз", "Предложенные статьи"], other_rows, [8, 8, 80])
    book.save(path)


def _fill(sheet: Any, headers: list[str], rows: list[list[object]], widths: list[int]) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append([None if v == "" else v for v in row])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = wrap
            if isinstance(cell.value, str):
                cell.data_type = "s"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
