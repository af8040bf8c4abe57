"""Short flows that follow up a consultation: propose a time, decline, add a note, close it.

Each is started from an answer to an alert or a list item, with the consultation's id in its
data; the handlers action re-checks that the consultation still allows the step."""

from __future__ import annotations

from conversations.flows.validators import text_flow

PROPOSE = "consultation_propose"
DECLINE = "consultation_decline"
NOTE = "consultation_note"
CLOSE = "consultation_close"


FLOWS = (
    text_flow(
        PROPOSE,
        "time",
        "consult.ask_proposal",
        "consult.proposal_summary",
        "consult.time_short",
        3,
        100,
    ),
    text_flow(
        DECLINE,
        "reason",
        "consult.ask_decline_reason",
        "consult.decline_summary",
        "consult.reason_short",
        5,
        500,
    ),
    text_flow(
        NOTE, "note", "consult.ask_note", "consult.note_summary", "consult.note_short", 3, 1000
    ),
    text_flow(
        CLOSE,
        "outcome",
        "consult.ask_outcome",
        "consult.outcome_summary",
        "consult.outcome_short",
        5,
        1000,
    ),
)
