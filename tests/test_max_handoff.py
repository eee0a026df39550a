"""The operators' desk (a Telegram forum group) serving a MAX person: both ways, files included."""

from __future__ import annotations

from pathlib import Path

from bot.clock import FakeClock
from bot.handoff import cases
from tests.fakes.max import FakeMax
from tests.fakes.telegram import FakeTelegram
from tests.telegram_harness import telegram_settings
from tests.test_handoff import ANNA, GROUP, MONDAY_NOON_MSK, desk_env, the_topic, topic_texts


async def test_a_max_person_is_served_by_the_telegram_workspace(tmp_path: Path) -> None:
    from bot.app import App
    from bot.channels.max.runtime import MaxRuntime
    from bot.channels.telegram.runtime import TelegramRuntime
    from tests.conftest import DEMO_KB
    from tests.max_harness import max_settings

    person = 4004
    async with FakeMax() as mx, FakeTelegram() as tg:
        tg.admins[GROUP] = [ANNA]
        telegram_settings(tmp_path, tg, **desk_env())
        settings = max_settings(tmp_path, mx)
        app = await App.create(settings, kb_path=DEMO_KB, clock=FakeClock(MONDAY_NOON_MSK))
        tg_runtime = await TelegramRuntime.start(app, settings.telegram)
        max_runtime = await MaxRuntime.start(app, settings.max)
        try:
            mx.message(person, "позовите оператора")
            await mx.wait_for(lambda: any("Номер обращения" in t for t in mx.texts(person)))
            await tg.wait_for(lambda: bool(tg.forum_topics.get(GROUP)))
            thread = the_topic(tg)
            await tg.wait_for(lambda: any("Обращение №1</b> (MAX)" in t for t in topic_texts(tg, thread)))
            mx.message(person, "у меня вопрос про <b>субсидию</b>")
            # a person's text is never markup in front of the operators
            await tg.wait_for(lambda: any("про &lt;b&gt;субсидию&lt;/b&gt;" in t for t in topic_texts(tg, thread)))
            scan = {"type": "image", "payload": {"photo_id": 7, "token": "x", "url": "https://i.max.ru/scan.jpg"}}
            doc = {"type": "file", "payload": {"fileId": 8, "token": "y", "url": "https://files.max.ru/d.pdf"},
                   "filename": "договор.pdf", "size": 100}
            mx.message(person, "скан договора", attachments=[scan, doc])
            await tg.wait_for(lambda: any("скан договора" in t and "https://i.max.ru/scan.jpg" in t
                                          and "https://files.max.ru/d.pdf" in t for t in topic_texts(tg, thread)))

            tg.group_message(GROUP, ANNA, "Здравствуйте! Расскажите подробнее.", thread_id=thread)
            await mx.wait_for(lambda: any("Расскажите подробнее" in t for t in mx.texts(person)))
            # a document: downloaded from Telegram, uploaded to MAX, attached to the signed caption
            tg.files["BQAC"] = b"%PDF-1.4 the form"
            mx.fail("/messages", "not_ready")  # MAX is still processing the upload a moment
            tg.group_message(GROUP, ANNA, "", thread_id=thread, caption="Образец заявления", document={
                "file_id": "BQAC", "file_unique_id": "d9", "file_name": "образец.pdf", "file_size": 17})
            await mx.wait_for(lambda: any("Образец заявления" in t for t in mx.texts(person)))
            sent = next(b for b in mx.sent(person) if "Образец заявления" in b["text"])
            assert sent["text"].startswith("<b>Оператор</b>, сотрудник")
            file_token = sent["attachments"][0]["payload"]["token"]
            upload = mx.tokens[file_token]
            assert (upload.kind, upload.filename, upload.content) == ("file", "образец.pdf", b"%PDF-1.4 the form")
            # a photo alone, while MAX is busy once: tried again, delivered once
            tg.files["AgAD-big"] = b"\xff\xd8 a photo"
            mx.fail("/uploads", "503")
            tg.group_message(GROUP, ANNA, "", thread_id=thread, photo=[
                {"file_id": "AgAD-small", "file_unique_id": "s1", "width": 90, "height": 67, "file_size": 5},
                {"file_id": "AgAD-big", "file_unique_id": "b1", "width": 1280, "height": 960, "file_size": 13}])
            await mx.wait_for(lambda: any(a.get("type") == "image" for b in mx.sent(person)
                                          for a in b.get("attachments") or []), timeout=20)
            photos = [b for b in mx.sent(person) if any(a.get("type") == "image" for a in b.get("attachments") or [])]
            assert len(photos) == 1
            assert mx.tokens[photos[0]["attachments"][0]["payload"]["token"]].content == b"\xff\xd8 a photo"
            # a file Telegram no longer gives: the text goes, with a word that the file did not
            tg.group_message(GROUP, ANNA, "", thread_id=thread, caption="Выписка", document={
                "file_id": "gone", "file_unique_id": "g1", "file_name": "выписка.pdf", "file_size": 10})
            await mx.wait_for(lambda: any("Выписка" in t for t in mx.texts(person)))
            lost = next(b for b in mx.sent(person) if "Выписка" in b["text"])
            assert "«выписка.pdf»" in lost["text"] and "не удалось" in lost["text"] and not lost.get("attachments")
            await tg.wait_for(lambda: any("(«выписка.pdf») человеку в MAX передать не удалось" in t
                                          for t in topic_texts(tg, thread)))
            # kinds the bot does not upload to MAX: the topic is told, the caption still goes
            tg.group_message(GROUP, ANNA, "", thread_id=thread, caption="Видеоинструкция", video={
                "file_id": "BAAC", "file_unique_id": "v1", "width": 640, "height": 480, "duration": 5})
            await mx.wait_for(lambda: any("Видеоинструкция" in t for t in mx.texts(person)))
            await tg.wait_for(lambda: any("Файл человеку в MAX не передан" in t for t in topic_texts(tg, thread)))
            tg.group_press(GROUP, ANNA, "case:close:1", thread_id=thread)
            await mx.wait_for(lambda: any("помощью сотрудника" in t for t in mx.texts(person)))
            async with app.db.read() as conn:
                case = await cases.get(conn, 1)
            assert case is not None and case.channel == "max" and case.status == "closed"

            # a person who stopped the bot: the operators are told in a new case's topic
            mx.message(person, "позовите оператора")
            await tg.wait_for(lambda: len(tg.forum_topics.get(GROUP, {})) == 2)
            second = max(tg.forum_topics[GROUP])
            mx.stop_bot(person)
            await tg.wait_for(lambda: any("Человек заблокировал бота" in t for t in topic_texts(tg, second)),
                              timeout=15)
        finally:
            await max_runtime.stop()
            await tg_runtime.stop()
            await app.close()
