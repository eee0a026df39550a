"""A parsed-base cache: a restart with unchanged files skips YAML parsing (slow for big bases).

Keyed by the checksum of the files' names and bytes; only bases that passed validation are cached.
The file holds plain data only (texts, numbers, lists, mappings) in pickle's compact form, read back by
an unpickler that refuses every class, so it can build nothing else.
"""

from __future__ import annotations

import io
import logging
import os
import pickle
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.kb.model import Entry, KnowledgeBase, Link, Topic

FORMAT = 2  # 2: plain-data pickle, entries as rows of _FIELDS (1 was JSON)
log = logging.getLogger(__name__)


def _path(cache_dir: Path, checksum: str) -> Path:
    return cache_dir / f"kb-{checksum}.pickle"


class _PlainData(pickle.Unpickler):
    """Texts, numbers, lists, tuples and mappings only: any class or function is refused."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"{module}.{name} is not plain data")


# An entry is stored as a row of its fields in this order (no key names: a smaller file, read faster).
_FIELDS = (
    "id", "question", "answer", "topic_id", "paraphrases", "keywords", "answer_for", "links", "related",
    "audience", "updated", "owner", "source", "line",
)


def _entry_to_row(entry: Entry) -> list[Any]:
    return [
        entry.id, entry.question, entry.answer, entry.topic_id, entry.paraphrases, entry.keywords,
        dict(entry.answer_for), [[link.url, link.title] for link in entry.links], entry.related,
        entry.audience, entry.updated.isoformat() if entry.updated else None, entry.owner, entry.source,
        entry.line,
    ]


def _entry_from_row(row: list[Any]) -> Entry:
    (eid, question, answer, topic_id, paraphrases, keywords, answer_for, links, related, audience, updated,
     owner, source, line) = row
    return Entry(
        id=eid, question=question, answer=answer, topic_id=topic_id,
        paraphrases=tuple(paraphrases), keywords=tuple(keywords),
        answer_for=MappingProxyType(dict(answer_for)),
        links=tuple(Link(url, title) for url, title in links) if links else (),
        related=tuple(related), audience=audience,
        updated=date.fromisoformat(updated) if updated else None,
        owner=owner, source=source, line=line,
    )


def read(cache_dir: Path, checksum: str, source: str) -> KnowledgeBase | None:
    path = _path(cache_dir, checksum)
    try:
        data = _PlainData(io.BytesIO(path.read_bytes())).load()
        if data.get("format") != FORMAT or data.get("checksum") != checksum or data.get("fields") != list(_FIELDS):
            return None
        entries = {row[0]: _entry_from_row(row) for row in data["entries"]}
        topics = tuple(
            Topic(t["id"], t["title"], t["audience"], tuple(t["entry_ids"]), t["source"])
            for t in data["topics"]
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, IndexError, TypeError, AttributeError, EOFError,
            pickle.UnpicklingError) as exc:
        log.warning("Ignoring a broken knowledge-base cache %s: %s", path, exc)
        return None
    return KnowledgeBase(topics, MappingProxyType(entries), checksum, source)


def write(cache_dir: Path, base: KnowledgeBase) -> None:
    """Store a validated base; failures only cost speed next time, so they are logged, not raised."""
    data = {
        "format": FORMAT,
        "checksum": base.checksum,
        "fields": list(_FIELDS),
        "topics": [
            {"id": t.id, "title": t.title, "audience": t.audience, "entry_ids": list(t.entry_ids),
             "source": t.source}
            for t in base.topics
        ],
        "entries": [_entry_to_row(e) for e in base.entries.values()],
    }
    path = _path(cache_dir, base.checksum)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        for old in [*cache_dir.glob("kb-*.pickle"), *cache_dir.glob("kb-*.json")]:  # .json: format 1
            if old != path:
                old.unlink(missing_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("Could not write the knowledge-base cache %s: %s", path, exc)
