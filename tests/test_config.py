from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings


def test_defaults_without_any_file() -> None:
    settings = load_settings()
    assert settings.telegram.token is None
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.knowledge_base.path.name == "knowledge_base"


def test_file_and_environment_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[bot]\ntimezone = "Asia/Kamchatka"\n[matcher]\nanswer_score = 80\n', "utf-8")
    monkeypatch.setenv("BOT_MATCHER__CONFIRM_SCORE", "55")
    monkeypatch.setenv("BOT_TELEGRAM__TOKEN", "123456:secret-token-value")
    settings = load_settings(path)
    assert settings.bot.timezone == "Asia/Kamchatka"
    assert settings.matcher.answer_score == 80
    assert settings.matcher.confirm_score == 55
    assert settings.telegram.token is not None
    assert "secret-token-value" not in repr(settings)  # secrets never show in reprs or logs


def test_unknown_key_and_bad_value_are_named(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[telegram]\ntokn = "x"\nmode = "pull"\n', "utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    text = str(err.value)
    assert "telegram.tokn: unknown key" in text
    assert "telegram.mode" in text


def test_broken_toml_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[bot\nname = 1", "utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(path)
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "missing.toml")


def test_thresholds_must_be_ordered(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[matcher]\nanswer_score = 40\nconfirm_score = 60\n", "utf-8")
    with pytest.raises(ConfigError, match="matcher"):
        load_settings(path)


def test_unknown_time_zone(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[bot]\ntimezone = "Mars/Olympus"\n', "utf-8")
    with pytest.raises(ConfigError, match=r"bot\.timezone"):
        load_settings(path)


def test_example_config_is_valid() -> None:
    example = Path(__file__).resolve().parent.parent / "config.example.toml"
    settings = load_settings(example)
    assert settings.bot.name
    # Copying the example must not shift reminders, hours and reports for most regions.
    assert settings.bot.timezone == "Europe/Moscow"


def test_messenger_channels_refuse_the_placeholder_privacy_link(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.commands.run import run_bot

    started: list[object] = []
    monkeypatch.setattr("bot.runner.run_channels", lambda settings: started.append(settings) or 0)
    monkeypatch.setenv("BOT_TELEGRAM__TOKEN", "123456:secret-token-value")
    assert run_bot(load_settings()) == 2
    err = capsys.readouterr().err
    assert "bot.privacy_policy_url" in err and "BOT_BOT__PRIVACY_POLICY_URL" in err
    assert not started

    monkeypatch.setenv("BOT_BOT__PRIVACY_POLICY_URL", "https://gov.example.ru/privacy")
    assert run_bot(load_settings()) == 0
    assert len(started) == 1


def test_the_console_runs_with_the_placeholder_and_names_the_zone(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.commands import run as run_command

    monkeypatch.setattr(run_command, "run_chat", lambda settings, kb, user: 0)
    monkeypatch.setattr(run_command, "has_input", lambda: True)  # in a terminal (pytest holds the real input)
    assert run_command.run_bot(load_settings()) == 0
    assert "Europe/Moscow" in capsys.readouterr().err
