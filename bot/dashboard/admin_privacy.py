"""Admin: data-subject requests (UU PDP No. 27/2022). A desk admin enters a phone number in any
Indonesian form and sees everything held about it; exports it as JSON; erases it after a second,
confirmed POST. The domain work is `handlers.people.data_requests`; every step is audited there
with the admin and the counts, the number masked.

The number travels only in POST bodies, never in a URL, so it stays out of access logs and
browser history.
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from bot.dashboard.admin_roster import admin_reader, check_admin, render, t
from bot.dashboard.deps import StaffViewer, Viewer, check_form
from bot.render.cells import LOCALE
from handlers.people import access, data_requests
from handlers.people.data_requests import Holdings
from handlers.people.phones import BadPhone, to_e164
from storage.db import transaction
from storage.models import Person

router = APIRouter()
PRIVACY_PATH = "/dasbor/admin/data-pribadi"
FORM_PAGE = "dashboard/admin_privacy.html"
CONFIRMED = "ya"  # the confirm checkbox's value
PhoneField = Annotated[str, Form(max_length=40)]
TokenField = Annotated[str | None, Form()]


def _date(moment: Any, zone: ZoneInfo) -> str:
    return format_date(moment.astimezone(zone), "d MMM yyyy", locale=LOCALE) if moment else "-"


def _shown(held: Holdings, zone: ZoneInfo) -> dict[str, Any]:
    """What the page shows: the staff row, the complaints by ticket (never their story), and
    how many of each other kind of record."""
    person = held.person
    staff = None
    if person is not None:
        staff = {
            "name": person.name,
            "role": t(f"role.{person.role}"),
            "place": ", ".join(p for p in (person.kecamatan, person.kabupaten) if p) or "-",
            "active": person.active,
        }
    complaints = [
        {
            "ticket": c.ticket_code,
            "date": _date(c.created_at, zone),
            "status": t(f"status.{c.status}"),
            "category": t(f"category.{c.category}"),
            "place": ", ".join(p for p in (c.kecamatan, c.kabupaten) if p) or "-",
        }
        for c in held.complaints
    ]
    return {
        "phone": held.phone,
        "staff": staff,
        "complaints": complaints,
        "counts": held.counts(),
        "empty": held.empty,
    }


def _form_page(
    request: Request, viewer: Viewer, message: str = "", status: int = 200, raw: str = ""
) -> HTMLResponse:
    context = {"viewer": viewer, "message": message, "found": None, "raw": raw}
    return render(request, FORM_PAGE, context, status)


def _phone(raw: str) -> str | None:
    try:
        return to_e164(raw)
    except BadPhone:
        return None


def _start(request: Request, viewer: Viewer, token: str | None, raw: str) -> str | HTMLResponse:
    """The checks every POST starts with: the admin, the form, then the number in E.164 (or
    the form again, saying the number was not understood)."""
    check_admin(request, viewer, access.may_handle_data_requests)
    check_form(request, viewer, token)
    phone = _phone(raw)
    if phone is None:
        message = t("admin.privacy.bad_phone", raw=raw.strip()[:40])
        return _form_page(request, viewer, message, 422, raw)
    return phone


def _lookup(session: Session, viewer: Viewer, phone: str, action: str) -> tuple[Person, Holdings]:
    actor = admin_reader(session, viewer, access.may_handle_data_requests)
    held = data_requests.find(session, phone)
    data_requests.record_request(session, actor, action, held)
    return actor, held


@router.get(PRIVACY_PATH, response_class=HTMLResponse)
def privacy_form(request: Request, viewer: StaffViewer) -> HTMLResponse:
    check_admin(request, viewer, access.may_handle_data_requests)
    return _form_page(request, viewer)


@router.post(PRIVACY_PATH, response_class=HTMLResponse)
def privacy_find(
    request: Request, viewer: StaffViewer, phone: PhoneField = "", csrf_token: TokenField = None
) -> HTMLResponse:
    number = _start(request, viewer, csrf_token, phone)
    if isinstance(number, HTMLResponse):
        return number
    with transaction(request.app.state.runtime.sessions) as session:
        actor, held = _lookup(session, viewer, number, "found")
        found = _shown(held, ZoneInfo(actor.timezone))
    context = {"viewer": viewer, "message": "", "found": found, "raw": ""}
    return render(request, FORM_PAGE, context)


@router.post(PRIVACY_PATH + "/ekspor")
def privacy_export(
    request: Request, viewer: StaffViewer, phone: PhoneField = "", csrf_token: TokenField = None
) -> Response:
    number = _start(request, viewer, csrf_token, phone)
    if isinstance(number, HTMLResponse):
        return number
    runtime = request.app.state.runtime
    with transaction(runtime.sessions) as session:
        _actor, held = _lookup(session, viewer, number, "exported")
        data = data_requests.export(held, runtime.ctx.clock())
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    name = f"data-pribadi-{number[-4:]}.json"
    return Response(
        body.encode("utf-8"),
        media_type="application/json; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post(PRIVACY_PATH + "/hapus", response_class=HTMLResponse)
def privacy_erase(
    request: Request,
    viewer: StaffViewer,
    phone: PhoneField = "",
    csrf_token: TokenField = None,
    confirm: Annotated[str, Form()] = "",
    asked: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Without the confirm box ticked: the confirm page (nothing changed). With it: erase."""
    number = _start(request, viewer, csrf_token, phone)
    if isinstance(number, HTMLResponse):
        return number
    with transaction(request.app.state.runtime.sessions) as session:
        if confirm != CONFIRMED:
            actor, held = _lookup(session, viewer, number, "found")
            found = _shown(held, ZoneInfo(actor.timezone))
            message = t("admin.privacy.confirm_needed") if asked else ""
            context = {"viewer": viewer, "found": found, "message": message}
            return render(request, "dashboard/admin_privacy_confirm.html", context)
        actor = admin_reader(session, viewer, access.may_handle_data_requests)
        erased = data_requests.erase(session, actor, number)
    context = {"viewer": viewer, "erased": erased, "last4": number[-4:]}
    return render(request, "dashboard/admin_privacy_done.html", context)
