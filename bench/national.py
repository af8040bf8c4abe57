"""National-scale data for the tick benchmark (PostgreSQL; a benchmark, never a test).

    .venv/bin/python bench/national.py [--scale 1.0] [--postgres-url URL] [--no-ticks]

Into a freshly migrated database: 100 kabupaten each with a korkab and 5 supervisors of 80
pendamping (500 supervisors, 40,000 pendamping), one active weekly or fortnightly supervision
agreement per pendamping with two weeks of held sessions and three weeks planned ahead, and the
scheduled messages the planner would have made for them (those due before now already sent),
the Monday digests, 200,000 cases, 1,000,000 complaints (most closed), 50,000 consultations and
5,000,000 outbox rows (most sent). `--scale` shrinks every count but the kabupaten.

The bulk tables go in as INSERT ... SELECT over generate_series; the supervision plan, which
needs the calendar (occurrences, holidays, local times), is computed in Python and sent by COPY.
Then ANALYZE, as autovacuum would, and the load time is printed. Unless `--no-ticks`, the tick
scenarios of `bench/ticks.py` (`national_ticks`) run on it.

"Now" is bench.database.START, Tuesday 1 December 2026 09:00 WIB, as if a tick had just run.
The first `DUE_WEDNESDAY` agreements meet on Wednesdays, so that at 16:00 WIB on Tuesday 5,000
day-before reminders (2,500 sessions, supervisor and pendamping) fall due together.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import inspect, text

from bench.database import START, Bench, existing, fresh
from handlers.calendar import at_local, holiday_name, occurrence_date
from handlers.reports.notice import NOTICE_AT, NOTICE_KIND, first_working_day
from handlers.supervision.planning import (
    DAY_BEFORE_AT,
    DIGEST_AT,
    HORIZON,
    RECORD_FLAG_AFTER,
    REMINDER_LEAD,
)
from storage.vocabulary import (
    AgreementStatus,
    ParticipantStatus,
    ScheduledKind,
    ScheduledStatus,
    SessionStatus,
)

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test_bench_g"
ZONE = "Asia/Jakarta"
KABUPATEN = 100
SUPERVISORS_EACH = 5
PENDAMPING_EACH = 80
CASES = 200_000
COMPLAINTS = 1_000_000
CONSULTATIONS = 50_000
OUTBOX = 5_000_000
DUE_WEDNESDAY = 2_500  # weekly Wednesday agreements: their day-before reminders come together
HISTORY = timedelta(days=14)  # sessions already held before now
TIMES = ("08:00", "09:00", "10:00", "13:00")
MODES = ("telepon", "tatap_muka", "video", "chat")
OTHER_DAYS = (0, 1, 3, 4)

# Person ids, fixed so every table can name them without reading them back.
KORWIL_ID, ADMIN_ID, FIRST_KORKAB = 1, 2, 3
FIRST_SUPERVISOR = FIRST_KORKAB + KABUPATEN


def first_pendamping(supervisors: int) -> int:
    return FIRST_SUPERVISOR + supervisors


# -- people and the bulk tables: plain SQL ----------------------------------------------
PEOPLE_SQL = """
INSERT INTO people (id, role, name, phone, telegram_unreachable, kabupaten, kecamatan, provinsi,
    supervisor_id, timezone, active, created_at, updated_at, case_update_digest,
    p2k2_report_digest)
SELECT id, role, role || ' ' || id, '+62812' || lpad(id::text, 8, '0'), false, kab, kec,
    'Provinsi', boss, :zone, true, :now, :now, false, false
FROM (
    SELECT 1 AS id, 'korwil' AS role, '' AS kab, '' AS kec, NULL::int AS boss
    UNION ALL SELECT 2, 'admin', '', '', NULL
    UNION ALL SELECT g, 'korkab', 'Kabupaten ' || (g - :fk), 'Kabupaten ' || (g - :fk), NULL
        FROM generate_series(:fk, :fk + :kab - 1) g
    UNION ALL SELECT g, 'supervisor', 'Kabupaten ' || ((g - :fs) / :sup_each),
        'Kecamatan ' || (g - :fs), :fk + (g - :fs) / :sup_each
        FROM generate_series(:fs, :fs + :sups - 1) g
    UNION ALL SELECT g, 'pendamping', 'Kabupaten ' || ((g - :fp) / :pen_each / :sup_each),
        'Kecamatan ' || ((g - :fp) / :pen_each), :fs + (g - :fp) / :pen_each
        FROM generate_series(:fp, :fp + :pens - 1) g
) p
"""

CASES_SQL = """
INSERT INTO cases (id, pendamping_id, code, label, kpm_ref_masked, case_type, stage, status,
    last_update_at, stage_since, stale_flagged_at, needs_discussion, created_at)
SELECT g, :fp + (g * 7919) % :pens, 'K' || lpad(g::text, 9, '0'), 'Ibu ' || g, '', 'lainnya',
    'asesmen', CASE WHEN g % 5 < 3 THEN 'aktif' ELSE 'ditutup' END, upd, upd,
    CASE WHEN upd <= :now - interval '14 days' THEN upd + interval '14 days' END, false,
    upd - interval '30 days'
FROM (SELECT g, :now - (((g * 104729) % 31536000) || ' seconds')::interval AS upd
      FROM generate_series(CAST(1 AS bigint), :n) g) c
"""

COMPLAINTS_SQL = """
INSERT INTO complaints (id, ticket_code, check_code_hash, reporter_channel, reporter_address,
    category, kabupaten, kecamatan, description, attachments, anonymous, urgent,
    field_verification, status, handler_id, assignee_id, about_conduct, consent_at, ack_due_at,
    plan_due_at, resolve_due_at, acknowledged_at, planned_at, resolved_at, sla_level,
    next_sla_check_at, reopened_count, created_at)
SELECT g, 'ADU-N' || lpad(g::text, 8, '0'), repeat('0', 64), 'whatsapp',
    '+62857' || lpad((g % 900000)::text, 8, '0'), 'bantuan_tidak_diterima',
    'Kabupaten ' || (sup / :sup_each), 'Kecamatan ' || sup, 'Bantuan belum diterima.', '{}',
    false, g % 20 = 0, false, CASE WHEN open THEN 'diproses' ELSE 'selesai' END, :fs + sup, NULL,
    false, created, created + interval '1 day', created + interval '3 days',
    created + interval '14 days', created + interval '2 hours', created + interval '1 day',
    CASE WHEN open THEN NULL ELSE created + interval '5 days' END, 0,
    CASE WHEN open THEN :now + ((3600 + (g * 7) % 432000) || ' seconds')::interval END, 0,
    created
FROM (SELECT g, g % 200 = 0 AS open, (g * 31) % :sups AS sup,
        :now - (((g * 104729) % CASE WHEN g % 200 = 0 THEN 86400 ELSE 31536000 END)
            || ' seconds')::interval AS created
      FROM generate_series(CAST(1 AS bigint), :n) g) c
"""

CONSULTATIONS_SQL = """
INSERT INTO consultations (id, pendamping_id, supervisor_id, topic, urgency, description,
    preferred_mode, preferred_time, status, proposed_time, proposed_by, acknowledged_at,
    closed_at, escalation_stage, next_escalation_at, created_at)
SELECT g, :fp + p, :fs + p / :pen_each, 'lainnya', 'biasa', 'Mohon arahan.', 'telepon', '',
    CASE WHEN waiting THEN 'menunggu' ELSE 'selesai' END, '', 'pendamping',
    CASE WHEN waiting THEN NULL ELSE created + interval '1 hour' END,
    CASE WHEN waiting THEN NULL ELSE created + interval '1 day' END, 0,
    CASE WHEN waiting THEN :now + ((3600 + (g * 13) % 172800) || ' seconds')::interval END,
    created
FROM (SELECT g, (g * 7919) % :pens AS p, g % 100 = 0 AS waiting,
        :now - (((g * 104729) % CASE WHEN g % 100 = 0 THEN 3600 ELSE 31536000 END)
            || ' seconds')::interval AS created
      FROM generate_series(CAST(1 AS bigint), :n) g) c
"""

OUTBOX_SQL = """
INSERT INTO outbox (id, channel, address, person_id, kind, payload, idempotency_key, status,
    attempts, next_attempt_at, created_at, sent_at)
SELECT g, 'whatsapp', '+62812' || lpad(p::text, 8, '0'), p, 'reply',
    '{"text": "Terima kasih, pesan Anda sudah kami terima."}', 'bench:' || g, 'sent', 1, at, at,
    at
FROM (SELECT g, :fp + (g * 7919) % :pens AS p,
        :now - (((:n - g) * 6) || ' seconds')::interval AS at
      FROM generate_series(CAST(:lo AS bigint), :hi) g) o
"""


def load_sql(bench: Bench, scale: float, counts: dict[str, int]) -> None:
    sups = max(1, round(KABUPATEN * SUPERVISORS_EACH * scale))
    pens = sups * PENDAMPING_EACH
    fp = first_pendamping(sups)
    common = {"now": START, "fs": FIRST_SUPERVISOR, "fp": fp, "sups": sups, "pens": pens}
    with bench.engine.begin() as db:
        db.execute(
            text(PEOPLE_SQL),
            {**common, "zone": ZONE, "fk": FIRST_KORKAB, "kab": KABUPATEN,
             "sup_each": SUPERVISORS_EACH, "pen_each": PENDAMPING_EACH},
        )  # fmt: skip
    counts["people"] = 2 + KABUPATEN + sups + pens
    for name, sql, n, extra in (
        ("cases", CASES_SQL, CASES, {}),
        ("complaints", COMPLAINTS_SQL, COMPLAINTS, {"sup_each": SUPERVISORS_EACH}),
        ("consultations", CONSULTATIONS_SQL, CONSULTATIONS, {"pen_each": PENDAMPING_EACH}),
    ):
        n = round(n * scale)
        with bench.engine.begin() as db:
            db.execute(text(sql), {**common, **extra, "n": n})
        counts[name] = n
    total = round(OUTBOX * scale)
    for lo in range(1, total + 1, 1_000_000):  # one transaction per million rows
        with bench.engine.begin() as db:
            hi = min(total, lo + 999_999)
            db.execute(text(OUTBOX_SQL), {**common, "n": total, "lo": lo, "hi": hi})
    counts["outbox"] = total


# -- the supervision plan: the calendar, in Python, by COPY ------------------------------
def _messages(
    session_id: int, starts: datetime, ends: datetime, supervisor: int, pendamping: int
) -> Iterator[tuple[str, int, str, datetime]]:
    """(key, person, kind, due) as planning._wanted_reminders names them (all in WIB)."""
    stamp = starts.strftime("%Y%m%dT%H%M")
    zone = ZoneInfo(ZONE)
    day = starts.astimezone(zone).date()
    day_before = datetime.combine(day - timedelta(days=1), DAY_BEFORE_AT, zone).astimezone(UTC)
    for person in (supervisor, pendamping):
        base = f"session:{session_id}:{stamp}:{person}"
        yield f"{base}:day_before", person, ScheduledKind.DAY_BEFORE, day_before
        yield f"{base}:soon", person, ScheduledKind.SOON, starts - REMINDER_LEAD
    base = f"session:{session_id}:{stamp}:{supervisor}"
    yield f"{base}:record", supervisor, ScheduledKind.RECORD, ends
    overdue = ends + RECORD_FLAG_AFTER
    yield f"{base}:record_overdue", supervisor, ScheduledKind.RECORD_OVERDUE, overdue


def _agreement(i: int, due_wednesday: int) -> tuple[int, int, str]:
    """(cadence days, weekday, local time) of the i-th agreement."""
    if i < due_wednesday:
        return 7, 2, "09:00"
    return (14 if i % 3 == 0 else 7), OTHER_DAYS[i % 4], TIMES[i % len(TIMES)]


def load_plan(bench: Bench, scale: float, counts: dict[str, int]) -> None:
    sups = max(1, round(KABUPATEN * SUPERVISORS_EACH * scale))
    pens = sups * PENDAMPING_EACH
    fp = first_pendamping(sups)
    due_wednesday = round(DUE_WEDNESDAY * scale)
    start_date = (START - HISTORY).astimezone(ZoneInfo(ZONE)).date()
    horizon_end = START + HORIZON
    watermark = "plan_due_at" in {
        c["name"] for c in inspect(bench.engine).get_columns("supervision_agreements")
    }
    agreements: list[tuple[Any, ...]] = []
    participants: list[tuple[Any, ...]] = []
    sessions: list[tuple[Any, ...]] = []
    messages: list[tuple[Any, ...]] = []
    session_id = message_id = 0
    for i in range(pens):
        aid, pendamping = i + 1, fp + i
        supervisor = FIRST_SUPERVISOR + i // PENDAMPING_EACH
        cadence, weekday, clock = _agreement(i, due_wednesday)
        occurrence, plan_due = 0, None
        while True:
            day = occurrence_date(start_date, weekday, cadence, occurrence)
            starts = at_local(day, clock, ZONE)
            if starts > horizon_end:
                plan_due = starts - HORIZON
                break
            if starts < START - HISTORY:
                occurrence += 1
                continue
            ends = starts + timedelta(minutes=60)
            session_id += 1
            held = ends <= START
            sessions.append(
                (session_id, aid, occurrence, starts, starts, ends,
                 SessionStatus.HELD if held else SessionStatus.SCHEDULED, holiday_name(day),
                 True if held else None, "[]" if not held else f"[{pendamping}]", "[]", "[]",
                 ends + timedelta(hours=1) if held else None)
            )  # fmt: skip
            planned = _messages(session_id, starts, ends, supervisor, pendamping)
            for key, person, kind, due in planned:
                message_id += 1
                done = due <= START
                sent = done and (held or kind != ScheduledKind.RECORD_OVERDUE)
                status = ScheduledStatus.SENT if sent else ScheduledStatus.WAITING
                if done and not sent:
                    status = ScheduledStatus.DROPPED
                messages.append(
                    (message_id, key, person, kind, due, status, session_id, "{}",
                     due if sent else None)
                )  # fmt: skip
            occurrence += 1
        row = [aid, supervisor, "individual", cadence, weekday, clock, 60, MODES[i % 4],
               start_date, ZONE, AgreementStatus.ACTIVE, START - HISTORY]  # fmt: skip
        if watermark:
            row.append(plan_due)
        agreements.append(tuple(row))
        participants.append((aid, aid, pendamping, ParticipantStatus.AGREED, START - HISTORY))
    zone = ZoneInfo(ZONE)
    monday = START.astimezone(zone).date() - timedelta(days=START.astimezone(zone).weekday())
    for s in range(sups):
        for week in (monday, monday + timedelta(days=7)):
            due = datetime.combine(week, DIGEST_AT, zone).astimezone(UTC)
            message_id += 1
            sent = due <= START
            messages.append(
                (message_id, f"digest:{FIRST_SUPERVISOR + s}:{week.isoformat()}",
                 FIRST_SUPERVISOR + s, ScheduledKind.DIGEST, due,
                 ScheduledStatus.SENT if sent else ScheduledStatus.WAITING, None,
                 f'{{"week_start": "{week.isoformat()}"}}', due if sent else None)
            )  # fmt: skip
    # This month's report notice went out at 08:00 on its first working day (today).
    local_now = START.astimezone(zone)
    first = first_working_day(local_now.year, local_now.month)
    notice_due = at_local(first, NOTICE_AT, ZONE)
    if notice_due <= START:
        staff = [FIRST_KORKAB + k for k in range(KABUPATEN)]
        staff += [FIRST_SUPERVISOR + s for s in range(sups)]
        for pid in staff:
            message_id += 1
            messages.append(
                (message_id, f"{NOTICE_KIND}:{pid}:{first:%Y-%m}", pid, NOTICE_KIND, notice_due,
                 ScheduledStatus.SENT, None, f'{{"month": "{first:%Y-%m}"}}', notice_due)
            )  # fmt: skip
    agreement_columns = (
        "id, supervisor_id, kind, cadence_days, weekday, local_time, duration_minutes, mode, "
        "start_date, timezone, status, created_at" + (", plan_due_at" if watermark else "")
    )
    tables = (
        ("supervision_agreements", agreement_columns, agreements),
        ("agreement_participants", "id, agreement_id, person_id, status, responded_at",
         participants),
        ("supervision_sessions", "id, agreement_id, occurrence, planned_for, starts_at, ends_at, "
         "status, holiday_name, held, attendee_ids, functions, topics, recorded_at", sessions),
        ("scheduled_messages", "id, key, person_id, kind, due_at, status, session_id, payload, "
         "sent_at", messages),
    )  # fmt: skip
    raw = bench.engine.raw_connection()
    try:
        cursor = raw.cursor()
        for table, columns, rows in tables:
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row(row)
            counts[table] = len(rows)
        raw.commit()
    finally:
        raw.close()


def _fix_sequences(bench: Bench) -> None:
    """Rows went in with explicit ids: move each id sequence past them."""
    with bench.engine.begin() as db:
        for table in ("people", "cases", "complaints", "consultations", "outbox",
                      "supervision_agreements", "agreement_participants",
                      "supervision_sessions", "scheduled_messages"):  # fmt: skip
            db.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
                )
            )


def seed(bench: Bench, scale: float) -> dict[str, int]:
    """Every table the tick reads, at `scale` of national size; the row counts."""
    counts: dict[str, int] = {}
    load_sql(bench, scale, counts)
    load_plan(bench, scale, counts)
    _fix_sequences(bench)
    with bench.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
        db.execute(text("VACUUM ANALYZE"))
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of national size")
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    parser.add_argument("--no-ticks", action="store_true", help="only load the data")
    parser.add_argument(
        "--ticks-only",
        action="store_true",
        help="only the ticks, on data loaded before with --no-ticks (they change it: load "
        "again before another run)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    from bench import ticks

    if args.ticks_only:
        with existing(args.postgres_url) as bench:
            ticks.national_ticks(bench)
        return 0
    with fresh("postgres", args.postgres_url) as bench:
        started = time.perf_counter()
        counts = seed(bench, args.scale)
        print(
            f"loaded in {time.perf_counter() - started:.0f} s (scale {args.scale}): "
            + ", ".join(f"{k} {v:,}" for k, v in counts.items())
        )
        if not args.no_ticks:
            ticks.national_ticks(bench)
    return 0


if __name__ == "__main__":
    sys.exit(main())
