"""Signing in and out: /login (fields ``login`` and ``password``), /logout."""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from bot.web import accounts, audit, sessions
from bot.web.roles import home
from bot.web.server import address, console_of, current, new_token, redirect, render


def routes(router: web.UrlDispatcher) -> None:
    router.add_get("/login", login_page)
    router.add_post("/login", login)
    router.add_post("/logout", logout)


def _safe_next(target: str) -> str:
    """Only a path of this console (never another site) to go to after signing in."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return ""
    return target


def _login_form(request: web.Request, error: str = "", login_value: str = "", status: int = 200) -> web.Response:
    console = console_of(request)
    token = request.cookies.get(sessions.LOGIN_CSRF_COOKIE) or new_token()
    response = render(request, "login.html", status=status, error=error, login_value=login_value,
                      login_csrf=token, next=_safe_next(request.query.get("next", "")))
    response.set_cookie(sessions.LOGIN_CSRF_COOKIE, token, httponly=True, samesite="Strict", path="/login",
                        secure=console.secure_cookies(request))
    return response


async def login_page(request: web.Request) -> web.StreamResponse:
    return _login_form(request)


async def login(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    form = await request.post()
    login_value = str(form.get("login", "")).strip()[:64]
    password = str(form.get("password", ""))
    if not sessions.same(str(form.get("csrf", "")), request.cookies.get(sessions.LOGIN_CSRF_COOKIE, "")):
        return _login_form(request, "Форма входа устарела. Введите логин и пароль ещё раз.", login_value, 403)
    now = console.app.clock.now()
    async with console.app.db.read() as conn:
        wait = await console.throttle.wait(conn, login_value, address(request), now)
    if wait is not None:
        minutes = max(1, int(wait.total_seconds() // 60) + 1)
        return _login_form(
            request, f"Слишком много неудачных попыток. Попробуйте снова через {minutes} мин.", login_value, 429
        )
    async with console.app.db.transaction() as conn:
        user = await accounts.authenticate(conn, login_value, password, now) if login_value and password else None
        if user is None:
            await audit.record(conn, now, login_value or "—", "login_failed", address=address(request))
        else:
            token = await sessions.start(conn, user.id, now, console.idle)
            await audit.record(conn, now, user.login, "login", address=address(request))
    if user is None:  # the failure in the audit log counts towards the pause
        return _login_form(request, "Неверный логин или пароль, или учётная запись отключена.", login_value, 401)
    response = redirect(_safe_next(str(form.get("next", ""))) or home(user.role))
    response.set_cookie(sessions.COOKIE, token, httponly=True, samesite="Lax", path="/",
                        secure=console.secure_cookies(request))
    response.del_cookie(sessions.LOGIN_CSRF_COOKIE, path="/login")
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    session = current(request)
    async with console.app.db.transaction() as conn:
        await sessions.end(conn, request.cookies.get(sessions.COOKIE, ""))
        await audit.record(conn, console.app.clock.now(), session.user.login, "logout", address=address(request))
    response = redirect("/login")
    response.del_cookie(sessions.COOKIE, path="/")
    return response
