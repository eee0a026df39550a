"""Load and validate a knowledge-base folder (format: shared/kb-format.md).

Every problem is collected with its file, entry id and line, so an editor can fix a base in one pass.
"""

from __future__ import annotations

import datetime
import gc
import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlparse

import yaml

from bot.kb import cache as kb_cache
from bot.kb.model import Entry, KnowledgeBase, Link, Topic
from bot.kb.yaml_reader import (  # noqa: F401 - the limits are part of this module's interface
    MAX_DEPTH,
    MAX_EXPANDED_CHARS,
    MAX_INT_DIGITS,
    MAX_NODES,
    read_document,
)
from bot.kb.yaml_reader import Mapping as _Mapping
from bot.kb.yaml_reader import TooBig as _TooBig

FILE_KEYS = frozenset({"category", "audience", "entries"})
ENTRY_KEYS = frozenset(
    {"id", "question", "paraphrases", "keywords", "answer", "answer_for", "links", "related",
     "audience", "updated", "owner"}
)
AUDIENCES = ("citizen", "business", "all")
SEGMENTS = ("citizen", "business")
ID_RE = re.compile(r"^[a-z0-9-]+$")
MAX_ANSWER = 3500
MAX_FILE_BYTES = 4 * 2**20  # one file (the other limits: bot.kb.yaml_reader)


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    line: int
    entry: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        if self.entry:
            where += f" [{self.entry}]"
        return f"{where}: {self.message}"


class KnowledgeBaseError(Exception):
    """A base that cannot be loaded; ``problems`` lists every error found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _shown(value: object, limit: int = 60) -> str:
    """A value for an error message: its repr, cut short."""
    text = repr(value) if not isinstance(value, list | dict) else f"<a {type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _line(mapping: Any, key: str | None = None) -> int:
    if isinstance(mapping, _Mapping):
        if key is not None and key in mapping.key_lines:
            return mapping.key_lines[key]
        return mapping.line
    return 0


def _valid_url(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc) and not re.search(r"\s", url)


class _FileChecker:
    """Validates one YAML file and turns it into entries and a topic."""

    def __init__(self, path: Path, problems: list[Problem], raw: bytes | None = None) -> None:
        self.path = path
        self.name = path.name
        self.problems = problems
        self.raw = raw  # the file's bytes: given (already read for the checksum) or as read here

    def error(self, line: int, message: str, entry: str | None = None) -> None:
        self.problems.append(Problem(self.name, line, entry, message))

    def text(self, mapping: _Mapping, key: str, entry: str | None, required: bool) -> str | None:
        value = mapping.get(key)
        if value is None:
            if required:
                self.error(_line(mapping, key), f"`{key}` is missing or empty", entry)
            return None
        if not isinstance(value, str) or not value.strip():
            self.error(_line(mapping, key), f"`{key}` must be non-empty text", entry)
            return None
        return value.strip()

    def text_list(self, mapping: _Mapping, key: str, entry: str) -> tuple[str, ...]:
        value = mapping.get(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            self.error(_line(mapping, key), f"`{key}` must be a list", entry)
            return ()
        if all(type(item) is str for item in value):  # the usual case, checked in one sweep
            stripped = tuple(map(str.strip, value))
            if all(stripped):
                return stripped
        items: list[str] = []
        for item in value:
            if isinstance(item, int | float) and not isinstance(item, bool):
                item = str(item)
            if not isinstance(item, str) or not item.strip():
                self.error(_line(mapping, key), f"`{key}` must hold only non-empty texts", entry)
                return ()
            items.append(item.strip())
        return tuple(items)

    def audience(self, mapping: _Mapping, default: str, entry: str | None) -> str:
        value = mapping.get("audience", default)
        if value not in AUDIENCES:
            self.error(
                _line(mapping, "audience"),
                f"`audience` is {_shown(value)}; use one of: {', '.join(AUDIENCES)}",
                entry,
            )
            return default
        return str(value)

    def answer_length(self, mapping: _Mapping, key: str, text: str | None, entry: str) -> None:
        if text is not None and len(text) > MAX_ANSWER:
            self.error(
                _line(mapping, key),
                f"`{key}` is {len(text)} characters long; the limit is {MAX_ANSWER}",
                entry,
            )

    def load(self) -> tuple[Topic | None, list[Entry], list[tuple[Entry, int, tuple[str, ...]]]]:
        try:
            if self.raw is None:
                size = self.path.stat().st_size
                if size > MAX_FILE_BYTES:
                    self.error(0, f"the file is {size / 2**20:.1f} MB; the limit is {MAX_FILE_BYTES // 2**20} MB")
                    return None, [], []
                self.raw = self.path.read_bytes()
            source = self.raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.error(0, f"the file is not UTF-8 text (byte {exc.start})")
            return None, [], []
        except OSError as exc:
            self.error(0, f"cannot read the file: {exc.strerror}")
            return None, [], []
        try:
            doc = read_document(source)
        except _TooBig as exc:
            self.error(exc.line, exc.message)
            return None, [], []
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else 0
            self.error(line, f"YAML syntax error: {exc.problem or exc}")
            return None, [], []
        except yaml.YAMLError as exc:
            self.error(0, f"YAML syntax error: {_shown(str(exc), 200)}")
            return None, [], []
        except (ValueError, TypeError, RecursionError, MemoryError) as exc:  # a value YAML itself cannot build
            self.error(0, f"the file cannot be read as YAML ({type(exc).__name__})")
            return None, [], []
        if not isinstance(doc, _Mapping):
            self.error(1, "the file must be a mapping with `category` and `entries`")
            return None, [], []
        for key in doc:
            if key not in FILE_KEYS:
                self.error(_line(doc, key), f"unknown top-level key `{key}`")
        category = self.text(doc, "category", None, required=True)
        file_audience = self.audience(doc, "all", None)
        items = doc.get("entries")
        if not isinstance(items, list) or not items:
            self.error(_line(doc, "entries"), "`entries` must be a non-empty list")
            return None, [], []
        topic_id = self.path.stem
        entries: list[Entry] = []
        related: list[tuple[Entry, int, tuple[str, ...]]] = []
        for item in items:
            built = self.entry(item, topic_id, file_audience)
            if built is not None:
                entry, related_line = built
                entries.append(entry)
                related.append((entry, related_line, entry.related))
        topic = Topic(
            id=topic_id,
            title=category or topic_id,
            audience=file_audience,  # type: ignore[arg-type]
            entry_ids=tuple(e.id for e in entries),
            source=self.name,
        )
        return topic, entries, related

    def entry(self, item: Any, topic_id: str, file_audience: str) -> tuple[Entry, int] | None:
        if not isinstance(item, _Mapping):
            self.error(0, "an item of `entries` is not a mapping (did you forget `id:`?)")
            return None
        eid = item.get("id")
        label = eid if isinstance(eid, str) and len(eid) <= 100 else None
        if not isinstance(eid, str) or not ID_RE.match(eid):
            self.error(_line(item, "id"), f"`id` {_shown(eid)} must use only a-z, 0-9 and '-'", label)
            return None
        for key in item:
            if key not in ENTRY_KEYS:
                self.error(_line(item, key), f"unknown key `{key}`", eid)
        question = self.text(item, "question", eid, required=True)
        answer = self.text(item, "answer", eid, required=True)
        self.answer_length(item, "answer", answer, eid)
        paraphrases = self.text_list(item, "paraphrases", eid)
        keywords = self.text_list(item, "keywords", eid)
        related = self.text_list(item, "related", eid)
        audience = self.audience(item, file_audience, eid)
        answer_for = self.answer_variants(item, eid)
        links = self.links(item, eid)
        updated = item.get("updated")
        if updated is not None and (
            not isinstance(updated, datetime.date) or isinstance(updated, datetime.datetime)
        ):
            self.error(_line(item, "updated"), "`updated` must be a date like 2026-11-01", eid)
            updated = None
        owner = self.text(item, "owner", eid, required=False) if "owner" in item else None
        if "owner" in item and item.get("owner") is None:
            self.error(_line(item, "owner"), "`owner` must be non-empty text", eid)
        # An entry with errors is still built (with empty texts) so that duplicate ids and
        # related ids are checked too; the errors above keep the base from loading.
        entry = Entry(
            id=eid,
            question=question or "",
            answer=answer or "",
            topic_id=topic_id,
            paraphrases=paraphrases,
            keywords=keywords,
            answer_for=MappingProxyType(answer_for),
            links=links,
            related=related,
            audience=audience,  # type: ignore[arg-type]
            updated=updated,
            owner=owner,
            source=self.name,
            line=_line(item, "id"),
        )
        return entry, _line(item, "related")

    def answer_variants(self, item: _Mapping, eid: str) -> dict[str, str]:
        value = item.get("answer_for")
        if value is None:
            return {}
        if not isinstance(value, _Mapping) or not value:
            self.error(_line(item, "answer_for"), "`answer_for` must map citizen/business to text", eid)
            return {}
        variants: dict[str, str] = {}
        for segment in value:
            if segment not in SEGMENTS:
                self.error(
                    _line(value, segment),
                    f"`answer_for` segment `{segment}` is not one of: {', '.join(SEGMENTS)}",
                    eid,
                )
                continue
            text = self.text(value, segment, eid, required=True)
            self.answer_length(value, f"answer_for.{segment}", text, eid)
            if text is not None:
                variants[segment] = text
        return variants

    def links(self, item: _Mapping, eid: str) -> tuple[Link, ...]:
        value = item.get("links")
        if value is None:
            return ()
        if not isinstance(value, list):
            self.error(_line(item, "links"), "`links` must be a list of {title, url}", eid)
            return ()
        links: list[Link] = []
        for link in value:
            if not isinstance(link, _Mapping) or "url" not in link or set(link) - {"title", "url"}:
                self.error(_line(item, "links"), "each link needs `url` and an optional `title` only", eid)
                continue
            if not isinstance(link["url"], str):
                self.error(_line(link, "url"), f"the URL must be text, not {_shown(link['url'])}", eid)
                continue
            url = link["url"].strip()
            if not _valid_url(url):
                self.error(_line(link, "url"), f"malformed URL {_shown(url)}", eid)
                continue
            title = link.get("title")
            if title is not None and not isinstance(title, str | int | float):
                self.error(_line(link, "title"), "a link's `title` must be text", eid)
                continue
            links.append(Link(url=url, title=str(title).strip() if title else ""))
        return tuple(links)


def _files(directory: Path) -> list[Path]:
    """The base's files; a link to a file outside the folder is not one of them (see ``_outside``)."""
    inside = directory.resolve()
    return sorted(
        p for p in directory.iterdir()
        if p.suffix in (".yaml", ".yml") and p.is_file() and p.resolve().is_relative_to(inside)
    )


def _outside(directory: Path) -> list[Problem]:
    """Links among the base's files that lead out of its folder: refused, never read."""
    inside = directory.resolve()
    return [
        Problem(p.name, 0, None, "a link to a file outside the knowledge-base folder; put the file itself here")
        for p in sorted(directory.iterdir())
        if p.suffix in (".yaml", ".yml") and p.is_symlink() and not p.resolve().is_relative_to(inside)
    ]


def checksum(files: list[Path], contents: dict[Path, bytes] | None = None) -> str:
    """A short hash of the files' names and contents: equal bases have equal checksums.

    Bytes already in ``contents`` are hashed as they are; the files read here are added to it.
    """
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode())
        digest.update(b"\0")
        data = contents.get(path) if contents is not None else None
        if data is None:
            try:
                size = path.stat().st_size
                if size <= MAX_FILE_BYTES:
                    data = path.read_bytes()
                    if contents is not None:
                        contents[path] = data
            except OSError:
                data = b"<unreadable>"
        digest.update(data if data is not None else f"<{size} bytes>".encode())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


_ID_LINE = re.compile(r"^\s*(?:-\s*)?id:\s*['\"]?([A-Za-z0-9_.-]+)", re.MULTILINE)


def _ids_in_text(path: Path) -> set[str]:
    """Entry ids as written in a file that YAML could not read (for error messages only)."""
    try:
        with path.open("rb") as fh:  # the beginning only: the file may be far over the size limit
            head = fh.read(2_000_000).decode("utf-8", errors="replace")
        return set(_ID_LINE.findall(head))
    except OSError:
        return set()


def _collect(
    directory: Path, contents: dict[Path, bytes] | None = None, digest: str | None = None
) -> tuple[KnowledgeBase | None, list[Problem]]:
    """Check and build the base; ``contents`` are files already read, ``digest`` their checksum."""
    problems: list[Problem] = []
    if not directory.is_dir():
        return None, [Problem(str(directory), 0, None, "not a folder")]
    files = _files(directory)
    problems.extend(_outside(directory))
    if not files:
        return None, [*problems, Problem(str(directory), 0, None, "no .yaml files in the folder")]
    topics: list[Topic] = []
    entries: dict[str, Entry] = {}
    pending_related: list[tuple[Entry, int, tuple[str, ...]]] = []
    unread_ids: set[str] = set()  # ids written in files that gave no entries (a syntax error…)
    parsed: dict[Path, bytes] = {}  # the bytes each file was read as, for the checksum
    for path in files:
        checker = _FileChecker(path, problems, contents.get(path) if contents else None)
        try:
            topic, file_entries, related = checker.load()
        except Exception as exc:  # whatever a file holds, the editor gets a line, not a traceback
            checker.error(0, f"the file cannot be checked ({type(exc).__name__})")
            topic, file_entries, related = None, [], []
        if checker.raw is not None:
            parsed[path] = checker.raw
        if not file_entries:
            unread_ids |= _ids_in_text(path)
        kept: list[str] = []
        for entry in file_entries:
            if entry.id in entries:
                other = entries[entry.id]
                where = f"{other.source}:{other.line}"
                checker.error(entry.line, f"duplicate id (already used in {where})", entry.id)
                continue
            entries[entry.id] = entry
            kept.append(entry.id)
        kept_ids = set(kept)
        pending_related.extend(r for r in related if r[0].id in kept_ids)
        if topic is not None and topic.id in {t.id for t in topics}:
            checker.error(0, f"topic `{topic.id}` is defined twice (a .yml and a .yaml file?)")
        elif topic is not None and kept:
            topics.append(
                Topic(topic.id, topic.title, topic.audience, tuple(kept), topic.source)
            )
    for entry, line, related_ids in pending_related:
        for rid in related_ids:
            if rid not in entries and rid in unread_ids:
                continue  # it is in a file that could not be read: that file's own error says enough
            if rid not in entries:
                problems.append(Problem(entry.source, line, entry.id, f"related id `{rid}` does not exist"))
            elif rid == entry.id:
                problems.append(Problem(entry.source, line, entry.id, "an entry cannot be related to itself"))
    base = KnowledgeBase(
        topics=tuple(topics),
        entries=MappingProxyType(entries),
        checksum=digest if contents is not None and digest and files == list(contents) else checksum(files, parsed),
        source=str(directory),
    )
    problems.sort(key=lambda p: (p.file, p.line))
    return base, problems


def validate_directory(directory: Path | str) -> list[Problem]:
    """Every problem of the base in ``directory``; an empty list means it loads."""
    _, problems = _collect(Path(directory))
    return problems


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Reading a base makes hundreds of thousands of objects and no reference cycles: Python's cycle
    collector would only walk them again and again while they are made."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_knowledge_base(directory: Path | str, cache_dir: Path | None = None) -> KnowledgeBase:
    """Load a base, or raise KnowledgeBaseError listing every problem.

    With ``cache_dir``, an unchanged base is read from the parsed-base cache instead of YAML.
    """
    with _collector_paused():
        return _load(Path(directory), cache_dir)


def _load(directory: Path, cache_dir: Path | None) -> KnowledgeBase:
    contents: dict[Path, bytes] | None = None
    digest = None
    if cache_dir is not None and directory.is_dir():
        files = _files(directory)
        if files and not _outside(directory):
            contents = {}  # read once: hashed for the cache, then parsed if the cache misses
            digest = checksum(files, contents)
            cached = kb_cache.read(cache_dir, digest, str(directory))
            if cached is not None:
                return cached
    base, problems = _collect(directory, contents, digest)
    if problems or base is None:
        raise KnowledgeBaseError(problems)
    if cache_dir is not None:
        kb_cache.write(cache_dir, base)
    return base
