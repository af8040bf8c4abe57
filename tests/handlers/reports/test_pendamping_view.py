"""The Pendamping view on activity written straight into the database: counts in the period per
pendamping and per kecamatan, last activity ever (a case, a P2K2 report, a consultation, the
latest of the three), who is inactive for 14 days, paging, and nobody outside the reader's scope."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.core.context import AppContext
from handlers.people.phones import to_e164
from handlers.reports import pendamping
from handlers.reports.query import ViewQuery
from storage.db import transaction
from storage.models import Case, CaseUpdate, Consultation, P2K2Report, Person
from storage.vocabulary import (
    CaseStage,
    CaseType,
    ConsultationTopic,
    ContactMode,
    P2K2Module,
    Role,
    Urgency,
)

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
SARI, AGUS, RINA, DEWI = "0812-1000-0003", "0812-1000-0004", "0812-1000-0005", "0812-1000-0002"


def _person(session: Session, phone: str) -> Person:
    return session.scalars(select(Person).where(Person.phone == to_e164(phone))).one()


def _seed(session: Session) -> None:
    sari, agus = _person(session, SARI), _person(session, AGUS)
    case = Case(
        pendamping_id=sari.id,
        code="KS-AAAAAA",
        label="Bu S.",
        case_type=next(iter(CaseType)),
        stage=next(iter(CaseStage)),
        last_update_at=NOW - timedelta(days=2),
        created_at=NOW - timedelta(days=40),
    )
    session.add(case)
    session.flush()
    for days in (2, 5, 45):  # two in the 30-day period, one before it
        session.add(
            CaseUpdate(
                case_id=case.id,
                author_id=sari.id,
                stage=case.stage,
                what_happened="x",
                next_step="y",
                created_at=NOW - timedelta(days=days),
            )
        )
    session.add(
        P2K2Report(
            pendamping_id=sari.id,
            group_name="Mawar",
            module=next(iter(P2K2Module)),
            session_no=1,
            held_on=date(2026, 11, 20),
            enrolled=20,
            present=15,
            created_at=NOW - timedelta(days=9),
        )
    )
    session.add(  # Agus's only activity, 20 days ago: inactive
        Consultation(
            pendamping_id=agus.id,
            supervisor_id=agus.supervisor_id,
            topic=ConsultationTopic.OTHER,
            urgency=Urgency.NORMAL,
            description="z",
            preferred_mode=ContactMode.PHONE,
            created_at=NOW - timedelta(days=20),
        )
    )
    other = Person(
        role=Role.PENDAMPING,
        name="Wulan Wonogiri",
        phone="+6281220000003",
        kabupaten="Wonogiri",
        kecamatan="Baturetno",
        timezone="Asia/Jakarta",
    )
    session.add(other)


def test_counts_last_activity_and_inactive_pendamping(ctx: AppContext, demo_roster: None) -> None:
    with transaction(ctx.sessions) as session:
        _seed(session)
    with ctx.sessions() as session:
        dewi = _person(session, DEWI)
        view = pendamping.build(session, ViewQuery(dewi, NOW))
    rows = {row[0]: row for row in view.table("orang").rows}
    assert set(rows) == {"Sari Rahayu", "Agus Santoso", "Rina Wulandari"}
    sari, agus, rina = rows["Sari Rahayu"], rows["Agus Santoso"], rows["Rina Wulandari"]
    assert sari[3:8] == ("Dewi Lestari", 2, 1, 0, NOW - timedelta(days=2))
    assert sari[8] == 2
    assert agus[4:9] == (0, 0, 1, NOW - timedelta(days=20), 20)
    assert rina[4:9] == (0, 0, 0, None, None)
    figures = {f.label: f.value for f in view.figures}
    assert list(figures.values()) == [3, 2, 2]  # in scope, active in the period, inactive
    by_kecamatan = {row[0]: row[1:] for row in view.table("kecamatan").rows}
    assert by_kecamatan == {"Pogalan": (2, 2, 1, 1, 1), "Durenan": (1, 0, 0, 0, 1)}


def test_the_person_table_pages_and_an_export_gets_everyone(
    ctx: AppContext, demo_roster: None
) -> None:
    with ctx.sessions() as session:
        dewi = _person(session, DEWI)
        first = pendamping.build(session, ViewQuery(dewi, NOW, page_size=2)).table("orang")
        second = pendamping.build(session, ViewQuery(dewi, NOW, page=2, page_size=2))
        whole = pendamping.build(session, ViewQuery(dewi, NOW, page_size=2, everything=True))
    assert (first.page, first.pages, first.total) == (1, 2, 3)
    assert [r[0] for r in first.rows] == ["Agus Santoso", "Rina Wulandari"]
    assert [r[0] for r in second.table("orang").rows] == ["Sari Rahayu"]
    assert len(whole.table("orang").rows) == 3
