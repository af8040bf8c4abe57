"""The Monday digest and the schedule view read a supervisor's week in a fixed number of
statements, however many sessions and agreements they list: 500 supervisors get their digest
at 07:00 each Monday, and a national supervisor has one agreement per pendamping."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from conversations.messages import Inbound, Reply
from handlers.core.context import AppContext
from handlers.core.turn import Turn
from handlers.supervision.agenda import show_agenda
from handlers.supervision.digest import digest
from handlers.supervision.views import schedule_view
from storage.models import Agreement, AgreementParticipant, Person, SupervisionSession

WEEK = date(2026, 12, 7)  # a Monday
NOW = datetime(2026, 12, 7, 0, tzinfo=UTC)  # 07:00 WIB


@contextmanager
def counted(session: Session) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def supervisor_with_sessions(session: Session, tag: str, sessions: int) -> Person:
    supervisor = Person(role="supervisor", name=f"Supervisor {tag}", phone=f"+62812990{tag}00",
                        kabupaten="Trenggalek", timezone="Asia/Jakarta")  # fmt: skip
    session.add(supervisor)
    session.flush()
    for n in range(sessions):
        pendamping = Person(role="pendamping", name=f"Pendamping {tag}{n}",
                            phone=f"+62812990{tag}{n + 10}", kabupaten="Trenggalek",
                            supervisor_id=supervisor.id, timezone="Asia/Jakarta")  # fmt: skip
        agreement = Agreement(supervisor_id=supervisor.id, kind="individual", cadence_days=7,
                              weekday=n % 5, local_time="10:00", duration_minutes=60,
                              mode="tatap_muka", start_date=WEEK, timezone="Asia/Jakarta",
                              status="aktif")  # fmt: skip
        session.add_all([pendamping, agreement])
        session.flush()
        agreed = AgreementParticipant(
            agreement_id=agreement.id, person_id=pendamping.id, status="setuju"
        )
        starts = datetime(2026, 12, 7 + n % 5, 3, tzinfo=UTC)
        occurrence = SupervisionSession(
            agreement_id=agreement.id,
            occurrence=1,
            planned_for=starts,
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
        )
        session.add_all([agreed, occurrence])
    session.flush()
    return supervisor


def test_the_digest_costs_the_same_statements_for_two_sessions_or_twelve(ctx: AppContext) -> None:
    with ctx.sessions() as session:
        few = supervisor_with_sessions(session, "1", 2)
        many = supervisor_with_sessions(session, "2", 12)
        session.commit()
        session.expire_all()  # nothing already loaded: as the tick reads them
        with counted(session) as read_for_few:
            text_few = digest(ctx, session, few, NOW, WEEK)
        session.expire_all()
        with counted(session) as read_for_many:
            text_many = digest(ctx, session, many, NOW, WEEK)
    assert "Sesi supervisi minggu ini: 2" in text_few
    assert "Sesi supervisi minggu ini: 12" in text_many
    assert all(f"Pendamping 2{n}" in text_many for n in range(12))
    assert len(read_for_many) == len(read_for_few), read_for_many


@pytest.mark.parametrize(
    ("view", "names_shown"),
    [(schedule_view, True), (show_agenda, False)],  # nothing to discuss: the agenda is empty
)
def test_the_schedule_and_agenda_read_the_same_statements_for_two_agreements_or_twelve(
    ctx: AppContext, view: Callable[[Turn], list[Reply]], names_shown: bool
) -> None:
    """A supervisor's "Jadwal supervisi" and "Agenda supervisi" go through the week's sessions
    and every agreement with who is in it: read together, not one agreement at a time."""
    with ctx.sessions() as session:
        few = supervisor_with_sessions(session, "1", 2)
        many = supervisor_with_sessions(session, "2", 12)
        session.commit()
        shown = {}
        reads = {}
        for supervisor in (few, many):
            session.expire_all()
            message = Inbound("web", supervisor.phone, f"m{supervisor.id}", NOW, text="jadwal")
            with counted(session) as statements:
                replies = view(Turn(ctx, session, message, supervisor, NOW))
            shown[supervisor.name] = "\n".join(r.text for r in replies)
            reads[supervisor.name] = [s for s in statements if s.lstrip().startswith("SELECT")]
    named = [f"Pendamping 2{n}" in shown["Supervisor 2"] for n in range(12)]
    assert named == [names_shown] * 12
    assert len(reads["Supervisor 1"]) == len(reads["Supervisor 2"])
