"""kill -9 mid-burst: the real ``bot run`` in a child process, killed with SIGKILL while replies are
on their way, then started again. The replies the dead process had claimed go out within seconds of
the restart (not after a stale limit), before the answers to questions asked after the restart, and
nothing is sent twice beyond the requests in flight at the kill."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections import Counter
from pathlib import Path

from tests.bot_process import child_env, spawn
from tests.fakes.telegram import FakeTelegram

PEOPLE = list(range(31000, 31040))
FIRST, SECOND = "как открыть ипшку", "потерял паспорт"
FIRST_ANSWER, SECOND_ANSWER = "Зарегистрировать ИП", "Если паспорт украли"


async def started(fake: FakeTelegram, starts: int, timeout: float = 60.0) -> None:
    """Wait until one more bot process has started (each switches Telegram to polling once)."""
    await fake.wait_for(lambda: len(fake.calls_of("deleteWebhook")) > starts, timeout=timeout)


def index_of(texts: list[str], start: str) -> int:
    return next((i for i, t in enumerate(texts) if t.startswith(start)), -1)


async def test_kill_9_mid_burst_replies_resume_at_once_and_in_order(tmp_path: Path) -> None:
    async with FakeTelegram() as fake:
        env = child_env(tmp_path / "data", fake.base_url, fake.token)
        log = tmp_path / "bot.log"
        fake.send_delay = 0.03  # a slow network: replies pile up, claimed and on their way
        first = await spawn(env, log)
        try:
            await started(fake, 0)
            for person in PEOPLE:
                fake.message(person, FIRST)
            await fake.wait_for(lambda: len(fake.sent()) >= 20, timeout=60)
            first.kill()  # SIGKILL: no clean-up of any kind
            in_flight = fake.sends_in_flight
            await first.wait()
        finally:
            if first.returncode is None:
                first.kill()
        await asyncio.sleep(0.2)  # requests the fake was answering at the kill are done
        sent_at_kill = len(fake.sent())
        unrecorded = sent_not_recorded(tmp_path / "data" / "bot.sqlite3", fake)
        assert sent_at_kill < 3 * len(PEOPLE), "the burst was over before the kill"
        fake.send_delay = 0.0

        second = await spawn(env, log)
        try:
            await started(fake, 1)
            restarted = time.monotonic()
            for person in PEOPLE:
                fake.message(person, SECOND)
            await fake.wait_for(
                lambda: all(index_of(fake.texts(p), FIRST_ANSWER) >= 0 for p in PEOPLE), timeout=20
            )
            resumed = time.monotonic() - restarted
            await fake.wait_for(
                lambda: all(index_of(fake.texts(p), SECOND_ANSWER) >= 0 for p in PEOPLE), timeout=30
            )
        finally:
            second.kill()
            await second.wait()
        assert resumed < 10, f"the dead process's replies waited {resumed:.1f} s"
        out_of_order = [p for p in PEOPLE if index_of(fake.texts(p), FIRST_ANSWER) > index_of(fake.texts(p),
                                                                                               SECOND_ANSWER)]
        assert out_of_order == []
        duplicated = sum(n - 1 for p in PEOPLE for n in Counter(fake.texts(p)).values())
        # in flight = went out, but its outcome was not stored yet when the process died (the HTTP
        # requests being answered at that moment, and answers of the last few milliseconds)
        assert duplicated <= unrecorded, f"{duplicated} sent twice, {unrecorded} were in flight at the kill"
        assert unrecorded <= in_flight + 30  # the requests in flight, and at most a second of sending (30/s)


def sent_not_recorded(database: Path, fake: FakeTelegram) -> int:
    """Messages the platform accepted whose rows the dead process had not yet marked sent (per chat,
    the fake's count minus the rows marked sent: one chat's messages go out in order)."""
    with sqlite3.connect(database) as conn:
        recorded = dict(conn.execute("SELECT recipient, count(*) FROM outbox WHERE status = 'sent' GROUP BY 1"))
    return sum(fake.sent_count(p) - recorded.get(str(p), 0) for p in PEOPLE)


async def test_vk_kill_9_mid_burst_replies_resume_at_once_in_order_and_not_twice(tmp_path: Path) -> None:
    from tests.bot_process import vk_child_env
    from tests.fakes.vk import FakeVK

    def vk_index(fake: FakeVK, peer: int, start: str) -> int:
        return next((i for i, t in enumerate(fake.texts(peer)) if t.startswith(start)), -1)

    async with FakeVK() as fake:
        env = vk_child_env(tmp_path / "data", fake.api_url, fake.token)
        log = tmp_path / "bot.log"
        first = await spawn(env, log)
        try:
            await fake.wait_for(lambda: bool(fake.calls_of("groups.getById")), timeout=60)
            await fake.wait_for(lambda: bool(fake.calls_of("groups.getLongPollServer")), timeout=60)
            for person in PEOPLE:
                fake.message(person, FIRST)
            await fake.wait_for(lambda: len(fake.sent()) >= 20, timeout=60)
            first.kill()
            await first.wait()
        finally:
            if first.returncode is None:
                first.kill()
        await asyncio.sleep(0.2)
        assert len(fake.sent()) < 3 * len(PEOPLE), "the burst was over before the kill"
        second = await spawn(env, log)
        try:
            await fake.wait_for(lambda: len(fake.calls_of("groups.getById")) > 1, timeout=60)
            restarted = time.monotonic()
            for person in PEOPLE:
                fake.message(person, SECOND)
            await fake.wait_for(lambda: all(vk_index(fake, p, FIRST_ANSWER) >= 0 for p in PEOPLE), timeout=20)
            resumed = time.monotonic() - restarted
            await fake.wait_for(lambda: all(vk_index(fake, p, SECOND_ANSWER) >= 0 for p in PEOPLE), timeout=30)
        finally:
            second.kill()
            await second.wait()
        assert resumed < 10, f"the dead process's replies waited {resumed:.1f} s"
        assert [p for p in PEOPLE if vk_index(fake, p, FIRST_ANSWER) > vk_index(fake, p, SECOND_ANSWER)] == []
        # sent again (VK absorbed them by random_id; without it they would be duplicates): only what
        # was in flight at the kill, at most one request per chat and a second's worth of sending
        repeats = [c for c in fake.calls_of("messages.send") if c.params.get("_repeat")]
        assert len(repeats) <= 20
