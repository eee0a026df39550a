"""Several bot instances on PostgreSQL: the Telegram webhook path with 1 and 2 ``bot run`` processes
behind one address, and one process killed mid-run.

The fake Bot API server runs here; the benchmark is also the balancer: it POSTs each update to the
bot processes' webhooks in turn and, when a process does not answer (refused, reset, 5xx), to the
next one — as nginx does with ``proxy_next_upstream`` and as Telegram does by delivering an update
again. Every simulated person sends its questions one after another (the next when the previous one
is answered), so the load is closed-loop: ``messages/s`` is the saturation throughput.

Lost and duplicated are counted against a run with one process and the same script (people and
questions are seeded, so each chat gets the same replies): a chat with fewer replies lost some, one
with more got duplicates. A killed process's claimed replies are sent by the survivor once its claim
expires (the outbox's ``stale_after``), so the kill run waits for them.

    BOT_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        python bench/bench_instances.py [--people 40] [--rounds 10] [--kill-after 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes.telegram import FakeTelegram  # noqa: E402
from tests.postgres import _run, _server_dsn, create_database, drop_database  # noqa: E402

QUESTIONS = [
    line.split("\t")[0]
    for line in (ROOT / "tests" / "data" / "demo_queries.tsv").read_text("utf-8").splitlines()
    if line.strip()
]
SECRET = "bench-secret"
REPLY_TIMEOUT = float(os.environ.get("BENCH_REPLY_TIMEOUT", "300"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_process(db_url: str, api: str, port: int, data: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env.update({
        "BOT_DATABASE__URL": db_url,
        "BOT_BOT__DATA_DIR": str(data),
        "BOT_BOT__PRIVACY_POLICY_URL": "https://region.example.ru/privacy",
        "BOT_TELEGRAM__TOKEN": "123456:TEST-token",
        "BOT_TELEGRAM__API_SERVER": api,
        "BOT_TELEGRAM__MODE": "webhook",
        "BOT_TELEGRAM__WEBHOOK__URL": f"http://127.0.0.1:{port}/telegram",
        "BOT_TELEGRAM__WEBHOOK__PORT": str(port),
        "BOT_TELEGRAM__WEBHOOK__LISTEN": "127.0.0.1",
        "BOT_TELEGRAM__WEBHOOK__SECRET": SECRET,
        "BOT_TELEGRAM__WEBHOOK__MAX_CONNECTIONS": "100",
        # the benchmark measures the bot, not Telegram's cap (shared limits are proved by the tests)
        "BOT_TELEGRAM__LIMITS__PER_SECOND": "100000",
        "BOT_TELEGRAM__LIMITS__CHAT_BURST": "100",
        "BOT_EDITORS__WATCH": "false",
        "BOT_LOGGING__LEVEL": "WARNING",
    })
    data.mkdir(parents=True, exist_ok=True)
    log = (data / "bot.log").open("wb")  # the process's messages, for when something goes wrong
    return subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env,
                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)


async def wait_up(port: int, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            try:
                async with http.get(f"http://127.0.0.1:{port}/health") as response:
                    if response.status in (200, 503):
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"the bot on port {port} did not come up")


def database_work(db_url: str) -> tuple[int, int]:
    """The database's committed transactions and written rows so far (pg_stat_database)."""
    import asyncpg
    from sqlalchemy.engine import make_url

    name = make_url(db_url).database

    async def read() -> tuple[int, int]:
        conn = await asyncpg.connect(_server_dsn())
        try:
            await conn.execute("SELECT pg_stat_clear_snapshot()")
            row = await conn.fetchrow(
                "SELECT xact_commit, tup_inserted + tup_updated + tup_deleted AS written "
                "FROM pg_stat_database WHERE datname = $1", name,
            )
            return int(row["xact_commit"]), int(row["written"])
        finally:
            await conn.close()

    return _run(read())


class Balancer:
    """Round robin over the bot processes; an update a process does not take goes to the next one."""

    def __init__(self, ports: list[int]) -> None:
        self.urls = [f"http://127.0.0.1:{p}/telegram" for p in ports]
        self.next = 0
        self.http: aiohttp.ClientSession | None = None
        self.retried = 0

    async def post(self, update: dict[str, object]) -> None:
        if self.http is None:
            self.http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200))
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        while True:
            url = self.urls[self.next % len(self.urls)]
            self.next += 1
            try:
                async with self.http.post(url, json=update, headers=headers,
                                          timeout=aiohttp.ClientTimeout(total=30)) as response:
                    if response.status == 200:
                        return
            except (aiohttp.ClientError, TimeoutError):
                pass
            self.retried += 1
            await asyncio.sleep(0.05)

    async def close(self) -> None:
        if self.http is not None:
            await self.http.close()


async def scenario(
    processes: int, people: int, rounds: int, kill_after: float | None, expect: Counter[int] | None
) -> dict:
    db_url = create_database()
    data = Path(tempfile.mkdtemp(prefix="bench-instances-"))
    fake = FakeTelegram()
    await fake.start()
    ports = [free_port() for _ in range(processes)]
    procs = [start_process(db_url, fake.base_url, port, data / str(port)) for port in ports]
    balancer = Balancer(ports)
    try:
        await asyncio.gather(*(wait_up(port) for port in ports))
        latencies: list[float] = []
        in_flight = 0
        killed_in_flight = 0

        async def begin(number: int) -> None:
            chat = 100_000 + number
            update = fake.command(chat, "/start")
            fake.updates.clear()
            await balancer.post(update)
            await fake.reply(chat, 0)

        async def person(number: int) -> None:
            nonlocal in_flight
            rng = random.Random(number)
            chat = 100_000 + number
            for _ in range(rounds):
                update = fake.message(chat, rng.choice(QUESTIONS))
                fake.updates.clear()  # delivered by the balancer, not by getUpdates
                before = fake.sent_count(chat)
                queued = time.monotonic()
                in_flight += 1
                await balancer.post(update)
                try:
                    replied = await asyncio.wait_for(fake.reply(chat, before), REPLY_TIMEOUT)
                except TimeoutError:
                    in_flight -= 1
                    return  # lost: counted from the replies below
                in_flight -= 1
                latencies.append((replied - queued) * 1000)

        await asyncio.gather(*(begin(n) for n in range(people)))
        await asyncio.sleep(1.0)
        work_before = database_work(db_url)
        killer = None
        if kill_after is not None:

            async def kill() -> None:
                nonlocal killed_in_flight
                await asyncio.sleep(kill_after)
                killed_in_flight = in_flight
                procs[0].send_signal(signal.SIGKILL)

            killer = asyncio.create_task(kill())
        started = time.monotonic()
        await asyncio.gather(*(person(n) for n in range(people)))
        elapsed = time.monotonic() - started
        await asyncio.sleep(1.5)  # the statistics collector's delay
        work_after = database_work(db_url)
        if killer is not None:
            await killer
        await asyncio.sleep(1.0)  # replies still on their way
        settled_in = 0.0
        if expect is not None:  # a killed process's claimed replies come when its claim expires
            waited = time.monotonic()
            while time.monotonic() - waited < 200 and any(fake.sent_count(c) < n for c, n in expect.items()):
                await asyncio.sleep(0.5)
            settled_in = time.monotonic() - waited
            await asyncio.sleep(1.0)
        replies = Counter(int(p["chat_id"]) for p in fake.sent())
        return {
            "latencies": sorted(latencies), "elapsed": elapsed, "replies": replies, "retried": balancer.retried,
            "in_flight_at_kill": killed_in_flight, "settled_in": settled_in,
            "commits": work_after[0] - work_before[0], "written": work_after[1] - work_before[1],
        }
    finally:
        await balancer.close()
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        await fake.stop()
        drop_database(db_url)
        print(f"(bot processes' logs in {data})", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--kill-after", type=float, default=5.0, help="seconds into the run the first process dies")
    args = parser.parse_args()
    server = os.environ.get("BOT_TEST_POSTGRES_URL")
    if not server:
        parser.error("set BOT_TEST_POSTGRES_URL to a PostgreSQL server where databases may be created")
    print(f"machine: {os.cpu_count()} cores; {args.people} people x {args.rounds} questions each, no reading time")
    print("| bot processes | messages | messages/s | p50 | p95 | lost | duplicated | in flight at the kill "
          "| last replies after the run | DB commits / message | DB rows written / message |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    baseline: Counter[int] | None = None
    for processes, kill in ((1, None), (2, None), (2, args.kill_after)):
        result = asyncio.run(scenario(processes, args.people, args.rounds, kill, baseline if kill else None))
        latencies = result["latencies"]
        count = len(latencies)
        replies: Counter[int] = result["replies"]
        if baseline is None:
            baseline = replies
        lost = sum(max(0, baseline[c] - replies[c]) for c in baseline)
        duplicated = sum(max(0, replies[c] - baseline[c]) for c in replies)
        label = f"{processes}" + (f", one killed at {kill:g} s" if kill is not None else "")
        in_flight = str(result["in_flight_at_kill"]) if kill is not None else "—"
        print(f"| {label} | {count} | {count / result['elapsed']:.0f} | {latencies[count // 2]:.0f} ms "
              f"| {latencies[int(count * 0.95)]:.0f} ms | {lost} replies | {duplicated} replies | {in_flight} "
              f"| {result['settled_in']:.0f} s | {result['commits'] / count:.1f} | {result['written'] / count:.1f} |",
              flush=True)


if __name__ == "__main__":
    main()
