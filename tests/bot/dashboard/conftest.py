"""The dashboard through the real app: a runtime on the test database with the demo roster, a
client, a way to sign in as someone (the login module's own link and session), and complaints
written straight into the database in and out of the demo supervisor's scope."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from bot.app import create_app
from bot.runtime import Runtime
from bot.settings import Settings
from handlers.people import login
from handlers.people.phones import to_e164
from storage.db import transaction
from storage.models import Complaint, Person, Role
from storage.vocabulary import ComplaintCategory, ComplaintStatus
from tests.bot.dashboard.browsing import serve

DEWI = "0812-1000-0002"
SARI = "0812-1000-0003"
SINTA = "0812-2000-0002"  # a supervisor in another kabupaten
REPORTER = "+6281399990001"
ANON_NAME = "Siti Rahasia"
NAMED = "Ibu Wati Lestari"
BASE = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)  # Monday 10:00 WIB


@pytest.fixture
def runtime(database_url: str, db_engine: Engine, demo_roster: None) -> Runtime:
    return Runtime(Settings(DATABASE_URL=database_url), engine=db_engine)


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime, run_background=False)) as test_client:
        yield test_client


def person_by_phone(session: object, phone: str) -> Person:
    found = session.scalars(select(Person).where(Person.phone == to_e164(phone))).one()  # type: ignore[attr-defined]
    return found  # type: ignore[no-any-return]


@pytest.fixture
def sign_in(runtime: Runtime, client: TestClient) -> Callable[[str], None]:
    """Sign the client in as the person with this phone (a fresh one-time link, used once)."""

    def sign(phone: str) -> None:
        now = datetime.now(UTC)
        with transaction(runtime.sessions) as session:
            token = login.issue_link(session, person_by_phone(session, phone), now)
            assert token is not None
            opened = login.open_session(session, token, now)
            assert opened is not None
        client.cookies.clear()
        client.cookies.set(login.COOKIE, opened[1])

    return sign


def _complaint(n: int, handler: Person | None, **fields: object) -> Complaint:
    created = fields.pop("created_at", BASE + timedelta(hours=n))
    values: dict[str, object] = {
        "ticket_code": f"ADU-T{n:06d}",
        "check_code_hash": hashlib.sha256(str(n).encode()).hexdigest(),
        "reporter_channel": "web",
        "reporter_address": REPORTER,
        "reporter_name": NAMED,
        "category": ComplaintCategory.NOT_RECEIVED,
        "kabupaten": handler.kabupaten if handler else "",
        "kecamatan": "Pogalan",
        "description": f"Cerita pengaduan nomor {n}",
        "status": ComplaintStatus.NEW,
        "handler_id": handler.id if handler else None,
        "consent_at": created,
        "created_at": created,
        "ack_due_at": created + timedelta(days=1),
        "plan_due_at": created + timedelta(days=3),
        "resolve_due_at": created + timedelta(days=5),
    }
    values.update(fields)
    return Complaint(**values)


@pytest.fixture
def complaints(runtime: Runtime) -> dict[str, str]:
    """30 complaints handled by Dewi (Pogalan and Durenan, various statuses and days), one
    anonymous, one in Wonogiri handled by Sinta, one of unknown place at the desk."""
    with transaction(runtime.sessions) as session:
        dewi = person_by_phone(session, DEWI)
        sinta = Person(
            role=Role.SUPERVISOR,
            name="Sinta Supervisor",
            phone=to_e164(SINTA),
            kabupaten="Wonogiri",
            timezone="Asia/Jakarta",
        )
        session.add(sinta)
        session.flush()
        statuses = list(ComplaintStatus)
        for n in range(1, 31):
            session.add(
                _complaint(
                    n,
                    dewi,
                    kecamatan="Pogalan" if n % 2 else "Durenan",
                    status=statuses[n % len(statuses)],
                    category=ComplaintCategory.CARD_PROBLEM
                    if n % 3 == 0
                    else ComplaintCategory.NOT_RECEIVED,
                    created_at=BASE + timedelta(days=n // 3, hours=n),
                )
            )
        session.add(_complaint(40, dewi, anonymous=True, reporter_name=ANON_NAME))
        session.add(_complaint(50, sinta, kecamatan="Baturetno"))
        session.add(_complaint(60, None, kecamatan=""))
    return {"anonymous": "ADU-T000040", "other": "ADU-T000050", "desk": "ADU-T000060"}


@pytest.fixture
def served(
    database_url: str, db_engine: Engine, demo_roster: None
) -> Iterator[tuple[str, Runtime]]:
    """The whole app on a free port, for the browser tests (see `browsing.serve`)."""
    with serve(database_url, db_engine) as found:
        yield found
