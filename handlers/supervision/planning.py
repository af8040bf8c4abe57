"""The timing of supervision: occurrences planned ahead from each agreement, reminders and record
requests as `ScheduledMessage` rows, the Monday digest, and the tick that sends what is due.

Every due row is claimed (FOR UPDATE SKIP LOCKED) and marked in the transaction that queues its
outbox row, so a crash, a restart, a second worker or a second tick never drops or doubles one.
A reminder for a slot that has already begun is not sent late: it is marked `lewat` instead; a
day-before reminder that is late (the service was down) still goes until the "soon" one is due.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date
from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session, joinedload, selectinload

from conversations.catalog import in_sentence
from conversations.messages import Option, Reply
from handlers.calendar import at_local, holiday_name, is_working_day, local_clock, occurrence_date
from handlers.cases import updates as cases
from handlers.core import audit, outbox, prompts
from handlers.core.context import AppContext
from handlers.supervision.digest import digest
from handlers.supervision.states import (
    ACTIVE,
    CANCELLED,
    HELD,
    HOLIDAY_ACTION,
    NOT_HELD,
    RECORD_ACTION,
    REMINDER_ACTION,
    SCHEDULED,
    agreed_people,
)
from storage.models import (
    Agreement,
    AgreementParticipant,
    Person,
    Role,
    ScheduledMessage,
    SupervisionSession,
)

HORIZON = timedelta(days=21)
REMINDER_LEAD = timedelta(minutes=60)
DAY_BEFORE_AT = time(16, 0)
DIGEST_AT = time(7, 0)
FOLLOWUP_AT = time(8, 0)
RECORD_FLAG_AFTER = timedelta(hours=48)
DIGEST_SLACK = timedelta(days=1)  # a digest more than a day late is not sent any more
SEND_BATCH = 500
MAX_SEND_BATCHES = 40
WAITING, SENT, PASSED, DROPPED = "menunggu", "terkirim", "lewat", "dibatalkan"
# Kinds sent before a session starts: skipped once it has started. Later kinds supersede earlier.
BEFORE_START = ("day_before", "soon")


# -- planning -----------------------------------------------------------------------------
def _schedule(
    session: Session,
    person: Person,
    kind: str,
    due: datetime,
    key: str,
    session_row: SupervisionSession | None = None,
    fresh: bool = False,
    **payload: object,
) -> None:
    """Add a due message unless one with this key exists (`fresh`: it cannot, skip the look)."""
    if not fresh and session.scalar(select(ScheduledMessage.id).where(ScheduledMessage.key == key)):
        return
    session.add(
        ScheduledMessage(
            key=key,
            person_id=person.id,
            kind=kind,
            due_at=due,
            session_id=session_row.id if session_row else None,
            payload=dict(payload),
        )
    )


def _wanted_reminders(
    row: SupervisionSession, now: datetime, late_ok: frozenset[str] = frozenset()
) -> list[tuple[Person, str, datetime, str]]:
    """(person, kind, due, key) of every message one session should have at its current time.

    A day-before reminder whose time has passed is not planned anew (someone who agrees or
    moves a session after 16:00 the day before, or on the day, needs no "besok" message), but
    one already waiting (`late_ok`: its time passed while no tick ran) is kept until the "soon"
    reminder is due."""
    agreement = row.agreement
    stamp = row.starts_at.strftime("%Y%m%dT%H%M")
    soon = row.starts_at - REMINDER_LEAD
    wanted = []
    for person in [agreement.supervisor, *agreed_people(agreement)]:
        zone = ZoneInfo(person.timezone)
        local_day = row.starts_at.astimezone(zone).date()
        day_before = datetime.combine(local_day - timedelta(days=1), DAY_BEFORE_AT, zone)
        base = f"session:{row.id}:{stamp}:{person.id}"
        key = f"{base}:day_before"
        if day_before.astimezone(UTC) >= now or (key in late_ok and now < soon):
            wanted.append((person, "day_before", day_before.astimezone(UTC), key))
        wanted.append((person, "soon", soon, f"{base}:soon"))
    supervisor = agreement.supervisor
    base = f"session:{row.id}:{stamp}:{supervisor.id}"
    wanted.append((supervisor, "record", row.ends_at, f"{base}:record"))
    overdue = row.ends_at + RECORD_FLAG_AFTER
    wanted.append((supervisor, "record_overdue", overdue, f"{base}:record_overdue"))
    return wanted


def plan_reminders(
    ctx: AppContext, session: Session, row: SupervisionSession, now: datetime, fresh: bool = False
) -> None:
    """Give one session exactly the reminders it should have now: after a move, or when a
    participant joins, the ones no longer wanted are dropped and the missing ones added (a
    dropped one comes back if the session returns to that time). A `fresh` session has none."""
    if fresh:
        for person, kind, due, key in _wanted_reminders(row, now):
            _schedule(session, person, kind, due, key, row, fresh=True)
        return
    existing = {
        m.key: m
        for m in session.scalars(
            select(ScheduledMessage).where(ScheduledMessage.session_id == row.id)
        )
    }
    waiting = frozenset(key for key, m in existing.items() if m.status == WAITING)
    wanted = _wanted_reminders(row, now, late_ok=waiting)
    keys = {key for *_, key in wanted}
    for message in existing.values():
        if message.status == WAITING and message.key not in keys:
            message.status = DROPPED
    for person, kind, due, key in wanted:
        message = existing.get(key)
        if message is None:
            _schedule(session, person, kind, due, key, row, fresh=True)
        elif message.status == DROPPED:
            message.status, message.due_at = WAITING, due


def refresh_reminders(
    ctx: AppContext, session: Session, agreement: Agreement, now: datetime
) -> None:
    """After someone joins an active agreement: their reminders for the sessions ahead."""
    for row in session.scalars(
        select(SupervisionSession).where(
            SupervisionSession.agreement_id == agreement.id,
            SupervisionSession.status == SCHEDULED,
            SupervisionSession.starts_at > now,
        )
    ):
        plan_reminders(ctx, session, row, now)


@dataclass(frozen=True)
class Planned:
    """What is already planned for one agreement: the last occurrence number used, and the
    latest time planned by a session that was not cancelled."""

    last_occurrence: int
    latest: datetime | None


def planned_so_far(session: Session, agreement_ids: list[int] | None = None) -> dict[int, Planned]:
    live = case((SupervisionSession.status != CANCELLED, SupervisionSession.planned_for))
    query = select(
        SupervisionSession.agreement_id,
        func.max(SupervisionSession.occurrence),
        func.max(live),
    ).group_by(SupervisionSession.agreement_id)
    if agreement_ids is not None:
        query = query.where(SupervisionSession.agreement_id.in_(agreement_ids))
    return {
        agreement_id: Planned(last, _aware(latest))
        for agreement_id, last, latest in session.execute(query)
    }


def _aware(moment: datetime | None) -> datetime | None:
    """Aggregates come back without the column type: make them UTC-aware again."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def plan_agreement(
    ctx: AppContext,
    session: Session,
    agreement: Agreement,
    now: datetime,
    planned: Planned | None = None,
) -> int:
    """Create the sessions of the next three weeks that are not planned yet."""
    if planned is None:
        planned = planned_so_far(session, [agreement.id]).get(agreement.id, Planned(-1, None))
    first = occurrence_date(agreement.start_date, agreement.weekday, agreement.cadence_days, 0)
    elapsed = (now.astimezone(ZoneInfo(agreement.timezone)).date() - first).days
    index = max(0, elapsed // agreement.cadence_days - 1)
    occurrence = planned.last_occurrence + 1
    rows: list[SupervisionSession] = []
    while True:
        day = occurrence_date(
            agreement.start_date, agreement.weekday, agreement.cadence_days, index
        )
        index += 1
        starts = at_local(day, agreement.local_time, agreement.timezone)
        if starts > now + HORIZON:
            break
        if starts <= now or (planned.latest is not None and starts <= planned.latest):
            continue
        rows.append(
            SupervisionSession(
                agreement=agreement,
                occurrence=occurrence,
                planned_for=starts,
                starts_at=starts,
                ends_at=starts + timedelta(minutes=agreement.duration_minutes),
                holiday_name=holiday_name(day),
            )
        )
        occurrence += 1
    if not rows:
        return 0
    session.add_all(rows)
    session.flush()
    for row in rows:
        plan_reminders(ctx, session, row, now, fresh=True)
        if row.holiday_name:
            _flag_holiday(ctx, session, row, now)
    return len(rows)


def _flag_holiday(
    ctx: AppContext, session: Session, row: SupervisionSession, now: datetime
) -> None:
    t, supervisor = ctx.catalog, row.agreement.supervisor
    text = t(
        "slot.holiday",
        date=_date(ctx, row.starts_at, supervisor),
        holiday=row.holiday_name,
        time=local_clock(row.starts_at, supervisor.timezone),
    )
    options = [
        Option("geser", t("slot.opt_move")),
        Option("lewati", t("slot.opt_skip")),
        Option("tetap", t("slot.opt_keep_holiday")),
    ]
    prompts.offer(
        session,
        supervisor,
        HOLIDAY_ACTION,
        row.id,
        text,
        options,
        f"session:{row.id}:holiday",
        now,
        ctx.channels,
        kind="reminder",
    )


def replan(ctx: AppContext, session: Session, agreement: Agreement, now: datetime) -> None:
    """After a change of day/time or a resume: future sessions are planned anew."""
    cancel_future(session, agreement, now)
    session.flush()
    plan_agreement(ctx, session, agreement, now)


def cancel_session(session: Session, row: SupervisionSession, status: str, now: datetime) -> None:
    row.status = status
    session.execute(
        update(ScheduledMessage)
        .where(ScheduledMessage.session_id == row.id, ScheduledMessage.status == WAITING)
        .values(status=DROPPED)
    )


def cancel_future(session: Session, agreement: Agreement, now: datetime) -> None:
    for row in session.scalars(
        select(SupervisionSession).where(
            SupervisionSession.agreement_id == agreement.id,
            SupervisionSession.status == SCHEDULED,
            SupervisionSession.starts_at > now,
        )
    ):
        cancel_session(session, row, CANCELLED, now)


def next_working_start(row: SupervisionSession) -> datetime:
    zone = row.agreement.timezone
    local = row.starts_at.astimezone(ZoneInfo(zone))
    day = local.date() + timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return at_local(day, local.time().replace(tzinfo=None), zone)


def plan_all(ctx: AppContext, session: Session, now: datetime) -> int:
    """Plan every active agreement's coming sessions, and each supervisor's next digests.
    What is planned already is read in one query, so a tick with nothing new stays cheap.

    The agreements are read before what is planned: an agreement that became active (and was
    planned) in a chat transaction committed in between is then seen with its sessions, not
    planned a second time."""
    agreements = session.scalars(
        select(Agreement)
        .where(Agreement.status == ACTIVE)
        .options(
            joinedload(Agreement.supervisor),
            selectinload(Agreement.participants).joinedload(AgreementParticipant.person),
        )
        .order_by(Agreement.id)
    ).all()
    planned = planned_so_far(session)
    horizon_end = now + HORIZON
    created = 0
    for agreement in agreements:
        known = planned.get(agreement.id, Planned(-1, None))
        if known.latest is not None and known.latest + timedelta(days=agreement.cadence_days) > (
            horizon_end
        ):
            continue  # the next occurrence is beyond the horizon: nothing to plan yet
        created += plan_agreement(ctx, session, agreement, now, known)
    existing = set(
        session.scalars(
            select(ScheduledMessage.key).where(
                ScheduledMessage.kind == "digest", ScheduledMessage.due_at >= now - DIGEST_SLACK
            )
        )
    )
    for supervisor in session.scalars(
        select(Person).where(Person.role == Role.SUPERVISOR, Person.active.is_(True))
    ):
        zone = ZoneInfo(supervisor.timezone)
        local_today = now.astimezone(zone).date()
        monday = local_today - timedelta(days=local_today.weekday())
        for week_start in (monday, monday + timedelta(days=7)):
            due = datetime.combine(week_start, DIGEST_AT, zone).astimezone(UTC)
            key = f"digest:{supervisor.id}:{week_start.isoformat()}"
            if due >= now - DIGEST_SLACK and key not in existing:
                _schedule(
                    session,
                    supervisor,
                    "digest",
                    due,
                    key,
                    fresh=True,
                    week_start=week_start.isoformat(),
                )
    return created


# -- sending what is due ------------------------------------------------------------------
def _date(ctx: AppContext, moment: datetime, person: Person) -> str:
    local = moment.astimezone(ZoneInfo(person.timezone)).date()
    return format_date(local, "EEEE, d MMMM", locale=ctx.language)


def send_due(ctx: AppContext, session: Session, now: datetime) -> int:
    """Send every due message, in batches, until none is left (or a bounded number of batches)."""
    sent = 0
    for _ in range(MAX_SEND_BATCHES):
        rows = session.scalars(
            select(ScheduledMessage)
            .where(ScheduledMessage.status == WAITING, ScheduledMessage.due_at <= now)
            .options(
                joinedload(ScheduledMessage.person),
                joinedload(ScheduledMessage.session)
                .joinedload(SupervisionSession.agreement)
                .joinedload(Agreement.supervisor),
            )
            .order_by(ScheduledMessage.due_at, ScheduledMessage.id)
            .limit(SEND_BATCH)
            .with_for_update(skip_locked=True, of=ScheduledMessage)
        ).all()
        sent += _send_batch(ctx, session, rows, now)
        if len(rows) < SEND_BATCH:
            break
    return sent


def _send_batch(
    ctx: AppContext, session: Session, rows: Sequence[ScheduledMessage], now: datetime
) -> int:
    sent = 0
    for row in rows:
        if _passed(row, now):
            row.status = PASSED
            audit.record(session, "reminder.passed", "scheduled_message", row.id, kind=row.kind)
            continue
        reply = _build(ctx, session, row, now)
        if reply is None:
            row.status = DROPPED
            continue
        outbox.notify(
            session, row.person, reply, f"scheduled:{row.key}", now, ctx.channels, kind="reminder"
        )
        row.status, row.sent_at = SENT, now
        sent += 1
    session.flush()
    return sent


def _passed(row: ScheduledMessage, now: datetime) -> bool:
    """Too late to send: a reminder once its session began, a day-before reminder once the
    "soon" one is due (that one says it all; a late day-before goes out until then), a digest
    more than a day late."""
    if row.kind == "day_before" and row.session is not None:
        return row.session.starts_at - REMINDER_LEAD <= now
    if row.kind in BEFORE_START and row.session is not None:
        return row.session.starts_at <= now
    if row.kind in ("digest", cases.DIGEST_KIND):
        return now - row.due_at > DIGEST_SLACK
    return False


def _build(ctx: AppContext, session: Session, row: ScheduledMessage, now: datetime) -> Reply | None:
    t, person = ctx.catalog, row.person
    target = row.session
    if row.kind == "digest":
        return digest(ctx, session, person, now, date.fromisoformat(str(row.payload["week_start"])))
    if row.kind == cases.DIGEST_KIND:
        return cases.digest(ctx, session, person, row.due_at, now)
    if row.kind == "followup":
        return Reply(t("record.followup_due", text=row.payload.get("text", "")))
    if target is None or target.status not in (SCHEDULED, HELD, NOT_HELD):
        return None
    agreement = target.agreement
    when = {
        "date": _date(ctx, target.starts_at, person),
        "time": local_clock(target.starts_at, person.timezone),
        "kind": in_sentence(t(f"slot_kind.{agreement.kind}")),
        "mode": in_sentence(t(f"mode.{agreement.mode}")),
        "place": f" ({agreement.place})" if agreement.place else "",
        "supervisor": agreement.supervisor.name,
    }
    if row.kind in BEFORE_START:
        if target.status != SCHEDULED:
            return None
        lead = "slot.reminder_soon"
        if row.kind == "day_before":
            # Sent late (the service was down at 16:00), it may go on the day itself.
            zone = ZoneInfo(person.timezone)
            same_day = now.astimezone(zone).date() == target.starts_at.astimezone(zone).date()
            lead = "slot.reminder_today" if same_day else "slot.reminder_day_before"
        if person.id == agreement.supervisor_id:
            names = ", ".join(p.name for p in agreed_people(agreement))
            return Reply(t(f"{lead}_supervisor", **when, names=names))
        options = [
            Option("hadir", t("slot.opt_attend")),
            Option("ulang", t("slot.opt_reschedule")),
            Option("tidak", t("slot.opt_absent")),
        ]
        return prompts.make_prompt(
            session, person, REMINDER_ACTION, target.id, t(lead, **when), options, now
        )
    if row.kind == "record":
        if target.recorded_at is not None or target.status != SCHEDULED:
            return None
        options = [Option("catat", t("record.opt_record"))]
        return prompts.make_prompt(
            session, person, RECORD_ACTION, target.id, t("record.ask", **when), options, now
        )
    if row.kind == "record_overdue":
        if target.recorded_at is not None or target.status != SCHEDULED:
            return None
        audit.record(session, "session.record_overdue", "session", target.id)
        options = [Option("catat", t("record.opt_record"))]
        return prompts.make_prompt(
            session, person, RECORD_ACTION, target.id, t("record.overdue", **when), options, now
        )
    return None


def run_supervision_clock(ctx: AppContext, session: Session, now: datetime) -> int:
    plan_all(ctx, session, now)
    return send_due(ctx, session, now)
