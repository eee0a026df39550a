"""Accounts (admins only): add accounts, switch them off and on, change roles and passwords; the audit log."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.web import accounts, audit
from bot.web.roles import ADMIN, ROLE_NAMES, ROLES
from bot.web.server import address, console_of, current, page, redirect, render


def routes(router: web.UrlDispatcher) -> None:
    router.add_get("/accounts", listing)
    router.add_post("/accounts/add", add)
    router.add_post("/accounts/{id:\\d+}", change)


async def _page(request: web.Request, status: int = 200, **context: Any) -> web.Response:
    console = console_of(request)
    async with console.app.db.read() as conn:
        users = await accounts.listing(conn)
        log = await audit.recent(conn, 100)
    values: dict[str, Any] = {"problems": [], "notice": "", "form": {}}
    values.update(context)
    return render(request, "accounts.html", status=status, users=users, log=log, roles=ROLES,
                  tz=console.tz, min_password=accounts.MIN_PASSWORD, **values)


@page("accounts")
async def listing(request: web.Request) -> web.Response:
    return await _page(request)


@page("accounts")
async def add(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    form = await request.post()
    login = str(form.get("new_login", "")).strip()
    role = str(form.get("role", ""))
    password = str(form.get("new_password", ""))
    keep = {"new_login": login, "role": role}
    if password != str(form.get("new_password2", "")):
        return await _page(request, 422, problems=["Пароли не совпадают."], form=keep)
    now = console.app.clock.now()
    admin = current(request).user
    try:
        async with console.app.db.transaction() as conn:
            await accounts.add_user(conn, login, password, role, now)
            await audit.record(conn, now, admin.login, "user_added", login, ROLE_NAMES.get(role), address(request))
    except accounts.AccountError as exc:
        return await _page(request, 422, problems=[str(exc)], form=keep)
    return await _page(request, notice=f"Учётная запись {login} ({ROLE_NAMES[role]}) добавлена.")


@page("accounts")
async def change(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    form = await request.post()
    admin = current(request).user
    now = console.app.clock.now()
    action = str(form.get("action", ""))
    try:
        async with console.app.db.transaction() as conn:
            user = await accounts.get(conn, int(request.match_info["id"]))
            if user is None:
                raise accounts.AccountError("Такой учётной записи нет.")
            last_admin = user.role == ADMIN and user.active and await accounts.active_admins(conn) <= 1
            if action == "disable":
                if user.id == admin.id:
                    raise accounts.AccountError("Нельзя отключить собственную учётную запись.")
                if last_admin:
                    raise accounts.AccountError("Это последний администратор — сначала назначьте другого.")
                await accounts.set_active(conn, user.id, False)
                await audit.record(conn, now, admin.login, "user_disabled", user.login, address=address(request))
                notice = f"Учётная запись {user.login} отключена; её сеансы завершены."
            elif action == "enable":
                await accounts.set_active(conn, user.id, True)
                await audit.record(conn, now, admin.login, "user_enabled", user.login, address=address(request))
                notice = f"Учётная запись {user.login} снова включена."
            elif action == "role":
                role = accounts.check_role(str(form.get("role", "")))
                if last_admin and role != ADMIN:
                    raise accounts.AccountError("Это последний администратор — сначала назначьте другого.")
                await accounts.set_role(conn, user.id, role)
                await audit.record(conn, now, admin.login, "role_changed", user.login, ROLE_NAMES[role],
                                   address(request))
                notice = f"{user.login}: роль «{ROLE_NAMES[role]}»."
            elif action == "password":
                await accounts.set_password(conn, user.id, str(form.get("password", "")))
                await audit.record(conn, now, admin.login, "password_set", user.login, address=address(request))
                notice = f"{user.login}: пароль изменён, прежние сеансы завершены."
            else:
                raise accounts.AccountError("Неизвестное действие.")
    except accounts.AccountError as exc:
        return await _page(request, 422, problems=[str(exc)])
    if action in ("disable", "password") and user.id == admin.id:
        return redirect("/login")
    return await _page(request, notice=notice)
