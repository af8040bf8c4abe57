"""The supervisor's agenda: cases marked "perlu dibahas", quiet cases and open consultations,
grouped by the next session with each pendamping, scoped by the access policy; and the count
of cases to discuss in the day-before reminder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from handlers.core.context import AppContext
from storage.models import Case, Consultation, Person, Role
from tests.handlers.cases.test_cases import open_case
from tests.handlers.supervision.test_supervision import AGUS, DEWI, SARI, agreed_weekly, tick
from tests.support import Chat, ChatFactory, Clock, texts

SARI_CASE, AGUS_CASE, TONO_CASE = "Bu S., Desa Ngares", "Pak T., Dusun Krajan", "Bu W., Desa Sumber"


def code_of(ctx: AppContext, label: str) -> str:
    with ctx.sessions() as session:
        return str(session.scalars(select(Case.code).where(Case.label == label)).one())


def another_supervisor_with_a_case(ctx: AppContext, now: datetime) -> None:
    """Siti supervises Tono, whose case is to be discussed: never on Dewi's agenda."""
    with ctx.sessions.begin() as session:
        siti = Person(
            role=Role.SUPERVISOR,
            name="Siti Aminah",
            phone="+6281210000099",
            kabupaten="Trenggalek",
            kecamatan="Trenggalek",
            provinsi="Jawa Timur",
            timezone="Asia/Jakarta",
        )
        session.add(siti)
        session.flush()
        tono = Person(
            role=Role.PENDAMPING,
            name="Tono Prasetyo",
            phone="+6281210000098",
            kabupaten="Trenggalek",
            kecamatan="Karangan",
            provinsi="Jawa Timur",
            timezone="Asia/Jakarta",
            supervisor_id=siti.id,
        )
        session.add(tono)
        session.flush()
        session.add(
            Case(
                pendamping_id=tono.id,
                code="KS-TONO22",
                label=TONO_CASE,
                case_type="pendidikan",
                stage="asesmen",
                last_update_at=now - timedelta(days=30),
                needs_discussion=True,
                created_at=now - timedelta(days=30),
            )
        )


def agenda_with_work(chat: ChatFactory, ctx: AppContext, clock: Clock) -> tuple[Chat, Chat]:
    """Sari (a session on Tuesday) has a case to discuss; Agus (no session) a quiet case and an
    open request for personal support."""
    sari, dewi = agreed_weekly(chat, ctx, clock)
    agus = chat(AGUS)
    open_case(sari, SARI_CASE, discuss=True)
    sari.press("Ya, kirim")
    open_case(agus, AGUS_CASE)
    agus.press("Ya, kirim")
    with ctx.sessions.begin() as session:
        case = session.scalars(select(Case).where(Case.label == AGUS_CASE)).one()
        case.last_update_at = clock.now - timedelta(days=15)
        session.add(
            Consultation(
                pendamping_id=case.pendamping_id,
                supervisor_id=session.scalars(
                    select(Person.id).where(Person.name == "Dewi Lestari")
                ).one(),
                topic="dukungan_personal",
                urgency="biasa",
                description="Beban kerja berat dan konflik dengan rekan",
                preferred_mode="telepon",
            )
        )
    another_supervisor_with_a_case(ctx, clock.now)
    dewi.inbox()
    return sari, dewi


def test_the_agenda_groups_by_next_session_and_keeps_to_the_supervisor_s_pendamping(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    _sari, dewi = agenda_with_work(chat, ctx, clock)
    dewi.send("menu")
    assert "Agenda supervisi" in [o.label for o in dewi.last_prompt().options]
    [agenda, *_] = dewi.press("Agenda supervisi")
    sari_code, agus_code = code_of(ctx, SARI_CASE), code_of(ctx, AGUS_CASE)
    assert agenda.text == (
        "Agenda supervisi\n"
        "\n"
        "Sesi Selasa, 8 Desember jam 10:00 WIB (individual):\n"
        "- Sari Rahayu\n"
        f"  Perlu dibahas (1): {sari_code} ({SARI_CASE})\n"
        "\n"
        "Belum ada sesi terjadwal:\n"
        "- Agus Santoso\n"
        f"  Belum diperbarui 14 hari atau lebih (1): {agus_code} ({AGUS_CASE})\n"
        "  Konsultasi terbuka: 1"
    )
    assert "Tono" not in agenda.text and "KS-TONO22" not in agenda.text
    assert "Beban kerja" not in agenda.text  # a request for personal support: counted only


def test_an_agenda_with_nothing_to_discuss_says_so(chat: ChatFactory, ctx: AppContext) -> None:
    dewi = chat(DEWI)
    dewi.send("menu")
    [agenda, *_] = dewi.press("Agenda supervisi")
    assert agenda.text.startswith("Agenda supervisi: tidak ada kasus yang perlu dibahas")


def test_a_pendamping_has_no_agenda(chat: ChatFactory) -> None:
    sari = chat(SARI)
    sari.send("menu")
    assert "Agenda supervisi" not in [o.label for o in sari.last_prompt().options]
    assert "Agenda supervisi" not in texts(sari.send("agenda"))


def test_the_day_before_reminder_counts_the_cases_to_discuss(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    sari, dewi = agenda_with_work(chat, ctx, clock)
    tick(ctx, clock, datetime(2026, 12, 7, 9, tzinfo=UTC))  # Monday 16:00 WIB
    reminder = next(r for r in dewi.inbox() if r.text.startswith("Pengingat: besok"))
    assert reminder.text.endswith("\nKasus yang perlu dibahas: 1. Lihat Agenda supervisi di menu.")
    # The pendamping's reminder does not carry the supervisor's count.
    assert "perlu dibahas" not in texts(sari.inbox())


def test_the_day_before_reminder_without_cases_to_discuss_has_no_count(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    _sari, dewi = agreed_weekly(chat, ctx, clock)
    tick(ctx, clock, datetime(2026, 12, 7, 9, tzinfo=UTC))
    reminder = next(r for r in dewi.inbox() if r.text.startswith("Pengingat: besok"))
    assert "perlu dibahas" not in reminder.text
