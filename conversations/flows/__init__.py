"""Every flow the bot knows, by name."""

from __future__ import annotations

from conversations.engine import Flow
from conversations.flows import (
    case_closing,
    case_referral,
    case_thread,
    case_update,
    complaint,
    complaint_conference,
    complaint_followup,
    consultation,
    consultation_followup,
    field_visit,
    p2k2_feedback,
    p2k2_monitoring,
    p2k2_plan,
    p2k2_report,
    story_review,
    success_story,
    supervision,
)

FLOWS: dict[str, Flow] = {
    flow.name: flow
    for flow in (
        consultation.FLOW,
        complaint.FLOW,
        *complaint_followup.FLOWS,
        *complaint_conference.FLOWS,
        *consultation_followup.FLOWS,
        case_update.FLOW,
        case_update.FEEDBACK_FLOW,
        case_thread.FLOW,
        *case_referral.FLOWS,
        *case_closing.FLOWS,
        p2k2_report.FLOW,
        p2k2_feedback.FLOW,
        p2k2_plan.FLOW,
        *field_visit.FLOWS,
        p2k2_monitoring.FLOW,
        success_story.FLOW,
        story_review.FLOW,
        *supervision.FLOWS,
    )
}
