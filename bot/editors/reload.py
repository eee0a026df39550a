"""Hot reload of the knowledge base: on a file change (watchfiles) or on an editor's /reload.

A broken base is refused and the current one keeps serving (``LiveKnowledge.reload``). Every attempt
ends in a ``ReloadOutcome`` given to a callback, so the runner can log it and tell the editors; a new
version is also passed to ``on_new_version`` (``App.record_kb_version``) to keep old analytics readable.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.dialogue.markup import literal
from bot.kb.live import LiveKnowledge, ReloadResult, Snapshot
from bot.kb.loader import Problem

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)
MAX_LISTED_PROBLEMS = 20
WATCH_RETRY_FIRST = 1.0  # seconds before watching again after the watcher failed; doubled up to…
WATCH_RETRY_MAX = 300.0

OnNewVersion = Callable[[Snapshot], Awaitable[None]]
OnOutcome = Callable[["ReloadOutcome"], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class ReloadOutcome:
    result: ReloadResult
    trigger: str  # "watch" (files changed) or "command" (/reload)
    serving: Snapshot  # the base in service after the attempt

    @property
    def ok(self) -> bool:
        return self.result.ok

    @property
    def changed(self) -> bool:
        return self.result.changed

    def text(self) -> str:
        """A Russian message for the editors, in the base's Markdown subset."""
        base = self.serving.base
        if self.ok and self.changed:
            return (
                f"✅ База знаний обновлена: {len(base)} статей в {len(base.topics)} темах "
                f"(версия {self.serving.version})."
            )
        if self.ok:
            return f"База знаний не изменилась (версия {self.serving.version})."
        problems = self.result.problems
        lines = [
            f"⛔ **Новая база знаний не принята** — ошибок: {len(problems)}. Бот продолжает отвечать по "
            f"прежней версии {self.serving.version}. Исправьте и загрузите снова:",
        ]
        lines.extend(f"- {literal(str(p))}" for p in problems[:MAX_LISTED_PROBLEMS])
        if len(problems) > MAX_LISTED_PROBLEMS:
            lines.append(f"…и ещё {len(problems) - MAX_LISTED_PROBLEMS}. Полный список: python -m bot kb check")
        return "\n".join(lines)


async def log_outcome(outcome: ReloadOutcome) -> None:
    """The default callback: one log line; problems name files and lines, never people."""
    if outcome.ok:
        if outcome.changed:
            log.info("Knowledge base %s reload: now version %s", outcome.trigger, outcome.serving.version)
        return
    log.warning(
        "Knowledge base %s reload refused (%d problems); still serving %s:\n%s",
        outcome.trigger, len(outcome.result.problems), outcome.serving.version,
        "\n".join(str(p) for p in outcome.result.problems[:MAX_LISTED_PROBLEMS]),
    )


class Reloader:
    """Serialises reloads (watcher and /reload never run at once) and reports each one."""

    def __init__(
        self,
        knowledge: LiveKnowledge,
        on_new_version: OnNewVersion | None = None,
        on_outcome: OnOutcome | None = log_outcome,
    ) -> None:
        self.knowledge = knowledge
        self.on_new_version = on_new_version
        self.on_outcome = on_outcome
        self._lock = asyncio.Lock()

    @classmethod
    def for_app(cls, app: App, on_outcome: OnOutcome | None = log_outcome) -> Reloader:
        """Wired to the application: a new version is recorded with ``App.record_kb_version``."""
        return cls(app.knowledge, app.record_kb_version, on_outcome)

    @property
    def path(self) -> Path:
        return Path(self.knowledge.path)

    async def reload(self, trigger: str = "command") -> ReloadOutcome:
        async with self._lock:
            # Parsing and indexing a big base takes seconds: keep the event loop serving meanwhile.
            result = await asyncio.to_thread(self.knowledge.reload)
            outcome = ReloadOutcome(result, trigger, self.knowledge.current)
            if outcome.changed and self.on_new_version is not None:
                try:
                    await self.on_new_version(outcome.serving)
                except Exception:
                    log.exception("Could not record the new knowledge-base version")
        if self.on_outcome is not None:
            try:
                await self.on_outcome(outcome)
            except Exception:
                log.exception("The reload callback failed")
        return outcome


def is_kb_file(_change: object, path: str) -> bool:
    """Only the base's own files count (editors' temporary and lock files do not)."""
    name = Path(path).name
    return name.endswith((".yaml", ".yml")) and not name.startswith((".", "~"))


async def watch_knowledge_base(
    reloader: Reloader,
    *,
    stop_event: asyncio.Event | None = None,
    debounce_ms: int = 1600,
    force_polling: bool | None = None,
) -> None:
    """Reload whenever the base's files change; runs until cancelled or ``stop_event`` is set.

    Changes within ``debounce_ms`` are taken together, so saving several files reloads once.
    """
    from watchfiles import awatch

    path = reloader.path
    log.debug("Watching %s for knowledge-base changes", path)
    async for changes in awatch(
        path, watch_filter=is_kb_file, stop_event=stop_event, debounce=debounce_ms,
        force_polling=force_polling, recursive=False,
    ):
        log.info("Knowledge-base files changed (%d); reloading", len(changes))
        await reloader.reload("watch")


def start_watcher(reloader: Reloader) -> asyncio.Task[None]:
    """Watch the base in the background (use one ``Reloader`` for the watcher and /reload)."""
    return asyncio.create_task(_guarded(reloader), name="kb-watcher")


async def _guarded(reloader: Reloader) -> None:
    """The watcher, started again after any error (the folder gone, a failing file system…); each error
    is reported like a refused reload, so the editors hear of it in the operators' group."""
    pause = WATCH_RETRY_FIRST
    while True:
        started = asyncio.get_running_loop().time()
        try:
            await watch_knowledge_base(reloader)
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("The knowledge-base watcher failed; watching again in %.0f s", pause)
            problem = Problem(str(reloader.path), 0, None,
                              f"watching the folder failed ({type(exc).__name__}: {exc}); trying again"[:300])
            outcome = ReloadOutcome(ReloadResult(False, (problem,), reloader.knowledge.current.version), "watch",
                                    reloader.knowledge.current)
            if reloader.on_outcome is not None:
                try:
                    await reloader.on_outcome(outcome)
                except Exception:
                    log.exception("The reload callback failed")
        if asyncio.get_running_loop().time() - started > WATCH_RETRY_MAX:
            pause = WATCH_RETRY_FIRST  # it ran a good while: an error now is a new one
        await asyncio.sleep(pause)
        pause = min(pause * 2, WATCH_RETRY_MAX)


async def stop_watcher(task: asyncio.Task[None] | None) -> None:
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
