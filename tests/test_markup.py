from __future__ import annotations

from bot.dialogue.markup import split, to_plain, to_telegram_html


def test_telegram_html_escapes_everything_but_the_markup() -> None:
    text = "**Важно** <script> & [Госуслуги](https://www.gosuslugi.ru/?a=1&b=\"2\")\n- пункт <b>"
    html = to_telegram_html(text)
    assert html == (
        '<b>Важно</b> &lt;script&gt; &amp; <a href="https://www.gosuslugi.ru/?a=1&amp;b=&quot;2&quot;">'
        "Госуслуги</a>\n• пункт &lt;b&gt;"
    )


def test_broken_markup_stays_literal() -> None:
    assert to_telegram_html("**не закрыто") == "**не закрыто"
    assert to_telegram_html("[ссылка](javascript:alert(1))") == "[ссылка](javascript:alert(1))"


def test_plain_spells_links_out() -> None:
    assert to_plain("См. [Госуслуги](https://www.gosuslugi.ru/) и **это**") == (
        "См. Госуслуги (https://www.gosuslugi.ru/) и это"
    )
    assert to_plain("- раз\n- два") == "• раз\n• два"


def test_split_prefers_paragraphs_then_lines_then_sentences() -> None:
    paragraphs = "\n\n".join(f"Абзац {i}. " + "слово " * 50 for i in range(10))
    parts = split(paragraphs, 700)
    assert all(len(p) <= 700 for p in parts)
    assert " ".join(parts).split() == paragraphs.split()  # nothing lost
    assert all(p.startswith("Абзац") for p in parts)


def test_split_breaks_an_endless_word() -> None:
    parts = split("я" * 10_000, 4096)
    assert [len(p) for p in parts] == [4096, 4096, 1808]


def test_short_text_is_one_part() -> None:
    assert split("коротко", 4096) == ["коротко"]


def test_international_domains_are_spelled_in_their_own_letters() -> None:
    from bot.dialogue.markup import readable_url

    assert readable_url("https://xn--90adear.xn--p1ai/r/77/") == "https://гибдд.рф/r/77/"
    assert readable_url("https://www.gosuslugi.ru/600101") == "https://www.gosuslugi.ru/600101"
    assert readable_url("https://xn--zz.ru/") == "https://xn--zz.ru/"  # not valid punycode: left as written
    assert to_plain("Сайт [ГИБДД](https://xn--90adear.xn--p1ai/)") == "Сайт ГИБДД (https://гибдд.рф/)"
