"""Time every dashboard view at province scale (a benchmark, not a test).

    .venv/bin/python bench/views.py [--db sqlite|postgresql|both] [--scale 1.0] [--runs 3]

A province: 10 kabupaten, each with a korkab and 4 supervisors of 100 pendamping (4,000), a
korwil and the desk admin; a year of work: 200,000 complaints (mostly closed), 48,000
consultations, 40,000 cases with 120,000 updates, 48,000 P2K2 meetings, 400 group supervision
slots with their fortnightly sessions. `--scale` shrinks the year's records (not the roster).
Rows go in with bulk executemany inserts (explicit ids), straight into a freshly migrated
database (see bench/database.py; PostgreSQL is then ANALYZEd, as autovacuum would).

Then, as a supervisor, a korkab, the korwil and the desk admin: `spec.build(session, q)` of every
view the reader may open, for the default period (the last 30 days) and for a whole year, the
median of `--runs` runs in ms; the complaint list page (first page and a deep one); and the
complaint export (CSV and XLSX, as the dashboard writes them) of 10,000 and of 100,000 rows with
its tracemalloc peak, which should not grow with the row count. On PostgreSQL, every view over
`SLOW_MS` gets EXPLAIN ANALYZE of its slowest statement.

Why this module is long: the generator of a whole province's year is most of it, one function
per table; splitting it would only scatter one dataset over several files.
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import logging
import random
import re
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, event, insert, text
from sqlalchemy.orm import Session

from bench.database import POSTGRES_URL, START, Bench, fresh
from bench.roster import KECAMATAN_PER_KABUPATEN, _place_names
from bot.render import xlsx
from conversations.catalog import load_catalog
from handlers.complaints import listing
from handlers.reports.query import ViewQuery
from handlers.reports.registry import views_for
from handlers.reports.shapes import Column, Kind
from storage.models import (
    Agreement,
    AgreementParticipant,
    Case,
    CaseUpdate,
    Complaint,
    Consultation,
    P2K2Report,
    Person,
    SupervisionSession,
)
from storage.vocabulary import (
    P2K2_SESSIONS,
    AgreementStatus,
    CaseStage,
    CaseStatus,
    CaseType,
    ComplaintCategory,
    ComplaintStatus,
    ConsultationStatus,
    ConsultationTopic,
    ContactMode,
    P2K2Module,
    ParticipantStatus,
    Role,
    SessionStatus,
    SlotKind,
    SupervisionFunction,
    Urgency,
)

KABUPATEN = 10
SUPERVISORS_EACH = 4
PENDAMPING_EACH = 100
PROVINSI = "Jawa Timur"
ZONE = "Asia/Jakarta"
YEAR = timedelta(days=365)
BATCH = 5_000
SLOW_MS = 300.0
EXPLAIN_SHARE = 0.25
_ACTUAL = re.compile(r"actual time=[\d.]+\.\.([\d.]+)")
EXPORT_SIZES = (10_000, 100_000)
# Full-scale record counts (times --scale).
COMPLAINTS = 200_000
CONSULTATIONS = 48_000
CASES = 40_000
UPDATES_PER_CASE = 3
P2K2_REPORTS = 48_000
GROUPS_PER_SUPERVISOR = 10  # fortnightly group slots of 10 pendamping each

# Person ids: fixed, so every table can name them without reading them back.
KORWIL_ID, ADMIN_ID, FIRST_KORKAB = 1, 2, 3
FIRST_SUPERVISOR = FIRST_KORKAB + KABUPATEN
FIRST_PENDAMPING = FIRST_SUPERVISOR + KABUPATEN * SUPERVISORS_EACH
READERS = (
    ("supervisor", FIRST_SUPERVISOR),
    ("korkab", FIRST_KORKAB),
    ("korwil", KORWIL_ID),
    ("admin (desk)", ADMIN_ID),
)


# -- the province -------------------------------------------------------------------------
@dataclass(frozen=True)
class Staff:
    """Who works where: enough for every generated row to be consistent with the roster."""

    pendamping: list[tuple[int, int, str, str]]  # (id, supervisor id, kabupaten, kecamatan)
    supervisors: list[tuple[int, int, str]]  # (id, korkab id, kabupaten)


def people_rows() -> tuple[list[dict[str, Any]], Staff]:
    places = _place_names()
    now = START
    rows: list[dict[str, Any]] = []

    def person(pid: int, role: Role, name: str, kab: str, kec: str, boss: int | None) -> None:
        rows.append(
            {
                "id": pid, "role": role, "name": name, "phone": f"+62812{pid:08d}",
                "kabupaten": kab, "kecamatan": kec, "provinsi": PROVINSI, "supervisor_id": boss,
                "timezone": ZONE, "active": True, "created_at": now, "updated_at": now,
            }
        )  # fmt: skip

    person(KORWIL_ID, Role.KORWIL, "Hendra Korwil", "", "", None)
    person(ADMIN_ID, Role.ADMIN, "Yuni Admin", "", "", None)
    staff = Staff([], [])
    for k in range(KABUPATEN):
        kab = f"Kabupaten {k + 1:02d}"
        korkab = FIRST_KORKAB + k
        person(korkab, Role.KORKAB, f"Korkab {k + 1:02d}", kab, kab, None)
        local = places[k * KECAMATAN_PER_KABUPATEN : (k + 1) * KECAMATAN_PER_KABUPATEN]
        for s in range(SUPERVISORS_EACH):
            sup = FIRST_SUPERVISOR + k * SUPERVISORS_EACH + s
            person(sup, Role.SUPERVISOR, f"Supervisor {sup}", kab, local[0], korkab)
            staff.supervisors.append((sup, korkab, kab))
    for index, (sup, _korkab, kab) in enumerate(staff.supervisors):
        k = index // SUPERVISORS_EACH
        local = places[k * KECAMATAN_PER_KABUPATEN : (k + 1) * KECAMATAN_PER_KABUPATEN]
        for p in range(PENDAMPING_EACH):
            pid = FIRST_PENDAMPING + index * PENDAMPING_EACH + p
            kec = local[(p + index) % len(local)]
            person(pid, Role.PENDAMPING, f"Pendamping {pid}", kab, kec, sup)
            staff.pendamping.append((pid, sup, kab, kec))
    return rows, staff


def _moment(rng: random.Random, within: timedelta = YEAR) -> datetime:
    return START - timedelta(seconds=rng.random() * within.total_seconds())


def _after(rng: random.Random, start: datetime, low_h: float, high_h: float) -> datetime:
    return min(START, start + timedelta(hours=rng.uniform(low_h, high_h)))


def complaint_rows(rng: random.Random, staff: Staff, n: int) -> Iterator[dict[str, Any]]:
    categories = list(ComplaintCategory)
    closed = (ComplaintStatus.RESOLVED,) * 8 + (ComplaintStatus.REJECTED, ComplaintStatus.REFERRED)
    opened = (ComplaintStatus.NEW, ComplaintStatus.ACCEPTED, ComplaintStatus.IN_PROGRESS)
    for i in range(1, n + 1):
        pid, sup, kab, kec = rng.choice(staff.pendamping)
        created = _moment(rng)
        recent = START - created < timedelta(days=14)
        status = rng.choice(opened) if rng.random() < (0.6 if recent else 0.03) else None
        status = status or rng.choice(closed)
        category = rng.choice(categories)
        conduct = category == ComplaintCategory.PENDAMPING_CONDUCT
        acknowledged = None if status == ComplaintStatus.NEW else _after(rng, created, 1, 72)
        done = status in closed
        yield {
            "id": i, "ticket_code": f"ADU-B{i:07d}", "check_code_hash": "0" * 64,
            "reporter_channel": "whatsapp", "reporter_address": f"+62857{i:08d}",
            "reporter_name": None if i % 3 else f"Ibu Pelapor {i}", "category": category,
            "kabupaten": kab, "kecamatan": kec, "description": "Bantuan belum diterima.",
            "anonymous": i % 5 == 0, "urgent": i % 20 == 0, "status": status,
            "handler_id": sup, "assignee_id": None if conduct or i % 3 == 0 else pid,
            "about_conduct": conduct, "named_pendamping_id": pid if conduct else None,
            "consent_at": created, "created_at": created,
            "ack_due_at": created + timedelta(days=1), "plan_due_at": created + timedelta(days=3),
            "resolve_due_at": created + timedelta(days=14), "acknowledged_at": acknowledged,
            "planned_at": _after(rng, created, 24, 120) if acknowledged else None,
            "resolved_at": _after(rng, created, 24, 480) if done else None,
            "plan": "Dicek ke bank." if acknowledged else None,
            "resolution": "Sudah cair." if done else None,
            "sla_level": rng.choice((0, 0, 0, 1, 2)), "rating": rng.randint(1, 5) if done and
            i % 2 else None, "reopened_count": 0,
        }  # fmt: skip


def consultation_rows(rng: random.Random, staff: Staff, n: int) -> Iterator[dict[str, Any]]:
    topics, modes = list(ConsultationTopic), list(ContactMode)
    for i in range(1, n + 1):
        pid, sup, _kab, _kec = rng.choice(staff.pendamping)
        created = _moment(rng)
        recent = START - created < timedelta(days=10)
        if recent and rng.random() < 0.5:
            status = rng.choice(
                (ConsultationStatus.WAITING, ConsultationStatus.PROPOSED, ConsultationStatus.AGREED)
            )
        else:
            status = ConsultationStatus.DECLINED if i % 25 == 0 else ConsultationStatus.CLOSED
        waiting = status == ConsultationStatus.WAITING
        acknowledged = None if waiting else _after(rng, created, 0.2, 30)
        settled = status in (ConsultationStatus.AGREED, ConsultationStatus.CLOSED)
        agreed = _after(rng, created, 1, 48) if settled else None
        yield {
            "id": i, "pendamping_id": pid, "supervisor_id": sup, "topic": rng.choice(topics),
            "urgency": Urgency.URGENT if i % 7 == 0 else Urgency.NORMAL,
            "description": "Mohon arahan.", "preferred_mode": rng.choice(modes),
            "preferred_time": "besok pagi", "status": status, "proposed_time": "besok pagi",
            "proposed_by": Role.PENDAMPING, "agreed_time": "besok 09:00" if agreed else None,
            "agreed_mode": ContactMode.PHONE if agreed else None, "agreed_at": agreed,
            "acknowledged_at": acknowledged,
            "closed_at": _after(rng, created, 24, 200) if status == ConsultationStatus.CLOSED
            else None, "escalation_stage": rng.choice((0, 0, 0, 1, 2)),
            "next_escalation_at": None, "created_at": created,
        }  # fmt: skip


def case_rows(
    rng: random.Random, staff: Staff, n: int, updates: list[dict[str, Any]]
) -> Iterator[dict[str, Any]]:
    """Cases; their updates are appended to `updates` (inserted after the cases)."""
    types, stages = list(CaseType), list(CaseStage)
    update_id = itertools.count(1)
    for i in range(1, n + 1):
        pid, _sup, _kab, _kec = rng.choice(staff.pendamping)
        created = _moment(rng)
        last = created
        for _ in range(rng.randint(1, UPDATES_PER_CASE * 2 - 1)):
            last = _after(rng, last, 24, 24 * 40)
            updates.append(
                {
                    "id": next(update_id), "case_id": i, "author_id": pid,
                    "stage": rng.choice(stages), "what_happened": "Kunjungan rumah.",
                    "next_step": "Pendampingan lanjutan.", "next_step_due": None,
                    "attachments": {}, "created_at": last,
                }
            )  # fmt: skip
        closed = START - last > timedelta(days=60) and rng.random() < 0.8
        yield {
            "id": i, "pendamping_id": pid, "code": f"K-{i:07d}", "label": f"AB Desa {i % 97}",
            "kpm_ref_masked": "", "case_type": rng.choice(types),
            "stage": CaseStage.TERMINATION if closed else rng.choice(stages),
            "status": CaseStatus.CLOSED if closed else CaseStatus.ACTIVE,
            "last_update_at": last, "stale_flagged_at": None, "created_at": created,
        }  # fmt: skip


def p2k2_rows(rng: random.Random, staff: Staff, n: int) -> Iterator[dict[str, Any]]:
    modules = list(P2K2_SESSIONS.items())
    for i in range(1, n + 1):
        pid, _sup, _kab, _kec = rng.choice(staff.pendamping)
        held = _moment(rng)
        module, numbers = rng.choice(modules)
        enrolled = rng.randint(15, 30)
        yield {
            "id": i, "pendamping_id": pid, "group_name": f"Kelompok {pid % 7 + 1}",
            "module": P2K2Module(module), "session_no": rng.choice(numbers),
            "held_on": held.date(), "enrolled": enrolled,
            "present": rng.randint(enrolled // 2, enrolled), "notes": None,
            "created_at": _after(rng, held, 1, 30),
        }  # fmt: skip


def supervision_rows(
    rng: random.Random, staff: Staff, scale: float
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Group slots (10 pendamping each), fortnightly over the year, with their sessions."""
    agreements, participants, sessions = [], [], []
    by_supervisor: dict[int, list[int]] = {}
    for pid, sup, _kab, _kec in staff.pendamping:
        by_supervisor.setdefault(sup, []).append(pid)
    functions = [f.value for f in SupervisionFunction]
    start_day: date = (START - YEAR).date()
    weeks = max(2, int(52 * scale))
    agreement_id, participant_id, session_id = (itertools.count(1) for _ in range(3))
    for sup, members in by_supervisor.items():
        for g in range(GROUPS_PER_SUPERVISOR):
            group = members[g::GROUPS_PER_SUPERVISOR]
            aid = next(agreement_id)
            agreements.append(
                {
                    "id": aid, "supervisor_id": sup, "kind": SlotKind.GROUP, "cadence_days": 14,
                    "weekday": g % 5, "local_time": "09:00", "duration_minutes": 90,
                    "mode": ContactMode.IN_PERSON, "place": "Kantor UPPKH",
                    "start_date": start_day, "timezone": ZONE, "status": AgreementStatus.ACTIVE,
                    "requested_by_id": sup, "created_at": START - YEAR,
                }
            )  # fmt: skip
            participants += [
                {"id": next(participant_id), "agreement_id": aid, "person_id": pid,
                 "status": ParticipantStatus.AGREED, "counter": None, "responded_at": None}
                for pid in group
            ]  # fmt: skip
            first = datetime.combine(start_day, datetime.min.time(), START.tzinfo)
            first += timedelta(days=g % 5, hours=2)
            for occurrence in range(0, weeks, 2):
                starts = first + timedelta(days=7 * occurrence)
                past = starts < START
                roll = rng.random()
                status = (
                    SessionStatus.SCHEDULED if not past else SessionStatus.HELD if roll < 0.8
                    else SessionStatus.NOT_HELD if roll < 0.9 else SessionStatus.SKIPPED
                )  # fmt: skip
                held = status == SessionStatus.HELD
                came = [pid for pid in group if rng.random() < 0.85] if held else []
                sessions.append(
                    {
                        "id": next(session_id), "agreement_id": aid, "occurrence": occurrence // 2,
                        "planned_for": starts, "starts_at": starts,
                        "ends_at": starts + timedelta(minutes=90), "status": status,
                        "holiday_name": None, "held": held if past else None,
                        "attendee_ids": {"ids": came},
                        "functions": {"items": rng.sample(functions, rng.randint(1, 3))}
                        if held else {"items": []},
                        "topics": {"items": []}, "notes": None, "followup": None,
                        "followup_on": None, "recorded_at": starts + timedelta(hours=3)
                        if held else None,
                    }
                )  # fmt: skip
    return agreements, participants, sessions


def bulk(session: Session, model: type[Any], rows: Iterable[dict[str, Any]]) -> int:
    """Insert `rows` in batches of `BATCH` (executemany); the count."""
    count = 0
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, BATCH)):
        session.execute(insert(model.__table__), batch)
        count += len(batch)
    return count


def seed(bench: Bench, scale: float) -> dict[str, int]:
    """The whole province, in one transaction; the row count of each table."""
    rng = random.Random(2026)
    people, staff = people_rows()
    counts: dict[str, int] = {}
    with bench.ctx.sessions() as session, session.begin():
        counts["people"] = bulk(session, Person, people)
        counts["complaints"] = bulk(
            session, Complaint, complaint_rows(rng, staff, int(COMPLAINTS * scale))
        )
        counts["consultations"] = bulk(
            session, Consultation, consultation_rows(rng, staff, int(CONSULTATIONS * scale))
        )
        updates: list[dict[str, Any]] = []
        counts["cases"] = bulk(session, Case, case_rows(rng, staff, int(CASES * scale), updates))
        counts["case_updates"] = bulk(session, CaseUpdate, updates)
        counts["p2k2_reports"] = bulk(
            session, P2K2Report, p2k2_rows(rng, staff, int(P2K2_REPORTS * scale))
        )
        agreements, participants, sessions = supervision_rows(rng, staff, scale)
        counts["agreements"] = bulk(session, Agreement, agreements)
        counts["participants"] = bulk(session, AgreementParticipant, participants)
        counts["sessions"] = bulk(session, SupervisionSession, sessions)
    if bench.backend == "postgres":
        with bench.engine.begin() as connection:
            for table in (Person, Complaint, Consultation, Case, CaseUpdate, P2K2Report,
                          Agreement, AgreementParticipant, SupervisionSession):  # fmt: skip
                name = table.__tablename__
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"(SELECT coalesce(max(id), 1) FROM {name}))"
                    )
                )
        with bench.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("ANALYZE"))
    return counts


# -- measuring ----------------------------------------------------------------------------
@dataclass
class Captured:
    """The statements of one run, with their parameters and times, to EXPLAIN the slowest."""

    statements: list[tuple[float, str, Any]] = field(default_factory=list)
    active: bool = False
    _started: float = 0.0

    def listen(self, engine: Engine) -> None:
        def before(*_: Any) -> None:
            self._started = time.perf_counter()

        def after(_c: Any, _cur: Any, statement: str, parameters: Any, *_: Any) -> None:
            if self.active:
                self.statements.append((time.perf_counter() - self._started, statement, parameters))

        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)


@dataclass
class Timing:
    backend: str
    reader: str
    name: str
    ms: list[float]
    error: str = ""
    slowest: tuple[float, str, Any] | None = None
    sql_ms: list[float] = field(default_factory=list)  # time inside the driver, per run
    statements: int = 0

    @property
    def median(self) -> float:
        return statistics.median(self.ms) if self.ms else float("nan")


def timed(
    bench: Bench, captured: Captured, runs: int, work: Callable[[Session], object]
) -> tuple[list[float], str, tuple[float, str, Any] | None, list[float], int]:
    """`work` in a fresh session `runs` times: the times in ms, an error, the slowest statement,
    the time spent inside the database driver in each run, the statements of one run."""
    times: list[float] = []
    sql: list[float] = []
    slowest: tuple[float, str, Any] | None = None
    for _ in range(runs):
        captured.statements.clear()
        with bench.ctx.sessions() as session:
            session.connection()  # the pool's checkout is not the view's time
            captured.active = True
            started = time.perf_counter()
            try:
                work(session)
            except Exception as error:  # another helper's view may still be unfinished
                captured.active = False
                return times, f"{type(error).__name__}: {error}"[:120], None, sql, 0
            times.append((time.perf_counter() - started) * 1000)
            captured.active = False
        sql.append(sum(s[0] for s in captured.statements) * 1000)
        top = max(captured.statements, default=None, key=lambda s: s[0])
        if top is not None and (slowest is None or top[0] > slowest[0]):
            slowest = top
    return times, "", slowest, sql, len(captured.statements)


def time_views(bench: Bench, runs: int) -> list[Timing]:
    captured = Captured()
    captured.listen(bench.engine)
    results: list[Timing] = []
    now = START
    today = now.astimezone(START.tzinfo).date()
    for label, reader_id in READERS:
        with bench.ctx.sessions() as session:
            reader = session.get(Person, reader_id)
            assert reader is not None
            session.expunge(reader)
        specs = views_for(reader)
        periods = (
            ("30 d", ViewQuery(reader, now)),
            ("365 d", ViewQuery(reader, now, date_from=today - timedelta(days=364))),
        )
        for spec in specs:
            for period, q in periods:
                found = timed(bench, captured, runs, lambda s, spec=spec, q=q: spec.build(s, q))
                results.append(Timing(bench.backend, label, f"{spec.slug} ({period})", *found))
        for name, flt in (
            ("complaint list p1", listing.ComplaintFilter()),
            ("complaint list p200", listing.ComplaintFilter(page=200)),
        ):
            found = timed(
                bench, captured, runs, lambda s, flt=flt, r=reader: listing.list_page(s, r, flt)
            )
            results.append(Timing(bench.backend, label, name, *found))
    return results


# -- the export ---------------------------------------------------------------------------
def export_csv(session: Session, reader: Person, limit: int) -> int:
    """As `/dasbor/pengaduan.csv` writes it: lines flushed every 200 rows, to a sink."""
    t = load_catalog("id")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    written = 0
    rows = listing.rows_for_export(session, reader, listing.ComplaintFilter())
    for count, row in enumerate(itertools.islice(rows, limit), 1):
        writer.writerow(
            [row.ticket_code, row.created_at.date().isoformat(), row.kecamatan,
             t(f"category.{row.category}"), t(f"status.{row.status}"),
             row.due_at.date().isoformat() if row.due_at else "", "ya" if row.urgent else ""]
        )  # fmt: skip
        if count % 200 == 0:
            written += len(buffer.getvalue())
            buffer.seek(0)
            buffer.truncate()
    return written + len(buffer.getvalue())


def export_xlsx(session: Session, reader: Person, limit: int) -> int:
    """As `/dasbor/pengaduan.xlsx` writes it: constant-memory XlsxWriter to a temporary file."""
    t = load_catalog("id")
    kinds = (Kind.TEXT, Kind.DATE, Kind.TEXT, Kind.TEXT, Kind.TEXT, Kind.DATE, Kind.TEXT)
    columns = [Column(str(n), f"Kolom {n}", kind) for n, kind in enumerate(kinds)]
    zone = ZoneInfo(reader.timezone)
    with tempfile.TemporaryFile(prefix="pkh-bench-") as handle:
        book = xlsx.open_workbook(handle)
        sheet = xlsx.SheetWriter(book, "Pengaduan", columns, zone)
        rows = listing.rows_for_export(session, reader, listing.ComplaintFilter())
        for row in itertools.islice(rows, limit):
            sheet.write(
                (row.ticket_code, row.created_at.astimezone(zone).date(), row.kecamatan or "-",
                 t(f"category.{row.category}"), t(f"status.{row.status}"),
                 row.due_at.astimezone(zone).date() if row.due_at else None, row.urgent)
            )  # fmt: skip
        book.close()
        handle.seek(0, io.SEEK_END)
        return handle.tell()


@dataclass
class Export:
    backend: str
    kind: str
    rows: int
    seconds: float
    peak_kb: float
    size_kb: float


def time_exports(bench: Bench) -> list[Export]:
    found = []
    for kind, writer in (("csv", export_csv), ("xlsx", export_xlsx)):
        for limit in EXPORT_SIZES:
            with bench.ctx.sessions() as session:
                reader = session.get(Person, ADMIN_ID)
                assert reader is not None
                tracemalloc.start()
                started = time.perf_counter()
                size = writer(session, reader, limit)
                seconds = time.perf_counter() - started
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
            found.append(Export(bench.backend, kind, limit, seconds, peak / 1024, size / 1024))
    return found


def explain(bench: Bench, slowest: tuple[float, str, Any], full: bool) -> str:
    """EXPLAIN ANALYZE of a statement: whole, or only its plan nodes that took `EXPLAIN_SHARE`
    of the execution time or more (with the totals), which is where an index could help."""
    _, statement, parameters = slowest
    with bench.engine.connect() as connection:
        plan = [line[0] for line in connection.exec_driver_sql(
            "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters
        ).all()]  # fmt: skip
    if full:
        return "\n".join("    " + line for line in plan)
    timed_lines = (line for line in plan if "Execution Time" in line)
    total = next((float(line.split(":")[1].split()[0]) for line in timed_lines), 0.0)
    kept = []
    for line in plan:
        found = _ACTUAL.search(line)
        if "Execution Time" in line or (found and float(found.group(1)) >= EXPLAIN_SHARE * total):
            kept.append("    " + line.strip()[:160])
    return "\n".join(kept)


# -- the report ---------------------------------------------------------------------------
def view_table(timings: list[Timing]) -> str:
    """Per view: the median, min and max of the runs; the median time spent in SQL (the rest
    is Python: building rows, charts); the statements one run sends."""
    lines = [
        f"{'db':8} {'reader':13} {'view (period)':34} {'median ms':>9} {'min':>7} {'max':>7} "
        f"{'SQL ms':>7} {'stmts':>5}"
    ]
    lines.append("-" * len(lines[0]))
    for t in timings:
        if t.error:
            lines.append(f"{t.backend:8} {t.reader:13} {t.name:34} ERROR {t.error}")
            continue
        flag = "  <-- over 300 ms" if t.median > SLOW_MS else ""
        lines.append(
            f"{t.backend:8} {t.reader:13} {t.name:34} {t.median:>9.1f} {min(t.ms):>7.1f} "
            f"{max(t.ms):>7.1f} {statistics.median(t.sql_ms):>7.1f} {t.statements:>5}{flag}"
        )
    return "\n".join(lines)


def export_table(exports: list[Export]) -> str:
    lines = [f"{'db':8} {'export':6} {'rows':>8} {'secs':>6} {'rows/s':>8} {'peak KB':>9} "
             f"{'file KB':>9}"]  # fmt: skip
    lines.append("-" * len(lines[0]))
    for e in exports:
        lines.append(
            f"{e.backend:8} {e.kind:6} {e.rows:>8,} {e.seconds:>6.2f} {e.rows / e.seconds:>8,.0f} "
            f"{e.peak_kb:>9,.0f} {e.size_kb:>9,.0f}"
        )
    return "\n".join(lines)


def run_backend(backend: str, args: argparse.Namespace) -> None:
    with fresh(backend, args.postgres_url) as bench:
        started = time.perf_counter()
        counts = seed(bench, args.scale)
        print(f"\n[{backend}] seeded in {time.perf_counter() - started:.0f} s: "
              + ", ".join(f"{k} {v:,}" for k, v in counts.items()))  # fmt: skip
        timings = time_views(bench, args.runs)
        print(view_table(timings))
        slow = sorted((t for t in timings if not t.error), key=lambda t: -t.median)[:5]
        print("\nSlowest:")
        for t in slow:
            sql = " ".join((t.slowest[1] if t.slowest else "").split())[:300]
            statement_ms = t.slowest[0] * 1000 if t.slowest else 0
            print(f"  {t.reader} / {t.name}: {t.median:.0f} ms; slowest statement "
                  f"{statement_ms:.0f} ms: {sql}")  # fmt: skip
        if backend == "postgres":
            for t in timings:
                if not t.error and t.median > SLOW_MS and t.slowest is not None:
                    print(f"\nEXPLAIN ANALYZE, {t.reader} / {t.name}:")
                    print(explain(bench, t.slowest, args.full_explain))
        print()
        print(export_table(time_exports(bench)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    choices = ("sqlite", "postgresql", "postgres", "both")
    parser.add_argument("--db", choices=choices, default="both")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the year's records")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--full-explain", action="store_true", help="whole plans, every node")
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    backends = {"sqlite": ("sqlite",), "both": ("sqlite", "postgres")}.get(args.db, ("postgres",))
    print(f"pkh-bot view benchmark, scale {args.scale}, median of {args.runs} runs, now {START}")
    for backend in backends:
        run_backend(backend, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
