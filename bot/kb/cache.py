"""A parsed-base cache: a restart with unchanged files skips YAML parsing (slow for big bases).

Keyed by the checksum of the files' names and bytes; only bases that passed validation are cached.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.kb.model import Entry, KnowledgeBase, Link, Topic

FORMAT = 1
log = logging.getLogger(__name__)


def _path(cache_dir: Path, checksum: str) -> Path:
    return cache_dir / f"kb-{checksum}.json"


def _entry_to_json(entry: Entry) -> dict[str, Any]:
    return {
        "id": entry.id, "question": entry.question, "answer": entry.answer, "topic_id": entry.topic_id,
        "paraphrases": list(entry.paraphrases), "keywords": list(entry.keywords),
        "answer_for": dict(entry.answer_for), "links": [[link.url, link.title] for link in entry.links],
        "related": list(entry.related), "audience": entry.audience,
        "updated": entry.updated.isoformat() if entry.updated else None, "owner": entry.owner,
        "source": entry.source, "line": entry.line,
    }


def _entry_from_json(data: dict[str, Any]) -> Entry:
    return Entry(
        id=data["id"], question=data["question"], answer=data["answer"], topic_id=data["topic_id"],
        paraphrases=tuple(data["paraphrases"]), keywords=tuple(data["keywords"]),
        answer_for=MappingProxyType(dict(data["answer_for"])),
        links=tuple(Link(url, title) for url, title in data["links"]),
        related=tuple(data["related"]), audience=data["audience"],
        updated=date.fromisoformat(data["updated"]) if data["updated"] else None,
        owner=data["owner"], source=data["source"], line=data["line"],
    )


def read(cache_dir: Path, checksum: str, source: str) -> KnowledgeBase | None:
    path = _path(cache_dir, checksum)
    try:
        data = json.loads(path.read_text("utf-8"))
        if data.get("format") != FORMAT or data.get("checksum") != checksum:
            return None
        entries = {e["id"]: _entry_from_json(e) for e in data["entries"]}
        topics = tuple(
            Topic(t["id"], t["title"], t["audience"], tuple(t["entry_ids"]), t["source"])
            for t in data["topics"]
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("Ignoring a broken knowledge-base cache %s: %s", path, exc)
        return None
    return KnowledgeBase(topics, MappingProxyType(entries), checksum, source)


def write(cache_dir: Path, base: KnowledgeBase) -> None:
    """Store a validated base; failures only cost speed next time, so they are logged, not raised."""
    data = {
        "format": FORMAT,
        "checksum": base.checksum,
        "topics": [
            {"id": t.id, "title": t.title, "audience": t.audience, "entry_ids": list(t.entry_ids),
             "source": t.source}
            for t in base.topics
        ],
        "entries": [_entry_to_json(e) for e in base.entries.values()],
    }
    path = _path(cache_dir, base.checksum)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        for old in cache_dir.glob("kb-*.json"):
            if old != path:
                old.unlink(missing_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("Could not write the knowledge-base cache %s: %s", path, exc)
