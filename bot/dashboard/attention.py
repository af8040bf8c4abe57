"""The dashboard's "Perlu tindakan" page: what needs the viewer's action now, in four tables
(late consultations, complaints near or past their deadline, sessions without a record, quiet
cases), each narrowed by the access policy to the viewer's scope (see `handlers.overview`).

Server-rendered, no JavaScript; the security headers come from `bot.dashboard.install`. Times
are shown in the viewer's own zone, in Indonesian.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from bot.dashboard.deps import StaffViewer, reader_of, templates
from bot.render.cells import LOCALE
from conversations.catalog import load_catalog
from handlers import overview
from handlers.overview import DueComplaint, LateConsultation, QuietCase, UnrecordedSession
from storage.vocabulary import Urgency

router = APIRouter()
t = load_catalog("id")
PATH = "/dasbor/perlu-tindakan"


def _local_time(moment: datetime, zone: ZoneInfo) -> str:
    return format_datetime(moment.astimezone(zone), "EEE, d MMM yyyy HH:mm", locale=LOCALE)


def _local_date(moment: datetime, zone: ZoneInfo) -> str:
    return format_date(moment.astimezone(zone), "d MMM yyyy", locale=LOCALE)


def _consultation(row: LateConsultation, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "pendamping": row.pendamping,
        "kecamatan": row.kecamatan or "-",
        "urgency": t(f"urgency.{row.urgency}"),
        "urgent": row.urgency == Urgency.URGENT,
        "topic": t(f"topic.{row.topic}"),
        "created": _local_time(row.created_at, zone),
        "stage": row.stage,
    }


def _complaint(row: DueComplaint, zone: ZoneInfo, now: datetime) -> dict[str, Any]:
    return {
        "ticket": row.ticket_code,
        "kecamatan": row.kecamatan or "-",
        "category": t(f"category.{row.category}"),
        "status": t(f"status.{row.status}"),
        "due": _local_time(row.due_at, zone),
        "late": row.due_at <= now,
        "urgent": row.urgent,
    }


def _session(row: UnrecordedSession, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "supervisor": row.supervisor,
        "kind": t(f"slot_kind.{row.kind}"),
        "starts": _local_time(row.starts_at, zone),
        "ends": _local_time(row.ends_at, zone),
    }


def _case(row: QuietCase, zone: ZoneInfo, now: datetime) -> dict[str, Any]:
    return {
        "code": row.code or "-",
        "label": row.label or "-",
        "pendamping": row.pendamping,
        "last": _local_date(row.last_update_at, zone),
        "days": (now - row.last_update_at).days,
    }


@router.get(PATH, response_class=HTMLResponse)
def needs_action(request: Request, viewer: StaffViewer) -> HTMLResponse:
    rt = request.app.state.runtime
    with rt.sessions() as session:
        reader = reader_of(session, viewer)
        zone, now = ZoneInfo(reader.timezone), rt.ctx.clock()
        found = overview.needs_action(session, reader, now)
    sections = {
        "consultations": (
            found.consultations,
            [_consultation(r, zone) for r in found.consultations.rows],
        ),
        "complaints": (
            found.complaints,
            [_complaint(r, zone, now) for r in found.complaints.rows],
        ),
        "sessions": (found.sessions, [_session(r, zone) for r in found.sessions.rows]),
        "cases": (found.cases, [_case(r, zone, now) for r in found.cases.rows]),
    }
    context = {
        "viewer": viewer,
        "now": _local_time(now, zone),
        "sections": {
            name: {"rows": rows, "total": section.total, "more": section.more}
            for name, (section, rows) in sections.items()
        },
    }
    return templates.TemplateResponse(request, "dashboard/attention.html", context)
