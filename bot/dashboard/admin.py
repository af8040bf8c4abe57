"""Administration pages for the desk admins: the roster upload (`admin_roster`) and data-subject
requests (`admin_privacy`), with an index page linking both. `router` carries all of them."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from bot.dashboard import admin_privacy, admin_roster
from bot.dashboard.admin_roster import admin_reader, render
from bot.dashboard.deps import StaffViewer
from handlers.people import access
from storage.models import Person

router = APIRouter()
ADMIN_PATH = "/dasbor/admin"


def _any_admin_page(person: Person) -> bool:
    return access.may_manage_roster(person) or access.may_handle_data_requests(person)


@router.get(ADMIN_PATH, response_class=HTMLResponse)
def admin_index(request: Request, viewer: StaffViewer) -> HTMLResponse:
    with request.app.state.runtime.sessions() as session:
        person = admin_reader(session, viewer, _any_admin_page)
        context = {
            "viewer": viewer,
            "roster": access.may_manage_roster(person),
            "privacy": access.may_handle_data_requests(person),
            "roster_path": admin_roster.ROSTER_PATH,
            "privacy_path": admin_privacy.PRIVACY_PATH,
        }
    return render(request, "dashboard/admin_index.html", context)


router.include_router(admin_roster.router)
router.include_router(admin_privacy.router)
