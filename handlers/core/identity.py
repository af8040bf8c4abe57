"""Who is writing: a rostered person (by Telegram account or by phone), or the public."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.messages import Channel, Inbound
from handlers.people.phones import try_e164
from storage.models import Person
from storage.vocabulary import PUBLIC

__all__ = ["PUBLIC", "identify", "role_of"]


def identify(session: Session, inbound: Inbound) -> Person | None:
    if inbound.channel == Channel.TELEGRAM:
        if inbound.sender_user_id is None:
            return None
        query = select(Person).where(Person.telegram_user_id == inbound.sender_user_id)
    else:
        phone = try_e164(inbound.address)
        if phone is None:
            return None
        query = select(Person).where(Person.phone == phone)
    return session.scalars(query.where(Person.active.is_(True))).one_or_none()


def role_of(person: Person | None) -> str:
    return person.role if person is not None else PUBLIC
