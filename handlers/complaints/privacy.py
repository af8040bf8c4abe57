"""The public's data rights (UU PDP No. 27/2022): see what is kept about your number, erase it."""

from __future__ import annotations

from sqlalchemy import select

from conversations.messages import Option, Reply
from handlers.complaints.intake import reporter_address
from handlers.core import prompts
from handlers.core.prompts import PromptResult
from handlers.core.turn import Turn
from handlers.people import data_requests
from storage.models import ActionPrompt, Complaint, ConversationState

ERASE_ACTION = "privacy.erase"
PROMPT_PREFIX = "privacy."


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
    """Everything held about the sender's number, anonymised as a desk admin's erasure does it
    (`data_requests.erase`): the complaints keep only what the programme's figures need; the
    number, name, story, media, messages, dialogs and the staff alerts' quotes go. How many
    complaints were erased."""
    session, inbound = turn.session, turn.inbound
    live_state = session.scalars(
        select(ConversationState).where(
            ConversationState.channel == inbound.channel,
            ConversationState.address == inbound.address,
        )
    ).first()
    erasure = data_requests.erase(session, None, reporter_address(turn), live_state=live_state)
    return erasure.counts["complaints"]
