"""Hostile or broken knowledge-base files: refused with a line naming the file and the line, never a
hang, a traceback or a file read from outside the folder; the watcher lives through all of them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.config import MatcherSection
from bot.editors import reload as reload_module
from bot.editors.reload import Reloader, ReloadOutcome, start_watcher, stop_watcher, watch_knowledge_base
from bot.kb.live import LiveKnowledge
from bot.kb.loader import MAX_FILE_BYTES, KnowledgeBaseError, load_knowledge_base, validate_directory

GOOD = """\
category: Тест
entries:
  - id: first
    question: Как записаться в МФЦ?
    answer: Запишитесь на сайте МФЦ или по телефону.
"""


def laughs(levels: int = 7) -> str:
    """Anchors of ten aliases each: ``levels`` of them stand for 10**levels values."""
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, levels):
        lines.append(f"l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "good.yaml").write_text(GOOD, "utf-8")
    return folder


def problems_of(kb: Path) -> list[str]:
    problems = validate_directory(kb)
    text = [str(p) for p in problems]
    assert all(len(t) < 400 for t in text), [t[:200] for t in text]  # never the expanded value
    return text


@pytest.mark.parametrize("where", [
    "  - id: *l6\n    question: q\n    answer: a\n",
    "  - id: bad\n    question: q\n    answer: a\n    audience: *l6\n",
    "  - id: bad\n    question: q\n    answer: a\n    links:\n      - url: *l6\n",
])
def test_billion_laughs_is_refused_before_it_expands(kb: Path, where: str) -> None:
    (kb / "laughs.yaml").write_text(laughs() + "category: Смех\nentries:\n" + where, "utf-8")
    found = problems_of(kb)
    assert len(found) == 1 and found[0].startswith("laughs.yaml:") and "expands to more than" in found[0]


def test_a_few_honest_aliases_still_load(kb: Path) -> None:
    (kb / "shared.yaml").write_text(
        "category: Общие ссылки\nentries:\n"
        "  - id: one\n    question: Первый?\n    answer: Да.\n    links: &portal\n"
        "      - {title: Портал, url: 'https://example.org'}\n"
        "  - id: two\n    question: Второй?\n    answer: Тоже.\n    links: *portal\n", "utf-8")
    base = load_knowledge_base(kb)
    assert base.entries["two"].links[0].url == "https://example.org"


@pytest.mark.parametrize("depth", [900, 100_000])
def test_deep_nesting_is_refused_at_its_line(kb: Path, depth: int) -> None:
    (kb / "deep.yaml").write_text("category: Глубоко\nentries:\n  - id: x\n    answer: " + "[" * depth
                                  + "]" * depth + "\n", "utf-8")
    found = problems_of(kb)
    assert len(found) == 1 and found[0].startswith("deep.yaml:4: ")
    assert "nested more than 16 levels deep" in found[0] or "exceeded maximum nesting depth" in found[0]


def test_a_five_thousand_digit_number_is_not_a_traceback(kb: Path) -> None:
    digits = "7" * 5000
    (kb / "numbers.yaml").write_text(
        f"category: Числа\nentries:\n  - id: ok\n    question: Номер?\n    answer: Вот.\n    keywords: [{digits}]\n"
        f"  - id: bad\n    question: q\n    answer: a\n    audience: {digits}\n", "utf-8")
    found = problems_of(kb)
    assert len(found) == 1 and found[0].startswith("numbers.yaml:10 [bad]: `audience` is '7777") and "…" in found[0]
    (kb / "numbers.yaml").write_text(
        f"category: Числа\nentries:\n  - id: ok\n    question: Номер?\n    answer: Вот.\n    keywords: [{digits}]\n",
        "utf-8")
    assert load_knowledge_base(kb).entries["ok"].keywords == (digits,)  # kept as written


def test_a_link_out_of_the_folder_is_refused_and_not_read(kb: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.yaml").write_text(GOOD.replace("first", "leaked"), "utf-8")
    (kb / "secret.yaml").symlink_to(outside / "secret.yaml")
    (kb / "inner.yml").symlink_to(kb / "good.yaml")  # a link inside the folder is fine (another topic)
    assert set(problems_of(kb)) == {
        "secret.yaml: a link to a file outside the knowledge-base folder; put the file itself here",
        "inner.yml:3 [first]: duplicate id (already used in good.yaml:3)",  # read: it is inside
    }
    with pytest.raises(KnowledgeBaseError, match="outside the knowledge-base folder"):
        load_knowledge_base(kb, cache_dir=kb.parent / "cache")


def test_a_huge_file_is_refused_without_reading_it(kb: Path) -> None:
    with (kb / "huge.yaml").open("w", encoding="utf-8") as fh:
        fh.write(GOOD.replace("first", "other"))
        fh.write(("# " + "x" * 1000 + "\n") * (MAX_FILE_BYTES // 1000 + 10))
    found = problems_of(kb)
    assert found == ["huge.yaml: the file is 4.0 MB; the limit is 4 MB"]


async def test_the_watcher_survives_a_hostile_file_and_reports_it(kb: Path) -> None:
    live = LiveKnowledge(kb, MatcherSection())
    outcomes: list[ReloadOutcome] = []
    seen = asyncio.Event()

    async def record(outcome: ReloadOutcome) -> None:
        outcomes.append(outcome)
        seen.set()

    reloader = Reloader(live, None, record)
    stop = asyncio.Event()
    task = asyncio.create_task(watch_knowledge_base(reloader, stop_event=stop, debounce_ms=100))
    try:
        await asyncio.sleep(0.5)
        (kb / "deep.yaml").write_text("category: x\nentries: " + "[" * 900 + "]" * 900 + "\n", "utf-8")
        await asyncio.wait_for(seen.wait(), 15)
        assert not outcomes[-1].ok and "deep.yaml:2: nested more than" in outcomes[-1].text()
        seen.clear()
        (kb / "deep.yaml").write_text(GOOD.replace("first", "second"), "utf-8")
        await asyncio.wait_for(seen.wait(), 15)
        assert outcomes[-1].ok and "second" in live.current.base.entries
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def test_an_unexpected_error_is_a_refused_reload_not_a_dead_watcher(
    kb: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = LiveKnowledge(kb, MatcherSection())
    monkeypatch.setattr(live, "_build", lambda: (_ for _ in ()).throw(RuntimeError("disk on fire")))
    result = live.reload()
    assert not result.ok and "RuntimeError: disk on fire" in str(result.problems[0])

    outcomes: list[ReloadOutcome] = []
    watched = 0

    async def failing_watch(reloader: Reloader, **_: object) -> None:
        nonlocal watched
        watched += 1
        if watched == 1:
            raise OSError("the folder is gone")
        await asyncio.Event().wait()  # the second watch runs on

    async def record(outcome: ReloadOutcome) -> None:
        outcomes.append(outcome)

    monkeypatch.setattr(reload_module, "watch_knowledge_base", failing_watch)
    monkeypatch.setattr(reload_module, "WATCH_RETRY_FIRST", 0.01)
    task = start_watcher(Reloader(live, None, record))
    for _ in range(100):
        if watched == 2:
            break
        await asyncio.sleep(0.02)
    assert watched == 2 and not task.done()
    assert len(outcomes) == 1 and "watching the folder failed (OSError: the folder is gone)" in outcomes[0].text()
    await stop_watcher(task)


async def test_a_refused_file_is_reported_in_the_operators_group(tmp_path: Path, kb: Path) -> None:
    from bot.clock import FakeClock
    from bot.runner import tell_editors
    from tests.fakes.telegram import FakeTelegram
    from tests.telegram_harness import Running
    from tests.test_handoff import GROUP, MONDAY_NOON_MSK, general_texts, start

    async with FakeTelegram() as fake:
        bot: Running = await start(tmp_path, fake, FakeClock(MONDAY_NOON_MSK))
        try:
            reloader = Reloader(bot.app.knowledge, bot.app.record_kb_version, tell_editors(bot.app))
            bot.app.knowledge.path = kb
            (kb / "laughs.yaml").write_text(laughs() + "category: Смех\nentries:\n  - id: *l6\n", "utf-8")
            outcome = await reloader.reload("watch")
            assert not outcome.ok
            await fake.wait_for(lambda: any("Новая база знаний не принята" in t and "laughs.yaml:" in t
                                            for t in general_texts(fake)), timeout=10)
            assert all(len(t) < 2000 for t in general_texts(fake))
            assert fake.sent(GROUP)
        finally:
            await bot.stop()
