"""Every flow the bot knows, by name."""

from __future__ import annotations

from conversations.engine import Flow
from conversations.flows import (
    case_thread,
    case_update,
    complaint,
    complaint_followup,
    consultation,
    consultation_followup,
    p2k2_feedback,
    p2k2_report,
    supervision,
)

FLOWS: dict[str, Flow] = {
    flow.name: flow
    for flow in (
        consultation.FLOW,
        complaint.FLOW,
        *complaint_followup.FLOWS,
        *consultation_followup.FLOWS,
        case_update.FLOW,
        case_update.FEEDBACK_FLOW,
        case_thread.FLOW,
        p2k2_report.FLOW,
        p2k2_feedback.FLOW,
        *supervision.FLOWS,
    )
}
