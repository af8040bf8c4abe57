"""A supervisor's response to a pendamping's P2K2 report: one masked text, confirmed, relayed."""

from __future__ import annotations

from conversations.flows.validators import text_flow

NAME = "p2k2_response"
RESPONSE_MIN, RESPONSE_MAX = 5, 1500

FLOW = text_flow(
    NAME,
    "response",
    "p2k2_feedback.ask_response",
    "p2k2_feedback.response_summary",
    "p2k2_feedback.response_short",
    RESPONSE_MIN,
    RESPONSE_MAX,
)
