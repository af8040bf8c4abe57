"""Signing in and out: the one-time link's confirm page, the session cookie, the home page.

GET /masuk/{token} only shows a confirm page (link previews fetch URLs, so it must not use the
link up); its POST uses the link and sets the cookie. The cookie holds only a random id.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.dashboard.deps import StaffViewer, check_form, check_origin, templates
from handlers.people.login import (
    COOKIE,
    SESSION_IDLE,
    close_session,
    current_session,
    open_session,
    peek_link,
)
from storage.db import transaction

router = APIRouter()
HOME = "/dasbor"
GONE = 410


def _secure(request: Request) -> bool:
    base = request.app.state.runtime.settings.PUBLIC_BASE_URL or ""
    return base.lower().startswith("https://")


def _invalid(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "dashboard/login_invalid.html", {}, GONE)


@router.get("/masuk/{token}", response_class=HTMLResponse)
def confirm_page(request: Request, token: str) -> HTMLResponse:
    runtime = request.app.state.runtime
    with transaction(runtime.sessions) as session:
        person = peek_link(session, token, runtime.ctx.clock())
        name = person.name if person is not None else None
    if name is None:
        return _invalid(request)
    return templates.TemplateResponse(request, "dashboard/login_confirm.html", {"name": name})


@router.post("/masuk/{token}")
def sign_in(request: Request, token: str) -> Response:
    check_origin(request)
    runtime = request.app.state.runtime
    with transaction(runtime.sessions) as session:
        opened = open_session(session, token, runtime.ctx.clock())
    if opened is None:
        return _invalid(request)
    _, cookie = opened
    response = RedirectResponse(HOME, status_code=303)
    response.set_cookie(
        COOKIE,
        cookie,
        max_age=int(SESSION_IDLE.total_seconds()),
        path="/",
        secure=_secure(request),
        httponly=True,
        samesite="lax",
    )
    return response


@router.get(HOME, response_class=HTMLResponse)
def home(request: Request, viewer: StaffViewer) -> HTMLResponse:
    context = {"viewer": viewer, "simulator": request.app.state.runtime.simulator}
    return templates.TemplateResponse(request, "dashboard/login_home.html", context)


@router.post("/keluar")
def sign_out(
    request: Request, viewer: StaffViewer, csrf_token: Annotated[str | None, Form()] = None
) -> Response:
    check_form(request, viewer, csrf_token)
    runtime = request.app.state.runtime
    now = runtime.ctx.clock()
    with transaction(runtime.sessions) as session:
        web_session = current_session(session, request.cookies.get(COOKIE), now)
        if web_session is not None:
            close_session(session, web_session, now)
    response = templates.TemplateResponse(request, "dashboard/login_out.html", {"viewer": None})
    response.delete_cookie(COOKIE, path="/", secure=_secure(request), httponly=True, samesite="lax")
    return response
