"""The public's data rights (UU PDP No. 27/2022): see what is kept about your number, erase it."""

from __future__ import annotations

from sqlalchemy import select, update

from conversations.messages import Option, Reply
from handlers.complaints.handling import ERASED_ADDRESS
from handlers.complaints.intake import reporter_address
from handlers.core import audit, prompts
from handlers.core.prompts import PromptResult
from handlers.core.turn import Turn
from storage.models import (
    ActionPrompt,
    AuditEntry,
    Complaint,
    ConversationState,
    InboundMessage,
    OutboxMessage,
    OutboxStatus,
)

ERASE_ACTION = "privacy.erase"
PROMPT_PREFIX = "privacy."
ERASED_TEXT = "[dihapus atas permintaan pelapor]"


def show_my_data(turn: Turn) -> list[Reply]:
    t, address = turn.t, reporter_address(turn)
    rows = turn.session.scalars(
        select(Complaint).where(Complaint.reporter_address == address).order_by(Complaint.id)
    ).all()
    if not rows:
        return [Reply(t("privacy.nothing"))]
    named = sum(1 for row in rows if row.reporter_name)
    text = t(
        "privacy.summary",
        count=len(rows),
        tickets=", ".join(row.ticket_code for row in rows),
        named=named,
    )
    options = [Option("hapus", t("privacy.opt_erase")), Option("simpan", t("privacy.opt_keep"))]
    channel, inbound_address = turn.inbound.channel, turn.inbound.address
    return [
        prompts.make_prompt(
            turn.session, None, ERASE_ACTION, 0, text, options, turn.now, channel, inbound_address
        )
    ]


def answer_prompt(turn: Turn, _prompt: ActionPrompt, value: str) -> PromptResult:
    if value != "hapus":
        return PromptResult([Reply(turn.t("privacy.kept"))])
    return PromptResult([Reply(turn.t("privacy.erased", count=erase(turn)))])


def erase(turn: Turn) -> int:
    """Remove the number, name, story and media of every complaint from this number, and the
    number from the logs. The complaints stay only as counts (category, place, status)."""
    session, address = turn.session, reporter_address(turn)
    inbound_address = turn.inbound.address
    complaints = session.scalars(
        select(Complaint).where(Complaint.reporter_address == address)
    ).all()
    for c in complaints:
        c.reporter_name = None
        c.reporter_address = f"{ERASED_ADDRESS}-{c.id}"
        c.description = ERASED_TEXT
        c.attachments = {}
    for model in (InboundMessage, OutboxMessage):
        session.execute(
            update(model)
            .where(model.address.in_((address, inbound_address)))
            .values(address=ERASED_ADDRESS)
        )
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.address == ERASED_ADDRESS)
        .values(payload={"text": ERASED_TEXT, "options": []})
    )
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.address == ERASED_ADDRESS,
            OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)),
        )
        .values(status=OutboxStatus.FAILED, last_error="erased at the reporter's request")
    )
    session.execute(
        update(AuditEntry)
        .where(AuditEntry.actor_address.in_((address, inbound_address)))
        .values(actor_address=None)
    )
    session.execute(
        update(ConversationState)
        .where(ConversationState.address == inbound_address)
        .values(data={})
    )
    audit.record(session, "privacy.erased", "complaint", len(complaints))
    return len(complaints)
