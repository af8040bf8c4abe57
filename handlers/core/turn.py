"""One inbound message being handled: everything a domain action may touch, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date
from sqlalchemy.orm import Session

from conversations.messages import Inbound
from handlers.core.context import AppContext
from handlers.core.messaging import Messenger
from storage.models import Person


@dataclass
class Turn:
    ctx: AppContext
    session: Session
    inbound: Inbound
    person: Person | None
    now: datetime

    @property
    def t(self):
        return self.ctx.catalog

    @property
    def staff(self) -> Person:
        """The rostered sender. Only actions that declare staff roles run with a turn, and the
        router checks those roles before it calls them, so this never fails for them."""
        if self.person is None:
            raise PermissionError("a staff action was reached by someone not on the roster")
        return self.person

    @property
    def origin(self) -> str:
        return f"{self.inbound.channel}:{self.inbound.provider_message_id}"

    @property
    def out(self) -> Messenger:
        """`tell` and `ask`, keyed to this inbound message."""
        return Messenger(self.session, self.ctx, self.now, self.origin)

    def key(self, purpose: str) -> str:
        """An idempotency key tied to this inbound message, unique per purpose."""
        return self.out.key(purpose)

    def local_date(self, moment: datetime, person: Person | None = None) -> str:
        """A UTC instant as a date in the person's own zone, e.g. "Rabu, 25 November"."""
        zone = ZoneInfo(person.timezone if person else self.ctx.default_tz)
        return self.local_date_of(moment.astimezone(zone).date())

    def local_today(self) -> date:
        zone = ZoneInfo(self.person.timezone if self.person else self.ctx.default_tz)
        return self.now.astimezone(zone).date()

    def local_date_of(self, day: date) -> str:
        return format_date(day, "EEEE, d MMMM", locale=self.ctx.language)
