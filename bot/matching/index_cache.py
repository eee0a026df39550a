"""A compact cache of the built search index: a restart with an unchanged base and lexicon skips the build.

The file lives in the bot's own data folder (``data_dir/cache``), is keyed by the base's checksum, the
lexicon files' bytes, this format's version and the source of the modules that build the index (an
upgrade that changes how texts are analysed or weighed rebuilds it), and is replaced atomically. A
missing, stale or broken file only costs the build.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import pickle
from pathlib import Path

from bot.kb.model import KnowledgeBase
from bot.matching.analyzer import Analyzer
from bot.matching.index import SearchIndex

FORMAT = 1
log = logging.getLogger(__name__)
_BUILDERS = ("index.py", "analyzer.py", "lexicon.py", "morphology.py", "text.py")  # what shapes the index


@functools.cache
def _code_version() -> bytes:
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for name in _BUILDERS:
        digest.update((here / name).read_bytes())
    return digest.digest()


def cache_key(base: KnowledgeBase, lexicon_files: list[Path]) -> str:
    digest = hashlib.sha256(f"{FORMAT}:{base.checksum}".encode())
    digest.update(_code_version())
    for path in lexicon_files:
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(str(path).encode())
    return digest.hexdigest()[:24]


def cached_index(
    base: KnowledgeBase, analyzer: Analyzer, cache_dir: Path | None, lexicon_files: list[Path]
) -> SearchIndex:
    """The base's index from the cache when it is there and current, else built (and stored)."""
    if cache_dir is None or not base.checksum:
        return SearchIndex(base, analyzer)
    path = cache_dir / f"index-{cache_key(base, lexicon_files)}.pickle"
    try:
        with path.open("rb") as f:
            index = pickle.load(f)
        if isinstance(index, SearchIndex) and index.ids == list(base.entries):
            index.analyzer = analyzer
            return index
        log.warning("Ignoring a search-index cache of another base: %s", path)
    except FileNotFoundError:
        pass
    except Exception as exc:  # any unreadable cache is rebuilt
        log.warning("Ignoring a broken search-index cache %s: %s", path, exc)
    index = SearchIndex(base, analyzer)
    _write(cache_dir, path, index)
    return index


def _write(cache_dir: Path, path: Path, index: SearchIndex) -> None:
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        for old in cache_dir.glob("index-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as f:
            pickle.dump(index, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("Could not write the search-index cache %s: %s", path, exc)
