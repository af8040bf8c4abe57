"""The simulator's "Buka dasbor" button, through the real app: in the local demo it signs a staff
persona into the dashboard by that persona's own one-time link; it refuses numbers that are not
active staff, and it does not exist once a real channel is configured."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from bot.channels import configure, web
from bot.runtime import Runtime
from bot.settings import Settings
from handlers.people import login
from handlers.people.phones import to_e164
from storage.db import transaction
from storage.models import LoginLink, Person
from storage.vocabulary import Role

ORIGIN = {"Origin": "http://testserver"}
DEWI, SARI = "0812-1000-0002", "0812-1000-0003"
PUBLIC_NUMBER = "0813-9000-0001"


@pytest.fixture
def serve(database_url: str, db_engine: Engine, demo_roster: None) -> Iterator[Any]:
    """serve(**settings) -> (runtime, client) of the real app, channels as configured."""
    clients: list[TestClient] = []

    def make(**overrides: Any) -> tuple[Runtime, TestClient]:
        runtime = Runtime(Settings(DATABASE_URL=database_url, **overrides), engine=db_engine)
        configure(runtime)
        client = TestClient(create_app(runtime, run_background=False))
        clients.append(client)
        return runtime, client

    yield make
    for client in clients:
        client.close()


def links(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count(LoginLink.id))) or 0


def press(client: TestClient, address: str, **headers: str) -> Any:
    return client.post(
        "/sim/dasbor",
        data={"address": address},
        headers=headers or ORIGIN,
        follow_redirects=False,
    )


def test_the_simulator_page_offers_a_dashboard_button_per_persona(serve: Any) -> None:
    _, client = serve()
    page = client.get("/").text
    assert "Buka dasbor" in page and '"/sim/dasbor"' in page and 'name = "address"' in page


def test_buka_dasbor_signs_the_persona_in_with_their_own_link(
    serve: Any, sessions: sessionmaker[Session]
) -> None:
    runtime, client = serve()
    pressed = press(client, DEWI)
    assert pressed.status_code == 303
    found = re.fullmatch(r"/masuk/([A-Za-z0-9_-]{43,})", pressed.headers["location"])
    assert found is not None
    token = found.group(1)
    with sessions() as session:
        link = session.scalars(select(LoginLink)).one()
        assert (
            link.person_id
            == session.scalars(select(Person.id).where(Person.phone == to_e164(DEWI))).one()
        )
        assert link.token_hash == login.digest(token) and link.used_at is None
    # The confirm page names Dewi; confirming opens her session and lands on the dashboard.
    confirm = client.get(pressed.headers["location"])
    assert confirm.status_code == 200 and "Dewi Lestari" in confirm.text
    signed = client.post(pressed.headers["location"], headers=ORIGIN, follow_redirects=False)
    assert signed.status_code == 303 and signed.headers["location"] == "/dasbor"
    home = client.get("/dasbor")
    assert home.status_code == 200 and "Dewi Lestari" in home.text
    # Pressed again while signed in as Dewi: straight home, no new link.
    again = press(client, DEWI)
    assert again.status_code == 303 and again.headers["location"] == "/dasbor"
    assert links(runtime.sessions) == 1
    # Another persona gets a link of their own (the browser then switches to them).
    other = press(client, "0812 1000 0001")
    assert other.status_code == 303 and other.headers["location"].startswith("/masuk/")
    assert "Bambang Wijaya" in client.get(other.headers["location"]).text
    assert links(runtime.sessions) == 2


@pytest.mark.parametrize(
    "address",
    [PUBLIC_NUMBER, "0812-9999-0000", "bukan nomor", "0812-2000-0003"],
    ids=["public-number", "unknown-number", "not-a-number", "inactive-staff"],
)
def test_numbers_that_are_not_active_staff_are_refused(
    serve: Any, sessions: sessionmaker[Session], address: str
) -> None:
    runtime, client = serve()
    with transaction(runtime.sessions) as session:
        session.add(
            Person(
                role=Role.SUPERVISOR,
                name="Lina Pergi",
                phone=to_e164("0812-2000-0003"),
                kabupaten="Trenggalek",
                timezone="Asia/Jakarta",
                active=False,
            )
        )
    refused = press(client, address)
    assert refused.status_code == 403
    assert "hanya untuk petugas PKH yang aktif" in refused.text
    assert "/masuk/" not in refused.text
    assert links(sessions) == 0


def test_a_press_from_another_site_is_refused(serve: Any, sessions: sessionmaker[Session]) -> None:
    _, client = serve()
    assert press(client, DEWI, Origin="https://evil.example").status_code == 403
    no_origin = client.post("/sim/dasbor", data={"address": DEWI}, follow_redirects=False)
    assert no_origin.status_code == 403
    assert links(sessions) == 0


def test_too_many_links_this_hour_is_a_polite_page(
    serve: Any, sessions: sessionmaker[Session]
) -> None:
    runtime, client = serve()
    now = runtime.ctx.clock()
    with transaction(runtime.sessions) as session:
        sari = session.scalars(select(Person).where(Person.phone == to_e164(SARI))).one()
        for minutes in range(login.LINKS_PER_HOUR):
            assert login.issue_link(session, sari, now - timedelta(minutes=30 - minutes))
    refused = press(client, SARI)
    assert refused.status_code == 429 and "terlalu sering" in refused.text
    assert links(sessions) == login.LINKS_PER_HOUR


@pytest.mark.parametrize(
    "overrides",
    [
        {"TELEGRAM_BOT_TOKEN": "123456:never-called", "TELEGRAM_API_BASE_URL": "http://x/bot"},
        {"TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "TWILIO_AUTH_TOKEN": "secret-token"},
    ],
    ids=["telegram", "twilio"],
)
def test_with_channel_credentials_the_button_does_not_exist(
    serve: Any, sessions: sessionmaker[Session], overrides: dict[str, str]
) -> None:
    runtime, client = serve(**overrides)
    assert not runtime.simulator
    assert press(client, DEWI).status_code == 404
    assert links(sessions) == 0


def test_the_route_refuses_even_when_mounted_by_mistake(
    database_url: str, db_engine: Engine, demo_roster: None, sessions: sessionmaker[Session]
) -> None:
    runtime = Runtime(
        Settings(DATABASE_URL=database_url, TELEGRAM_BOT_TOKEN="123456:x"), engine=db_engine
    )
    app = create_app(runtime, run_background=False)
    app.include_router(web.router)
    with TestClient(app) as client:
        assert press(client, DEWI).status_code == 404
    assert links(sessions) == 0


def _signed_in(runtime: Runtime, client: TestClient, phone: str) -> None:
    now = runtime.ctx.clock()
    with transaction(runtime.sessions) as session:
        person = session.scalars(select(Person).where(Person.phone == to_e164(phone))).one()
        token = login.issue_link(session, person, now)
        assert token is not None
        opened = login.open_session(session, token, now)
        assert opened is not None
    client.cookies.set(login.COOKIE, opened[1])


def test_the_dashboard_links_back_to_the_simulator_only_in_the_demo(serve: Any) -> None:
    runtime, client = serve()
    _signed_in(runtime, client, DEWI)
    assert 'href="/">kembali ke simulator' in client.get("/dasbor").text
    runtime, client = serve(TWILIO_ACCOUNT_SID="AC" + "1" * 32, TWILIO_AUTH_TOKEN="secret-token")
    _signed_in(runtime, client, DEWI)
    home = client.get("/dasbor")
    assert home.status_code == 200 and "simulator" not in home.text
