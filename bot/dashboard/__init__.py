"""The staff dashboard: sign-in by a one-time link from the bot, then pages behind a session.

`install(app)` mounts it (always, also in production): the routers, the stylesheet, the error
pages and the security headers every dashboard response carries.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from bot.dashboard import auth
from bot.dashboard.deps import DashboardError, templates

STATIC_DIR = Path(__file__).parent.parent / "static"
STATIC_PATH = "/static"
DASHBOARD_PATHS = ("/dasbor", "/masuk/", "/keluar", STATIC_PATH + "/")
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # same-origin: the sign-in URL never travels to another site, and forms still send Origin.
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
}


def render_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, DashboardError)
    return templates.TemplateResponse(
        request,
        "dashboard/login_error.html",
        {"message": error.detail, "status": error.status_code, "viewer": None},
        error.status_code,
    )


def install(app: FastAPI) -> None:
    from bot.dashboard import admin, attention, complaints, monthly, views

    app.include_router(auth.router)
    app.include_router(complaints.router)
    app.include_router(attention.router)
    app.include_router(views.router)
    app.include_router(monthly.router)
    app.include_router(admin.router)
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="static")
    app.add_exception_handler(DashboardError, render_error)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        if request.url.path.startswith(DASHBOARD_PATHS):
            for name, value in SECURITY_HEADERS.items():
                response.headers[name] = value
        return response
