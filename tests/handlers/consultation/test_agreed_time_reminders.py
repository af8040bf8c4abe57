"""An agreed consultation whose time names a moment ("besok jam 10") reminds both sides an hour
before, once, through the tick; words that name no moment ("Secepatnya") plan nothing, and a
meeting no longer agreed for that time sends nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from handlers.core.context import AppContext
from scheduler.tick import run_duties
from storage.db import transaction
from storage.models import Consultation, ScheduledMessage
from storage.vocabulary import ConsultationStatus
from tests.handlers.consultation.test_consultations import DEWI, SARI, consultation
from tests.support import Chat, ChatFactory, Clock, texts


def _ask_and_accept(sari: Chat, dewi: Chat, typed_time: str) -> None:
    sari.send("menu")
    sari.press("Minta konsultasi")
    sari.press("Manajemen kasus")
    sari.press("Biasa")
    sari.send("Keluarga KPM menolak rujukan ke puskesmas")
    sari.press("Telepon")
    sari.send(typed_time)
    assert "sudah dikirim ke Dewi Lestari" in texts(sari.press("Ya, kirim"))
    alert = dewi.last_prompt("Terima sekarang")
    accept = next(o for o in alert.options if o.label == "Terima sekarang")
    dewi.send(choice=alert.callback_data(accept))
    sari.inbox()
    dewi.inbox()


def test_a_typed_time_brings_both_a_reminder_an_hour_before(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    _ask_and_accept(sari, dewi, "besok jam 10")  # asked Tuesday 1 Dec, 09:00 WIB
    agreed = consultation(ctx)
    assert agreed.status == ConsultationStatus.AGREED
    assert agreed.agreed_for == datetime(2026, 12, 2, 3, 0, tzinfo=UTC)  # Wed 10:00 WIB

    clock.now = datetime(2026, 12, 2, 1, 59, tzinfo=UTC)
    run_duties(ctx, clock.now)
    assert sari.inbox() == [] and dewi.inbox() == []
    clock.now = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    run_duties(ctx, clock.now)
    to_sari, to_dewi = texts(sari.inbox()), texts(dewi.inbox())
    assert "Sebentar lagi: konsultasi dengan Dewi Lestari" in to_sari and "10:00 WIB" in to_sari
    assert "Sebentar lagi: konsultasi dengan Sari Rahayu" in to_dewi
    run_duties(ctx, clock.advance(minutes=5))
    assert sari.inbox() == [] and dewi.inbox() == []


def test_no_moment_no_reminder_and_a_closed_one_sends_nothing(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    _ask_and_accept(sari, dewi, "kapan saja Ibu sempat")
    assert consultation(ctx).agreed_for is None
    with ctx.sessions() as session:
        assert session.scalars(select(ScheduledMessage)).all() == []

    _ask_and_accept(sari, dewi, "besok jam 10")
    with ctx.sessions() as session:
        assert len(session.scalars(select(ScheduledMessage)).all()) == 2
    with transaction(ctx.sessions) as session:
        for c in session.scalars(select(Consultation)).all():
            c.status = ConsultationStatus.CLOSED  # closed before the meeting
    clock.now = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    run_duties(ctx, clock.now)
    assert sari.inbox() == [] and dewi.inbox() == []
