"""The dashboard's views through the real app: each needs a session and a role that may open it,
keeps its filters in exports, refuses a place outside the viewer's scope, and its CSV and XLSX
read back with the same rows as the page."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import openpyxl
import pytest
from fastapi.testclient import TestClient

from handlers.reports import registry
from tests.bot.dashboard.conftest import DEWI, SARI

BAMBANG = "0812-1000-0001"
ADMIN = "0812-1000-0007"


@pytest.mark.parametrize("spec", registry.VIEWS, ids=lambda s: s.slug)
def test_every_view_needs_a_session(client: TestClient, spec: registry.ViewSpec) -> None:
    for suffix in ("", ".csv", ".xlsx"):
        response = client.get(f"/dasbor/{spec.slug}{suffix}")
        assert response.status_code == 401, suffix
        assert "dasbor" in response.text


@pytest.mark.parametrize("spec", registry.VIEWS, ids=lambda s: s.slug)
def test_every_view_opens_for_an_admin_and_exports(
    client: TestClient, sign_in: Callable[[str], None], spec: registry.ViewSpec
) -> None:
    sign_in(ADMIN)
    page = client.get(f"/dasbor/{spec.slug}")
    assert page.status_code == 200
    assert f"<h1>{spec.title}</h1>" in page.text
    assert "<script" not in page.text
    book = client.get(f"/dasbor/{spec.slug}.xlsx")
    assert book.status_code == 200
    assert book.headers["content-type"].startswith("application/vnd.openxmlformats")
    openpyxl.load_workbook(io.BytesIO(book.content), read_only=True)


def test_a_view_beyond_the_role_is_refused_and_not_in_the_menu(
    client: TestClient, sign_in: Callable[[str], None]
) -> None:
    sign_in(DEWI)
    home = client.get("/dasbor/pendamping")
    assert home.status_code == 200
    assert "/dasbor/beban-kerja" not in home.text
    for suffix in ("", ".csv", ".xlsx"):
        assert client.get(f"/dasbor/beban-kerja{suffix}").status_code == 403
    sign_in(SARI)
    assert client.get("/dasbor/pendamping").status_code == 403


def test_a_place_outside_the_scope_is_refused(
    client: TestClient, sign_in: Callable[[str], None]
) -> None:
    sign_in(DEWI)
    assert client.get("/dasbor/pendamping?kabupaten=Wonogiri").status_code == 404
    assert client.get("/dasbor/pendamping.csv?kabupaten=Wonogiri").status_code == 404
    assert client.get("/dasbor/pendamping?kecamatan=Baturetno").status_code == 404
    assert (
        client.get("/dasbor/pendamping?kabupaten=Trenggalek&kecamatan=Pogalan").status_code == 200
    )


def test_pendamping_view_lists_the_supervisors_pendamping_and_exports_them(
    client: TestClient, sign_in: Callable[[str], None]
) -> None:
    sign_in(DEWI)
    page = client.get("/dasbor/pendamping?kecamatan=Pogalan")
    assert page.status_code == 200
    assert "Sari Rahayu" in page.text and "Agus Santoso" in page.text
    assert "Rina Wulandari" not in page.text  # Durenan, filtered out
    assert "<svg" in page.text
    exported = client.get("/dasbor/pendamping.csv?kecamatan=Pogalan&tabel=orang")
    assert exported.text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert rows[0][0] == "Nama"
    assert sorted(r[0] for r in rows[1:]) == ["Agus Santoso", "Sari Rahayu"]
    book = openpyxl.load_workbook(
        io.BytesIO(client.get("/dasbor/pendamping.xlsx?kecamatan=Pogalan").content)
    )
    sheet = book["Per pendamping"]
    names = sorted(row[0] for row in sheet.iter_rows(min_row=2, values_only=True))
    assert names == ["Agus Santoso", "Sari Rahayu"]
    sign_in(BAMBANG)
    assert "Rina Wulandari" in client.get("/dasbor/pendamping").text
