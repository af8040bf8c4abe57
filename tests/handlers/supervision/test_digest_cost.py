"""The Monday digest reads a supervisor's week in a fixed number of statements, however many
sessions it lists: 500 supervisors get theirs at 07:00 each Monday."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event
from sqlalchemy.orm import Session

from handlers.core.context import AppContext
from handlers.supervision.digest import digest
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
        agreement = Agreement(supervisor_id=supervisor.id, kind="individu", cadence_days=7,
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
