"""``bot updates``: the updates set aside after failing again and again (dead letters): list, replay.

Listing never prints what the person wrote (only the error, the channel and the chat id). A replay is
asked for in the database; the running bot handles it within seconds (or when it next starts).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.delivery import dead_letters
from bot.storage import Database, upgrade


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("updates", help="updates that kept failing (dead letters): list and replay")
    u_sub = parser.add_subparsers(dest="updates_command", metavar="UPDATES_COMMAND", required=True)
    dead = u_sub.add_parser("dead", help="list the updates set aside after failing (newest first)")
    dead.add_argument("--all", action="store_true", help="also those replayed already")
    dead.add_argument("--limit", type=int, default=50, help="how many to list (default 50)")
    replay = u_sub.add_parser("replay", help="have the running bot handle a dead letter again")
    replay.add_argument("id", type=int, help="the dead letter's number from `bot updates dead`")
    replay.add_argument("--wait", type=float, default=15.0,
                        help="seconds to wait for the running bot's result (default 15; 0: do not wait)")


async def run_updates(args: argparse.Namespace, settings: Settings) -> int:
    db = Database(settings.database_url)
    tz = ZoneInfo(settings.bot.timezone)
    try:
        if settings.database.auto_migrate:
            await upgrade(db.engine)
        if args.updates_command == "dead":
            return await _list(db, tz, args.all, args.limit)
        return await _replay(db, args.id, args.wait)
    finally:
        await db.dispose()


async def _list(db: Database, tz: ZoneInfo, everything: bool, limit: int) -> int:
    async with db.read() as conn:
        letters = await dead_letters.listing(conn, replayed=everything, limit=max(1, limit))
    if not letters:
        print("No dead letters: every update was handled." if not everything else "No dead letters.")
        return 0
    print(f"{'id':>5}  {'when':16}  {'channel':8}  {'update':>12}  {'chat':>12}  {'fails':>5}  {'status':8}  error")
    for letter in letters:
        when = _aware(letter.created_at).astimezone(tz)
        print(f"{letter.id:>5}  {when:%Y-%m-%d %H:%M}  {letter.channel:8}  {letter.update_key[-12:]:>12}  "
              f"{letter.chat or '-':>12}  {letter.failures:>5}  {letter.status:8}  {letter.error}")
    print("Replay one (after fixing the cause): bot updates replay ID")
    return 0


async def _replay(db: Database, letter_id: int, wait: float) -> int:
    async with db.transaction() as conn:
        letter = await dead_letters.get(conn, letter_id)
        if letter is None:
            print(f"No dead letter #{letter_id} (see: bot updates dead)", file=sys.stderr)
            return 1
        if letter.status == dead_letters.REPLAYED:
            print(f"Dead letter #{letter_id} was replayed already; it is not handled twice.", file=sys.stderr)
            return 1
        await dead_letters.request_replay(conn, letter_id, datetime.now(UTC))
    print(f"Replay of #{letter_id} ({letter.channel}, update {letter.update_key}) asked for.")
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        async with db.read() as conn:
            now = await dead_letters.get(conn, letter_id)
        if now is None or now.status == dead_letters.REPLAYED:
            print("Handled: the person has their answer.")
            return 0
        if now.status == dead_letters.DEAD:
            print(f"Failed again: {now.error}", file=sys.stderr)
            return 1
    print("The bot has not taken it up yet; it will when it runs (check later: bot updates dead --all).")
    return 0


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
