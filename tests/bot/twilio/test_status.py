"""Delivery status callbacks: signed, forward only, terminal failures with their error code."""

from __future__ import annotations

import json

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from storage.models import OutboxMessage
from tests.bot.twilio.conftest import (
    ACCOUNT_SID,
    ASGI_BASE_URL,
    MakeRuntime,
    Phone,
    PhoneFactory,
    new_sid,
    post_signed,
)
from tests.fakes.twilio_api import FakeTwilio

STATUS = "/webhooks/twilio/status"


async def sent_message(phone: PhoneFactory, twilio_api: FakeTwilio) -> str:
    await phone("0857-1234-5678").send("halo")
    return str(twilio_api.messages[-1]["sid"])


async def report(client: httpx.AsyncClient, sid: str, status: str, **extra: str) -> int:
    params = {"AccountSid": ACCOUNT_SID, "MessageSid": sid, "MessageStatus": status, **extra}
    return (await post_signed(client, STATUS, params)).status_code


def delivery(sessions: sessionmaker[Session], sid: str) -> tuple[str | None, str | None]:
    with sessions() as session:
        row = session.scalars(
            select(OutboxMessage).where(OutboxMessage.provider_message_id == sid)
        ).one()
        return row.delivery_status, row.last_error


async def test_status_moves_forward_and_ignores_late_or_repeated_callbacks(
    client: httpx.AsyncClient,
    phone: PhoneFactory,
    twilio_api: FakeTwilio,
    sessions: sessionmaker[Session],
) -> None:
    sid = await sent_message(phone, twilio_api)
    assert await report(client, sid, "sent") == 204
    assert delivery(sessions, sid) == ("sent", None)
    await report(client, sid, "delivered")
    await report(client, sid, "sent")  # arrives late
    await report(client, sid, "queued")
    await report(client, sid, "delivered")  # repeated
    assert delivery(sessions, sid) == ("delivered", None)
    await report(client, sid, "read")
    await report(client, sid, "undelivered", ErrorCode="30003")  # not after it was read
    assert delivery(sessions, sid) == ("read", None)


async def test_a_failure_is_terminal_and_keeps_its_error_code(
    client: httpx.AsyncClient,
    phone: PhoneFactory,
    twilio_api: FakeTwilio,
    sessions: sessionmaker[Session],
) -> None:
    sid = await sent_message(phone, twilio_api)
    await report(client, sid, "failed", ErrorCode="63016")
    await report(client, sid, "delivered")
    await report(client, sid, "sent")
    assert delivery(sessions, sid) == (
        "failed",
        "63016: twilio reported the message failed (queued again outside the 24-hour window)",
    )


async def test_an_unsigned_callback_changes_nothing(
    client: httpx.AsyncClient,
    phone: PhoneFactory,
    twilio_api: FakeTwilio,
    sessions: sessionmaker[Session],
) -> None:
    sid = await sent_message(phone, twilio_api)
    forged = await post_signed(
        client, STATUS, {"MessageSid": sid, "MessageStatus": "delivered"}, token="guess"
    )
    unsigned = await client.post(STATUS, data={"MessageSid": sid, "MessageStatus": "delivered"})
    assert (forged.status_code, unsigned.status_code) == (403, 403)
    assert delivery(sessions, sid) == (None, None)


async def test_a_callback_for_an_unknown_message_is_acknowledged(
    client: httpx.AsyncClient, sessions: sessionmaker[Session]
) -> None:
    assert await report(client, new_sid(), "delivered") == 204
    with sessions() as session:
        assert session.scalars(select(OutboxMessage)).all() == []


async def test_a_late_63016_sends_the_message_again_as_a_template(
    make_runtime: MakeRuntime,
    twilio_api: FakeTwilio,
    sessions: sessionmaker[Session],
    demo_roster: None,
) -> None:
    """Twilio accepted free text, then reported the window closed: the text goes again, now as
    the template for its kind, and the number counts as outside the window from then on."""
    runtime = await make_runtime(TWILIO_CONTENT_TEMPLATES={"default": "HXdefault"})
    app = create_app(runtime, run_background=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=ASGI_BASE_URL
    ) as client:
        kpm = Phone(client, runtime, twilio_api, "+6285712345678")
        [menu] = await kpm.send("halo")
        sid = str(twilio_api.messages[-1]["sid"])
        assert await report(client, sid, "failed", ErrorCode="63016") == 204
        assert await report(client, sid, "failed", ErrorCode="63016") == 204  # repeated
        await kpm.dispatch()
    again = twilio_api.to("whatsapp:+6285712345678")[1:]
    assert len(again) == 1 and again[0]["ContentSid"] == "HXdefault"
    assert json.loads(again[0]["ContentVariables"])["1"].startswith("Halo, selamat datang")
    _status, error = delivery(sessions, sid)
    assert error is not None and "queued again outside the 24-hour window" in error
    assert menu.startswith("Halo, selamat datang")
