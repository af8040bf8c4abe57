"""Inbound handling: whole dialogs through `handlers.core.route.handle_inbound` on the web channel.

A pendamping asks for a consultation by pressing buttons (as on Telegram or the simulator) and
their supervisor accepts it from the alert; a member of the public files a complaint by typing
numbers and labels (as on WhatsApp). Only the time inside `handle_inbound` is measured; reading
back the replies to find the next button is not."""

from __future__ import annotations

import itertools
import threading
import time
from collections import defaultdict
from contextlib import nullcontext
from dataclasses import dataclass, field

from sqlalchemy import func, select

from bench.database import Bench
from bench.floor_app import store
from bench.measure import Phase, Statement, StatementCounter
from bench.roster import Roster, generate, kpm_phone
from conversations.engine import CONFIRM_STEP
from conversations.messages import Channel, Inbound, Reply
from handlers.core.route import handle_inbound
from handlers.people.phones import to_e164
from handlers.people.roster import import_roster
from storage.db import transaction
from storage.models import Complaint, Consultation, ConversationState, OutboxMessage

SECONDS_BETWEEN_MESSAGES = 7
STORY = "Bantuan bulan ini belum masuk sejak Oktober, sudah tanya ke bank belum ada jawaban"
SITUATION = "Anak KPM putus sekolah, orang tua menolak anaknya kembali ke sekolah"


@dataclass
class Sample:
    flow: str
    step: str
    seconds: float
    statements: int


@dataclass
class Driver:
    """Talks as many people at once and remembers the newest buttons each was offered."""

    bench: Bench
    counter: StatementCounter
    samples: list[Sample] = field(default_factory=list)
    offered: dict[str, list[Reply]] = field(default_factory=lambda: defaultdict(list))
    last_outbox_id: int = 0
    ids: itertools.count[int] = field(default_factory=itertools.count)

    def send(
        self, flow: str, step: str, address: str, text: str = "", choice: str | None = None
    ) -> None:
        ctx = self.bench.ctx
        inbound = Inbound(
            channel=Channel.WEB,
            address=address,
            provider_message_id=f"bench-{next(self.ids)}",
            received_at=self.bench.clock.advance(SECONDS_BETWEEN_MESSAGES),
            text=text,
            choice=choice,
        )
        before = self.counter.total
        with self.counter.counting():
            started = time.perf_counter()
            handle_inbound(ctx, inbound)
            elapsed = time.perf_counter() - started
        self.samples.append(Sample(flow, step, elapsed, self.counter.total - before))
        if self._read_replies():
            raise RuntimeError(f"{flow} / {step}: the bot answered with its error message")

    def press(self, flow: str, step: str, address: str, label: str) -> None:
        """Press the button with this label on the newest message to `address` that has it."""
        for reply in reversed(self.offered[address]):
            option = next((o for o in reply.options if o.label == label), None)
            if option is not None:
                self.send(flow, step, address, choice=reply.callback_data(option))
                return
        raise RuntimeError(f"{address} was never offered {label!r}")

    def step_of(self, address: str) -> str | None:
        """The step this person's dialog waits at (None when no flow is active)."""
        with self.bench.ctx.sessions() as session:
            return session.scalar(
                select(ConversationState.step).where(
                    ConversationState.channel == Channel.WEB,
                    ConversationState.address == address,
                    ConversationState.flow.is_not(None),
                )
            )

    def _read_replies(self) -> bool:
        """Remember the new buttons; True if the message failed (its error reply is queued)."""
        with self.bench.ctx.sessions() as session:
            rows = session.execute(
                select(
                    OutboxMessage.id,
                    OutboxMessage.address,
                    OutboxMessage.payload,
                    OutboxMessage.idempotency_key,
                )
                .where(OutboxMessage.id > self.last_outbox_id)
                .order_by(OutboxMessage.id)
            ).all()
        failed = False
        for row_id, address, payload, key in rows:
            self.last_outbox_id = row_id
            failed = failed or key.endswith(":error")
            if payload.get("options"):
                kept = self.offered[address]
                kept.append(Reply.from_payload(payload))
                del kept[:-5]
        return failed


def consultation(driver: Driver, pendamping: str, supervisor: str) -> None:
    flow = "consultation"
    driver.send(flow, "menu", pendamping, "menu")
    for step, label in (
        ("start", "Minta konsultasi"),
        ("topic", "Manajemen kasus"),
        ("urgency", "Mendesak"),
    ):
        driver.press(flow, step, pendamping, label)
    driver.send(flow, "description", pendamping, SITUATION)
    driver.press(flow, "mode", pendamping, "Telepon")
    driver.press(flow, "time", pendamping, "Secepatnya")
    driver.press(flow, "confirm + alert", pendamping, "Ya, kirim")
    driver.press(flow, "supervisor accepts", supervisor, "Terima sekarang")


def complaint(driver: Driver, reporter: str, kabupaten: str, kecamatan: str, n: int) -> None:
    """Typed answers to whatever step the reporter's dialog is at, so that a step added to or
    taken from the flow changes the figures, not the script."""
    flow = "complaint"
    answers = {
        "consent": "1",
        "category": "1",
        "kabupaten": kabupaten,
        "kecamatan": kecamatan,
        "description": STORY,
        "attachments": "Selesai",
        "reporter_name": f"Ibu Siti {n}",
        "anonymous": "Boleh",
        CONFIRM_STEP: "Ya, kirim",
    }
    driver.send(flow, "greeting", reporter, "halo")
    driver.send(flow, "menu", reporter, "1")
    for _ in range(len(answers) + 2):
        step = driver.step_of(reporter)
        if step is None:
            return
        if step not in answers:
            raise RuntimeError(f"the complaint flow asks {step!r}; bench/inbound.py has no answer")
        driver.send(
            flow, "confirm + file" if step == CONFIRM_STEP else step, reporter, answers[step]
        )
    raise RuntimeError("the complaint flow did not end")


def typed_complaint(kabupaten: str, kecamatan: str, n: int) -> list[str]:
    """The complaint dialog as typed on WhatsApp, every answer known beforehand (the order of
    `complaint`'s steps); the last message confirms and files it."""
    return [
        "halo", "1", "1", "1", kabupaten, kecamatan, STORY, "Selesai", f"Ibu Siti {n}", "Boleh",
        "Ya, kirim",
    ]  # fmt: skip


def concurrent(
    bench: Bench, places: list[tuple[str, str]], sessions: int, reporters: int, first: int
) -> list[Phase]:
    """`sessions` threads, each typing whole complaint dialogs for its share of `reporters`
    people, one message at a time, as web requests run side by side. Two phases, each timed on
    the wall clock from the first message to the last: every dialog step up to the confirmation
    (all sessions at once), then every confirmation (which files the complaint)."""
    numbers = range(first, first + reporters)
    dialogs = {
        to_e164(kpm_phone(n)): typed_complaint(*places[(n * 7) % len(places)], n) for n in numbers
    }
    ids = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []

    def talk(addresses: list[str], texts: slice) -> None:
        for address in addresses:
            for text in dialogs[address][texts]:
                with lock:
                    sid = f"bench-c{first}-{next(ids)}"
                message = Inbound(Channel.WEB, address, sid, bench.clock(), text=text)
                started = time.perf_counter()
                handle_inbound(bench.ctx, message)
                with lock:
                    latencies.append(time.perf_counter() - started)

    def phase(name: str, texts: slice) -> Phase:
        latencies.clear()
        people = list(dialogs)
        shares = [people[i::sessions] for i in range(sessions)]
        threads = [threading.Thread(target=talk, args=(share, texts)) for share in shares]
        return _run_threads(bench, name, threads, latencies, "wall clock, SQL not counted")

    def complaints_filed() -> int:
        with bench.ctx.sessions() as session:
            return session.scalar(select(func.count()).select_from(Complaint)) or 0

    before = complaints_filed()
    steps = phase(f"inbound: {sessions} at once, steps", slice(0, -1))
    filing = phase(f"inbound: {sessions} at once, filing", slice(-1, None))
    filed = complaints_filed() - before
    if filed != reporters:
        raise RuntimeError(f"{sessions} sessions at once: {filed} of {reporters} complaints filed")
    floor = step_floor(bench, sessions, steps.n)
    steps.note += f"; {steps.n / steps.seconds / (floor.n / floor.seconds):.0%} of the floor's rate"
    return [steps, filing, floor]


def step_floor(bench: Bench, sessions: int, messages: int) -> Phase:
    """The floor of a dialog step, measured like the steps above (`sessions` threads on the
    same engine, wall clock): per message only the work none can skip, the webhook floor's
    transaction (`bench/floor_app.store`: one inbound row, one outbox row, commit). On SQLite
    the threads take turns on one lock, as `handle_inbound` does, so that neither waits in
    SQLite's busy handler."""
    writer = threading.Lock() if bench.backend == "sqlite" else nullcontext()
    ids = itertools.count()
    latencies: list[float] = []

    def store_many(count: int, thread: int) -> None:
        for _ in range(count):
            sid = f"floor-{thread}-{next(ids)}"
            started = time.perf_counter()
            with writer:
                store(bench.engine, sid, f"web:{kpm_phone(thread)}", STORY)
            latencies.append(time.perf_counter() - started)

    shares = [messages // sessions + (i < messages % sessions) for i in range(sessions)]
    threads = [threading.Thread(target=store_many, args=(n, i)) for i, n in enumerate(shares)]
    name = f"floor: {sessions} at once"
    return _run_threads(bench, name, threads, latencies, "inbound row + outbox row + commit")


def _run_threads(
    bench: Bench, name: str, threads: list[threading.Thread], latencies: list[float], what: str
) -> Phase:
    """Run the threads side by side, timed on the wall clock, as a phase of the latencies they
    record, with the CPU this process used."""
    started, cpu = time.perf_counter(), time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    done = Phase(bench.backend, name, len(latencies), "msg", seconds, 0, list(latencies))
    done.note = (
        f"{what} (threads); this process used {cpu:.2f} s of CPU, "
        f"{cpu / max(1, len(latencies)) * 1000:.1f} ms a message"
    )
    return done


def _check(bench: Bench, consultations: int, complaints: int) -> None:
    """The figures mean nothing unless every dialog reached its end."""
    with bench.ctx.sessions() as session:
        agreed = session.scalar(
            select(func.count())
            .select_from(Consultation)
            .where(Consultation.status == "disepakati")
        )
        filed = session.scalar(select(func.count()).select_from(Complaint))
    if (agreed, filed) != (consultations, complaints):
        raise RuntimeError(
            f"dialogs did not finish: {agreed}/{consultations} consultations agreed, "
            f"{filed}/{complaints} complaints filed"
        )


def samples_phase(bench: Bench, name: str, samples: list[Sample], top: list[Statement]) -> Phase:
    seconds = sum(s.seconds for s in samples)
    return Phase(
        bench.backend,
        name,
        len(samples),
        "msg",
        seconds,
        sum(s.statements for s in samples),
        [s.seconds for s in samples],
        top,
    )


def import_phase(bench: Bench, roster: Roster, counter: StatementCounter) -> Phase:
    with counter.counting():
        started = time.perf_counter()
        with transaction(bench.ctx.sessions) as session:
            report = import_roster(session, roster.csv, bench.ctx.default_tz)
        seconds = time.perf_counter() - started
    statements, shapes = counter.take()
    if report.rejected or report.added != len(roster.csv.splitlines()) - 1:
        raise RuntimeError(f"roster import: {report.summary()}")
    return Phase(
        bench.backend,
        f"roster import ({len(roster.supervisors)} sup.)",
        report.added,
        "row",
        seconds,
        statements,
        top=shapes,
    )


def run(
    bench: Bench,
    supervisors: int,
    pendamping_each: int,
    consultations: int,
    complaints: int,
    sessions: int = 4,
) -> tuple[list[Phase], list[Sample]]:
    roster = generate(supervisors, pendamping_each)
    counter = StatementCounter(bench.engine)
    phases = [import_phase(bench, roster, counter)]
    driver = Driver(bench, counter)
    # Spread the askers over every supervisor: pendamping i of supervisor i % S, and so on.
    stride = max(1, len(roster.pendamping) // consultations)
    for i in range(consultations):
        index = (i * stride + i // supervisors) % len(roster.pendamping)
        pendamping = roster.pendamping[index]
        supervisor = roster.supervisors[index // pendamping_each]
        consultation(driver, to_e164(pendamping), to_e164(supervisor))
    _, consultation_shapes = counter.take()
    consultation_samples = list(driver.samples)
    for n in range(complaints):
        kabupaten, kecamatan = roster.places[(n * 7) % len(roster.places)]
        complaint(driver, to_e164(kpm_phone(n + 1)), kabupaten, kecamatan, n + 1)
    complaint_samples = driver.samples[len(consultation_samples) :]
    _, complaint_shapes = counter.take()
    _check(bench, consultations, complaints)
    counter.close()
    phases += [
        samples_phase(
            bench,
            "inbound: consultation dialogs",
            consultation_samples,
            consultation_shapes,
        ),
        samples_phase(bench, "inbound: complaint dialogs", complaint_samples, complaint_shapes),
        samples_phase(bench, "inbound: all messages", driver.samples, []),
    ]
    # The complaints above were filed one at a time; these reporters are new numbers.
    phases += concurrent(bench, roster.places, sessions, complaints, complaints + 1)
    return phases, driver.samples
