"""Character-level normalisation of Russian messenger text: case, ё, emoji, punctuation, keyboard layout."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from itertools import combinations

# Russian typed on the Latin layer of a ЙЦУКЕН keyboard.
_LATIN_KEYS = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"
_CYRILLIC_KEYS = "йцукенгшщзхъфывапролджэячсмитьбюё"
_TO_CYRILLIC = str.maketrans(_LATIN_KEYS, _CYRILLIC_KEYS)
_TO_LATIN = str.maketrans(_CYRILLIC_KEYS, _LATIN_KEYS)

_CYRILLIC = re.compile(r"[а-яё]")
_LATIN = re.compile(r"[a-z]")
_LAYOUT_TOKEN = re.compile(r"[a-z\[\];',.`]+")
_WORD = re.compile(r"[а-яa-z0-9]+")
_NOT_TEXT = re.compile(r"[^а-яa-z0-9\s]+")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
_SPACES = re.compile(r"\s+")
# Control characters (but tab and newline), zero-width and bidi marks, BOM.
_INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202f\u2060-\u206f\ufeff]")

MAX_QUERY_CHARS = 2000


def clean(text: str) -> str:
    """Lower-case, NFKC, ё→е, control and invisible characters removed, length bounded.

    A message longer than ``MAX_QUERY_CHARS`` keeps its opening and, most of all, its end, where people
    put the question after telling their story; a line break marks the cut.
    """
    text = _bounded(text, MAX_QUERY_CHARS * 4)
    text = _INVISIBLE.sub(" ", unicodedata.normalize("NFKC", text))
    text = text.lower().replace("ё", "е")
    return _bounded(text, MAX_QUERY_CHARS)


def _bounded(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    head = limit // 4
    return text[:head] + "\n" + text[len(text) - (limit - head - 1) :]


# «ктото», «какуюто», «гденибудь»: an indefinite pronoun typed without its hyphen.
_GLUED_PARTICLE = re.compile(
    r"\b(кто|что|как|где|куда|когда|откуда|почему|зачем|чей|чья|чье|чьи|кого|чего|кому|чему|кем|чем|ком"
    r"|как(?:ой|ая|ое|ие|ую|ого|ому|им|их|ими|ом))(то|нибудь|либо)\b"
)


def split_glued_particles(text: str) -> str:
    """Put back the hyphen of «кто-то», «какую-нибудь» typed as one word."""
    return _GLUED_PARTICLE.sub(r"\1-\2", text)


def words(text: str) -> list[str]:
    """Word tokens of a cleaned text; hyphens and punctuation separate words."""
    return _WORD.findall(text)


def sentences(text: str) -> list[str]:
    """Split a cleaned text into sentences (kept with their final punctuation)."""
    parts = [p.strip() for p in _SENTENCE_END.split(text)]
    return [p for p in parts if p]


def strip_symbols(text: str) -> str:
    return _SPACES.sub(" ", _NOT_TEXT.sub(" ", text)).strip()


def to_cyrillic(token: str) -> str:
    return token.translate(_TO_CYRILLIC)


def to_latin(token: str) -> str:
    return token.translate(_TO_LATIN)


def fix_layout(text: str, is_russian_word: Callable[[str], bool]) -> str:
    """Re-type words written with the Latin keys of a Russian keyboard ("ghbdtn" → "привет").

    A Latin word is converted when its Cyrillic reading is a Russian word. In a message with no
    Cyrillic at all, when most Latin words convert, the rest are converted too (typos or one-letter
    prepositions typed in the wrong layout).
    """
    if not _LATIN.search(text):
        return text
    # Punctuation keys count only inside a word: "ht,tyrf" is "ребенка", a comma after a word is not.
    spans = [
        (m.start(), _layout_token(m.group(), is_russian_word))
        for m in _LAYOUT_TOKEN.finditer(text)
        if _LATIN.search(m.group())
    ]
    spans = [(start, token) for start, token in spans if token and _LATIN.search(token)]
    votes = {
        start: is_russian_word(_letters(to_cyrillic(token))) for start, token in spans if len(token) > 1
    }
    known = sum(votes.values())
    no_cyrillic = not _CYRILLIC.search(text)
    convert_all = known > 0 and known * 2 >= len(votes) and no_cyrillic
    if no_cyrillic and not convert_all and len(votes) > 2:
        # Mostly Latin words that are not Russian typed in the wrong layout: transliterated Russian or
        # English, where a short word reading as a layout word («kto» → «лещ») is a coincidence.
        return text
    out: list[str] = []
    last = 0
    for start, token in spans:
        if convert_all or votes.get(start, False):
            out.append(text[last:start])
            out.append(to_cyrillic(token))
            last = start + len(token)
    out.append(text[last:])
    return "".join(out)


def _letters(token: str) -> str:
    return "".join(_WORD.findall(token))


def _layout_token(token: str, is_russian_word: Callable[[str], bool]) -> str:
    """A Latin-layer token without trailing punctuation, unless that punctuation is the word's last
    letter: «tu'» is «егэ» (`'` is the key of «э»), but the comma in «ghbdtn,» only ends a word."""
    stripped = token.rstrip(",.;'")
    if stripped != token and not is_russian_word(_letters(to_cyrillic(stripped))):
        for end in range(len(token), len(stripped), -1):
            if is_russian_word(_letters(to_cyrillic(token[:end]))):
                return token[:end]
    return stripped


# Russian typed in Latin letters («kak pomenyat pasport»): each Latin spelling and what it may stand for,
# the longest first. Alternatives are tried in order and the first Russian word wins.
_TRANSLIT: dict[str, tuple[str, ...]] = {
    "shch": ("щ",), "tsya": ("ться", "тся"), "sch": ("щ", "сх"), "zh": ("ж",), "kh": ("х",), "ch": ("ч",), "sh": ("ш",),
    "ts": ("ц", "тс"), "tz": ("ц",), "yu": ("ю",), "ju": ("ю",), "iu": ("ю",), "ya": ("я",), "ja": ("я",),
    "ia": ("я", "иа"), "yo": ("е",), "jo": ("е",), "ye": ("е", "ые"), "je": ("е",), "iy": ("ий",), "yy": ("ый",),
    "ey": ("ей",), "oy": ("ой",), "ay": ("ай",), "uy": ("уй",), "oi": ("ои", "ой"), "ai": ("аи", "ай"),
    "ei": ("еи", "ей"), "y": ("ы", "й", "ь"), "e": ("е", "э"),
    "a": ("а",), "b": ("б",), "v": ("в",), "w": ("в",), "g": ("г",), "d": ("д",), "z": ("з",), "i": ("и", "ы"),
    "j": ("й",), "k": ("к",), "l": ("л",), "m": ("м",), "n": ("н",), "o": ("о",), "p": ("п",), "r": ("р",),
    "s": ("с",), "t": ("т",), "u": ("у",), "f": ("ф",), "h": ("х",), "c": ("ц", "к"), "x": ("кс",),
    "q": ("к",), "'": ("ь", "ъ"),
}
_TRANSLIT_LONGEST = max(len(k) for k in _TRANSLIT)
_MAX_READINGS = 64
_LATIN_WORD = re.compile(r"[a-z']+")


def transliterations(token: str) -> list[str]:
    """Cyrillic readings of a Latin-typed Russian word, most usual first (a bounded number)."""
    # readings[i]: the readings of token[:i], built left to right over every way to cut the spelling.
    readings: list[list[str]] = [[] for _ in range(len(token) + 1)]
    readings[0] = [""]
    for position in range(len(token)):
        if not readings[position]:
            continue
        for size in range(min(_TRANSLIT_LONGEST, len(token) - position), 0, -1):
            letters = _TRANSLIT.get(token[position : position + size])
            if letters is None:
                continue
            target = readings[position + size]
            for reading in readings[position]:
                for letter in letters:
                    if len(target) < _MAX_READINGS:
                        target.append(reading + letter)
    out = list(dict.fromkeys(readings[-1]))
    # An infinitive's soft sign is usually left out: «pomenyat», «otkryt» = поменять, открыть.
    return [r + "ь" for r in out if r.endswith("т")] + out


_SOFTENED = frozenset("лнтдсзрмвпбф")
_CONSONANTS = frozenset("бвгджзйклмнпрстфхцчшщ")
_MAX_SOFT_SIGNS = 2


def with_soft_signs(reading: str) -> list[str]:
    """A reading with one or two dropped soft signs put back after a consonant that stands before
    another consonant or ends the word: «сколко» → «сколько», «апостил» → «апостиль»."""
    places = [
        i + 1 for i in range(1, len(reading) - 1) if reading[i] in _SOFTENED and reading[i + 1] in _CONSONANTS
    ]
    if len(reading) > 2 and reading[-1] in _SOFTENED:
        places.append(len(reading))
    out: list[str] = []
    for count in range(1, _MAX_SOFT_SIGNS + 1):
        for chosen in combinations(places, count):
            word = reading
            for place in reversed(chosen):
                word = word[:place] + "ь" + word[place:]
            out.append(word)
    return out


_SOFT_SIGN_READINGS = 8


def _first_word(readings: Iterable[str], is_russian_word: Callable[[str], bool]) -> str | None:
    return next((r for r in readings if len(r) >= 3 and is_russian_word(r)), None)


def fix_translit(text: str, is_russian_word: Callable[[str], bool]) -> str:
    """Read Russian written in Latin letters («gde poluchit snils» → «где получит снилс»).

    Runs after ``fix_layout``: a Latin word is replaced by its first reading that is a Russian word (three
    letters or more). In a message with no Cyrillic, when most Latin words read as Russian, the rest are
    replaced by their most usual reading too (abbreviations like «snils»).
    """
    if not _LATIN.search(text):
        return text
    spans = [(m.start(), m.group()) for m in _LATIN_WORD.finditer(text)]
    words_only = [(start, token) for start, token in spans if len(token.strip("'")) > 1]
    found: dict[int, str] = {}
    for start, token in words_only:
        readings = transliterations(token)
        reading = _first_word(readings, is_russian_word)
        if reading is None:  # a dropped soft sign inside the word: «bolnichnomu» = больничному
            reading = _first_word(
                (w for r in readings[:_SOFT_SIGN_READINGS] for w in with_soft_signs(r)), is_russian_word
            )
        if reading is not None:
            found[start] = reading
    if not found:
        return text
    convert_all = len(found) * 2 > len(words_only) and not _CYRILLIC.search(text)
    out: list[str] = []
    last = 0
    for start, token in spans:
        reading = found.get(start)
        if reading is None and convert_all:
            readings = transliterations(token)
            reading = readings[0] if readings else None
        if reading is not None:
            out.append(text[last:start])
            out.append(reading)
            last = start + len(token)
    out.append(text[last:])
    return "".join(out)
