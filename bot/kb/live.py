"""The knowledge base in service: the current base and its matcher, replaced whole on reload."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from bot.config import MatcherSection
from bot.kb.loader import KnowledgeBaseError, Problem, load_knowledge_base
from bot.kb.model import KnowledgeBase
from bot.matching.configure import build_matcher
from bot.matching.lexicon import LexiconError
from bot.matching.matcher import Matcher
from bot.matching.semantic import retire

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A base and the matcher built for it; readers take one snapshot per message."""

    base: KnowledgeBase
    matcher: Matcher

    @property
    def version(self) -> str:
        return self.base.checksum


@dataclass(frozen=True, slots=True)
class ReloadResult:
    changed: bool
    problems: tuple[Problem, ...] = ()
    version: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


class LiveKnowledge:
    def __init__(self, path: Path, matcher: MatcherSection, cache_dir: Path | None = None) -> None:
        self.path = path
        self.matcher_section = matcher
        self.cache_dir = cache_dir
        self.current = self._build()

    def _build(self) -> Snapshot:
        base = load_knowledge_base(self.path, self.cache_dir)
        # The encoder embeds new texts in the background; the vectors of the serving base are reused.
        serving: Snapshot | None = getattr(self, "current", None)
        previous = serving.matcher if serving is not None else None
        matcher = build_matcher(base, self.matcher_section, self.cache_dir, previous=previous, background=True)
        return Snapshot(base, matcher)

    def close(self, timeout: float = 5.0) -> None:
        """Stop the encoder's background warm-up, letting it store what it has embedded (at shutdown)."""
        retire(self.current.matcher.semantic, timeout)

    def reload(self) -> ReloadResult:
        """Load the folder again; a broken base is refused and the current one keeps serving."""
        try:
            snapshot = self._build()
        except KnowledgeBaseError as exc:
            log.warning("Knowledge base reload refused: %d problems", len(exc.problems))
            return ReloadResult(False, tuple(exc.problems), self.current.version)
        except LexiconError as exc:
            return ReloadResult(False, (Problem("lexicon", 0, None, str(exc)),), self.current.version)
        except Exception as exc:  # never let a file take the watcher (or /reload) down with it
            log.exception("Knowledge base reload failed unexpectedly")
            message = f"the base could not be loaded ({type(exc).__name__}: {exc})"[:300]
            problem = Problem(str(self.path), 0, None, message)
            return ReloadResult(False, (problem,), self.current.version)
        changed = snapshot.version != self.current.version
        old = self.current if changed else snapshot
        retire(old.matcher.semantic)  # stop the replaced (or unneeded) background warm-up
        if changed:
            self.current = snapshot
            log.info("Knowledge base reloaded: version %s, %d entries", snapshot.version, len(snapshot.base))
        return ReloadResult(changed, (), snapshot.version)
