"""Claiming outbox rows: the due rows of one channel, oldest first, under a lease, so that two
workers never take the same row and each address gets its messages in order.

Claiming marks rows `sending` with a lease (the next-attempt time) in a short transaction, using
FOR UPDATE SKIP LOCKED on PostgreSQL and, for SQLite (which ignores FOR UPDATE), an UPDATE that
only matches the rows as they were read. A claim is three statements for a batch (read and lock,
the per-address check, one UPDATE), and each reads its rows off a partial index of the unsent
rows, so its cost follows the batch, not the queue behind it nor the rows ever sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, bindparam, func, select, tuple_, update
from sqlalchemy.orm import Session, sessionmaker

from conversations.messages import Reply
from scheduler.senders import Outgoing
from storage.db import is_postgres, transaction
from storage.models import OutboxMessage, OutboxStatus, is_unsent

LEASE = timedelta(minutes=2)
# Read as plain rows, not ORM objects: a claim needs these and nothing else.
_CLAIMED = (
    OutboxMessage.id,
    OutboxMessage.channel,
    OutboxMessage.address,
    OutboxMessage.payload,
    OutboxMessage.kind,
    OutboxMessage.idempotency_key,
    OutboxMessage.person_id,
    OutboxMessage.status,
    OutboxMessage.attempts,
    OutboxMessage.next_attempt_at,
)


def claim(
    sessions: sessionmaker[Session], channel: str, now: datetime, limit: int
) -> list[Outgoing]:
    """Take up to `limit` due rows of `channel`, oldest first, under a lease.

    A row is not taken while an earlier unsent row to the same address waits (for its retry, or
    in another worker's hands), so each address gets its messages in order; a failed row holds
    nothing back, and a waiting one holds back only its own address.
    """
    # Addresses with an unsent row that is not due: waiting for its retry, or out under another
    # worker's lease. Such a row is always the earliest unsent one to its address (a later one
    # is never taken while an earlier one is unsent, see `_taken_by_others`), so every due row
    # to these addresses waits behind it. Read off `ix_outbox_waiting` (channel, due time): only
    # the rows not due, once per claim, not once per candidate.
    waiting = select(OutboxMessage.address).where(
        OutboxMessage.channel == channel,
        is_unsent(),
        OutboxMessage.next_attempt_at > now,
    )
    with transaction(sessions) as session:
        # Straight off `ix_outbox_claim` (channel, id) of the unsent rows, in that order: the
        # walk stops at the `limit`-th due row, so a claim reads what it takes and the rows it
        # passes (in flight, awaiting a retry), not the queue behind them nor the rows sent.
        # Written so that no other index can serve it, whatever the statistics say. On
        # PostgreSQL the channel is a range: with an equality the planner drops it from the
        # order and may walk the primary key from the first row ever queued, past every row
        # sent, once its statistics say most rows are unsent (SQLite needs the equality to pick
        # this index at all). The due time is wrapped: else a planner without statistics reads
        # every due row off `ix_outbox_waiting` and sorts them.
        if is_postgres(session.get_bind()):
            same_channel = OutboxMessage.channel.between(channel, channel)
        else:
            same_channel = OutboxMessage.channel == channel
        picked = (
            select(OutboxMessage.id)
            .where(
                same_channel,
                is_unsent(),
                # Implied by the address check, but PostgreSQL re-checks it on a row another
                # worker claimed while this statement ran.
                func.coalesce(OutboxMessage.next_attempt_at, now) <= now,
                OutboxMessage.address.not_in(waiting),
            )
            .order_by(OutboxMessage.channel, OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = session.execute(
            select(*_CLAIMED).where(OutboxMessage.id.in_(picked)).order_by(OutboxMessage.id)
        ).all()
        ahead = _taken_by_others(session, channel, rows)
        # An earlier one to this address is in another worker's hands: leave the later ones.
        free = [row for row in rows if ahead.get(row.address, row.id) >= row.id]
        taken = _take(session, free, now)
        return [
            Outgoing(
                row.id,
                row.channel,
                row.address,
                Reply.from_payload(row.payload),
                row.kind,
                row.idempotency_key,
                row.person_id,
                row.attempts + 1,
            )
            for row in free
            if row.id in taken
        ]


def _taken_by_others(session: Session, channel: str, rows: Sequence[Row[Any]]) -> dict[str, int]:
    """Per address among `rows`, the oldest earlier unsent row that is not among them: another
    worker holds it (SKIP LOCKED passed it by), so the later ones must wait for it."""
    if not rows:
        return {}
    found = session.execute(
        select(OutboxMessage.address, func.min(OutboxMessage.id))
        .where(
            OutboxMessage.channel == channel,
            OutboxMessage.address.in_({row.address for row in rows}),
            is_unsent(),
            # `id + 0`: looked up by address in `ix_outbox_unsent_by_address`, never by walking
            # the primary key from the first row ever queued (the plan PostgreSQL picks when its
            # statistics say most rows are unsent).
            OutboxMessage.id + 0 < rows[-1].id,
            OutboxMessage.id.not_in([row.id for row in rows]),
        )
        .group_by(OutboxMessage.address)
    )
    return {address: first for address, first in found}


def _take(session: Session, rows: Sequence[Row[Any]], now: datetime) -> set[int]:
    """Mark `rows` `sending` under a lease in one UPDATE; the ids taken.

    On PostgreSQL the rows are locked (FOR UPDATE), so all are taken. SQLite ignores FOR
    UPDATE: another worker may have claimed some since they were read, so only rows still as
    they were read are taken, and a row taken after one to the same address that was not is
    given back at once (the later ones to an address never go beside an earlier one).
    """
    if not rows:
        return set()
    statement = update(OutboxMessage).values(
        status=OutboxStatus.SENDING,
        attempts=OutboxMessage.attempts + 1,
        next_attempt_at=now + LEASE,
    )
    if is_postgres(session.get_bind()):
        guard = OutboxMessage.id.in_([row.id for row in rows])
    else:
        guard = tuple_(
            OutboxMessage.id,
            OutboxMessage.status,
            OutboxMessage.attempts,
            OutboxMessage.next_attempt_at,
        ).in_([(row.id, row.status, row.attempts, row.next_attempt_at) for row in rows])
    taken = set(
        session.scalars(
            statement.where(guard)
            .returning(OutboxMessage.id)
            .execution_options(synchronize_session=False)
        )
    )
    if len(taken) == len(rows):
        return taken
    first_missed: dict[str, int] = {}
    for row in rows:
        if row.id not in taken:
            first_missed.setdefault(row.address, row.id)
    give_back = [
        row for row in rows if row.id in taken and first_missed.get(row.address, row.id) < row.id
    ]
    if give_back:
        session.connection().execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == bindparam("row_id"))
            .values(
                status=bindparam("was_status"),
                attempts=bindparam("was_attempts"),
                next_attempt_at=bindparam("was_due"),
            ),
            [
                {
                    "row_id": row.id,
                    "was_status": row.status,
                    "was_attempts": row.attempts,
                    "was_due": row.next_attempt_at,
                }
                for row in give_back
            ],
        )
    return taken - {row.id for row in give_back}
