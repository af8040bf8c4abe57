"""The tick: `scheduler.tick.run_duties` over many active supervision agreements.

The first tick plans three weeks of sessions with their reminders (and the Monday digests), the
second has nothing new to do, the third comes at 16:00 WIB when the day-before reminders for
Wednesday's sessions (and the record requests of Tuesday's) fall due."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from bench.database import Bench
from bench.measure import Phase, StatementCounter
from bench.roster import generate
from handlers.people.roster import import_roster
from scheduler.tick import run_duties
from storage.db import transaction
from storage.models import Agreement, AgreementParticipant, Person, Role, ScheduledMessage
from storage.vocabulary import AgreementStatus, ParticipantStatus, ScheduledStatus

TIMES = ("08:00", "09:00", "10:00", "13:00")
MODES = ("telepon", "tatap_muka", "video", "chat")


def seed(bench: Bench, supervisors: int, pendamping_each: int, agreements: int) -> None:
    """A roster, then `agreements` individual slots, weekly or every other week, Monday to
    Friday, each agreed by its pendamping (status setuju) and active."""
    roster = generate(supervisors, pendamping_each)
    today: date = bench.clock().date()
    with transaction(bench.ctx.sessions) as session:
        import_roster(session, roster.csv, bench.ctx.default_tz)
        people = session.scalars(
            select(Person).where(Person.role == Role.PENDAMPING).order_by(Person.id)
        ).all()
        stride = max(1, len(people) // agreements)
        for i in range(agreements):
            pendamping = people[(i * stride) % len(people)]
            assert pendamping.supervisor_id is not None
            agreement = Agreement(
                supervisor_id=pendamping.supervisor_id,
                kind="individual",
                cadence_days=14 if i % 3 == 0 else 7,
                weekday=i % 5,
                local_time=TIMES[i % len(TIMES)],
                duration_minutes=60,
                mode=MODES[i % len(MODES)],
                start_date=today,
                timezone=pendamping.timezone,
                status=AgreementStatus.ACTIVE,
                created_at=bench.clock(),
            )
            participant = AgreementParticipant(
                person_id=pendamping.id, status=ParticipantStatus.AGREED, responded_at=bench.clock()
            )
            agreement.participants.append(participant)
            session.add(agreement)


def _still_due(bench: Bench, now: datetime) -> int:
    with bench.ctx.sessions() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(ScheduledMessage)
                .where(
                    ScheduledMessage.status == ScheduledStatus.WAITING,
                    ScheduledMessage.due_at <= now,
                )
            )
            or 0
        )


def _count(bench: Bench, model: type) -> int:
    with bench.ctx.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _tick(bench: Bench, counter: StatementCounter, name: str, now: datetime, n: int) -> Phase:
    bench.clock.now = now
    scheduled_before = _count(bench, ScheduledMessage)
    with counter.counting():
        started = time.perf_counter()
        done = run_duties(bench.ctx, now)
        seconds = time.perf_counter() - started
    statements, shapes = counter.take()
    planned = _count(bench, ScheduledMessage) - scheduled_before
    left = _still_due(bench, now)
    duties = ", ".join(f"{k}={v}" for k, v in done.items() if v)
    return Phase(
        bench.backend,
        name,
        n,
        "agr",
        seconds,
        statements,
        top=shapes,
        note=f"{duties or 'nothing done'}; {planned:,} scheduled messages added; "
        f"{left:,} still due after the tick",
    )


def run(bench: Bench, supervisors: int, pendamping_each: int, agreements: int) -> list[Phase]:
    seed(bench, supervisors, pendamping_each, agreements)
    counter = StatementCounter(bench.engine)
    start = bench.clock()
    phases = [
        _tick(bench, counter, "tick 1: plan three weeks", start, agreements),
        _tick(bench, counter, "tick 2: nothing to do", start + timedelta(minutes=1), agreements),
        # 16:00 WIB the same Tuesday: the day-before reminders for Wednesday fall due.
        _tick(bench, counter, "tick 3: reminders due", start + timedelta(hours=7), agreements),
    ]
    counter.close()
    return phases
