"""Everything a person writes reaches the operators' group as plain text: no hidden links, no bold."""

from __future__ import annotations

from pathlib import Path

from bot.clock import FakeClock
from bot.dialogue.markup import literal, to_plain, to_telegram_html
from tests.fakes.telegram import FakeTelegram, check_html
from tests.test_handoff import ANNA, GROUP, MONDAY_NOON_MSK, PERSON, desk_env, escalate, start, the_topic, topic_texts

PHISHING = "[Госуслуги: подтвердите вход](https://evil.example/login) и **срочно**"
LIST = "- первый пункт\n* второй\n[a](http://x.y)"


def test_literal_keeps_the_words_and_breaks_the_markup() -> None:
    html = to_telegram_html("👤 " + literal(PHISHING))
    assert "<a" not in html and "<b>" not in html
    error, visible = check_html(html)
    assert error is None
    assert visible.replace("\u2060", "") == "👤 " + PHISHING  # exactly as written, the address visible
    assert "•" not in to_plain(literal(LIST)) and "http://x.y" in to_plain(literal(LIST))
    assert to_telegram_html(f"**{literal('*звёзды*')}**") == "<b>*звёзды*</b>".replace("*з", "\u2060*з").replace(
        "ы*", "ы*\u2060")
    assert literal("обычный текст") == "обычный текст"


def _shown(text: str) -> str:
    error, visible = check_html(text)
    assert error is None, error
    return visible.replace("\u2060", "")


async def test_a_telegram_persons_link_is_shown_as_written_to_operators(tmp_path: Path) -> None:
    async with FakeTelegram() as fake:
        bot = await start(tmp_path, fake, FakeClock(MONDAY_NOON_MSK))
        try:
            thread = await escalate(fake)
            fake.message(PERSON, PHISHING)
            await fake.wait_for(lambda: any("evil.example" in t for t in topic_texts(fake, thread)))
            relayed = next(t for t in topic_texts(fake, thread) if "evil.example" in t)
            assert "<a " not in relayed and "<b>" not in relayed
            assert PHISHING in _shown(relayed)
            fake.photo(PERSON, caption=PHISHING)  # a caption goes with the copied photo: plain too
            await fake.wait_for(lambda: any(int(c.params["chat_id"]) == GROUP and "evil" in c.params.get("caption", "")
                                            for c in fake.calls_of("copyMessage")))
            caption = next(c.params["caption"] for c in fake.calls_of("copyMessage")
                           if int(c.params["chat_id"]) == GROUP)
            assert "<a " not in caption and PHISHING in _shown(caption)
        finally:
            await bot.stop()


async def test_a_vk_persons_link_is_shown_as_written_to_operators(tmp_path: Path) -> None:
    from bot.app import App
    from bot.channels.telegram.runtime import TelegramRuntime
    from bot.channels.vk.runtime import VKRuntime
    from tests.conftest import DEMO_KB
    from tests.fakes.vk import FakeVK
    from tests.telegram_harness import telegram_settings
    from tests.vk_harness import vk_settings

    vk_person = 3003
    async with FakeVK() as vk, FakeTelegram() as tg:
        tg.admins[GROUP] = [ANNA]
        telegram_settings(tmp_path, tg, **desk_env())
        settings = vk_settings(tmp_path, vk)
        app = await App.create(settings, kb_path=DEMO_KB, clock=FakeClock(MONDAY_NOON_MSK))
        tg_runtime = await TelegramRuntime.start(app, settings.telegram)
        vk_runtime = await VKRuntime.start(app, settings.vk)
        try:
            vk.message(vk_person, "позовите оператора")
            await tg.wait_for(lambda: bool(tg.forum_topics.get(GROUP)))
            thread = the_topic(tg)
            vk.message(vk_person, PHISHING)
            await tg.wait_for(lambda: any("evil.example" in t for t in topic_texts(tg, thread)))
            relayed = next(t for t in topic_texts(tg, thread) if "evil.example" in t)
            assert "<a " not in relayed and "<b>" not in relayed
            assert PHISHING in _shown(relayed)
        finally:
            await vk_runtime.stop()
            await tg_runtime.stop()
            await app.close()
