"""Delivery under faults: a burst of people through kill -9, long 429s, 5xx streaks and a poison update.

The real bot (``bot run`` in a child process, aiogram's HTTP client) talks to the fake Bot API server
in this process. Every person asks a question; while the replies go out, some chats get 429 with a
``retry_after`` longer than the outbox lease, some a streak of 5xx (their message is deferred), one
question makes the handler fail every time, and the bot is killed with SIGKILL mid-burst. It is
started again and every person asks a second question. Then it counts, from what the "Telegram"
server received:

- lost: people without an answer (or, for the poison update, the apology) to either question;
- duplicated: messages a chat received twice, against those in flight at the kill (sent, but their
  outcome not yet stored when the process died: the process could not know they had gone);
- out of order: people who got the second answer before the first;
- how long after the restart the dead process's replies were all out, and how often getUpdates was
  asked while the poison update was being retried.

Run by hand (about a minute and a half):

    python bench/bench_faults.py [--people 200] [--kill-after 0.3] [--lease 5] [--retry-after 12]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.bot_process import child_env, spawn  # noqa: E402
from tests.fakes.telegram import FakeTelegram  # noqa: E402

FIRST, SECOND = "как открыть ипшку", "потерял паспорт"
FIRST_ANSWER, SECOND_ANSWER = "Зарегистрировать ИП", "Если паспорт украли"
POISON = "вопрос, на котором обработчик падает"
APOLOGY = "Извините, не получилось обработать ваше сообщение"


def first_index(texts: list[str], *starts: str) -> int:
    return next((i for i, t in enumerate(texts) if t.startswith(starts)), -1)


async def scenario(people: int, kill_after: float, lease: float, retry_after: int) -> dict[str, object]:
    work = Path(tempfile.mkdtemp(prefix="bench-faults-"))
    chats = [40_000 + n for n in range(people)]
    slow, flaky, poisoned = chats[:5], chats[5:10], chats[10]
    async with FakeTelegram() as fake:
        env = child_env(work / "data", fake.base_url, fake.token, FAULT_POISON=POISON,
                        BOT_DELIVERY__LEASE_SECONDS=str(lease),
                        BOT_TELEGRAM__LIMITS__PER_SECOND="30", BOT_TELEGRAM__LIMITS__CHAT_BURST="3")
        fake.send_delay = 0.005
        log = work / "bot.log"
        bot = await spawn(env, log)
        await fake.wait_for(lambda: bool(fake.calls_of("getUpdates")), timeout=120)
        for chat in slow:  # "retry after" longer than the lease: the waiting sender must keep its claim
            fake.fail("sendMessage", "429", times=1, retry_after=retry_after, chat=chat)
        for chat in flaky:  # a 5xx streak: the message is deferred, the chat's later ones wait behind it
            fake.fail("sendMessage", "500", times=8, chat=chat)
        fake.fail("sendMessage", "429", times=3, retry_after=2)  # the whole bot slowed down for a moment
        started = time.monotonic()
        for chat in chats:
            fake.message(chat, POISON if chat == poisoned else FIRST)
        expected_first = people * 1
        await fake.wait_for(lambda: len(fake.sent()) >= kill_after * expected_first, timeout=120)
        starts = len(fake.calls_of("deleteWebhook"))
        bot.kill()  # SIGKILL mid-burst
        http_in_flight = fake.sends_in_flight
        await bot.wait()
        killed = time.monotonic()
        await asyncio.sleep(0.3)  # the fake finishes answering what was in flight
        sent_at_kill = len(fake.sent())
        with sqlite3.connect(work / "data" / "bot.sqlite3") as conn:
            recorded = dict(conn.execute("SELECT recipient, count(*) FROM outbox WHERE status = 'sent' GROUP BY 1"))
        unrecorded = sum(fake.sent_count(c) - recorded.get(str(c), 0) for c in chats)
        before_restart = {c: fake.sent_count(c) for c in chats}

        bot = await spawn(env, log)
        try:
            await fake.wait_for(lambda: len(fake.calls_of("deleteWebhook")) > starts, timeout=120)
            restarted = time.monotonic()  # the new process is about to poll
            for chat in chats:
                fake.message(chat, SECOND)

            def first_out() -> bool:
                return all(first_index(fake.texts(c), FIRST_ANSWER, APOLOGY) >= 0 for c in chats)

            def all_out() -> bool:
                return first_out() and all(first_index(fake.texts(c), SECOND_ANSWER) >= 0 for c in chats)

            resumed = None
            deadline = time.monotonic() + 240
            while not all_out() and time.monotonic() < deadline:
                if resumed is None and first_out():
                    resumed = time.monotonic() - restarted
                await asyncio.sleep(0.05)
            if resumed is None and first_out():
                resumed = time.monotonic() - restarted
            await asyncio.sleep(2.0)  # anything still coming would count as a duplicate
        finally:
            bot.terminate()
            await bot.wait()
        lost = sum(
            (first_index(fake.texts(c), FIRST_ANSWER, APOLOGY) < 0) + (first_index(fake.texts(c), SECOND_ANSWER) < 0)
            for c in chats
        )
        duplicated = sum(n - 1 for c in chats for n in Counter(fake.texts(c)).values())
        out_of_order = sum(
            first_index(fake.texts(c), FIRST_ANSWER, APOLOGY) > first_index(fake.texts(c), SECOND_ANSWER)
            for c in chats
        )
        # the dead process's replies waiting in the outbox: those chats' first answers after the restart
        waited = [c for c in chats if first_index(fake.texts(c)[: before_restart[c]], FIRST_ANSWER, APOLOGY) < 0]
        answered_at = {}
        for call in fake.calls_of("sendMessage"):
            chat = int(call.params["chat_id"])
            if chat in waited and chat not in answered_at and str(call.params["text"]).startswith(
                    (FIRST_ANSWER, APOLOGY)):
                answered_at[chat] = call.at - restarted
        steady = [answered_at[c] for c in waited if c not in flaky and c in answered_at]
        with sqlite3.connect(work / "data" / "bot.sqlite3") as conn:
            dead = conn.execute("SELECT count(*) FROM dead_letters").fetchone()[0]
        poison_polls = [c.at for c in fake.calls_of("getUpdates") if started <= c.at <= killed]
        return {
            "people": people,
            "messages sent": len(fake.sent()),
            "sent before the kill": sent_at_kill,
            "HTTP requests in flight at the kill": http_in_flight,
            "in flight at the kill (sent, outcome not stored)": unrecorded,
            "seconds from the kill until the new process polled": round(restarted - killed, 1),
            "chats whose first reply waited for the restart": len(waited),
            "first of those out, seconds after the restart": round(min(answered_at.values(), default=-1), 1),
            "all of those out but the 5xx-deferred, seconds after": round(max(steady), 1) if steady else None,
            "all of those out, seconds after the restart": None if resumed is None else round(resumed, 1),
            "lost": lost,
            "duplicated": duplicated,
            "out of order": out_of_order,
            "dead letters": dead,
            "getUpdates per second before the kill": round(len(poison_polls) / max(killed - started, 1e-9), 1),
            "429 answers": len([c for c in fake.calls if c.method == "sendMessage" and c.status == 429]),
            "5xx answers": len([c for c in fake.calls if c.method == "sendMessage" and c.status >= 500]),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--kill-after", type=float, default=0.3, help="share of the first replies sent before the kill")
    parser.add_argument("--lease", type=float, default=5.0, help="delivery.lease_seconds of the bot")
    parser.add_argument("--retry-after", type=int, default=12, help="retry_after of the long 429s, seconds")
    args = parser.parse_args()
    result = asyncio.run(scenario(args.people, args.kill_after, args.lease, args.retry_after))
    width = max(len(k) for k in result)
    print(f"| {'measure':{width}} | value |")
    print(f"|{'-' * (width + 2)}|-------|")
    for key, value in result.items():
        print(f"| {key:{width}} | {value} |")


if __name__ == "__main__":
    main()
