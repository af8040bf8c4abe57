"""Where a sender is in their dialog: read with the sender in one statement, written back with
one UPDATE guarded by the row's version.

The saved state is read as plain columns and written with SQLAlchemy Core: loading it as an ORM
object and flushing it through the unit of work was about a fifth of a dialog step's CPU. The
optimistic lock stays as the ORM kept it (`version_id_col`): the UPDATE names the version read
and sets the next one, and a row another writer changed or removed meanwhile updates nothing,
which raises `StaleDataError` like the ORM does (the router retries on fresh state).

Two cases still go through the ORM: a first message (the row is added to the session before the
turn, as before, so the turn's queries see it) and a turn that loaded the state row itself (an
erasure empties it): that object is then the one written, with its own version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, literal, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from conversations.engine import IDLE_TIMEOUT, FlowState
from conversations.messages import Channel, Inbound
from handlers.core.identity import sender_match, sender_params
from storage.models import ConversationState, Person

STATES = ConversationState.__table__
# Built once, so each message reuses the statements and their cache keys.
_MINE = and_(STATES.c.channel == bindparam("channel"), STATES.c.address == bindparam("address"))
_READ = (
    STATES.c.id,
    STATES.c.version,
    STATES.c.person_id,
    STATES.c.flow,
    STATES.c.step,
    STATES.c.data,
    STATES.c.prompt_token,
    STATES.c.updated_at,
)
_STATE = select(*_READ).where(_MINE)
_ONE_ROW = select(literal(1).label("one")).subquery("one")
# The sender and their dialog in one round trip: one row, each side NULL when not found.
_SENDER_AND_STATE = {
    telegram: select(Person, *(column.label(f"state_{column.key}") for column in _READ))
    .select_from(_ONE_ROW)
    .outerjoin(Person, sender_match(telegram))
    .outerjoin(STATES, _MINE)
    for telegram in (True, False)
}
_WRITTEN = (
    "person_id",
    "flow",
    "step",
    "data",
    "prompt_token",
    "updated_at",
    "expires_at",
    "last_inbound_at",
    "version",
)
_WRITE = (
    update(STATES)
    .where(STATES.c.id == bindparam("state_id"), STATES.c.version == bindparam("read_version"))
    .values({name: bindparam(f"new_{name}") for name in _WRITTEN})
)


@dataclass(frozen=True)
class Saved:
    """A stored dialog state as read at the start of the turn."""

    id: int
    version: int
    person_id: int | None
    state: FlowState


def _saved(row: Any) -> Saved | None:
    row_id, version, person_id, flow, step, data, token, updated_at = row
    if row_id is None:
        return None
    return Saved(row_id, version, person_id, FlowState(flow, step, data or {}, token, updated_at))


def load(session: Session, inbound: Inbound) -> tuple[Person | None, Saved | None]:
    """Who wrote (an active rostered person, or None for the public) and their saved dialog."""
    where: dict[str, object] = {"channel": inbound.channel, "address": inbound.address}
    sender = sender_params(inbound)
    if sender is None:
        row = session.execute(_STATE, where).one_or_none()
        return None, None if row is None else _saved(row)
    query = _SENDER_AND_STATE[inbound.channel == Channel.TELEGRAM]
    person, *state = session.execute(query, {**where, **sender}).one()  # many senders: an error
    return person, _saved(state)


def add_new(session: Session, inbound: Inbound, person: Person | None) -> ConversationState:
    """The state row of a first message, in the session before the turn runs."""
    row = ConversationState(
        channel=inbound.channel,
        address=inbound.address,
        data={},
        person_id=person.id if person else None,
    )
    session.add(row)
    return row


def store(
    session: Session,
    saved: Saved | None,
    new: ConversationState | None,
    person: Person | None,
    state: FlowState,
    now: datetime,
) -> None:
    """Write the state after the turn, with whatever the turn added (flushed first)."""
    values: dict[str, Any] = {
        "person_id": person.id if person else None,
        "flow": state.flow,
        "step": state.step,
        "data": dict(state.data),
        "prompt_token": state.token,
        "updated_at": now,
        "expires_at": now + IDLE_TIMEOUT if state.active else None,
        "last_inbound_at": now,
    }
    row = new
    if saved is not None:
        row = session.identity_map.get(session.identity_key(ConversationState, saved.id))
    if row is not None:  # an ORM object: the unit of work writes it and checks its version
        for name, value in values.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
        session.flush()
        return
    assert saved is not None
    session.flush()  # what the turn added goes first, as it did in one flush before
    params = {f"new_{name}": value for name, value in values.items()}
    params |= {"new_version": saved.version + 1, "state_id": saved.id}
    if session.execute(_WRITE, {**params, "read_version": saved.version}).rowcount != 1:
        raise StaleDataError(f"conversation state {saved.id} changed since version {saved.version}")
