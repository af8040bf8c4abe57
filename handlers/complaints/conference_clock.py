"""The clock of a complaint's case conference: both the supervisor and the korkab are reminded
like a supervision session (16:00 their time the day before, and an hour before), and the
supervisor is asked to record the result an hour after it began.

The rows travel through the due-message table the supervision clock sends (as another domain's
digest, see `scheduler.duties`). A row names its conference and what it is; when it comes due
the message is built only if that conference is still scheduled for the very time the row was
planned for: a cancelled, recorded or moved conference sends nothing (a move also drops the rows
it no longer wants, so an unchanged 16:00 never goes twice).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from conversations.messages import Reply
from handlers.complaints import conference
from handlers.core import due_messages, prompts
from handlers.core.context import AppContext
from storage.models import ComplaintConference, Person, ScheduledMessage
from storage.vocabulary import ConferenceStatus, ScheduledKind

CONFERENCE_KIND = ScheduledKind.CONFERENCE
SOON_LEAD = timedelta(hours=1)
RECORD_AFTER = timedelta(hours=1)
EVE_AT = time(16, 0)
# How far a conference can lie after the due time of one of its messages (16:00 the day before).
WINDOW = timedelta(days=2)


class Due(StrEnum):
    """What a conference's due message is."""

    DAY_BEFORE = "besok"
    SOON = "segera"
    RECORD = "catat"


def _wanted(conf: ComplaintConference) -> list[tuple[Person, Due, datetime]]:
    """(person, what, due) of every message the conference should have at its current time."""
    wanted = []
    for person in (conf.called_by, conf.korkab):
        if person is None:
            continue
        zone = ZoneInfo(person.timezone)
        local_day = conf.starts_at.astimezone(zone).date()
        eve = datetime.combine(local_day - timedelta(days=1), EVE_AT, zone).astimezone(UTC)
        wanted.append((person, Due.DAY_BEFORE, eve))
        wanted.append((person, Due.SOON, conf.starts_at - SOON_LEAD))
    wanted.append((conf.called_by, Due.RECORD, conf.starts_at + RECORD_AFTER))
    return wanted


def plan(session: Session, conf: ComplaintConference, now: datetime) -> None:
    """Plan the reminders and the record request still ahead of the conference."""
    for person, what, due in _wanted(conf):
        if due <= now:
            continue
        key = f"{conference.plan_prefix(conf)}{conference.stamp(conf)}:{person.id}:{what}"
        payload = {"conference_id": conf.id, "what": str(what)}
        due_messages.plan_once(session, key, person, CONFERENCE_KIND, due, payload)


def conference_message(
    ctx: AppContext, session: Session, row: ScheduledMessage, now: datetime
) -> Reply | None:
    """The reminder or record request the row is due for, or None when its conference is no
    longer scheduled with that message at that very time (cancelled, recorded or moved)."""
    person = row.person
    conf = session.get(ComplaintConference, int(row.payload["conference_id"]))
    if conf is None or conf.status != ConferenceStatus.SCHEDULED or conf.recorded_at is not None:
        return None
    what = Due(str(row.payload["what"]))
    for whom, wanted, at in _wanted(conf):
        if whom.id == person.id and wanted == what and at == row.due_at:
            return _build(ctx, session, conf, person, what, now)
    return None


def _build(
    ctx: AppContext,
    session: Session,
    conf: ComplaintConference,
    person: Person,
    what: Due,
    now: datetime,
) -> Reply | None:
    t = ctx.catalog
    params = conference.params(ctx, conf, person)
    if what == Due.RECORD:
        text = t("complaint_conference.record_due", **params)
        options = conference.manage_options(t, conf, record_only=True)
        return prompts.make_prompt(
            session, person, conference.MANAGE_ACTION, conf.id, text, options, now
        )
    if now >= conf.starts_at or (what == Due.DAY_BEFORE and now >= conf.starts_at - SOON_LEAD):
        return None  # begun, or the hour-before reminder says it all
    lead = "reminder_day_before" if what == Due.DAY_BEFORE else "reminder_soon"
    if person.id == conf.korkab_id:
        text = t(f"complaint_conference.{lead}_korkab", **params)
        options = conference.invite_options(t, conf)
        action = conference.INVITE_ACTION
    else:
        text = t(f"complaint_conference.{lead}", **params)
        options = conference.manage_options(t, conf)
        action = conference.MANAGE_ACTION
    return prompts.make_prompt(session, person, action, conf.id, text, options, now)
