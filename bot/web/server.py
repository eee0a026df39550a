"""The console's aiohttp application: sessions, CSRF, roles and security headers around the pages."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from aiohttp import web

from bot.app import App
from bot.config import WebSection
from bot.editors.reload import Reloader
from bot.web import sessions
from bot.web.roles import PAGES, ROLE_NAMES, allowed
from bot.web.throttle import LoginThrottle

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PUBLIC = ("/login", "/static/", "/healthz")
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


@dataclass
class Console:
    """What the pages need: the application (database, base, clock), the reloader, the settings."""

    app: App
    section: WebSection
    reloader: Reloader
    throttle: LoginThrottle
    templates: jinja2.Environment
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.app.settings.bot.timezone)

    @property
    def idle(self) -> timedelta:
        return timedelta(hours=self.section.session_hours)

    def secure_cookies(self, request: web.Request) -> bool:
        return self.section.base_url.startswith("https://") or request.secure


CONSOLE = web.AppKey("console", Console)
_RequestKey = getattr(web, "RequestKey", None)  # aiohttp 3.12+; plain strings before
SESSION: Any = _RequestKey("session", sessions.Session) if _RequestKey else "session"
PAGE: Any = _RequestKey("page", str) if _RequestKey else "page"


def page(name: str) -> Callable[[Handler], Handler]:
    """Mark a handler as part of a page; the middleware lets only that page's roles in."""

    def mark(handler: Handler) -> Handler:
        handler.console_page = name  # type: ignore[attr-defined]
        return handler

    return mark


def console_of(request: web.Request) -> Console:
    return request.app[CONSOLE]


def current(request: web.Request) -> sessions.Session:
    return request[SESSION]


def address(request: web.Request) -> str:
    return request.remote or ""


def render(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    console = console_of(request)
    session: sessions.Session | None = request.get(SESSION)
    nav = []
    if session is not None:
        nav = [(key, title, path) for key, (title, path, roles) in PAGES.items() if session.user.role in roles]
    body = console.templates.get_template(template).render(
        session=session, user=session.user if session else None, csrf=session.csrf if session else "",
        nav=nav, active=request.get(PAGE), role_names=ROLE_NAMES, bot_name=console.app.settings.bot.name,
        **context,
    )
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8")


def redirect(location: str) -> web.Response:
    """303 See Other: after a form, the browser loads the next page with GET."""
    return web.Response(status=303, headers={"Location": location})


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        _headers(exc.headers, "text/html")
        raise
    _headers(response.headers, response.content_type)
    return response


def _headers(headers: Any, content_type: str) -> None:
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    if content_type == "text/html":
        headers.setdefault("Cache-Control", "no-store")


@web.middleware
async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
    """No session: to /login. A page the role may not open: 403. A POST without the form's token: 403."""
    if request.path.startswith(PUBLIC):
        return await handler(request)
    console = console_of(request)
    token = request.cookies.get(sessions.COOKIE, "")
    async with console.app.db.transaction() as conn:
        session = await sessions.lookup(conn, token, console.app.clock.now(), console.idle)
    if session is None:
        target = request.path_qs if request.method == "GET" and request.path != "/" else ""
        from urllib.parse import quote

        return redirect("/login" + (f"?next={quote(target)}" if target else ""))
    request[SESSION] = session
    name = getattr(request.match_info.handler, "console_page", None)
    request[PAGE] = name
    if name is not None and not allowed(session.user.role, name):
        return render(request, "denied.html", status=403, page_title=PAGES[name][0])
    if request.method == "POST":
        sent = request.headers.get("X-CSRF-Token", "")
        if not sent and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            sent = str((await request.post()).get("csrf", ""))
        if not sessions.same(sent, session.csrf):
            return render(request, "error.html", status=403, message=(
                "Форма устарела или пришла не со страницы консоли. Обновите страницу и повторите действие."))
    return await handler(request)


def templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
    )
    env.filters["ru_num"] = lambda v, d=1: "—" if v is None else f"{v:.{d}f}".replace(".", ",")
    versions = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:10] for p in (HERE / "static").iterdir()}
    env.globals["static"] = lambda name: f"/static/{name}?v={versions.get(name, '')}"
    env.filters["local"] = lambda moment, tz: moment.astimezone(tz).strftime("%d.%m.%Y %H:%M") if moment else "—"
    return env


def build(app: App, section: WebSection, reloader: Reloader | None = None) -> web.Application:
    """The console as an aiohttp application over an already created ``App``."""
    from bot.web.views import accounts, auth, broadcasts, cases, dashboard, kb, unanswered

    console = Console(
        app, section, reloader or Reloader.for_app(app),
        LoginThrottle(section.max_failures, timedelta(minutes=section.lockout_minutes)), templates(),
    )
    web_app = web.Application(middlewares=[security_headers, authenticate], client_max_size=2 * 1024 * 1024)
    web_app[CONSOLE] = console
    web_app.router.add_static("/static/", HERE / "static")
    web_app.router.add_get("/healthz", _health)
    for module in (auth, dashboard, kb, unanswered, broadcasts, cases, accounts):
        module.routes(web_app.router)
    return web_app


async def _health(_request: web.Request) -> web.Response:
    return web.Response(text="ok")


def new_token() -> str:
    return secrets.token_urlsafe(32)


class WebRuntime:
    """The console served by one aiohttp site; ``stop`` closes it."""

    def __init__(self, runner: web.AppRunner, site: web.TCPSite) -> None:
        self.runner = runner
        self.site = site

    @property
    def port(self) -> int:
        server = self.site._server  # the bound port when 0 was asked for
        return int(server.sockets[0].getsockname()[1]) if server and server.sockets else 0

    @classmethod
    async def start(cls, app: App, section: WebSection, reloader: Reloader | None = None) -> WebRuntime:
        runner = web.AppRunner(build(app, section, reloader), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, section.listen, section.port)
        await site.start()
        runtime = cls(runner, site)
        where = section.base_url or f"http://{section.listen}:{runtime.port}"
        log.info("Web console at %s", where)
        return runtime

    async def stop(self) -> None:
        await self.runner.cleanup()
