"""Command line: ``python -m bot <command>`` (also installed as ``bot``)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import ConfigError, Settings, load_settings
from bot.logs import setup_logging


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bot",
        description="Digital assistant for citizens and entrepreneurs (Telegram, VK, console).",
    )
    parser.add_argument(
        "--config", type=Path, default=None,
        help="TOML configuration file (default: ./config.toml if it exists, else built-in defaults)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser(
        "run", help="start every configured channel (console when no tokens are set)",
        description=(
            "Start the assistant: every messenger channel whose token is set (Telegram: BOT_TELEGRAM__TOKEN, "
            "VK: BOT_VK__TOKEN), the scheduler (reminders, digests, broadcasts, SLA) and the knowledge-base "
            "watcher, until Ctrl+C or SIGTERM. With no token set and a terminal, the console channel starts "
            "instead. Settings come from --config (default ./config.toml) and BOT_* environment variables; "
            "see config.example.toml and docs/admin-guide.md."
        ),
    )

    chat = sub.add_parser("chat", help="talk to the bot in this terminal (or from a pipe)")
    chat.add_argument("--kb", type=Path, default=None, help="knowledge-base folder (default: from config)")
    chat.add_argument("--user", default="console", help="who is typing (a user id of the console channel)")
    chat.add_argument(
        "--fresh", action="store_true", help="keep nothing: a temporary database for this session only"
    )

    match = sub.add_parser("match", help="match queries against a knowledge base")
    match.add_argument("--kb", type=Path, default=None, help="knowledge-base folder (default: from config)")
    match.add_argument("--jsonl", action="store_true", help="one JSON object per line (the CLI contract)")
    match.add_argument("queries", nargs="*", help="queries; without them, one query per line of stdin")

    evaluate = sub.add_parser("eval", help="print matcher metrics on labelled sets (kb/ + queries.tsv)")
    evaluate.add_argument("set_dir", type=Path, nargs="+", help="folders laid out like shared/eval/")

    kb = sub.add_parser("kb", help="knowledge-base tools for editors")
    kb_sub = kb.add_subparsers(dest="kb_command", metavar="KB_COMMAND", required=True)
    check = kb_sub.add_parser("check", help="validate a knowledge-base folder")
    check.add_argument("directory", type=Path, nargs="?", default=None,
                       help="knowledge-base folder (default: from config)")
    check.add_argument("--no-hints", action="store_true", help="errors only: no readability or review hints")
    export = kb_sub.add_parser("export", help="write the base to a spreadsheet (one row per entry)")
    export_to = export.add_mutually_exclusive_group(required=True)
    export_to.add_argument("--xlsx", type=Path, dest="out", help="Excel file to write")
    export_to.add_argument("--csv", type=Path, dest="out", help="CSV file to write (UTF-8)")
    export.add_argument("--kb", type=Path, default=None, help="knowledge-base folder (default: from config)")
    kb_import = kb_sub.add_parser("import", help="replace the base with a spreadsheet's content (all or nothing)")
    kb_import.add_argument("table", type=Path, help=".xlsx or .csv file")
    kb_import.add_argument("--kb", type=Path, default=None, help="knowledge-base folder (default: from config)")
    kb_import.add_argument("--dry-run", action="store_true", help="check and show the changes; write nothing")
    diff = kb_sub.add_parser("diff", help="added, removed and changed entries between two bases")
    diff.add_argument("old", type=Path, help="folder, .xlsx or .csv")
    diff.add_argument("new", type=Path, help="folder, .xlsx or .csv")

    report = sub.add_parser("report", help="reports from the anonymised event log")
    report.add_argument("what", nargs="?", choices=("summary", "unanswered"), default="summary",
                        help="summary (default) or unanswered: similar unanswered questions in groups")
    report.add_argument("--from", dest="start", type=date.fromisoformat, default=None,
                        help="first day, YYYY-MM-DD (default: 30 days before --to)")
    report.add_argument("--to", dest="end", type=date.fromisoformat, default=None,
                        help="last day, YYYY-MM-DD (default: today)")
    report.add_argument("--format", choices=("md", "html", "csv", "public"), default="md",
                        help="md, html (with charts), csv, or public (the published satisfaction summary)")
    report.add_argument("--out", type=Path, default=None, help="write to a file instead of standard output")
    report.add_argument("--xlsx", "--table", dest="table", type=Path, default=None,
                        help="unanswered: also write the groups to an .xlsx (or .csv) file")
    report.add_argument("--limit", type=int, default=20, help="unanswered: groups to print")
    report.add_argument("--kb", type=Path, default=None, help="knowledge-base folder (default: from config)")

    from bot.commands.broadcast import add_parser as add_broadcast

    add_broadcast(sub)

    from bot.commands.web import add_parsers as add_web

    add_web(sub)

    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", metavar="DB_COMMAND", required=True)
    db_sub.add_parser("upgrade", help="apply pending migrations")
    down = db_sub.add_parser("downgrade", help="revert migrations down to a revision")
    down.add_argument("revision", help="target revision, e.g. -1 or base")
    db_sub.add_parser("current", help="print the applied revision")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    setup_logging(settings.logging.level)
    try:
        return _dispatch(args, settings)
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    kb_dir = getattr(args, "kb", None) or settings.knowledge_base.path
    if args.command == "match":
        from bot.commands.match import run_match

        return run_match(kb_dir, args.queries, args.jsonl, settings)
    if args.command == "eval":
        from bot.commands.match import run_eval

        return run_eval(args.set_dir, settings)
    if args.command == "kb":
        from bot.commands import kb as kb_commands

        if args.kb_command == "export":
            return kb_commands.run_export(kb_dir, args.out)
        if args.kb_command == "import":
            return kb_commands.run_import(args.table, kb_dir, args.dry_run)
        if args.kb_command == "diff":
            return kb_commands.run_diff(args.old, args.new)
        return kb_commands.run_check(
            args.directory or settings.knowledge_base.path,
            review_days=settings.editors.review_days,
            today=datetime.now(ZoneInfo(settings.bot.timezone)).date(),
            hints=not args.no_hints,
        )
    if args.command == "report":
        from bot.commands.report import run_report

        return run_report(
            settings, args.what, args.start, args.end, args.format, args.out, args.table, args.limit, kb_dir
        )
    if args.command == "db":
        from bot.commands.db import run_db

        return asyncio.run(run_db(args.db_command, getattr(args, "revision", None), settings))
    if args.command == "broadcast":
        from bot.commands.broadcast import run_broadcast

        return asyncio.run(run_broadcast(args, settings))
    if args.command == "web":
        from bot.commands.web import run_web

        return run_web(settings)
    if args.command == "users":
        from bot.commands.web import run_users

        return asyncio.run(run_users(args, settings))
    if args.command == "chat":
        from bot.commands.chat import run_chat

        return run_chat(settings, getattr(args, "kb", None), args.user, args.fresh)
    if args.command == "run":
        from bot.commands.run import run_bot

        return run_bot(settings)
    raise AssertionError(args.command)
