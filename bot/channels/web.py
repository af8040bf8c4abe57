"""The web simulator channel: a page where a newcomer chats with the bot as any persona.

Outgoing messages to the web channel are "delivered" by being marked sent; the page reads the
sent outbox rows of the persona it shows. Inbound messages go through `handlers.core.route` exactly
as Telegram and WhatsApp messages do.

It has no login: whoever opens it speaks as any rostered person. So it exists only in the local
demo, when no real channel is configured (`Runtime.simulator`); otherwise `create_app` leaves
these routes out, and each of them answers 404 even if mounted by mistake.

In the demo each staff persona also has a "Buka dasbor" button: it issues that persona's
one-time sign-in link, exactly as typing `dasbor` in chat would, and goes to its confirm page.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from bot.dashboard.auth import HOME
from bot.dashboard.deps import DashboardError, check_origin
from conversations.messages import Channel, Inbound
from handlers.core.route import handle_inbound
from handlers.people.login import COOKIE, current_session, issue_link
from handlers.people.phones import try_e164
from scheduler.senders import Outgoing, SendResult
from storage.db import transaction
from storage.models import OutboxMessage, OutboxStatus, Person, Role

router = APIRouter()
templates = Jinja2Templates(directory=Path(__file__).parent.parent / "templates")


class WebSender:
    channel = Channel.WEB

    async def send(self, message: Outgoing) -> SendResult:
        return SendResult(provider_message_id=f"web-{message.outbox_id}")


class SimMessage(BaseModel):
    address: str = Field(min_length=3, max_length=40)
    text: str = Field(default="", max_length=4000)
    choice: str | None = Field(default=None, max_length=128)


def runtime(request: Request) -> Any:
    rt = request.app.state.runtime
    if not rt.simulator:
        raise HTTPException(404, "Not Found")
    return rt


Runtime = Annotated[Any, Depends(runtime)]


@router.get("/", response_class=HTMLResponse)
def simulator_page(request: Request, _rt: Runtime) -> HTMLResponse:
    return templates.TemplateResponse(request, "simulator.html", {})


@router.get("/sim/api/personas")
def personas(rt: Runtime) -> dict[str, Any]:
    with rt.sessions() as session:
        people = session.scalars(
            select(Person).where(Person.active.is_(True)).order_by(Person.role, Person.name)
        ).all()
        counts = dict(
            session.execute(
                select(OutboxMessage.address, func.count())
                .where(
                    OutboxMessage.channel == Channel.WEB, OutboxMessage.status == OutboxStatus.SENT
                )
                .group_by(OutboxMessage.address)
            ).all()
        )
        order = {role: i for i, role in enumerate(Role)}
        return {
            "personas": [
                {
                    "name": p.name,
                    "role": p.role,
                    "kecamatan": p.kecamatan,
                    "address": p.phone,
                    "received": counts.get(p.phone, 0),
                }
                for p in sorted(people, key=lambda p: (order.get(p.role, 9), p.name))
            ]
        }


@router.post("/sim/api/send")
def send(message: SimMessage, rt: Runtime) -> dict[str, Any]:
    address = try_e164(message.address)
    if address is None:
        raise HTTPException(422, "Nomor telepon tidak dikenali. Contoh: 0812 3456 7890.")
    inbound = Inbound(
        channel=Channel.WEB,
        address=address,
        provider_message_id=f"web-{uuid.uuid4().hex}",
        received_at=rt.ctx.clock(),
        text=message.text,
        choice=message.choice,
    )
    handle_inbound(rt.ctx, inbound)
    return {"address": address}


@router.get("/sim/api/messages")
def messages(address: str, rt: Runtime, after: int = 0) -> dict[str, Any]:
    normalised = try_e164(address) or address
    with rt.sessions() as session:
        rows = session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.channel == Channel.WEB,
                OutboxMessage.address == normalised,
                OutboxMessage.status == OutboxStatus.SENT,
                OutboxMessage.id > after,
            )
            .order_by(OutboxMessage.id)
            .limit(200)
        ).all()
        return {
            "address": normalised,
            "messages": [
                {
                    "id": r.id,
                    "kind": r.kind,
                    "text": r.payload["text"],
                    "token": r.payload.get("token"),
                    "options": r.payload.get("options", []),
                    "sent_at": r.sent_at.isoformat() if r.sent_at else None,
                }
                for r in rows
            ],
        }


@router.post("/sim/dasbor")
def open_dashboard(
    request: Request, rt: Runtime, address: Annotated[str, Form(max_length=40)]
) -> RedirectResponse:
    """Sign a staff persona into the dashboard: a fresh one-time link, then its confirm page.

    Only an active rostered person gets one (never a public number), under the same hourly
    limit as the chat command; a browser already signed in as that persona goes straight home.
    """
    check_origin(request)
    t, now = rt.ctx.catalog, rt.ctx.clock()
    phone = try_e164(address)
    with transaction(rt.sessions) as session:
        person = (
            session.scalars(
                select(Person).where(Person.phone == phone, Person.active.is_(True))
            ).one_or_none()
            if phone is not None
            else None
        )
        if person is None:
            raise DashboardError(403, t("sim_dashboard.not_staff"))
        signed_in = current_session(session, request.cookies.get(COOKIE), now)
        if signed_in is not None and signed_in.person_id == person.id:
            return RedirectResponse(HOME, status_code=303)
        token = issue_link(session, person, now)
    if token is None:
        raise DashboardError(429, t("sim_dashboard.too_many"))
    return RedirectResponse(f"/masuk/{token}", status_code=303)
