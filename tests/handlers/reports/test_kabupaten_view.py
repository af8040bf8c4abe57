"""The "Perbandingan kabupaten" view at two kabupaten in two provinces: SLA, supervision coverage
and active pendamping per kabupaten for November, each with its change from October in
percentage points; a korwil sees only their province's kabupaten."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from handlers.core.context import AppContext
from handlers.reports import kabupaten
from handlers.reports.query import month_query
from handlers.reports.shapes import View
from storage.db import transaction
from storage.models import (
    Agreement,
    Case,
    CaseUpdate,
    Consultation,
    P2K2Report,
    Person,
    SupervisionSession,
)
from storage.vocabulary import (
    AgreementStatus,
    CaseStage,
    CaseType,
    ComplaintStatus,
    ConsultationTopic,
    ContactMode,
    P2K2Module,
    SessionStatus,
    SlotKind,
    Urgency,
)
from tests.bot.dashboard.conftest import client, runtime, sign_in
from tests.handlers.people.test_access_scope import add_two_provinces
from tests.handlers.reports.test_complaints_view import NOV, NOW, add_complaint, person

__all__ = ["client", "runtime", "sign_in"]  # fixtures used below
OCT = datetime(2026, 10, 5, 3, 0, tzinfo=UTC)
HENDRA = "0812-1000-0006"
_occurrences = itertools.count(1)


def held(session: Session, agreement: Agreement, at: datetime, who: list[Person], ok: bool) -> None:
    session.add(
        SupervisionSession(
            agreement_id=agreement.id,
            occurrence=next(_occurrences),
            planned_for=at,
            starts_at=at,
            ends_at=at + timedelta(hours=1),
            status=SessionStatus.HELD if ok else SessionStatus.NOT_HELD,
            held=ok,
            attendee_ids={"ids": [p.id for p in who]} if ok else {},
        )
    )


def agreement(session: Session, supervisor: Person) -> Agreement:
    found = Agreement(
        supervisor_id=supervisor.id,
        kind=SlotKind.GROUP,
        cadence_days=7,
        weekday=1,
        local_time="09:00",
        duration_minutes=60,
        mode=ContactMode.IN_PERSON,
        start_date=date(2026, 9, 1),
        timezone="Asia/Jakarta",
        status=AgreementStatus.ACTIVE,
    )
    session.add(found)
    session.flush()
    return found


def case_update(session: Session, owner: Person, at: datetime) -> None:
    case = Case(
        pendamping_id=owner.id,
        case_type=CaseType.HEALTH_NUTRITION,
        stage=CaseStage.ASSESSMENT,
        last_update_at=at,
    )
    session.add(case)
    session.flush()
    session.add(
        CaseUpdate(
            case_id=case.id,
            author_id=owner.id,
            stage=CaseStage.ASSESSMENT,
            what_happened="Kunjungan rumah",
            next_step="Rujuk ke puskesmas",
            created_at=at,
        )
    )


def p2k2(session: Session, owner: Person, at: datetime) -> None:
    session.add(
        P2K2Report(
            pendamping_id=owner.id,
            group_name="Mawar",
            module=P2K2Module.HEALTH,
            session_no=8,
            held_on=at.date(),
            enrolled=20,
            present=18,
            created_at=at,
        )
    )


def consultation(session: Session, owner: Person, at: datetime) -> None:
    session.add(
        Consultation(
            pendamping_id=owner.id,
            topic=ConsultationTopic.OTHER,
            urgency=Urgency.NORMAL,
            description="Pertanyaan",
            preferred_mode=ContactMode.CHAT,
            created_at=at,
        )
    )


@pytest.fixture
def scene(ctx: AppContext) -> sessionmaker[Session]:
    add_two_provinces(ctx.sessions)
    day = timedelta(days=1)
    with transaction(ctx.sessions) as session:
        sa, sb = person(session, "sa"), person(session, "sb")
        pa1, pa2, pa3 = (person(session, k) for k in ("pa1", "pa2", "pa3"))
        pb1 = person(session, "pb1")
        # SLA: November 1 on time of 2 decided (one still inside its deadline); October 1 of 1.
        add_complaint(session, sa, NOV, status=ComplaintStatus.RESOLVED, resolved_at=NOV + day)
        add_complaint(session, sa, NOV + day)
        add_complaint(session, sa, datetime(2026, 11, 30, 3, 0, tzinfo=UTC))
        add_complaint(session, sa, OCT, status=ComplaintStatus.RESOLVED, resolved_at=OCT + day)
        add_complaint(session, sb, NOV, kecamatan="Baturetno")  # Wonogiri: 0 of 1
        # Supervision: November Sari and Agus (Rina's session was not held); October Sari.
        slot = agreement(session, sa)
        held(session, slot, NOV + 8 * day, [pa1, pa2], True)
        held(session, slot, NOV + 9 * day, [pa3], False)
        held(session, slot, OCT, [pa1], True)
        held(session, agreement(session, sb), NOV + 8 * day, [pb1], True)
        # Activity: November Sari (case update) and Agus (P2K2); October Rina (consultation).
        case_update(session, pa1, NOV + 3 * day)
        p2k2(session, pa2, NOV + 4 * day)
        consultation(session, pa3, OCT + 10 * day)
    return ctx.sessions


def view_for(sessions: sessionmaker[Session], key: str) -> View:
    with sessions() as session:
        return kabupaten.build(session, month_query(person(session, key), NOW, 2026, 11))


THIRD = pytest.approx(1 / 3)
TRENGGALEK = ("Trenggalek", 3, 0.5, -50.0, pytest.approx(2 / 3), 33.3, pytest.approx(2 / 3), 33.3)
WONOGIRI = ("Wonogiri", 2, 0.0, None, 0.5, 50.0, 0.0, 0.0)


def test_the_desk_compares_both_kabupaten_with_october(scene: sessionmaker[Session]) -> None:
    view = view_for(scene, "desk")
    assert view.table("kabupaten").rows == [TRENGGALEK, WONOGIRI]
    assert [f.value for f in view.figures] == [2, pytest.approx(1 / 3), 0.6, 0.4]
    assert "Oktober 2026" in view.table("kabupaten").note
    chart = view.charts[0]
    assert len(chart.series) == 3
    assert [b.label for b in chart.bars] == ["Trenggalek", "Wonogiri"]
    assert chart.bars[1].values == (0.0, 0.5, 0.0)


@pytest.mark.parametrize("reader", ["wa", "ak", "ka"])
def test_trenggalek_readers_see_only_trenggalek(scene: sessionmaker[Session], reader: str) -> None:
    view = view_for(scene, reader)
    assert view.table("kabupaten").rows == [TRENGGALEK]
    assert [b.label for b in view.charts[0].bars] == ["Trenggalek"]


def test_the_other_korwil_sees_only_wonogiri(scene: sessionmaker[Session]) -> None:
    assert view_for(scene, "wb").table("kabupaten").rows == [WONOGIRI]


def test_october_itself_compares_with_september(scene: sessionmaker[Session]) -> None:
    with scene() as session:
        q = month_query(person(session, "desk"), NOW, 2026, 10)
        rows = kabupaten.build(session, q).table("kabupaten").rows
    assert rows[0] == ("Trenggalek", 3, 1.0, None, THIRD, 33.3, THIRD, 33.3)


def test_the_page_for_a_korwil(client: TestClient, sign_in: Callable[[str], None]) -> None:
    sign_in(HENDRA)
    page = client.get("/dasbor/perbandingan-kabupaten?from=2026-11-01&to=2026-11-30")
    assert page.status_code == 200
    assert "Trenggalek" in page.text and "Cakupan supervisi" in page.text
    assert "<svg" in page.text
