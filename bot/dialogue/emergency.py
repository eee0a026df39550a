"""Danger to life or health, recognised before any matching: fire, smoke, gas, someone not breathing or
unconscious, a road accident with injured, violence or threats, a child in danger, poisoning, suicide.

The answer is at once: call 112, with the service number that helps (101 fire, 102 police, 103
ambulance, 104 gas) and, for suicide, violence and children, the helplines the configuration lists.
The lexicon is in ``emergency_words``; typos, the wrong keyboard layout and slang count.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.dialogue import emergency_words as lexicon
from bot.dialogue.fuzzy import Phrase, Stem, StemIndex, Word, words_of
from bot.dialogue.morph import is_person_dative
from bot.dialogue.phrases import tokens

MAX_WORDS = 120  # a long message is judged by its beginning
# The federal children's helpline (Фонд поддержки детей, находящихся в трудной жизненной ситуации,
# https://telefon-doveria.ru/): free and anonymous, for children, teenagers and their parents.
CHILDREN_HELPLINE = "8-800-2000-122 — детский телефон доверия (бесплатно, анонимно; для детей, подростков и родителей)"


@dataclass(frozen=True, slots=True)
class Danger:
    kind: str  # one of emergency_words' kinds: fire, gas, medical, …
    phrase: str  # the lexicon's phrase that fired (for tests and debugging, never logged with the text)


@dataclass(frozen=True, slots=True)
class SafetyNumbers:
    """Numbers to call; defaults are the statutory single number and the emergency services' numbers."""

    emergency: str = "112"
    fire: str = "101"
    police: str = "102"
    ambulance: str = "103"
    gas: str = "104"
    crisis_lines: tuple[str, ...] = ()  # for suicide (and a child in danger)
    violence_lines: tuple[str, ...] = ()  # for domestic violence
    children_lines: tuple[str, ...] = (CHILDREN_HELPLINE,)  # for a child in danger

    def services(self, kind: str) -> list[tuple[str, str]]:
        """(service, number) pairs that help with ``kind``, besides the single number."""
        fire, police, ambulance, gas = (
            ("Пожарная охрана", self.fire), ("Полиция", self.police), ("Скорая помощь", self.ambulance),
            ("Аварийная газовая служба", self.gas),
        )
        by_kind = {
            lexicon.FIRE: [fire, ambulance],
            lexicon.GAS: [gas, fire],
            lexicon.MEDICAL: [ambulance],
            lexicon.ACCIDENT: [ambulance, police],
            lexicon.VIOLENCE: [police, ambulance],
            lexicon.CHILD: [police, ambulance],
            lexicon.POISONING: [ambulance],
            lexicon.SUICIDE: [ambulance, police],
            lexicon.WATER: [ambulance],
        }
        return [(name, number) for name, number in by_kind.get(kind, []) if number]

    def helplines(self, kind: str) -> tuple[str, ...]:
        if kind == lexicon.SUICIDE:
            return self.crisis_lines + self.children_lines
        if kind == lexicon.VIOLENCE:
            return self.violence_lines + self.children_lines
        if kind == lexicon.CHILD:
            return self.children_lines
        return ()


@dataclass(slots=True)
class _Rules:
    strong: list[tuple[str, Phrase]] = field(default_factory=list)
    weak: list[tuple[str, Phrase]] = field(default_factory=list)
    paperwork: Phrase = field(default_factory=lambda: Phrase(lexicon.PAPERWORK))
    not_event: Phrase = field(default_factory=lambda: Phrase(lexicon.NOT_EVENT))
    index: StemIndex | None = None


# When a message fits several kinds, the more specific one names the more useful numbers.
_ORDER = (
    lexicon.SUICIDE, lexicon.CHILD, lexicon.ACCIDENT, lexicon.POISONING, lexicon.FIRE, lexicon.GAS,
    lexicon.VIOLENCE, lexicon.WATER, lexicon.MEDICAL,
)


def _compile() -> _Rules:
    rules = _Rules()
    for kind in _ORDER:
        rules.strong.extend((kind, Phrase(p)) for p in lexicon.STRONG.get(kind, ()))
        rules.weak.extend((kind, Phrase(p)) for p in lexicon.WEAK.get(kind, ()))
    rules.index = StemIndex([*(p for _, p in rules.strong), *(p for _, p in rules.weak), rules.paperwork,
                             rules.not_event])
    return rules


_RULES = _compile()
_FIGURATIVE = {lexicon.FIRE, lexicon.GAS}  # kinds whose words are also used figuratively


def detect(text: str, said: list[str] | None = None) -> Danger | None:
    """The danger a message signals, or None. ``said``: its words (``phrases.tokens``), if at hand."""
    words = words_of((said if said is not None else tokens(text))[:MAX_WORDS])
    if not words or _RULES.index is None:
        return None
    matched = _RULES.index.matched(words)
    figurative = _RULES.not_event.found_in(matched)
    found = _first(_RULES.strong, matched, figurative) or _unwell(words)
    if found is not None:
        return found
    if _RULES.paperwork.found_in(matched):
        return None
    return _first(_RULES.weak, matched, figurative)


def _first(rules: list[tuple[str, Phrase]], matched: list[frozenset[Stem]], figurative: bool) -> Danger | None:
    present = frozenset().union(*matched)
    for kind, phrase in rules:
        if figurative and kind in _FIGURATIVE:
            continue
        if phrase.found_in(matched, present):
            return Danger(kind, phrase.written)
    return None


_UNWELL = {"плохо", "дурно", "худо"}


def _unwell(words: list[Word]) -> Danger | None:
    """«девушке плохо», «плохо деду»: somebody (a living noun in the dative) next to «плохо»."""
    for i, word in enumerate(words):
        if word.raw in _UNWELL:
            near = words[max(0, i - 2):i] + words[i + 1:i + 3]
            if any(is_person_dative(other.raw) for other in near):
                return Danger(lexicon.MEDICAL, "<кому> плохо")
    return None


def reply(danger: Danger, numbers: SafetyNumbers) -> str:
    """The message for a person in danger: 112 first, then the services and helplines that help."""
    lines = [
        f"⚠️ Если есть угроза жизни или здоровью — звоните **{numbers.emergency}** прямо сейчас. "
        "Это бесплатно и работает с любого телефона.",
    ]
    services = numbers.services(danger.kind)
    if services:
        lines.append("\n".join(f"{name} — **{number}**" for name, number in services))
    helplines = numbers.helplines(danger.kind)
    if helplines:
        listed = "\n".join(f"- {line}" for line in helplines)
        lines.append(f"Если нужно поговорить с психологом — телефоны доверия:\n{listed}")
    lines.append(
        "Я бот и не могу сам вызвать помощь. Если я вас неправильно понял и опасности нет — "
        "напишите вопрос ещё раз, другими словами."
    )
    return "\n\n".join(lines)
