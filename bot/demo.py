"""The demo roster a bare `pkh-bot run` seeds into an empty database."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from handlers.people.roster import ImportReport, import_roster_file
from storage.db import transaction
from storage.models import Person

DEMO_ROSTER = Path(__file__).parent / "demo_roster.csv"
DEMO_PUBLIC_NUMBER = "0813-9000-0001"


def seed_demo_roster(sessions: sessionmaker[Session], default_tz: str) -> ImportReport | None:
    """Load the demo roster if nobody is on the roster yet; None when there was someone."""
    with transaction(sessions) as session:
        if session.scalar(select(func.count()).select_from(Person)):
            return None
        return import_roster_file(session, DEMO_ROSTER, default_tz)
