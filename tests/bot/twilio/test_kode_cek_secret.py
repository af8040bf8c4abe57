"""The kode cek over WhatsApp: the reporter receives it through Twilio, the stored outbox row
keeps only asterisks in its place, and the code still opens the complaint's status."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.runtime import Runtime
from storage.models import InboundMessage, OutboxMessage, OutboxStatus
from tests.bot.twilio.conftest import MakeRuntime, PhoneFactory
from tests.fakes.twilio_api import FakeTwilio

FILED = re.compile(r"nomor (ADU-[A-Z0-9]{6,10}) \(kode cek (\d{4})\)")


@pytest.fixture
async def runtime(make_runtime: MakeRuntime) -> Runtime:
    return await make_runtime(TWILIO_CONTENT_TEMPLATES={"complaint_alert": "HXalert"})


async def test_the_kode_cek_is_delivered_but_not_kept_and_still_opens_the_status(
    phone: PhoneFactory,
    twilio_api: FakeTwilio,
    sessions: sessionmaker[Session],
    demo_roster: None,
) -> None:
    kpm = phone("0857-1234-5678")
    for answer in ("halo", "1", "setuju", "1", "pogalan"):
        await kpm.send(answer)
    await kpm.send("Bantuan bulan ini belum masuk ke rekening saya sejak Oktober.")
    for answer in ("selesai", "Ibu Siti", "boleh"):
        await kpm.send(answer)
    filed, _hint = await kpm.send("1")
    found = FILED.search(filed)
    assert found is not None, filed
    ticket, code = found.groups()
    assert f"(kode cek {code})" in twilio_api.bodies("whatsapp:+6285712345678")[-2]

    with sessions() as session:
        rows = session.scalars(select(OutboxMessage)).all()
        inbound = [repr(vars(row)) for row in session.scalars(select(InboundMessage))]
    [kept] = [row for row in rows if ticket in row.payload["text"] and row.address.endswith("5678")]
    assert kept.status == OutboxStatus.SENT
    assert f"nomor {ticket} (kode cek ****)" in kept.payload["text"]
    payloads = [repr(row.payload) for row in rows]
    assert not any(f"kode cek {code}" in text or "secret_parts" in text for text in payloads)
    assert not any(f"kode cek {code}" in text for text in inbound)

    # Someone else, with the ticket and the kode cek, sees its status.
    other = phone("0857-9999-0000")
    await other.send("halo")
    await other.send("2")
    await other.send(ticket)
    status = "\n".join(await other.send(code))
    assert f"Pengaduan {ticket}: baru" in status
