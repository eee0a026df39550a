"""Write topics back to YAML files in the knowledge-base format (shared/kb-format.md)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml


class _Flow(list):
    """A short list written on one line: ``[ип, регистрация]``."""


class _Block(str):
    """A text written as a literal block (``answer: |``), the way answers are written by hand."""

    __slots__ = ()


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Lists under a key are indented ("entries:\n  - id: …"), as in the hand-written files.
        super().increase_indent(flow, False)


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _block(dumper: yaml.SafeDumper, value: _Block) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style="|")


def _flow(dumper: yaml.SafeDumper, value: _Flow) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(_Flow, _flow)
_Dumper.add_representer(_Block, _block)

# The order of the hand-written demo files: an entry's audience follows its answers.
ENTRY_ORDER = (
    "id", "question", "paraphrases", "keywords", "answer", "answer_for", "audience", "links", "related",
    "updated", "owner",
)
FLOW_KEYS = frozenset({"keywords", "related"})
BLOCK_AFTER = 80  # answers longer than this (or with line breaks) are written as blocks


def _answer(text: str) -> str:
    if "\n" in text or len(text) > BLOCK_AFTER:
        return _Block(text.rstrip("\n") + "\n")
    return text


def _entry(entry: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ENTRY_ORDER:
        if key not in entry:
            continue
        value = entry[key]
        if key == "answer" and isinstance(value, str):
            value = _answer(value)
        elif key == "answer_for" and isinstance(value, dict):
            value = {segment: _answer(text) if isinstance(text, str) else text for segment, text in value.items()}
        out[key] = _Flow(value) if key in FLOW_KEYS else value
    return out


def dump_topic(category: str, audience: str | None, entries: list[Mapping[str, Any]], header: str = "") -> str:
    """The text of one topic file; ``header`` is a comment block kept at the top."""
    doc: dict[str, Any] = {"category": category}
    if audience is not None:
        doc["audience"] = audience
    doc["entries"] = [_entry(e) for e in entries]
    body = yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100000)
    # A blank line between entries makes the files easier to read and to diff.
    body = body.replace("\n  - id:", "\n\n  - id:").replace("entries:\n\n  - id:", "entries:\n  - id:")
    return header + body


def leading_comment(path: Path) -> str:
    """The comment lines at the top of an existing file (kept when the file is rewritten)."""
    try:
        lines = path.read_text("utf-8").splitlines(keepends=True)
    except (OSError, UnicodeDecodeError):
        return ""
    kept: list[str] = []
    for line in lines:
        if not line.startswith("#"):
            break
        kept.append(line)
    return "".join(kept)


def write_atomically(path: Path, text: str) -> bool:
    """Write ``text`` unless the file already holds it; returns whether the file changed."""
    try:
        if path.read_text("utf-8") == text:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, "utf-8")
    os.replace(tmp, path)
    return True
