"""General lexical techniques of the matcher (issue 18): soft signs in transliteration, layout punctuation,
lexicon variants by written form, clipped words, the phrase bonus and negation."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.kb.model import Entry, KnowledgeBase, Topic
from bot.matching.analyzer import Analyzer, is_russian_word, is_translit_word
from bot.matching.index import CLIPPED_FORM_WEIGHT, SearchIndex, clipped_terms, spoken_spellings
from bot.matching.lexicon import build_lexicon, load_lexicon
from bot.matching.matcher import Matcher, adjacent_pairs, phrase_share
from bot.matching.text import clean, fix_layout, fix_translit, split_glued_particles, with_soft_signs


def _base(*entries: tuple[str, str, tuple[str, ...], str]) -> KnowledgeBase:
    built = {
        id_: Entry(id_, question, answer, "t", paraphrases=paraphrases)
        for id_, question, paraphrases, answer in entries
    }
    return KnowledgeBase((Topic("t", "Тема", "all", tuple(built)),), built)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("skolko platyat po bolnichnomu", "сколько платят по больничному"),
        ("apostil na svidetelstvo o brake", "апостиль на свидетельство о браке"),
        ("kak proiti pmpk", "как пройти пмпк"),
    ],
)
def test_dropped_soft_signs_and_i_for_short_i_are_read(typed: str, meant: str) -> None:
    assert fix_translit(clean(typed), is_translit_word) == meant


def test_soft_signs_go_only_after_a_consonant_before_a_consonant_or_at_the_end() -> None:
    assert with_soft_signs("сколко") == ["сколько"]
    assert "апостиль" in with_soft_signs("апостил")
    assert with_soft_signs("мама") == []


@pytest.mark.parametrize("text", ["hello world", "ok google", "wifi не работает"])
def test_english_stays_english_with_soft_signs_tried(text: str) -> None:
    assert fix_translit(clean(text), is_translit_word) == clean(text)


def test_a_trailing_layout_key_is_a_letter_when_it_makes_the_word() -> None:
    assert fix_layout(clean("pfgbcm yf tu'"), is_russian_word) == "запись на егэ"
    # a comma after a word is punctuation, not «б»
    assert fix_layout(clean("ghbdtn, rfr ltkf"), is_russian_word) == "привет, как дела"


def test_a_lexicon_variant_matches_by_its_written_form_too(tmp_path: Path) -> None:
    # pymorphy guesses «ипшникнуть» as the lemma of «ипшник» but «ипшник» for «ипшнику»
    lexicon_file = tmp_path / "lexicon.toml"
    lexicon_file.write_text('[synonyms]\n"ип" = ["ипшник"]\n', "utf-8")
    analyzer = Analyzer(build_lexicon([lexicon_file]))
    assert analyzer.lemmas("ипшнику") == ["ип"]
    assert analyzer.lemmas("ипшник") == ["ип"]


def test_a_clipped_unknown_word_matches_the_few_base_words_it_begins() -> None:
    base = _base(
        ("cert", "Как получить сертификат дополнительного образования?", (), "Сертификат выдают."),
        ("club", "Как записаться в кружок?", (), "Запись в кружок."),
    )
    index = SearchIndex(base, Analyzer(load_lexicon()))
    assert ("сертификат", CLIPPED_FORM_WEIGHT) in index.expansions("серт")
    assert index.term_weight("серт") < index.unknown_idf


def test_clipped_terms_are_few_and_longer() -> None:
    vocabulary = sorted(["сертификат", "серый", "сертификация", "сеть", "серт", "сервис"])
    assert clipped_terms("серт", vocabulary) == ["сертификат", "сертификация"]
    assert clipped_terms("сер", vocabulary) == []  # four words: too many to mean one
    assert clipped_terms("школ", vocabulary) == []


def test_adjacent_pairs_weigh_by_their_terms() -> None:
    pairs = adjacent_pairs([0.5, 0.25, 0.25])
    assert [(a, b) for a, b, _ in pairs] == [(0, 1), (1, 2)]
    assert sum(w for _, _, w in pairs) == pytest.approx(1.0)
    assert pairs[0][2] == pytest.approx(0.75 / 1.25)
    assert adjacent_pairs([1.0]) == []


def test_phrase_share_counts_pairs_side_by_side_in_either_order() -> None:
    pairs = adjacent_pairs([0.5, 0.5])
    assert phrase_share({0: 3, 1: 4}, pairs) == pytest.approx(1.0)
    assert phrase_share({0: 4, 1: 3}, pairs) == pytest.approx(1.0)
    assert phrase_share({0: 0, 1: 4}, pairs) == 0.0
    assert phrase_share({0: 0}, pairs) == 0.0


def test_words_standing_together_in_an_entry_rank_it_first() -> None:
    # the same words in both entries; only in «b» do «заменить» and «полис» stand side by side
    base = _base(
        ("a", "Как заменить паспорт и получить полис?", (), "Ответ."),
        ("b", "Как заменить полис и получить паспорт?", (), "Ответ."),
    )
    result = Matcher(base, calibration=None).match("замена полиса")
    assert [c.id for c in result.top[:2]] == ["b", "a"]
    assert result.top[0].score > result.top[1].score


def test_negation_is_a_term() -> None:
    terms = [t.text for t in Analyzer(load_lexicon()).query_terms("больничный не оплатили")]
    assert "не" in terms


# --- third round (b): glued pronouns, layout against transliteration, spelling as it sounds ---


def test_indefinite_pronouns_typed_without_the_hyphen_are_split() -> None:
    assert split_glued_particles("ктото сливает какуюто гадость") == "кто-то сливает какую-то гадость"
    assert split_glued_particles("какой-то гденибудь") == "какой-то где-нибудь"
    assert split_glued_particles("котлета") == "котлета"


def test_a_glued_pronoun_is_not_read_as_a_typo_of_a_base_word() -> None:
    base = _base(("cat", "Потерялся кот", (), "Ищите кота."), ("dump", "Кто сваливает мусор в овраге", (), "Сообщите."))
    matcher = Matcher(base, calibration=None)
    terms = [t.text for t in matcher.analyzer.query_terms("ктото сваливает мусор", matcher.index.correct,
                                                          matcher.index.spell)]
    assert "кот" not in terms


def test_transliterated_words_are_not_read_as_wrong_layout_by_chance() -> None:
    # «kto» on the Latin keys spells «лещ», but the message is transliterated Russian, not a layout slip
    text = clean("kontejnery s musorom u samogo pod'ezda, kto razreshil?")
    assert fix_layout(text, is_russian_word) == text
    assert "подъезда" in fix_translit(text, is_translit_word)
    assert fix_layout(clean("pfgbcm yf ghbtv"), is_russian_word) == "запись на прием"


def test_spoken_endings_of_reflexive_verbs_are_written_back() -> None:
    assert spoken_spellings("лечица") == ["лечится", "лечиться"]
    assert spoken_spellings("учицца") == ["учиться"]
    assert spoken_spellings("школа") == []
    assert spoken_spellings("ца") == []


def test_an_unstressed_first_vowel_typed_as_it_sounds_is_corrected() -> None:
    base = _base(("pay", "Как оплатить вывоз мусора?", (), "Оплата по квитанции."))
    index = SearchIndex(base, Analyzer(load_lexicon()))
    assert index.correct("аплатить") == index.analyzer.lemmas("оплатить")[0]
