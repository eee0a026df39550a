"""Hot reload (command and file watch) and the editors' chat commands."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from bot.app import App
from bot.clock import FakeClock
from bot.config import MatcherSection, load_settings
from bot.editors.commands import EditorCommands
from bot.editors.reload import Reloader, ReloadOutcome, start_watcher, stop_watcher, watch_knowledge_base
from bot.kb.live import LiveKnowledge, Snapshot
from bot.storage.models import EventRow, KBVersion

pytestmark = pytest.mark.usefixtures("db_url")  # every test here also runs on PostgreSQL

SMALL = """\
category: Тест
entries:
  - id: first
    question: Как записаться в МФЦ?
    answer: Запишитесь на сайте МФЦ или по телефону.
    owner: Отдел МФЦ
    updated: 2025-01-10
"""
ADDED = """\
  - id: second
    question: Где получить справку?
    answer: Закажите справку на Госуслугах.
"""


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "test.yaml").write_text(SMALL, "utf-8")
    return folder


class Recorder:
    def __init__(self) -> None:
        self.versions: list[Snapshot] = []
        self.outcomes: list[ReloadOutcome] = []
        self.event = asyncio.Event()

    async def new_version(self, snapshot: Snapshot) -> None:
        self.versions.append(snapshot)

    async def outcome(self, outcome: ReloadOutcome) -> None:
        self.outcomes.append(outcome)
        self.event.set()


async def test_reload_picks_up_a_changed_base(kb: Path) -> None:
    live = LiveKnowledge(kb, MatcherSection())
    seen = Recorder()
    reloader = Reloader(live, seen.new_version, seen.outcome)
    old = live.current.version

    unchanged = await reloader.reload()
    assert unchanged.ok and not unchanged.changed and seen.versions == []
    assert "не изменилась" in unchanged.text()

    (kb / "test.yaml").write_text(SMALL + ADDED, "utf-8")
    outcome = await reloader.reload()
    assert outcome.ok and outcome.changed
    assert live.current.version != old and "second" in live.current.base.entries
    assert live.current.matcher.match("где получить справку").best.id == "second"
    assert [s.version for s in seen.versions] == [live.current.version]
    assert outcome.text().startswith("✅ База знаний обновлена: 2 статей в 1 темах")
    assert seen.outcomes == [unchanged, outcome]


async def test_broken_base_is_refused_and_the_old_one_serves(kb: Path) -> None:
    live = LiveKnowledge(kb, MatcherSection())
    seen = Recorder()
    reloader = Reloader(live, seen.new_version, seen.outcome)
    old = live.current

    (kb / "test.yaml").write_text(SMALL + "  - id: second\n    question: Без ответа?\n", "utf-8")
    outcome = await reloader.reload()
    assert not outcome.ok and not outcome.changed
    assert live.current is old and seen.versions == []
    text = outcome.text()
    assert "Новая база знаний не принята" in text and f"прежней версии {old.version}" in text
    assert "test.yaml:8 [second]: `answer` is missing or empty" in text


async def test_watcher_reloads_on_file_change_and_refuses_a_broken_one(kb: Path) -> None:
    live = LiveKnowledge(kb, MatcherSection())
    seen = Recorder()
    reloader = Reloader(live, seen.new_version, seen.outcome)
    stop = asyncio.Event()
    task = asyncio.create_task(watch_knowledge_base(reloader, stop_event=stop, debounce_ms=100))
    try:
        await asyncio.sleep(0.5)  # let the watcher start
        (kb / "test.yaml").write_text(SMALL + ADDED, "utf-8")
        await asyncio.wait_for(seen.event.wait(), 15)
        assert seen.outcomes[-1].changed and seen.outcomes[-1].trigger == "watch"
        assert "second" in live.current.base.entries
        good = live.current

        seen.event.clear()
        (kb / "test.yaml").write_text("category: [broken", "utf-8")
        await asyncio.wait_for(seen.event.wait(), 15)
        assert not seen.outcomes[-1].ok
        assert live.current is good

        seen.event.clear()
        (kb / ".test.yaml.swp").write_text("editor swap file", "utf-8")
        (kb / "notes.txt").write_text("not a base file", "utf-8")
        await asyncio.sleep(0.6)
        assert not seen.event.is_set()
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


def settings_for(tmp_path: Path, kb: Path, **env: str):
    os.environ["BOT_BOT__DATA_DIR"] = str(tmp_path / "data")
    os.environ["BOT_KNOWLEDGE_BASE__PATH"] = str(kb)
    os.environ["BOT_EDITORS__TELEGRAM_IDS"] = "[111, 222]"
    os.environ["BOT_EDITORS__REVIEW_DAYS"] = "90"
    os.environ.update(env)
    return load_settings()


@pytest.fixture
async def app(tmp_path: Path, kb: Path) -> AsyncIterator[App]:
    app = await App.create(settings_for(tmp_path, kb), clock=FakeClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC)))
    yield app
    await app.close()


async def count_versions(app: App) -> int:
    async with app.db.session() as s:
        return int(await s.scalar(select(func.count()).select_from(KBVersion)) or 0)


async def test_editor_commands(app: App, kb: Path) -> None:
    editors = EditorCommands.for_app(app)
    assert editors.is_editor(111) and not editors.is_editor(333)

    text = await editors.kb_check()
    assert text.startswith("✅ **База знаний в порядке**: 1 тем, 1 статей.")
    assert "**Пора проверить** (1)" in text and "first — Отдел МФЦ, обновлена 10.01.2025" in text
    reminder = editors.stale_reminder()
    assert reminder is not None and "**Отдел МФЦ**" in reminder and "Как записаться в МФЦ?" in reminder

    (kb / "test.yaml").write_text(SMALL + ADDED, "utf-8")
    assert "Файлы изменены, но ещё не загружены" in await editors.kb_check()
    assert (await editors.reload()).startswith("✅ База знаний обновлена")
    assert await count_versions(app) == 2  # App.record_kb_version ran for the new version

    (kb / "test.yaml").write_text("category: Тест\nentries: []\n", "utf-8")
    assert (await editors.kb_check()).startswith("⛔ **В файлах базы знаний ошибки: 1.**")
    refused = await editors.reload()
    assert "не принята" in refused and "`entries` must be a non-empty list" in refused
    assert "second" in app.knowledge.current.base.entries
    assert await count_versions(app) == 2


async def test_unanswered_command(app: App) -> None:
    editors = EditorCommands.for_app(app)
    assert "вопросов без ответа нет" in await editors.unanswered()
    at = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    rows = [
        {"at": at, "kind": "unanswered", "person": f"p{n}", "channel": "telegram", "request": f"r{n}",
         "value": "none", "text": text}
        for n, text in enumerate(["где выгуливать собаку", "где выгул собак в городе", "площадка для выгула собак",
                                  "когда уберут снег во дворе"])
    ]
    async with app.db.transaction() as conn:
        await conn.execute(insert(EventRow.__table__), rows)
    text = await editors.unanswered(limit=5)
    assert text.startswith("**Вопросы без ответа за 30 дн.**: 4; групп похожих вопросов: 2.")
    assert "— 3 чел., 3 раза (не найдено)" in text
    assert "p0" not in text and "p1" not in text


async def test_watcher_of_the_app_records_new_versions(app: App, kb: Path) -> None:
    task = start_watcher(Reloader.for_app(app))
    try:
        await asyncio.sleep(0.5)
        (kb / "test.yaml").write_text(SMALL + ADDED, "utf-8")
        for _ in range(150):
            if await count_versions(app) == 2:
                break
            await asyncio.sleep(0.1)
        assert await count_versions(app) == 2
    finally:
        await stop_watcher(task)
    assert task.done()

