"""Referrals from "Kasus saya": the pendamping refers a case's KPM to a service (to whom masked),
gives news of it later, and the supervisor hears of both; the tick reminds the pendamping once
of a referral with no news for 14 days, never of one that is finished; only the case's own
pendamping may refer or give news."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update

from conversations.messages import Reply
from handlers.core.context import AppContext
from handlers.people.phones import to_e164
from scheduler.tick import run_duties
from storage.db import transaction
from storage.models import AuditEntry, Case, CaseReferral, Person
from storage.vocabulary import CaseStage, CaseStatus, CaseType, ReferralStatus
from tests.support import Chat, ChatFactory, Clock, texts

SARI, AGUS, DEWI, BAMBANG = "0812-1000-0003", "0812-1000-0004", "0812-1000-0002", "0812-1000-0001"
NIK = "3503 1234 5678 9012"
CODE = "KS-AAAAA1"
LABEL = "KS-AAAAA1 (Bu S., Desa Ngares) · Pendidikan / putus sekolah (asesmen)"


def add_case(
    ctx: AppContext,
    phone: str = SARI,
    code: str = CODE,
    status: str = CaseStatus.ACTIVE,
    followup_on: date | None = None,
) -> int:
    """A case of the pendamping with this phone, in assessment, updated yesterday."""
    now = ctx.clock()
    with transaction(ctx.sessions) as session:
        owner = session.scalars(select(Person).where(Person.phone == to_e164(phone))).one()
        case = Case(
            pendamping_id=owner.id,
            code=code,
            label="Bu S., Desa Ngares",
            case_type=CaseType.EDUCATION,
            stage=CaseStage.ASSESSMENT,
            status=status,
            followup_on=followup_on,
            last_update_at=now - timedelta(days=1),
            stage_since=now - timedelta(days=1),
            created_at=now - timedelta(days=30),
        )
        session.add(case)
        session.flush()
        return case.id


def press_starting(chat: Chat, prefix: str) -> list[Reply]:
    """Press the newest button whose label starts with `prefix` (a case's long label)."""
    reply = chat.last_prompt()
    option = next(o for o in reply.options if o.label.startswith(prefix))
    return chat.send(choice=reply.callback_data(option))


def open_case(sari: Chat, code: str = CODE) -> str:
    sari.send("menu")
    listed = texts(sari.press("Kasus saya"))
    assert "Kasus Anda" in listed
    return texts(press_starting(sari, code))


def refer(
    sari: Chat, to_whom: str = "Puskesmas Pogalan, Bidan Rina", note: str | None = None
) -> str:
    open_case(sari)
    asked = texts(sari.press("Rujuk ke layanan"))
    assert f"Rujukan untuk kasus {LABEL}. Ke layanan apa?" in asked
    sari.press("Kesehatan")
    sari.send(to_whom)
    sari.press("Hari ini")
    if note is None:
        sari.press("Lewati")
    else:
        sari.send(note)
    return texts(sari.press("Ya, kirim"))


def give_news(sari: Chat, status: str, note: str | None = None) -> str:
    open_case(sari)
    sari.press("Kabar rujukan")
    sari.press(status)
    if note is None:
        sari.press("Lewati")
    else:
        sari.send(note)
    return texts(sari.press("Ya, kirim"))


def reminders(chat: Chat) -> list[Reply]:
    """The referral reminders in the chat's inbox (a quiet case is flagged on its own)."""
    return [r for r in chat.inbox() if r.text.startswith("Pengingat: rujukan")]


def referrals(ctx: AppContext) -> list[CaseReferral]:
    with ctx.sessions() as session:
        return list(session.scalars(select(CaseReferral).order_by(CaseReferral.id)))


def test_a_referral_is_kept_masked_and_the_supervisor_is_told(
    chat: ChatFactory, ctx: AppContext
) -> None:
    add_case(ctx)
    sari, dewi = chat(SARI), chat(DEWI)
    opened = open_case(sari)
    assert opened == f"Kasus {LABEL}. Mau melakukan apa?"
    choices = [o.label for o in sari.last_prompt().options]
    assert choices == ["Riwayat kasus", "Rujuk ke layanan", "Usulkan penutupan"]
    done = refer(sari, to_whom=f"Puskesmas Pogalan, KPM NIK {NIK}", note="Dijadwalkan PIN 123456")
    assert f"Rujukan tersimpan untuk kasus {LABEL}." in done
    assert "Supervisor Anda, Dewi Lestari, sudah diberi tahu." in done
    [row] = referrals(ctx)
    assert (row.service, row.status, row.referred_on) == ("kesehatan", "dirujuk", date(2026, 12, 1))
    assert row.to_whom == "Puskesmas Pogalan, KPM NIK ************9012"
    assert row.note == "Dijadwalkan PIN ******"
    [told] = dewi.inbox()
    assert told.text.splitlines() == [
        f"Rujukan baru dari Sari Rahayu untuk kasus {LABEL}:",
        "Kesehatan ke Puskesmas Pogalan, KPM NIK ************9012 (Selasa, 1 Desember)",
        "Catatan: Dijadwalkan PIN ******",
    ]
    assert NIK not in told.text and "123456" not in told.text
    with ctx.sessions() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "case.referred")
        ).one()
        assert "9012" not in str(entry.details) and "Puskesmas" not in str(entry.details)
    # Now the case offers news of the open referral.
    open_case(sari)
    assert "Kabar rujukan" in [o.label for o in sari.last_prompt().options]


def test_to_whom_is_checked_and_a_future_date_refused(chat: ChatFactory, ctx: AppContext) -> None:
    add_case(ctx)
    sari = chat(SARI)
    open_case(sari)
    sari.press("Rujuk ke layanan")
    sari.press("Pendidikan")
    assert "paling sedikit 3 huruf" in texts(sari.send("ab"))
    sari.send("SDN 1 Ngares")
    assert "terlalu jauh ke depan" in texts(sari.send("besok"))
    assert "Ada catatan" in texts(sari.send("kemarin"))
    sari.press("Lewati")
    sari.press("Ya, kirim")
    [row] = referrals(ctx)
    assert (row.service, row.to_whom, row.referred_on) == (
        "pendidikan",
        "SDN 1 Ngares",
        date(2026, 11, 30),
    )


def test_news_changes_the_status_and_tells_the_supervisor(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    add_case(ctx)
    sari, dewi = chat(SARI), chat(DEWI)
    refer(sari)
    dewi.inbox()
    clock.advance(days=3)
    done = give_news(sari, "Diterima", note=f"Diterima bidan, kartu {NIK}")
    assert f"Kabar rujukan tersimpan untuk kasus {LABEL}." in done
    [row] = referrals(ctx)
    assert row.status == ReferralStatus.ACCEPTED
    assert row.status_changed_at == clock.now
    assert row.note == "Diterima bidan, kartu ************9012"
    [told] = dewi.inbox()
    assert told.text.splitlines()[0] == f"Kabar rujukan dari Sari Rahayu untuk kasus {LABEL}:"
    assert "Status: Diterima" in told.text and NIK not in told.text
    give_news(sari, "Selesai")
    assert referrals(ctx)[0].status == ReferralStatus.COMPLETED
    open_case(sari)
    *_, listed = sari.press("Riwayat kasus")
    assert listed.text.splitlines() == [
        "Rujukan kasus ini:",
        "• Kesehatan ke Puskesmas Pogalan, Bidan Rina (Selasa, 1 Desember): Selesai "
        "(sejak Jumat, 4 Desember)",
    ]
    # A finished referral has no more news to give.
    open_case(sari)
    assert "Kabar rujukan" not in [o.label for o in sari.last_prompt().options]


def test_with_two_open_referrals_the_pendamping_chooses_one(
    chat: ChatFactory, ctx: AppContext
) -> None:
    add_case(ctx)
    sari = chat(SARI)
    refer(sari)
    refer(sari, to_whom="Dinas Sosial, Pak Budi")
    open_case(sari)
    asked = sari.press("Kabar rujukan")
    assert "Kabar rujukan yang mana?" in texts(asked)
    press_starting(sari, "Kesehatan ke Dinas Sosial")
    sari.press("Ditolak")
    sari.press("Lewati")
    sari.press("Ya, kirim")
    first, second = referrals(ctx)
    assert (first.status, second.status) == (ReferralStatus.REFERRED, ReferralStatus.REFUSED)


def test_another_pendamping_cannot_see_or_use_the_case(chat: ChatFactory, ctx: AppContext) -> None:
    add_case(ctx)
    sari, agus = chat(SARI), chat(AGUS)
    agus.send("menu")
    assert "belum punya kasus aktif" in texts(agus.press("Kasus saya"))
    open_case(sari)
    # Agus presses Sari's buttons: prompts are per person, so nothing is found for him.
    prompt = sari.last_prompt("Rujuk ke layanan")
    button = next(o for o in prompt.options if o.label == "Rujuk ke layanan")
    answer = texts(agus.send(choice=prompt.callback_data(button)))
    assert "Rujukan untuk kasus" not in answer
    # The case moves to Agus (the roster changed): Sari's old button no longer opens it.
    with transaction(ctx.sessions) as session:
        agus_id = session.scalar(select(Person.id).where(Person.phone == to_e164(AGUS)))
        session.execute(update(Case).values(pendamping_id=agus_id))
    assert "tidak bisa Anda ubah" in texts(sari.press("Rujuk ke layanan"))
    assert referrals(ctx) == []


def test_a_quiet_referral_is_reminded_once_with_a_news_button(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    add_case(ctx)
    sari = chat(SARI)
    refer(sari)
    sari.inbox()
    clock.advance(days=13, hours=23)
    run_duties(ctx, clock.now)
    assert reminders(sari) == []
    clock.advance(hours=1)
    run_duties(ctx, clock.now)
    [reminder] = reminders(sari)
    assert reminder.text == (
        f"Pengingat: rujukan untuk kasus {LABEL} (Kesehatan ke Puskesmas Pogalan, Bidan Rina "
        "(Selasa, 1 Desember)) belum ada kabar selama 14 hari. Bila sudah ada perkembangan, "
        "mohon beri kabar."
    )
    assert [o.label for o in reminder.options] == ["Beri kabar"]
    run_duties(ctx, clock.advance(days=1))
    assert reminders(sari) == []
    # The button goes straight to the status of that referral.
    asked = texts(sari.press("Beri kabar"))
    assert f"Bagaimana kabar rujukan untuk kasus {LABEL} sekarang?" in asked
    sari.press("Diterima")
    sari.press("Lewati")
    sari.press("Ya, kirim")
    [row] = referrals(ctx)
    assert row.status == ReferralStatus.ACCEPTED and row.reminded_at is None
    # The news starts the quiet clock again: 14 days later, one more reminder.
    run_duties(ctx, clock.advance(days=14))
    assert "belum ada kabar selama 14 hari" in texts(reminders(sari))
    run_duties(ctx, clock.advance(days=3))
    assert reminders(sari) == []


def test_a_finished_referral_is_never_reminded_and_its_old_button_is_stale(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    add_case(ctx)
    sari = chat(SARI)
    refer(sari)
    run_duties(ctx, clock.advance(days=15))
    assert "belum ada kabar" in texts(reminders(sari))
    give_news(sari, "Selesai")
    assert "sudah tidak terbuka" in texts(sari.press("Beri kabar"))
    run_duties(ctx, clock.advance(days=30))
    assert reminders(sari) == []
    with transaction(ctx.sessions) as session:
        session.execute(
            update(CaseReferral).values(
                status=ReferralStatus.REFUSED,
                status_changed_at=datetime(2026, 1, 1, tzinfo=UTC),
                reminded_at=None,
            )
        )
    run_duties(ctx, clock.advance(days=1))
    assert reminders(sari) == []
