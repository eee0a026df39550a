"""A broadcast to N consenting people through the fake Bot API server, which enforces Telegram's
30 messages a second and answers 429 above it. The fake runs in another process.

Measures: time to queue the broadcast, time to send it, the sustained rate against the limit, 429s
received, duplicates, peak memory (RSS) of the bot process. Run by hand (10 000 people take ~6 min):

    python bench/bench_broadcast.py [--people 10000] [--limit 30]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _server_process(conn, limit: float) -> None:
    from tests.fakes.telegram import FakeTelegram

    async def main() -> None:
        fake = FakeTelegram()
        fake.limit_per_second = limit
        await fake.start()
        conn.send(fake.base_url)
        await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # the broadcast is over
        sends = [c for c in fake.calls if c.method == "sendMessage" and c.status == 200]
        per_chat = Counter(int(c.params["chat_id"]) for c in sends)
        times = sorted(c.at for c in sends)
        window_max = 0
        start = 0
        for end, moment in enumerate(times):
            while moment - times[start] >= 1.0:
                start += 1
            window_max = max(window_max, end - start + 1)
        conn.send({
            "sends": len(sends),
            "rejected": fake.rejected_for_rate,
            "duplicates": sum(n - 1 for n in per_chat.values() if n > 1),
            "first": times[0] if times else 0.0,
            "last": times[-1] if times else 0.0,
            "window_max": window_max,
        })
        await fake.stop()

    asyncio.run(main())


async def _people(app, count: int, now: datetime) -> None:
    from bot.storage.models import Account, ConsentRow, ConsentState, Person

    rows_p = [{"id": i, "segment": None, "created_at": now, "updated_at": now} for i in range(1, count + 1)]
    rows_a = [{"id": i, "person_id": i, "channel": "telegram", "external_id": str(500_000 + i), "created_at": now,
               "last_seen_at": now} for i in range(1, count + 1)]
    rows_c = [{"id": i, "person_id": i, "subject": "notify:content", "granted": True, "channel": "telegram",
               "wording_version": "bench", "source": "bench", "at": now} for i in range(1, count + 1)]
    rows_s = [{"person_id": i, "subject": "notify:content", "granted": True, "consent_id": i, "at": now}
              for i in range(1, count + 1)]
    async with app.db.transaction() as conn:
        for table, rows in ((Person, rows_p), (Account, rows_a), (ConsentRow, rows_c), (ConsentState, rows_s)):
            await conn.execute(table.__table__.insert(), rows)


async def run(base_url: str, conn, people: int, limit: float) -> dict:
    import psutil

    data = tempfile.mkdtemp()
    os.environ["BOT_BOT__DATA_DIR"] = data
    os.environ["BOT_TELEGRAM__TOKEN"] = "123456:TEST-token"
    os.environ["BOT_TELEGRAM__API_SERVER"] = base_url
    os.environ["BOT_TELEGRAM__LIMITS__PER_SECOND"] = str(limit)
    os.environ["BOT_NOTIFICATIONS__QUIET_FROM"] = "00:00"  # no quiet hours: measure the sending
    os.environ["BOT_NOTIFICATIONS__QUIET_TO"] = "00:00"
    from bot.app import App
    from bot.channels.telegram.runtime import make_bot, rate_limits
    from bot.channels.telegram.transport import TelegramTransport
    from bot.config import load_settings
    from bot.delivery.limits import Limiter
    from bot.delivery.sender import Sender
    from bot.notify import broadcasts
    from bot.notify.jobs import consent_gate, dispatch_broadcasts

    settings = load_settings()
    app = await App.create(settings, kb_path=ROOT / "knowledge_base")
    process = psutil.Process()
    now = datetime.now(UTC)
    await _people(app, people, now)
    async with app.db.transaction() as c:
        bid = await broadcasts.create(c, author="bench", text="Новая мера поддержки: **грант** до 500 000 ₽.",
                                      category="content", segment=None, topic=None, entries=["ip-registration"],
                                      send_at=now, now=now, kb=app.knowledge.current.base)
        await broadcasts.schedule(c, bid)
    started = time.perf_counter()
    await dispatch_broadcasts(app)
    queue_seconds = time.perf_counter() - started
    bot = make_bot(settings.telegram)
    sender = Sender(app.db, TelegramTransport(bot), Limiter(rate_limits(settings.telegram)), app.clock, "bench",
                    gate=consent_gate(app.db))
    peak = process.memory_info().rss
    started = time.perf_counter()
    while await sender.pump():
        peak = max(peak, process.memory_info().rss)
    send_seconds = time.perf_counter() - started
    await sender.close()
    await bot.session.close()
    await app.close()
    shutil.rmtree(data, ignore_errors=True)  # the run's database and caches
    conn.send("done")
    result = await asyncio.get_running_loop().run_in_executor(None, conn.recv)
    result.update(queue_seconds=queue_seconds, send_seconds=send_seconds, peak_mb=peak / 2**20)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--limit", type=float, default=30.0, help="the fake server's messages per second")
    args = parser.parse_args()
    context = mp.get_context("spawn")
    parent, child = context.Pipe()
    server = context.Process(target=_server_process, args=(child, args.limit), daemon=True)
    server.start()
    base_url = parent.recv()
    r = asyncio.run(run(base_url, parent, args.people, args.limit))
    server.join(timeout=10)
    rate = r["sends"] / r["send_seconds"]  # delivered over the bot's whole sending time
    print("| people | delivered | queueing | sending | rate | of limit | max in any 1 s | 429s | duplicates "
          "| peak RSS |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {args.people} | {r['sends']} | {r['queue_seconds']:.1f} s | {r['send_seconds']:.0f} s "
          f"| {rate:.2f} msg/s | {rate / args.limit:.1%} | {r['window_max']} | {r['rejected']} | {r['duplicates']} "
          f"| {r['peak_mb']:.0f} MB |")


if __name__ == "__main__":
    main()
