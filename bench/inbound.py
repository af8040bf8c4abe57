"""Inbound handling: whole dialogs through `handlers.route.handle_inbound` on the web channel.

A pendamping asks for a consultation by pressing buttons (as on Telegram or the simulator) and
their supervisor accepts it from the alert; a member of the public files a complaint by typing
numbers and labels (as on WhatsApp). Only the time inside `handle_inbound` is measured; reading
back the replies to find the next button is not."""

from __future__ import annotations

import itertools
import time
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select

from bench.database import Bench
from bench.measure import Phase, StatementCounter
from bench.roster import Roster, generate, kpm_phone
from conversations.messages import Channel, Inbound, Reply
from handlers.phones import to_e164
from handlers.roster import import_roster
from handlers.route import handle_inbound
from storage.db import transaction
from storage.models import Complaint, Consultation, OutboxMessage

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
        self._read_replies()

    def press(self, flow: str, step: str, address: str, label: str) -> None:
        """Press the button with this label on the newest message to `address` that has it."""
        for reply in reversed(self.offered[address]):
            option = next((o for o in reply.options if o.label == label), None)
            if option is not None:
                self.send(flow, step, address, choice=reply.callback_data(option))
                return
        raise RuntimeError(f"{address} was never offered {label!r}")

    def _read_replies(self) -> None:
        with self.bench.ctx.sessions() as session:
            rows = session.execute(
                select(OutboxMessage.id, OutboxMessage.address, OutboxMessage.payload)
                .where(OutboxMessage.id > self.last_outbox_id)
                .order_by(OutboxMessage.id)
            ).all()
        for row_id, address, payload in rows:
            self.last_outbox_id = row_id
            if payload.get("options"):
                kept = self.offered[address]
                kept.append(Reply.from_payload(payload))
                del kept[:-5]


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


def complaint(driver: Driver, reporter: str, kecamatan: str, n: int) -> None:
    flow = "complaint"
    for step, text in (
        ("greeting", "halo"),
        ("menu 1", "1"),
        ("consent 1", "1"),
        ("category 1", "1"),
        ("kecamatan typed", kecamatan),
        ("story", STORY),
        ("attachments done", "Selesai"),
        ("name", f"Ibu Siti {n}"),
        ("not anonymous", "Boleh"),
        ("confirm + file", "Ya, kirim"),
    ):
        driver.send(flow, step, reporter, text)


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


def _phase(bench: Bench, name: str, samples: list[Sample], top: list[tuple[str, int]]) -> Phase:
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
        top=shapes.most_common(3),
    )


def run(
    bench: Bench, supervisors: int, pendamping_each: int, consultations: int, complaints: int
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
        place = roster.kecamatan[(n * 7) % len(roster.kecamatan)]
        complaint(driver, to_e164(kpm_phone(n + 1)), place, n + 1)
    complaint_samples = driver.samples[len(consultation_samples) :]
    _, complaint_shapes = counter.take()
    _check(bench, consultations, complaints)
    counter.close()
    phases += [
        _phase(
            bench,
            "inbound: consultation dialogs",
            consultation_samples,
            consultation_shapes.most_common(3),
        ),
        _phase(
            bench, "inbound: complaint dialogs", complaint_samples, complaint_shapes.most_common(3)
        ),
        _phase(bench, "inbound: all messages", driver.samples, []),
    ]
    return phases, driver.samples
