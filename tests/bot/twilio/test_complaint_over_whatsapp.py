"""A whole public complaint over WhatsApp, from the first "halo" to the ticket code, through
signed webhooks and the fake Twilio REST server; staff are alerted by template."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.runtime import Runtime
from storage.models import Complaint, InboundMessage
from tests.bot.twilio.conftest import MakeRuntime, PhoneFactory
from tests.fakes.twilio_api import FakeTwilio


@pytest.fixture
async def runtime(make_runtime: MakeRuntime) -> Runtime:
    return await make_runtime(TWILIO_CONTENT_TEMPLATES={"complaint_alert": "HXalert"})


async def test_a_kpm_files_a_complaint_and_gets_a_ticket_code(
    phone: PhoneFactory,
    twilio_api: FakeTwilio,
    sessions: sessionmaker[Session],
    demo_roster: None,
) -> None:
    kpm = phone("0857-1234-5678")
    [menu] = await kpm.send("halo")
    assert menu.endswith("1. Buat pengaduan\n2. Cek status pengaduan\n3. Data saya")
    [consent] = await kpm.send("1")
    assert "hanya untuk menangani pengaduan ini" in consent
    [category] = await kpm.send("setju")  # a close spelling of "Setuju"
    assert category.startswith("Pengaduannya tentang apa?")
    assert "\n1. Bantuan tidak diterima / saldo nol\n" in category
    [place] = await kpm.send("1")
    assert place.endswith("1. Durenan\n2. Pogalan\n3. Tidak tahu")
    [story] = await kpm.send("pogalan")
    assert story.startswith("Ceritakan apa yang terjadi.")
    [media] = await kpm.send("Bantuan bulan ini belum masuk ke rekening saya sejak Oktober.")
    assert media.endswith("1. Selesai")
    [name] = await kpm.send("selesai")
    assert name.endswith("1. Lewati")
    [identity] = await kpm.send("Ibu Siti")
    assert identity.endswith("1. Boleh\n2. Rahasiakan")
    [summary] = await kpm.send("boleh")
    assert "Lokasi: Pogalan, Trenggalek" in summary and "Nama: Ibu Siti" in summary
    assert summary.endswith("1. Ya, kirim\n2. Ulangi dari awal\n3. Batal")
    filed, hint = await kpm.send("1")
    ticket = re.search(r"nomor (ADU-[A-Z0-9]{6,10}) \(kode cek \d+\)", filed)
    assert ticket is not None, filed
    assert "menu" in hint

    with sessions() as session:
        complaint = session.scalars(select(Complaint)).one()
        inbound = session.scalars(select(InboundMessage)).all()
    assert complaint.ticket_code == ticket.group(1)
    assert (complaint.reporter_channel, complaint.reporter_address) == (
        "whatsapp",
        "+6285712345678",
    )
    assert (complaint.category, complaint.kecamatan) == ("bantuan_tidak_diterima", "Pogalan")
    assert {row.channel for row in inbound} == {"whatsapp"} and len(inbound) == 10

    # Dewi, the supervisor of Pogalan, never wrote: the alert goes as a template. The Pogalan
    # pendamping are not sent the reporter's story (only one she gives it to would be).
    alerts = {m["To"]: m for m in twilio_api.messages if m["To"] != "whatsapp:+6285712345678"}
    assert set(alerts) == {"whatsapp:+6281210000002"}
    for alert in alerts.values():
        assert alert["ContentSid"] == "HXalert"
        variable = json.loads(alert["ContentVariables"])["1"]
        assert variable.startswith(f"Pengaduan baru {ticket.group(1)} (Pogalan)")
