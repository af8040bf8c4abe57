"""Roster import: an idempotent upsert keyed by phone; bad rows are reported, good rows load."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from conversations.catalog import load_catalog
from handlers.people.roster import ImportReport, RosterError, import_roster
from storage.db import transaction
from storage.models import AuditEntry, Person

HEADER = "role,name,phone,kabupaten,kecamatan,supervisor_phone,timezone\n"
GOOD = """\
korkab,Bambang Wijaya,0812-1000-0001,Trenggalek,Trenggalek,,WIB
supervisor,Dewi Lestari,62812-1000-0002,Trenggalek,Trenggalek,0812-1000-0001,WIB
pendamping,Sari Rahayu,+62 812-1000-0003,Trenggalek,Pogalan,0812 1000 0002,
"""

# Lines 5-8 after GOOD: a bad phone, an unknown role, an unknown supervisor, a repeated phone.
BAD = """\
pendamping,Nomor Rusak,0812-12,Trenggalek,Pogalan,0812-1000-0002,WIB
kepala,Bukan Peran,0812-1000-0006,Trenggalek,Pogalan,,WIB
pendamping,Tanpa Atasan,0812-1000-0007,Trenggalek,Pogalan,0812-9999-0000,WIB
pendamping,Nomor Kembar,0812 1000 0003,Trenggalek,Durenan,0812-1000-0002,WIB
"""


def load(sessions: sessionmaker[Session], body: str, header: str = HEADER) -> ImportReport:
    with transaction(sessions) as session:
        return import_roster(session, header + body, "Asia/Jakarta")


def people(sessions: sessionmaker[Session]) -> dict[str, Person]:
    with sessions() as session:
        return {p.phone: p for p in session.scalars(select(Person))}


def reasons(report: ImportReport) -> dict[int, str]:
    return {r.line: r.reason() for r in report.rejected}


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
    agus = "pendamping,Agus Santoso,0812-1000-0004,Trenggalek,Pogalan,0812-1000-0002,WIB\n"
    report = load(sessions, GOOD + BAD + agus)  # Agus on line 9
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


def test_reasons_and_warnings_read_in_the_readers_language(
    sessions: sessionmaker[Session],
) -> None:
    more = (
        "pendamping,Zona Salah,0812-1000-0009,Trenggalek,Durenan,0812-1000-0002,WIB+1\n"  # 9
        "korwil,Tanpa Provinsi,0812-1000-0010,,,,WIB\n"  # 10
    )
    report = load(sessions, GOOD + BAD + more)
    t = load_catalog("id")
    assert {r.line: r.reason(t) for r in report.rejected} == {
        5: "phone: bukan nomor telepon yang sah: '0812-12'",
        6: "peran tidak dikenal: 'kepala'",
        7: "atasan +6281299990000 tidak ada di roster",
        8: "nomor +6281210000003 ganda (sudah ada di baris 4)",
        9: "zona waktu 'WIB+1' tidak dikenal (pakai nama IANA atau WIB/WITA/WIT)",
    }
    korwil = "korwil tanpa provinsi tidak membawahi kabupaten mana pun dan tidak melihat data"
    assert [(w.line, w.reason(t).split(":")[0]) for w in report.warnings] == [
        (10, f"{korwil} apa pun"),
        (None, "belum ada admin meja pengaduan"),
    ]
    with pytest.raises(RosterError) as refused:
        load(sessions, "nama,telepon\nAni,0812\n", header="")
    assert refused.value.reason(t).startswith("judul kolom harus role,name,phone,")
    assert str(refused.value).startswith("header must be role,name,phone,")  # the CLI's


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
        5: "supervisor +6281210000001 is korkab, but pendamping rows report to supervisor"
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
    assert {w.line: w.reason().split(";")[0] for w in report.warnings if w.line} == {
        5: "only a supervisor names a backup supervisor",
        6: "backup +6281210000001 is not a supervisor on the roster",
    }
    staff = people(sessions)
    assert staff["+6281210000002"].backup_id == staff["+6281210000008"].id
    assert staff["+6281210000003"].backup_id is None  # ignored, the row still loaded
    assert staff["+6281210000009"].backup_id is None
    assert "line 5: warning: only a supervisor" in report.summary()


# -- korwil and provinsi ------------------------------------------------------------------
DESK = "admin,Meja Pengaduan,0812-1000-0007,,,,WIB\n"


def warnings(report: ImportReport) -> list[tuple[int | None, str]]:
    return [(w.line, w.reason()) for w in report.warnings]


def test_a_korwil_and_an_optional_provinsi_column_in_any_position(
    sessions: sessionmaker[Session],
) -> None:
    header = "Role,Name,PROVINSI,Phone,Kabupaten,Kecamatan,Supervisor_Phone,Timezone\n"
    body = (
        "korwil,Hendra Gunawan,Jawa Timur,0812-1000-0006,,,,WIB\n"
        "korkab,Bambang Wijaya,Jawa Timur,0812-1000-0001,Trenggalek,Trenggalek,,WIB\n"
        "supervisor,Dewi Lestari,Jawa Timur,0812-1000-0002,Trenggalek,Trenggalek,"
        "0812-1000-0001,WIB\n"
        "pendamping,Sari Rahayu,,0812-1000-0003,Trenggalek,Pogalan,0812-1000-0002,WIB\n"
        "admin,Meja Pengaduan,Jawa Timur,0812-1000-0007,,,,WIB\n"
    )
    report = load(sessions, body, header)
    assert (report.added, report.rejected, report.warnings) == (5, [], [])
    staff = people(sessions)
    korwil = staff["+6281210000006"]
    assert (korwil.role, korwil.provinsi, korwil.kabupaten) == ("korwil", "Jawa Timur", "")
    assert staff["+6281210000001"].provinsi == "Jawa Timur"
    assert staff["+6281210000003"].provinsi == ""  # in no korwil's scope
    assert korwil.supervisor_id is None and staff["+6281210000001"].supervisor_id is None


def test_a_file_without_provinsi_keeps_the_stored_province(
    sessions: sessionmaker[Session],
) -> None:
    load(
        sessions,
        "korkab,Bambang Wijaya,0812-1000-0001,Trenggalek,Trenggalek,,WIB,Jawa Timur\n",
        HEADER.rstrip("\n") + ",provinsi\n",
    )
    report = load(sessions, "korkab,Bambang W.,0812-1000-0001,Trenggalek,Trenggalek,,WIB\n")
    assert (report.updated, report.rejected) == (1, [])
    bambang = people(sessions)["+6281210000001"]
    assert (bambang.name, bambang.provinsi) == ("Bambang W.", "Jawa Timur")


def test_a_korwil_without_provinsi_loads_with_a_warning(sessions: sessionmaker[Session]) -> None:
    header = HEADER.rstrip("\n") + ",provinsi\n"
    report = load(sessions, "korwil,Hendra Gunawan,0812-1000-0006,,,,WIB,\n" + DESK, header)
    assert (report.added, report.rejected) == (2, [])
    assert warnings(report) == [
        (2, "a korwil without provinsi covers no kabupaten and sees nothing")
    ]
    assert people(sessions)["+6281210000006"].role == "korwil"


def test_a_korkab_and_a_korwil_name_nobody(sessions: sessionmaker[Session]) -> None:
    header = HEADER.rstrip("\n") + ",provinsi\n"
    body = (
        "korwil,Hendra Gunawan,0812-1000-0006,,,0812-1000-0001,WIB,Jawa Timur\n"  # line 2
        "korkab,Bambang Wijaya,0812-1000-0001,Trenggalek,Trenggalek,0812-1000-0006,WIB,"
        "Jawa Timur\n"  # line 3
        "pendamping,Sari Rahayu,0812-1000-0003,Trenggalek,Pogalan,0812-1000-0006,WIB,"
        "Jawa Timur\n"  # line 4
        "supervisor,Dewi Lestari,0812-1000-0002,Trenggalek,Trenggalek,0812-1000-0006,WIB,"
        "Jawa Timur\n"  # line 5
    ) + DESK
    report = load(sessions, body, header)
    # A korkab's korwil is found by province: the link is ignored and the row loads.
    assert warnings(report) == [
        (2, "korwil rows name nobody in supervisor_phone; +6281210000001 ignored"),
        (3, "korkab rows name nobody in supervisor_phone; +6281210000006 ignored"),
    ]
    assert reasons(report) == {
        4: "supervisor +6281210000006 is korwil, but pendamping rows report to supervisor",
        5: "supervisor +6281210000006 is korwil, but supervisor rows report to korkab",
    }
    staff = people(sessions)
    assert staff["+6281210000001"].supervisor_id is None
    assert staff["+6281210000006"].supervisor_id is None


# -- a change of role strands nobody ------------------------------------------------------
BACKUP_HEADER = HEADER.rstrip("\n") + ",backup_supervisor_phone\n"
TEAM = (
    "korkab,Bambang Wijaya,0812-1000-0001,Trenggalek,Trenggalek,,WIB,\n"
    "supervisor,Dewi Lestari,0812-1000-0002,Trenggalek,Trenggalek,0812-1000-0001,WIB,"
    "0812-1000-0008\n"
    "supervisor,Eko Saputra,0812-1000-0008,Trenggalek,Trenggalek,0812-1000-0001,WIB,\n"
    "pendamping,Sari Rahayu,0812-1000-0003,Trenggalek,Pogalan,0812-1000-0002,WIB,\n"
    "pendamping,Agus Santoso,0812-1000-0004,Trenggalek,Pogalan,0812-1000-0002,WIB,\n"
    "admin,Meja Pengaduan,0812-1000-0007,,,,WIB,\n"
)


def test_a_supervisor_who_becomes_korkab_leaves_no_pendamping_linked(
    sessions: sessionmaker[Session],
) -> None:
    assert load(sessions, TEAM, BACKUP_HEADER).warnings == []
    # A partial file without the backup column: only Dewi's row, now a korkab.
    partial = "korkab,Dewi Lestari,0812-1000-0002,Trenggalek,Trenggalek,,WIB\n"
    report = load(sessions, partial)
    assert report.rejected == []
    assert warnings(report) == [
        (
            2,
            "unlinked korkab Dewi Lestari (+6281210000002): backup_supervisor_phone was "
            "Eko Saputra (+6281210000008), but the role of Dewi Lestari is now korkab",
        ),
        (
            None,
            "unlinked pendamping Sari Rahayu (+6281210000003) (not in this file): "
            "supervisor_phone was Dewi Lestari (+6281210000002), whose role is now korkab",
        ),
        (
            None,
            "unlinked pendamping Agus Santoso (+6281210000004) (not in this file): "
            "supervisor_phone was Dewi Lestari (+6281210000002), whose role is now korkab",
        ),
    ]
    assert "  line 2: warning: unlinked korkab Dewi Lestari" in report.summary()
    assert "  warning: unlinked pendamping Sari Rahayu" in report.summary()
    assert (report.added, report.updated, report.unchanged) == (0, 3, 0)
    staff = people(sessions)
    assert staff["+6281210000003"].supervisor_id is None
    assert staff["+6281210000004"].supervisor_id is None
    dewi = staff["+6281210000002"]
    assert (dewi.role, dewi.supervisor_id, dewi.backup_id) == ("korkab", None, None)
    again = load(sessions, partial)  # idempotent: nothing left to unlink
    assert (again.updated, again.unchanged, again.warnings) == (0, 1, [])


def test_a_korkab_who_changes_role_strands_no_supervisor(
    sessions: sessionmaker[Session],
) -> None:
    load(sessions, TEAM, BACKUP_HEADER)
    report = load(sessions, "admin,Bambang Wijaya,0812-1000-0001,Trenggalek,,,WIB\n")
    assert [w.reason().split(":")[0] for w in report.warnings] == [
        "unlinked supervisor Dewi Lestari (+6281210000002) (not in this file)",
        "unlinked supervisor Eko Saputra (+6281210000008) (not in this file)",
    ]
    assert "whose role is now admin" in report.warnings[0].reason()
    staff = people(sessions)
    assert staff["+6281210000002"].supervisor_id is None
    assert staff["+6281210000003"].supervisor_id == staff["+6281210000002"].id  # untouched


def test_a_backup_who_is_no_longer_a_supervisor_is_unlinked(
    sessions: sessionmaker[Session],
) -> None:
    load(sessions, TEAM, BACKUP_HEADER)
    # Eko becomes a pendamping under Dewi; Dewi's row (same as before) is in the file.
    body = (
        "supervisor,Dewi Lestari,0812-1000-0002,Trenggalek,Trenggalek,0812-1000-0001,WIB\n"
        "pendamping,Eko Saputra,0812-1000-0008,Trenggalek,Durenan,0812-1000-0002,WIB\n"
    )
    report = load(sessions, body)
    assert warnings(report) == [
        (
            2,
            "unlinked supervisor Dewi Lestari (+6281210000002): backup_supervisor_phone was "
            "Eko Saputra (+6281210000008), whose role is now pendamping",
        )
    ]
    assert (report.updated, report.unchanged) == (2, 0)
    staff = people(sessions)
    assert staff["+6281210000002"].backup_id is None
    assert staff["+6281210000008"].supervisor_id == staff["+6281210000002"].id


def test_a_file_without_the_backup_column_keeps_the_backups(
    sessions: sessionmaker[Session],
) -> None:
    load(sessions, TEAM, BACKUP_HEADER)
    body = "supervisor,Dewi Lestari,0812-1000-0002,Trenggalek,Trenggalek,0812-1000-0001,WIB\n"
    report = load(sessions, body)
    assert (report.updated, report.unchanged, report.warnings) == (0, 1, [])
    staff = people(sessions)
    assert staff["+6281210000002"].backup_id == staff["+6281210000008"].id


# -- the complaint desk -------------------------------------------------------------------
def test_an_import_without_a_desk_admin_warns(sessions: sessionmaker[Session]) -> None:
    desk = (
        None,
        "no desk admin: no active admin without a kabupaten to place complaints of unknown "
        "place (add an admin row with an empty kabupaten)",
    )
    report = load(sessions, GOOD)
    assert report.rejected == [] and warnings(report) == [desk]
    assert report.summary().endswith("\n  warning: " + desk[1])
    # An admin of one kabupaten is not the desk.
    district = "admin,Admin Kabupaten,0812-1000-0009,Trenggalek,,,WIB\n"
    assert warnings(load(sessions, district)) == [desk]
    assert load(sessions, DESK).warnings == []
    assert load(sessions, GOOD).warnings == []  # the desk admin is already on the roster


def test_the_cli_exits_0_on_warnings_alone_and_1_on_a_rejection(
    sessions: sessionmaker[Session],
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.cli import main

    monkeypatch.setenv("DATABASE_URL", database_url)
    path = tmp_path / "roster.csv"
    path.write_text(HEADER + GOOD, encoding="utf-8")
    assert main(["roster", "import", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "added 3, updated 0, unchanged 0, rejected 0"
    assert out[1].startswith("  warning: no desk admin")
    path.write_text(HEADER + GOOD + "kepala,X,0812-1000-0006,,,,WIB\n", encoding="utf-8")
    assert main(["roster", "import", str(path)]) == 1
    assert "  line 5: unknown role 'kepala'" in capsys.readouterr().out


# -- cleaning -----------------------------------------------------------------------------
def test_control_characters_are_stripped_from_every_field(
    sessions: sessionmaker[Session],
) -> None:
    """PostgreSQL rejects NUL in text: nothing of the kind reaches the database."""
    header = "role,name,phone,kabupaten,kecamatan,supervisor_phone,timezone,pro\x00vinsi\n"
    body = (
        "korkab\x00,Bambang\x00 Wijaya,0812-1000-0001\x07,Trengg\x00alek,\x1bTrenggalek,,"
        "WIB\x00,Jawa\x00 Timur\n"
        "supervisor,Dewi\x00,0812-1000-0002,Trenggalek,Trenggalek,0812-1000-\x000001,WIB,\n"
        '"pendamping","Sari\x00\tRahayu\r\nPutri",0812-1000-0003,Trenggalek,Pogalan\x7f,'
        "0812-1000-0002,WIB,\n"
    )
    report = load(sessions, body + DESK.rstrip("\n") + ",\n", header)
    assert (report.added, report.rejected, report.warnings) == (4, [], [])
    staff = people(sessions)
    bambang, dewi, sari = (staff[f"+628121000000{i}"] for i in (1, 2, 3))
    assert (bambang.role, bambang.name, bambang.kabupaten, bambang.kecamatan) == (
        "korkab",
        "Bambang Wijaya",
        "Trenggalek",
        "Trenggalek",
    )
    assert (bambang.timezone, bambang.provinsi) == ("Asia/Jakarta", "Jawa Timur")
    assert (dewi.name, dewi.supervisor_id) == ("Dewi", bambang.id)
    assert (sari.name, sari.kecamatan, sari.supervisor_id) == (
        "Sari Rahayu Putri",
        "Pogalan",
        dewi.id,
    )


def test_a_field_too_long_for_the_database_rejects_the_row(
    sessions: sessionmaker[Session],
) -> None:
    header = HEADER.rstrip("\n") + ",provinsi\n"
    body = (
        f"korkab,{'N' * 201},0812-1000-0001,Trenggalek,Trenggalek,,WIB,\n"
        f"korkab,Bambang,0812-1000-0009,{'K' * 101},Trenggalek,,WIB,{'P' * 101}\n"
        f"korkab,{'N' * 200},0812-1000-0008,{'K' * 100},Trenggalek,,WIB,{'P' * 100}\n"
    )
    report = load(sessions, body, header)
    assert reasons(report) == {
        2: "longer than allowed (most characters in brackets): name (200)",
        3: "longer than allowed (most characters in brackets): kabupaten (100), provinsi (100)",
    }
    assert set(people(sessions)) == {"+6281210000008"}
