"""The parsed-base cache: plain data only, and a broken or foreign file costs only a fresh parse."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

from bot.kb import cache as kb_cache
from bot.kb import load_knowledge_base

ROOT = Path(__file__).resolve().parent.parent
DEMO_KB = ROOT / "knowledge_base"


class _Foreign:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.getcwd, ())  # harmless here, but any callable must be refused


def test_the_cache_round_trips_the_base(tmp_path: Path) -> None:
    base = load_knowledge_base(DEMO_KB)
    kb_cache.write(tmp_path, base)
    again = kb_cache.read(tmp_path, base.checksum, base.source)
    assert again is not None
    assert again.topics == base.topics and dict(again.entries) == dict(base.entries)


def test_a_cache_holding_a_class_or_garbage_is_ignored(tmp_path: Path) -> None:
    base = load_knowledge_base(DEMO_KB)
    path = kb_cache._path(tmp_path, base.checksum)
    for content in (pickle.dumps({"format": kb_cache.FORMAT, "checksum": base.checksum, "x": _Foreign()}),
                    b"\x80\x05garbage", b"", pickle.dumps([1, 2, 3])):
        path.write_bytes(content)
        assert kb_cache.read(tmp_path, base.checksum, base.source) is None
    fields = list(kb_cache._FIELDS)
    short_row = {"format": kb_cache.FORMAT, "checksum": base.checksum, "fields": fields, "topics": [],
                 "entries": [["only-an-id"]]}
    path.write_bytes(pickle.dumps(short_row))
    assert kb_cache.read(tmp_path, base.checksum, base.source) is None
    # and loading through the cache still gives the base, parsed from YAML
    assert dict(load_knowledge_base(DEMO_KB, tmp_path).entries) == dict(base.entries)


def test_an_old_json_cache_is_replaced(tmp_path: Path) -> None:
    (tmp_path / "kb-0123456789abcdef.json").write_text("{}", "utf-8")
    load_knowledge_base(DEMO_KB, tmp_path)
    assert not list(tmp_path.glob("kb-*.json")) and len(list(tmp_path.glob("kb-*.pickle"))) == 1
