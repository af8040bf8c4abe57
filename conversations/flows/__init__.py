"""Every flow the bot knows, by name."""

from __future__ import annotations

from conversations.engine import Flow
from conversations.flows import complaint, consultation, consultation_followup

FLOWS: dict[str, Flow] = {
    flow.name: flow for flow in (consultation.FLOW, complaint.FLOW, *consultation_followup.FLOWS)
}
