"""What every dashboard page needs: the signed-in viewer, the form check, the templates.

A page takes `viewer: StaffViewer`; without a live session the request ends in a polite 401
page. A form that changes something calls `check_form` first (its csrf token and its origin).
Pages render with `templates`, extending `dashboard/base.html` (blocks: title, content).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from handlers.people import access
from handlers.people.login import COOKIE, current_session
from handlers.reports import registry
from storage.db import transaction
from storage.models import Person

TEMPLATE_DIR = Path(__file__).parent.parent / "templates"
NOT_SIGNED_IN = (
    "Sesi Anda sudah berakhir atau belum masuk. Minta tautan baru lewat bot: ketik dasbor."
)
FORBIDDEN = (
    "Permintaan ini tidak dapat diproses karena formulirnya sudah tidak berlaku. "
    "Silakan muat ulang halaman lalu coba lagi."
)


@dataclass(frozen=True)
class Viewer:
    person_id: int
    csrf_token: str
    name: str = ""
    role: str = ""  # the role as the page shows it (from the catalog)
    # The views this person may open, as (address, title), for the menu.
    menu: tuple[tuple[str, str], ...] = ()
    admin: bool = False  # may open the admin pages (roster upload, data-subject requests)


class DashboardError(HTTPException):
    """An error shown to a person as a page (see `bot.dashboard.render_error`)."""


def _page_context(request: Request) -> dict[str, Any]:
    return {"viewer": getattr(request.state, "viewer", None)}


templates = Jinja2Templates(directory=TEMPLATE_DIR, context_processors=[_page_context])


def viewer(request: Request) -> Viewer:
    """The signed-in staff member, or a 401 page."""
    runtime = request.app.state.runtime
    cookie = request.cookies.get(COOKIE)
    if not cookie:
        raise DashboardError(401, NOT_SIGNED_IN)
    with transaction(runtime.sessions) as session:
        web_session = current_session(session, cookie, runtime.ctx.clock())
        if web_session is None:
            found = None
        else:
            person = web_session.person
            found = Viewer(
                person_id=person.id,
                csrf_token=web_session.csrf_token,
                name=person.name,
                role=runtime.ctx.catalog(f"role.{person.role}"),
                menu=tuple((f"/dasbor/{v.slug}", v.title) for v in registry.views_for(person)),
                admin=access.may_manage_roster(person) or access.may_handle_data_requests(person),
            )
    if found is None:
        raise DashboardError(401, NOT_SIGNED_IN)
    request.state.viewer = found
    return found


StaffViewer = Annotated[Viewer, Depends(viewer)]


def reader_of(session: Session, viewer: Viewer) -> Person:
    """The signed-in person in this database session (the reader every query is asked for);
    a 401 page when they left the roster since the page was asked for."""
    person = session.get(Person, viewer.person_id)
    if person is None or not person.active:
        raise DashboardError(401, NOT_SIGNED_IN)
    return person


def own_origin(request: Request) -> str:
    """PUBLIC_BASE_URL's origin when set, else the origin this request was made to."""
    base = request.app.state.runtime.settings.PUBLIC_BASE_URL
    if base:
        return _origin(base)
    return _origin(str(request.base_url))


def _origin(url: str) -> str:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return ""
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def check_origin(request: Request) -> None:
    """403 unless the request comes from a page of this site (Origin, else Referer)."""
    sent = request.headers.get("origin") or request.headers.get("referer") or ""
    if not sent or sent == "null" or _origin(sent) != own_origin(request):
        raise DashboardError(403, FORBIDDEN)


def check_form(request: Request, viewer: Viewer, form_token: str | None) -> None:
    """403 unless the form carries the session's csrf token and comes from this site."""
    if not form_token or not secrets.compare_digest(
        form_token.encode("utf-8"), viewer.csrf_token.encode("utf-8")
    ):
        raise DashboardError(403, FORBIDDEN)
    check_origin(request)
