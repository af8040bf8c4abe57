"""Dialogs at national scale: the province-scale dialogs of `bench/inbound.py`, run on the data
of `bench/national.py` (40,000 pendamping, 1,000,000 complaints, 5,000,000 outbox rows).

A dialog step must cost what the message needs, not what the database holds: every step's
time and statements here sit beside those of `bench/run.py --only inbound` (4,000 pendamping,
an empty history). Pendamping ask their supervisors for consultations, which they accept, and
members of the public file complaints in kecamatan spread over the country.

    .venv/bin/python bench/national.py --no-ticks --postgres-url URL   # once, ~5 minutes
    .venv/bin/python bench/national_dialogs.py --postgres-url URL

The dialogs add rows (consultations, complaints, outbox), a few hundred at most."""

from __future__ import annotations

import argparse
import itertools
import logging
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select

from bench import national
from bench.database import Bench, existing
from bench.inbound import Driver, complaint, consultation, samples_phase
from bench.measure import StatementCounter, top_statements
from bench.run import step_table
from storage.models import InboundMessage, OutboxMessage, Person, Role

KPM_BASE = 628190000000  # reporters' numbers, apart from the national data's ones


def pendamping_and_supervisors(bench: Bench, count: int) -> list[tuple[str, str]]:
    """`count` pendamping spread over the country, each with their supervisor's phone."""
    boss = Person.__table__.alias("boss")
    people = Person.__table__.c
    step = max(1, 40_000 // count)
    with bench.ctx.sessions() as session:
        rows = session.execute(
            select(people.phone, boss.c.phone)
            .join(boss, boss.c.id == people.supervisor_id)
            .where(people.role == Role.PENDAMPING, people.id % step == 0)
            .order_by(people.id)
            .limit(count)
        ).all()
    return [(row[0], row[1]) for row in rows]


def places(bench: Bench, count: int) -> list[tuple[str, str]]:
    """`count` (kabupaten, kecamatan) of pendamping, spread over the country."""
    people = Person.__table__.c
    with bench.ctx.sessions() as session:
        rows = session.execute(
            select(people.kabupaten, people.kecamatan)
            .where(people.role == Role.PENDAMPING)
            .distinct()
            .order_by(people.kabupaten, people.kecamatan)
        ).all()
    step = max(1, len(rows) // count)
    return [(row[0], row[1]) for row in rows[::step][:count]]


def run(bench: Bench, consultations: int, complaints: int) -> None:
    counter = StatementCounter(bench.engine)
    driver = Driver(bench, counter)
    with bench.ctx.sessions() as session:
        # Replies are read back from here on, not from the first row ever queued; a run after
        # another starts an hour after its last message, with message ids of its own.
        driver.last_outbox_id = session.scalar(select(func.max(OutboxMessage.id))) or 0
        last = session.scalar(select(func.max(InboundMessage.received_at)))
        driver.ids = itertools.count(session.scalar(select(func.count(InboundMessage.id))) or 0)
    if last is not None:
        bench.clock.now = max(bench.clock.now, last + timedelta(hours=1))
    for pendamping, supervisor in pendamping_and_supervisors(bench, consultations):
        consultation(driver, pendamping, supervisor)
    _, consultation_top = counter.take()
    asked = len(driver.samples)
    for n, (kabupaten, kecamatan) in enumerate(places(bench, complaints), start=1):
        complaint(driver, f"+{KPM_BASE + n}", kabupaten, kecamatan, n)
    _, complaint_top = counter.take()
    counter.close()
    print(step_table("postgres", driver.samples))
    print("\nStatements that took the most database time (count, total ms):")
    phases = [
        samples_phase(bench, "consultation dialogs", driver.samples[:asked], consultation_top),
        samples_phase(bench, "complaint dialogs", driver.samples[asked:], complaint_top),
    ]
    print(top_statements(phases))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres-url", default=national.POSTGRES_URL)
    parser.add_argument("--consultations", type=int, default=40)
    parser.add_argument("--complaints", type=int, default=40)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    with existing(args.postgres_url) as bench:
        run(bench, args.consultations, args.complaints)
    return 0


if __name__ == "__main__":
    sys.exit(main())
