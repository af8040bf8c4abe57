"""The dashboard's complaint pages through the real app: scope (a supervisor sees only their
own, a pendamping only what was given to them, another kabupaten's complaint is 404 and absent
from the export), filters and paging, the CSV (BOM, filtered rows), and no reporter number
anywhere."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from bot.runtime import Runtime
from handlers.complaints import listing
from handlers.complaints.listing import ComplaintFilter
from storage.db import transaction
from storage.models import Complaint
from storage.vocabulary import ComplaintStatus
from tests.bot.dashboard.conftest import ANON_NAME, DEWI, NAMED, REPORTER, SARI, person_by_phone

TICKET = re.compile(r"ADU-T\d{6}")
NUMBER_FORMS = (REPORTER, REPORTER[1:], "0" + REPORTER[3:], "81399990001")


def tickets(html: str) -> set[str]:
    return set(TICKET.findall(html))


def assert_no_number(text: str) -> None:
    for form in NUMBER_FORMS:
        assert form not in text


def test_every_page_needs_a_session(client: TestClient, complaints: dict[str, str]) -> None:
    for path in ("/dasbor/pengaduan", "/dasbor/pengaduan.csv", "/dasbor/pengaduan/ADU-T000001"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert "ADU-T" not in response.text


def test_a_supervisor_sees_only_their_complaints_page_by_page(
    client: TestClient, sign_in: Callable[[str], None], complaints: dict[str, str]
) -> None:
    sign_in(DEWI)
    first = client.get("/dasbor/pengaduan")
    assert first.status_code == 200
    assert first.headers["cache-control"] == "no-store"
    assert first.headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in first.headers["content-security-policy"]
    assert "31 pengaduan" in first.text
    assert len(tickets(first.text)) == 25
    assert "halaman 1 dari 2" in first.text
    second = client.get("/dasbor/pengaduan?page=2")
    assert len(tickets(second.text)) == 6
    seen = tickets(first.text) | tickets(second.text)
    assert len(seen) == 31
    assert complaints["other"] not in seen and complaints["desk"] not in seen
    assert len(first.content) < 150_000
    assert_no_number(first.text + second.text)
    assert "<script" not in first.text


def test_filters_narrow_the_list_and_labels_are_indonesian(
    client: TestClient, sign_in: Callable[[str], None], complaints: dict[str, str]
) -> None:
    sign_in(DEWI)
    done = client.get("/dasbor/pengaduan", params={"status": ComplaintStatus.RESOLVED.value})
    assert len(tickets(done.text)) == 5
    assert "selesai" in done.text
    by_place = client.get(
        "/dasbor/pengaduan",
        params={"kecamatan": "Durenan", "category": "kks_bermasalah"},
    )
    # Durenan = even n, card problem = n divisible by 3: 6, 12, 18, 24, 30
    assert tickets(by_place.text) == {f"ADU-T{n:06d}" for n in (6, 12, 18, 24, 30)}
    assert "Kartu KKS hilang" in by_place.text
    one = client.get("/dasbor/pengaduan", params={"ticket": "t000007"})
    assert tickets(one.text) == {"ADU-T000007"}
    # Days are the viewer's (WIB): n // 3 days after 2 November, n = 3..5 on the 3rd.
    day = client.get("/dasbor/pengaduan", params={"from": "2026-11-03", "to": "2026-11-03"})
    assert tickets(day.text) == {f"ADU-T{n:06d}" for n in (3, 4, 5)}
    assert "3 Nov 2026" in day.text
    junk = client.get(
        "/dasbor/pengaduan", params={"status": "x'--", "from": "kemarin", "page": "z"}
    )
    assert junk.status_code == 200 and "31 pengaduan" in junk.text


def test_detail_shows_history_and_never_the_reporters_number(
    runtime: Runtime,
    client: TestClient,
    sign_in: Callable[[str], None],
    complaints: dict[str, str],
) -> None:
    with transaction(runtime.sessions) as session:
        from handlers.complaints.handling import note

        c = session.query(Complaint).filter_by(ticket_code="ADU-T000001").one()
        dewi = person_by_phone(session, DEWI)
        note(session, c, dewi, "status", ComplaintStatus.ACCEPTED, c.created_at)
        note(session, c, dewi, "note", "Sudah ditelepon, menunggu data bank", c.created_at)
    sign_in(DEWI)
    page = client.get("/dasbor/pengaduan/ADU-T000001")
    assert page.status_code == 200
    assert "Cerita pengaduan nomor 1" in page.text
    assert "Sudah ditelepon, menunggu data bank" in page.text
    assert "diterima petugas" in page.text and "Dewi Lestari" in page.text
    assert NAMED in page.text
    assert_no_number(page.text)
    anonymous = client.get(f"/dasbor/pengaduan/{complaints['anonymous']}")
    assert anonymous.status_code == 200
    assert ANON_NAME not in anonymous.text
    assert_no_number(anonymous.text)


def test_another_kabupatens_complaint_does_not_exist_for_a_supervisor(
    client: TestClient, sign_in: Callable[[str], None], complaints: dict[str, str]
) -> None:
    sign_in(DEWI)
    for ticket in (complaints["other"], complaints["desk"], "ADU-NOSUCH1"):
        response = client.get(f"/dasbor/pengaduan/{ticket}")
        assert response.status_code == 404
        assert ticket not in response.text
    export = client.get("/dasbor/pengaduan.csv", params={"ticket": complaints["other"]})
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert len(rows) == 1  # the header only


def test_a_pendamping_sees_only_what_was_given_to_them(
    runtime: Runtime,
    client: TestClient,
    sign_in: Callable[[str], None],
    complaints: dict[str, str],
) -> None:
    sign_in(SARI)
    assert tickets(client.get("/dasbor/pengaduan").text) == set()
    assert client.get("/dasbor/pengaduan/ADU-T000002").status_code == 404
    with transaction(runtime.sessions) as session:
        c = session.query(Complaint).filter_by(ticket_code="ADU-T000002").one()
        c.assignee_id = person_by_phone(session, SARI).id
    assert tickets(client.get("/dasbor/pengaduan").text) == {"ADU-T000002"}
    assert client.get("/dasbor/pengaduan/ADU-T000002").status_code == 200


def test_the_export_has_a_bom_the_table_columns_and_the_filtered_rows(
    client: TestClient, sign_in: Callable[[str], None], complaints: dict[str, str]
) -> None:
    sign_in(DEWI)
    everything = client.get("/dasbor/pengaduan.csv")
    assert everything.status_code == 200
    assert everything.content.startswith(b"\xef\xbb\xbf")
    assert everything.headers["content-type"].startswith("text/csv")
    assert "attachment" in everything.headers["content-disposition"]
    assert everything.headers["cache-control"] == "no-store"
    rows = list(csv.reader(io.StringIO(everything.content.decode("utf-8-sig"))))
    assert rows[0][:6] == ["Tiket", "Tanggal", "Kecamatan", "Kategori", "Status", "Tenggat"]
    assert len(rows) == 32  # all pages, not only the first
    assert complaints["other"] not in everything.text
    assert_no_number(everything.content.decode("utf-8-sig"))
    assert ANON_NAME not in everything.text and NAMED not in everything.text
    filtered = client.get(
        "/dasbor/pengaduan.csv", params={"status": ComplaintStatus.REJECTED.value}
    )
    body = list(csv.reader(io.StringIO(filtered.content.decode("utf-8-sig"))))[1:]
    assert len(body) == 5
    assert {row[4] for row in body} == {"ditolak"}


def test_a_long_list_counts_up_to_its_cap_and_says_there_are_more(
    runtime: Runtime, complaints: dict[str, str]
) -> None:
    """Dewi handles 31 complaints; counted with a cap of 10, the list says "more than 10"
    and still pages through what it counted, newest first."""
    with runtime.sessions() as session:
        dewi = person_by_phone(session, DEWI)
        capped = listing.list_page(session, dewi, ComplaintFilter(page_size=4, count_cap=10))
        whole = listing.list_page(session, dewi, ComplaintFilter(page_size=4))
    assert (capped.total, capped.capped, capped.pages) == (10, True, 3)
    assert (whole.total, whole.capped) == (31, False)
    assert capped.rows == whole.rows
