"""Editors' commands for a messenger: /kb_check, /reload, /unanswered, and stale-entry reminders.

Platform-free: every method returns a Russian text in the knowledge base's Markdown subset, which the
channel renders (Telegram HTML via ``bot.dialogue.markup``). Whether a user may run them is
``is_editor``; the channel adapter checks it before calling.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.clock import Clock, SystemClock
from bot.editors.readability import base_hints
from bot.editors.reload import Reloader
from bot.editors.stale import StaleEntry, stale_entries, stale_reminder
from bot.kb.live import LiveKnowledge
from bot.kb.loader import KnowledgeBaseError, load_knowledge_base
from bot.plural import times
from bot.reports.data import Period
from bot.reports.service import find_unanswered
from bot.reports.unanswered import REASONS
from bot.storage import Database

if TYPE_CHECKING:
    from bot.app import App

MAX_LISTED = 15
HINT_NAMES = {
    "long_sentence": "длинные предложения",
    "bureaucratic": "канцелярит",
    "no_action": "нет ясного действия",
}


class EditorCommands:
    def __init__(
        self,
        knowledge: LiveKnowledge,
        reloader: Reloader,
        db: Database,
        *,
        editors: Iterable[int] = (),
        review_days: int = 180,
        timezone: str = "UTC",
        clock: Clock | None = None,
    ) -> None:
        self.knowledge = knowledge
        self.reloader = reloader
        self.db = db
        self.editors = frozenset(editors)
        self.review_days = review_days
        self.tz = ZoneInfo(timezone)
        self.clock = clock or SystemClock()

    @classmethod
    def for_app(cls, app: App, reloader: Reloader | None = None) -> EditorCommands:
        """Wired to ``bot.app.App``; pass the watcher's ``Reloader`` so reloads never overlap."""
        settings = app.settings
        return cls(
            app.knowledge, reloader or Reloader.for_app(app), app.db,
            editors=settings.editors.telegram_ids, review_days=settings.editors.review_days,
            timezone=settings.bot.timezone, clock=app.clock,
        )

    def is_editor(self, telegram_id: int) -> bool:
        return telegram_id in self.editors

    def today(self) -> date:
        return self.clock.now().astimezone(self.tz).date()

    # --- /kb_check ---------------------------------------------------------------------------------

    async def kb_check(self) -> str:
        """Check the base's files as they are now (what /reload would load) and list problems and hints."""
        return await asyncio.to_thread(self._kb_check)

    def _kb_check(self) -> str:
        serving = self.knowledge.current
        try:
            base = load_knowledge_base(self.knowledge.path)
        except KnowledgeBaseError as exc:
            lines = [
                f"⛔ **В файлах базы знаний ошибки: {len(exc.problems)}.** Такую базу бот не загрузит и "
                f"продолжит отвечать по версии {serving.version}.",
            ]
            lines.extend(f"- {p}" for p in exc.problems[:MAX_LISTED])
            if len(exc.problems) > MAX_LISTED:
                lines.append(f"…и ещё {len(exc.problems) - MAX_LISTED}. Полный список: python -m bot kb check")
            return "\n".join(lines)
        lines = [f"✅ **База знаний в порядке**: {len(base.topics)} тем, {len(base)} статей."]
        if base.checksum != serving.version:
            lines.append("Файлы изменены, но ещё не загружены в бота — отправьте /reload.")
        hints = base_hints(base)
        stale = stale_entries(base, self.today(), self.review_days)
        if hints:
            counts = Counter(h.code for h in hints)
            summary = ", ".join(f"{HINT_NAMES.get(code, code)} — {n}" for code, n in counts.most_common())
            lines += ["", f"**Подсказки по текстам** ({len(hints)}): {summary}."]
            lines.extend(f"- {h.entry}: {h.message_ru}" for h in hints[:MAX_LISTED])
            if len(hints) > MAX_LISTED:
                lines.append(f"…и ещё {len(hints) - MAX_LISTED}. Все подсказки: python -m bot kb check")
        if stale:
            lines += ["", f"**Пора проверить** ({len(stale)}): статьи не обновлялись больше {self.review_days} дн."]
            lines.extend(
                f"- {s.id} — {s.owner}, обновлена {s.updated.strftime('%d.%m.%Y')}" for s in stale[:MAX_LISTED]
            )
            if len(stale) > MAX_LISTED:
                lines.append(f"…и ещё {len(stale) - MAX_LISTED}.")
        return "\n".join(lines)

    # --- /reload -----------------------------------------------------------------------------------

    async def reload(self) -> str:
        """Load the base again; a broken base is refused and the current one keeps serving."""
        outcome = await self.reloader.reload("command")
        return outcome.text()

    # --- /unanswered -------------------------------------------------------------------------------

    async def unanswered(self, limit: int = 10, days: int = 30) -> str:
        """The most asked groups of questions the bot did not solve in the last ``days`` days."""
        period = Period.last_days(self.today(), days, self.tz)
        found = await find_unanswered(self.db, period, self.knowledge.current.matcher)
        if not found.total:
            return f"За {days} дн. вопросов без ответа нет 🎉"
        lines = [
            f"**Вопросы без ответа за {days} дн.**: {found.total}; групп похожих вопросов: {len(found.clusters)}.",
        ]
        for number, cluster in enumerate(found.clusters[:limit], start=1):
            reasons = ", ".join(REASONS.get(r, r) for r, _ in cluster.reasons.most_common(2))
            head = f"{number}. **{cluster.representative}** — {cluster.people} чел., {times(cluster.count)}"
            lines += ["", f"{head} ({reasons})"]
            others = cluster.examples[1:3]
            if others:
                lines.append("   Ещё: " + "; ".join(f"«{e}»" for e in others))
            if cluster.nearest is not None:
                lines.append(f"   Ближе всего: «{cluster.nearest.question}» ({cluster.nearest.id})")
        if found.no_pick:
            lines += ["", f"Варианты предлагались, но не подошли: {times(sum(g.count for g in found.no_pick))}."]
        lines += ["", "Таблица для работы: python -m bot report unanswered --xlsx unanswered.xlsx"]
        return "\n".join(lines)

    # --- stale-entry reminders ---------------------------------------------------------------------

    def stale(self) -> list[StaleEntry]:
        return stale_entries(self.knowledge.current.base, self.today(), self.review_days)

    def stale_reminder(self) -> str | None:
        """The reminder for the editors' chat, or None when no entry is due (send nothing then)."""
        stale = self.stale()
        return stale_reminder(stale, self.review_days) if stale else None
