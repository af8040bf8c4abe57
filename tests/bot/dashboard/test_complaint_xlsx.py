"""The complaint list as XLSX through the real app: a session is needed, the columns are the CSV's,
the filters of the list apply, dates stay dates, and a complaint outside the viewer's scope (another
supervisor's, the desk's) is never in the workbook."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime
from typing import Any

import openpyxl
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.dashboard.complaints import CSV_COLUMNS
from bot.runtime import Runtime
from storage.db import transaction
from storage.models import Complaint
from tests.bot.dashboard.conftest import DEWI, NAMED, REPORTER, SARI, person_by_phone

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def read(client: TestClient, query: str = "") -> list[tuple[Any, ...]]:
    response = client.get(f"/dasbor/pengaduan.xlsx{query}")
    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX_TYPE
    assert response.headers["content-disposition"].endswith('.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["Pengaduan"]
    return list(book["Pengaduan"].iter_rows(values_only=True))


def csv_rows(client: TestClient, query: str = "") -> list[list[str]]:
    text = client.get(f"/dasbor/pengaduan.csv{query}").text.lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


def test_the_workbook_needs_a_session(client: TestClient, complaints: dict[str, str]) -> None:
    response = client.get("/dasbor/pengaduan.xlsx")
    assert response.status_code == 401
    assert "ADU-T" not in response.text


def test_every_row_of_the_supervisor_and_no_one_elses(
    client: TestClient, sign_in: Callable[[str], None], complaints: dict[str, str]
) -> None:
    sign_in(DEWI)
    rows = read(client)
    assert rows[0] == CSV_COLUMNS
    tickets = [row[0] for row in rows[1:]]
    assert len(tickets) == 31
    assert complaints["other"] not in tickets and complaints["desk"] not in tickets
    # The same rows, in the same order, as the CSV.
    assert tickets == [row[0] for row in csv_rows(client)[1:]]
    assert rows[1] == (
        "ADU-T000030",
        datetime(2026, 11, 13),
        "Durenan",
        "Kartu KKS hilang, tertelan, atau terblokir",
        "baru, menunggu petugas",
        datetime(2026, 11, 14),
        "",
    )
    flat = repr(rows)
    assert REPORTER not in flat and REPORTER[3:] not in flat and NAMED not in flat


def test_the_filters_of_the_list_apply(
    client: TestClient, sign_in: Callable[[str], None], complaints: dict[str, str]
) -> None:
    sign_in(DEWI)
    query = "?status=baru&kecamatan=Pogalan"
    rows = read(client, query)[1:]
    assert rows
    assert {(row[2], row[4]) for row in rows} == {("Pogalan", "baru, menunggu petugas")}
    assert [row[0] for row in rows] == [row[0] for row in csv_rows(client, query)[1:]]
    dated = read(client, "?from=2026-11-03&to=2026-11-03")[1:]
    assert {row[1].date().isoformat() for row in dated} == {"2026-11-03"}
    assert len(dated) == len(csv_rows(client, "?from=2026-11-03&to=2026-11-03")) - 1
    assert [row[0] for row in read(client, "?ticket=T000012")[1:]] == ["ADU-T000012"]
    assert read(client, f"?ticket={complaints['other']}")[1:] == []


def test_the_list_links_to_the_workbook_with_its_filters(
    client: TestClient, sign_in: Callable[[str], None], complaints: dict[str, str]
) -> None:
    sign_in(DEWI)
    page = client.get("/dasbor/pengaduan?kecamatan=Durenan&page=2")
    assert 'href="/dasbor/pengaduan.xlsx?kecamatan=Durenan"' in page.text
    assert "Unduh XLSX" in page.text


def test_a_pendamping_gets_only_what_was_given_to_them(
    runtime: Runtime,
    client: TestClient,
    sign_in: Callable[[str], None],
    complaints: dict[str, str],
) -> None:
    sign_in(SARI)
    assert read(client)[1:] == []
    with transaction(runtime.sessions) as session:
        given = session.scalars(select(Complaint).where(Complaint.ticket_code == "ADU-T000001"))
        given.one().assignee_id = person_by_phone(session, SARI).id
    assert [row[0] for row in read(client)[1:]] == ["ADU-T000001"]
