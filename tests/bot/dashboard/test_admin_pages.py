"""The admin pages through the real app: only a desk admin gets in (a supervisor, a korkab and an
admin with a kabupaten get 403, nobody signed in 401); every form needs the csrf token and this
site's Origin; the roster upload runs the CLI's import and shows its per-line result, and refuses
too large, empty and non-UTF-8 files politely; a data-subject request finds, exports and (after a
confirm step) erases one number's data, audited with the admin, never with the number."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bot.dashboard.admin_roster import MAX_UPLOAD_BYTES
from bot.runtime import Runtime
from handlers.people.data_requests import ERASED_STORY
from handlers.people.phones import to_e164
from storage.db import transaction
from storage.models import AuditEntry, Complaint, Person, Role
from tests.bot.dashboard.conftest import DEWI, REPORTER, person_by_phone

YUNI = "0812-1000-0007"  # the demo desk admin
BAMBANG = "0812-1000-0001"  # korkab
KAB_ADMIN = "0812-1000-0009"  # an admin of Trenggalek only
ORIGIN = {"Origin": "http://testserver"}
PAGES = ("/dasbor/admin", "/dasbor/admin/roster", "/dasbor/admin/data-pribadi")
HEADER = "role,name,phone,kabupaten,kecamatan,supervisor_phone,timezone\n"
NUMBER_FORMS = (REPORTER, REPORTER[1:], "0" + REPORTER[3:])


def csrf(client: TestClient) -> str:
    """The session's csrf token, from the sign-out form every page carries."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/dasbor").text)
    assert found is not None
    return found.group(1)


def count(runtime: Runtime, model: type) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def audit_actions(runtime: Runtime, prefix: str) -> list[tuple[str, int | None, dict]]:
    with runtime.sessions() as session:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.action.startswith(prefix)).order_by(AuditEntry.id)
        ).all()
        return [(r.action, r.actor_person_id, r.details) for r in rows]


def upload(client: TestClient, body: bytes, token: str, name: str = "roster.csv") -> object:
    return client.post(
        "/dasbor/admin/roster",
        data={"csrf_token": token},
        files={"roster": (name, body, "text/csv")},
        headers=ORIGIN,
    )


@pytest.fixture
def kabupaten_admin(runtime: Runtime) -> None:
    with transaction(runtime.sessions) as session:
        session.add(
            Person(
                role=Role.ADMIN,
                name="Admin Trenggalek",
                phone=to_e164(KAB_ADMIN),
                kabupaten="Trenggalek",
                timezone="Asia/Jakarta",
            )
        )


def test_nobody_signed_in_gets_401(client: TestClient) -> None:
    for path in PAGES:
        assert client.get(path).status_code == 401, path
    assert client.post("/dasbor/admin/data-pribadi", data={"phone": REPORTER}).status_code == 401


@pytest.mark.parametrize("phone", [DEWI, BAMBANG, KAB_ADMIN])
def test_only_a_desk_admin_gets_in(
    client: TestClient,
    runtime: Runtime,
    sign_in: Callable[[str], None],
    complaints: dict[str, str],
    kabupaten_admin: None,
    phone: str,
) -> None:
    sign_in(phone)
    token = csrf(client)
    for path in PAGES:
        refused = client.get(path)
        assert refused.status_code == 403, path
        assert "admin pusat" in refused.text
    people = count(runtime, Person)
    for action in ("", "/ekspor", "/hapus"):
        refused = client.post(
            f"/dasbor/admin/data-pribadi{action}",
            data={"csrf_token": token, "phone": REPORTER, "confirm": "ya"},
            headers=ORIGIN,
        )
        assert refused.status_code == 403
        assert "ADU-T" not in refused.text
    csv = HEADER + "pendamping,Orang Baru,0812-7777-0001,Trenggalek,Pogalan,0812-1000-0002,WIB\n"
    assert upload(client, csv.encode(), token).status_code == 403
    assert count(runtime, Person) == people
    assert audit_actions(runtime, "data_request.") == []
    assert audit_actions(runtime, "roster.uploaded") == []
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).where(Complaint.reporter_address == REPORTER))


def test_a_desk_admin_sees_the_admin_pages(
    client: TestClient, sign_in: Callable[[str], None]
) -> None:
    sign_in(YUNI)
    index = client.get("/dasbor/admin")
    assert index.status_code == 200
    assert 'href="/dasbor/admin/roster"' in index.text
    assert 'href="/dasbor/admin/data-pribadi"' in index.text
    roster = client.get("/dasbor/admin/roster")
    assert 'type="file"' in roster.text and 'enctype="multipart/form-data"' in roster.text
    privacy = client.get("/dasbor/admin/data-pribadi")
    assert 'name="phone"' in privacy.text and "<script" not in privacy.text
    assert privacy.headers["cache-control"] == "no-store"


def test_forms_need_the_csrf_token_and_this_sites_origin(
    client: TestClient, runtime: Runtime, sign_in: Callable[[str], None], complaints: dict
) -> None:
    sign_in(YUNI)
    token = csrf(client)
    people = count(runtime, Person)
    csv = (HEADER + "pendamping,Orang Baru,0812-7777-0001,Trenggalek,Pogalan,,WIB\n").encode()
    for headers, sent in (
        (ORIGIN, None),
        (ORIGIN, "salah"),
        ({"Origin": "https://evil.example"}, token),
        ({}, token),
    ):
        data = {"phone": REPORTER, "confirm": "ya", "asked": "1"}
        if sent is not None:
            data["csrf_token"] = sent
        for action in ("", "/ekspor", "/hapus"):
            refused = client.post(f"/dasbor/admin/data-pribadi{action}", data=data, headers=headers)
            assert refused.status_code == 403, (action, headers, sent)
            assert "ADU-T" not in refused.text
        files = {"roster": ("r.csv", csv, "text/csv")}
        form = {"csrf_token": sent} if sent is not None else {}
        refused = client.post("/dasbor/admin/roster", data=form, files=files, headers=headers)
        assert refused.status_code == 403
    assert count(runtime, Person) == people
    assert audit_actions(runtime, "data_request.") == []
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).where(Complaint.reporter_address == REPORTER))


def test_roster_upload_shows_the_per_line_result(
    client: TestClient, runtime: Runtime, sign_in: Callable[[str], None]
) -> None:
    sign_in(YUNI)
    body = (
        HEADER
        + "pendamping,Orang Baru,0812-7777-0001,Trenggalek,Gandusari,0812-1000-0002,WIB\n"
        + "pendamping,Agus Santoso,0812-1000-0004,Trenggalek,Karangan,0812-1000-0002,WIB\n"
        + "bos,Tanpa Peran,0812-7777-0002,Trenggalek,,,WIB\n"
        + "korwil,Korwil Baru,0812-7777-0003,,,,WIB\n"
        + "pendamping,Nomor Salah,12345,Trenggalek,Pogalan,,WIB\n"
    )
    shown = upload(client, body.encode("utf-8"), csrf(client))
    assert shown.status_code == 200
    text = shown.text
    assert re.search(r"<dt>Ditambahkan</dt><dd>2</dd>", text)
    assert re.search(r"<dt>Diperbarui</dt><dd>1</dd>", text)
    assert re.search(r"<dt>Ditolak</dt><dd>2</dd>", text)
    rejected = re.findall(r'<td class="num">(\d+)</td><td>([^<]+)</td>', text)
    # In Bahasa Indonesia, as the rest of the page (the CLI says the same in English).
    assert ("4", "peran tidak dikenal: &#39;bos&#39;") in rejected
    assert ("6", "phone: bukan nomor telepon yang sah: &#39;12345&#39;") in rejected
    assert any(line == "5" and "korwil tanpa provinsi" in why for line, why in rejected)
    assert "Inggris" not in text
    with runtime.sessions() as session:
        assert person_by_phone(session, "0812-7777-0001").kecamatan == "Gandusari"
        assert person_by_phone(session, "0812-1000-0004").kecamatan == "Karangan"
        yuni = person_by_phone(session, YUNI).id
    assert audit_actions(runtime, "roster.uploaded") == [
        (
            "roster.uploaded",
            yuni,
            {"added": 2, "updated": 1, "unchanged": 0, "rejected": 2, "warnings": 1},
        )
    ]


def test_an_upload_that_sets_someone_inactive_says_what_they_leave_behind(
    client: TestClient, runtime: Runtime, sign_in: Callable[[str], None]
) -> None:
    sign_in(YUNI)
    body = (
        HEADER.replace("timezone", "timezone,active")
        + "supervisor,Dewi Lestari,0812-1000-0002,Trenggalek,Trenggalek,0812-1000-0001,WIB,tidak\n"
    )
    text = upload(client, body.encode("utf-8"), csrf(client)).text  # type: ignore[attr-defined]
    assert re.search(r"<dt>Diperbarui</dt><dd>1</dd>", text)
    assert "pendamping Sari Rahayu (+6281210000003) masih melapor kepada Dewi Lestari" in text
    assert "masih memegang" not in text  # she held no open work: nothing to arrange
    with runtime.sessions() as session:
        assert not person_by_phone(session, DEWI).active


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        (b"x" * (MAX_UPLOAD_BYTES + 1), 413, "terlalu besar"),
        (b"x" * (3 * MAX_UPLOAD_BYTES), 413, "terlalu besar"),
        (b"", 400, "Berkas kosong"),
        (b"  \n\n", 400, "Berkas kosong"),
        (HEADER.encode() + "pendamping,Ani \xc0,0812-7777-0001,,,,WIB\n".encode("latin-1"), 400,
         "UTF-8"),
        (b"nama,telepon\nAni,0812\n", 400, "judul kolom harus"),
    ],
)  # fmt: skip
def test_a_bad_upload_is_refused_politely_and_changes_nothing(
    client: TestClient,
    runtime: Runtime,
    sign_in: Callable[[str], None],
    body: bytes,
    status: int,
    says: str,
) -> None:
    sign_in(YUNI)
    people = count(runtime, Person)
    refused = upload(client, body, csrf(client))
    assert refused.status_code == status
    assert says in refused.text
    assert 'type="file"' in refused.text  # the form again, to try once more
    assert count(runtime, Person) == people
    assert audit_actions(runtime, "roster.uploaded") == []


def test_a_data_request_finds_exports_and_erases_after_a_confirm_step(
    client: TestClient, runtime: Runtime, sign_in: Callable[[str], None], complaints: dict
) -> None:
    sign_in(YUNI)
    token = csrf(client)
    typed = "0813 9999 0001"  # REPORTER as people type it
    form = {"csrf_token": token, "phone": typed}
    found = client.post("/dasbor/admin/data-pribadi", data=form, headers=ORIGIN)
    assert found.status_code == 200
    assert len(set(re.findall(r"ADU-T\d{6}", found.text))) == 33
    assert "Cerita pengaduan" not in found.text  # the page lists; the export tells
    assert "tidak ada di daftar petugas" in found.text

    exported = client.post("/dasbor/admin/data-pribadi/ekspor", data=form, headers=ORIGIN)
    assert exported.status_code == 200
    assert exported.headers["content-disposition"] == (
        'attachment; filename="data-pribadi-0001.json"'
    )
    data = json.loads(exported.content)
    assert len(data["complaints"]) == 33
    assert {c["description"] for c in data["complaints"]} >= {"Cerita pengaduan nomor 1"}

    asked = client.post("/dasbor/admin/data-pribadi/hapus", data=form, headers=ORIGIN)
    assert asked.status_code == 200 and 'name="confirm"' in asked.text
    again = client.post(
        "/dasbor/admin/data-pribadi/hapus", data={**form, "asked": "1"}, headers=ORIGIN
    )
    assert "Centang kotak konfirmasi" in again.text
    with runtime.sessions() as session:
        assert (
            session.scalar(select(func.count()).where(Complaint.reporter_address == REPORTER)) == 33
        )

    done = client.post(
        "/dasbor/admin/data-pribadi/hapus", data={**form, "asked": "1", "confirm": "ya"},
        headers=ORIGIN,
    )  # fmt: skip
    assert done.status_code == 200 and "sudah dihapus" in done.text
    assert "33 pengaduan dianonimkan" in done.text
    with runtime.sessions() as session:
        assert not session.scalar(
            select(func.count()).where(Complaint.reporter_address == REPORTER)
        )
        kept = session.scalars(select(Complaint).where(Complaint.ticket_code == "ADU-T000007"))
        c = kept.one()
        assert c.description == ERASED_STORY and c.reporter_address.startswith("dihapus-")
        yuni = person_by_phone(session, YUNI).id
    actions = audit_actions(runtime, "data_request.")
    assert [a for a, _, _ in actions] == [
        "data_request.found",
        "data_request.exported",
        "data_request.found",
        "data_request.found",
        "data_request.erased",
    ]
    assert all(actor == yuni and details["complaints"] == 33 for _, actor, details in actions)
    for _, _, details in actions:
        assert not any(form in json.dumps(details) for form in NUMBER_FORMS)
    after = client.post("/dasbor/admin/data-pribadi", data=form, headers=ORIGIN)
    assert "Tidak ada data yang tersimpan" in after.text


def test_a_number_that_is_not_one_is_asked_again(
    client: TestClient, runtime: Runtime, sign_in: Callable[[str], None]
) -> None:
    sign_in(YUNI)
    form = {"csrf_token": csrf(client), "phone": "bukan nomor"}
    shown = client.post("/dasbor/admin/data-pribadi", data=form, headers=ORIGIN)
    assert shown.status_code == 422
    assert "tidak dikenali" in shown.text and 'name="phone"' in shown.text
    assert audit_actions(runtime, "data_request.") == []


def test_a_staff_number_shows_the_roster_row_and_is_kept(
    client: TestClient, runtime: Runtime, sign_in: Callable[[str], None]
) -> None:
    sign_in(YUNI)
    form = {"csrf_token": csrf(client), "phone": DEWI}
    found = client.post("/dasbor/admin/data-pribadi", data=form, headers=ORIGIN)
    assert "Dewi Lestari" in found.text and "berisi <code>tidak</code> untuknya" in found.text
    done = client.post(
        "/dasbor/admin/data-pribadi/hapus", data={**form, "confirm": "ya"}, headers=ORIGIN
    )
    assert "tidak dihapus" in done.text
    with runtime.sessions() as session:
        assert person_by_phone(session, DEWI).active
