"""Supervision planned ahead: the occurrences of each active agreement within three weeks, and
the messages each one will need (reminders, record requests, the Monday digests, follow-ups) as
`ScheduledMessage` rows. Sending them when due is `handlers.supervision.clock`.

Occurrences are computed from the agreement's start date (never cron's week='*/2'), and a plan is
kept exact: after a move or a new participant the reminders no longer wanted are dropped and the
missing ones added, so nothing is planned twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date
from sqlalchemy import case, func, or_, select, update
from sqlalchemy.orm import Session, joinedload, selectinload

from conversations.messages import Option
from handlers.calendar import at_local, holiday_name, is_working_day, local_clock, occurrence_date
from handlers.core.context import AppContext
from handlers.core.messaging import Messenger
from handlers.supervision.states import HOLIDAY_ACTION, agreed_people
from storage.models import (
    Agreement,
    AgreementParticipant,
    Person,
    Role,
    ScheduledMessage,
    SupervisionSession,
)
from storage.vocabulary import AgreementStatus, ScheduledKind, ScheduledStatus, SessionStatus

HORIZON = timedelta(days=21)
REMINDER_LEAD = timedelta(minutes=60)
DAY_BEFORE_AT = time(16, 0)
DIGEST_AT = time(7, 0)
FOLLOWUP_AT = time(8, 0)
RECORD_FLAG_AFTER = timedelta(hours=48)
DIGEST_SLACK = timedelta(days=1)  # a digest more than a day late is not sent any more
PLAN_BATCH = 2_000  # agreements whose plans are read in one query (SQLite caps parameters)


def local_date(ctx: AppContext, moment: datetime, person: Person) -> str:
    """A UTC instant as a date in the person's own zone, e.g. "Selasa, 8 Desember"."""
    local = moment.astimezone(ZoneInfo(person.timezone)).date()
    return format_date(local, "EEEE, d MMMM", locale=ctx.language)


def schedule(
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
            wanted.append((person, ScheduledKind.DAY_BEFORE, day_before.astimezone(UTC), key))
        wanted.append((person, ScheduledKind.SOON, soon, f"{base}:soon"))
    supervisor = agreement.supervisor
    base = f"session:{row.id}:{stamp}:{supervisor.id}"
    wanted.append((supervisor, ScheduledKind.RECORD, row.ends_at, f"{base}:record"))
    overdue = row.ends_at + RECORD_FLAG_AFTER
    wanted.append((supervisor, ScheduledKind.RECORD_OVERDUE, overdue, f"{base}:record_overdue"))
    return wanted


def plan_reminders(
    ctx: AppContext, session: Session, row: SupervisionSession, now: datetime, fresh: bool = False
) -> None:
    """Give one session exactly the reminders it should have now: after a move, or when a
    participant joins, the ones no longer wanted are dropped and the missing ones added (a
    dropped one comes back if the session returns to that time). A `fresh` session has none."""
    if fresh:
        for person, kind, due, key in _wanted_reminders(row, now):
            schedule(session, person, kind, due, key, row, fresh=True)
        return
    existing = {
        m.key: m
        for m in session.scalars(
            select(ScheduledMessage).where(ScheduledMessage.session_id == row.id)
        )
    }
    waiting = frozenset(key for key, m in existing.items() if m.status == ScheduledStatus.WAITING)
    wanted = _wanted_reminders(row, now, late_ok=waiting)
    keys = {key for *_, key in wanted}
    for message in existing.values():
        if message.status == ScheduledStatus.WAITING and message.key not in keys:
            message.status = ScheduledStatus.DROPPED
    for person, kind, due, key in wanted:
        message = existing.get(key)
        if message is None:
            schedule(session, person, kind, due, key, row, fresh=True)
        elif message.status == ScheduledStatus.DROPPED:
            message.status, message.due_at = ScheduledStatus.WAITING, due


def refresh_reminders(
    ctx: AppContext, session: Session, agreement: Agreement, now: datetime
) -> None:
    """After someone joins an active agreement: their reminders for the sessions ahead."""
    for row in session.scalars(
        select(SupervisionSession).where(
            SupervisionSession.agreement_id == agreement.id,
            SupervisionSession.status == SessionStatus.SCHEDULED,
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
    live = case(
        (SupervisionSession.status != SessionStatus.CANCELLED, SupervisionSession.planned_for)
    )
    query = select(
        SupervisionSession.agreement_id, func.max(SupervisionSession.occurrence), func.max(live)
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
            # The first occurrence beyond the horizon: the tick comes back when it enters it.
            agreement.plan_due_at = starts - HORIZON
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
    """A session planned on a public holiday: the supervisor chooses to move, skip or keep it."""
    t, supervisor = ctx.catalog, row.agreement.supervisor
    text = t(
        "slot.holiday",
        date=local_date(ctx, row.starts_at, supervisor),
        holiday=row.holiday_name,
        time=local_clock(row.starts_at, supervisor.timezone),
    )
    options = [
        Option("geser", t("slot.opt_move")),
        Option("lewati", t("slot.opt_skip")),
        Option("tetap", t("slot.opt_keep_holiday")),
    ]
    out = Messenger(session, ctx, now, f"session:{row.id}")
    out.ask_text(
        supervisor, text, options, HOLIDAY_ACTION, row.id, about="holiday", kind="reminder"
    )


def replan(ctx: AppContext, session: Session, agreement: Agreement, now: datetime) -> None:
    """After a change of day/time or a resume: future sessions are planned anew."""
    cancel_future(session, agreement, now)
    session.flush()
    plan_agreement(ctx, session, agreement, now)


def cancel_session(
    session: Session, row: SupervisionSession, status: SessionStatus, now: datetime
) -> None:
    row.status = status
    session.execute(
        update(ScheduledMessage)
        .where(
            ScheduledMessage.session_id == row.id,
            ScheduledMessage.status == ScheduledStatus.WAITING,
        )
        .values(status=ScheduledStatus.DROPPED)
    )


def cancel_future(session: Session, agreement: Agreement, now: datetime) -> None:
    for row in session.scalars(
        select(SupervisionSession).where(
            SupervisionSession.agreement_id == agreement.id,
            SupervisionSession.status == SessionStatus.SCHEDULED,
            SupervisionSession.starts_at > now,
        )
    ):
        cancel_session(session, row, SessionStatus.CANCELLED, now)


def next_working_start(row: SupervisionSession) -> datetime:
    zone = row.agreement.timezone
    local = row.starts_at.astimezone(ZoneInfo(zone))
    day = local.date() + timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return at_local(day, local.time().replace(tzinfo=None), zone)


def plan_all(ctx: AppContext, session: Session, now: datetime) -> int:
    """Plan the coming sessions of every active agreement whose next occurrence has entered the
    horizon (`plan_due_at` passed, or never planned), and each supervisor's next digests. Only
    those agreements are read, and what they have planned in one query per `PLAN_BATCH`, so a
    tick's cost follows what is due, not how many agreements there are.

    The agreements are read before what is planned: an agreement that became active (and was
    planned) in a chat transaction committed in between is then seen with its sessions, not
    planned a second time."""
    agreements = session.scalars(
        select(Agreement)
        .where(
            Agreement.status == AgreementStatus.ACTIVE,
            or_(Agreement.plan_due_at.is_(None), Agreement.plan_due_at <= now),
        )
        .options(
            joinedload(Agreement.supervisor),
            selectinload(Agreement.participants).joinedload(AgreementParticipant.person),
        )
        .order_by(Agreement.id)
    ).all()
    created = 0
    for first in range(0, len(agreements), PLAN_BATCH):
        batch = agreements[first : first + PLAN_BATCH]
        planned = planned_so_far(session, [agreement.id for agreement in batch])
        for agreement in batch:
            known = planned.get(agreement.id, Planned(-1, None))
            created += plan_agreement(ctx, session, agreement, now, known)
    _plan_digests(session, now)
    return created


def _plan_digests(session: Session, now: datetime) -> None:
    """This week's and next week's Monday digest for every active supervisor, once.

    Only supervisors still without next week's digest are read (one query per time zone in
    use), so a tick costs nothing more once a week's digests are planned."""
    zones = session.scalars(
        select(Person.timezone)
        .where(Person.role == Role.SUPERVISOR, Person.active.is_(True))
        .distinct()
    ).all()
    for zone_name in zones:
        zone = ZoneInfo(zone_name)
        local_today = now.astimezone(zone).date()
        monday = local_today - timedelta(days=local_today.weekday())
        weeks = {
            week: datetime.combine(week, DIGEST_AT, zone).astimezone(UTC)
            for week in (monday, monday + timedelta(days=7))
        }
        next_due = weeks[monday + timedelta(days=7)]
        unplanned = session.scalars(
            select(Person).where(
                Person.role == Role.SUPERVISOR,
                Person.active.is_(True),
                Person.timezone == zone_name,
                ~select(ScheduledMessage.id)
                .where(
                    ScheduledMessage.person_id == Person.id,
                    ScheduledMessage.kind == ScheduledKind.DIGEST,
                    ScheduledMessage.due_at >= next_due,
                )
                .exists(),
            )
        ).all()
        for supervisor in unplanned:
            for week_start, due in weeks.items():
                if due >= now - DIGEST_SLACK:
                    key = f"digest:{supervisor.id}:{week_start.isoformat()}"
                    week = week_start.isoformat()
                    schedule(session, supervisor, ScheduledKind.DIGEST, due, key, week_start=week)


def schedule_followups(
    session: Session, row: SupervisionSession, people: list[Person], day: date, text: str
) -> None:
    """A follow-up agreed in a session's record: a reminder on its day, 08:00 each one's time."""
    for person in people:
        zone = ZoneInfo(person.timezone)
        due = datetime.combine(day, FOLLOWUP_AT, zone).astimezone(UTC)
        key = f"followup:{row.id}:{person.id}"
        schedule(session, person, ScheduledKind.FOLLOWUP, due, key, row, fresh=True, text=text)
