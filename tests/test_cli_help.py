"""The command line explains itself: every command and option has help; refusals say what to do."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pytest

from bot.cli import _parser, main


def _walk(parser: argparse.ArgumentParser, path: str = "bot") -> list[tuple[str, argparse.Action]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found += _walk(child, f"{path} {name}")
        elif not isinstance(action, argparse._HelpAction):
            found.append((path, action))
    return found


def test_every_option_has_help() -> None:
    missing = [f"{path} {action.dest}" for path, action in _walk(_parser()) if not action.help]
    assert missing == []


def test_run_help_describes_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    out = capsys.readouterr().out
    assert "BOT_TELEGRAM__TOKEN" in out and "console" in out


def test_broadcast_preview_without_the_channel_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    os.environ["BOT_BOT__DATA_DIR"] = str(tmp_path / "data")
    assert main(["broadcast", "create", "--text", "Приём граждан переносится на среду.",
                 "--category", "content"]) == 0
    capsys.readouterr()
    assert main(["broadcast", "preview", "1", "--to", "42"]) == 1
    err = capsys.readouterr().err
    assert "not configured" in err and "BOT_TELEGRAM__TOKEN" in err

    os.environ["BOT_TELEGRAM__TOKEN"] = "123456:" + "x" * 35
    assert main(["broadcast", "preview", "1", "--to", "42"]) == 0
    assert "queued for telegram chat 42" in capsys.readouterr().out
