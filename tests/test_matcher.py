"""The matcher on its own: normalisation, layout, typos, decisions and hostile input."""

from __future__ import annotations

import pytest

from bot.kb import load_knowledge_base
from bot.matching import Decision, Matcher
from bot.matching.analyzer import is_russian_word, is_translit_word
from bot.matching.matcher import Candidate, Thresholds, decide
from bot.matching.text import clean, fix_layout, fix_translit
from tests.conftest import DEMO_KB


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_knowledge_base(DEMO_KB))


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("rfr jnrhsnm bg", "как открыть ип"),
        ("ghbdtn", "привет"),
        ("pfvtyf gfcgjhnf", "замена паспорта"),
        ("ht,tyjr", "ребенок"),
        ("как pfgbcfnmcz в мфц", "как записаться в мфц"),
    ],
)
def test_wrong_keyboard_layout_is_retyped(typed: str, meant: str) -> None:
    assert fix_layout(clean(typed), is_russian_word) == meant


@pytest.mark.parametrize("text", ["ok", "wifi не работает", "asdkjh", "iPhone 15"])
def test_latin_words_that_are_not_russian_stay(text: str) -> None:
    assert fix_layout(clean(text), is_russian_word) == clean(text)


def test_clean_folds_case_yo_and_invisible_characters() -> None:
    assert clean("ЁЛКА\u200bЗелёная\x00") == "елка зеленая "


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("как открыть ипшку", "ip-registration"),
        ("ЗАМЕНА ПАСПОРТА В 45 ЛЕТ!!!", "passport-age-replacement"),
        ("потерял паспорт что делать 😱", "lost-passport-restore"),
        ("зарегестрироватся самозанятым", "self-employed-registration"),
        ("rfr cnfnm cfvjpfyznsv", "self-employed-registration"),  # как стать самозанятым
        ("Здравствуйте! Подскажите пожалуйста, как записаться в МФЦ на приём? Спасибо", "mfc-book-visit"),
    ],
)
def test_typical_messages_find_their_entry(matcher: Matcher, query: str, expected: str) -> None:
    result = matcher.match(query)
    assert result.best is not None and result.best.id == expected, result


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   \n\t ",
        "😀😀😀",
        "!!!???...",
        "12345",
        "\x00\x01\x02\xff",
        "привет",
        "спасибо большое",
        "ghbdtn",
        "ывлаоывлао",
        "как дела?",
        "сколько будет 2+2",
    ],
)
def test_junk_and_small_talk_never_get_an_answer(matcher: Matcher, query: str) -> None:
    result = matcher.match(query)
    assert result.decision == Decision.NONE, result


def test_huge_query_is_bounded_and_not_answered_wrongly(matcher: Matcher) -> None:
    huge = "паспорт " * 12_500  # 100 000 characters
    result = matcher.match(huge)
    assert result.decision in (Decision.ANSWER, Decision.CONFIRM, Decision.SUGGEST, Decision.NONE)
    binary = bytes(range(256)).decode("latin-1") * 400
    assert matcher.match(binary).decision == Decision.NONE


def test_at_most_three_candidates_best_first(matcher: Matcher) -> None:
    result = matcher.match("налог для ип")
    assert 1 <= len(result.top) <= 3
    scores = [c.score for c in result.top]
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= s <= 100 for s in scores)


def test_decision_tiers() -> None:
    th = Thresholds(
        answer_score=65, answer_margin=10, answer_coverage=0.7, confirm_score=50, suggest_score=25
    )
    assert decide([], th) == Decision.NONE
    assert decide([Candidate("a", 90, 1.0), Candidate("b", 50)], th) == Decision.ANSWER
    assert decide([Candidate("a", 90, 1.0), Candidate("b", 85)], th) == Decision.CONFIRM  # too close
    # the best entry's texts explain only half the query
    assert decide([Candidate("a", 90, 0.5), Candidate("b", 40)], th) == Decision.CONFIRM
    assert decide([Candidate("a", 55, 1.0)], th) == Decision.CONFIRM
    assert decide([Candidate("a", 30, 1.0)], th) == Decision.SUGGEST
    assert decide([Candidate("a", 10, 1.0)], th) == Decision.NONE


def test_matching_is_deterministic(matcher: Matcher) -> None:
    first = matcher.match("субсидия на оплату жкх")
    again = Matcher(load_knowledge_base(DEMO_KB)).match("субсидия на оплату жкх")
    assert first.as_json() == again.as_json()


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("kak pomenyat pasport", "как поменять паспорт"),
        ("gde poluchit snils", "где получить снилс"),
        ("kuda zhalovatsya na upravlyayushchuyu kompaniyu", "куда жаловаться на управляющую компанию"),
        ("zamena pasporta v 45 let", "замена паспорта в 45 лет"),
        ("privet", "привет"),
    ],
)
def test_russian_typed_in_latin_letters_is_read(typed: str, meant: str) -> None:
    assert fix_translit(fix_layout(clean(typed), is_russian_word), is_translit_word) == meant


@pytest.mark.parametrize("text", ["ok", "ok google", "wifi не работает", "iphone 15", "hello world"])
def test_english_words_are_not_read_as_translit(text: str) -> None:
    assert fix_translit(clean(text), is_translit_word) == clean(text)


@pytest.mark.parametrize(
    ("query", "expected"),
    [("kak pomenyat pasport v 45 let", "passport-age-replacement"), ("gde poluchit snils", "snils-get")],
)
def test_latin_typed_queries_find_their_entry(matcher: Matcher, query: str, expected: str) -> None:
    result = matcher.match(query)
    assert result.best is not None and result.best.id == expected, result
    assert result.decision in (Decision.ANSWER, Decision.CONFIRM)


def test_question_at_the_end_of_a_long_message_is_found(matcher: Matcher) -> None:
    story = "Добрый день. " + "Мы долго собирали документы, ходили по разным кабинетам и ждали. " * 80
    query = story + "Подскажите, как заменить паспорт в 45 лет?"
    assert len(query) > 5000
    result = matcher.match(query)
    assert result.best is not None and result.best.id == "passport-age-replacement", result


def test_a_bare_word_several_entries_name_gets_options(matcher: Matcher) -> None:
    result = matcher.match("паспорт")
    assert result.decision == Decision.SUGGEST
    assert len({c.id for c in result.top}) == 3
    assert all("passport" in c.id for c in result.top[:2])


def test_two_questions_in_one_message_offer_both(matcher: Matcher) -> None:
    result = matcher.match("Как заменить паспорт в 45 лет? И как записаться в МФЦ на приём?")
    assert result.decision == Decision.SUGGEST
    assert {c.id for c in result.top[:2]} == {"passport-age-replacement", "mfc-book-visit"}
    scores = [c.score for c in result.top]
    assert scores[:2] == sorted(scores[:2], reverse=True)


def test_an_entry_for_the_other_segment_is_not_answered(matcher: Matcher) -> None:
    query = "хочу пожаловаться на чиновника"
    assert matcher.base.entries["business-ombudsman"].audience == "business"
    as_citizen = matcher.match(query, segment="citizen")
    assert as_citizen.decision not in (Decision.ANSWER, Decision.CONFIRM)
    neutral = matcher.match(query)
    assert as_citizen.best is not None and neutral.best is not None
    ombudsman = {c.id: c.score for c in neutral.top}["business-ombudsman"]
    assert {c.id: c.score for c in as_citizen.top}.get("business-ombudsman", 0) < ombudsman
    assert matcher.match("как открыть ип", segment="business").decision == Decision.ANSWER


def test_calibrated_confidence_orders_clear_and_vague_queries(matcher: Matcher) -> None:
    clear = matcher.match("как открыть ип")
    vague = matcher.match("вопрос по документам")
    assert clear.confidence is not None and vague.confidence is not None
    assert clear.confidence > vague.confidence
    assert matcher.calibration is not None
    model = matcher.calibration.lexical
    assert 0 < model.suggest <= model.confirm <= model.answer < 1


def test_the_facts_count_the_sentences_of_a_message(matcher: Matcher) -> None:
    _, _, facts = matcher.observe("Как заменить паспорт?")
    assert facts.sentences == 1
    _, _, facts = matcher.observe("Здравствуйте. Мне исполнилось 45 лет. Как заменить паспорт?")
    assert facts.sentences == 3
