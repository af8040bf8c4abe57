"""Trust boundaries with Twilio configured: no web simulator beside it; a signed form must also
look exactly as Twilio sends it (sids, NumMedia, our AccountSid), because the signature joins
keys and values without separators and a captured request can be re-cut into another form."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from twilio.request_validator import RequestValidator

from bot.cli import main
from bot.runtime import Runtime
from bot.settings import Settings
from conversations.messages import Channel, Reply
from handlers.core import outbox
from storage.db import transaction
from storage.models import InboundMessage, OutboxMessage, OutboxStatus
from tests.bot.twilio.conftest import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_BASE_URL,
    SMS_NUMBER,
    WHATSAPP_NUMBER,
    PhoneFactory,
    new_sid,
    post_signed,
    sign,
)
from tests.fakes.twilio_api import FakeTwilio
from tests.support import Clock

INBOUND = "/webhooks/twilio"
STATUS = "/webhooks/twilio/status"
KPM = "whatsapp:+6285712345678"
SARI = "+6281210000003"


def form(**changes: str | None) -> dict[str, str]:
    """An inbound WhatsApp form as Twilio sends it; a None change removes that field."""
    sid = new_sid()
    params: dict[str, str | None] = {
        "AccountSid": ACCOUNT_SID,
        "ApiVersion": "2010-04-01",
        "Body": "halo",
        "From": KPM,
        "MessageSid": sid,
        "NumMedia": "0",
        "NumSegments": "1",
        "ProfileName": "Siti",
        "SmsMessageSid": sid,
        "SmsSid": sid,
        "SmsStatus": "received",
        "To": f"whatsapp:{WHATSAPP_NUMBER}",
        "WaId": "6285712345678",
    }
    params |= changes
    return {key: value for key, value in params.items() if value is not None}


def counts(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with sessions() as session:
        inbound = session.scalar(select(func.count()).select_from(InboundMessage)) or 0
        rows = session.scalar(select(func.count()).select_from(OutboxMessage)) or 0
    return inbound, rows


async def test_the_simulator_does_not_exist_beside_twilio(
    client: httpx.AsyncClient, runtime: Runtime, sessions: sessionmaker[Session]
) -> None:
    calls = (
        ("GET", "/", None),
        ("GET", "/sim/api/personas", None),
        ("POST", "/sim/api/send", {"address": "0812-1000-0003", "text": "menu"}),
        ("GET", "/sim/api/messages?address=0812-1000-0003", None),
    )
    for method, path, body in calls:
        response = await client.request(method, path, json=body)
        assert response.status_code == 404, (method, path, response.text)
    assert counts(sessions) == (0, 0)
    assert not runtime.simulator and Channel.WEB not in runtime.senders
    assert runtime.ctx.channels == (Channel.WHATSAPP, Channel.SMS)


async def test_a_replay_with_the_message_sid_cut_from_its_neighbour_is_refused(
    client: httpx.AsyncClient, sessions: sessionmaker[Session]
) -> None:
    """The attack: take a captured, validly signed message and move the boundary between
    `MessageSid` and the next field (`NumMedia`), so that it looks like a new message (a new
    provider id passes the repeated-delivery check) under the very same signature."""
    url = PUBLIC_BASE_URL + INBOUND
    original = form(SmsMessageSid=None, SmsSid=None)
    signature = sign(url, original)
    first = await client.post(INBOUND, data=original, headers={"X-Twilio-Signature": signature})
    assert first.status_code == 200
    handled = counts(sessions)
    assert handled[0] == 1

    replay = dict(original)
    replay["MessageSid"] = original["MessageSid"] + "NumMedia" + replay.pop("NumMedia")
    # Twilio's signature cannot tell the two apart: it still verifies.
    assert RequestValidator(AUTH_TOKEN).validate(url, replay, signature)
    again = await client.post(INBOUND, data=replay, headers={"X-Twilio-Signature": signature})
    assert again.status_code == 400
    assert "MessageSid" in again.json()["detail"]
    assert counts(sessions) == handled

    # The same trick on NumMedia's other side (its value swallowing the next field).
    swallow = dict(original)
    swallow["NumMedia"] += "NumSegments" + swallow.pop("NumSegments")
    assert RequestValidator(AUTH_TOKEN).validate(url, swallow, signature)
    refused = await client.post(INBOUND, data=swallow, headers={"X-Twilio-Signature": signature})
    assert refused.status_code == 400
    assert counts(sessions) == handled


MALFORMED = {
    "a word after SM": form(MessageSid="SMfirst", SmsSid=None, SmsMessageSid=None),
    "31 hex digits": form(MessageSid="SM" + "a" * 31, SmsSid=None, SmsMessageSid=None),
    "33 hex digits": form(MessageSid="SM" + "a" * 33, SmsSid=None, SmsMessageSid=None),
    "a wrong prefix": form(MessageSid="XY" + "a" * 32, SmsSid=None, SmsMessageSid=None),
    "a lower-case prefix": form(MessageSid="sm" + "a" * 32, SmsSid=None, SmsMessageSid=None),
    "a non-hex digit": form(MessageSid="SM" + "g" * 32, SmsSid=None, SmsMessageSid=None),
    "a trailing newline": form(MessageSid="SM" + "a" * 32 + "\n", SmsSid=None, SmsMessageSid=None),
    "no sid at all": form(MessageSid=None, SmsSid=None, SmsMessageSid=None),
    "a bad SmsSid": form(MessageSid=None, SmsMessageSid=None, SmsSid="SMshort"),
    "sids that disagree": form(SmsSid=new_sid()),
    "letters in NumMedia": form(NumMedia="1a"),
    "a negative NumMedia": form(NumMedia="-1"),
    "an empty NumMedia": form(NumMedia=""),
    "a spaced NumMedia": form(NumMedia=" 1"),
    "a non-ASCII digit in NumMedia": form(NumMedia="\u0661"),
    "another account": form(AccountSid="AC" + "9" * 32),
    "no account": form(AccountSid=None),
}


@pytest.mark.parametrize("params", list(MALFORMED.values()), ids=list(MALFORMED))
async def test_a_signed_form_that_twilio_would_not_send_is_a_400(
    client: httpx.AsyncClient, sessions: sessionmaker[Session], params: dict[str, str]
) -> None:
    response = await post_signed(client, INBOUND, params)
    assert response.status_code == 400, response.text
    assert counts(sessions) == (0, 0)


ACCEPTED = {
    "every sid field": form(),
    "an MMS sid in upper-case hex": form(
        MessageSid="MM" + "ABCDEF0123456789" * 2, SmsSid=None, SmsMessageSid=None
    ),
    "only SmsSid": form(MessageSid=None, SmsMessageSid=None),
    "no NumMedia": form(NumMedia=None),
}


@pytest.mark.parametrize("params", list(ACCEPTED.values()), ids=list(ACCEPTED))
async def test_forms_as_twilio_sends_them_are_handled(
    client: httpx.AsyncClient, sessions: sessionmaker[Session], params: dict[str, str]
) -> None:
    response = await post_signed(client, INBOUND, params)
    assert response.status_code == 200, response.text
    sid = params.get("MessageSid") or params["SmsSid"]
    with sessions() as session:
        row = session.scalars(select(InboundMessage)).one()
        assert row.provider_message_id == sid
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


async def test_status_callbacks_need_a_twilio_sid_and_our_account(
    client: httpx.AsyncClient,
    phone: PhoneFactory,
    twilio_api: FakeTwilio,
    sessions: sessionmaker[Session],
) -> None:
    await phone("0857-1234-5678").send("halo")
    sid = str(twilio_api.messages[-1]["sid"])

    def status_of() -> str | None:
        with sessions() as session:
            return session.scalars(
                select(OutboxMessage.delivery_status).where(
                    OutboxMessage.provider_message_id == sid
                )
            ).one()

    base = {"AccountSid": ACCOUNT_SID, "MessageStatus": "delivered"}
    for bad in (
        base | {"MessageSid": sid + "MessageStatusdelivered"},
        base | {"MessageSid": "SMunknown"},
        base | {"MessageSid": sid, "AccountSid": "AC" + "9" * 32},
        {"MessageSid": sid, "MessageStatus": "delivered"},
    ):
        assert (await post_signed(client, STATUS, bad)).status_code == 400, bad
    assert status_of() is None
    assert (await post_signed(client, STATUS, base | {"MessageSid": sid})).status_code == 204
    assert status_of() == "delivered"


async def test_the_auth_token_never_reaches_the_logs(
    caplog: pytest.LogCaptureFixture, phone: PhoneFactory
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "twilio", "aiohttp"):
        caplog.set_level(logging.DEBUG, logger=name)
    replies = await phone("0857-1234-5678").send("halo")
    assert replies, "the reply went out through the fake Twilio REST API"
    logged = caplog.text + "\n".join(record.getMessage() for record in caplog.records)
    assert "Twilio API Request" in logged  # twilio logged its requests (at DEBUG here)
    assert AUTH_TOKEN not in logged


async def test_tick_fails_a_leftover_web_row_instead_of_leaving_it_pending(
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    sessions: sessionmaker[Session],
    twilio_api: FakeTwilio,
    clock: Clock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A reply queued on the simulator during the demo, then Twilio was configured: the web is
    no channel any more, so `pkh-bot tick` fails the row with the reason (and sends the rest)."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT_SID)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH_TOKEN)
    monkeypatch.setenv("TWILIO_SMS_NUMBER", SMS_NUMBER)
    monkeypatch.setenv("TWILIO_API_BASE_URL", twilio_api.url)
    with transaction(sessions) as session:
        outbox.enqueue(session, Channel.WEB, SARI, Reply("dari demo"), "demo-web", clock())
        outbox.enqueue(session, Channel.SMS, SARI, Reply("Pengingat"), "real-sms", clock())
    assert await asyncio.to_thread(main, ["tick", "--now", clock().isoformat()]) == 0
    assert "outbox: sent 1, retried 0, failed 1" in capsys.readouterr().out
    assert twilio_api.bodies(SARI) == ["Pengingat"]
    with sessions() as session:
        row = session.scalars(
            select(OutboxMessage).where(OutboxMessage.idempotency_key == "demo-web")
        ).one()
        assert (row.status, row.last_error) == (
            OutboxStatus.FAILED,
            "no sender is configured for the web channel",
        )
