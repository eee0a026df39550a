"""``bot kb``: knowledge-base tools for editors."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.kb import load_knowledge_base, validate_directory


def run_check(directory: Path) -> int:
    """Validate a base; print every problem with file, line and entry. Exit 1 on errors."""
    problems = validate_directory(directory)
    if problems:
        for problem in problems:
            print(problem)
        noun = "error" if len(problems) == 1 else "errors"
        print(f"\n{len(problems)} {noun} in {directory}; the bot will not load this base.", file=sys.stderr)
        return 1
    base = load_knowledge_base(directory)
    print(f"OK: {len(base.topics)} topics, {len(base)} entries in {directory}")
    return 0
