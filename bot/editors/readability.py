"""Readability hints for answers (4.6.5.11: plain, clear, easy to read). Hints, never errors.

Three checks: very long sentences, bureaucratic phrasing (канцелярит), and no clear action for the
reader (no imperative like «подайте», no «можно» / «нужно»). Imperative mood comes from pymorphy3.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.kb.model import Entry, KnowledgeBase
from bot.matching.morphology import _morph

MAX_SENTENCE_WORDS = 30

# Multi-word markers, matched in lower-case text with ё folded to е.
BUREAUCRATIC_PHRASES = (
    "в целях", "в соответствии с", "в рамках", "в случае если", "на основании", "в установленном порядке",
    "в связи с", "в части", "в отношении", "в адрес", "по вопросу", "в течение срока", "вышеуказанн",
    "нижеуказанн", "вышеизложенн", "ниже следующ",
)
# Single words, by lemma.
BUREAUCRATIC_LEMMAS = frozenset({
    "являться", "осуществлять", "осуществляться", "осуществление", "производиться", "посредством",
    "надлежащий", "вышеуказанный", "нижеследующий", "нижеуказанный", "вышеизложенный",
})
# «данный» ("this") by its forms: «данные», «данных», «данным», «данными» also mean "data".
BUREAUCRATIC_FORMS = frozenset({"данный", "данная", "данное", "данной", "данную", "данного", "данному", "данном"})
ACTION_WORDS = frozenset({
    "можно", "нужно", "надо", "необходимо", "следует", "должны", "должен", "должна", "вправе", "стоит",
})

_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^\s)]+)\)")
_URL = re.compile(r"https?://\S+")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
_WORD = re.compile(r"[а-яёa-z0-9]+(?:-[а-яёa-z0-9]+)*", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Hint:
    """A suggestion about one entry, with an English text (command line) and a Russian one (chat)."""

    entry: str
    source: str
    line: int
    code: str  # long_sentence | bureaucratic | no_action | stale
    message: str
    message_ru: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where} [{self.entry}]: hint: {self.message}"


def plain(text: str) -> str:
    """The answer without markup: link labels kept, addresses and ** dropped."""
    return _URL.sub(" ", _LINK.sub(r"\1", text)).replace("**", "")


def sentences(text: str) -> list[str]:
    """Sentences of a plain text; every line (a list item) ends a sentence too."""
    out: list[str] = []
    for line in plain(text).split("\n"):
        line = re.sub(r"^\s*[-•]\s+", "", line).strip()
        out.extend(part.strip() for part in _SENTENCE_END.split(line) if part.strip())
    return out


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def long_sentences(text: str, limit: int = MAX_SENTENCE_WORDS) -> list[tuple[int, str]]:
    """(word count, sentence) for every sentence longer than ``limit`` words."""
    return [(len(w), s) for s in sentences(text) if len(w := words(s)) > limit]


@lru_cache(maxsize=100_000)
def _lemma(word: str) -> str:
    return _morph().parse(word)[0].normal_form.replace("ё", "е")


_QUOTED = re.compile(r"«[^«»\n]*»")


def bureaucratic_markers(text: str) -> list[str]:
    """Канцелярит found in the text, each marker once, in order of appearance. Names quoted in «…» (an
    official service's or document's title) are the names people will look for, not the author's words."""
    low = _QUOTED.sub(lambda m: " " * len(m.group()), plain(text).lower().replace("ё", "е"))
    found: list[tuple[int, str]] = []
    for phrase in BUREAUCRATIC_PHRASES:
        position = re.search(rf"(?<![а-я]){re.escape(phrase)}", low)
        if position:
            found.append((position.start(), phrase))
    for match in _WORD.finditer(low):
        if match.group() in BUREAUCRATIC_FORMS or _lemma(match.group()) in BUREAUCRATIC_LEMMAS:
            found.append((match.start(), match.group()))
    seen: dict[str, None] = {}
    for _, marker in sorted(found):
        seen.setdefault(marker, None)
    return list(seen)


@lru_cache(maxsize=100_000)
def is_action_word(word: str) -> bool:
    """An imperative («подайте», «запишитесь»), a «вы»-form of a verb («оплатите»), or «можно», «нужно»…"""
    word = word.lower().replace("ё", "е")
    if word in ACTION_WORDS:
        return True
    for parsed in _morph().parse(word):
        tag = parsed.tag
        if tag.POS != "VERB":
            continue
        if tag.mood == "impr" or ("2per" in tag and "plur" in tag):
            return True
    return False


def has_action(text: str) -> bool:
    return any(is_action_word(w) for w in words(plain(text)))


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


FIELD_NAMES_RU = {
    "answer": "«Ответ»", "answer_for.citizen": "«Ответ для граждан»", "answer_for.business": "«Ответ для бизнеса»",
}


def entry_hints(entry: Entry, max_words: int = MAX_SENTENCE_WORDS) -> list[Hint]:
    """Hints about the answer and its segment variants."""
    hints: list[Hint] = []
    texts = [("answer", entry.answer)] + [(f"answer_for.{k}", v) for k, v in sorted(entry.answer_for.items())]
    for name, text in texts:
        ru = FIELD_NAMES_RU.get(name, name)
        for count, sentence in long_sentences(text, max_words):
            hints.append(Hint(
                entry.id, entry.source, entry.line, "long_sentence",
                f"`{name}` has a sentence of {count} words (over {max_words}); split it: «{_short(sentence)}»",
                f"в поле {ru} предложение из {count} слов (больше {max_words}) — разбейте его: "
                f"«{_short(sentence)}»",
            ))
        markers = bureaucratic_markers(text)
        if markers:
            listed = ", ".join(f"«{m}»" for m in markers[:5])
            hints.append(Hint(
                entry.id, entry.source, entry.line, "bureaucratic",
                f"`{name}` uses bureaucratic phrasing: {listed}; say it plainly",
                f"в поле {ru} канцелярит: {listed} — скажите проще",
            ))
        if not has_action(text):
            hints.append(Hint(
                entry.id, entry.source, entry.line, "no_action",
                f"`{name}` does not tell the reader what to do (no «подайте», «обратитесь», «можно», «нужно»…)",
                f"в поле {ru} нет ясного действия для читателя (нет «подайте», «обратитесь», «можно», "
                "«нужно»…)",
            ))
    return hints


def base_hints(base: KnowledgeBase, max_words: int = MAX_SENTENCE_WORDS) -> list[Hint]:
    hints: list[Hint] = []
    for topic in base.topics:
        for eid in topic.entry_ids:
            hints.extend(entry_hints(base.entries[eid], max_words))
    return hints
