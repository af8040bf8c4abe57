"""Staff lists of complaints at national size: by category and kecamatan they list the open
ones (nearly all of a million are closed); a korwil's list asks whether a complaint's kabupaten
is in the province once per kabupaten, not twice per complaint listed."""

from __future__ import annotations

import re

from sqlalchemy import select

from conversations.flows.complaint_followup import ListFilter
from conversations.messages import Inbound
from handlers.complaints.views import LIST_LIMIT, list_complaints
from handlers.core.context import AppContext
from handlers.core.turn import Turn
from storage.models import Complaint, Person
from storage.vocabulary import ComplaintStatus
from tests.handlers.complaints.test_complaints import file
from tests.handlers.supervision.test_digest_cost import counted
from tests.support import ChatFactory, texts

TICKET = re.compile(r"ADU-[A-Z0-9]+")
HENDRA = "+6281210000006"  # the korwil of Jawa Timur in the demo roster


def test_the_province_is_asked_once_per_kabupaten(chat: ChatFactory, ctx: AppContext) -> None:
    for n in range(LIST_LIMIT + 1):
        file(chat(f"0813-9100-{n:04d}"), place="Pogalan" if n % 2 else "Durenan")
    with ctx.sessions() as session:
        korwil = session.scalars(select(Person).where(Person.phone == HENDRA)).one()
        now = ctx.clock()
        message = Inbound("web", HENDRA, "list", now, text="daftar")
        turn = Turn(ctx, session, message, korwil, now)
        with counted(session) as statements:
            replies = list_complaints(turn, {"by": ListFilter.OPEN})
    listed, pick = replies
    assert len(TICKET.findall(listed.text)) == LIST_LIMIT
    # The korwil may act on each: one prompt names them all.
    assert [o.label for o in pick.options] == TICKET.findall(listed.text)
    asked = [
        s
        for s in statements
        if s.startswith("SELECT people.id \nFROM people \nWHERE people.provinsi")
    ]
    assert len(asked) == 1, asked  # one kabupaten (Trenggalek) in the list


def test_by_kecamatan_and_category_the_open_complaints_are_listed(
    chat: ChatFactory, ctx: AppContext
) -> None:
    closed, _ = file(chat("0813-9100-0001"), place="Pogalan")
    still_open, _ = file(chat("0813-9100-0002"), place="Durenan")
    with ctx.sessions() as session:
        row = session.scalars(select(Complaint).where(Complaint.ticket_code == closed)).one()
        row.status = ComplaintStatus.RESOLVED
        session.commit()
    dewi = chat("0812-1000-0002")
    dewi.send("menu")
    dewi.press("Daftar pengaduan")
    asked = dewi.press("Yang berjalan, menurut kecamatan")
    assert [o.label for o in dewi.last_prompt().options] == ["Durenan"], texts(asked)
    assert still_open in texts(dewi.press("Durenan"))
    dewi.send("menu")
    dewi.press("Daftar pengaduan")
    dewi.press("Yang berjalan, menurut jenis")
    listed = texts(dewi.press("Bantuan tidak diterima / saldo nol"))
    assert still_open in listed and closed not in listed


def test_a_typed_number_picks_a_listed_complaint_and_then_acts_on_it(
    chat: ChatFactory, ctx: AppContext
) -> None:
    """On WhatsApp a typed number answers the newest prompt: the list's one prompt, then the
    picked complaint's own."""
    tickets = [file(chat(f"0813-9100-000{n}"), place="Pogalan")[0] for n in range(3)]
    dewi = chat("0812-1000-0002")
    dewi.inbox()
    dewi.send("menu")
    dewi.press("Daftar pengaduan")
    dewi.press("Semua yang masih berjalan")
    assert [o.label for o in dewi.last_prompt().options] == tickets
    dewi.send("2")
    picked = dewi.last_prompt()
    assert tickets[1] in picked.text and "Tangani" in [o.label for o in picked.options]
    assert "sekarang Anda tangani" in texts(dewi.send("1"))
    with ctx.sessions() as session:
        taken = session.scalars(
            select(Complaint.ticket_code).where(
                Complaint.handler_id.is_not(None), Complaint.status == ComplaintStatus.ACCEPTED
            )
        ).all()
    assert taken == [tickets[1]]
