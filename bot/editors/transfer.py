"""Spreadsheet export and import of a knowledge base.

Import is all or nothing: the table is turned into topic files in a temporary folder and checked with
the base's own validator; any problem is reported by row and column and the base stays as it was.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bot.editors.sheet import (
    AUDIENCE_WORDS,
    LIST_KEYS,
    Row,
    SheetProblem,
    Table,
    base_rows,
    read_table,
    write_table,
)
from bot.editors.yaml_out import dump_topic, leading_comment, write_atomically
from bot.kb.loader import Problem, load_knowledge_base, validate_directory
from bot.kb.model import KnowledgeBase

TOPIC_RE = re.compile(r"^[\w-]+$")
TABLE_SUFFIXES = (".xlsx", ".xlsm", ".csv")


class SheetError(Exception):
    """A table that cannot become a base; ``problems`` lists every problem found."""

    def __init__(self, problems: list[SheetProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(slots=True)
class TopicDoc:
    id: str
    first_row: int
    category: str = ""
    audience: str | None = None
    entries: list[dict[str, Any]] = field(default_factory=list)

    def text(self, header: str = "") -> str:
        return dump_topic(self.category, self.audience, self.entries, header)


@dataclass(slots=True)
class Documents:
    topics: list[TopicDoc] = field(default_factory=list)
    row_of: dict[str, int] = field(default_factory=dict)  # entry id -> row
    problems: list[SheetProblem] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ImportResult:
    problems: tuple[SheetProblem, ...] = ()
    base: KnowledgeBase | None = None
    written: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


# --- export --------------------------------------------------------------------------------------


def export_base(base: KnowledgeBase, path: Path) -> int:
    """Write the base to ``path`` (.xlsx or .csv); returns the number of rows."""
    rows = base_rows(base)
    write_table(rows, path)
    return len(rows)


# --- table -> topic documents --------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def _date(text: str) -> date | None:
    for parse in (date.fromisoformat, lambda t: datetime.strptime(t, "%d.%m.%Y").date()):
        try:
            return parse(text)
        except ValueError:
            continue
    return None


def _entry(number: int, row: Row, table: Table, problems: list[SheetProblem]) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": row.get("id", "")}
    for key in ("question", "answer"):
        if row.get(key):
            entry[key] = row[key]
    for key in LIST_KEYS:
        items = _lines(row.get(key, ""))
        if items:
            entry[key] = items
    variants = {s: row[f"answer_{s}"] for s in ("citizen", "business") if row.get(f"answer_{s}")}
    if variants:
        entry["answer_for"] = variants
    links = []
    for line in _lines(row.get("links", "")):
        title, bar, url = line.rpartition("|")
        link = {"title": title.strip(), "url": url.strip()} if bar and title.strip() else {"url": url.strip()}
        links.append(link)
    if links:
        entry["links"] = links
    audience = row.get("audience", "")
    if audience:
        entry["audience"] = AUDIENCE_WORDS.get(audience.lower(), audience)
    updated = row.get("updated", "")
    if updated:
        parsed = _date(updated)
        if parsed is None:
            problems.append(SheetProblem(number, table.header("updated"), f"{updated!r} is not a date like 2026-11-01"))
        else:
            entry["updated"] = parsed
    if row.get("owner"):
        entry["owner"] = row["owner"]
    return entry


def documents(table: Table) -> Documents:
    """Group rows into topic files; problems of the table itself are collected, not raised."""
    docs = Documents(problems=list(table.problems))
    by_topic: dict[str, TopicDoc] = {}
    for number, row in table.rows:
        topic_id = row.get("topic", "")
        if not topic_id:
            docs.problems.append(SheetProblem(number, table.header("topic"), "the topic (file name) is empty"))
            continue
        if not TOPIC_RE.match(topic_id):
            docs.problems.append(
                SheetProblem(number, table.header("topic"), f"{topic_id!r}: use letters, digits, '-' and '_' only")
            )
            continue
        topic = by_topic.get(topic_id)
        if topic is None:
            topic = by_topic[topic_id] = TopicDoc(topic_id, number)
            docs.topics.append(topic)
        _topic_fields(topic, number, row, table, docs.problems)
        eid = row.get("id", "")
        if not eid:
            docs.problems.append(SheetProblem(number, table.header("id"), "the id is empty"))
            continue
        if eid in docs.row_of:
            docs.problems.append(
                SheetProblem(number, table.header("id"), f"duplicate id `{eid}` (already in row {docs.row_of[eid]})")
            )
            continue
        docs.row_of[eid] = number
        topic.entries.append(_entry(number, row, table, docs.problems))
    for topic in docs.topics:
        if not topic.category:
            docs.problems.append(
                SheetProblem(topic.first_row, table.header("category"), f"topic `{topic.id}` has no name")
            )
    return docs


def _topic_fields(topic: TopicDoc, number: int, row: Row, table: Table, problems: list[SheetProblem]) -> None:
    category = row.get("category", "")
    if category:
        if topic.category and category != topic.category:
            problems.append(SheetProblem(
                number, table.header("category"),
                f"topic `{topic.id}` is named «{topic.category}» in row {topic.first_row}; use one name",
            ))
        topic.category = topic.category or category
    audience_text = row.get("topic_audience", "")
    if audience_text:
        audience = AUDIENCE_WORDS.get(audience_text.lower(), audience_text)
        if topic.audience is not None and audience != topic.audience:
            problems.append(SheetProblem(
                number, table.header("topic_audience"),
                f"topic `{topic.id}` has audience {topic.audience!r} in an earlier row; use one value",
            ))
        topic.audience = topic.audience or audience


# --- validation with the base's own validator ----------------------------------------------------

_KEY = re.compile(r"`([a-z_.]+)`")
_COLUMN_OF_KEY = {
    "question": "question", "answer": "answer", "paraphrases": "paraphrases", "keywords": "keywords",
    "related": "related", "links": "links", "url": "links", "audience": "audience", "updated": "updated",
    "owner": "owner", "id": "id", "answer_for": "answer_citizen", "answer_for.citizen": "answer_citizen",
    "answer_for.business": "answer_business", "category": "category", "entries": "topic",
}


def _column(problem: Problem) -> str | None:
    message = problem.message
    if message.startswith(("related id", "an entry cannot be related")):
        return "related"
    if message.startswith("malformed URL") or "link" in message:
        return "links"
    if message.startswith("duplicate id"):
        return "id"
    found = _KEY.search(message)
    key = found.group(1) if found else None
    if problem.entry is None and key == "audience":
        return "topic_audience"
    return _COLUMN_OF_KEY.get(key or "")


def _row_problem(problem: Problem, docs: Documents, table: Table) -> SheetProblem:
    column = _column(problem)
    if problem.entry and problem.entry in docs.row_of:
        row = docs.row_of[problem.entry]
    else:
        topic_id = Path(problem.file).stem
        row = next((t.first_row for t in docs.topics if t.id == topic_id), 0)
    return SheetProblem(row, table.header(column) if column else None, problem.message)


def _write_docs(docs: Documents, folder: Path) -> None:
    for topic in docs.topics:
        (folder / f"{topic.id}.yaml").write_text(topic.text(), "utf-8")


def check_table(table: Table) -> tuple[Documents, list[SheetProblem]]:
    """Every problem of a table, by row and column (sorted); an empty list means it imports."""
    docs = documents(table)
    problems = list(docs.problems)
    if not any(p.row == 0 or p.row == 1 for p in problems) and docs.topics:
        with tempfile.TemporaryDirectory(prefix="kb-import-") as tmp:
            _write_docs(docs, Path(tmp))
            problems.extend(_row_problem(p, docs, table) for p in validate_directory(tmp))
    elif not docs.topics and not problems:
        problems.append(SheetProblem(0, None, "the table has no entries"))
    problems.sort(key=lambda p: (p.row, p.column or ""))
    return docs, problems


def read_base_table(path: Path) -> KnowledgeBase:
    """A base from a spreadsheet, for diffs; raises SheetError."""
    docs, problems = check_table(read_table(path))
    if problems:
        raise SheetError(problems)
    with tempfile.TemporaryDirectory(prefix="kb-table-") as tmp:
        _write_docs(docs, Path(tmp))
        base = load_knowledge_base(tmp)
    return KnowledgeBase(base.topics, base.entries, base.checksum, str(path))


def load_any(path: Path) -> KnowledgeBase:
    """A base from a folder of YAML files or from a spreadsheet (.xlsx, .csv)."""
    if path.suffix.lower() in TABLE_SUFFIXES and path.is_file():
        return read_base_table(path)
    return load_knowledge_base(path)


# --- import --------------------------------------------------------------------------------------


def import_table(path: Path, kb_dir: Path, *, dry_run: bool = False) -> ImportResult:
    """Replace the base in ``kb_dir`` with the table's content, or change nothing and list problems.

    Topic files keep their names and their leading comment; files of topics that are no longer in the
    table are removed. Unchanged files are not touched, so a watching bot reloads only on real change.
    """
    docs, problems = check_table(read_table(path))
    if problems:
        return ImportResult(tuple(problems))
    if dry_run:
        with tempfile.TemporaryDirectory(prefix="kb-import-") as tmp:
            _write_docs(docs, Path(tmp))
            return ImportResult(base=load_knowledge_base(tmp))
    kb_dir.mkdir(parents=True, exist_ok=True)
    existing = {p.stem: p for p in sorted(kb_dir.iterdir()) if p.suffix in (".yaml", ".yml") and p.is_file()}
    written: list[str] = []
    for topic in docs.topics:
        target = existing.get(topic.id, kb_dir / f"{topic.id}.yaml")
        if write_atomically(target, topic.text(leading_comment(target))):
            written.append(target.name)
    keep = {t.id for t in docs.topics}
    removed = []
    for stem, old in existing.items():
        if stem not in keep:
            old.unlink()
            removed.append(old.name)
    return ImportResult(base=load_knowledge_base(kb_dir), written=tuple(written), removed=tuple(removed))
