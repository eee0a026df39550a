"""The console channel, as a person (and a script) uses it from the README."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

SCRIPT = "\n".join([
    "/start",
    "#2",  # Предприниматель
    "как открыть ипшку",
    "#1",  # Да
    "#1",  # Удовлетворён
    "#1",  # Легко
    "Спасибо, всё понятно",
    "#99",
    "абырвалг",
]) + "\n"


def run(args: list[str], stdin: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    # the test's database (the db_url fixture) and nothing else of BOT_*
    kept = ("BOT_DATABASE__URL", "BOT_MATCHER__SEMANTIC")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_") or k in kept}
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True, cwd=ROOT,
        env=env, check=False, timeout=120,
    )


def test_chat_from_a_pipe_plays_a_whole_dialogue() -> None:
    proc = run(["chat", "--fresh"], SCRIPT)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Здравствуйте!" in out
    assert "[1] Гражданин   [2] Предприниматель" in out
    assert "Буду отвечать для предпринимателей" in out
    assert "Р21001" in out
    assert "Это помогло?\n[1] Да   [2] Нет" in out
    assert "Насколько вы удовлетворены ответом?" in out
    assert "Легко ли было решить вопрос?" in out
    assert "Спасибо за оценку!" in out
    assert "Нет кнопки с номером 99." in out
    assert "Не нашёл ответа" in out
    assert "Traceback" not in proc.stderr


def test_chat_with_another_knowledge_base(tmp_path) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "one.yaml").write_text(
        "category: Проверка\nentries:\n  - id: ping\n    question: Как проверить бота?\n"
        "    paraphrases: [проверка бота]\n    answer: Бот работает.\n",
        "utf-8",
    )
    proc = run(["chat", "--fresh", "--kb", str(kb)], "/start\n#3\nпроверка бота\n")
    assert proc.returncode == 0, proc.stderr
    assert "Бот работает." in proc.stdout


def test_chat_refuses_a_broken_base(tmp_path) -> None:
    (tmp_path / "bad.yaml").write_text("category: x\n", "utf-8")
    proc = run(["chat", "--fresh", "--kb", str(tmp_path)], "привет\n")
    assert proc.returncode == 1
    assert "bad.yaml" in proc.stderr and "Traceback" not in proc.stderr


def test_run_without_tokens_starts_the_console(tmp_path, db_url: str) -> None:
    env = {"BOT_BOT__DATA_DIR": str(tmp_path / "data")}
    proc = run(["run"], "как записаться в мфц\n", env)
    assert proc.returncode == 0, proc.stderr
    assert "консольный режим" in proc.stderr
    assert "МФЦ" in proc.stdout
    assert (tmp_path / "data" / "bot.sqlite3").exists() == db_url.startswith("sqlite")


def test_run_without_a_channel_and_without_a_terminal_stops_with_an_error(tmp_path) -> None:
    """Under systemd or in a container (input from /dev/null) the console cannot serve anyone."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_") or k == "BOT_MATCHER__SEMANTIC"}
    env["BOT_BOT__DATA_DIR"] = str(tmp_path / "data")
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "run"], stdin=subprocess.DEVNULL, capture_output=True, text=True, cwd=ROOT,
        env=env, check=False, timeout=120,
    )
    assert proc.returncode == 78, proc.stderr  # EX_CONFIG: systemd's unit does not restart it in a loop
    assert "BOT_TELEGRAM__TOKEN" in proc.stderr and "BOT_VK__TOKEN" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_in_a_terminal_the_log_goes_to_a_file_not_into_the_chat(tmp_path, monkeypatch, capsys) -> None:
    import io
    import logging

    from bot.commands.chat import run_chat
    from bot.config import load_settings
    from bot.logs import setup_logging

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setenv("BOT_BOT__DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr("sys.stdin", Terminal("привет\n"))
    setup_logging("INFO")
    try:
        assert run_chat(load_settings(), None, "console") == 0
        logging.getLogger("bot.test").info("a log line")
    finally:
        setup_logging("INFO")
    captured = capsys.readouterr()
    assert "a log line" not in captured.err and "a log line" not in captured.out
    assert "console.log" in captured.err
    assert "a log line" in (tmp_path / "data" / "console.log").read_text("utf-8")
