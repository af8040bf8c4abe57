"""Short flows that follow up a consultation: propose a time, decline, add a note, close it.

Each is started from an answer to an alert or a list item, with the consultation's id in its
data; the handlers action re-checks that the consultation still allows the step."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conversations.catalog import Catalog
from conversations.engine import Flow, Step
from conversations.flows.validators import free_text

PROPOSE = "consultation_propose"
DECLINE = "consultation_decline"
NOTE = "consultation_note"
CLOSE = "consultation_close"


def _summary(key: str, field: str) -> Any:
    def summary(data: Mapping[str, Any], t: Catalog) -> str:
        return t(key, text=data[field])

    return summary


FLOWS = (
    Flow(
        PROPOSE,
        steps=(
            Step("time", "consult.ask_proposal", parse=free_text(3, 100, "consult.time_short")),
        ),
        summary=_summary("consult.proposal_summary", "time"),
    ),
    Flow(
        DECLINE,
        steps=(
            Step(
                "reason",
                "consult.ask_decline_reason",
                parse=free_text(5, 500, "consult.reason_short"),
            ),
        ),
        summary=_summary("consult.decline_summary", "reason"),
    ),
    Flow(
        NOTE,
        steps=(Step("note", "consult.ask_note", parse=free_text(3, 1000, "consult.note_short")),),
        summary=_summary("consult.note_summary", "note"),
    ),
    Flow(
        CLOSE,
        steps=(
            Step(
                "outcome", "consult.ask_outcome", parse=free_text(5, 1000, "consult.outcome_short")
            ),
        ),
        summary=_summary("consult.outcome_summary", "outcome"),
    ),
)
