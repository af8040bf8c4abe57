"""Looking up the recipients of messages about to be sent: the read ends in a commit, never a
rollback. psycopg forgets every prepared statement of a connection that rolls back, and this
read runs for every WhatsApp and SMS message sent."""

from __future__ import annotations

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.twilio_sender import load_recipients
from conversations.messages import Channel, Reply
from scheduler.senders import Outgoing


def test_the_recipient_read_commits_and_never_rolls_back(
    db_engine: Engine, sessions: sessionmaker[Session]
) -> None:
    ended: list[str] = []
    event.listen(db_engine, "commit", lambda _connection: ended.append("commit"))
    event.listen(db_engine, "rollback", lambda _connection: ended.append("rollback"))
    message = Outgoing(
        1, Channel.WHATSAPP, "+6285712345678", Reply("halo"), "reply", "k:0", None, 0
    )
    [recipient] = load_recipients(sessions, [message])
    assert recipient.last_inbound_at is None  # nobody wrote from that number
    assert ended == ["commit"]
