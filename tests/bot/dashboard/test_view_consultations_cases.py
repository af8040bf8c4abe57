"""The Konsultasi and Kasus KPM views through the real app: the figures on the page, the filters
and the `macet` option in the query string, paging of the stuck cases, a CSV read back, and who
sees what (a supervisor her pendamping's, a pendamping their own, never another kabupaten's)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from bot.render.cells import shown
from bot.runtime import Runtime
from handlers.core.context import AppContext
from handlers.reports.shapes import Kind
from tests.handlers.reports.test_cases_view import seed_cases
from tests.handlers.reports.test_consultations_view import (
    OTHER_SUPERVISOR,
    SECRET,
    seed_consultations,
)
from tests.support import Clock

DEWI, SARI = "0812-1000-0002", "0812-1000-0003"
NOVEMBER = "from=2026-11-01&to=2026-11-30"
EXTRA_STUCK = 27  # with Dewi's 3 stuck cases: 30, two pages of 25


@pytest.fixture
def at_clock(runtime: Runtime, clock: Clock) -> AppContext:
    """The app reads the test's clock (1 December 2026), as the seeded data does."""
    runtime.ctx.clock = clock
    return runtime.ctx


def read_csv(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_consultations_page_and_csv_for_the_supervisor(
    at_clock: AppContext, client: TestClient, sign_in: Callable[[str], None]
) -> None:
    seed_consultations(at_clock)
    sign_in(DEWI)
    page = client.get(f"/dasbor/konsultasi?{NOVEMBER}")
    assert page.status_code == 200
    for value, kind in ((2.5, Kind.NUMBER), (0.6, Kind.PERCENT), (0.4, Kind.PERCENT)):
        assert f"<dd>{shown(value, kind)}</dd>" in page.text
    assert "Dewi Lestari" in page.text and "<svg" in page.text
    assert "Sinta Supervisor" not in page.text and "(belum ada supervisor)" not in page.text
    assert SECRET not in page.text
    rows = read_csv(client.get(f"/dasbor/konsultasi.csv?{NOVEMBER}&tabel=supervisor").text)
    assert rows == [
        [
            "Supervisor",
            "Kabupaten",
            "Permintaan konsultasi",
            "Ditanggapi",
            "Median waktu tanggap (jam)",
            "Bagian yang dieskalasi",
        ],
        ["Dewi Lestari", "Trenggalek", "5", "4", "2.5", "60.0"],
    ]
    outcomes = read_csv(client.get(f"/dasbor/konsultasi.csv?{NOVEMBER}&tabel=hasil").text)
    assert [r[1] for r in outcomes[1:]] == ["2", "1", "1", "1", "0"]
    pogalan = read_csv(
        client.get(f"/dasbor/konsultasi.csv?{NOVEMBER}&kecamatan=Pogalan&tabel=supervisor").text
    )
    assert pogalan[1][2] == "4"
    assert client.get(f"/dasbor/konsultasi?{NOVEMBER}&kabupaten=Wonogiri").status_code == 404


def test_consultations_for_a_pendamping_and_another_kabupaten(
    at_clock: AppContext, client: TestClient, sign_in: Callable[[str], None]
) -> None:
    seed_consultations(at_clock)
    sign_in(SARI)
    rows = read_csv(client.get(f"/dasbor/konsultasi.csv?{NOVEMBER}&tabel=supervisor").text)
    assert rows[1:] == [["Dewi Lestari", "Trenggalek", "2", "2", "2.0", "50.0"]]
    topics = read_csv(client.get(f"/dasbor/konsultasi.csv?{NOVEMBER}&tabel=topik").text)
    assert sum(int(r[1]) for r in topics[1:]) == 2
    sign_in(OTHER_SUPERVISOR)
    rows = read_csv(client.get(f"/dasbor/konsultasi.csv?{NOVEMBER}&tabel=supervisor").text)
    assert rows[1:] == [["Sinta Supervisor", "Wonogiri", "1", "0", "", "0.0"]]


def test_cases_page_option_paging_and_csv(
    at_clock: AppContext, client: TestClient, sign_in: Callable[[str], None]
) -> None:
    seed_cases(at_clock, extra_stuck=EXTRA_STUCK)
    sign_in(DEWI)
    page = client.get(f"/dasbor/kasus?{NOVEMBER}")
    assert page.status_code == 200
    assert "lebih dari 30 hari" in page.text
    assert "halaman 1 dari 2" in page.text
    assert "KPM ****1234" in page.text  # 200 days: the oldest, first on page 1
    assert "KS-AAAAA1" not in page.text and "KS-AAAAA2" not in page.text  # 80, 35 days: page 2
    assert "KS-ZZZZZ9" not in page.text and "Baturetno" not in page.text
    second = client.get(f"/dasbor/kasus?{NOVEMBER}&page=2")
    assert "KS-AAAAA1" in second.text and "KS-AAAAA2" in second.text
    assert "KPM ****1234" not in second.text
    rows = read_csv(client.get(f"/dasbor/kasus.csv?{NOVEMBER}&tabel=macet").text)
    assert rows[0] == ["Kode", "Nama kasus", "Pendamping", "Kecamatan", "Tahap", "Sejak", "Hari"]
    assert len(rows) == 1 + 3 + EXTRA_STUCK
    assert rows[1] == [
        "KPM ****1234",
        "",
        "Rina Wulandari",
        "Durenan",
        "Intervensi",
        "2026-05-15",
        "200",
    ]
    assert [r[0] for r in rows[-2:]] == ["KS-AAAAA1", "KS-AAAAA2"]
    days = [int(r[6]) for r in rows[1:]]
    assert days == sorted(days, reverse=True)
    # A longer threshold leaves the legacy case and the extra ones older than 120 days.
    longer = read_csv(client.get(f"/dasbor/kasus.csv?{NOVEMBER}&macet=120&tabel=macet").text)
    assert longer[1][0] == "KPM ****1234"
    assert len(longer) == 1 + 1 + 6  # of the extra cases (100..126 days), 121..126
    # Out of bounds the option is held to its low end (7 days): Agus's new case shows.
    low = client.get(f"/dasbor/kasus.csv?{NOVEMBER}&macet=3&tabel=macet").text
    assert "KS-AAAAA3" in low
    durenan = read_csv(
        client.get(f"/dasbor/kasus.csv?{NOVEMBER}&kecamatan=Durenan&tabel=macet").text
    )
    assert [r[0] for r in durenan[1:]] == ["KPM ****1234"]


def test_cases_for_a_pendamping_and_another_kabupaten(
    at_clock: AppContext, client: TestClient, sign_in: Callable[[str], None]
) -> None:
    seed_cases(at_clock)
    sign_in(SARI)
    page = client.get(f"/dasbor/kasus?{NOVEMBER}")
    assert page.status_code == 200
    assert "KS-AAAAA1" in page.text and "KS-AAAAA2" in page.text
    assert "KPM ****1234" not in page.text and "Rina Wulandari" not in page.text
    stages = read_csv(client.get(f"/dasbor/kasus.csv?{NOVEMBER}&tabel=tahap").text)
    assert sum(int(r[1]) for r in stages[1:]) == 2
    sign_in(OTHER_SUPERVISOR)
    rows = read_csv(client.get(f"/dasbor/kasus.csv?{NOVEMBER}&tabel=macet").text)
    assert [r[0] for r in rows[1:]] == ["KS-ZZZZZ9"]
