"""Settings from the environment: defaults, the everyday forms, and clear errors that name the
variable when a value is bad."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.settings import Settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'settings.db'}")


def test_defaults_need_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL")
    settings = Settings()
    assert settings.DATABASE_URL == "sqlite:///pkh-bot.db"
    assert (settings.PKH_DEFAULT_TZ, settings.PKH_LANGUAGE) == ("Asia/Jakarta", "id")
    assert settings.simulator_enabled


def test_everyday_zone_names_and_blank_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PKH_DEFAULT_TZ", "WITA")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "  ")
    monkeypatch.setenv("PKH_LANGUAGE", "en")
    settings = Settings()
    assert settings.PKH_DEFAULT_TZ == "Asia/Makassar"
    assert settings.TELEGRAM_BOT_TOKEN is None and not settings.telegram_enabled
    assert settings.PKH_LANGUAGE == "en"


@pytest.mark.parametrize(
    ("variable", "value", "explanation"),
    [
        ("PKH_DEFAULT_TZ", "Mars/Olympus", "unknown timezone 'Mars/Olympus'"),
        ("PKH_DEFAULT_TZ", "WIBB", "use an IANA name or WIB/WITA/WIT"),
        ("DATABASE_URL", "not a url", "malformed DATABASE_URL"),
        ("DATABASE_URL", "mysql://db/pkh", "must be sqlite:/// or postgresql+psycopg://"),
        ("PKH_LANGUAGE", "fr", "'id' or 'en'"),
    ],
)
def test_a_bad_value_stops_db_upgrade_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str, value: str, explanation: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SystemExit) as stopped:
        main(["db", "upgrade"])
    message = str(stopped.value.code)
    assert message.startswith(f"pkh-bot: bad configuration: {variable}: ")
    assert explanation in message
    assert not (tmp_path / "settings.db").exists()


def test_db_upgrade_with_good_settings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    assert "latest revision" in capsys.readouterr().out
    assert (tmp_path / "settings.db").exists()
