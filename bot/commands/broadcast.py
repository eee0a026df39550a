"""``bot broadcast``: editors create, preview, schedule, list and cancel broadcasts.

Times are the region's local time (``bot.timezone``). The running bot sends what falls due; a
preview goes to the editor's chat through the same outbox.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.kb import KnowledgeBaseError, load_knowledge_base
from bot.notify import broadcasts
from bot.notify.texts import NotifyTexts
from bot.storage import Database, upgrade


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("broadcast", help="editors' broadcasts: create, preview, schedule, list, cancel")
    b_sub = parser.add_subparsers(dest="broadcast_command", metavar="BROADCAST_COMMAND", required=True)
    create = b_sub.add_parser("create", help="create a draft and show who would get it")
    text = create.add_mutually_exclusive_group(required=True)
    text.add_argument("--text", help="the message (the knowledge base's Markdown subset)")
    text.add_argument("--text-file", type=Path, help="read the message from a UTF-8 file")
    create.add_argument("--category", required=True, choices=broadcasts.CATEGORIES,
                        help="the consent category: only people who agreed to it get the message")
    create.add_argument("--segment", choices=broadcasts.SEGMENTS, default=None, help="default: everybody")
    create.add_argument("--topic", default=None, help="a KB topic id: only people subscribed to it")
    create.add_argument("--entry", action="append", default=[], help="a KB entry id shown as a button (≤ 3)")
    create.add_argument("--at", default=None, help="local time 'YYYY-MM-DD HH:MM' (default: now)")
    create.add_argument("--author", default="editor", help="who wrote it (kept with the broadcast)")
    create.add_argument("--kb", type=Path, default=None, help="knowledge-base folder (default: from config)")
    preview = b_sub.add_parser("preview", help="send the exact message to an editor's chat")
    preview.add_argument("id", type=int, help="the broadcast's number (from create or list)")
    preview.add_argument("--to", required=True, help="the editor's chat id (Telegram user id)")
    preview.add_argument("--channel", default="telegram", help="the messenger to preview in (default: telegram)")
    preview.add_argument("--kb", type=Path, default=None, help="knowledge-base folder (default: from config)")
    schedule = b_sub.add_parser("schedule", help="confirm a draft; refused when nobody could get it")
    schedule.add_argument("id", type=int, help="the broadcast's number")
    schedule.add_argument("--at", default=None, help="local time 'YYYY-MM-DD HH:MM' (default: as created)")
    b_sub.add_parser("list", help="recent broadcasts and what came of them")
    cancel = b_sub.add_parser("cancel", help="cancel; messages not yet sent are not sent")
    cancel.add_argument("id", type=int, help="the broadcast's number")
    b_sub.add_parser("run-due", help="queue due broadcasts, digests and rating invitations now (the bot does it "
                                     "every few seconds; for cron set-ups)")


def _configured(settings: Settings, channel: str) -> bool:
    """A messenger channel the running bot serves (its token is set)."""
    section = getattr(settings, channel, None)
    return getattr(section, "token", None) is not None


def _moment(value: str | None, tz: ZoneInfo) -> datetime:
    if value is None:
        return datetime.now(tz)
    return datetime.strptime(value.strip(), "%Y-%m-%d %H:%M").replace(tzinfo=tz)


async def run_broadcast(args: argparse.Namespace, settings: Settings) -> int:
    tz = ZoneInfo(settings.bot.timezone)
    command = args.broadcast_command
    if command == "run-due":
        return await _run_due(settings)
    kb_dir = getattr(args, "kb", None) or settings.knowledge_base.path
    try:
        kb = load_knowledge_base(kb_dir)
    except KnowledgeBaseError as exc:
        print(f"The knowledge base has errors:\n{exc}", file=sys.stderr)
        return 1
    db = Database(settings.database_url)
    try:
        if settings.database.auto_migrate:
            await upgrade(db.engine)
        now = datetime.now(tz)
        async with db.transaction() as conn:
            if command == "create":
                text = args.text if args.text is not None else args.text_file.read_text("utf-8")
                new_id = await broadcasts.create(
                    conn, author=args.author, text=text, category=args.category, segment=args.segment,
                    topic=args.topic, entries=args.entry, send_at=_moment(args.at, tz), now=now, kb=kb,
                )
                b = await broadcasts.get(conn, new_id)
                assert b is not None
                found = await broadcasts.audience(conn, b)
                print(f"Draft #{new_id} created: {b.category}, segment {b.segment or 'all'}"
                      f"{', topic ' + b.topic if b.topic else ''}, at {b.send_at.astimezone(tz):%Y-%m-%d %H:%M}.")
                print(f"Audience: {found.in_segment} people in the segment, {found.consented} consented, "
                      f"{found.reachable} reachable.")
                reason = broadcasts.explain(b, found)
                print(reason or f"Preview: bot broadcast preview {new_id} --to <your Telegram id>; "
                                f"then: bot broadcast schedule {new_id}")
            elif command == "preview":
                if not _configured(settings, args.channel):
                    raise broadcasts.BroadcastError(
                        f"the {args.channel} channel is not configured (no BOT_{args.channel.upper()}__TOKEN), so "
                        "nobody would send the preview; set the token and run the bot, or check the text with "
                        "bot broadcast list"
                    )
                b = await broadcasts.get(conn, args.id)
                if b is None:
                    raise broadcasts.BroadcastError(f"no broadcast #{args.id}")
                await broadcasts.preview(conn, b, args.channel, str(args.to), NotifyTexts(), kb, now)
                print(f"Preview of #{b.id} queued for {args.channel} chat {args.to}; the running bot sends it.")
            elif command == "schedule":
                found = await broadcasts.schedule(conn, args.id, _moment(args.at, tz) if args.at else None)
                b = await broadcasts.get(conn, args.id)
                assert b is not None
                print(f"Broadcast #{b.id} scheduled for {b.send_at.astimezone(tz):%Y-%m-%d %H:%M} "
                      f"({settings.bot.timezone}) to {found.reachable} people "
                      f"(quiet hours, digests and the daily cap of {settings.notifications.daily_cap} apply).")
            elif command == "list":
                for b in await broadcasts.listing(conn):
                    result = "" if b.queued is None else (
                        f" — queued {b.queued}, in digests {b.digested}, over the cap {b.capped}")
                    print(f"#{b.id} {b.status:<9} {b.send_at.astimezone(tz):%Y-%m-%d %H:%M} {b.category:<13} "
                          f"{b.segment or 'all':<8} {b.topic or '-'}: {b.text[:50]!r}{result}")
            elif command == "cancel":
                stopped = await broadcasts.cancel(conn, args.id)
                print(f"Broadcast #{args.id} cancelled; {stopped} messages not yet sent will not be sent.")
    except broadcasts.BroadcastError as exc:
        print(f"Refused: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"Bad value: {exc}", file=sys.stderr)
        return 2
    finally:
        await db.dispose()
    return 0


async def _run_due(settings: Settings) -> int:
    from bot.app import App
    from bot.notify.jobs import tick

    app = await App.create(settings)
    try:
        result = await tick(app)
    finally:
        await app.close()
    print(f"Broadcasts queued: {result.broadcasts}, digests: {result.digests}, "
          f"rating invitations: {result.invitations}.")
    return 0
