"""The inbound webhook: signatures (valid, forged, missing, behind a proxy), repeated deliveries,
WhatsApp versus SMS senders, media references."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from storage.models import InboundMessage, OutboxMessage
from tests.bot.twilio.conftest import (
    ACCOUNT_SID,
    ASGI_BASE_URL,
    PUBLIC_BASE_URL,
    WHATSAPP_NUMBER,
    MakeRuntime,
    new_sid,
    post_signed,
    sign,
)

KPM = "whatsapp:+6285712345678"


def hello(sender: str = KPM, sid: str | None = None, body: str = "halo") -> dict[str, str]:
    return {
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "To": f"whatsapp:{WHATSAPP_NUMBER}",
        "Body": body,
        "MessageSid": sid or new_sid(),
        "NumMedia": "0",
    }


def counts(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with sessions() as session:
        inbound = session.scalar(select(func.count()).select_from(InboundMessage))
        outbox = session.scalar(select(func.count()).select_from(OutboxMessage))
    return inbound or 0, outbox or 0


async def test_a_signed_message_is_handled_and_answered_with_empty_twiml(
    client: httpx.AsyncClient, sessions: sessionmaker[Session]
) -> None:
    sid = new_sid()
    params = hello(sid=sid)
    response = await post_signed(client, "/webhooks/twilio", params)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text.endswith("<Response />")
    with sessions() as session:
        row = session.scalars(select(InboundMessage)).one()
        assert (row.channel, row.address, row.provider_message_id) == (
            "whatsapp",
            "+6285712345678",
            sid,
        )
        reply = session.scalars(select(OutboxMessage)).one()
        assert (reply.channel, reply.address, reply.status) == (
            "whatsapp",
            "+6285712345678",
            "pending",
        )
        assert reply.payload["options"][0]["label"] == "Buat pengaduan"


async def test_a_forged_signature_is_refused_and_nothing_is_stored(
    client: httpx.AsyncClient, sessions: sessionmaker[Session]
) -> None:
    response = await post_signed(client, "/webhooks/twilio", hello(), token="not-our-token")
    assert response.status_code == 403
    assert counts(sessions) == (0, 0)


async def test_a_missing_signature_is_refused(
    client: httpx.AsyncClient, sessions: sessionmaker[Session]
) -> None:
    response = await client.post("/webhooks/twilio", data=hello())
    assert response.status_code == 403
    assert counts(sessions) == (0, 0)


async def test_a_field_changed_after_signing_is_refused(
    client: httpx.AsyncClient, sessions: sessionmaker[Session]
) -> None:
    params = hello()
    signature = sign(PUBLIC_BASE_URL + "/webhooks/twilio", params)
    params["Body"] = "menu"
    response = await client.post(
        "/webhooks/twilio", data=params, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 403
    assert counts(sessions) == (0, 0)


async def test_behind_a_proxy_the_public_url_is_what_is_signed(
    client: httpx.AsyncClient, sessions: sessionmaker[Session]
) -> None:
    # The app is reached as http://testserver, but Twilio signed https://pkh.example.id/...
    as_seen_inside = await post_signed(
        client, "/webhooks/twilio", hello(), signed_base=ASGI_BASE_URL
    )
    assert as_seen_inside.status_code == 403
    as_twilio_called = await post_signed(client, "/webhooks/twilio", hello())
    assert as_twilio_called.status_code == 200
    assert counts(sessions)[0] == 1


async def test_without_a_public_base_url_the_request_url_is_what_is_signed(
    make_runtime: MakeRuntime, sessions: sessionmaker[Session]
) -> None:
    runtime = await make_runtime(PUBLIC_BASE_URL=None)
    transport = httpx.ASGITransport(app=create_app(runtime, run_background=False))
    async with httpx.AsyncClient(transport=transport, base_url=ASGI_BASE_URL) as http:
        refused = await post_signed(http, "/webhooks/twilio", hello())
        accepted = await post_signed(http, "/webhooks/twilio", hello(), signed_base=ASGI_BASE_URL)
    assert (refused.status_code, accepted.status_code) == (403, 200)
    assert counts(sessions)[0] == 1


async def test_without_twilio_credentials_the_route_exists_and_refuses(
    make_runtime: MakeRuntime, sessions: sessionmaker[Session]
) -> None:
    runtime = await make_runtime(TWILIO_ACCOUNT_SID=None, TWILIO_AUTH_TOKEN=None)
    assert "whatsapp" not in runtime.senders
    transport = httpx.ASGITransport(app=create_app(runtime, run_background=False))
    async with httpx.AsyncClient(transport=transport, base_url=ASGI_BASE_URL) as http:
        inbound = await post_signed(http, "/webhooks/twilio", hello())
        status = await post_signed(
            http, "/webhooks/twilio/status", {"MessageSid": new_sid(), "MessageStatus": "sent"}
        )
    assert (inbound.status_code, status.status_code) == (403, 403)
    assert counts(sessions) == (0, 0)


async def test_a_repeated_delivery_is_processed_once(
    client: httpx.AsyncClient, sessions: sessionmaker[Session]
) -> None:
    params = hello()
    first = await post_signed(client, "/webhooks/twilio", params)
    after_first = counts(sessions)
    again = await post_signed(client, "/webhooks/twilio", params)
    assert (first.status_code, again.status_code) == (200, 200)
    assert after_first == (1, 1)
    assert counts(sessions) == after_first


async def test_a_plain_sms_sender_is_on_the_sms_channel(
    client: httpx.AsyncClient, sessions: sessionmaker[Session]
) -> None:
    params = hello(sender="+6285712345678") | {"To": "+6281100000002"}
    assert (await post_signed(client, "/webhooks/twilio", params)).status_code == 200
    with sessions() as session:
        row = session.scalars(select(InboundMessage)).one()
        reply = session.scalars(select(OutboxMessage)).one()
    assert (row.channel, row.address) == ("sms", "+6285712345678")
    assert (reply.channel, reply.address) == ("sms", "+6285712345678")


async def test_media_is_kept_as_references_with_their_type(
    client: httpx.AsyncClient, sessions: sessionmaker[Session]
) -> None:
    media = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME"
    params = hello(body="") | {
        "NumMedia": "3",
        "MediaUrl0": media + "0",
        "MediaContentType0": "image/jpeg",
        "MediaUrl1": media + "1",
        "MediaContentType1": "audio/ogg",
        "MediaUrl2": media + "2",
        "MediaContentType2": "application/pdf",
    }
    assert (await post_signed(client, "/webhooks/twilio", params)).status_code == 200
    with sessions() as session:
        row = session.scalars(select(InboundMessage)).one()
    assert row.kind == "media"
    assert row.attachments["items"] == [
        {"kind": "photo", "ref": media + "0", "content_type": "image/jpeg"},
        {"kind": "voice", "ref": media + "1", "content_type": "audio/ogg"},
        {"kind": "document", "ref": media + "2", "content_type": "application/pdf"},
    ]
