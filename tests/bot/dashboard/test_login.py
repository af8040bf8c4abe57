"""Dashboard sign-in through the real app: the link from the bot, the confirm page, the
session cookie, logout, the form checks, the security headers, and logs without the token."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.channels.telegram_sender import ChatPacer, TelegramSender
from bot.runtime import Runtime
from conversations.messages import Reply
from handlers.people import login
from handlers.people.phones import to_e164
from scheduler.senders import Outgoing
from storage.db import transaction
from storage.models import Person
from tests.support import Chat, Clock

SARI = "0812-1000-0003"
ORIGIN = {"Origin": "http://testserver"}
EXPIRED = "Sesi Anda sudah berakhir atau belum masuk"


@pytest.fixture
def moving(runtime: Runtime) -> Clock:
    """The app's clock, movable (now, so the conftest's sign-in would agree)."""
    moving = Clock(datetime.now(UTC))
    runtime.ctx.clock = moving
    return moving


def ask_link(runtime: Runtime, phone: str = SARI) -> str:
    replies = Chat(runtime.ctx, phone).send("dasbor")
    found = re.search(r"/masuk/([A-Za-z0-9_-]+)", replies[0].text)
    assert found, replies
    return found.group(1)


def sign_in(client: TestClient, token: str) -> Any:
    return client.post(f"/masuk/{token}", headers=ORIGIN, follow_redirects=False)


def signed_in(client: TestClient, runtime: Runtime) -> str:
    response = sign_in(client, ask_link(runtime))
    assert response.status_code == 303
    return response.cookies[login.COOKIE]


def csrf(client: TestClient) -> str:
    page = client.get("/dasbor")
    assert page.status_code == 200
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


def test_the_link_works_once(client: TestClient, runtime: Runtime, moving: Clock) -> None:
    token = ask_link(runtime)
    confirm = client.get(f"/masuk/{token}")
    assert confirm.status_code == 200
    assert "Masuk ke dasbor sebagai Sari Rahayu?" in confirm.text
    assert client.get(f"/masuk/{token}").status_code == 200  # looking uses nothing up
    response = sign_in(client, token)
    assert response.status_code == 303 and response.headers["location"] == "/dasbor"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # no https PUBLIC_BASE_URL here
    value = response.cookies[login.COOKIE]
    assert token not in cookie and value != token
    home = client.get("/dasbor")
    assert home.status_code == 200
    assert "Sari Rahayu" in home.text and "pendamping" in home.text
    assert 'href="/dasbor/pengaduan"' in home.text and 'action="/keluar"' in home.text

    other = TestClient(client.app)
    reused = sign_in(other, token)
    assert reused.status_code == 410 and "dasbor" in reused.text
    assert login.COOKIE not in reused.cookies
    assert other.get(f"/masuk/{token}").status_code == 410
    assert "Sari" not in other.get(f"/masuk/{token}").text


def test_wrong_and_expired_links_are_refused(
    client: TestClient, runtime: Runtime, moving: Clock
) -> None:
    assert client.get("/masuk/not-a-token").status_code == 410
    assert sign_in(client, "not-a-token").status_code == 410
    token = ask_link(runtime)
    moving.advance(minutes=10, seconds=1)
    page = client.get(f"/masuk/{token}")
    assert page.status_code == 410 and "Sari" not in page.text
    assert "ketik <strong>dasbor</strong>" in page.text
    assert sign_in(client, token).status_code == 410


def test_sign_in_from_another_site_is_refused(
    client: TestClient, runtime: Runtime, moving: Clock
) -> None:
    token = ask_link(runtime)
    foreign = client.post(
        f"/masuk/{token}", headers={"Origin": "https://evil.example"}, follow_redirects=False
    )
    assert foreign.status_code == 403
    assert sign_in(client, token).status_code == 303  # the link was not used up


def test_no_session_forged_or_idle_gets_401(
    client: TestClient, runtime: Runtime, moving: Clock
) -> None:
    page = client.get("/dasbor")
    assert page.status_code == 401 and EXPIRED in page.text and "ketik dasbor" in page.text
    client.cookies.set(login.COOKIE, "forged-value")
    assert client.get("/dasbor").status_code == 401
    client.cookies.clear()
    signed_in(client, runtime)
    moving.advance(hours=12, seconds=1)
    assert client.get("/dasbor").status_code == 401


def test_logout_ends_the_session(client: TestClient, runtime: Runtime, moving: Clock) -> None:
    cookie = signed_in(client, runtime)
    out = client.post("/keluar", data={"csrf_token": csrf(client)}, headers=ORIGIN)
    assert out.status_code == 200 and "sudah keluar" in out.text
    assert login.COOKIE not in client.cookies  # the browser drops it
    client.cookies.set(login.COOKIE, cookie)  # and a kept copy opens nothing
    assert client.get("/dasbor").status_code == 401


@pytest.mark.parametrize(
    ("token", "headers"),
    [
        (None, ORIGIN),
        ("wrong", ORIGIN),
        ("right", {"Origin": "https://evil.example"}),
        ("right", {"Referer": "https://evil.example/page"}),
        ("right", {"Origin": "null"}),
        ("right", {}),
    ],
)
def test_forms_need_the_token_and_our_origin(
    client: TestClient, runtime: Runtime, moving: Clock, token: str | None, headers: dict[str, str]
) -> None:
    signed_in(client, runtime)
    real = csrf(client)
    data = {} if token is None else {"csrf_token": real if token == "right" else token}
    refused = client.post("/keluar", data=data, headers=headers)
    assert refused.status_code == 403
    assert client.get("/dasbor").status_code == 200  # still signed in
    referer = client.post(
        "/keluar", data={"csrf_token": real}, headers={"Referer": "http://testserver/dasbor"}
    )
    assert referer.status_code == 200


def test_the_public_base_url_is_the_origin_and_makes_the_cookie_secure(
    client: TestClient, runtime: Runtime, moving: Clock
) -> None:
    runtime.settings.PUBLIC_BASE_URL = "https://pkh.example.id"
    token = ask_link(runtime)
    assert sign_in(client, token).status_code == 403  # testserver is not our public origin
    response = client.post(
        f"/masuk/{token}", headers={"Origin": "https://pkh.example.id"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert "Secure" in response.headers["set-cookie"]


def test_an_inactive_persons_session_ends(
    client: TestClient, runtime: Runtime, moving: Clock
) -> None:
    signed_in(client, runtime)
    with transaction(runtime.sessions) as session:
        sari = session.scalars(select(Person).where(Person.phone == to_e164(SARI))).one()
        sari.active = False
    assert client.get("/dasbor").status_code == 401


def test_pages_carry_the_security_headers(
    client: TestClient, runtime: Runtime, moving: Clock
) -> None:
    token = ask_link(runtime)
    pages = [client.get(f"/masuk/{token}"), client.get("/dasbor"), client.get("/masuk/x")]
    signed_in(client, runtime)
    pages += [client.get("/dasbor"), client.get("/static/dashboard.css")]
    for page in pages:
        assert page.headers["cache-control"] == "no-store"
        assert page.headers["x-frame-options"] == "DENY"
        policy = page.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "unsafe-inline" not in policy
    assert "<script" not in pages[3].text


def test_the_token_never_reaches_a_log(
    client: TestClient, runtime: Runtime, moving: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = ask_link(runtime)
    client.get(f"/masuk/{token}")
    sign_in(client, token)
    client.get("/dasbor")
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "POST", f"/masuk/{token}", "1.1", 303
    )
    logging.getLogger("pkh_bot").warning("odd request to http://host/masuk/%s", token)
    assert caplog.records
    assert token not in caplog.text
    for record in caplog.records:
        assert token not in record.getMessage()
    assert "/masuk/…" in caplog.text


class FakeBot:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    async def send_message(self, chat_id: int, text: str, **kwargs: Any) -> Any:
        self.calls.append(kwargs)

        class Sent:
            message_id = 1

        return Sent()


async def _ready() -> None:
    return None


def test_telegram_shows_no_preview_of_the_link() -> None:
    import asyncio

    bot = FakeBot()
    sender = TelegramSender(bot, "Bagikan", ChatPacer(), _ready)  # type: ignore[arg-type]
    for flag in (True, False):
        reply = Reply("https://x/masuk/abc", no_link_preview=flag)
        outgoing = Outgoing(1, "telegram", "42", reply, "reply", "k", None, 1)
        asyncio.run(sender.send(outgoing))
    private, ordinary = bot.calls
    assert private["link_preview_options"].is_disabled is True
    assert ordinary["link_preview_options"] is None
