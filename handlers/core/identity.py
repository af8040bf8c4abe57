"""Who is writing: a rostered person (by Telegram account or by phone), or the public."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import ColumnElement, and_, bindparam, select
from sqlalchemy.orm import Session

from conversations.messages import Channel, Inbound
from handlers.people.phones import try_e164
from storage.models import Person
from storage.vocabulary import PUBLIC

__all__ = ["PUBLIC", "SENDER", "identify", "role_of", "sender_match", "sender_params"]

# How an inbound message names its sender, as a condition on `people` with the bound value
# "sender": a Telegram account, or a phone number. Built once, so statements that use them are
# reused with their cache key (SQLAlchemy would otherwise build and key the query per message).
SENDER = "sender"
_MATCH: dict[bool, ColumnElement[bool]] = {
    True: and_(Person.telegram_user_id == bindparam(SENDER), Person.active.is_(True)),
    False: and_(Person.phone == bindparam(SENDER), Person.active.is_(True)),
}
_BY = {by_telegram: select(Person).where(match) for by_telegram, match in _MATCH.items()}


def sender_match(telegram: bool) -> ColumnElement[bool]:
    """The condition on `people` that finds a sender on Telegram or by phone, bound by
    `sender_params`."""
    return _MATCH[telegram]


@lru_cache(maxsize=8192)
def _e164(address: str) -> str | None:
    """An address as E.164, remembered: parsing a number with `phonenumbers` took about a tenth
    of a dialog step's CPU, and the same people write again and again."""
    return try_e164(address)


def sender_params(inbound: Inbound) -> dict[str, object] | None:
    """The value `sender_match` is bound to; None when no rostered person can have sent it
    (no Telegram account given, or an address that is no phone number)."""
    if inbound.channel == Channel.TELEGRAM:
        who: object = inbound.sender_user_id
    else:
        who = _e164(inbound.address)
    return None if who is None else {SENDER: who}


def identify(session: Session, inbound: Inbound) -> Person | None:
    params = sender_params(inbound)
    if params is None:
        return None
    query = _BY[inbound.channel == Channel.TELEGRAM]
    return session.scalars(query, params).one_or_none()


def role_of(person: Person | None) -> str:
    return person.role if person is not None else PUBLIC
