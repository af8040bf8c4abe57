"""Process settings, read from the environment exactly as the contract in DESIGN.md names them,
and the log redaction that keeps the secret ones out of every log record."""

from __future__ import annotations

import base64
import json
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from handlers.people.zones import resolve_timezone


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=True)

    DATABASE_URL: str = "sqlite:///pkh-bot.db"
    TELEGRAM_BOT_TOKEN: str | None = None
    TELEGRAM_API_BASE_URL: str | None = None
    TELEGRAM_WEBHOOK_URL: str | None = None
    TELEGRAM_WEBHOOK_SECRET: str | None = None
    TWILIO_ACCOUNT_SID: str | None = None
    TWILIO_AUTH_TOKEN: str | None = None
    TWILIO_WHATSAPP_NUMBER: str | None = None
    TWILIO_SMS_NUMBER: str | None = None
    TWILIO_API_BASE_URL: str | None = None
    PUBLIC_BASE_URL: str | None = None
    # Not part of the public contract. WhatsApp Content templates (approved by Meta) for messages
    # that leave the 24-hour window, as JSON mapping an outbox kind to a content SID, e.g.
    # {"complaint_alert": "HX…", "default": "HX…"}; each template has one variable {{1}}.
    TWILIO_CONTENT_TEMPLATES: Annotated[dict[str, str], NoDecode] = Field(default_factory=dict)
    TWILIO_TIMEOUT_SECONDS: float = Field(default=15.0, gt=0)
    PKH_DEFAULT_TZ: str = "Asia/Jakarta"
    PKH_LANGUAGE: Literal["id", "en"] = "id"
    # Not part of the public contract: how often the scheduler runs the time-driven duties.
    PKH_TICK_SECONDS: int = Field(default=30, ge=1)
    # Not part of the public contract: the level of `pkh-bot`'s own logging. At DEBUG the HTTP
    # libraries log every request too (their URLs hold the bot token, which is redacted).
    PKH_LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Whether supervisors and korkab are told in chat, on the first working day of each month,
    # that last month's report is ready (with a sign-in link).
    PKH_MONTHLY_NOTICE: bool = True

    @field_validator("DATABASE_URL")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError(f"malformed DATABASE_URL {value!r}") from exc
        if url.get_backend_name() not in {"sqlite", "postgresql"}:
            raise ValueError("DATABASE_URL must be sqlite:/// or postgresql+psycopg://")
        return value

    @field_validator("PKH_DEFAULT_TZ")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        return resolve_timezone(value)

    @field_validator("TWILIO_CONTENT_TEMPLATES", mode="before")
    @classmethod
    def _parse_templates(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if not value.strip():
            return {}
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError('must be JSON like {"reminder": "HX…"}') from exc

    @field_validator(
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_API_BASE_URL",
        "TELEGRAM_WEBHOOK_URL",
        "TELEGRAM_WEBHOOK_SECRET",
        "TWILIO_ACCOUNT_SID",
        "TWILIO_AUTH_TOKEN",
        "TWILIO_WHATSAPP_NUMBER",
        "TWILIO_SMS_NUMBER",
        "TWILIO_API_BASE_URL",
        "PUBLIC_BASE_URL",
    )
    @classmethod
    def _blank_is_unset(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @property
    def telegram_enabled(self) -> bool:
        return self.TELEGRAM_BOT_TOKEN is not None

    @property
    def twilio_enabled(self) -> bool:
        return self.TWILIO_ACCOUNT_SID is not None and self.TWILIO_AUTH_TOKEN is not None

    @property
    def simulator_enabled(self) -> bool:
        """The web simulator is the local demo: it exists only while no real channel is
        configured at all (even half a Twilio configuration turns it off)."""
        real = (self.TELEGRAM_BOT_TOKEN, self.TWILIO_ACCOUNT_SID, self.TWILIO_AUTH_TOKEN)
        return all(value is None for value in real)

    def secrets(self) -> list[str]:
        """Values that must never appear in a log: the bot token, the webhook secret, the Twilio
        auth token and its basic auth header. (SQLAlchemy masks the database password itself.)"""
        found = [self.TELEGRAM_BOT_TOKEN, self.TELEGRAM_WEBHOOK_SECRET, self.TWILIO_AUTH_TOKEN]
        if self.TWILIO_ACCOUNT_SID and self.TWILIO_AUTH_TOKEN:
            pair = f"{self.TWILIO_ACCOUNT_SID}:{self.TWILIO_AUTH_TOKEN}".encode()
            found.append(base64.b64encode(pair).decode("ascii"))
        return [value for value in found if value]
