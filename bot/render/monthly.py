"""The monthly report ("Laporan bulanan"): every view its reader may open, for one calendar month
and with every row, behind a cover naming the scope, the month and the filters. It is built once
(`build`) and then written as XLSX (`write_xlsx`) and PDF (`pdf_bytes`); the CLI and the dashboard
both come here, so a report reads the same however it was asked for.

A report is read with some reader's eyes (`Subject`): a supervisor's with that supervisor's (their
own pendamping), a kabupaten's with those of a transient admin of that kabupaten
(`access.kabupaten_reader`), "my scope" with the viewer's own. Which views it holds is the
registry's answer for that reader, so every view added there appears here too.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.render import pdf, xlsx
from bot.render.cells import LOCALE, shown
from conversations.catalog import load_catalog
from handlers.calendar import zone_label
from handlers.people import access
from handlers.reports import registry
from handlers.reports.query import month_query
from handlers.reports.shapes import Kind, View
from storage.models import Person
from storage.vocabulary import Role

MONTH = re.compile(r"(\d{4})-(\d{2})")
FIRST_REPORT_YEAR, LAST_REPORT_YEAR = 2000, 2100
t = load_catalog("id")


@dataclass(frozen=True)
class Subject:
    """Whose report: the reader it is read with, how the cover names it, its file-name part."""

    reader: Person
    label: str
    file_part: str
    kabupaten: str = ""  # a kabupaten's report names its place on the cover


@dataclass(frozen=True)
class Report:
    subject: Subject
    year: int
    month: int
    title: str
    month_label: str
    filters: list[tuple[str, str]]
    generated: str
    zone: ZoneInfo
    views: list[tuple[str, View]]  # (the view's title, the view with every row)

    @property
    def scope(self) -> str:
        return self.subject.label

    @property
    def stem(self) -> str:
        """`laporan-2026-11-kabupaten-trenggalek`: the file name without its suffix."""
        return f"laporan-{self.year:04d}-{self.month:02d}-{self.subject.file_part}"


# -- months -------------------------------------------------------------------------------
def parse_month(text: str) -> tuple[int, int] | None:
    """(year, month) from "YYYY-MM", or None when it is not a month."""
    found = MONTH.fullmatch(text.strip())
    if not found:
        return None
    year, month = int(found.group(1)), int(found.group(2))
    if not (1 <= month <= 12 and FIRST_REPORT_YEAR <= year <= LAST_REPORT_YEAR):
        return None
    return year, month


def previous_month(today: date) -> tuple[int, int]:
    last = today.replace(day=1) - timedelta(days=1)
    return last.year, last.month


def month_label(year: int, month: int) -> str:
    """ "November 2026"."""
    return format_date(date(year, month, 1), "LLLL yyyy", locale=LOCALE)


# -- whose report -------------------------------------------------------------------------
def slug(text: str) -> str:
    """A file-name-safe form of a name: "Dewi Lestari" -> "dewi-lestari"."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or "x"


def for_supervisor(supervisor: Person) -> Subject:
    if supervisor.kabupaten:
        label = t("monthly.scope_supervisor", name=supervisor.name, place=supervisor.kabupaten)
    else:
        label = t("monthly.scope_supervisor_only", name=supervisor.name)
    return Subject(supervisor, label, f"supervisor-{slug(supervisor.name)}-{supervisor.id}")


def for_kabupaten(session: Session, kabupaten: str, default_zone: str) -> Subject:
    reader = access.kabupaten_reader(kabupaten, kabupaten_zone(session, kabupaten, default_zone))
    label = t("monthly.scope_kabupaten", kabupaten=kabupaten)
    return Subject(reader, label, f"kabupaten-{slug(kabupaten)}", kabupaten=kabupaten)


def for_person(person: Person) -> Subject:
    """The viewer's own scope ("Cakupan saya"); a supervisor's is their supervisor report."""
    if person.role == Role.SUPERVISOR:
        return for_supervisor(person)
    role = t(f"role.{person.role}")
    role = role[:1].upper() + role[1:]
    place = person.kabupaten or person.provinsi
    if place:
        label = t("monthly.scope_person", role=role, name=person.name, place=place)
    else:
        label = t("monthly.scope_person_only", role=role, name=person.name)
    return Subject(person, label, f"{slug(str(person.role))}-{slug(person.name)}-{person.id}")


def kabupaten_with_pendamping(session: Session) -> list[str]:
    """Every kabupaten some pendamping works in, by name (the CLI's default set)."""
    found = session.scalars(
        select(Person.kabupaten)
        .where(Person.role == Role.PENDAMPING, Person.kabupaten != "")
        .distinct()
        .order_by(Person.kabupaten)
    )
    return list(found)


def supervisors_of_kabupaten(session: Session, kabupaten: str) -> list[Person]:
    """The active supervisors rostered in `kabupaten`, by name."""
    found = session.scalars(
        select(Person)
        .where(
            Person.role == Role.SUPERVISOR,
            Person.active.is_(True),
            Person.kabupaten == kabupaten,
        )
        .order_by(Person.name, Person.id)
    )
    return list(found)


def kabupaten_zone(session: Session, kabupaten: str, default: str) -> str:
    """The time zone most of the kabupaten's active staff live in: its month runs in it."""
    found = session.execute(
        select(Person.timezone, func.count())
        .where(Person.kabupaten == kabupaten, Person.active.is_(True))
        .group_by(Person.timezone)
        .order_by(func.count().desc(), Person.timezone)
        .limit(1)
    ).first()
    return str(found[0]) if found else default


# -- the report ---------------------------------------------------------------------------
def build(session: Session, subject: Subject, year: int, month: int, now: datetime) -> Report:
    """Every view the subject's reader may open that belongs in a monthly report, all rows."""
    reader = subject.reader
    q = month_query(reader, now, year, month, everything=True)
    zone = q.zone
    period = f"{shown(q.first_day, Kind.DATE)} \u2013 {shown(q.last_day, Kind.DATE)}"
    place = t("monthly.place_kabupaten", kabupaten=subject.kabupaten) if subject.kabupaten else ""
    filters = [
        (t("monthly.month"), month_label(year, month)),
        (t("monthly.scope"), subject.label),
        (t("monthly.period"), period),
        (t("monthly.place"), place or t("monthly.place_all")),
        (t("monthly.zone"), zone_label(reader.timezone)),
    ]
    views: list[tuple[str, View]] = []
    for spec in registry.VIEWS:
        if not (spec.in_monthly_report and registry.may_open(reader, spec)):
            continue
        options = {option.key: option.default for option in spec.options}
        filters.extend(
            (f"{spec.title}: {option.label}", str(option.default)) for option in spec.options
        )
        views.append((spec.title, spec.build(session, replace(q, options=options))))
    generated = format_datetime(now.astimezone(zone), "d MMMM yyyy HH:mm", locale=LOCALE)
    return Report(
        subject=subject,
        year=year,
        month=month,
        title=t("monthly.title"),
        month_label=month_label(year, month),
        filters=filters,
        generated=f"{generated} {zone_label(reader.timezone)}",
        zone=zone,
        views=views,
    )


def pdf_bytes(report: Report) -> bytes:
    return pdf.render(report)


def write_files(report: Report, directory: Path) -> list[Path]:
    """`<stem>.pdf` and `<stem>.xlsx` in `directory`; their paths."""
    pdf_path = directory / f"{report.stem}.pdf"
    pdf_path.write_bytes(pdf_bytes(report))
    xlsx_path = directory / f"{report.stem}.xlsx"
    write_xlsx(report, str(xlsx_path))
    return [pdf_path, xlsx_path]


def write_xlsx(report: Report, target: str | IO[bytes]) -> None:
    """A cover sheet (title, scope, month, filters, then which sheets hold each view), then every
    view's sheets as the dashboard's own XLSX export writes them."""
    book = xlsx.open_workbook(target)
    taken: set[str] = set()
    cover = book.add_worksheet(xlsx.sheet_name(t("monthly.cover_sheet"), taken))
    bold = book.add_format({"bold": True})
    cover.set_column(0, 0, 36)
    cover.set_column(1, 1, 60)
    cover.write_string(0, 0, report.title, book.add_format({"bold": True, "font_size": 16}))
    row = 2
    for label, value in [*report.filters, (t("monthly.generated"), report.generated)]:
        cover.write_string(row, 0, label)
        cover.write_string(row, 1, value, bold)
        row += 1
    row += 1
    cover.write_string(row, 0, t("monthly.contents"), bold)
    cover.write_string(row, 1, t("monthly.sheets"), bold)
    for title, view in report.views:
        before = len(book.worksheets())
        xlsx.write_view(book, view, report.zone, taken)
        names = [sheet.name for sheet in book.worksheets()[before:]]
        row += 1
        cover.write_string(row, 0, title)
        cover.write_string(row, 1, ", ".join(names) if names else t("monthly.no_data"))
    book.close()
