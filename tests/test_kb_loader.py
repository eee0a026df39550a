from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.kb import KnowledgeBaseError, load_knowledge_base, validate_directory
from tests.conftest import DEMO_KB, ROOT

GOOD = """\
category: Тест
audience: business
entries:
  - id: first
    question: Первый вопрос?
    paraphrases: [первый]
    keywords: [один]
    answer: |
      Ответ с **жирным** и [ссылкой](https://example.org/).
    answer_for:
      citizen: Для граждан.
    links:
      - title: Пример
        url: https://example.org/
    related: [second]
    updated: 2026-11-01
    owner: Отдел
  - id: second
    question: Второй?
    answer: Второй ответ.
    audience: all
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, "utf-8")
    return path


def test_good_base_loads_with_all_fields(tmp_path: Path) -> None:
    write(tmp_path / "kb", "test.yaml", GOOD)
    base = load_knowledge_base(tmp_path / "kb")
    first = base.entries["first"]
    assert first.audience == "business"
    assert base.entries["second"].audience == "all"
    assert first.answer_text("citizen") == "Для граждан."
    assert first.answer_text("business").startswith("Ответ с")
    assert first.answer_text(None).startswith("Ответ с")
    assert first.links[0].url == "https://example.org/"
    assert first.related == ("second",)
    assert str(first.updated) == "2026-11-01"
    assert base.topics[0].title == "Тест"
    assert base.topics_for("citizen") == ()
    assert [t.id for t in base.topics_for("business")] == ["test"]


def test_every_error_is_reported_with_file_line_and_entry(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    write(kb, "a.yaml", """\
category: Тест
audience: everyone
extra: 1
entries:
  - id: one
    question: Вопрос?
    answer: ""
    related: [nope]
    links:
      - url: "htp://bad url"
    colour: red
  - id: one
    question: Другой
    answer: ok
  - id: Bad_ID
    question: q
    answer: a
  - id: two
    question: q
    answer: a
    answer_for:
      pensioner: x
    updated: 2026-13-01
  - id: long
    question: q
    answer: "{long}"
""".replace("{long}", "я" * 3501))
    write(kb, "b.yaml", "category: x\nentries:\n  - id: a\n    question: [unclosed\n")
    (kb / "c.yaml").write_bytes(b"\xff\xfe\x00")
    problems = [str(p) for p in validate_directory(kb)]
    expected = [
        "a.yaml:2: `audience` is 'everyone'",
        "a.yaml:3: unknown top-level key `extra`",
        "a.yaml:7 [one]: `answer` must be non-empty text",
        "a.yaml:8 [one]: related id `nope` does not exist",
        "a.yaml:10 [one]: malformed URL",
        "a.yaml:11 [one]: unknown key `colour`",
        "a.yaml:12 [one]: duplicate id",
        "a.yaml:15 [Bad_ID]: `id` 'Bad_ID' must use only",
        "a.yaml:22 [two]: `answer_for` segment `pensioner`",
        "a.yaml:23 [two]: `updated` must be a date",
        "a.yaml:26 [long]: `answer` is 3501 characters long",
        "b.yaml:5: YAML syntax error",
        "c.yaml: the file is not UTF-8 text",
    ]
    for fragment in expected:
        assert any(p.startswith(fragment) for p in problems), (fragment, problems)
    assert len(problems) == len(expected)
    with pytest.raises(KnowledgeBaseError):
        load_knowledge_base(kb)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "must be a mapping"),
        ("- a\n- b\n", "must be a mapping"),
        ("category: x\nentries: []\n", "`entries` must be a non-empty list"),
        ("category: x\ncategory: y\nentries: []\n", "appears twice"),
        ("entries:\n  - id: a\n    question: q\n    answer: a\n", "`category` is missing"),
        ("category: x\nentries:\n  - question: q\n    answer: a\n", "`id` None"),
        ("category: x\nentries:\n  - id: a\n    question: q\n    answer: a\n    related: [a]\n",
         "cannot be related to itself"),
        ("category: x\nentries:\n  - id: a\n    question: q\n    answer: a\n    keywords: ип\n",
         "`keywords` must be a list"),
    ],
)
def test_malformed_files(tmp_path: Path, text: str, fragment: str) -> None:
    write(tmp_path / "kb", "t.yaml", text)
    problems = [str(p) for p in validate_directory(tmp_path / "kb")]
    assert any(fragment in p for p in problems), problems


def test_empty_or_missing_folder(tmp_path: Path) -> None:
    assert "no .yaml files" in str(validate_directory(tmp_path)[0])
    assert "not a folder" in str(validate_directory(tmp_path / "nope")[0])


def test_duplicate_id_across_files(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    write(kb, "a.yaml", "category: A\nentries:\n  - id: same\n    question: q\n    answer: a\n")
    write(kb, "b.yaml", "category: B\nentries:\n  - id: same\n    question: q2\n    answer: a2\n")
    problems = [str(p) for p in validate_directory(kb)]
    assert problems == ["b.yaml:3 [same]: duplicate id (already used in a.yaml:3)"]


def test_a_syntax_error_is_one_error_not_a_cascade(tmp_path: Path) -> None:
    """Entries elsewhere that point at ids of the unreadable file are not reported as broken links."""
    kb = tmp_path / "kb"
    write(kb, "a.yaml", "category: A\nentries:\n  - id: one\n    question: q\n    answer: a\n    related: [two]\n")
    write(kb, "b.yaml", "category: B\nentries:\n  - id: two\n    question: q2 : : [\n    answer: a2\n")
    problems = [str(p) for p in validate_directory(kb)]
    assert len(problems) == 1 and "b.yaml:4: YAML syntax error" in problems[0], problems
    write(kb, "b.yaml", "category: B\nentries:\n  - id: three\n    question: q2\n    answer: a2\n")
    assert [str(p) for p in validate_directory(kb)] == ["a.yaml:6 [one]: related id `two` does not exist"]


def test_parsed_base_cache_returns_the_same_base(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = load_knowledge_base(DEMO_KB, cache)
    assert list(cache.glob("kb-*.pickle"))
    second = load_knowledge_base(DEMO_KB, cache)
    assert second.topics == first.topics
    assert dict(second.entries) == dict(first.entries)
    # A change in the files gives a new checksum, so the stale cache is not used.
    kb = tmp_path / "kb"
    write(kb, "t.yaml", GOOD)
    load_knowledge_base(kb, cache)
    write(kb, "t.yaml", GOOD.replace("Второй ответ.", "Новый ответ."))
    assert load_knowledge_base(kb, cache).entries["second"].answer == "Новый ответ."


def test_demo_base_is_rich_enough() -> None:
    assert validate_directory(DEMO_KB) == []
    base = load_knowledge_base(DEMO_KB)
    assert len(base) >= 80
    assert len(base.topics) >= 8
    audiences = {t.audience for t in base.topics}
    assert {"citizen", "business"} <= audiences
    with_variants = [e for e in base.entries.values() if e.answer_for]
    assert len(with_variants) >= 10
    assert sum(bool(e.paraphrases) for e in base.entries.values()) == len(base)
    assert sum(bool(e.links) for e in base.entries.values()) >= len(base) // 2
    assert sum(bool(e.related) for e in base.entries.values()) >= len(base) // 2


def test_demo_base_does_not_copy_the_evaluation_set() -> None:
    from tests.conftest import shared_eval_dir

    eval_dir = shared_eval_dir()
    if eval_dir is None:
        pytest.skip("shared/eval is not beside this checkout")
    demo = load_knowledge_base(DEMO_KB)
    public = load_knowledge_base(eval_dir / "kb")
    assert not set(demo.entries) & set(public.entries)
    demo_questions = {e.question.lower() for e in demo.entries.values()}
    assert not demo_questions & {e.question.lower() for e in public.entries.values()}


def test_kb_check_command(tmp_path: Path) -> None:
    ok = subprocess.run(
        [sys.executable, "-m", "bot", "kb", "check", str(DEMO_KB)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("OK:")
    write(tmp_path / "kb", "a.yaml", "category: x\nentries:\n  - id: a\n    question: q\n")
    bad = subprocess.run(
        [sys.executable, "-m", "bot", "kb", "check", str(tmp_path / "kb")],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )
    assert bad.returncode == 1
    assert "a.yaml:3 [a]: `answer` is missing or empty" in bad.stdout
    assert "Traceback" not in bad.stderr


def test_demo_base_follows_its_own_plain_language_advice() -> None:
    """The demo base is the example editors copy: no long sentences, канцелярит or answers without an action.
    (Some entries are deliberately past their review date, to show the review reminders.)"""
    from bot.editors.readability import base_hints

    assert [str(h) for h in base_hints(load_knowledge_base(DEMO_KB))] == []
