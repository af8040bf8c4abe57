"""The staff dashboard: sign-in by a one-time link from the bot, then pages behind a session.

`install(app)` mounts it (always, also in production): the routers, the stylesheet, the error
pages and the security headers every dashboard response carries.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


class SecurityHeaders:
    """Sets SECURITY_HEADERS (replacing any the page set) on every HTTP response under
    DASHBOARD_PATHS. A plain ASGI middleware: other requests, webhooks above all, pass straight
    through, without BaseHTTPMiddleware's extra task and response stream per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(DASHBOARD_PATHS):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


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

    app.add_middleware(SecurityHeaders)
