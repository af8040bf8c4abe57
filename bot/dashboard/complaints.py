"""The dashboard's complaint pages: the list (filters and pages in the query string), one
complaint with its history, and the same list as CSV and as XLSX. Every route needs a staff
session, and every query goes through the access policy: a complaint outside the viewer's scope
answers 404.

Server-rendered, readable without JavaScript; the security headers come from
`bot.dashboard.install`, like every dashboard page's. The reporter's number is never shown;
their name only when they did not ask to stay anonymous.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from bot.dashboard.deps import DashboardError, StaffViewer, reader_of, templates
from bot.render import xlsx
from bot.render.cells import LOCALE
from conversations.catalog import load_catalog
from handlers.complaints import listing
from handlers.complaints.deadlines import current_due
from handlers.complaints.listing import ComplaintFilter, Listed
from handlers.reports.shapes import Column, Kind
from storage.models import Complaint, Person
from storage.vocabulary import ComplaintCategory, ComplaintStatus

router = APIRouter()
t = load_catalog("id")
NOT_FOUND = "Pengaduan ini tidak ada atau bukan wewenang Anda."
CSV_COLUMNS = ("Tiket", "Tanggal", "Kecamatan", "Kategori", "Status", "Tenggat", "Mendesak")
# The XLSX has the CSV's columns; dates stay dates there (the reader's own calendar days).
XLSX_KINDS = (Kind.TEXT, Kind.DATE, Kind.TEXT, Kind.TEXT, Kind.TEXT, Kind.DATE, Kind.TEXT)
XLSX_SHEET = "Pengaduan"
# How each kind of history entry is named (a status change is named by its status).
NOTE_KINDS = {
    "assigned": "Diberikan kepada pendamping",
    "category": "Kategori diubah",
    "placed": "Ditempatkan",
    "plan": "Rencana tindak lanjut",
    "resolution": "Penyelesaian",
    "note": "Catatan petugas",
    "reply": "Pesan kepada pelapor",
    "reopen": "Dibuka kembali oleh pelapor",
}


def _runtime(request: Request) -> Any:
    return request.app.state.runtime


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _filter(request: Request) -> ComplaintFilter:
    q = request.query_params
    status = q.get("status", "")
    category = q.get("category", "")
    try:
        page = max(1, int(q.get("page", "1")))
    except ValueError:
        page = 1
    return ComplaintFilter(
        date_from=_day(q.get("from")),
        date_to=_day(q.get("to")),
        status=status if status in set(ComplaintStatus) else "",
        category=category if category in set(ComplaintCategory) else "",
        kecamatan=q.get("kecamatan", "")[:100],
        ticket=q.get("ticket", "")[:20],
        page=page,
    )


def _query(flt: ComplaintFilter, **change: Any) -> str:
    """The filter as a query string (what the form sends), with `change` applied."""
    values = {
        "from": flt.date_from.isoformat() if flt.date_from else "",
        "to": flt.date_to.isoformat() if flt.date_to else "",
        "status": flt.status,
        "category": flt.category,
        "kecamatan": flt.kecamatan,
        "ticket": flt.ticket,
        "page": flt.page if flt.page > 1 else "",
    }
    values.update(change)
    return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def _local_date(moment: datetime | None, zone: ZoneInfo) -> str:
    return format_date(moment.astimezone(zone), "d MMM yyyy", locale=LOCALE) if moment else "-"


def _local_time(moment: datetime, zone: ZoneInfo) -> str:
    return format_datetime(moment.astimezone(zone), "d MMM yyyy HH:mm", locale=LOCALE)


def _line(row: Listed, zone: ZoneInfo, now: datetime) -> dict[str, Any]:
    return {
        "ticket": row.ticket_code,
        "date": _local_date(row.created_at, zone),
        "kabupaten": row.kabupaten or "-",
        "kecamatan": row.kecamatan or "-",
        "category": t(f"category.{row.category}"),
        "status": t(f"status.{row.status}"),
        "due": _local_date(row.due_at, zone),
        "late": row.due_at is not None and row.due_at <= now,
        "urgent": row.urgent,
    }


def _page(request: Request, name: str, context: dict[str, Any]) -> HTMLResponse:
    return templates.TemplateResponse(request, name, context)


@router.get("/dasbor/pengaduan", response_class=HTMLResponse)
def complaint_list(request: Request, viewer: StaffViewer) -> HTMLResponse:
    rt, flt = _runtime(request), _filter(request)
    with rt.sessions() as session:
        reader = reader_of(session, viewer)
        zone, now = ZoneInfo(reader.timezone), rt.ctx.clock()
        page = listing.list_page(session, reader, flt)
        kecamatan = listing.kecamatan_choices(session, reader)
    context = {
        "viewer": viewer,
        "flt": flt,
        "rows": [_line(row, zone, now) for row in page.rows],
        "total": page.total,
        "capped": page.capped,
        "page": page.page,
        "pages": page.pages,
        "previous": _query(flt, page=page.page - 1) if page.page > 1 else None,
        "next": _query(flt, page=page.page + 1) if page.page < page.pages else None,
        "csv_query": _query(flt, page=""),
        "statuses": [(s.value, t(f"status.{s}")) for s in ComplaintStatus],
        "categories": [(c.value, t(f"category.{c}")) for c in ComplaintCategory],
        "kecamatan": kecamatan,
    }
    return _page(request, "dashboard/complaints.html", context)


@router.get("/dasbor/pengaduan.csv")
def complaint_export(request: Request, viewer: StaffViewer) -> StreamingResponse:
    rt, flt = _runtime(request), _filter(request)
    with rt.sessions() as session:
        reader = reader_of(session, viewer)
        person_id, zone = reader.id, ZoneInfo(reader.timezone)
    now = rt.ctx.clock()

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        yield "\ufeff"
        writer.writerow(CSV_COLUMNS)
        with rt.sessions() as session:
            reader = session.get(Person, person_id)
            assert reader is not None
            for count, row in enumerate(listing.rows_for_export(session, reader, flt), 1):
                line = _line(row, zone, now)
                writer.writerow(
                    [_cell(line[k]) for k in ("ticket", "date", "kecamatan", "category")]
                    + [line["status"], line["due"], "ya" if line["urgent"] else ""]
                )
                if count % 200 == 0:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
        yield buffer.getvalue()

    name = f"pengaduan-{now.astimezone(zone):%Y%m%d}.csv"
    response = StreamingResponse(lines(), media_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.get("/dasbor/pengaduan.xlsx")
def complaint_workbook(request: Request, viewer: StaffViewer) -> StreamingResponse:
    """The filtered list as XLSX, written row by row to a temporary file (constant memory)."""
    rt, flt = _runtime(request), _filter(request)
    now = rt.ctx.clock()
    columns = [
        Column(str(n), label, kind)
        for n, (label, kind) in enumerate(zip(CSV_COLUMNS, XLSX_KINDS, strict=True))
    ]
    handle = xlsx.temporary()
    try:
        with rt.sessions() as session:
            reader = reader_of(session, viewer)
            zone = ZoneInfo(reader.timezone)
            book = xlsx.open_workbook(handle)
            sheet = xlsx.SheetWriter(book, XLSX_SHEET, columns, zone)
            for row in listing.rows_for_export(session, reader, flt):
                sheet.write(
                    (
                        row.ticket_code,
                        row.created_at.astimezone(zone).date(),
                        row.kecamatan or "-",
                        t(f"category.{row.category}"),
                        t(f"status.{row.status}"),
                        row.due_at.astimezone(zone).date() if row.due_at else None,
                        row.urgent,
                    )
                )
            book.close()
    except BaseException:
        handle.close()
        raise
    name = f"pengaduan-{now.astimezone(zone):%Y%m%d}.xlsx"
    response = StreamingResponse(xlsx.stream_file(handle), media_type=xlsx.MEDIA_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _cell(value: str) -> str:
    """A spreadsheet must not read a cell as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") and value != "-" else value


def _history(c: Complaint, zone: ZoneInfo) -> list[dict[str, str]]:
    entries = []
    for n in c.notes:
        if n.kind in set(ComplaintStatus):
            label = t(f"status.{n.kind}")
        else:
            label = NOTE_KINDS.get(n.kind, n.kind)
        text = t(f"status.{n.text}") if n.text in set(ComplaintStatus) else n.text
        entries.append(
            {
                "when": _local_time(n.created_at, zone),
                "kind": label,
                "who": n.author.name if n.author else "Pelapor",
                "text": text,
            }
        )
    return entries


@router.get("/dasbor/pengaduan/{ticket}", response_class=HTMLResponse)
def complaint_detail(request: Request, ticket: str, viewer: StaffViewer) -> HTMLResponse:
    rt = _runtime(request)
    with rt.sessions() as session:
        reader = reader_of(session, viewer)
        zone, now = ZoneInfo(reader.timezone), rt.ctx.clock()
        c = listing.detail(session, reader, ticket)
        if c is None:
            raise DashboardError(404, NOT_FOUND)
        due = current_due(c)
        context = {
            "viewer": viewer,
            "c": c,
            "date": _local_time(c.created_at, zone),
            "category": t(f"category.{c.category}"),
            "status": t(f"status.{c.status}"),
            "due": _local_date(due, zone),
            "late": due is not None and due <= now,
            "reporter": listing.reporter_shown(c) or "(anonim atau tanpa nama)",
            "handler": c.handler.name if c.handler else "-",
            "history": _history(c, zone),
        }
        return _page(request, "dashboard/complaints_detail.html", context)
