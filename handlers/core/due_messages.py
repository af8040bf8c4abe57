"""Planning due messages (reminders, digests) in the table the supervision clock sends from.

A due row's key names what it is about and when, so planning the same thing twice, from a
retried message or a second worker, plans it once."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Person, ScheduledMessage


def plan_once(
    session: Session,
    key: str,
    person: Person,
    kind: str,
    due_at: datetime,
    payload: dict[str, Any] | None = None,
) -> bool:
    """Add the due row unless one with this key exists; whether it was added."""
    if session.scalar(select(ScheduledMessage.id).where(ScheduledMessage.key == key)) is not None:
        return False
    session.add(
        ScheduledMessage(
            key=key, person_id=person.id, kind=kind, due_at=due_at, payload=payload or {}
        )
    )
    return True


def plan_daily_digest(session: Session, person: Person, kind: str, at: time, now: datetime) -> None:
    """The person's next digest at `at` their time (today if still ahead, else tomorrow), once
    per day however many things are kept back for it."""
    zone = ZoneInfo(person.timezone)
    local = now.astimezone(zone)
    day = local.date() if local.time() < at else local.date() + timedelta(days=1)
    due = datetime.combine(day, at, zone).astimezone(UTC)
    plan_once(session, f"{kind}:{person.id}:{day.isoformat()}", person, kind, due)
