"""The "Laporan bulanan" page through the real app: it needs a session, offers each viewer their
own scope, the supervisors they oversee and the kabupaten they may report on, and its PDF and XLSX
downloads hold that report; another supervisor or kabupaten asked for by URL is a 404 page."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from fastapi.testclient import TestClient

from bot.render import monthly
from bot.runtime import Runtime
from tests.bot.dashboard.conftest import DEWI, SARI
from tests.bot.test_monthly_report import SECRET, add_activity, pdf_text

BAMBANG = "0812-1000-0001"
DESK = "0812-1000-0007"
PAGE = "/dasbor/laporan-bulanan"


@pytest.fixture
def ids(runtime: Runtime) -> dict[str, int]:
    return add_activity(runtime.sessions)


def test_the_page_and_its_downloads_need_a_session(client: TestClient) -> None:
    for path in (PAGE, PAGE + ".pdf?bulan=2026-11", PAGE + ".xlsx?bulan=2026-11"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert "dasbor" in response.text


def test_a_supervisor_gets_her_own_report_and_nothing_else(
    client: TestClient, sign_in: Callable[[str], None], runtime: Runtime, ids: dict[str, int]
) -> None:
    now = datetime.now(UTC)
    runtime.ctx.clock = lambda: now
    sign_in(DEWI)
    page = client.get(PAGE)
    assert page.status_code == 200
    year, month = monthly.previous_month(now.astimezone(ZoneInfo("Asia/Jakarta")).date())
    assert f'<option value="{year:04d}-{month:02d}" selected>' in page.text
    assert "Cakupan saya \u2013 Supervisor: Dewi Lestari (Trenggalek)" in page.text
    assert "Kabupaten Trenggalek" not in page.text and "Sinta" not in page.text
    assert f'href="{PAGE}"' in page.text  # the menu link
    assert "<script" not in page.text

    chosen = client.get(PAGE + "?bulan=2026-11")
    assert f'href="{PAGE}.pdf?bulan=2026-11"' in chosen.text
    assert f'href="{PAGE}.xlsx?bulan=2026-11"' in chosen.text
    download = client.get(PAGE + ".pdf?bulan=2026-11")
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/pdf"
    name = f"laporan-2026-11-supervisor-dewi-lestari-{ids['Dewi']}.pdf"
    assert download.headers["content-disposition"] == f'attachment; filename="{name}"'
    text = pdf_text(download.content)
    assert "Supervisor: Dewi Lestari (Trenggalek)" in text and "November 2026" in text
    assert "Sari Rahayu" in text and SECRET not in text

    for query in (
        f"supervisor={ids['Sinta']}",
        "kabupaten=Trenggalek",
        "kabupaten=Wonogiri",
        "supervisor=abc",
        "supervisor=99999999999999999999",
        "supervisor=\u00b2",
        f"supervisor={ids['Bambang']}",  # a korkab, not a supervisor
    ):
        for suffix in (".pdf", ".xlsx"):
            refused = client.get(f"{PAGE}{suffix}?bulan=2026-11&{query}")
            assert refused.status_code == 404, (suffix, query)
            assert SECRET not in refused.text and "tidak ada" in refused.text
    assert client.get(PAGE + ".pdf?bulan=2026-13").status_code == 400
    assert client.get(PAGE + "?bulan=bulan-lalu").status_code == 400


def test_a_korkab_chooses_between_his_scope_his_supervisor_and_his_kabupaten(
    client: TestClient, sign_in: Callable[[str], None], ids: dict[str, int]
) -> None:
    sign_in(BAMBANG)
    page = client.get(PAGE + "?bulan=2026-11").text
    assert f"{PAGE}.pdf?bulan=2026-11&amp;supervisor={ids['Dewi']}" in page
    assert f"{PAGE}.xlsx?bulan=2026-11&amp;kabupaten=Trenggalek" in page
    assert "Wonogiri" not in page and "Sinta" not in page

    book = client.get(PAGE + ".xlsx?bulan=2026-11&kabupaten=Trenggalek")
    assert book.status_code == 200
    name = "laporan-2026-11-kabupaten-trenggalek.xlsx"
    assert book.headers["content-disposition"] == f'attachment; filename="{name}"'
    workbook = openpyxl.load_workbook(io.BytesIO(book.content))
    cover = {row[0]: row[1] for row in workbook["Sampul"].iter_rows(values_only=True) if row[0]}
    assert cover["Cakupan"] == "Kabupaten Trenggalek"
    assert cover["Bulan"] == "November 2026"
    names = [row[0] for row in workbook["Per pendamping"].iter_rows(min_row=2, values_only=True)]
    assert names == ["Agus Santoso", "Rina Wulandari", "Sari Rahayu"]

    dewi = pdf_text(client.get(f"{PAGE}.pdf?bulan=2026-11&supervisor={ids['Dewi']}").content)
    assert "Supervisor: Dewi Lestari (Trenggalek)" in dewi
    own = pdf_text(client.get(PAGE + ".pdf?bulan=2026-11").content)
    assert "Koordinator kabupaten: Bambang Wijaya (Trenggalek)" in own
    for query in (f"supervisor={ids['Sinta']}", "kabupaten=Wonogiri", "kabupaten=Pacitan"):
        assert client.get(f"{PAGE}.pdf?bulan=2026-11&{query}").status_code == 404, query
    both = f"{PAGE}.pdf?bulan=2026-11&kabupaten=Trenggalek&supervisor={ids['Dewi']}"
    assert client.get(both).status_code == 400


def test_a_desk_admin_may_report_on_every_kabupaten(
    client: TestClient, sign_in: Callable[[str], None], ids: dict[str, int]
) -> None:
    sign_in(DESK)
    page = client.get(PAGE + "?bulan=2026-11").text
    for wanted in ("kabupaten=Trenggalek", "kabupaten=Wonogiri", f"supervisor={ids['Sinta']}"):
        assert wanted in page
    wonogiri = pdf_text(client.get(PAGE + ".pdf?bulan=2026-11&kabupaten=Wonogiri").content)
    assert "Kabupaten Wonogiri" in wonogiri and SECRET in wonogiri
    assert "Sari Rahayu" not in wonogiri
    # A kabupaten nobody works in is no report at all.
    assert client.get(PAGE + ".pdf?bulan=2026-11&kabupaten=Pacitan").status_code == 404


def test_a_pendamping_downloads_only_their_own(
    client: TestClient, sign_in: Callable[[str], None], ids: dict[str, int]
) -> None:
    sign_in(SARI)
    page = client.get(PAGE + "?bulan=2026-11").text
    assert "Cakupan saya \u2013 Pendamping: Sari Rahayu (Trenggalek)" in page
    assert "supervisor=" not in page and "kabupaten=" not in page
    own = client.get(PAGE + ".pdf?bulan=2026-11")
    assert own.status_code == 200
    text = pdf_text(own.content)
    assert "Pendamping: Sari Rahayu (Trenggalek)" in text
    assert "Agus Santoso" not in text and SECRET not in text
    for query in (f"supervisor={ids['Dewi']}", "kabupaten=Trenggalek"):
        assert client.get(f"{PAGE}.xlsx?bulan=2026-11&{query}").status_code == 404
