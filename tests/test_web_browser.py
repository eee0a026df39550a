"""The web console in a real headless Chromium (Debian's package, driven by Playwright's client).

Set CONSOLE_SCREENSHOTS_DIR=docs to refresh the guide's screenshots (docs/console-*.png)."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from tests.web_harness import PASSWORDS, Harness, running_console

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--lang=ru"]
DOG_QUESTION = "можно ли выгуливать собаку на пляже без намордника"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason="no chromium binary (install Debian's package: apt-get install -y chromium)"),
]


@asynccontextmanager
async def browser_page(tmp_path: Path) -> AsyncIterator[object]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1280, "height": 860}, locale="ru-RU")
            page = await context.new_page()
            page.set_default_timeout(20_000)
            yield page
        finally:
            await browser.close()


def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("CONSOLE_SCREENSHOTS_DIR") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def sign_in(page, h: Harness, role: str) -> None:  # type: ignore[no-untyped-def]
    await page.goto(str(h.client.make_url("/kb")))
    assert page.url.endswith("/login?next=/kb")  # without a session every page leads to /login
    await page.fill("input[name=login]", role)
    await page.fill("input[name=password]", PASSWORDS[role])
    await page.click("button[type=submit]")


async def test_editor_edits_checks_and_publishes_then_the_bot_answers(tmp_path: Path) -> None:
    folder = shots(tmp_path)
    async with running_console(tmp_path) as h, browser_page(tmp_path) as page:
        await h.ask("/start", "#2", "как открыть ипшку", "#1", "#1", "#1", user="p1")
        await sign_in(page, h, "editor")
        await page.wait_for_url("**/kb")
        await page.fill("input[name=q]", "ипшку")
        await page.click("form.filters button[type=submit]")
        await page.click("text=Как зарегистрироваться в качестве ИП?")
        await page.wait_for_url("**/kb/entry/ip-registration")

        answer = page.locator("textarea[name=answer]")
        await answer.fill("Данная услуга осуществляется в установленном порядке.")
        await page.wait_for_selector("#hints li:has-text('канцелярит')")  # hints as you type
        new_answer = "Откройте ИП онлайн на Госуслугах за 3 рабочих дня. Возьмите паспорт и ИНН."
        await answer.fill(new_answer)
        await page.wait_for_selector("#hints li.muted")
        paraphrases = page.locator("textarea[name=paraphrases]")
        await paraphrases.fill((await paraphrases.input_value()) + "\nхочу открыть ипэшку для кофейни")

        await page.fill("input[name=query]", "хочу открыть ипэшку для кофейни")
        await page.click("button[value=check]")
        await page.wait_for_selector("#check-result")
        assert await page.inner_text("#check-result .decision") == "ответ сразу"
        assert "ip-registration" in await page.inner_text("#check-result .top li:first-child")
        await page.screenshot(path=str(folder / "console-kb-edit.png"), full_page=True)

        await page.click("button[value=preview]")
        await page.wait_for_selector("#preview")
        assert "ответ: текст изменён" in await page.inner_text("#preview")
        await page.click("#preview summary")
        await page.screenshot(path=str(folder / "console-kb-publish.png"), full_page=True)
        await page.click("button[value=publish]")
        await page.wait_for_url("**/kb/entry/ip-registration?published=1")
        assert "Изменения опубликованы" in await page.inner_text(".notice")
        assert "editor" in await page.inner_text("table.history")

        reply = await h.ask("/start", "#2", "хочу открыть ипэшку для кофейни", user="p2")
        assert "Откройте ИП онлайн на Госуслугах за 3 рабочих дня" in reply
        assert "Откройте ИП онлайн" in (h.kb / "business-registration.yaml").read_text("utf-8")

        await page.goto(str(h.client.make_url("/kb")))
        await page.screenshot(path=str(folder / "console-kb.png"))
        for person, question in (("p3", "как заменить паспорт"), ("p4", "справка о многодетности"),
                                 ("p5", "можно ли купаться в фонтане"), ("p6", "оплата детского сада льготы")):
            await h.ask("/start", "#1", question, "#1", "#1", "#2", user=person)
        await page.goto(str(h.client.make_url("/")))
        await page.wait_for_selector(".kpi")
        await page.screenshot(path=str(folder / "console-dashboard.png"), full_page=False)


async def test_a_new_entry_from_an_unanswered_group(tmp_path: Path) -> None:
    folder = shots(tmp_path)
    async with running_console(tmp_path) as h, browser_page(tmp_path) as page:
        for person in ("p1", "p2", "p3"):
            await h.ask("/start", "#1", DOG_QUESTION, user=person)
        for person in ("p4", "p5"):
            await h.ask("/start", "#1", "куда сдать старый холодильник на утилизацию", user=person)
        await sign_in(page, h, "editor")
        await page.goto(str(h.client.make_url("/unanswered")))
        group = page.locator("section.cluster", has_text=DOG_QUESTION)
        assert "людей: 3" in await group.inner_text()
        await page.screenshot(path=str(folder / "console-unanswered.png"), full_page=True)
        await group.locator("text=Новая статья из группы").click()
        await page.wait_for_url("**/kb/new?cluster=*")
        assert await page.input_value("input[name=question]") == "Можно ли выгуливать собаку на пляже без намордника?"
        assert DOG_QUESTION in await page.input_value("textarea[name=paraphrases]")
        await page.fill("input[name=id]", "dogs-on-beaches")
        await page.select_option("select[name=topic_id]", "housing-utilities")
        await page.fill("textarea[name=answer]",
                        "Нет: на городских пляжах собак выгуливать нельзя. Гуляйте с собакой на специальных площадках.")
        await page.fill("input[name=query]", "собаку на пляж без намордника можно?")
        await page.click("button[value=check]")
        await page.wait_for_selector("#check-result")
        assert "dogs-on-beaches" in await page.inner_text("#check-result .top li:first-child")
        await page.click("button[value=preview]")
        await page.wait_for_selector("#preview")
        await page.click("button[value=publish]")
        await page.wait_for_url("**/kb/entry/dogs-on-beaches?published=1")
        assert "Гуляйте с собакой на специальных площадках" in await h.ask(DOG_QUESTION, user="p7")
        await page.goto(str(h.client.make_url("/unanswered")))
        assert DOG_QUESTION not in await page.inner_text("main")


async def test_compose_and_preview_a_broadcast(tmp_path: Path) -> None:
    from tests.test_web_pages import _consenting_person

    folder = shots(tmp_path)
    async with running_console(tmp_path) as h, browser_page(tmp_path) as page:
        await _consenting_person(h, "111")
        await _consenting_person(h, "222")
        await sign_in(page, h, "editor")
        await page.goto(str(h.client.make_url("/broadcasts")))
        await page.fill("textarea[name=text]", "С 1 декабря **МФЦ** работает и по субботам, с 9 до 14 часов.")
        await page.select_option("select[name=segment]", "citizen")
        await page.click("#compose button.primary")
        await page.wait_for_selector("#message-preview")
        shown = await page.inner_text("#message-preview")
        assert "МФЦ работает и по субботам" in shown
        assert "Это сообщение пришло, потому что вы включили новости" in shown
        assert await page.inner_text("#consented") == "2"
        assert await page.inner_text("#message-preview b") == "МФЦ"
        await page.screenshot(path=str(folder / "console-broadcasts.png"), full_page=True)
        await page.click("text=Сохранить черновик")
        await page.wait_for_url("**/broadcasts/1")
        await page.click("text=Запланировать")
        await page.wait_for_url("**/broadcasts/1")
        assert "запланирована" in await page.inner_text("h1")


async def test_a_role_is_refused_a_page(tmp_path: Path) -> None:
    folder = shots(tmp_path)
    async with running_console(tmp_path) as h, browser_page(tmp_path) as page:
        await page.goto(str(h.client.make_url("/login")))
        await page.screenshot(path=str(folder / "console-login.png"))
        await sign_in(page, h, "analyst")
        await page.wait_for_url("**/kb")
        assert "Нет доступа" in await page.inner_text("main")
        assert "недоступен для роли «аналитик»" in await page.inner_text("main")
        nav = await page.inner_text("header nav")
        assert "База знаний" not in nav and "Показатели" in nav
        await page.goto(str(h.client.make_url("/cases")))
        assert "Обращения к операторам" in await page.inner_text("h1")
        await page.click("text=Выйти")
        await page.wait_for_url("**/login")
        await sign_in(page, h, "admin")
        await page.goto(str(h.client.make_url("/accounts")))
        await page.fill("input[name=new_login]", "sidorova")
        await page.select_option("form[action='/accounts/add'] select[name=role]", "operator")
        await page.fill("input[name=new_password]", "пароль-оператора-1")
        await page.fill("input[name=new_password2]", "пароль-оператора-1")
        await page.click("form[action='/accounts/add'] button")
        await page.wait_for_selector(".notice")
        assert "sidorova" in await page.inner_text("main table")
        await page.screenshot(path=str(folder / "console-accounts.png"), full_page=False)
