"""``bot web`` (the web console alone) and ``bot users`` (console accounts from the shell)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import signal
import sys
from datetime import UTC, datetime

from bot.config import Settings
from bot.kb import KnowledgeBaseError
from bot.storage import Database, upgrade
from bot.web.roles import ROLE_NAMES, ROLES


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sub.add_parser("web", help="serve the web console for editors, analysts and supervisors ([web] settings)")
    users = sub.add_parser("users", help="web console accounts")
    u_sub = users.add_subparsers(dest="users_command", metavar="USERS_COMMAND", required=True)
    add = u_sub.add_parser("add", help="add an account; the password is read from standard input")
    add.add_argument("login", help="the name to sign in with: 2-64 latin letters, digits and . _ @ -")
    add.add_argument("--role", required=True, choices=ROLES,
                     help="admin: everything; editor: KB, unanswered, broadcasts, dashboard; analyst: dashboard, "
                          "unanswered, cases (pseudonyms only); operator: cases")
    u_sub.add_parser("list", help="accounts, roles and last logins")
    for name, text in (("disable", "switch an account off (its sessions end)"), ("enable", "switch it on again"),
                       ("password", "set a new password, read from standard input")):
        one = u_sub.add_parser(name, help=text)
        one.add_argument("login", help="the account's login")


def _read_password() -> str:
    """From a terminal: asked twice without echo. From a pipe: the first line."""
    if sys.stdin.isatty():
        first = getpass.getpass("Пароль: ")
        if getpass.getpass("Ещё раз: ") != first:
            raise ValueError("Пароли не совпадают.")
        return first
    return sys.stdin.readline().rstrip("\r\n")


async def run_users(args: argparse.Namespace, settings: Settings) -> int:
    from bot.web import accounts

    db = Database(settings.database_url)
    try:
        if settings.database.auto_migrate:
            await upgrade(db.engine)
        now = datetime.now(UTC)
        command = args.users_command
        if command == "list":
            async with db.read() as conn:
                for user in await accounts.listing(conn):
                    last = user.last_login_at.strftime("%Y-%m-%d %H:%M") if user.last_login_at else "never"
                    state = "active" if user.active else "disabled"
                    print(f"{user.login:<24} {user.role:<9} {state:<9} last login {last}")
            return 0
        if command == "add":
            password = _read_password()
            async with db.transaction() as conn:
                await accounts.add_user(conn, args.login, password, args.role, now)
            print(f"Account {args.login} added ({args.role}: {ROLE_NAMES[args.role]}).")
            return 0
        async with db.transaction() as conn:
            user = await accounts.find(conn, args.login)
            if user is None:
                print(f"No account {args.login}.", file=sys.stderr)
                return 1
            if command == "password":
                await accounts.set_password(conn, user.id, _read_password())
                print(f"Password of {args.login} changed; its sessions ended.")
            else:
                await accounts.set_active(conn, user.id, command == "enable")
                print(f"Account {args.login} {'enabled' if command == 'enable' else 'disabled'}.")
        return 0
    except (accounts.AccountError, ValueError) as exc:
        print(f"Refused: {exc}", file=sys.stderr)
        return 1
    finally:
        await db.dispose()


async def serve_web(settings: Settings, stop: asyncio.Event | None = None) -> int:
    """The console alone (with the knowledge-base watcher), until SIGINT/SIGTERM or ``stop``."""
    from bot.app import App
    from bot.editors.reload import Reloader, start_watcher, stop_watcher
    from bot.web.server import WebRuntime

    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        app = await App.create(settings)
    except KnowledgeBaseError as exc:
        print(f"The knowledge base has errors; fix them and start again:\n{exc}", file=sys.stderr)
        return 1
    reloader = Reloader.for_app(app)
    watcher = start_watcher(reloader) if settings.editors.watch else None
    try:
        runtime = await WebRuntime.start(app, settings.web, reloader)
    except OSError as exc:
        await stop_watcher(watcher)
        await app.close()
        print(f"Cannot listen on {settings.web.listen}:{settings.web.port} ({exc.strerror}); "
              "set another port with BOT_WEB__PORT.", file=sys.stderr)
        return 1
    where = settings.web.base_url or f"http://{settings.web.listen}:{runtime.port}"
    print(f"Веб-консоль: {where}/login (остановить — Ctrl+C)", file=sys.stderr)
    try:
        await stop.wait()
        return 0
    finally:
        await runtime.stop()
        await stop_watcher(watcher)
        await app.close()


def run_web(settings: Settings) -> int:
    try:
        return asyncio.run(serve_web(settings))
    except KeyboardInterrupt:
        return 130
