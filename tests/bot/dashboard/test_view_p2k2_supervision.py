"""The "P2K2" and "Supervisi" pages through the real app: each viewer sees their own scope (a
supervisor never another's sessions or groups, a pendamping only their own), the pages carry
their charts, long tables page, and the CSV and XLSX read back with the same figures."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import openpyxl
import pytest
from fastapi.testclient import TestClient

from bot.runtime import Runtime
from handlers.core.context import AppContext
from handlers.people import login
from handlers.people.phones import to_e164
from storage.db import transaction
from storage.models import Person
from storage.vocabulary import Role
from tests.bot.dashboard.conftest import DEWI, SARI, person_by_phone
from tests.handlers.reports import test_p2k2_view, test_supervision_view
from tests.handlers.reports.test_supervision_view import AGUS, RINA, SINTA, TONO, by_name
from tests.support import Clock

NOVEMBER = "from=2026-11-01&to=2026-11-30"
BAMBANG = "0812-1000-0001"

Open = Callable[[str], None]


@pytest.fixture
def sign_in_at(runtime: Runtime, client: TestClient, clock: Clock) -> Open:
    """Sign in as the person with this phone, at the test clock (the pages' `now` too)."""
    runtime.ctx.clock = clock

    def sign(phone: str) -> None:
        with transaction(runtime.sessions) as session:
            token = login.issue_link(session, person_by_phone(session, phone), clock())
            assert token is not None
            opened = login.open_session(session, token, clock())
            assert opened is not None
        client.cookies.clear()
        client.cookies.set(login.COOKIE, opened[1])

    return sign


def csv_rows(client: TestClient, path: str) -> list[list[str]]:
    response = client.get(path)
    assert response.status_code == 200
    assert response.text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))


def test_supervision_page_and_csv_of_a_supervisor(
    client: TestClient, sign_in_at: Open, ctx: AppContext
) -> None:
    test_supervision_view.seed(ctx.sessions)
    sign_in_at(DEWI)
    page = client.get(f"/dasbor/supervisi?{NOVEMBER}")
    assert page.status_code == 200
    assert "<h1>Supervisi</h1>" in page.text and "<svg" in page.text
    assert "Dewi Lestari" in page.text and "direncanakan" in page.text
    assert SINTA not in page.text and TONO not in page.text
    per_supervisor = csv_rows(client, f"/dasbor/supervisi.csv?{NOVEMBER}&tabel=supervisor")
    assert per_supervisor[0][:4] == ["Supervisor", "Kabupaten", "Direncanakan", "Terlaksana"]
    assert per_supervisor[1:] == [
        ["Dewi Lestari", "Trenggalek", "5", "3", "1", "1", "0", "1", "1", "60.0"]
    ]
    quiet = csv_rows(client, f"/dasbor/supervisi.csv?{NOVEMBER}&tabel=belum-disupervisi")
    assert quiet[1:] == [
        [AGUS, "Pogalan", "Dewi Lestari", "2026-10-20", "41"],
        [RINA, "Durenan", "Dewi Lestari", "", ""],
    ]
    functions = csv_rows(client, f"/dasbor/supervisi.csv?{NOVEMBER}&tabel=fungsi")
    assert [r[:2] for r in functions[1:]] == [
        ["Administrasi", "1"],
        ["Pendidikan", "2"],
        ["Dukungan personal", "1"],
        ["(fungsi tidak dicatat)", "0"],
    ]
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/dasbor/supervisi.xlsx?{NOVEMBER}").content)
    )
    assert "Per supervisor" in book.sheetnames


def test_supervision_of_a_pendamping_and_of_the_korkab(
    client: TestClient, sign_in_at: Open, ctx: AppContext
) -> None:
    test_supervision_view.seed(ctx.sessions)
    sign_in_at(SARI)
    page = client.get(f"/dasbor/supervisi?{NOVEMBER}")
    assert page.status_code == 200
    assert AGUS not in page.text and RINA not in page.text and TONO not in page.text
    people = csv_rows(client, f"/dasbor/supervisi.csv?{NOVEMBER}&tabel=pendamping")
    assert people[1:] == [["Sari Rahayu", "Pogalan", "Dewi Lestari", "5", "3", "3", "100.0"]]
    sign_in_at(BAMBANG)
    rows = csv_rows(client, f"/dasbor/supervisi.csv?{NOVEMBER}&tabel=supervisor")
    assert [(r[0], r[2], r[3]) for r in rows[1:]] == [("Dewi Lestari", "5", "3"), (SINTA, "2", "2")]


def test_the_not_supervised_list_pages_and_exports_whole(
    client: TestClient, sign_in_at: Open, ctx: AppContext
) -> None:
    test_supervision_view.seed(ctx.sessions)
    with transaction(ctx.sessions) as session:
        dewi = by_name(session, "Dewi Lestari")
        for n in range(30):
            session.add(
                Person(
                    role=Role.PENDAMPING,
                    name=f"Pendamping Baru {n:02d}",
                    phone=to_e164(f"0812-4000-{n:04d}"),
                    kabupaten="Trenggalek",
                    kecamatan="Karangan",
                    provinsi="Jawa Timur",
                    supervisor_id=dewi.id,
                    timezone="Asia/Jakarta",
                )
            )
    sign_in_at(DEWI)
    first = client.get(f"/dasbor/supervisi?{NOVEMBER}")
    assert "halaman 1 dari 2" in first.text
    second = client.get(f"/dasbor/supervisi?{NOVEMBER}&page=2")
    assert second.status_code == 200 and "halaman 2 dari 2" in second.text
    assert RINA in second.text and "Pendamping Baru 29" in second.text
    quiet = csv_rows(client, f"/dasbor/supervisi.csv?{NOVEMBER}&tabel=belum-disupervisi")
    assert len(quiet) == 1 + 32  # Agus, Rina and the 30 new ones, every page
    people = csv_rows(client, f"/dasbor/supervisi.csv?{NOVEMBER}&tabel=pendamping")
    assert len(people) == 1 + 33


def test_p2k2_page_and_csv(
    client: TestClient, sign_in_at: Open, ctx: AppContext, clock: Clock
) -> None:
    test_p2k2_view.seed(ctx, clock)
    sign_in_at(DEWI)
    page = client.get(f"/dasbor/p2k2?{NOVEMBER}")
    assert page.status_code == 200
    assert "<h1>P2K2</h1>" in page.text and "<svg" in page.text
    assert "Mawar" in page.text and "Anggrek" not in page.text and TONO not in page.text
    groups = csv_rows(client, f"/dasbor/p2k2.csv?{NOVEMBER}&tabel=kelompok")
    assert groups[0][:3] == ["Pendamping", "Kecamatan", "Kelompok"]
    assert groups[1:] == [
        [AGUS, "Pogalan", "Kenanga", "1", "7.1", "1", "2026-11-05", "80.0"],
        ["Sari Rahayu", "Pogalan", "Mawar", "14", "100.0", "5", "2026-11-23", "59.3"],
        ["Sari Rahayu", "Pogalan", "Melati", "6", "42.9", "2", "2026-12-01", "85.7"],
    ]
    people = csv_rows(client, f"/dasbor/p2k2.csv?{NOVEMBER}&tabel=pendamping")
    assert people[1:] == [
        [AGUS, "Pogalan", "1", "1", "80.0"],
        [RINA, "Durenan", "0", "0", ""],
        ["Sari Rahayu", "Pogalan", "2", "10", "82.9"],
    ]
    modules = csv_rows(client, f"/dasbor/p2k2.csv?{NOVEMBER}&tabel=modul")
    assert [r[1:] for r in modules[1:]] == [
        ["3", "2"],
        ["2", "1"],
        ["1", "1"],
        ["1", "1"],
        ["1", "1"],
    ]
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/dasbor/p2k2.xlsx?{NOVEMBER}").content))
    assert "Per kelompok" in book.sheetnames
    sign_in_at(SARI)
    mine = client.get(f"/dasbor/p2k2?{NOVEMBER}")
    assert mine.status_code == 200
    assert "Kenanga" not in mine.text and AGUS not in mine.text and "Melati" in mine.text
