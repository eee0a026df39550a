"""The knowledge base as a table: one row per entry, readable columns, lists one item per line in a cell.

Headers are Russian on export; on import the English keys are accepted too (case does not matter).
The same rows are written to and read from .xlsx (openpyxl) and .csv (UTF-8 with BOM, `,` or `;`).
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.kb.model import Entry, KnowledgeBase, Topic


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    header: str
    width: int = 20
    required: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("topic", "Тема (файл)", 22, True),
    Column("category", "Название темы", 24, True),
    Column("topic_audience", "Аудитория темы", 12),
    Column("id", "ID", 26, True),
    Column("question", "Вопрос", 40, True),
    Column("paraphrases", "Перефразировки", 40),
    Column("keywords", "Ключевые слова", 20),
    Column("answer", "Ответ", 70, True),
    Column("answer_citizen", "Ответ для граждан", 40),
    Column("answer_business", "Ответ для бизнеса", 40),
    Column("links", "Ссылки", 40),
    Column("related", "Связанные", 26),
    Column("audience", "Аудитория", 12),
    Column("updated", "Обновлено", 12),
    Column("owner", "Ответственный", 24),
)
BY_KEY = {c.key: c for c in COLUMNS}
LIST_KEYS = ("paraphrases", "keywords", "related")
# Audience values editors may type in Russian; the files always get the English ones.
AUDIENCE_WORDS = {
    "citizen": "citizen", "business": "business", "all": "all",
    "граждане": "citizen", "гражданин": "citizen", "бизнес": "business", "предприниматели": "business",
    "все": "all", "всем": "all",
}
SHEET_TITLE = "База знаний"

Row = dict[str, str]


@dataclass(frozen=True, slots=True)
class SheetProblem:
    """A problem in the table: its row number as the spreadsheet shows it (the header is row 1)."""

    row: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row else "table"
        if self.column:
            where += f", column «{self.column}»"
        return f"{where}: {self.message}"


@dataclass(slots=True)
class Table:
    """Rows read from a file: each is (row number, {column key: text})."""

    rows: list[tuple[int, Row]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # column key -> header as written in the file
    problems: list[SheetProblem] = field(default_factory=list)

    def header(self, key: str) -> str:
        return self.headers.get(key, BY_KEY[key].header)


# --- base -> rows --------------------------------------------------------------------------------


def entry_row(entry: Entry, topic: Topic) -> Row:
    return {
        "topic": topic.id,
        "category": topic.title,
        "topic_audience": topic.audience,
        "id": entry.id,
        "question": entry.question,
        "paraphrases": "\n".join(entry.paraphrases),
        "keywords": "\n".join(entry.keywords),
        "answer": entry.answer,
        "answer_citizen": entry.answer_for.get("citizen", ""),
        "answer_business": entry.answer_for.get("business", ""),
        "links": "\n".join(f"{link.title} | {link.url}" if link.title else link.url for link in entry.links),
        "related": "\n".join(entry.related),
        "audience": "" if entry.audience == topic.audience else entry.audience,
        "updated": entry.updated.isoformat() if entry.updated else "",
        "owner": entry.owner or "",
    }


def base_rows(base: KnowledgeBase) -> list[Row]:
    """One row per entry, topics in the base's order, entries in file order."""
    return [entry_row(base.entries[eid], topic) for topic in base.topics for eid in topic.entry_ids]


# --- writing -------------------------------------------------------------------------------------


def write_table(rows: list[Row], path: Path) -> None:
    if path.suffix.lower() == ".csv":
        write_csv(rows, path)
    else:
        write_xlsx(rows, path)


def write_csv(rows: list[Row], path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([c.header for c in COLUMNS])
        for row in rows:
            writer.writerow([row.get(c.key, "") for c in COLUMNS])


def write_xlsx(rows: list[Row], path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_TITLE
    sheet.append([c.header for c in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for number, row in enumerate(rows, start=2):
        for index, column in enumerate(COLUMNS, start=1):
            value = row.get(column.key, "")
            cell = sheet.cell(row=number, column=index)
            cell.value = value or None
            if value:
                cell.data_type = "s"  # text stays text: a leading "=" is not a formula
            cell.alignment = wrap
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    book.save(path)


# --- reading -------------------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _header_key(text: str) -> str | None:
    wanted = text.strip().lower()
    for column in COLUMNS:
        if wanted in (column.key, column.header.lower()):
            return column.key
    return None


def _table(raw_rows: list[list[Any]]) -> Table:
    table = Table()
    if not raw_rows:
        table.problems.append(SheetProblem(0, None, "the table is empty (no header row)"))
        return table
    positions: dict[int, str] = {}
    for index, value in enumerate(raw_rows[0]):
        text = _cell_text(value)
        if not text:
            continue
        key = _header_key(text)
        if key is None:
            table.problems.append(SheetProblem(1, text, "unknown column"))
        elif key in table.headers:
            table.problems.append(SheetProblem(1, text, "the column appears twice"))
        else:
            positions[index] = key
            table.headers[key] = text
    for column in COLUMNS:
        if column.required and column.key not in table.headers:
            table.problems.append(SheetProblem(1, column.header, "required column is missing"))
    for number, raw in enumerate(raw_rows[1:], start=2):
        row = {key: _cell_text(raw[i]) if i < len(raw) else "" for i, key in positions.items()}
        extra = [i for i, v in enumerate(raw) if i not in positions and _cell_text(v)]
        if extra and any(row.values()):
            table.problems.append(SheetProblem(number, None, "a value in a column without a header"))
        if any(row.values()):
            table.rows.append((number, row))
    return table


def read_table(path: Path) -> Table:
    """Read the first sheet of an .xlsx file or a .csv file; problems name the row and column."""
    try:
        if path.suffix.lower() == ".csv":
            return _table(_csv_rows(path))
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            return _table(_xlsx_rows(path))
    except (OSError, ValueError, KeyError) as exc:  # openpyxl raises these on damaged files
        table = Table()
        table.problems.append(SheetProblem(0, None, f"cannot read {path.name}: {exc}"))
        return table
    table = Table()
    table.problems.append(SheetProblem(0, None, f"{path.name}: use an .xlsx or .csv file"))
    return table


def _csv_rows(path: Path) -> list[list[Any]]:
    text = path.read_text("utf-8-sig")
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    return [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def _xlsx_rows(path: Path) -> list[list[Any]]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book[SHEET_TITLE] if SHEET_TITLE in book.sheetnames else book.worksheets[0]
        return [list(r) for r in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
