"""Logging that keeps secrets and personal data out: every record of the process passes the
redactor before any handler sees it (the console, uvicorn's, pytest's capture).

Secrets (the bot token, the webhook secret, the Twilio auth token) are replaced by "[token]"
wherever a record holds them. Query strings are cut from uvicorn's access lines: a phone number
or a filter in a URL is nobody's business in a log. A dashboard sign-in link's token (the path
segment after /masuk/) is replaced by "…" in every record.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import quote

ACCESS_LOGGER = "uvicorn.access"


REDACTED = "[token]"
LOGIN_PATH = "/masuk/"
_LOGIN_TOKEN = re.compile(r"(/masuk/)[^/?#\s\"']+")
MIN_SECRET_LENGTH = 6  # shorter values would blot out ordinary words; no real secret is that short


class SecretRedactor(logging.Filter):
    """Replaces every registered secret with "[token]" in a record's message, arguments,
    traceback and stack text. It never drops a record.

    `redact_secrets_in_logs` runs it from the log record factory, so every record of the process
    is clean before any handler (the console, uvicorn's, pytest's capture) sees it; it can also
    be added to a handler like any filter."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: tuple[str, ...] = ()
        self._lock = threading.Lock()

    def add(self, secrets: Iterable[str | None]) -> None:
        with self._lock:
            found = set(self._secrets)
            for secret in secrets:
                if secret and len(secret) >= MIN_SECRET_LENGTH:
                    # URLs may carry the token percent-encoded (its colon as %3A).
                    found |= {secret, quote(secret, safe="")}
            self._secrets = tuple(sorted(found, key=len, reverse=True))

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text

    def _holds_secret(self, text: str) -> bool:
        return any(secret in text for secret in self._secrets)

    def _clean_arg(self, value: object) -> object:
        if value is None or isinstance(value, int | float):
            return value
        if isinstance(value, str):
            return self.redact(value)
        try:
            shown, printed = str(value), repr(value)
        except Exception:
            return value
        if self._holds_secret(shown) or self._holds_secret(printed):
            return self.redact(shown)
        return value

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        if isinstance(record.msg, str):
            record.msg = self.redact(record.msg)
        else:
            record.msg = self._clean_arg(record.msg)
        if isinstance(record.args, Mapping):
            record.args = {key: self._clean_arg(value) for key, value in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(self._clean_arg(value) for value in record.args)
        if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
            text = logging.Formatter().formatException(record.exc_info)
            if self._holds_secret(text):
                record.exc_text = self.redact(text)  # formatters print exc_text when it is set
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


_redactor = SecretRedactor()
_factory_lock = threading.Lock()
_factory_installed = False


def redact_secrets_in_logs(secrets: Iterable[str | None]) -> SecretRedactor:
    """Keep these values out of every log record of this process, from now on."""
    global _factory_installed
    _redactor.add(secrets)
    with _factory_lock:
        if not _factory_installed:
            previous: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()

            def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
                record = previous(*args, **kwargs)
                _redactor.filter(record)
                _drop_query(record)
                _hide_login_tokens(record)
                return record

            logging.setLogRecordFactory(factory)
            _factory_installed = True
    return _redactor


def _drop_query(record: logging.LogRecord) -> None:
    """uvicorn logs (client, method, path with query, version, status): keep the path only."""
    args = record.args
    if record.name == ACCESS_LOGGER and isinstance(args, tuple) and len(args) == 5:
        path = args[2]
        if isinstance(path, str) and "?" in path:
            record.args = (args[0], args[1], path.split("?", 1)[0] + "?…", *args[3:])


def hide_login_token(text: str) -> str:
    return _LOGIN_TOKEN.sub(r"\1…", text) if LOGIN_PATH in text else text


def _hide_login_tokens(record: logging.LogRecord) -> None:
    """A sign-in link opens a session: its token must not reach any log line (uvicorn's access
    line, an HTTP client's request line, an error message)."""
    args = record.args
    if isinstance(args, tuple):
        record.args = tuple(_hide_in_arg(value) for value in args)
    elif isinstance(args, Mapping):
        record.args = {key: _hide_in_arg(value) for key, value in args.items()}
    if isinstance(record.msg, str) and LOGIN_PATH in record.msg:
        # The token may follow in an argument ("/masuk/%s"): hide it in the finished text.
        try:
            text = record.getMessage()
        except Exception:
            text = record.msg
        record.msg, record.args = hide_login_token(text), None


def _hide_in_arg(value: object) -> object:
    if value is None or isinstance(value, int | float):
        return value
    if isinstance(value, str):
        return hide_login_token(value)
    try:
        shown = str(value)
    except Exception:
        return value
    return hide_login_token(shown) if LOGIN_PATH in shown else value
