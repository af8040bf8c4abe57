"""Telegram account linking: a shared contact whose phone is on the roster links the account."""

from __future__ import annotations

from sqlalchemy import select

from conversations.catalog import Catalog
from conversations.engine import IDLE, Transition
from conversations.messages import Channel, Reply
from handlers.core import audit
from handlers.core.turn import Turn
from handlers.people.phones import try_e164
from storage.models import Person


def ask_contact(t: Catalog) -> Reply:
    return Reply(t("link.ask_contact"), request_contact=True)


def link_contact(turn: Turn) -> Transition:
    """Link the sender's Telegram account to the roster entry of the phone they shared."""
    t, inbound = turn.t, turn.inbound
    if inbound.channel != Channel.TELEGRAM:
        return Transition(IDLE, [], show_menu=True)
    if not inbound.contact_is_own:
        return Transition(IDLE, [Reply(t("link.not_own_contact"))], show_menu=True)
    phone = try_e164(inbound.contact_phone or "")
    person = None
    if phone is not None:
        person = turn.session.scalars(
            select(Person).where(Person.phone == phone, Person.active.is_(True))
        ).one_or_none()
    if person is None:
        audit.record(
            turn.session,
            "link.refused",
            "telegram",
            inbound.sender_user_id or "",
            actor_address=inbound.address,
            reason="not_on_roster",
        )
        return Transition(IDLE, [Reply(t("link.not_on_roster"))], show_menu=True)
    if person.telegram_user_id not in (None, inbound.sender_user_id):
        return Transition(IDLE, [Reply(t("link.in_use"))], show_menu=True)
    person.telegram_user_id = inbound.sender_user_id
    person.telegram_chat_id = int(inbound.address)
    person.telegram_unreachable = False
    person.last_channel = Channel.TELEGRAM
    turn.person = person
    audit.record(turn.session, "link.linked", "person", person.id, actor=person)
    reply = Reply(t("link.linked", name=person.first_name, role=t(f"role.{person.role}")))
    return Transition(IDLE, [reply], show_menu=True)
