"""The matcher on its own: normalisation, layout, typos, decisions and hostile input."""

from __future__ import annotations

import pytest

from bot.kb import load_knowledge_base
from bot.matching import Decision, Matcher
from bot.matching.analyzer import is_russian_word
from bot.matching.matcher import Candidate, Thresholds, decide
from bot.matching.text import clean, fix_layout
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
