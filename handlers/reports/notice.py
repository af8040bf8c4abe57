"""The monthly notice: on the first working day of a month, every active supervisor and korkab is
told in chat that last month's report is ready, with a one-time dashboard sign-in link.

When: from 08:00 in the person's own zone on the first working day of the month (weekends,
national holidays and cuti bersama skipped, see `handlers.calendar`). A tick that runs late (the
service was down) still sends it until the end of the `LATE_WORKING_DAYS`-th working day after
that; later than that the notice is old news and is skipped for the month (the person can type
"dasbor" at any time).

Exactly once per person and month: a `ScheduledMessage` row keyed by person and month is written,
already sent, in the transaction that queues the outbox row (whose idempotency key is the same).
The supervision clock claims only waiting rows, so it never touches these markers. Two ticks
racing on one person collide on the unique key: the second transaction rolls back whole (its
link included) and the next tick finds the marker.

The link's token is a secret part (the outbox keeps no copy once sent) and the channel is asked
not to preview it, as for the `dasbor` command. When the person has asked for too many links
this hour, the notice goes without one and tells them to type "dasbor" later.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date
from sqlalchemy import ColumnElement, String, and_, cast, literal, select
from sqlalchemy.orm import Session

from conversations.messages import Reply
from handlers.calendar import add_working_days, at_local, is_working_day
from handlers.core import outbox
from handlers.core.context import AppContext
from handlers.people.login import issue_link
from storage.models import Person, ScheduledMessage
from storage.vocabulary import Role, ScheduledKind, ScheduledStatus

NOTICE_KIND = ScheduledKind.MONTHLY_NOTICE  # of its ScheduledMessage marker and its outbox row
NOTICE_AT = time(8, 0)  # local time on the first working day
LATE_WORKING_DAYS = 2  # a late tick still sends through this many working days after the first
NOTICE_ROLES = (Role.SUPERVISOR, Role.KORKAB)


def first_working_day(year: int, month: int) -> date:
    """The first day of the month that is neither a weekend, a holiday nor cuti bersama."""
    day = date(year, month, 1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def notice_key(person: Person, month: date) -> str:
    """One per person and month (the month the notice is sent in, not the one it reports)."""
    return f"{NOTICE_KIND}:{person.id}:{month:%Y-%m}"


def due_window(now: datetime, timezone: str) -> tuple[datetime, date] | None:
    """(due instant, this month's first day) when a notice is due now in `timezone`, else None."""
    local = now.astimezone(ZoneInfo(timezone))
    first = first_working_day(local.year, local.month)
    due = at_local(first, NOTICE_AT, timezone)
    if now < due or local.date() > add_working_days(first, LATE_WORKING_DAYS):
        return None
    return due, local.date().replace(day=1)


def send_monthly_notices(ctx: AppContext, session: Session, now: datetime) -> int:
    """Queue this month's notice for everyone it is due for and not yet sent to; the count.

    Per time zone in use, only while a notice is due there, and only the people without this
    month's marker are read: a tick with nothing to send costs one small query."""
    if not ctx.monthly_notice:
        return 0
    zones = session.scalars(select(Person.timezone).where(_notified()).distinct()).all()
    sent = 0
    for zone in sorted(zones):
        window = due_window(now, zone)
        if window is None:
            continue
        due, month = window
        marker = (
            literal(f"{NOTICE_KIND}:", String) + cast(Person.id, String) + f":{month:%Y-%m}"
        )  # notice_key in SQL
        people = session.scalars(
            select(Person)
            .where(
                _notified(),
                Person.timezone == zone,
                ~select(ScheduledMessage.id).where(ScheduledMessage.key == marker).exists(),
            )
            .order_by(Person.id)
        ).all()
        for person in people:
            _send_notice(ctx, session, person, now, due, month)
            sent += 1
    session.flush()
    return sent


def _notified() -> ColumnElement[bool]:
    return and_(Person.active.is_(True), Person.role.in_(NOTICE_ROLES))


def _send_notice(
    ctx: AppContext, session: Session, person: Person, now: datetime, due: datetime, month: date
) -> None:
    """The notice, and its marker (already sent) in the same transaction."""
    key = notice_key(person, month)
    reply = notice_reply(ctx, session, person, now, month)
    outbox.notify(session, person, reply, key, now, ctx.channels, kind=NOTICE_KIND)
    session.add(
        ScheduledMessage(
            key=key,
            person_id=person.id,
            kind=NOTICE_KIND,
            due_at=due,
            status=ScheduledStatus.SENT,
            sent_at=now,
            payload={"month": f"{month:%Y-%m}"},
        )
    )


def notice_reply(
    ctx: AppContext, session: Session, person: Person, now: datetime, month: date
) -> Reply:
    """The notice: last month's name, and a sign-in link unless too many were asked for."""
    t = ctx.catalog
    reported = (month - timedelta(days=1)).replace(day=1)
    lead = t(
        "monthly_notice.lead",
        name=person.first_name,
        month=format_date(reported, "MMMM y", locale=ctx.language),
    )
    token = issue_link(session, person, now)
    if token is None:
        return Reply(f"{lead}\n\n{t('monthly_notice.no_link')}")
    url = f"{ctx.dashboard_base.rstrip('/')}/masuk/{token}"
    return Reply(
        f"{lead}\n\n{t('monthly_notice.link', url=url)}",
        secret_parts=(token,),
        no_link_preview=True,
    )
