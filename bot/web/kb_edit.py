"""Editing one knowledge-base entry from the console: a draft from a form, checked with the base's own
validator on a copy of the folder, shown as a diff, then written back to its YAML file (the base stays
in git) and reloaded. Nothing here touches the running base until ``publish`` writes the file."""

from __future__ import annotations

import difflib
import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bot.editors.diff import FieldChange, entry_changes
from bot.editors.yaml_out import dump_topic, leading_comment, write_atomically
from bot.kb.loader import ID_RE, MAX_ANSWER, KnowledgeBaseError, Problem, load_knowledge_base
from bot.kb.model import Entry, KnowledgeBase

FIELD_NAMES = {
    "topic_id": "тема", "question": "вопрос", "paraphrases": "перефразировки", "keywords": "ключевые слова",
    "answer": "ответ", "answer_for": "ответы для сегментов", "links": "ссылки", "related": "связанные статьи",
    "audience": "аудитория", "updated": "дата проверки", "owner": "ответственный",
}
AUDIENCES = {"all": "все", "citizen": "граждане", "business": "предприниматели"}
_SPLIT = re.compile(r"[,\s]+")


def _lines(text: str) -> list[str]:
    seen: list[str] = []
    for line in text.replace("\r", "").split("\n"):
        line = line.strip()
        if line and line not in seen:
            seen.append(line)
    return seen


@dataclass(slots=True)
class Draft:
    """An entry as typed in the editor (every field a plain string or a list of lines)."""

    id: str
    topic_id: str
    question: str = ""
    paraphrases: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    answer: str = ""
    answer_citizen: str = ""
    answer_business: str = ""
    links: list[str] = field(default_factory=list)  # "title | url" or "url"
    related: list[str] = field(default_factory=list)
    audience: str = "all"
    owner: str = ""
    updated: str = ""  # YYYY-MM-DD or empty

    @classmethod
    def from_form(cls, form: Mapping[str, str]) -> Draft:
        def text(name: str) -> str:
            return (form.get(name) or "").replace("\r\n", "\n").strip()

        return cls(
            id=text("id").lower(), topic_id=text("topic_id"), question=text("question"),
            paraphrases=_lines(text("paraphrases")), keywords=_lines(text("keywords").replace(",", "\n")),
            answer=text("answer"), answer_citizen=text("answer_citizen"), answer_business=text("answer_business"),
            links=_lines(text("links")), related=[r for r in _SPLIT.split(text("related")) if r],
            audience=text("audience") or "all", owner=text("owner"), updated=text("updated"),
        )

    @classmethod
    def from_entry(cls, entry: Entry) -> Draft:
        return cls(
            id=entry.id, topic_id=entry.topic_id, question=entry.question, paraphrases=list(entry.paraphrases),
            keywords=list(entry.keywords), answer=entry.answer,
            answer_citizen=entry.answer_for.get("citizen", ""), answer_business=entry.answer_for.get("business", ""),
            links=[f"{link.title} | {link.url}" if link.title else link.url for link in entry.links],
            related=list(entry.related), audience=entry.audience, owner=entry.owner or "",
            updated=entry.updated.isoformat() if entry.updated else "",
        )

    def form(self) -> dict[str, str]:
        """The values to put back in the editor's fields."""
        return {
            "id": self.id, "topic_id": self.topic_id, "question": self.question,
            "paraphrases": "\n".join(self.paraphrases), "keywords": "\n".join(self.keywords), "answer": self.answer,
            "answer_citizen": self.answer_citizen, "answer_business": self.answer_business,
            "links": "\n".join(self.links), "related": ", ".join(self.related), "audience": self.audience,
            "owner": self.owner, "updated": self.updated,
        }

    def mapping(self) -> dict[str, Any]:
        """The entry as written to YAML (empty fields left out)."""
        out: dict[str, Any] = {"id": self.id, "question": self.question}
        if self.paraphrases:
            out["paraphrases"] = list(self.paraphrases)
        if self.keywords:
            out["keywords"] = list(self.keywords)
        out["answer"] = self.answer
        variants = {k: v for k, v in (("citizen", self.answer_citizen), ("business", self.answer_business)) if v}
        if variants:
            out["answer_for"] = variants
        out["audience"] = self.audience or "all"  # left out by ``topic_text`` when it is the file's own
        links = []
        for line in self.links:
            title, bar, url = line.rpartition("|")
            links.append({"title": title.strip(), "url": url.strip()} if bar and title.strip() else
                         {"url": url.strip() if bar else line.strip()})
        if links:
            out["links"] = links
        if self.related:
            out["related"] = list(self.related)
        if self.updated:
            out["updated"] = date.fromisoformat(self.updated)
        if self.owner:
            out["owner"] = self.owner
        return out


def form_problems(draft: Draft, base: KnowledgeBase, *, new: bool) -> list[str]:
    """Problems an editor can fix in the form, in plain Russian (empty: the draft goes to the validator)."""
    problems = []
    if not draft.id or not ID_RE.match(draft.id):
        problems.append("Код статьи: только строчные латинские буквы, цифры и дефис, например «ip-registration».")
    elif new and draft.id in base.entries:
        problems.append(f"Статья с кодом «{draft.id}» уже есть — выберите другой код.")
    if base.topic(draft.topic_id) is None:
        problems.append("Выберите тему статьи.")
    if not draft.question:
        problems.append("Заполните вопрос.")
    if not draft.answer:
        problems.append("Заполните ответ.")
    for name, text in (("Ответ", draft.answer), ("Ответ для граждан", draft.answer_citizen),
                       ("Ответ для бизнеса", draft.answer_business)):
        if len(text) > MAX_ANSWER:
            problems.append(f"{name}: {len(text)} символов, а в одном сообщении помещается не больше {MAX_ANSWER}.")
    for line in draft.links:
        url = line.rpartition("|")[2].strip()
        if not url.startswith(("https://", "http://")):
            problems.append(f"Ссылка «{line}»: адрес должен начинаться с https://")
    for rid in draft.related:
        if rid == draft.id:
            problems.append("Статья не может быть связана сама с собой.")
        elif rid not in base.entries:
            problems.append(f"Связанной статьи «{rid}» нет в базе.")
    if draft.updated:
        try:
            date.fromisoformat(draft.updated)
        except ValueError:
            problems.append(f"Дата проверки «{draft.updated}»: укажите дату в виде ГГГГ-ММ-ДД.")
    if draft.audience not in AUDIENCES:
        problems.append("Аудитория: все, граждане или предприниматели.")
    return problems


def topic_path(kb_dir: Path, topic_id: str) -> Path:
    for suffix in (".yaml", ".yml"):
        path = kb_dir / f"{topic_id}{suffix}"
        if path.is_file():
            return path
    raise FileNotFoundError(f"no file for topic {topic_id!r} in {kb_dir}")


def topic_text(path: Path, draft: Draft) -> str:
    """The topic file with the draft in place of its entry (or added at the end)."""
    doc = yaml.safe_load(path.read_text("utf-8")) or {}
    entries: list[dict[str, Any]] = list(doc.get("entries") or [])
    mapping = draft.mapping()
    if mapping["audience"] == (doc.get("audience") or "all"):
        del mapping["audience"]  # the entry inherits the topic's audience, as hand-written files do
    for number, entry in enumerate(entries):
        if isinstance(entry, dict) and entry.get("id") == draft.id:
            entries[number] = mapping
            break
    else:
        entries.append(mapping)
    return dump_topic(str(doc.get("category", draft.topic_id)), doc.get("audience"), entries, leading_comment(path))


@dataclass(frozen=True, slots=True)
class Checked:
    """A draft checked against a copy of the whole base."""

    path: Path
    old_text: str
    new_text: str
    base: KnowledgeBase | None = None
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.base is not None and not self.problems

    def file_diff(self) -> list[str]:
        return list(difflib.unified_diff(
            self.old_text.splitlines(), self.new_text.splitlines(), f"{self.path.name} (сейчас)",
            f"{self.path.name} (после публикации)", n=2, lineterm="",
        ))


def _problem_text(problem: Problem) -> str:
    where = f"{Path(problem.file).name}:{problem.line}" if problem.line else Path(problem.file).name
    return f"{where}: {problem.message}"


def check_draft(kb_dir: Path, draft: Draft, base: KnowledgeBase) -> Checked:
    """Validate the draft with the loader on a temporary copy of the folder; the real base is untouched."""
    path = topic_path(kb_dir, draft.topic_id)
    old_text = path.read_text("utf-8")
    problems = form_problems(draft, base, new=draft.id not in base.entries)
    if draft.id in base.entries and base.entries[draft.id].topic_id != draft.topic_id:
        problems.append("Перенос статьи в другую тему в консоли не поддерживается: создайте новую статью.")
    if problems:
        return Checked(path, old_text, old_text, None, tuple(problems))
    new_text = topic_text(path, draft)
    with tempfile.TemporaryDirectory(prefix="kb-draft-") as tmp:
        copy = Path(tmp)
        for item in kb_dir.iterdir():
            if item.is_file() and item.suffix in (".yaml", ".yml"):
                shutil.copyfile(item, copy / item.name)
        (copy / path.name).write_text(new_text, "utf-8")
        try:
            draft_base = load_knowledge_base(copy)
        except KnowledgeBaseError as exc:
            return Checked(path, old_text, new_text, None,
                           tuple("Проверка базы: " + _problem_text(p) for p in exc.problems))
    return Checked(path, old_text, new_text, draft_base)


def changes(base: KnowledgeBase, draft_base: KnowledgeBase, entry_id: str) -> tuple[FieldChange, ...] | None:
    """Field changes of the entry (None: it is new)."""
    before = base.entries.get(entry_id)
    if before is None:
        return None
    return entry_changes(before, draft_base.entries[entry_id])


def summary(found: tuple[FieldChange, ...] | None) -> str:
    if found is None:
        return "новая статья"
    return "\n".join(f"{FIELD_NAMES.get(f.name, f.name)}: {describe(f)}" for f in found) or "без изменений"


def describe(change: FieldChange) -> str:
    """A short Russian description of one field's change."""
    if isinstance(change.old, tuple | list) or isinstance(change.new, tuple | list):
        old, new = list(change.old or ()), list(change.new or ())  # type: ignore[call-overload]
        parts = [f"+ {x}" for x in new if x not in old] + [f"− {x}" for x in old if x not in new]
        return "; ".join(parts) or "изменён порядок"
    if change.name in ("answer", "answer_for"):
        return "текст изменён"
    return f"{change.old or '—'} → {change.new or '—'}"


def write(checked: Checked) -> bool:
    """Write the checked file back (atomically); whether it changed."""
    return write_atomically(checked.path, checked.new_text)


def restore(checked: Checked) -> None:
    write_atomically(checked.path, checked.old_text)
