"""Admin: the roster upload, the same import as `pkh-bot roster import` with its per-line result.

Also the check every admin page starts with (`admin_reader`): the access policy decides, a
signed-in person it refuses gets a 403 page. The upload is refused politely, and nothing is
changed, when it is too large (checked on Content-Length before the form is read, and again on
the bytes), empty, or not UTF-8; a file the importer cannot read as a roster says why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.dashboard.deps import (
    DashboardError,
    StaffViewer,
    Viewer,
    check_form,
    reader_of,
    templates,
)
from conversations.catalog import load_catalog
from handlers.core import audit
from handlers.people import access
from handlers.people.roster import ImportReport, RosterError, import_roster
from storage.db import transaction
from storage.models import Person

router = APIRouter()
t = load_catalog("id")
ROSTER_PATH = "/dasbor/admin/roster"
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_UPLOAD_LABEL = "2 MB"
# What a multipart body carries besides the file (boundaries, headers, the csrf token).
FORM_OVERHEAD_BYTES = 64 * 1024
FILE_FIELD = "roster"


def admin_reader(session: Session, viewer: Viewer, may: Callable[[Person], bool]) -> Person:
    """The signed-in person, if the access policy lets them do this; else a 403 (or 401) page."""
    person = reader_of(session, viewer)
    if not may(person):
        raise DashboardError(403, t("admin.forbidden"))
    return person


def check_admin(request: Request, viewer: Viewer, may: Callable[[Person], bool]) -> None:
    with request.app.state.runtime.sessions() as session:
        admin_reader(session, viewer, may)


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    return templates.TemplateResponse(request, name, context, status)


@dataclass(frozen=True)
class Refusal:
    """An upload refused before the import: the message, and the status the page answers."""

    message: str
    status: int


def _page(request: Request, viewer: Viewer, **context: Any) -> HTMLResponse:
    refusal = context.pop("refusal", None)
    values = {
        "viewer": viewer,
        "report": None,
        "message": refusal.message if refusal else "",
        "limit": MAX_UPLOAD_LABEL,
        "field": FILE_FIELD,
        "t": t,
        **context,
    }
    return render(
        request, "dashboard/admin_roster.html", values, refusal.status if refusal else 200
    )


@router.get(ROSTER_PATH, response_class=HTMLResponse)
def roster_form(request: Request, viewer: StaffViewer) -> HTMLResponse:
    check_admin(request, viewer, access.may_manage_roster)
    return _page(request, viewer)


def _too_large() -> Refusal:
    return Refusal(t("admin.roster.too_large", limit=MAX_UPLOAD_LABEL), 413)


def _declared_too_large(request: Request) -> bool:
    declared = request.headers.get("content-length", "")
    return declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES + FORM_OVERHEAD_BYTES


async def _read_upload(request: Request, viewer: Viewer) -> str | Refusal:
    """The uploaded file as text, or why it is refused (after the form's csrf and origin)."""
    if _declared_too_large(request):
        return _too_large()
    try:
        form = await request.form(max_files=1, max_fields=4)
    except StarletteHTTPException:
        return Refusal(t("admin.roster.bad_form"), 400)
    token = form.get("csrf_token")
    check_form(request, viewer, token if isinstance(token, str) else None)
    upload = form.get(FILE_FIELD)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return Refusal(t("admin.roster.no_file"), 400)
    data = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        return _too_large()
    try:
        text = data.decode("utf-8-sig")  # as the CLI reads a file
    except UnicodeDecodeError:
        return Refusal(t("admin.roster.not_utf8"), 400)
    if not text.strip():
        return Refusal(t("admin.roster.empty"), 400)
    return text


def _import(request: Request, viewer: Viewer, text: str) -> ImportReport | Refusal:
    """The CLI's import, in one transaction, audited with the admin who uploaded."""
    runtime = request.app.state.runtime
    try:
        with transaction(runtime.sessions) as session:
            actor = admin_reader(session, viewer, access.may_manage_roster)
            report = import_roster(session, text, runtime.ctx.default_tz)
            audit.record(
                session, "roster.uploaded", "roster", "dashboard", actor=actor,
                added=report.added, updated=report.updated, unchanged=report.unchanged,
                rejected=len(report.rejected), warnings=len(report.warnings),
            )  # fmt: skip
    except RosterError as exc:
        with transaction(runtime.sessions) as session:
            actor = admin_reader(session, viewer, access.may_manage_roster)
            audit.record(session, "roster.upload_refused", "roster", "dashboard", actor=actor)
        return Refusal(t("admin.roster.unreadable", reason=exc.reason(t)), 400)
    return report


@router.post(ROSTER_PATH, response_class=HTMLResponse)
async def roster_upload(request: Request, viewer: StaffViewer) -> HTMLResponse:
    await run_in_threadpool(check_admin, request, viewer, access.may_manage_roster)
    text = await _read_upload(request, viewer)
    if isinstance(text, Refusal):
        return _page(request, viewer, refusal=text)
    result = await run_in_threadpool(_import, request, viewer, text)
    if isinstance(result, Refusal):
        return _page(request, viewer, refusal=result)
    return _page(request, viewer, report=result)
