"""Roster import: an idempotent upsert keyed by phone; bad rows are reported, good rows load."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from handlers.roster import ImportReport, RosterError, import_roster
from storage.db import transaction
from storage.models import AuditEntry, Person

HEADER = "role,name,phone,kabupaten,kecamatan,supervisor_phone,timezone\n"
GOOD = """\
korkab,Bambang Wijaya,0812-1000-0001,Trenggalek,Trenggalek,,WIB
supervisor,Dewi Lestari,62812-1000-0002,Trenggalek,Trenggalek,0812-1000-0001,WIB
pendamping,Sari Rahayu,+62 812-1000-0003,Trenggalek,Pogalan,0812 1000 0002,
"""


def load(sessions: sessionmaker[Session], body: str, header: str = HEADER) -> ImportReport:
    with transaction(sessions) as session:
        return import_roster(session, header + body, "Asia/Jakarta")


def people(sessions: sessionmaker[Session]) -> dict[str, Person]:
    with sessions() as session:
        return {p.phone: p for p in session.scalars(select(Person))}


def reasons(report: ImportReport) -> dict[int, str]:
    return {r.line: r.reason for r in report.rejected}


def test_good_rows_load_with_links_and_e164_phones(sessions: sessionmaker[Session]) -> None:
    report = load(sessions, GOOD)
    assert (report.added, report.updated, report.unchanged, report.rejected) == (3, 0, 0, [])
    staff = people(sessions)
    assert set(staff) == {"+6281210000001", "+6281210000002", "+6281210000003"}
    korkab, supervisor, sari = (staff[f"+628121000000{i}"] for i in (1, 2, 3))
    assert (korkab.role, supervisor.role, sari.role) == ("korkab", "supervisor", "pendamping")
    assert sari.supervisor_id == supervisor.id and supervisor.supervisor_id == korkab.id
    assert korkab.supervisor_id is None
    assert (sari.kabupaten, sari.kecamatan, sari.timezone) == (
        "Trenggalek",
        "Pogalan",
        "Asia/Jakarta",
    )
    assert report.summary().startswith("added 3, updated 0, unchanged 0, rejected 0")


def test_bad_rows_are_rejected_with_line_and_reason_while_good_rows_load(
    sessions: sessionmaker[Session],
) -> None:
    body = GOOD + (
        "pendamping,Nomor Rusak,0812-12,Trenggalek,Pogalan,0812-1000-0002,WIB\n"  # line 5
        "kepala,Bukan Peran,0812-1000-0006,Trenggalek,Pogalan,,WIB\n"  # line 6
        "pendamping,Tanpa Atasan,0812-1000-0007,Trenggalek,Pogalan,0812-9999-0000,WIB\n"  # 7
        "pendamping,Nomor Kembar,0812 1000 0003,Trenggalek,Durenan,0812-1000-0002,WIB\n"  # 8
        "pendamping,Agus Santoso,0812-1000-0004,Trenggalek,Pogalan,0812-1000-0002,WIB\n"  # 9
    )
    report = load(sessions, body)
    assert report.added == 4
    rejected = reasons(report)
    assert sorted(rejected) == [5, 6, 7, 8]
    assert "not a valid phone number" in rejected[5] and "0812-12" in rejected[5]
    assert rejected[6] == "unknown role 'kepala'"
    assert rejected[7] == "unknown supervisor +6281299990000"
    assert rejected[8] == "duplicate phone +6281210000003 (first on line 4)"
    staff = people(sessions)
    assert "+6281210000004" in staff and staff["+6281210000003"].kecamatan == "Pogalan"
    assert "+6281210000006" not in staff and "+6281210000007" not in staff
    assert "line 8: duplicate phone" in report.summary()


def test_a_repeated_import_changes_nothing(sessions: sessionmaker[Session]) -> None:
    load(sessions, GOOD)
    before = people(sessions)
    report = load(sessions, GOOD)
    assert (report.added, report.updated, report.unchanged, report.rejected) == (0, 0, 3, [])
    after = people(sessions)
    assert {p: (s.id, s.updated_at) for p, s in after.items()} == {
        p: (s.id, s.updated_at) for p, s in before.items()
    }
    with sessions() as session:
        updates = select(func.count()).where(AuditEntry.action == "roster.updated")
        assert session.scalar(updates) == 0


def test_an_update_changes_fields_and_links(sessions: sessionmaker[Session]) -> None:
    load(sessions, GOOD)
    changed = """\
korkab,Bambang Wijaya,0812-1000-0001,Trenggalek,Trenggalek,,WIB
supervisor,Dewi Lestari,62812-1000-0002,Trenggalek,Trenggalek,0812-1000-0001,WIB
supervisor,Hadi Pranoto,0812-1000-0008,Trenggalek,Trenggalek,0812-1000-0001,WIB
pendamping,Sari Rahayu Putri,+62 812-1000-0003,Trenggalek,Durenan,0812-1000-0008,WITA
"""
    report = load(sessions, changed)
    assert (report.added, report.updated, report.unchanged, report.rejected) == (1, 1, 2, [])
    staff = people(sessions)
    sari = staff["+6281210000003"]
    assert (sari.name, sari.kecamatan, sari.timezone) == (
        "Sari Rahayu Putri",
        "Durenan",
        "Asia/Makassar",
    )
    assert sari.supervisor_id == staff["+6281210000008"].id


def test_a_supervisor_may_come_after_their_pendamping(sessions: sessionmaker[Session]) -> None:
    body = """\
pendamping,Sari Rahayu,0812-1000-0003,Trenggalek,Pogalan,0812-1000-0002,WIB
supervisor,Dewi Lestari,0812-1000-0002,Trenggalek,Trenggalek,0812-1000-0001,WIB
korkab,Bambang Wijaya,0812-1000-0001,Trenggalek,Trenggalek,,WIB
"""
    report = load(sessions, body)
    assert (report.added, report.rejected) == (3, [])
    staff = people(sessions)
    assert staff["+6281210000003"].supervisor_id == staff["+6281210000002"].id
    assert staff["+6281210000002"].supervisor_id == staff["+6281210000001"].id


def test_a_rejected_supervisor_rejects_the_pendamping_who_name_them(
    sessions: sessionmaker[Session],
) -> None:
    body = """\
pendamping,Sari Rahayu,0812-1000-0003,Trenggalek,Pogalan,0812-1000-0002,WIB
supervisor,Dewi Lestari,0812-1000-0002,Trenggalek,Trenggalek,0812-9999-0000,WIB
korkab,Bambang Wijaya,0812-1000-0001,Trenggalek,Trenggalek,,WIB
"""
    report = load(sessions, body)
    assert report.added == 1
    assert reasons(report) == {
        2: "unknown supervisor +6281210000002",
        3: "unknown supervisor +6281299990000",
    }
    assert set(people(sessions)) == {"+6281210000001"}


def test_a_link_must_point_to_the_right_role(sessions: sessionmaker[Session]) -> None:
    body = GOOD + "pendamping,Agus,0812-1000-0004,Trenggalek,Pogalan,0812-1000-0001,WIB\n"
    assert reasons(load(sessions, body)) == {
        5: "supervisor +6281210000001 is a korkab, not the supervisor a pendamping reports to"
    }


def test_a_link_may_point_to_someone_already_on_the_roster(
    sessions: sessionmaker[Session],
) -> None:
    load(sessions, GOOD)
    body = "pendamping,Agus,0812-1000-0004,Trenggalek,Pogalan,0812-1000-0002,WIB\n"
    assert load(sessions, body).added == 1
    staff = people(sessions)
    assert staff["+6281210000004"].supervisor_id == staff["+6281210000002"].id


@pytest.mark.parametrize(
    ("zone", "stored"),
    [
        ("WIB", "Asia/Jakarta"),
        ("wita", "Asia/Makassar"),
        ("WIT", "Asia/Jayapura"),
        ("Asia/Pontianak", "Asia/Pontianak"),
        ("", "Asia/Jakarta"),
    ],
)
def test_timezones(sessions: sessionmaker[Session], zone: str, stored: str) -> None:
    report = load(sessions, f"korkab,Bambang,0812-1000-0001,Trenggalek,Trenggalek,,{zone}\n")
    assert report.rejected == []
    assert people(sessions)["+6281210000001"].timezone == stored


def test_a_bad_timezone_is_rejected(sessions: sessionmaker[Session]) -> None:
    body = GOOD + "korkab,Lain,0812-1000-0009,Trenggalek,Trenggalek,,WIT+1\n"
    report = load(sessions, body)
    assert reasons(report) == {5: "unknown timezone 'WIT+1' (use an IANA name or WIB/WITA/WIT)"}
    assert report.added == 3


def test_a_wrong_header_is_an_error_for_the_whole_file(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(RosterError, match="missing supervisor_phone, timezone"):
        load(sessions, GOOD, header="role,name,phone,kabupaten,kecamatan\n")
    assert people(sessions) == {}


def test_an_optional_backup_supervisor_column(sessions: sessionmaker[Session]) -> None:
    header = HEADER.rstrip("\n") + ",backup_supervisor_phone\n"
    body = (
        "korkab,Bambang Wijaya,0812-1000-0001,Trenggalek,Trenggalek,,WIB,\n"
        "supervisor,Dewi Lestari,0812-1000-0002,Trenggalek,Trenggalek,0812-1000-0001,WIB,"
        "0812-1000-0008\n"
        "supervisor,Eko Saputra,0812-1000-0008,Trenggalek,Trenggalek,0812-1000-0001,WIB,\n"
        "pendamping,Sari Rahayu,0812-1000-0003,Trenggalek,Pogalan,0812-1000-0002,WIB,"
        "0812-1000-0008\n"
        "supervisor,Fajar Nugroho,0812-1000-0009,Trenggalek,Trenggalek,0812-1000-0001,WIB,"
        "0812-1000-0001\n"
    )
    report = load(sessions, body, header)
    assert (report.added, report.rejected) == (5, [])
    assert {w.line: w.reason.split(";")[0] for w in report.warnings} == {
        5: "only a supervisor names a backup supervisor",
        6: "backup +6281210000001 is not a supervisor on the roster",
    }
    staff = people(sessions)
    assert staff["+6281210000002"].backup_id == staff["+6281210000008"].id
    assert staff["+6281210000003"].backup_id is None  # ignored, the row still loaded
    assert staff["+6281210000009"].backup_id is None
    assert "line 5: warning: only a supervisor" in report.summary()
