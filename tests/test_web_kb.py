"""The console's knowledge-base editor over HTTP: validation, «Проверить вопрос» against the draft,
publish with a diff preview written back to YAML and hot-reloaded, history; unanswered groups."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from sqlalchemy import select

from bot.storage.models import DismissedCluster, KBChange
from bot.web.kb_edit import Draft
from tests.web_harness import Harness, running_console

NEW_ANSWER = "Откройте ИП онлайн на Госуслугах: заполните заявление Р21001, и через 3 рабочих дня придёт лист записи."
DOG_QUESTION = "можно ли выгуливать собаку на пляже без намордника"


def editor_form(h: Harness, entry_id: str, **changes: str) -> dict[str, str]:
    form = Draft.from_entry(h.app.knowledge.current.base.entries[entry_id]).form()
    form.update(changes)
    form.setdefault("version", h.app.knowledge.current.version)
    form.setdefault("new", "0")
    return form


def plain(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


async def test_edit_check_preview_publish_and_the_bot_answers_the_new_text(tmp_path: Path) -> None:
    async with running_console(tmp_path) as h:
        await h.login("editor")
        page = "/kb/entry/ip-registration"
        assert "Как зарегистрироваться в качестве ИП?" in await (await h.client.get(page)).text()
        form = editor_form(h, "ip-registration", answer=NEW_ANSWER)
        form["paraphrases"] += "\nхочу открыть ипэшку для кофейни"

        checked = await h.post("/kb/draft", {**form, "action": "check", "query": "открыть ипэшку для кофейни"},
                               page=page)
        text = plain(await checked.text())
        assert checked.status == 200
        assert "Решение бота: ответ сразу" in text
        assert "Как зарегистрироваться в качестве ИП? ip-registration" in text

        preview = await h.post("/kb/draft", {**form, "action": "preview"}, page=page)
        body = await preview.text()
        assert "Что изменится" in body and "ответ</b>: текст изменён" in body
        assert "+ хочу открыть ипэшку для кофейни" in body
        assert "business-registration.yaml" in body
        assert "Р21001" in (tmp_path / "kb" / "business-registration.yaml").read_text("utf-8")  # not yet written
        assert h.app.knowledge.current.base.entries["ip-registration"].answer != NEW_ANSWER

        published = await h.post("/kb/draft", {**form, "action": "publish"}, page=page)
        assert published.status == 303
        assert published.headers["Location"] == "/kb/entry/ip-registration?published=1"
        saved = yaml.safe_load((tmp_path / "kb" / "business-registration.yaml").read_text("utf-8"))
        entry = next(e for e in saved["entries"] if e["id"] == "ip-registration")
        assert entry["answer"].strip() == NEW_ANSWER
        assert "хочу открыть ипэшку для кофейни" in entry["paraphrases"]
        assert h.app.knowledge.current.base.entries["ip-registration"].answer.strip() == NEW_ANSWER

        reply = await h.ask("/start", "#2", "хочу открыть ипэшку для кофейни")
        assert "через 3 рабочих дня придёт лист записи" in reply

        after = plain(await (await h.client.get(published.headers["Location"])).text())
        assert "Изменения опубликованы" in after
        assert "editor" in after and "ответ: текст изменён" in after
        async with h.app.db.read() as conn:
            rows = (await conn.execute(select(KBChange))).all()
        assert [(r.login, r.entry_id, r.action) for r in rows] == [("editor", "ip-registration", "changed")]
        assert "ip-registration" in plain(await (await h.client.get("/kb/history")).text())


async def test_only_the_edited_entry_changes_in_the_file(tmp_path: Path) -> None:
    async with running_console(tmp_path) as h:
        await h.login("editor")
        path = tmp_path / "kb" / "business-registration.yaml"
        before = path.read_text("utf-8").splitlines()
        form = editor_form(h, "ip-registration", owner="Отдел малого бизнеса")
        response = await h.post("/kb/draft", {**form, "action": "publish"}, page="/kb/entry/ip-registration")
        assert response.status == 303
        after = path.read_text("utf-8").splitlines()
        changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
        assert changed == [("    owner: Центр «Мой бизнес»", "    owner: Отдел малого бизнеса")]


async def test_bad_drafts_are_refused_with_plain_messages_and_nothing_is_written(tmp_path: Path) -> None:
    async with running_console(tmp_path) as h:
        await h.login("editor")
        path = tmp_path / "kb" / "business-registration.yaml"
        original = path.read_text("utf-8")
        page = "/kb/entry/ip-registration"
        cases = [
            ({"answer": ""}, "Заполните ответ."),
            ({"question": ""}, "Заполните вопрос."),
            ({"related": "no-such-entry"}, "Связанной статьи «no-such-entry» нет в базе."),
            ({"links": "Госуслуги | gosuslugi.ru"}, "адрес должен начинаться с https://"),
            ({"updated": "31.02.2026"}, "укажите дату в виде ГГГГ-ММ-ДД"),
            ({"answer": "а" * 4000}, "помещается не больше 3500"),
        ]
        for change, message in cases:
            response = await h.post("/kb/draft", {**editor_form(h, "ip-registration", **change), "action": "publish"},
                                    page=page)
            assert response.status == 422, change
            assert message in await response.text(), change
        assert path.read_text("utf-8") == original
        new = {**editor_form(h, "ip-registration"), "new": "1", "action": "preview"}
        duplicate = await h.post("/kb/draft", new, page="/kb/new")
        assert "уже есть" in await duplicate.text()
        bad_id = await h.post("/kb/draft", {**new, "id": "Новая статья"}, page="/kb/new")
        assert "Код статьи" in await bad_id.text()


async def test_a_base_changed_meanwhile_is_not_overwritten_silently(tmp_path: Path) -> None:
    async with running_console(tmp_path) as h:
        await h.login("editor")
        form = editor_form(h, "ip-registration", answer=NEW_ANSWER, version="0000000000000000")
        response = await h.post("/kb/draft", {**form, "action": "publish"}, page="/kb/entry/ip-registration")
        assert response.status == 200
        assert "Пока вы редактировали, база знаний изменилась" in await response.text()
        assert h.app.knowledge.current.base.entries["ip-registration"].answer != NEW_ANSWER


async def test_hints_as_you_type(tmp_path: Path) -> None:
    async with running_console(tmp_path) as h:
        await h.login("editor")
        token = await h.csrf("/kb/entry/ip-registration")
        response = await h.client.post(
            "/kb/hints", headers={"X-CSRF-Token": token},
            json={"answer": "Данная услуга осуществляется в установленном порядке на основании заявления."},
        )
        hints = (await response.json())["hints"]
        assert any("канцелярит" in hint for hint in hints)
        clean = await h.client.post("/kb/hints", headers={"X-CSRF-Token": token},
                                    json={"answer": "Подайте заявление в МФЦ. Возьмите паспорт."})
        assert (await clean.json())["hints"] == []


async def test_search_and_filters(tmp_path: Path) -> None:
    async with running_console(tmp_path) as h:
        await h.login("editor")
        found = plain(await (await h.client.get("/kb", params={"q": "ипшку"})).text())
        assert "Как зарегистрироваться в качестве ИП?" in found
        assert "Как записать ребёнка в первый класс?" not in found
        topic = plain(await (await h.client.get("/kb", params={"topic": "transport"})).text())
        assert "Где купить транспортную карту" in topic and "Как зарегистрироваться в качестве ИП?" not in topic
        owner = plain(await (await h.client.get("/kb", params={"owner": "Центр «Мой бизнес»"})).text())
        assert "Как зарегистрироваться в качестве ИП?" in owner
        nothing = plain(await (await h.client.get("/kb", params={"q": "абырвалг"})).text())
        assert "Ничего не найдено" in nothing
        due = plain(await (await h.client.get("/kb", params={"due": "1"})).text())
        assert "Ничего не найдено" in due or "пора проверить" in due


async def test_unanswered_group_becomes_a_new_entry_and_leaves_the_list(tmp_path: Path) -> None:
    async with running_console(tmp_path) as h:
        for person in ("p1", "p2", "p3"):
            await h.ask("/start", "#1", DOG_QUESTION, user=person)
        await h.login("editor")
        listing = await (await h.client.get("/unanswered")).text()
        assert DOG_QUESTION in listing and "людей: 3" in listing
        key = re.search(r'/kb/new\?cluster=([0-9a-f]+)', listing)
        assert key is not None
        start = await h.client.get(f"/kb/new?cluster={key.group(1)}")
        body = await start.text()
        assert "Можно ли выгуливать собаку на пляже без намордника?" in body
        form = Draft(id="", topic_id="").form()
        form.update({
            "id": "dogs-on-beaches", "topic_id": "housing-utilities", "new": "1", "cluster": key.group(1),
            "question": "Можно ли выгуливать собаку на пляже без намордника?",
            "paraphrases": f"{DOG_QUESTION}\nсобака на пляже", "keywords": "собака, пляж, намордник",
            "answer": "Нет: на городских пляжах собак выгуливать нельзя. Гуляйте с собакой на специальных площадках.",
            "version": h.app.knowledge.current.version,
        })
        preview = await h.post("/kb/draft", {**form, "action": "preview"}, page="/kb/new")
        assert "Новая статья в файле" in await preview.text()
        published = await h.post("/kb/draft", {**form, "action": "publish"}, page="/kb/new")
        assert published.status == 303
        assert "Гуляйте с собакой на специальных площадках" in await h.ask(DOG_QUESTION, user="p9")
        after = await (await h.client.get("/unanswered")).text()
        assert DOG_QUESTION not in after
        async with h.app.db.read() as conn:
            marks = (await conn.execute(select(DismissedCluster))).all()
        assert [(m.reason, m.entry_id) for m in marks] == [("new_entry", "dogs-on-beaches")]


async def test_unanswered_group_added_as_paraphrases_or_dismissed(tmp_path: Path) -> None:
    async with running_console(tmp_path) as h:
        for person in ("p1", "p2"):
            await h.ask("/start", "#1", DOG_QUESTION, user=person)
        await h.login("analyst")
        seen = await (await h.client.get("/unanswered")).text()
        assert DOG_QUESTION in seen and "Новая статья из группы" not in seen  # analysts read only
        key = re.search(r'data-key="([0-9a-f]+)"', seen)
        assert key is not None
        refused = await h.post("/unanswered/dismiss", {"key": key.group(1)}, page="/unanswered")
        assert refused.status == 403
        await h.logout()
        await h.login("editor")
        add = await h.client.get("/kb/add-paraphrases", params={"entry": "transit-card-topup", "cluster": key.group(1)})
        body = await add.text()
        assert "Добавлено перефразировок из группы вопросов: 1" in body
        assert DOG_QUESTION in body
        dismissed = await h.post("/unanswered/dismiss", {"key": key.group(1)}, page="/unanswered")
        assert dismissed.status == 303
        assert DOG_QUESTION not in await (await h.client.get("/unanswered")).text()
        hidden = await (await h.client.get("/unanswered?hidden=1")).text()
        assert DOG_QUESTION in hidden and "скрыта" in hidden
