"""The web console over HTTP (aiohttp's test client): sign-in, sessions, roles, CSRF, throttling, accounts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.web.roles import PAGES
from tests.conftest import ROOT
from tests.web_harness import PASSWORDS, running_console

PAGE_PATHS = ["/", "/kb", "/kb/new", "/kb/history", "/kb/entry/ip-registration", "/unanswered", "/broadcasts",
              "/broadcasts/1", "/cases", "/accounts", "/report.html"]


async def test_without_a_session_every_page_redirects_to_login(tmp_path: Path) -> None:
    async with running_console(tmp_path) as h:
        for path in PAGE_PATHS:
            response = await h.client.get(path, allow_redirects=False)
            assert response.status == 303, path
            assert response.headers["Location"].startswith("/login"), path
        response = await h.client.post("/kb/draft", data={"answer": "x"}, allow_redirects=False)
        assert response.status == 303 and response.headers["Location"].startswith("/login")
        page = await h.client.get("/login")
        text = await page.text()
        assert 'name="login"' in text and 'name="password"' in text and "Вход в консоль" in text


async def test_login_lands_on_the_roles_first_page_and_logout_ends_the_session(tmp_path: Path) -> None:
    async with running_console(tmp_path) as h:
        response = await h.login("operator")
        assert response.status == 303 and response.headers["Location"] == "/cases"
        assert (await h.client.get("/cases")).status == 200
        await h.logout()
        assert (await h.client.get("/cases", allow_redirects=False)).status == 303
        response = await h.login("editor")
        assert response.headers["Location"] == "/"


async def test_login_goes_back_to_the_page_asked_for_but_never_to_another_site(tmp_path: Path) -> None:
    async with running_console(tmp_path) as h:
        page = await h.client.get("/login?next=/kb/history")
        from tests.web_harness import csrf_of

        token = csrf_of(await page.text())
        ok = await h.client.post("/login", data={"login": "editor", "password": PASSWORDS["editor"], "csrf": token,
                                                 "next": "/kb/history"}, allow_redirects=False)
        assert ok.headers["Location"] == "/kb/history"
        await h.logout()
        page = await h.client.get("/login")
        token = csrf_of(await page.text())
        evil = await h.client.post("/login", data={"login": "editor", "password": PASSWORDS["editor"], "csrf": token,
                                                   "next": "//evil.example/steal"}, allow_redirects=False)
        assert evil.headers["Location"] == "/"


async def test_wrong_password_unknown_login_and_a_login_form_without_its_token(tmp_path: Path) -> None:
    async with running_console(tmp_path) as h:
        wrong = await h.login("editor", "not-the-password")
        assert wrong.status == 401
        assert "Неверный логин или пароль" in await wrong.text()
        unknown = await h.login("nobody", "whatever-password")
        assert unknown.status == 401
        forged = await h.client.post("/login", data={"login": "editor", "password": PASSWORDS["editor"]},
                                     allow_redirects=False)
        assert forged.status == 403
        assert sessions_cookie(h) is None


def sessions_cookie(h) -> str | None:  # type: ignore[no-untyped-def]
    for cookie in h.client.session.cookie_jar:
        if cookie.key == "console_session":
            return cookie.value
    return None


async def test_login_is_throttled_after_repeated_failures(tmp_path: Path) -> None:
    async with running_console(tmp_path, BOT_WEB__MAX_FAILURES="3") as h:
        for _ in range(3):
            assert (await h.login("editor", "wrong-password-1")).status == 401
        blocked = await h.login("editor")  # even the right password waits
        assert blocked.status == 429
        assert "Слишком много неудачных попыток" in await blocked.text()
        assert (await h.login("analyst")).status == 303  # another login from the same address still works
        await h.logout()
        for number in range(9):  # the address pauses after 4 × 3 failures, whichever logins were tried
            assert (await h.login(f"guess{number}", "wrong-password-1")).status == 401
        assert (await h.login("analyst")).status == 429
        async with h.app.db.read() as conn:
            from bot.web import audit

            actions = [line.action for line in await audit.recent(conn)]
        assert actions.count("login_failed") == 12
        # another console process on the same database (or this one restarted) keeps the pause
        from datetime import timedelta

        from bot.web.throttle import LoginThrottle

        other = LoginThrottle(3, timedelta(minutes=15))
        now = h.app.clock.now()
        async with h.app.db.read() as conn:
            assert await other.wait(conn, "editor", "10.0.0.9", now) is not None  # the login still waits
            assert await other.wait(conn, "analyst", "10.0.0.9", now) is None  # its success counts
            assert await other.wait(conn, "guess0", "10.0.0.9", now) is None  # one failure only
            assert await other.wait(conn, "someone", "127.0.0.1", now) is not None  # the address waits


@pytest.mark.parametrize("role", ["admin", "editor", "analyst", "operator"])
async def test_each_page_lets_only_its_roles_in(tmp_path: Path, role: str) -> None:
    async with running_console(tmp_path) as h:
        await h.login(role)
        for title, path, roles in PAGES.values():
            response = await h.client.get(path, allow_redirects=False)
            text = await response.text()
            if role in roles:
                assert response.status == 200, (role, path)
            else:
                assert response.status == 403, (role, path)
                assert "Нет доступа" in text and title in text
        page = await (await h.client.get(PAGES["cases"][1] if role in PAGES["cases"][2] else "/kb")).text()
        menu = page.split("<nav>")[1].split("</nav>")[0]
        for title, _path, roles in PAGES.values():
            assert (title in menu) == (role in roles), (role, title)


async def test_every_form_needs_the_sessions_csrf_token(tmp_path: Path) -> None:
    async with running_console(tmp_path) as h:
        await h.login("admin")
        form = {"new_login": "ivanova", "role": "editor", "new_password": "длинный-пароль-1",
                "new_password2": "длинный-пароль-1"}
        missing = await h.client.post("/accounts/add", data=form, allow_redirects=False)
        assert missing.status == 403 and "Форма устарела" in await missing.text()
        forged = await h.client.post("/accounts/add", data={**form, "csrf": "x" * 43}, allow_redirects=False)
        assert forged.status == 403
        hints = await h.client.post("/kb/hints", json={"answer": "текст"})
        assert hints.status == 403
        ok = await h.post("/accounts/add", form, page="/accounts")
        assert ok.status == 200 and "Учётная запись ivanova (редактор) добавлена" in await ok.text()


async def test_security_headers_and_cookie_flags(tmp_path: Path) -> None:
    async with running_console(tmp_path, BOT_WEB__BASE_URL="https://console.example.org") as h:
        page = await h.client.get("/login")
        assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
        assert page.headers["X-Frame-Options"] == "DENY"
        assert page.headers["X-Content-Type-Options"] == "nosniff"
        assert page.cookies["console_login"]["secure"]  # behind HTTPS the browser sends it back
        from tests.web_harness import csrf_of

        token = csrf_of(await page.text())
        response = await h.client.post(
            "/login", data={"login": "admin", "password": PASSWORDS["admin"], "csrf": token},
            headers={"Cookie": f"console_login={token}"}, allow_redirects=False,
        )
        assert response.status == 303
        cookie = response.cookies["console_session"]
        assert cookie["httponly"] and cookie["secure"] and cookie["samesite"] == "Lax"


async def test_admin_manages_accounts_with_clear_refusals(tmp_path: Path) -> None:
    async with running_console(tmp_path) as h:
        await h.login("admin")
        short = await h.post("/accounts/add", {"new_login": "petrov", "role": "analyst", "new_password": "short",
                                               "new_password2": "short"}, page="/accounts")
        assert short.status == 422 and "Пароль слишком короткий" in await short.text()
        mismatch = await h.post("/accounts/add", {
            "new_login": "petrov", "role": "analyst", "new_password": "достаточно-длинный",
            "new_password2": "другой-пароль"}, page="/accounts")
        assert "Пароли не совпадают" in await mismatch.text()
        duplicate = await h.post("/accounts/add", {"new_login": "editor", "role": "analyst",
                                                   "new_password": "достаточно-длинный",
                                                   "new_password2": "достаточно-длинный"}, page="/accounts")
        assert "уже есть" in await duplicate.text()
        async with h.app.db.read() as conn:
            from bot.web import accounts

            admin = await accounts.find(conn, "admin")
            editor = await accounts.find(conn, "editor")
        assert admin is not None and editor is not None
        self_off = await h.post(f"/accounts/{admin.id}", {"action": "disable"}, page="/accounts")
        assert "Нельзя отключить собственную" in await self_off.text()
        demote = await h.post(f"/accounts/{admin.id}", {"action": "role", "role": "editor"}, page="/accounts")
        assert "последний администратор" in await demote.text()
        # an editor signed in elsewhere is signed out when the admin switches the account off
        import aiohttp

        from tests.web_harness import csrf_of

        url = h.client.make_url
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as second:
            token = csrf_of(await (await second.get(url("/login"))).text())
            await second.post(url("/login"), data={"login": "editor", "password": PASSWORDS["editor"], "csrf": token})
            assert (await second.get(url("/kb"), allow_redirects=False)).status == 200
            off = await h.post(f"/accounts/{editor.id}", {"action": "disable"}, page="/accounts")
            assert "отключена" in await off.text()
            assert (await second.get(url("/kb"), allow_redirects=False)).status == 303
            token = csrf_of(await (await second.get(url("/login"))).text())
            again = await second.post(url("/login"), data={"login": "editor", "password": PASSWORDS["editor"],
                                                           "csrf": token}, allow_redirects=False)
            assert again.status == 401
        log = await (await h.client.get("/accounts")).text()
        assert "учётная запись отключена" in log and "вход" in log


def test_users_add_reads_the_password_from_standard_input(tmp_path: Path) -> None:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_") or k == "BOT_MATCHER__SEMANTIC"}
    env["BOT_BOT__DATA_DIR"] = str(tmp_path / "data")

    def bot(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
                              cwd=ROOT, env=env, check=False, timeout=120)

    added = bot("users", "add", "smirnova", "--role", "editor", stdin="очень-секретный-пароль\n")
    assert added.returncode == 0, added.stderr
    assert "smirnova" in added.stdout
    again = bot("users", "add", "smirnova", "--role", "editor", stdin="очень-секретный-пароль\n")
    assert again.returncode == 1 and "уже есть" in again.stderr
    weak = bot("users", "add", "kozlov", "--role", "analyst", stdin="123\n")
    assert weak.returncode == 1 and "Пароль слишком короткий" in weak.stderr
    listed = bot("users", "list")
    assert "smirnova" in listed.stdout and "editor" in listed.stdout
    assert "очень-секретный-пароль" not in listed.stdout
    disabled = bot("users", "disable", "smirnova")
    assert disabled.returncode == 0
    assert "disabled" in bot("users", "list").stdout


def _start(args: list[str], tmp_path: Path, **env_extra: str) -> tuple[subprocess.Popen[str], str]:
    """Start ``python -m bot ARGS`` and wait for the console's address in its standard error."""
    import os
    import re as regex

    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_") or k == "BOT_MATCHER__SEMANTIC"}
    env.update({"BOT_BOT__DATA_DIR": str(tmp_path / "data"), "BOT_WEB__PORT": "0", "BOT_EDITORS__WATCH": "false",
                **env_extra})
    proc = subprocess.Popen([sys.executable, "-m", "bot", *args], stdin=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, text=True, cwd=ROOT, env=env)
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        found = regex.search(r"(http://127\.0\.0\.1:\d+)", line)
        if found and ":0" not in found.group(1):
            return proc, found.group(1)
    raise AssertionError("".join(seen))


def test_bot_web_serves_the_console_alone(tmp_path: Path) -> None:
    import signal
    import urllib.request

    proc, address = _start(["web"], tmp_path)
    try:
        with urllib.request.urlopen(f"{address}/login", timeout=10) as response:
            assert response.status == 200
            assert 'name="password"' in response.read().decode()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0


def test_bot_run_serves_the_console_too_when_enabled(tmp_path: Path) -> None:
    import urllib.request

    proc, address = _start(["run"], tmp_path, BOT_WEB__ENABLED="true")
    try:
        with urllib.request.urlopen(f"{address}/login", timeout=10) as response:
            assert response.status == 200
    finally:
        assert proc.stdin is not None
        proc.stdin.close()  # the console channel ends at the end of input, and the web console with it
        assert proc.wait(timeout=30) == 0
