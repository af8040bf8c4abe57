"""The dashboard's "Laporan bulanan" page: choose a month, then download a monthly report as PDF
or XLSX, for the viewer's own scope ("Cakupan saya"), for a supervisor they oversee, or for a
kabupaten they may report on (`access.may_report_on_kabupaten`).

The downloads name their subject in the query string (`bulan`, and `supervisor` or `kabupaten`);
a subject outside the viewer's scope is a 404 page, never someone else's figures. The report itself
is read with its subject's eyes (see `bot.render.monthly`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from sqlalchemy.orm import Session

from bot.dashboard.deps import DashboardError, StaffViewer, reader_of, templates
from bot.render import monthly, xlsx
from bot.render.monthly import Report, Subject
from conversations.catalog import load_catalog
from handlers.people import access
from storage.models import Person

router = APIRouter()
t = load_catalog("id")
PATH = "/dasbor/laporan-bulanan"
MONTHS_OFFERED = 13  # this month and the twelve before it
PDF_TYPE = "application/pdf"
PARAM_MAX = 100
ID_DIGITS = 9  # a person id fits a 32-bit integer column


def _month(request: Request, today: date) -> tuple[int, int]:
    """The month asked for (`bulan=YYYY-MM`), last month when none; 400 when it is not one."""
    raw = request.query_params.get("bulan", "")[:PARAM_MAX]
    if not raw:
        return monthly.previous_month(today)
    found = monthly.parse_month(raw)
    if found is None:
        raise DashboardError(400, t("monthly.bad_month", value=raw))
    return found


def _supervisors(session: Session, reader: Person) -> list[Person]:
    """The supervisors whose report the reader may read, by name (themselves not again)."""
    found = session.scalars(access.supervisors_in_scope(reader).order_by(Person.name, Person.id))
    return [person for person in found if person.id != reader.id]


def _kabupaten(session: Session, reader: Person) -> list[str]:
    """The kabupaten (with pendamping) whose report the reader may read."""
    return [
        name
        for name in monthly.kabupaten_with_pendamping(session)
        if access.may_report_on_kabupaten(session, reader, name)
    ]


def _subject(request: Request, session: Session, reader: Person) -> Subject:
    """Whose report the query string asks for, refused (404) unless the reader may read it."""
    params = request.query_params
    supervisor = params.get("supervisor", "")[:PARAM_MAX]
    kabupaten = params.get("kabupaten", "")[:PARAM_MAX]
    if supervisor and kabupaten:
        raise DashboardError(400, t("monthly.one_subject"))
    if supervisor:
        found = None
        if supervisor.isascii() and supervisor.isdigit() and len(supervisor) <= ID_DIGITS:
            found = session.scalar(
                access.supervisors_in_scope(reader).where(Person.id == int(supervisor))
            )
        if found is None:
            raise DashboardError(404, t("monthly.not_found"))
        return monthly.for_supervisor(found)
    if kabupaten:
        if kabupaten not in _kabupaten(session, reader):
            raise DashboardError(404, t("monthly.not_found"))
        zone = request.app.state.runtime.settings.PKH_DEFAULT_TZ
        return monthly.for_kabupaten(session, kabupaten, zone)
    return monthly.for_person(reader)


def _report(request: Request, viewer: StaffViewer) -> Report:
    rt = request.app.state.runtime
    now = rt.ctx.clock()
    with rt.sessions() as session:
        reader = reader_of(session, viewer)
        subject = _subject(request, session, reader)
        year, month = _month(request, _today(reader, now))
        return monthly.build(session, subject, year, month, now)


def _today(reader: Person, now: datetime) -> date:
    return now.astimezone(ZoneInfo(reader.timezone)).date()


def _query(ym: str, **subject: str | int) -> str:
    return urlencode({"bulan": ym, **subject})


@router.get(PATH, response_class=HTMLResponse)
def page(request: Request, viewer: StaffViewer) -> HTMLResponse:
    rt = request.app.state.runtime
    now = rt.ctx.clock()
    with rt.sessions() as session:
        reader = reader_of(session, viewer)
        today = _today(reader, now)
        year, month = _month(request, today)
        ym = f"{year:04d}-{month:02d}"
        own = monthly.for_person(reader)
        reports: list[dict[str, Any]] = [
            {"label": f"{t('monthly.my_scope')} \u2013 {own.label}", "query": _query(ym)}
        ]
        reports += [
            {
                "label": monthly.for_supervisor(person).label,
                "query": _query(ym, supervisor=person.id),
            }
            for person in _supervisors(session, reader)
        ]
        reports += [
            {
                "label": t("monthly.scope_kabupaten", kabupaten=name),
                "query": _query(ym, kabupaten=name),
            }
            for name in _kabupaten(session, reader)
        ]
    months = []
    cursor = (today.year, today.month)
    for _ in range(MONTHS_OFFERED):
        months.append((f"{cursor[0]:04d}-{cursor[1]:02d}", monthly.month_label(*cursor)))
        cursor = monthly.previous_month(date(cursor[0], cursor[1], 1))
    if ym not in {value for value, _ in months}:
        months.insert(0, (ym, monthly.month_label(year, month)))
    context = {
        "viewer": viewer,
        "months": months,
        "chosen": ym,
        "month_label": monthly.month_label(year, month),
        "reports": reports,
        "path": PATH,
    }
    return templates.TemplateResponse(request, "dashboard/monthly.html", context)


def _attachment(report: Report, suffix: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{report.stem}{suffix}"'}


@router.get(PATH + ".pdf")
def as_pdf(request: Request, viewer: StaffViewer) -> Response:
    report = _report(request, viewer)
    return Response(
        monthly.pdf_bytes(report), media_type=PDF_TYPE, headers=_attachment(report, ".pdf")
    )


@router.get(PATH + ".xlsx")
def as_xlsx(request: Request, viewer: StaffViewer) -> Response:
    report = _report(request, viewer)
    handle = xlsx.temporary()
    try:
        monthly.write_xlsx(report, handle)
    except Exception:
        handle.close()
        raise
    return StreamingResponse(
        xlsx.stream_file(handle), media_type=xlsx.MEDIA_TYPE, headers=_attachment(report, ".xlsx")
    )
