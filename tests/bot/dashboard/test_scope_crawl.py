"""Every dashboard page and export, crawled as each person of two kabupaten in two provinces (a
korwil, korkab, supervisor and pendamping each, a kabupaten admin, the desk): nothing outside
their scope shows, not a ticket, a kecamatan of the other province, nor a reporter's number."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urljoin

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from bot.runtime import Runtime
from bot.settings import Settings
from handlers.people import login
from storage.db import transaction
from storage.models import Person
from tests.documents import document_text
from tests.handlers.people.test_access_scope import (
    ROSTER,
    SCOPE,
    Place,
    add_two_provinces,
    file,
)
from tests.support import Chat, texts

KECAMATAN = {"Jatim": {"Pogalan", "Durenan"}, "Jateng": {"Baturetno", "Eromoko"}}
REPORTER = "+6281399990003"
LINK = re.compile(r'href="(/dasbor[^"#]*)"')


@pytest.fixture
def runtime(database_url: str, db_engine: Engine, sessions: sessionmaker[Session]) -> Runtime:
    """The app's runtime on the test database (`sessions` empties it afterwards)."""
    runtime = Runtime(Settings(DATABASE_URL=database_url), engine=db_engine)
    runtime.ctx.clock = lambda: datetime(2026, 12, 1, 2, tzinfo=UTC)
    return runtime


@pytest.fixture
def tickets(runtime: Runtime) -> dict[str, str]:
    add_two_provinces(runtime.sessions)
    kpm = Chat(runtime.ctx, REPORTER)
    found = {
        "c1": file(kpm, Place("Trenggalek", "Pogalan"), "Lupa PIN kartu", "Saya lupa PIN kartu"),
        "c2": file(kpm, Place("Wonogiri", "Baturetno"), "Lupa PIN kartu", "Saya lupa PIN lagi"),
        "c3": file(kpm, None, "Layanan lain", "Saya ingin bertanya soal bantuan sekolah"),
        "c4": file(
            kpm,
            Place("Trenggalek", "Pogalan"),
            "Data tidak sesuai (nama, anggota keluarga)",
            "Data anak salah, sudah lapor ke bu Sari tapi tidak ditanggapi",
        ),
        "c5": file(
            kpm,
            Place("Trenggalek", "Durenan"),
            "Pertemuan kelompok (P2K2)",
            "Pertemuan kelompok di desa kami sudah lama tidak ada",
        ),
    }
    desk = Chat(runtime.ctx, ROSTER["desk"][2])
    desk.press("Tempatkan")
    desk.press("Wonogiri")
    desk.press("Eromoko")
    assert "diteruskan" in texts(desk.press("Ya, kirim"))
    surya = Chat(runtime.ctx, ROSTER["sa"][2])
    prompt = surya.last_prompt("Serahkan ke pendamping")
    give = next(o for o in prompt.options if o.value == "serahkan")
    surya.send(choice=prompt.callback_data(give))
    surya.press("Rina Wulandari (Durenan)")
    surya.press("Ya, kirim")
    return found


def crawl(client: TestClient) -> tuple[str, set[str]]:
    """Every /dasbor page reachable by links from the home page, and every export (CSV, XLSX,
    the monthly PDF), as text."""
    seen: set[str] = set()
    queue = ["/dasbor", "/dasbor/pengaduan"]
    pages = []
    while queue and len(seen) < 200:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        kind = response.headers.get("content-type", "")
        pages.append(document_text(kind, response.content))
        if "text/html" in kind:
            for link in LINK.findall(response.text):
                queue.append(urljoin(path, link.replace("&amp;", "&")))
    return "\n".join(pages), seen


def test_every_page_and_export_shows_only_the_viewers_scope(
    runtime: Runtime, tickets: dict[str, str]
) -> None:
    with TestClient(create_app(runtime, run_background=False)) as client:

        def sign_in(phone: str) -> None:
            now = runtime.ctx.clock()
            with transaction(runtime.sessions) as session:
                person = session.query(Person).filter(Person.phone == phone).one()
                token = login.issue_link(session, person, now)
                assert token is not None
                opened = login.open_session(session, token, now)
                assert opened is not None
            client.cookies.clear()
            client.cookies.set(login.COOKIE, opened[1])

        for key, (name, _role, phone, *_rest, provinsi, _boss) in ROSTER.items():
            sign_in(phone)
            text, seen = crawl(client)
            # The crawl reached every view the role may open, its exports and the report.
            assert "/dasbor/laporan-bulanan" in seen, name
            assert any(p.startswith("/dasbor/kasus.xlsx") for p in seen), name
            assert any(p.startswith("/dasbor/laporan-bulanan.pdf") for p in seen), name
            want = SCOPE.get(key, set())
            shown = {label for label, code in tickets.items() if code in text}
            assert shown == want, (name, shown)
            assert REPORTER not in text and "0813" not in text, name
            for other, places in KECAMATAN.items():
                if provinsi and other != provinsi:
                    assert not any(place in text for place in places), (name, places)
            # And typed by URL, a ticket out of scope does not exist for them.
            for label, code in tickets.items():
                status = client.get(f"/dasbor/pengaduan/{code}").status_code
                assert status == (200 if label in want else 404), (name, label, status)
