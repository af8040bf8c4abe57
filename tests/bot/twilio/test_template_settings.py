"""TWILIO_CONTENT_TEMPLATES is read as JSON from the environment; a bad value names itself."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.settings import Settings


def test_templates_are_read_from_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWILIO_CONTENT_TEMPLATES", '{"reminder": "HX1", "default": "HX2"}')
    assert Settings().TWILIO_CONTENT_TEMPLATES == {"reminder": "HX1", "default": "HX2"}
    monkeypatch.setenv("TWILIO_CONTENT_TEMPLATES", " ")
    assert Settings().TWILIO_CONTENT_TEMPLATES == {}


def test_a_malformed_mapping_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWILIO_CONTENT_TEMPLATES", "reminder=HX1")
    with pytest.raises(ValidationError, match="TWILIO_CONTENT_TEMPLATES"):
        Settings()
