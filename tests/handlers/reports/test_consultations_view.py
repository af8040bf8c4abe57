"""The Konsultasi view on consultations written straight into the database: its figures, its
tables by topic, urgency, outcome and supervisor, and who sees which requests (a supervisor their
pendamping's, a pendamping only their own, nobody another kabupaten's). No request's words show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.catalog import load_catalog
from handlers.core.context import AppContext
from handlers.people.phones import to_e164
from handlers.reports import consultations
from handlers.reports.query import ViewQuery, month_query
from handlers.reports.shapes import View
from storage.db import transaction
from storage.models import Consultation, Person
from storage.vocabulary import (
    ConsultationStatus,
    ConsultationTopic,
    ContactMode,
    Role,
    Urgency,
)

t = load_catalog("id")
NOVEMBER = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)  # Tuesday 9:00 WIB
SECRET = "Rahasia pribadi: saya sedang sakit dan lelah"
OTHER_SUPERVISOR = "+6281299990002"
OTHER_PENDAMPING = "+6281299990003"
LONE_PENDAMPING = "+6281299990004"


@dataclass(frozen=True)
class Ask:
    """One consultation to insert: who asked, and how it stands."""

    phone: str
    topic: str
    urgency: str
    status: str = ConsultationStatus.WAITING
    answered_after: float | None = None  # hours
    escalation_stage: int = 0
    agreed: bool = False
    proposed_by: str = Role.PENDAMPING
    days: int = 0  # after NOVEMBER


# Dewi's three pendamping in November, one October request, one request in Wonogiri and one from
# a Trenggalek pendamping with no supervisor (seen by the korkab, not by Dewi).
ASKS = (
    Ask(
        "0812-1000-0003",
        ConsultationTopic.CASE_MANAGEMENT,
        Urgency.URGENT,
        ConsultationStatus.AGREED,
        answered_after=1,
        agreed=True,
    ),
    Ask(
        "0812-1000-0003",
        ConsultationTopic.P2K2,
        Urgency.NORMAL,
        ConsultationStatus.PROPOSED,
        answered_after=3,
        escalation_stage=1,
        proposed_by=Role.SUPERVISOR,
        days=1,
    ),
    Ask(
        "0812-1000-0004",
        ConsultationTopic.COMPLAINT,
        Urgency.URGENT,
        ConsultationStatus.DECLINED,
        answered_after=5,
        escalation_stage=2,
        days=2,
    ),
    Ask(
        "0812-1000-0005",
        ConsultationTopic.PERSONAL_SUPPORT,  # confidential: counted, its words never shown
        Urgency.NORMAL,
        escalation_stage=1,
        days=3,
    ),
    Ask(
        "0812-1000-0004",
        ConsultationTopic.OTHER,
        Urgency.NORMAL,
        ConsultationStatus.CLOSED,
        answered_after=2,
        agreed=True,
        proposed_by=Role.SUPERVISOR,
        days=4,
    ),
    Ask("0812-1000-0003", ConsultationTopic.P2K2, Urgency.URGENT, days=-20),  # October
    Ask(OTHER_PENDAMPING, ConsultationTopic.P2K2, Urgency.URGENT, days=5),
    Ask(LONE_PENDAMPING, ConsultationTopic.OTHER, Urgency.URGENT, days=6),
)


def person(session: Session, phone: str) -> Person:
    return session.scalars(select(Person).where(Person.phone == to_e164(phone))).one()


def add_people(session: Session) -> None:
    """Sinta (a supervisor in Wonogiri) with her pendamping Budi, and Tono, a Trenggalek
    pendamping nobody supervises yet."""
    sinta = Person(
        role=Role.SUPERVISOR,
        name="Sinta Supervisor",
        phone=OTHER_SUPERVISOR,
        kabupaten="Wonogiri",
        provinsi="Jawa Tengah",
        timezone="Asia/Jakarta",
    )
    session.add(sinta)
    session.flush()
    session.add_all(
        [
            Person(
                role=Role.PENDAMPING,
                name="Budi Hartono",
                phone=OTHER_PENDAMPING,
                kabupaten="Wonogiri",
                kecamatan="Baturetno",
                provinsi="Jawa Tengah",
                supervisor_id=sinta.id,
                timezone="Asia/Jakarta",
            ),
            Person(
                role=Role.PENDAMPING,
                name="Tono Sendiri",
                phone=LONE_PENDAMPING,
                kabupaten="Trenggalek",
                kecamatan="Durenan",
                provinsi="Jawa Timur",
                timezone="Asia/Jakarta",
            ),
        ]
    )
    session.flush()


def seed_consultations(ctx: AppContext) -> None:
    with transaction(ctx.sessions) as session:
        add_people(session)
        for ask in ASKS:
            asker = person(session, ask.phone)
            made = NOVEMBER + timedelta(days=ask.days)
            answered = made + timedelta(hours=ask.answered_after) if ask.answered_after else None
            session.add(
                Consultation(
                    pendamping_id=asker.id,
                    supervisor_id=asker.supervisor_id,
                    topic=ask.topic,
                    urgency=ask.urgency,
                    description=SECRET,
                    preferred_mode=ContactMode.PHONE,
                    status=ask.status,
                    proposed_by=ask.proposed_by,
                    acknowledged_at=answered,
                    agreed_at=answered if ask.agreed else None,
                    escalation_stage=ask.escalation_stage,
                    created_at=made,
                )
            )


@pytest.fixture
def seeded(ctx: AppContext, demo_roster: None) -> AppContext:
    seed_consultations(ctx)
    return ctx


def view_of(ctx: AppContext, phone: str, **more: object) -> View:
    with ctx.sessions() as session:
        reader = person(session, phone)
        q = month_query(reader, ctx.clock(), 2026, 11, **more)
        return consultations.build(session, q)


def figures(view: View) -> list[object]:
    return [f.value for f in view.figures]


def test_the_supervisor_sees_her_pendamping_requests_of_the_period(seeded: AppContext) -> None:
    view = view_of(seeded, "0812-1000-0002")
    # 5 requests; answered after 1, 3, 5 and 2 hours; 3 escalated; 2 urgent.
    assert figures(view) == [5, 2.5, 0.6, 0.4]
    topics = {row[0]: row[1:] for row in view.table("topik").rows}
    assert list(topics) == [t(f"topic.{topic}") for topic in ConsultationTopic]
    assert topics["Manajemen kasus"] == (1, 0.2, 1, 1.0, 0.0)
    assert topics[t("topic.dukungan_personal")] == (1, 0.2, 0, None, 1.0)
    assert topics["P2K2"] == (1, 0.2, 1, 3.0, 1.0)
    urgency = {row[0]: row[1:] for row in view.table("urgensi").rows}
    assert urgency == {"Mendesak": (2, 0.4, 2, 3.0, 0.5), "Biasa": (3, 0.6, 2, 2.5, 2 / 3)}
    outcomes = [row[1] for row in view.table("hasil").rows]
    assert outcomes == [2, 1, 1, 1, 0]  # accepted, countered, declined, waiting, unagreed
    assert "1 disepakati pada waktu yang diusulkan supervisor" in view.table("hasil").note
    supervisors = view.table("supervisor").rows
    assert supervisors == [("Dewi Lestari", "Trenggalek", 5, 4, 2.5, 0.6)]
    chart = view.charts[0]
    assert [(b.label, b.values) for b in chart.bars][:2] == [
        ("P2K2", (1.0,)),
        ("Manajemen kasus", (1.0,)),
    ]


def test_the_korkab_also_sees_a_request_with_no_supervisor_listed_last(seeded: AppContext) -> None:
    view = view_of(seeded, "0812-1000-0001")
    assert figures(view)[0] == 6
    rows = view.table("supervisor").rows
    assert [r[0] for r in rows] == ["Dewi Lestari", "(belum ada supervisor)"]
    assert rows[1][2:] == (1, 0, None, 0.0)


def test_a_pendamping_sees_only_their_own_requests(seeded: AppContext) -> None:
    view = view_of(seeded, "0812-1000-0003")
    assert figures(view) == [2, 2.0, 0.5, 0.5]
    assert view.table("supervisor").rows == [("Dewi Lestari", "Trenggalek", 2, 2, 2.0, 0.5)]
    assert [row[1] for row in view.table("hasil").rows] == [1, 1, 0, 0, 0]


def test_another_kabupaten_never_shows_and_the_other_side_sees_only_its_own(
    seeded: AppContext,
) -> None:
    dewi = view_of(seeded, "0812-1000-0002")
    assert all(r[0] != "Sinta Supervisor" for r in dewi.table("supervisor").rows)
    sinta = view_of(seeded, OTHER_SUPERVISOR)
    assert figures(sinta) == [1, None, 0.0, 1.0]
    assert sinta.table("supervisor").rows == [("Sinta Supervisor", "Wonogiri", 1, 0, None, 0.0)]


def test_the_kecamatan_filter_and_the_period_narrow_the_requests(seeded: AppContext) -> None:
    pogalan = view_of(seeded, "0812-1000-0002", kecamatan="Pogalan")
    assert figures(pogalan)[0] == 4  # Rina (Durenan) left out
    with seeded.sessions() as session:
        reader = person(session, "0812-1000-0002")
        october = consultations.build(
            session,
            ViewQuery(
                reader,
                seeded.clock(),
                date_from=datetime(2026, 10, 1).date(),
                date_to=datetime(2026, 10, 31).date(),
            ),
        )
    assert figures(october) == [1, None, 0.0, 1.0]
    assert [row[1] for row in october.table("hasil").rows] == [0, 0, 0, 1, 0]


def test_an_empty_period_shows_zeros_and_no_made_up_medians(seeded: AppContext) -> None:
    with seeded.sessions() as session:
        reader = person(session, "0812-1000-0002")
        view = consultations.build(session, month_query(reader, seeded.clock(), 2026, 6))
    assert figures(view) == [0, None, None, None]
    assert [row[1] for row in view.table("topik").rows] == [0] * len(ConsultationTopic)
    assert view.table("supervisor").rows == []


def test_no_request_text_is_in_any_cell(seeded: AppContext) -> None:
    view = view_of(seeded, "0812-1000-0001")
    cells = [str(c) for table in view.tables for row in table.rows for c in row]
    cells += [table.note for table in view.tables]
    assert not any("Rahasia" in c or "sakit" in c for c in cells)
