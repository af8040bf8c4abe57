"""The tick: `scheduler.tick.run_duties` over many active supervision agreements.

The first tick plans three weeks of sessions with their reminders (and the Monday digests), the
second has nothing new to do, the third comes at 16:00 WIB when the day-before reminders for
Wednesday's sessions (and the record requests of Tuesday's) fall due."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, event, func, select

from bench.database import Bench
from bench.measure import Phase, StatementCounter
from bench.roster import generate
from handlers.people.roster import import_roster
from scheduler.duties import DUTIES
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


# -- national scale (bench/national.py loads the data) -------------------------------------
@dataclass
class DutyRun:
    """One duty in one tick: what it did, its time, its statements and its slowest SELECT."""

    name: str
    done: int
    ms: float
    statements: int
    slowest: tuple[float, str, Any] | None = None


class SlowestSelect:
    """Remembers a duty's main query with its parameters, for EXPLAIN ANALYZE afterwards: its
    claim (the first SELECT ... FOR UPDATE), else its first SELECT."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.slowest: tuple[float, str, Any] | None = None
        self._started: dict[int, float] = {}
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, *_: Any) -> None:
        self._started[id(conn)] = time.perf_counter()

    def _after(
        self, conn: Any, _c: Any, statement: str, parameters: Any, _x: Any, many: bool
    ) -> None:
        started = self._started.pop(id(conn), None)
        if started is None or many or not statement.lstrip().upper().startswith("SELECT"):
            return
        seconds = time.perf_counter() - started
        claim = "FOR UPDATE" in statement
        if self.slowest is None or (claim and "FOR UPDATE" not in self.slowest[1]):
            self.slowest = (seconds, statement, parameters)

    def take(self) -> tuple[float, str, Any] | None:
        found, self.slowest = self.slowest, None
        return found

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)


def duty_tick(bench: Bench, now: datetime) -> list[DutyRun]:
    """Every duty once, as `run_duties` runs them, each timed and counted on its own."""
    bench.clock.now = now
    counter, slow = StatementCounter(bench.engine), SlowestSelect(bench.engine)
    runs = []
    try:
        for duty in DUTIES:
            with counter.counting():
                started = time.perf_counter()
                done = duty(bench.ctx, now)
                ms = (time.perf_counter() - started) * 1000
            statements, _ = counter.take()
            runs.append(DutyRun(duty.__name__, done, ms, statements, slow.take()))
    finally:
        counter.close()
        slow.close()
    return runs


def explain(bench: Bench, slowest: tuple[float, str, Any]) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) in a transaction that is rolled back (claims lock rows)."""
    _, statement, parameters = slowest
    with bench.engine.connect() as connection:
        plan = connection.exec_driver_sql(
            "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters
        ).all()
        connection.rollback()
    return "\n".join("    " + line[0] for line in plan)


def _waiting_due(bench: Bench, now: datetime) -> int:
    return _still_due(bench, now)


def _print_runs(title: str, runs: list[DutyRun]) -> float:
    total = sum(r.ms for r in runs)
    print(f"\n{title}: {total:,.0f} ms, {sum(r.statements for r in runs):,} statements")
    for r in runs:
        print(f"  {r.name:28} done {r.done:>6,}  {r.ms:>9.1f} ms  {r.statements:>6,} stmts")
    return total


def national_ticks(bench: Bench, runs: int = 3) -> None:
    """At national scale: a tick with nothing due (the median of `runs`), catching up six hours
    of downtime (09:00 to 15:00 WIB, ticks until one has nothing left), then 16:00 WIB when the
    5,000 day-before reminders of Wednesday's sessions fall due; per duty, ms and statements,
    and on PostgreSQL the plan of each duty's main query (its claim) in those ticks."""
    start = bench.clock()
    idle = [duty_tick(bench, start + timedelta(minutes=1 + i)) for i in range(runs)]
    best = sorted(idle, key=lambda rs: sum(r.ms for r in rs))[len(idle) // 2]
    idle_ms = _print_runs(f"nothing due (median of {runs})", best)

    catch_up = start + timedelta(hours=6)
    print(f"\n{_waiting_due(bench, catch_up):,} scheduled messages due after 6 h of downtime")
    total_ms, ticks = 0.0, 0
    for ticks in range(1, 21):
        tick_runs = duty_tick(bench, catch_up)
        total_ms += _print_runs(f"catch-up tick {ticks} at 15:00 WIB", tick_runs)
        if not any(r.done > 0 for r in tick_runs):
            break
    reminders_at = start + timedelta(hours=7)
    due = _waiting_due(bench, reminders_at)
    print(f"\n{due:,} scheduled messages due at 16:00 WIB")
    due_runs = duty_tick(bench, reminders_at)
    due_ms = _print_runs("16:00 WIB: day-before reminders", due_runs)
    print(
        f"\nSummary: nothing due {idle_ms:,.0f} ms (target < 50); {due:,} due reminders "
        f"{due_ms / 1000:.1f} s (target < 5 s for 5,000); 6 h catch-up {total_ms / 1000:.1f} s in "
        f"{ticks} ticks (target < 30 s)"
    )
    if bench.backend != "postgres":
        return
    for label, tick_runs in (("nothing due", best), ("16:00 reminders", due_runs)):
        for r in tick_runs:
            if r.slowest is not None:
                print(f"\nEXPLAIN ANALYZE, {r.name} ({label}), "
                      f"{r.slowest[0] * 1000:.1f} ms in the tick:")  # fmt: skip
                print("    " + " ".join(r.slowest[1].split())[:400])
                print(explain(bench, r.slowest))
