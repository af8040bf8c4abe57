"""The supervision clock, run by every tick: plan what is ahead, then send each due message
(reminders, record requests, follow-ups, the Monday digest) exactly once.

Every due row is claimed (FOR UPDATE SKIP LOCKED) and marked in the transaction that queues its
outbox row, so a crash, a restart, a second worker or a second tick never drops or doubles one.
A reminder for a slot that has already begun is not sent late: it is marked `lewat` instead; a
day-before reminder that is late (the service was down) still goes until the "soon" one is due.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from types import MappingProxyType
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from conversations.catalog import in_sentence
from conversations.messages import Option, Reply
from handlers.calendar import local_clock
from handlers.core import audit, bulk, outbox
from handlers.core.context import AppContext
from handlers.core.messaging import Messenger
from handlers.supervision.agenda import discussion_counts, discussion_line
from handlers.supervision.digest import digest
from handlers.supervision.planning import DIGEST_SLACK, REMINDER_LEAD, local_date, plan_all
from handlers.supervision.states import RECORD_ACTION, REMINDER_ACTION, agreed_people
from storage.models import Agreement, AgreementParticipant, ScheduledMessage, SupervisionSession
from storage.vocabulary import ScheduledKind, ScheduledStatus, SessionStatus

SEND_BATCH = 500
MAX_SEND_BATCHES = 40
# Kinds sent before a session starts: skipped once it has started. Later kinds supersede earlier.
BEFORE_START = (ScheduledKind.DAY_BEFORE, ScheduledKind.SOON)
# A session skipped or cancelled has nothing more to say.
CALLED_OFF = (SessionStatus.SKIPPED, SessionStatus.CANCELLED)
KIND = "reminder"  # of every message the clock sends

OtherDigest = Callable[[AppContext, Session, ScheduledMessage, datetime], Reply | None]
"""Another domain's message kept in the same table: (ctx, session, the due row, now) -> a reply
(choices and all), or None when it no longer applies. The row's payload names what it is about
(a consultation, a visit, a conference), so two due at the same moment never mix."""
OtherDigests = Mapping[str, OtherDigest]


def run_supervision_clock(
    ctx: AppContext,
    session: Session,
    now: datetime,
    other_digests: OtherDigests = MappingProxyType({}),
) -> int:
    """Plan the sessions ahead and send every message now due; the count sent.

    `other_digests` (by kind) are the digests of other domains that travel through the same
    due-message table, e.g. the daily case digest: the scheduler hands them in, so supervision
    imports no other domain. Like the Monday digest, one more than a day late is not sent."""
    plan_all(ctx, session, now)
    return send_due(ctx, session, now, other_digests)


def send_due(ctx: AppContext, session: Session, now: datetime, other_digests: OtherDigests) -> int:
    """Send every due message, in batches, until none is left (or a bounded number of batches)."""
    sent = 0
    for _ in range(MAX_SEND_BATCHES):
        rows = session.scalars(
            select(ScheduledMessage)
            .where(
                ScheduledMessage.status == ScheduledStatus.WAITING, ScheduledMessage.due_at <= now
            )
            .options(
                # Everything a reminder names, loaded with the batch: a lazy load per row would
                # also flush the batch's outbox rows one reminder at a time. One IN query per
                # relation: each person, session and agreement is read once, not once per row.
                selectinload(ScheduledMessage.person),
                selectinload(ScheduledMessage.session)
                .selectinload(SupervisionSession.agreement)
                .selectinload(Agreement.supervisor),
                selectinload(ScheduledMessage.session)
                .selectinload(SupervisionSession.agreement)
                .selectinload(Agreement.participants)
                .selectinload(AgreementParticipant.person),
            )
            .order_by(ScheduledMessage.due_at, ScheduledMessage.id)
            .limit(SEND_BATCH)
            .with_for_update(skip_locked=True)
        ).all()
        sent += _send_batch(ctx, session, rows, now, other_digests)
        if len(rows) < SEND_BATCH:
            break
    return sent


def _send_batch(
    ctx: AppContext,
    session: Session,
    rows: Sequence[ScheduledMessage],
    now: datetime,
    other_digests: OtherDigests,
) -> int:
    # The day-before reminders' "perlu dibahas" counts, for the whole batch in one query.
    with session.no_autoflush:  # it reads cases, which sending reminders does not change
        counts = discussion_counts(session, _discussed_ids(rows))
    outcomes: dict[str, list[int]] = defaultdict(list)
    with bulk.together(session):  # the batch's outbox rows in one INSERT
        for row in rows:
            if _passed(row, now, other_digests):
                outcomes[ScheduledStatus.PASSED].append(row.id)
                audit.record(session, "reminder.passed", "scheduled_message", row.id, kind=row.kind)
                continue
            # The row's key names the session and its time (or the digest's day): a tick run
            # twice, or a session moved and back, queues nothing twice.
            out = Messenger(session, ctx, now, f"scheduled:{row.key}")
            sent_now = _send(out, row, other_digests, counts)
            outcomes[ScheduledStatus.SENT if sent_now else ScheduledStatus.DROPPED].append(row.id)
    _mark(session, outcomes, now)
    return len(outcomes[ScheduledStatus.SENT])


def _mark(session: Session, outcomes: Mapping[str, list[int]], now: datetime) -> None:
    """One UPDATE per outcome for the whole batch (the claimed rows are locked by this
    transaction), after everything the batch queued is flushed."""
    session.flush()
    table = ScheduledMessage.__table__
    for status, ids in outcomes.items():
        if ids:
            sent_at = {"sent_at": now} if status == ScheduledStatus.SENT else {}
            session.execute(
                update(table).where(table.c.id.in_(ids)).values(status=status, **sent_at)
            )


def _passed(row: ScheduledMessage, now: datetime, other_digests: OtherDigests) -> bool:
    """Too late to send: a reminder once its session began, a day-before reminder once the
    "soon" one is due (that one says it all; a late day-before goes out until then), a digest
    more than a day late."""
    if row.kind == ScheduledKind.DAY_BEFORE and row.session is not None:
        return row.session.starts_at - REMINDER_LEAD <= now
    if row.kind in BEFORE_START and row.session is not None:
        return row.session.starts_at <= now
    if row.kind == ScheduledKind.DIGEST or row.kind in other_digests:
        return now - row.due_at > DIGEST_SLACK
    return False


def _discussed_ids(rows: Sequence[ScheduledMessage]) -> set[int]:
    """The pendamping of the sessions whose supervisor gets a day-before reminder in `rows`."""
    return {
        person.id
        for row in rows
        if row.kind == ScheduledKind.DAY_BEFORE
        and row.session is not None
        and row.person_id == row.session.agreement.supervisor_id
        for person in agreed_people(row.session.agreement)
    }


def _send(
    out: Messenger, row: ScheduledMessage, other_digests: OtherDigests, counts: Mapping[int, int]
) -> bool:
    """Queue what a due row says, if it still applies; False when it no longer does."""
    ctx, session, now = out.ctx, out.session, out.now
    person, target = row.person, row.session
    about, kind = row.kind, KIND
    if row.kind == ScheduledKind.DIGEST:
        week_start = date.fromisoformat(str(row.payload["week_start"]))
        text = digest(ctx, session, person, now, week_start)
        out.tell_text(person, text, about=about, kind=kind)
        return True
    if row.kind in other_digests:
        reply = other_digests[row.kind](ctx, session, row, now)
        if reply is None:
            return False
        # Built by its own domain, choices and all: queued as it is.
        key = out.key(f"{about}:{person.id}")
        outbox.notify(session, person, reply, key, now, ctx.channels, kind=kind)
        return True
    if row.kind == ScheduledKind.FOLLOWUP:
        out.tell(
            person, "record.followup_due", about=about, kind=kind, text=row.payload.get("text", "")
        )
        return True
    if target is None or target.status in CALLED_OFF:
        return False
    return _send_about_session(out, row, target, counts)


def _send_about_session(
    out: Messenger, row: ScheduledMessage, target: SupervisionSession, counts: Mapping[int, int]
) -> bool:
    """A reminder of a session, or the supervisor's request to record it; `counts` are the
    batch's "perlu dibahas" counts per pendamping."""
    ctx, session, now = out.ctx, out.session, out.now
    t, person = ctx.catalog, row.person
    about, kind = row.kind, KIND
    agreement = target.agreement
    when = {
        "date": local_date(ctx, target.starts_at, person),
        "time": local_clock(target.starts_at, person.timezone),
        "kind": in_sentence(t(f"slot_kind.{agreement.kind}")),
        "mode": in_sentence(t(f"mode.{agreement.mode}")),
        "place": f" ({agreement.place})" if agreement.place else "",
        "supervisor": agreement.supervisor.name,
    }
    if row.kind in BEFORE_START:
        if target.status != SessionStatus.SCHEDULED:
            return False
        lead = "slot.reminder_soon"
        if row.kind == ScheduledKind.DAY_BEFORE:
            # Sent late (the service was down at 16:00), it may go on the day itself.
            zone = ZoneInfo(person.timezone)
            same_day = now.astimezone(zone).date() == target.starts_at.astimezone(zone).date()
            lead = "slot.reminder_today" if same_day else "slot.reminder_day_before"
        if person.id == agreement.supervisor_id:
            people = agreed_people(agreement)
            lines = [t(f"{lead}_supervisor", **when, names=", ".join(p.name for p in people))]
            if row.kind == ScheduledKind.DAY_BEFORE:  # with the agenda's "perlu dibahas" count
                lines.append(discussion_line(t, person, people, counts) or "")
            out.tell_text(person, "\n".join(filter(None, lines)), about=about, kind=kind)
            return True
        options = [
            Option("hadir", t("slot.opt_attend")),
            Option("ulang", t("slot.opt_reschedule")),
            Option("tidak", t("slot.opt_absent")),
        ]
        text = t(lead, **when)
        out.ask_text(person, text, options, REMINDER_ACTION, target.id, about=about, kind=kind)
        return True
    if row.kind in (ScheduledKind.RECORD, ScheduledKind.RECORD_OVERDUE):
        if target.recorded_at is not None or target.status != SessionStatus.SCHEDULED:
            return False
        if row.kind == ScheduledKind.RECORD_OVERDUE:
            audit.record(session, "session.record_overdue", "session", target.id)
        text = t("record.ask" if row.kind == ScheduledKind.RECORD else "record.overdue", **when)
        options = [Option("catat", t("record.opt_record"))]
        out.ask_text(person, text, options, RECORD_ACTION, target.id, about=about, kind=kind)
        return True
    return False
