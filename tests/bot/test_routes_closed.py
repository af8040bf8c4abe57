"""Every web route of a production-shaped app (Twilio and Telegram webhooks configured, so no
simulator), asked by someone with no staff session: only the deliberately public routes
answer, and they refuse what they must; every other route is a dashboard route and refuses.
No generated API pages or schema are served."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from bot.channels import configure
from bot.runtime import Runtime
from bot.settings import Settings

# (method, path) -> the status someone without a staff session, a signature or a secret gets.
PUBLIC = {
    ("GET", "/healthz"): 200,
    ("POST", "/webhooks/twilio"): 403,  # unsigned
    ("POST", "/webhooks/twilio/status"): 403,  # unsigned
    ("POST", "/webhooks/telegram"): 403,  # no secret token
    ("GET", "/masuk/x"): 410,  # an unknown one-time link
    ("POST", "/masuk/x"): 403,  # no form token
    ("GET", "/static/dashboard.css"): 200,  # the stylesheet, nothing personal
}


@pytest.fixture
def app(database_url: str, db_engine: Engine, sessions: sessionmaker[Session]) -> FastAPI:
    settings = Settings(
        DATABASE_URL=database_url,
        TWILIO_ACCOUNT_SID="AC" + "0" * 32,
        TWILIO_AUTH_TOKEN="test-auth-token",
        TWILIO_WHATSAPP_NUMBER="+6281100000001",
        PUBLIC_BASE_URL="https://pkh.example.id",
        TELEGRAM_BOT_TOKEN="123:abc",
        TELEGRAM_WEBHOOK_URL="https://pkh.example.id/webhooks/telegram",
    )
    runtime = Runtime(settings, engine=db_engine)
    configure(runtime)
    return create_app(runtime, run_background=False)


def requests_of(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, concrete path) the app routes, in the order it matches them."""
    found = []
    for route in iter_route_contexts(app.router.routes):
        path = re.sub(r"\{[^}]+\}", "x", route.path)
        if path == "/static":
            path = "/static/dashboard.css"
        found += [(method, path) for method in sorted(route.methods or {"GET"}) if method != "HEAD"]
    return found


def test_every_route_is_deliberately_public_or_behind_a_staff_session(app: FastAPI) -> None:
    client = TestClient(app, follow_redirects=False)
    asked = requests_of(app)
    assert set(PUBLIC) <= set(asked)
    assert len(asked) > 40  # the dashboard's pages, exports and admin forms are all here
    for method, path in asked:
        response = client.request(method, path)
        if (method, path) in PUBLIC:
            assert response.status_code == PUBLIC[method, path], (method, path)
        else:
            assert path.startswith("/dasbor") or path == "/keluar", (method, path)
            assert response.status_code == 401, (method, path)


def test_no_api_documentation_or_schema_is_served(app: FastAPI) -> None:
    client = TestClient(app, follow_redirects=False)
    for path in ("/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"):
        assert client.get(path).status_code == 404, path


def test_channel_webhooks_are_matched_before_any_dashboard_route(app: FastAPI) -> None:
    paths = [path for _, path in requests_of(app)]
    first_dashboard = min(i for i, path in enumerate(paths) if path.startswith("/dasbor"))
    for webhook in ("/webhooks/twilio", "/webhooks/twilio/status", "/webhooks/telegram"):
        assert paths.index(webhook) < first_dashboard, webhook
