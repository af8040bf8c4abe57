"""The "Perlu tindakan" page through the real app: it needs a session, carries the dashboard's
security headers, shows each viewer only their own scope (a supervisor not another's, a korkab
their kabupaten, a pendamping only their own quiet cases), and its counts follow the clock."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from bot.runtime import Runtime
from handlers import overview
from handlers.core.context import AppContext
from handlers.people import login
from storage.db import transaction
from tests.handlers.test_overview import BAMBANG, DEWI, SARI, SINTA, add_case, person, seed
from tests.support import Clock

PATH = "/dasbor/perlu-tindakan"
TICKET = re.compile(r"ADU-Q\d{6}")
CASE = re.compile(r"KS-\d{5}")
SECTIONS = (
    "Konsultasi belum ditanggapi",
    "Pengaduan mendekati atau melewati tenggat",
    "Sesi supervisi belum dicatat",
    "Kasus tanpa kabar 14 hari",
)


@pytest.fixture
def page(
    runtime: Runtime, client: TestClient, ctx: AppContext, clock: Clock
) -> Callable[[str], str]:
    """Seeds both kabupaten, then opens the page as the person with this phone at `clock`."""
    runtime.ctx.clock = clock
    seed(ctx, clock())

    def open_as(phone: str) -> str:
        with transaction(runtime.sessions) as session:
            token = login.issue_link(session, person(session, phone), clock())
            assert token is not None
            opened = login.open_session(session, token, clock())
            assert opened is not None
        client.cookies.clear()
        client.cookies.set(login.COOKIE, opened[1])
        response = client.get(PATH)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-frame-options"] == "DENY"
        assert "default-src 'self'" in response.headers["content-security-policy"]
        assert "<script" not in response.text
        return response.text

    return open_as


def section_counts(html: str) -> list[int]:
    found = []
    for title in SECTIONS:
        match = re.search(re.escape(title) + r' <span class="count">\((\d+)\)', html)
        assert match is not None, title
        found.append(int(match[1]))
    return found


def test_the_page_needs_a_session(client: TestClient) -> None:
    response = client.get(PATH)
    assert response.status_code == 401
    assert "Perlu tindakan" not in response.text
    assert response.headers["cache-control"] == "no-store"


def test_a_supervisor_sees_their_own_and_not_anothers(page: Callable[[str], str]) -> None:
    dewi = page(DEWI)
    assert section_counts(dewi) == [2, 2, 1, 2]
    assert "Sari Rahayu" in dewi and "Wulan Pendamping" not in dewi
    assert "Sinta Supervisor" not in dewi
    assert "TERLAMBAT" in dewi
    assert 'href="/dasbor/pengaduan/ADU-Q' in dewi
    assert "1234" not in dewi  # a case shows its code and label, never a NIK
    sinta = page(SINTA)
    assert section_counts(sinta) == [2, 2, 1, 1]
    assert TICKET.findall(dewi) and TICKET.findall(sinta)
    assert not set(TICKET.findall(dewi)) & set(TICKET.findall(sinta))
    assert "Sari Rahayu" not in sinta


def test_a_korkab_sees_their_kabupaten(page: Callable[[str], str]) -> None:
    html = page(BAMBANG)
    assert section_counts(html) == [2, 2, 1, 2]
    assert "Agus Santoso" in html and "Wulan Pendamping" not in html


def test_a_pendamping_sees_only_their_own_quiet_cases(page: Callable[[str], str]) -> None:
    html = page(SARI)
    assert section_counts(html) == [2, 0, 0, 1]
    assert len(set(CASE.findall(html))) == 1
    assert "Agus Santoso" not in html


def test_the_counts_follow_the_clock(page: Callable[[str], str], clock: Clock) -> None:
    assert section_counts(page(DEWI)) == [2, 2, 1, 2]
    clock.advance(days=4)  # Saturday: Sunday's deadline is before Monday, the next working day
    later = page(DEWI)
    assert section_counts(later) == [3, 3, 2, 3]
    assert later.count("TERLAMBAT") == 2


def test_the_nav_and_home_link_to_it(page: Callable[[str], str], client: TestClient) -> None:
    assert f'href="{PATH}"' in page(DEWI)
    home = client.get("/dasbor").text
    links = re.findall(r'<li><a href="([^"]+)"', home)
    assert links[0] == PATH


def test_a_long_section_shows_fifty_and_counts_the_rest(
    page: Callable[[str], str], ctx: AppContext, clock: Clock
) -> None:
    with transaction(ctx.sessions) as session:
        sari = person(session, SARI)
        for n in range(overview.SECTION_LIMIT + 5):
            add_case(sari, clock() - timedelta(days=15 + n))
    html = page(DEWI)
    assert section_counts(html)[3] == overview.SECTION_LIMIT + 7
    assert len(set(CASE.findall(html))) == overview.SECTION_LIMIT
    assert "dan 7 lainnya" in html
