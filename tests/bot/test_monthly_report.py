"""The monthly report: built with its reader's eyes for one calendar month, written as PDF (its
text read back from the content streams) and XLSX (read back with openpyxl), and by the CLI
`pkh-bot report monthly` into a folder, one file pair per kabupaten and per supervisor."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.cli import main
from bot.render import monthly, pdf
from bot.render.monthly import Report, Subject
from bot.settings import Settings
from handlers.core.context import AppContext
from handlers.people.phones import to_e164
from handlers.reports import registry
from handlers.reports.shapes import Bar, Chart, Column, Figure, Kind, Table, View
from storage.db import transaction
from storage.models import Consultation, Person
from storage.vocabulary import ConsultationTopic, ContactMode, Role, Urgency
from tests.documents import pdf_text

NOW = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)  # 10:00 WIB
IN_NOVEMBER = datetime(2026, 11, 10, 3, 0, tzinfo=UTC)
IN_OCTOBER = datetime(2026, 10, 31, 3, 0, tzinfo=UTC)
LAST_EVENING = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)  # 30 November 23:30 WIB
FIRST_MORNING = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)  # 1 December 00:30 WIB
SECRET = "Wulan Rahasia"  # a pendamping in Wonogiri: never in a Trenggalek report


def page_count(data: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b", data))


def _consultation(pendamping: Person, at: datetime) -> Consultation:
    return Consultation(
        pendamping_id=pendamping.id,
        supervisor_id=pendamping.supervisor_id,
        topic=ConsultationTopic.CASE_MANAGEMENT,
        urgency=Urgency.NORMAL,
        description="Anak KPM putus sekolah",
        preferred_mode=ContactMode.PHONE,
        created_at=at,
    )


def add_activity(sessions: sessionmaker[Session]) -> dict[str, int]:
    """Beside the demo roster: Sinta, a supervisor in Wonogiri (Jawa Tengah) with her pendamping
    Wulan; consultations of Sari (two in November, one each just before and just after it) and
    of Wulan (in November). Returns the people's ids by first name."""
    with transaction(sessions) as session:
        people = {p.name.split()[0]: p for p in session.scalars(select(Person))}
        sinta = Person(
            role=Role.SUPERVISOR,
            name="Sinta Wijayanti",
            phone=to_e164("0812-2000-0002"),
            kabupaten="Wonogiri",
            kecamatan="Wonogiri",
            provinsi="Jawa Tengah",
            timezone="Asia/Jakarta",
        )
        session.add(sinta)
        session.flush()
        wulan = Person(
            role=Role.PENDAMPING,
            name=SECRET,
            phone=to_e164("0812-2000-0003"),
            kabupaten="Wonogiri",
            kecamatan="Baturetno",
            provinsi="Jawa Tengah",
            timezone="Asia/Jakarta",
            supervisor_id=sinta.id,
        )
        session.add(wulan)
        session.flush()
        sari = people["Sari"]
        for at in (IN_NOVEMBER, LAST_EVENING, IN_OCTOBER, FIRST_MORNING):
            session.add(_consultation(sari, at))
        session.add(_consultation(wulan, IN_NOVEMBER))
        people.update(Sinta=sinta, Wulan=wulan)
        return {name: person.id for name, person in people.items()}


@pytest.fixture
def activity(ctx: AppContext, demo_roster: None) -> dict[str, int]:
    return add_activity(ctx.sessions)


def _rows(book: openpyxl.Workbook, sheet: str) -> list[tuple[object, ...]]:
    return [row for row in book[sheet].iter_rows(values_only=True)]


def _report_for(ctx: AppContext, who: str, ids: dict[str, int]) -> Report:
    with ctx.sessions() as session:
        if who == "Trenggalek":
            subject = monthly.for_kabupaten(session, "Trenggalek", "Asia/Jakarta")
        else:
            subject = monthly.for_supervisor(session.get(Person, ids[who]))
        return monthly.build(session, subject, 2026, 11, NOW)


def test_a_supervisors_report_holds_her_pendamping_in_november_only(
    ctx: AppContext, activity: dict[str, int]
) -> None:
    report = _report_for(ctx, "Dewi", activity)
    assert report.stem == f"laporan-2026-11-supervisor-dewi-lestari-{activity['Dewi']}"
    assert report.month_label == "November 2026"
    assert report.scope == "Supervisor: Dewi Lestari (Trenggalek)"
    with ctx.sessions() as session:
        dewi = session.get(Person, activity["Dewi"])
        assert dewi is not None
        expected = [
            s.title for s in registry.VIEWS if s.in_monthly_report and registry.may_open(dewi, s)
        ]
    assert [title for title, _ in report.views] == expected
    assert "Beban kerja" not in expected  # a coordinators' view, not a supervisor's
    pendamping = dict(report.views)["Pendamping"]
    people = pendamping.table("orang")
    consultations = {row[0]: row[6] for row in people.rows}
    # Sari's two November consultations (one on the 30th at 23:30 WIB), not October's or
    # the one at 00:30 WIB on 1 December.
    assert consultations == {"Agus Santoso": 0, "Rina Wulandari": 0, "Sari Rahayu": 2}

    text = pdf_text(monthly.pdf_bytes(report))
    for wanted in (
        "Laporan bulanan PKH",
        "November 2026",
        "Supervisor: Dewi Lestari (Trenggalek)",
        "1 Nov 2026 - 30 Nov 2026",  # the period, its dash made latin-1
        "3 Desember 2026 10:00 WIB",
        "Halaman 1 dari",
        "Agus Santoso",
        "Rina Wulandari",
        "Sari Rahayu",
        *expected,
    ):
        assert wanted in text, wanted
    assert SECRET not in text and "Sinta" not in text

    handle = io.BytesIO()
    monthly.write_xlsx(report, handle)
    book = openpyxl.load_workbook(io.BytesIO(handle.getvalue()))
    assert book.sheetnames[0] == "Sampul"
    cover = {row[0]: row[1] for row in _rows(book, "Sampul") if row[0]}
    assert cover["Laporan bulanan PKH"] is None
    assert cover["Bulan"] == "November 2026"
    assert cover["Cakupan"] == "Supervisor: Dewi Lestari (Trenggalek)"
    assert cover["Pendamping"] == "Pendamping, Per kecamatan, Per pendamping"
    rows = _rows(book, "Per pendamping")
    assert rows[0][0] == "Nama"
    assert [(r[0], r[6]) for r in rows[1:]] == [
        ("Agus Santoso", 0),
        ("Rina Wulandari", 0),
        ("Sari Rahayu", 2),
    ]
    every = " ".join(str(v) for name in book.sheetnames for r in _rows(book, name) for v in r)
    assert SECRET not in every


def test_a_kabupaten_report_is_read_as_an_admin_of_that_kabupaten(
    ctx: AppContext, activity: dict[str, int]
) -> None:
    report = _report_for(ctx, "Trenggalek", activity)
    assert report.stem == "laporan-2026-11-kabupaten-trenggalek"
    assert report.scope == "Kabupaten Trenggalek"
    assert report.subject.reader.id < 0  # transient, never a stored person
    titles = [title for title, _ in report.views]
    assert titles == [s.title for s in registry.VIEWS if s.in_monthly_report]
    names = [row[0] for row in dict(report.views)["Pendamping"].table("orang").rows]
    assert names == ["Agus Santoso", "Rina Wulandari", "Sari Rahayu"]
    text = pdf_text(monthly.pdf_bytes(report))
    assert "Kabupaten Trenggalek" in text and "Sari Rahayu" in text
    assert SECRET not in text and "Wonogiri" not in text


def test_my_scope_names_the_role_and_place() -> None:
    korkab = Person(id=7, role=Role.KORKAB, name="Bambang Wijaya", kabupaten="Trenggalek")
    subject = monthly.for_person(korkab)
    assert subject.label == "Koordinator kabupaten: Bambang Wijaya (Trenggalek)"
    assert subject.file_part == "korkab-bambang-wijaya-7"
    desk = monthly.for_person(Person(id=9, role=Role.ADMIN, name="Yuni Astuti", kabupaten=""))
    assert desk.label == "Admin: Yuni Astuti"
    assert monthly.slug("Kab. Tana Toraja / Rantepao") == "kab-tana-toraja-rantepao"


def test_months_are_parsed_strictly() -> None:
    assert monthly.parse_month("2026-11") == (2026, 11)
    for bad in ("2026-13", "2026-00", "26-11", "2026-1", "november", "", "1999-12"):
        assert monthly.parse_month(bad) is None, bad
    assert monthly.previous_month(date(2026, 1, 15)) == (2025, 12)
    assert monthly.month_label(2026, 2) == "Februari 2026"


def _synthetic(views: list[tuple[str, View]]) -> Report:
    reader = Person(id=1, role=Role.ADMIN, name="x", timezone="Asia/Jakarta")
    return Report(
        subject=Subject(reader, "Kabupaten Contoh", "kabupaten-contoh"),
        year=2026,
        month=11,
        title="Laporan bulanan PKH",
        month_label="November 2026",
        filters=[("Periode", "1 Nov 2026 \u2013 30 Nov 2026")],
        generated="3 Desember 2026 10:00 WIB",
        zone=ZoneInfo("Asia/Jakarta"),
        views=views,
    )


def test_long_tables_break_across_pages_with_their_header_repeated() -> None:
    columns = (
        Column("name", "Nama"),
        Column("n", "Jumlah", Kind.COUNT),
        Column("share", "Bagian", Kind.PERCENT),
        Column("at", "Kapan", Kind.DATETIME),
    )
    rows = [
        (f"Orang nomor {i:03d}", i * 1000, i / 300, datetime(2026, 11, 2, 3, 0, tzinfo=UTC))
        for i in range(1, 301)
    ]
    view = View("besar", "Besar", tables=[Table("t", "Tabel panjang", columns, rows)])
    data = pdf.render(_synthetic([("Besar", view)]))
    text = pdf_text(data)
    pages = page_count(data)
    assert pages >= 5
    assert text.count("Nama") >= pages - 1  # the header row on every page of the table
    assert "Orang nomor 001" in text and "Orang nomor 300" in text
    assert "300.000" in text and "100%" in text and "2 Nov 2026 10:00" in text
    assert f"Halaman {pages - 1} dari" in text


def test_empty_views_charts_and_odd_characters_render() -> None:
    chart = Chart(
        "c",
        "Grafik \u2013 per kecamatan",
        ("Update kasus", "Konsultasi"),
        [Bar("Kecamatan dengan nama yang sangat panjang sekali", (3, 1)), Bar("Durenan", (0, 2))],
        table="t",
    )
    table = Table(
        "t",
        "Per kecamatan \u2026",
        (Column("k", "Kecamatan"), Column("n", "Jumlah", Kind.COUNT)),
        [("Ko\u0142o \u201cBaru\u201d \u2192 \u4e2d", 3), ("Durenan", None)],
        note="Catatan \u2014 penting",
    )
    full = View(
        "isi", "Isi", figures=[Figure("Median", 2.5, Kind.NUMBER)], charts=[chart], tables=[table]
    )
    empty = View("kosong", "kosong")
    data = pdf.render(_synthetic([("Kosong", empty), ("Berisi", full)]))
    text = pdf_text(data)
    assert "Kosong\nBelum ada data untuk bulan ini." in text
    assert "Median\n2,5" in text
    assert "Grafik - per kecamatan" in text
    assert "Kecamatan dengan nama yang sa..." in text  # the chart's own label, drawn in the SVG
    assert "3 (Update kasus)" in text
    assert 'Ko?o "Baru" -> ?' in text  # no latin-1 form: a question mark
    assert "Per kecamatan ..." in text and "Catatan - penting" in text
    assert pdf.latin1("a\u202fb \u00b7 \u00e9") == "a b \u00b7 \u00e9"


# -- the CLI ------------------------------------------------------------------------------
@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def test_cli_writes_every_kabupaten_and_supervisor_report(
    cli_env: None,
    activity: dict[str, int],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "laporan"
    code, lines, _ = _run(capsys, "report", "monthly", "--month", "2026-11", "--out", str(out))
    assert code == 0
    stems = [
        "laporan-2026-11-kabupaten-trenggalek",
        f"laporan-2026-11-supervisor-dewi-lestari-{activity['Dewi']}",
        "laporan-2026-11-kabupaten-wonogiri",
        f"laporan-2026-11-supervisor-sinta-wijayanti-{activity['Sinta']}",
    ]
    expected = [str(out / f"{stem}{suffix}") for stem in stems for suffix in (".pdf", ".xlsx")]
    assert lines == expected
    assert sorted(p.name for p in out.iterdir()) == sorted(Path(p).name for p in expected)
    wonogiri = pdf_text((out / f"{stems[2]}.pdf").read_bytes())
    assert "Kabupaten Wonogiri" in wonogiri and SECRET in wonogiri
    assert "Sari Rahayu" not in wonogiri
    book = openpyxl.load_workbook(out / f"{stems[1]}.xlsx")
    cover = {row[0]: row[1] for row in _rows(book, "Sampul") if row[0]}
    assert cover["Cakupan"] == "Supervisor: Dewi Lestari (Trenggalek)"
    assert cover["Bulan"] == "November 2026"
    names = [row[0] for row in _rows(book, "Per pendamping")[1:]]
    assert names == ["Agus Santoso", "Rina Wulandari", "Sari Rahayu"]


def test_cli_writes_one_kabupaten_by_any_spelling(
    cli_env: None,
    activity: dict[str, int],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, lines, _ = _run(
        capsys, "report", "monthly", "--month", "2026-11", "--kabupaten", "trenggalek",
        "--out", str(tmp_path),
    )  # fmt: skip
    assert code == 0
    assert [Path(line).name for line in lines] == [
        "laporan-2026-11-kabupaten-trenggalek.pdf",
        "laporan-2026-11-kabupaten-trenggalek.xlsx",
        f"laporan-2026-11-supervisor-dewi-lestari-{activity['Dewi']}.pdf",
        f"laporan-2026-11-supervisor-dewi-lestari-{activity['Dewi']}.xlsx",
    ]


def test_cli_refuses_a_bad_month_or_an_unknown_kabupaten(
    cli_env: None,
    activity: dict[str, int],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "kosong"
    code, lines, err = _run(capsys, "report", "monthly", "--month", "2026-13", "--out", str(out))
    assert (code, lines) == (2, [])
    assert "Bulan tidak dikenali: 2026-13" in err and "2026-11" in err
    code, lines, err = _run(
        capsys, "report", "monthly", "--month", "2026-11", "--kabupaten", "Pacitan",
        "--out", str(out),
    )  # fmt: skip
    assert (code, lines) == (2, [])
    assert "Kabupaten Pacitan tidak dikenal" in err
    assert "Trenggalek, Wonogiri" in err
    assert not out.exists()
