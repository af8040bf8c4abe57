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
from conversations.flows.complaint_followup import FILTERS_WITH_VALUE, LIST, ListFilter
from handlers.core.menus import MENUS
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


def staff_views(driver: Driver, people: int) -> None:
    """`people` of each role open every view of their menu (a complaint list once per filter
    that needs no value, and once by kecamatan), as they would on a morning."""
    ids = {
        Role.KORWIL: [national.KORWIL_ID],
        Role.ADMIN: [national.ADMIN_ID],
        Role.KORKAB: [national.FIRST_KORKAB + i * 37 % national.KABUPATEN for i in range(people)],
        Role.SUPERVISOR: [national.FIRST_SUPERVISOR + i * 97 % 500 for i in range(people)],
        Role.PENDAMPING: [
            national.first_pendamping(500) + i * 7919 % 40_000 for i in range(people)
        ],
    }
    filters = [f for f in ListFilter if f not in FILTERS_WITH_VALUE] + [ListFilter.BY_KECAMATAN]
    for role, person_ids in ids.items():
        for person_id in person_ids:
            address = f"+62812{person_id:08d}"
            for number, item in enumerate(MENUS[role], start=1):
                answers = [str(list(ListFilter).index(f) + 1) for f in filters]
                for answer in answers if item.flow == LIST else [None]:
                    driver.send("views", "menu", address, "menu")
                    step = f"{role} / {item.value}"
                    if answer is None:
                        driver.send("views", step, address, str(number))
                        continue
                    driver.send("views", f"{step} (menu)", address, str(number))
                    driver.send(
                        "views",
                        f"{step} {ListFilter(list(ListFilter)[int(answer) - 1])}",
                        address,
                        answer,
                    )


def run(bench: Bench, consultations: int, complaints: int, views: int) -> None:
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
    filed = len(driver.samples)
    staff_views(driver, views)
    _, views_top = counter.take()
    counter.close()
    print(step_table("postgres", driver.samples))
    print("\nStatements that took the most database time (count, total ms):")
    phases = [
        samples_phase(bench, "consultation dialogs", driver.samples[:asked], consultation_top),
        samples_phase(bench, "complaint dialogs", driver.samples[asked:filed], complaint_top),
        samples_phase(bench, "staff views", driver.samples[filed:], views_top),
    ]
    print(top_statements(phases))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres-url", default=national.POSTGRES_URL)
    parser.add_argument("--consultations", type=int, default=40)
    parser.add_argument("--complaints", type=int, default=40)
    parser.add_argument("--views", type=int, default=3, help="people of each role opening views")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    with existing(args.postgres_url) as bench:
        run(bench, args.consultations, args.complaints, args.views)
    return 0


if __name__ == "__main__":
    sys.exit(main())
