"""The encoder's vectors on disk: a main file plus parts written while a base is being embedded.

Vectors are keyed by a hash of the text, so a restart or an edit embeds only new or changed texts. While a
base is embedded in the background every batch or so is appended as a small part file (written
atomically), so a killed process loses at most the last batch; when the base is done the parts are merged
into the main file (which then holds the current base's texts only) and removed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


def text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class VectorCache:
    """``semantic-<model>.npz`` and its ``semantic-<model>.part-*.npz`` in a cache folder (or nothing)."""

    def __init__(self, directory: Path | None, model: str) -> None:
        self.directory = directory
        self.model = model
        self._parts_read: list[Path] = []

    @property
    def main(self) -> Path | None:
        return self.directory / f"semantic-{self.model}.npz" if self.directory is not None else None

    def parts(self) -> list[Path]:
        if self.directory is None or not self.directory.is_dir():
            return []
        return sorted(self.directory.glob(f"semantic-{self.model}.part-*.npz"))

    def load(self) -> dict[str, np.ndarray]:
        """Every vector the folder holds; a broken file is skipped with a warning."""
        known: dict[str, np.ndarray] = {}
        if self.main is None:
            return known
        parts = self.parts()
        for path in [self.main, *parts]:
            if not path.exists():
                continue
            try:
                with np.load(path) as data:
                    known.update(zip(data["keys"].tolist(), data["vectors"], strict=True))
            except (OSError, ValueError, KeyError, EOFError) as exc:
                log.warning("Ignoring a broken semantic cache file %s: %s", path, exc)
        self._parts_read = parts
        return known

    def append(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        """Store freshly embedded vectors as a new part file."""
        if self.directory is None or not keys:
            return
        name = f"semantic-{self.model}.part-{time.time_ns():020d}-{os.getpid()}.npz"
        if _write(self.directory / name, keys, vectors):
            self._parts_read.append(self.directory / name)

    def compact(self, keys: Sequence[str], known: Mapping[str, np.ndarray]) -> None:
        """Write the main file with the given texts' vectors and remove the parts merged into it."""
        if self.main is None:
            return
        keys = list(dict.fromkeys(k for k in keys if k in known))
        vectors = np.vstack([known[k] for k in keys]) if keys else np.zeros((0, 1), dtype=np.float32)
        if _write(self.main, keys, vectors):
            _remove(self._parts_read)
            self._parts_read = []


def _write(path: Path, keys: Sequence[str], vectors: np.ndarray) -> bool:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp.npz")
        np.savez(tmp, keys=np.asarray(list(keys)), vectors=np.asarray(vectors, dtype=np.float32))
        os.replace(tmp, path)
        return True
    except OSError as exc:
        log.warning("Could not write the semantic cache %s: %s", path, exc)
        return False


def _remove(paths: Iterable[Path]) -> None:
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("Could not remove %s: %s", path, exc)
