"""`bulk.together`: what a tick queues in bulk lands as the same rows, in the same
order, as rows queued one by one, and a batch that fails writes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from conversations.messages import Channel, Option, Reply
from handlers.core import bulk, outbox, prompts
from storage.db import transaction
from storage.models import ActionPrompt, OutboxMessage, OutboxStatus, Person, Role

NOW = datetime(2026, 12, 3, 9, tzinfo=UTC)
COLUMNS = ("channel", "address", "person_id", "kind", "payload", "idempotency_key", "status",
           "last_error", "attempts")  # fmt: skip


def stored(sessions: sessionmaker[Session]) -> list[tuple[object, ...]]:
    with sessions() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        # A prompt's token is drawn at random: the rest of the payload must match.
        return [
            tuple({**row.payload, "token": None} if column == "payload" else getattr(row, column)
                  for column in COLUMNS)
            for row in rows
        ]  # fmt: skip


def prompts_stored(sessions: sessionmaker[Session]) -> list[tuple[object, ...]]:
    with sessions() as session:
        rows = session.scalars(select(ActionPrompt).order_by(ActionPrompt.id))
        return [(p.person_id, p.action, p.entity_id, p.options, p.answered_at) for p in rows]


def queue_some(session: Session, person: Person, prefix: str) -> None:
    """An alert with choices and a secret, a plain note, and one no configured channel reaches."""
    reply = prompts.make_prompt(session, person, "slot.reminder", 7, "Pilih",
                                (Option("ya", "Ya"),), NOW)  # fmt: skip
    outbox.notify(session, person, reply, f"{prefix}:a", NOW, (Channel.WHATSAPP,), kind="alert")
    outbox.enqueue(session, Channel.TELEGRAM, "42", Reply("kode 4821", secret_parts=("4821",)),
                   f"{prefix}:b", NOW)  # fmt: skip
    outbox.notify(session, person, Reply("kode 4821", secret_parts=("4821",)), f"{prefix}:c", NOW,
                  (Channel.TELEGRAM,))  # fmt: skip


def staff(session: Session) -> Person:
    person = Person(role=Role.SUPERVISOR, name="Dewi", phone="+6281200000001", kabupaten="A",
                    timezone="Asia/Jakarta")  # fmt: skip
    session.add(person)
    session.flush()
    return person


def test_a_batch_writes_the_same_rows_in_the_same_order_as_one_by_one(
    sessions: sessionmaker[Session],
) -> None:
    with transaction(sessions) as session:
        queue_some(session, staff(session), "single")
    one_by_one, prompted = stored(sessions), prompts_stored(sessions)
    assert prompted == [
        (prompted[0][0], "slot.reminder", 7, {"items": [{"value": "ya", "label": "Ya"}]}, None)
    ]
    with transaction(sessions) as session:
        session.execute(OutboxMessage.__table__.delete())
        session.execute(ActionPrompt.__table__.delete())
        person = session.scalars(select(Person)).one()
        with bulk.together(session):
            queue_some(session, person, "single")
            assert session.scalars(select(OutboxMessage)).all() == []  # kept until the end
    assert stored(sessions) == one_by_one
    assert prompts_stored(sessions) == prompted
    assert [row[6] for row in one_by_one] == [
        OutboxStatus.PENDING, OutboxStatus.PENDING, OutboxStatus.FAILED,
    ]  # fmt: skip
    assert "4821" not in str(one_by_one[2][4])  # never sent, so the secret is not kept


def test_rows_queued_before_a_batch_keep_the_lower_ids_and_a_failed_batch_writes_nothing(
    sessions: sessionmaker[Session],
) -> None:
    with transaction(sessions) as session:
        person = staff(session)
        outbox.notify(session, person, Reply("dulu"), "before", NOW, (Channel.WHATSAPP,))
        with bulk.together(session):
            outbox.notify(session, person, Reply("sesudah"), "after", NOW, (Channel.WHATSAPP,))
            with bulk.together(session):  # nested: the outer one writes
                outbox.notify(session, person, Reply("lagi"), "again", NOW, (Channel.WHATSAPP,))
    assert [row[5] for row in stored(sessions)] == ["before", "after", "again"]
    with pytest.raises(RuntimeError), transaction(sessions) as session:
        person = session.scalars(select(Person)).one()
        with bulk.together(session):
            outbox.notify(session, person, Reply("x"), "lost", NOW, (Channel.WHATSAPP,))
            raise RuntimeError("the tick failed half-way")
    assert [row[5] for row in stored(sessions)] == ["before", "after", "again"]
