"""The "Jadwal supervisi" view at a national supervisor's size (one agreement per pendamping,
80 of them): a fixed number of messages, one prompt a typed number answers, and a long list of
agreements searched by name; and who may manage an agreement, asked of the access policy."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.core.context import AppContext
from handlers.people import access
from storage.models import Agreement, AgreementParticipant, Person
from storage.vocabulary import AgreementStatus, ParticipantStatus
from tests.handlers.supervision.test_supervision import agreed_weekly
from tests.support import ChatFactory, Clock, texts

PICK = "Ubah, jeda atau akhiri kesepakatan"
SARI_E164, DEWI_E164, AGUS_E164 = "+6281210000003", "+6281210000002", "+6281210000004"
START = date(2026, 12, 8)
FIRST = ("Adi", "Budi", "Citra", "Dian", "Eka", "Fajar")
LAST = ("Kurniawan", "Pratama", "Hidayat", "Saputra", "Nugroho", "Permata")


def person(session: Session, phone: str) -> Person:
    return session.scalars(select(Person).where(Person.phone == phone)).one()


def add_agreement(
    session: Session,
    supervisor: Person,
    people: dict[Person, str],
    weekday: int = 2,
    status: str = AgreementStatus.ACTIVE,
    kind: str = "individual",
) -> Agreement:
    agreement = Agreement(supervisor_id=supervisor.id, kind=kind, cadence_days=7,
                          weekday=weekday, local_time="09:00", duration_minutes=60,
                          mode="tatap_muka", start_date=START, timezone="Asia/Jakarta",
                          status=status)  # fmt: skip
    session.add(agreement)
    session.flush()
    for who, answer in people.items():
        session.add(
            AgreementParticipant(agreement_id=agreement.id, person_id=who.id, status=answer)
        )
    session.flush()
    return agreement


def more_pendamping_with_agreements(ctx: AppContext, count: int) -> None:
    """`count` more pendamping under Dewi, each in an active Wednesday agreement with her."""
    with ctx.sessions() as session:
        dewi = person(session, DEWI_E164)
        names = [f"{first} {last}" for first, last in itertools.product(FIRST, LAST)]
        for n, name in enumerate(names[:count]):
            pendamping = Person(role="pendamping", name=name,
                                phone=f"+62812300{n:05d}", kabupaten="Trenggalek",
                                kecamatan="Karangan", supervisor_id=dewi.id,
                                timezone="Asia/Jakarta")  # fmt: skip
            session.add(pendamping)
            session.flush()
            add_agreement(session, dewi, {pendamping: ParticipantStatus.AGREED})
        session.commit()


def statuses(ctx: AppContext) -> dict[str, str]:
    """Each agreement's status by the names of its participants."""
    with ctx.sessions() as session:
        rows = session.scalars(select(Agreement)).all()
        return {", ".join(p.person.name for p in a.participants): a.status for a in rows}


def test_one_agreement_is_paused_by_typing_its_number(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    """On WhatsApp a choice is a typed number, which answers the newest prompt: the view's
    choices are one prompt, not one per agreement and another for a new one."""
    sari, dewi = agreed_weekly(chat, ctx, clock)
    dewi.send("menu")
    dewi.press("Jadwal supervisi")
    assert [o.label for o in dewi.last_prompt().options] == [
        "Ubah hari/jam",
        "Jeda dulu",
        "Akhiri",
        "Buat kesepakatan baru",
    ]
    assert "Jadwal dijeda" in texts(dewi.send("2"))
    assert statuses(ctx) == {"Sari Rahayu": "dijeda"}
    assert "menjeda jadwal supervisi" in texts(sari.inbox())


def test_many_agreements_come_in_three_messages_and_one_is_found_by_name(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    sari, dewi = agreed_weekly(chat, ctx, clock)
    more_pendamping_with_agreements(ctx, 35)  # Adi Kurniawan ... Fajar Nugroho
    dewi.send("menu")
    view = dewi.press("Jadwal supervisi")
    # The week, the agreements, the choices and the menu hint: not 40 messages.
    assert len(view) == 4
    listed = view[1].text
    assert "Sari Rahayu" in listed and "Eka Nugroho" in listed  # the 30th
    assert "Eka Permata" not in listed
    assert "dan 6 kesepakatan lainnya" in listed
    assert [o.label for o in view[2].options] == [PICK, "Buat kesepakatan baru"]

    asked = dewi.press(PICK)
    assert "Kesepakatan yang mana?" in asked[-1].text
    assert asked[-1].options == ()  # 36 are too many to list: a name is typed instead
    dewi.send("citra saputra")
    found = dewi.last_prompt()
    assert "Citra Saputra" in found.text
    assert [o.label for o in found.options] == ["Ubah hari/jam", "Jeda dulu", "Akhiri"]
    assert "Jadwal diakhiri" in texts(dewi.send("3"))

    after = statuses(ctx)
    assert after.pop("Citra Saputra") == "berakhir"
    assert set(after.values()) == {"aktif"}
    assert "mengakhiri jadwal supervisi" not in texts(sari.inbox())


def test_a_pendamping_in_two_agreements_picks_one_from_the_list(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    sari, dewi = agreed_weekly(chat, ctx, clock)
    with ctx.sessions() as session:
        team = {person(session, SARI_E164): ParticipantStatus.AGREED}
        add_agreement(session, person(session, DEWI_E164), team, weekday=3, kind="kelompok")
        session.commit()
    sari.send("menu")
    sari.press("Jadwal supervisi")
    assert [o.label for o in sari.last_prompt().options] == [PICK, "Minta jadwal supervisi"]
    listed = sari.press(PICK)[-1]
    assert [o.label for o in listed.options] == [
        "Dewi Lestari, Selasa 10:00 WIB",
        "Dewi Lestari, Kamis 09:00 WIB",
    ]
    sari.send("2")
    assert "Kamis" in sari.last_prompt().text
    sari.press("Jeda dulu")
    with ctx.sessions() as session:
        by_day = {a.weekday: a.status for a in session.scalars(select(Agreement))}
    assert by_day == {1: "aktif", 3: "dijeda"}
    assert "menjeda jadwal supervisi" in texts(dewi.inbox())


@pytest.mark.parametrize("answer", list(ParticipantStatus))
def test_who_may_manage_an_agreement_is_one_rule_in_python_and_in_sql(
    demo_roster: None, ctx: AppContext, answer: str
) -> None:
    """Its supervisor and the participants still in it (agreed, or waiting on their counter);
    not a participant who declined or never answered, nor anyone else."""
    with ctx.sessions() as session:
        people = session.scalars(select(Person).order_by(Person.id)).all()
        dewi, sari, agus = (person(session, p) for p in (DEWI_E164, SARI_E164, AGUS_E164))
        for status, kind in itertools.product(AgreementStatus, ("individual", "kelompok")):
            add_agreement(session, dewi, {sari: answer, agus: ParticipantStatus.AGREED},
                          status=status, kind=kind)  # fmt: skip
        agreements = session.scalars(select(Agreement).order_by(Agreement.id)).all()
        for reader in people:
            in_python = {a.id for a in agreements if access.may_manage_agreement(reader, a)}
            in_sql = set(
                session.scalars(
                    select(Agreement.id).where(access.agreements_managed_by(reader))
                ).all()
            )
            assert in_python == in_sql, reader.name
        sari_may = {a.id for a in agreements if access.may_manage_agreement(sari, a)}
        still_in = answer in (ParticipantStatus.AGREED, ParticipantStatus.COUNTERED)
        assert sari_may == ({a.id for a in agreements} if still_in else set())
        assert all(access.may_manage_agreement(dewi, a) for a in agreements)
        others = [p for p in people if p.id not in (dewi.id, sari.id, agus.id)]
        assert not any(access.may_manage_agreement(p, a) for p in others for a in agreements)
