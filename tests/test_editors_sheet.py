"""Spreadsheet export and import, diffs, readability hints and stale entries."""

from __future__ import annotations

import hashlib
import shutil
from datetime import date
from pathlib import Path

import pytest

from bot.cli import main
from bot.editors.diff import diff_bases
from bot.editors.readability import bureaucratic_markers, entry_hints, has_action, long_sentences
from bot.editors.sheet import COLUMNS, base_rows, read_table
from bot.editors.stale import stale_entries, stale_reminder
from bot.editors.transfer import export_base, import_table, load_any
from bot.kb import load_knowledge_base
from bot.kb.model import Entry, KnowledgeBase
from tests.conftest import DEMO_KB

pytestmark = pytest.mark.usefixtures("db_url")  # every test here also runs on PostgreSQL

# Edge cases the demo base lacks: a .yml file, a link without a title, a numeric keyword, a text that
# looks like a formula, an entry whose audience differs from its topic's, quotes and colons.
EDGE = """\
# Шапка файла: сохраняется при импорте
category: "Разное: тест"
audience: citizen
entries:
  - id: edge-one
    question: "Что значит «=СУММ(A1)» в таблице?"
    paraphrases:
      - '=формула в начале'
      - "вопрос: с двоеточием"
    keywords: [2026, ип]
    answer: |
      Первая строка ответа.
      - пункт списка;
      - **жирный** пункт и [ссылка](https://example.org/a).
    answer_for:
      business: Для бизнеса — отдельный ответ.
    audience: all
    links:
      - url: https://example.org/no-title
      - title: С заголовком | и чертой
        url: https://example.org/b
    related: [edge-two]
    updated: 2026-01-15
    owner: Отдел «Тест»
  - id: edge-two
    question: Второй?
    answer: Короткий ответ.
"""

ENTRY_FIELDS = (
    "question", "answer", "topic_id", "paraphrases", "keywords", "links", "related", "audience", "updated", "owner",
)


def digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(folder.iterdir()):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def assert_same_base(a: KnowledgeBase, b: KnowledgeBase) -> None:
    assert list(a.entries) == list(b.entries)
    for eid, entry in a.entries.items():
        other = b.entries[eid]
        for name in ENTRY_FIELDS:
            assert getattr(entry, name) == getattr(other, name), (eid, name)
        assert dict(entry.answer_for) == dict(other.answer_for), eid
    assert [(t.id, t.title, t.audience, t.entry_ids) for t in a.topics] == [
        (t.id, t.title, t.audience, t.entry_ids) for t in b.topics
    ]


@pytest.fixture
def edge_kb(tmp_path: Path) -> Path:
    folder = tmp_path / "edge"
    shutil.copytree(DEMO_KB, folder)
    (folder / "zz-edge.yml").write_text(EDGE, "utf-8")
    return folder


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_round_trip_keeps_every_field(edge_kb: Path, tmp_path: Path, suffix: str) -> None:
    original = load_knowledge_base(edge_kb)
    first = tmp_path / f"first{suffix}"
    assert export_base(original, first) == len(original)

    imported_dir = tmp_path / "imported"
    result = import_table(first, imported_dir)
    assert result.ok, result.problems
    imported = load_knowledge_base(imported_dir)
    assert_same_base(original, imported)
    assert imported.entries["edge-one"].links[0].title == ""
    assert imported.entries["edge-one"].keywords == ("2026", "ип")

    second = tmp_path / f"second{suffix}"
    export_base(imported, second)
    assert read_table(first).rows == read_table(second).rows
    assert base_rows(original) == base_rows(imported)
    # importing the same table again writes nothing
    again = import_table(second, imported_dir)
    assert again.ok and again.written == () and again.removed == ()


def test_import_into_the_original_folder_keeps_files_and_header(edge_kb: Path, tmp_path: Path) -> None:
    table = tmp_path / "kb.xlsx"
    export_base(load_knowledge_base(edge_kb), table)
    before = load_knowledge_base(edge_kb)
    result = import_table(table, edge_kb)
    assert result.ok
    assert "zz-edge.yml" in {p.name for p in edge_kb.iterdir()}
    assert not (edge_kb / "zz-edge.yaml").exists()
    assert (edge_kb / "zz-edge.yml").read_text("utf-8").startswith("# Шапка файла")
    assert_same_base(before, load_knowledge_base(edge_kb))


def _break(table: Path, broken: Path) -> dict[str, int]:
    """Damage an exported table in known places; returns the row numbers used."""
    from openpyxl import load_workbook

    book = load_workbook(table)
    sheet = book.active
    column = {c.key: i for i, c in enumerate(COLUMNS, start=1)}
    sheet.cell(row=3, column=column["question"]).value = None
    sheet.cell(row=5, column=column["updated"]).value = "вчера"
    sheet.cell(row=7, column=column["related"]).value = "no-such-entry"
    first_id = sheet.cell(row=2, column=column["id"]).value
    sheet.cell(row=9, column=column["id"]).value = first_id
    sheet.cell(row=10, column=column["links"]).value = "Сайт | not-a-url"
    sheet.cell(row=11, column=column["audience"]).value = "инопланетяне"
    book.save(broken)
    return {"question": 3, "updated": 5, "related": 7, "id": 9, "links": 10, "audience": 11}


def test_broken_table_reports_rows_and_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kb = tmp_path / "kb"
    shutil.copytree(DEMO_KB, kb)
    table, broken = tmp_path / "kb.xlsx", tmp_path / "broken.xlsx"
    export_base(load_knowledge_base(kb), table)
    rows = _break(table, broken)
    before = digest(kb)

    result = import_table(broken, kb)
    assert not result.ok
    text = "\n".join(str(p) for p in result.problems)
    assert f"row {rows['question']}, column «Вопрос»: `question` is missing or empty" in text
    assert f"row {rows['updated']}, column «Обновлено»: 'вчера' is not a date" in text
    assert f"row {rows['related']}, column «Связанные»: related id `no-such-entry` does not exist" in text
    assert f"row {rows['id']}, column «ID»: duplicate id" in text and "already in row 2" in text
    assert f"row {rows['links']}, column «Ссылки»: malformed URL 'not-a-url'" in text
    assert f"row {rows['audience']}, column «Аудитория»" in text
    assert digest(kb) == before

    assert main(["kb", "import", str(broken), "--kb", str(kb)]) == 1
    out = capsys.readouterr()
    assert f"row {rows['question']}, column «Вопрос»" in out.out
    assert "nothing was changed" in out.err
    assert digest(kb) == before


def test_table_headers_checked(tmp_path: Path) -> None:
    table = tmp_path / "bad.csv"
    table.write_text("topic;ID;Вопрос;Лишняя колонка\ndocs;a;Вопрос?;x\n", "utf-8")
    result = import_table(table, tmp_path / "kb")
    messages = [str(p) for p in result.problems]
    assert "row 1, column «Лишняя колонка»: unknown column" in messages
    assert "row 1, column «Ответ»: required column is missing" in messages
    assert "row 1, column «Название темы»: required column is missing" in messages
    assert not (tmp_path / "kb").exists()


def test_english_headers_and_russian_values(tmp_path: Path) -> None:
    table = tmp_path / "en.csv"
    table.write_text(
        "topic,category,topic_audience,id,question,answer,audience,updated,paraphrases\n"
        'docs,Документы,граждане,a-one,Вопрос?,Подайте заявление.,все,01.02.2026,"один\nдва"\n',
        "utf-8",
    )
    result = import_table(table, tmp_path / "kb")
    assert result.ok, result.problems
    entry = load_knowledge_base(tmp_path / "kb").entries["a-one"]
    assert entry.audience == "all" and entry.updated == date(2026, 2, 1)
    assert entry.paraphrases == ("один", "два")
    assert load_knowledge_base(tmp_path / "kb").topics[0].audience == "citizen"


def test_export_and_dry_run_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = tmp_path / "kb.csv"
    assert main(["kb", "export", "--csv", str(table), "--kb", str(DEMO_KB)]) == 0
    assert main(["kb", "import", str(table), "--kb", str(DEMO_KB), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "No differences." in out and "Dry run" in out


def test_diff_lists_added_removed_and_changed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = tmp_path / "new"
    shutil.copytree(DEMO_KB, new)
    path = new / "documents.yaml"
    text = path.read_text("utf-8")
    text = text.replace(
        "    question: Что делать при утере или краже паспорта?", "    question: Потерял паспорт — что делать?"
    )
    text = text.replace(
        "      - утерян паспорт как восстановить\n", "      - утерян паспорт как восстановить\n      - украли паспорт\n"
    )
    path.write_text(text, "utf-8")
    old_base, new_base = load_knowledge_base(DEMO_KB), load_knowledge_base(new)
    assert "lost-passport-restore" in old_base.entries

    table = tmp_path / "new.xlsx"
    export_base(new_base, table)
    # remove one entry and add one through the spreadsheet
    from openpyxl import load_workbook

    book = load_workbook(table)
    sheet = book.active
    referenced = {r for e in new_base.entries.values() for r in e.related}
    ids = [sheet.cell(row=n, column=4).value for n in range(2, sheet.max_row + 1)]
    row, removed_id = next((n, i) for n, i in enumerate(ids, start=2) if i not in referenced)
    sheet.delete_rows(row)
    sheet.append(["documents", "Документы", "citizen", "new-entry", "Новый вопрос?", None, None, "Подайте заявление."])
    book.save(table)

    diff = diff_bases(old_base, load_any(table))
    assert [e.id for e in diff.added] == ["new-entry"]
    assert [e.id for e in diff.removed] == [removed_id]
    changed = {c.id: [f.name for f in c.fields] for c in diff.changed}
    assert changed == {"lost-passport-restore": ["question", "paraphrases"]}
    details = [f.describe() for f in diff.changed[0].fields]
    assert details[0] == "question: Что делать при утере или краже паспорта? → Потерял паспорт — что делать?"
    assert details[1] == "paraphrases: + украли паспорт"

    assert main(["kb", "diff", str(DEMO_KB), str(table)]) == 0
    out = capsys.readouterr().out
    assert "Added: 1, removed: 1, changed: 1" in out
    assert "+ new-entry [documents]: Новый вопрос?" in out


def test_diff_of_equal_bases(tmp_path: Path) -> None:
    assert diff_bases(load_knowledge_base(DEMO_KB), load_knowledge_base(DEMO_KB)).lines() == ["No differences."]


def _entry(answer: str, **fields: object) -> Entry:
    return Entry(id="e", question="Вопрос?", answer=answer, topic_id="t", source="t.yaml", line=3, **fields)


def test_readability_hints() -> None:
    long = " ".join(["слово"] * 31) + "."
    assert [n for n, _ in long_sentences(f"Коротко. {long}")] == [31]
    assert long_sentences("- пункт один\n- пункт два") == []

    text = "В целях получения данной услуги заявление осуществляется в соответствии с порядком."
    assert bureaucratic_markers(text) == ["в целях", "данной", "осуществляется", "в соответствии с"]
    assert bureaucratic_markers("Проверьте свои данные в профиле.") == []
    assert bureaucratic_markers("Подайте заявление на Госуслугах.") == []
    # An official title in quotes is what people will search for, not the author's phrasing.
    assert bureaucratic_markers("Сервис «Информация о юрлицах, в отношении которых представлены документы».") == []
    assert bureaucratic_markers("Сервис «Мой налог» работает в отношении самозанятых.") == ["в отношении"]

    assert has_action("Подайте заявление на Госуслугах.")
    assert has_action("Записаться можно в любом МФЦ.")
    assert has_action("Обратитесь в налоговую.")
    assert not has_action("Пособие является ежемесячной выплатой семьям.")

    good = _entry("Подайте заявление на Госуслугах или в МФЦ.")
    assert entry_hints(good) == []
    bad = _entry(
        "Данная выплата является мерой поддержки.",
        answer_for={"business": f"Подайте заявление. {long}"},
    )
    codes = [(h.code, h.message.split()[0]) for h in entry_hints(bad)]
    assert codes == [
        ("bureaucratic", "`answer`"), ("no_action", "`answer`"), ("long_sentence", "`answer_for.business`"),
    ]
    assert "канцелярит" in entry_hints(bad)[0].message_ru


def test_stale_entries_and_reminder() -> None:
    base = load_knowledge_base(DEMO_KB)
    today = date(2026, 11, 23)
    stale = stale_entries(base, today, 180)
    assert stale and all(s.owner and (today - s.updated).days > 180 for s in stale)
    assert [s.updated for s in stale] == sorted(s.updated for s in stale)
    owners = {e.owner for e in base.entries.values() if e.owner and e.updated and (today - e.updated).days > 180}
    assert {s.owner for s in stale} == owners
    text = stale_reminder(stale, 180)
    assert text.startswith("**Пора проверить статьи базы знаний**")
    for item in stale:
        assert f"**{item.owner}**" in text and item.question in text
    assert stale_entries(base, today, 100_000) == []
    assert "проверены" in stale_reminder([], 180)


def test_kb_check_prints_hints_and_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "check", str(DEMO_KB)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OK:")
    assert "hint: " in out and "hints are advice, the base loads" in out
    assert main(["kb", "check", "--no-hints", str(DEMO_KB)]) == 0
    assert "hint" not in capsys.readouterr().out
