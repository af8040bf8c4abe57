"""Secrets out of the logs: what the redactor cleans in a record, which settings are secret, and
the levels `pkh-bot` gives the chatty HTTP loggers."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.cli import CHATTY_LOGGERS, main
from bot.logs import REDACTED, SecretRedactor, redact_secrets_in_logs
from bot.settings import Settings

TOKEN = "987654:AAH-secret_Token-value"


def record(msg: object, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    return logging.LogRecord("test", logging.INFO, __file__, 1, msg, args or None, exc_info)


def cleaned(redactor: SecretRedactor, item: logging.LogRecord) -> str:
    assert redactor.filter(item) is True  # never drops a record
    return logging.Formatter().format(item)


@pytest.fixture
def redactor() -> SecretRedactor:
    found = SecretRedactor()
    found.add([TOKEN, "short", None])
    return found


def test_the_token_is_replaced_wherever_a_record_holds_it(redactor: SecretRedactor) -> None:
    url = httpx.URL(f"https://api.telegram.org/bot{TOKEN}/getUpdates")
    assert cleaned(redactor, record("HTTP Request: %s %s", "POST", url)) == (
        "HTTP Request: POST https://api.telegram.org/bot[token]/getUpdates"
    )
    assert cleaned(redactor, record(f"token {TOKEN} in an f-string")) == (
        "token [token] in an f-string"
    )
    assert (
        cleaned(redactor, record("endpoint `%s` with `%r`", "setWebhook", {"secret": TOKEN}))
        == "endpoint `setWebhook` with `\"{'secret': '[token]'}\"`"
    )
    assert cleaned(redactor, record("%(url)s", {"url": f"/bot{TOKEN}/x"})) == "/bot[token]/x"
    encoded = TOKEN.replace(":", "%3A")
    assert cleaned(redactor, record("GET /bot%s/getMe", encoded)) == "GET /bot[token]/getMe"
    try:
        raise RuntimeError(f"Client error for url 'https://api.telegram.org/bot{TOKEN}/getMe'")
    except RuntimeError as error:
        text = cleaned(redactor, record("failed", exc=error))
    assert TOKEN not in text and "RuntimeError: Client error" in text and REDACTED in text


def test_other_arguments_keep_their_types(redactor: SecretRedactor) -> None:
    """uvicorn's access log formatter unpacks its arguments: they must stay as they were."""
    args = ("127.0.0.1:5000", "POST", "/webhooks/telegram", "1.1", 200)
    item = record('%s - "%s %s HTTP/%s" %d', *args)
    redactor.filter(item)
    assert item.args == args
    assert cleaned(redactor, record("short words stay short")) == "short words stay short"


def test_the_secret_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(
        DATABASE_URL="postgresql+psycopg://pkh:db-password-1@db/pkh",
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_WEBHOOK_SECRET="webhook-secret",
        TWILIO_ACCOUNT_SID="AC" + "1" * 32,
        TWILIO_AUTH_TOKEN="twilio-auth-token",
    )
    basic = base64.b64encode(f"{'AC' + '1' * 32}:twilio-auth-token".encode()).decode()
    assert settings.secrets() == [
        TOKEN,
        "webhook-secret",
        "twilio-auth-token",
        basic,
    ]
    assert Settings(DATABASE_URL="sqlite:///x.db").secrets() == []


@pytest.mark.parametrize(
    ("values", "simulator"),
    [
        ({}, True),
        ({"TELEGRAM_BOT_TOKEN": " "}, True),  # blank is unset
        ({"TELEGRAM_BOT_TOKEN": TOKEN}, False),
        ({"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t"}, False),
        ({"TWILIO_ACCOUNT_SID": "AC1"}, False),
        ({"TWILIO_AUTH_TOKEN": "t"}, False),
        ({"TWILIO_WHATSAPP_NUMBER": "+6281100000001"}, True),  # a number alone is no channel
    ],
)
def test_the_simulator_only_without_any_real_channel(
    values: dict[str, str], simulator: bool
) -> None:
    assert Settings(DATABASE_URL="sqlite:///x.db", **values).simulator_enabled is simulator


@pytest.fixture
def logger_levels() -> Iterator[None]:
    names = ("", *CHATTY_LOGGERS)
    saved = {name: logging.getLogger(name).level for name in names}
    yield
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


@pytest.mark.parametrize(("level", "chatty"), [("INFO", logging.WARNING), ("DEBUG", 0)])
def test_pkh_bot_quiets_the_http_loggers_below_debug(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    logger_levels: None,
    capsys: pytest.CaptureFixture[str],
    level: str,
    chatty: int,
) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'levels.db'}")
    monkeypatch.setenv("PKH_LOG_LEVEL", level)
    assert main(["db", "upgrade"]) == 0
    assert logging.getLogger().level == getattr(logging, level)
    assert {logging.getLogger(name).level for name in CHATTY_LOGGERS} == {chatty}


def test_every_record_of_the_process_is_redacted_once_registered(
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = "process-wide-secret-42"
    redact_secrets_in_logs([secret])
    caplog.set_level(logging.DEBUG)
    logging.getLogger("some.library").debug("calling with %s", {"secret_token": secret})
    assert secret not in caplog.text and "[token]" in caplog.text


def test_access_lines_keep_the_path_but_not_the_query(caplog: pytest.LogCaptureFixture) -> None:
    """The simulator's API takes a phone number in its query; no access line may show it."""
    redact_secrets_in_logs([])
    caplog.set_level(logging.INFO)
    access = logging.getLogger("uvicorn.access")
    path = "/sim/api/messages?address=0813-5555-0001&after=3"
    access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", path, "1.1", 200)
    assert "0813-5555-0001" not in caplog.text
    assert "GET /sim/api/messages?… HTTP/1.1" in caplog.text
