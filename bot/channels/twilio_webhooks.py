"""Twilio's webhooks: inbound WhatsApp/SMS messages and delivery status callbacks.

Both are signed: `X-Twilio-Signature` is checked with twilio's `RequestValidator` against the
URL Twilio called, which behind a TLS proxy is PUBLIC_BASE_URL + path, not what the app sees.

The signature alone is not enough: it covers the sorted keys and values joined without any
separator, so a captured request can be sent again with the boundary between two fields moved
(e.g. `MessageSid` taking in `NumMedia0` after it) and still verify, which would make a message
look new to the repeated-delivery check. So a signed form must also look exactly as Twilio
sends it: message sids of Twilio's shape, `NumMedia` in digits, and our own `AccountSid`;
anything else is a 400 and nothing is processed.
"""

from __future__ import annotations

import hmac
import logging
import re
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from fastapi import APIRouter, HTTPException, Request, Response
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bot.channels.twilio_sender import REPLY
from conversations.messages import Attachment, Channel, Inbound
from handlers.core.route import handle_inbound
from handlers.people.phones import try_e164
from storage.db import transaction
from storage.models import ConversationState, OutboxMessage

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

INBOUND_PATH = "/webhooks/twilio"
STATUS_PATH = "/webhooks/twilio/status"
MAX_MEDIA = 10
# Delivery moves only forward along this order; the terminal ones end it.
PROGRESS = {"accepted": 0, "scheduled": 0, "queued": 0, "sending": 1, "sent": 2}
PROGRESS |= {"delivered": 3, "read": 4}
TERMINAL = frozenset({"failed", "undelivered", "canceled"})
OUTSIDE_WINDOW = "63016"  # Twilio: free-form WhatsApp text outside the 24-hour window
NOTIFICATION = "notification"
MESSAGE_SID = re.compile(r"(SM|MM)[0-9a-fA-F]{32}")
DIGITS = re.compile(r"[0-9]+")
SID_FIELDS = ("MessageSid", "SmsSid", "SmsMessageSid")  # Twilio sends the same sid under each
EMPTY_TWIML = str(MessagingResponse())  # built once: every answer to an inbound message is this


def make_router(runtime: Runtime, validator: RequestValidator | None) -> APIRouter:
    """The webhook routes; with no validator (Twilio not configured) they answer 403."""
    router = APIRouter()

    async def verified_form(request: Request) -> dict[str, str]:
        signature = request.headers.get("X-Twilio-Signature")
        form = await request.form()
        params = {key: value for key, value in form.multi_items() if isinstance(value, str)}
        url = signed_url(request, runtime.settings.PUBLIC_BASE_URL)
        if validator is None or not signature or not validator.validate(url, params, signature):
            log.warning("rejected a Twilio webhook with a missing or bad signature")
            raise HTTPException(403, "bad signature")
        return params

    def well_formed(form: Mapping[str, str], inbound: bool) -> None:
        problem = form_problem(form, runtime.settings.TWILIO_ACCOUNT_SID, inbound)
        if problem is not None:
            log.warning("rejected a signed Twilio webhook: %s", problem)
            raise HTTPException(400, problem)

    @router.post(INBOUND_PATH)
    async def inbound(request: Request) -> Response:
        form = await verified_form(request)
        well_formed(form, inbound=True)
        inbound = inbound_from_form(form, runtime.ctx.clock())
        await runtime.run_inbound(handle_inbound, runtime.ctx, inbound)
        # Replies go through the outbox, not in this answer.
        return Response(EMPTY_TWIML, media_type="text/xml")

    @router.post(STATUS_PATH)
    async def status(request: Request) -> Response:
        form = await verified_form(request)
        sid, state = form.get("MessageSid"), form.get("MessageStatus")
        if not sid or not state:
            raise HTTPException(400, "MessageSid and MessageStatus are required")
        well_formed(form, inbound=False)
        await runtime.run_inbound(
            apply_status,
            runtime.sessions,
            sid,
            state.lower(),
            form.get("ErrorCode"),
            runtime.ctx.clock(),
        )
        return Response(status_code=204)

    return router


def form_problem(form: Mapping[str, str], account_sid: str | None, inbound: bool) -> str | None:
    """Why a signed form is not one Twilio would send us, or None when it is.

    A status callback carries `MessageSid`; an inbound message `MessageSid` or `SmsSid` (all
    present ones equal), and `NumMedia` in digits when present (absent means none)."""
    given = form.get("AccountSid") or ""
    if account_sid is None or not hmac.compare_digest(given.encode(), account_sid.encode()):
        return "AccountSid is not this account"
    names = SID_FIELDS if inbound else SID_FIELDS[:1]
    sids = {form[name] for name in names if name in form}
    if not sids:
        return "MessageSid is required"
    if len(sids) > 1:
        return "the message sid fields disagree"
    if not MESSAGE_SID.fullmatch(sids.pop()):
        return "MessageSid is not a Twilio message sid"
    if inbound and "NumMedia" in form and not DIGITS.fullmatch(form["NumMedia"]):
        return "NumMedia is not a number"
    return None


def signed_url(request: Request, public_base_url: str | None) -> str:
    if public_base_url is None:
        return str(request.url)
    query = f"?{request.url.query}" if request.url.query else ""
    return public_base_url.rstrip("/") + request.url.path + query


def inbound_from_form(form: Mapping[str, str], now: datetime) -> Inbound:
    sender, sid = form.get("From", ""), form.get("MessageSid") or form.get("SmsSid")
    if not sender or not sid:
        raise HTTPException(400, "From and MessageSid are required")
    channel = Channel.WHATSAPP if sender.lower().startswith("whatsapp:") else Channel.SMS
    address = try_e164(sender) or sender.split(":", 1)[-1]
    return Inbound(
        channel=channel,
        address=address,
        provider_message_id=sid,
        received_at=now,
        text=form.get("Body", ""),
        sender_name=form.get("ProfileName") or None,
        attachments=attachments(form),
    )


def attachments(form: Mapping[str, str]) -> tuple[Attachment, ...]:
    """Twilio keeps the media; we keep its URL and type, never the bytes."""
    try:
        count = min(int(form.get("NumMedia", "0") or 0), MAX_MEDIA)
    except ValueError:
        count = 0
    found = []
    for index in range(count):
        url = form.get(f"MediaUrl{index}")
        if url:
            content_type = form.get(f"MediaContentType{index}") or None
            found.append(Attachment(media_kind(content_type), url, content_type))
    return tuple(found)


def media_kind(content_type: str | None) -> str:
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind.startswith("image/"):
        return "photo"
    if kind in ("audio/ogg", "audio/opus"):  # WhatsApp voice notes
        return "voice"
    if kind.startswith("audio/"):
        return "audio"
    if kind.startswith("video/"):
        return "video"
    return "document"


def apply_status(
    sessions: sessionmaker[Session],
    sid: str,
    state: str,
    error_code: str | None,
    now: datetime,
) -> bool:
    """Move the row's delivery status forward; False for unknown, repeated or stale callbacks."""
    if state not in PROGRESS and state not in TERMINAL:
        return False
    with transaction(sessions) as session:
        row = session.scalars(
            select(OutboxMessage).where(OutboxMessage.provider_message_id == sid).with_for_update()
        ).first()
        if row is None or not _is_forward(row.delivery_status, state):
            return False
        row.delivery_status = state
        if error_code:
            row.last_error = f"{error_code}: twilio reported the message {state}"
        if error_code == OUTSIDE_WINDOW and row.channel == Channel.WHATSAPP:
            _resend_outside_window(session, row, now)
        return True


def _resend_outside_window(session: Session, row: OutboxMessage, now: datetime) -> None:
    """Twilio accepted the text, then found the 24-hour window closed (63016): we now know it is
    closed, so the same message goes again the way the sender uses outside the window
    (Telegram or a Content template). Answers count as inside the window from when they were
    queued, so the copy is queued as a notification."""
    session.execute(
        update(ConversationState)
        .where(
            ConversationState.channel == Channel.WHATSAPP,
            ConversationState.address == row.address,
        )
        .values(last_inbound_at=None)
    )
    key = f"{row.idempotency_key}:{OUTSIDE_WINDOW}"
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)):
        return
    session.add(
        OutboxMessage(
            channel=row.channel,
            address=row.address,
            person_id=row.person_id,
            kind=NOTIFICATION if row.kind == REPLY else row.kind,
            payload=row.payload,
            idempotency_key=key,
            next_attempt_at=now,
            created_at=now,
        )
    )
    row.last_error = f"{row.last_error} (queued again outside the 24-hour window)"


def _is_forward(current: str | None, new: str) -> bool:
    if current in TERMINAL:
        return False
    rank = PROGRESS.get(current, -1) if current is not None else -1
    if new in TERMINAL:
        return rank < PROGRESS["delivered"]
    return PROGRESS[new] > rank
