"""``bot kb``: knowledge-base tools for editors."""

from __future__ import annotations

import sys
from collections import Counter
from datetime import date
from pathlib import Path

from bot.kb import KnowledgeBaseError, load_knowledge_base, validate_directory

HINT_NAMES = {
    "long_sentence": "long sentences",
    "bureaucratic": "bureaucratic phrasing",
    "no_action": "no clear action",
    "stale": "due for review",
}


def run_check(directory: Path, review_days: int = 180, today: date | None = None, hints: bool = True) -> int:
    """Validate a base; print every problem with file, line and entry. Exit 1 on errors.

    A valid base also gets hints (readability, entries due for review); hints never fail the check.
    """
    problems = validate_directory(directory)
    if problems:
        for problem in problems:
            print(problem)
        noun = "error" if len(problems) == 1 else "errors"
        print(f"\n{len(problems)} {noun} in {directory}; the bot will not load this base.", file=sys.stderr)
        return 1
    base = load_knowledge_base(directory)
    print(f"OK: {len(base.topics)} topics, {len(base)} entries in {directory}")
    if hints:
        from bot.editors.readability import base_hints
        from bot.editors.stale import stale_entries, stale_hints

        found = base_hints(base) + stale_hints(stale_entries(base, today or date.today(), review_days), review_days)
        for hint in found:
            print(hint)
        if found:
            counts = Counter(h.code for h in found)
            summary = ", ".join(f"{HINT_NAMES.get(c, c)}: {n}" for c, n in counts.most_common())
            print(f"\n{len(found)} hints ({summary}); hints are advice, the base loads.")
    return 0


def run_export(kb_dir: Path, out: Path) -> int:
    from bot.editors.transfer import export_base

    try:
        base = load_knowledge_base(kb_dir)
    except KnowledgeBaseError as exc:
        print(f"The knowledge base in {kb_dir} has errors; fix them before exporting:\n{exc}", file=sys.stderr)
        return 1
    if out.suffix.lower() not in (".xlsx", ".csv"):
        print(f"{out}: use a file name ending in .xlsx or .csv", file=sys.stderr)
        return 2
    rows = export_base(base, out)
    print(f"Exported {rows} entries in {len(base.topics)} topics to {out}")
    return 0


def run_import(table: Path, kb_dir: Path, dry_run: bool = False) -> int:
    from bot.editors.diff import diff_bases
    from bot.editors.transfer import import_table

    if not table.is_file():
        print(f"{table} does not exist", file=sys.stderr)
        return 2
    try:
        before = load_knowledge_base(kb_dir) if kb_dir.is_dir() else None
    except KnowledgeBaseError:
        before = None
    result = import_table(table, kb_dir, dry_run=dry_run)
    if not result.ok:
        for problem in result.problems:
            print(problem)
        print(f"\n{len(result.problems)} problems in {table}; nothing was changed in {kb_dir}.", file=sys.stderr)
        return 1
    assert result.base is not None
    if before is not None:
        for line in diff_bases(before, result.base).lines():
            print(line)
    if dry_run:
        print(f"\nDry run: {table} is valid ({len(result.base)} entries); nothing was written.")
        return 0
    changed = ", ".join(result.written) or "none"
    print(f"\nImported {len(result.base)} entries into {kb_dir}. Files written: {changed}.")
    if result.removed:
        print(f"Files removed (their topics are not in the table): {', '.join(result.removed)}.")
    return 0


def run_diff(old: Path, new: Path) -> int:
    from bot.editors.diff import diff_bases
    from bot.editors.transfer import SheetError, load_any

    bases = []
    for path in (old, new):
        try:
            bases.append(load_any(path))
        except (KnowledgeBaseError, SheetError) as exc:
            print(f"{path} cannot be read:\n{exc}", file=sys.stderr)
            return 1
    for line in diff_bases(bases[0], bases[1]).lines():
        print(line)
    return 0
