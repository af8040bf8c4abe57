"""The table from finished flows and menu items to the domain actions that carry them out."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from conversations.flows import (
    case_update,
    complaint,
    complaint_followup,
    consultation,
    consultation_followup,
    p2k2_report,
    supervision,
)
from conversations.messages import Option, Outcome, Reply
from handlers import (
    cases,
    complaint_handling,
    complaints,
    consultations,
    p2k2,
    privacy,
    slot_states,
    staff,
    supervision_records,
)
from handlers import supervision as slots
from handlers.prompts import PromptResult
from handlers.turn import Turn
from storage.models import ActionPrompt

FlowAction = Callable[[Turn, Mapping[str, Any]], list[Reply]]
MenuAction = Callable[[Turn], list[Reply]]

FLOW_ACTIONS: dict[str, FlowAction] = {
    consultation.NAME: consultations.open_consultation,
    complaint.NAME: complaints.file_complaint,
    consultation_followup.PROPOSE: consultations.propose_time,
    consultation_followup.DECLINE: consultations.decline,
    consultation_followup.NOTE: consultations.add_note,
    consultation_followup.CLOSE: consultations.close,
    case_update.NAME: cases.record_update,
    case_update.FEEDBACK: cases.record_feedback,
    p2k2_report.NAME: p2k2.record_report,
    complaint_followup.PLAN: complaint_handling.record_plan,
    complaint_followup.RESOLVE: complaint_handling.record_resolution,
    complaint_followup.REJECT: complaint_handling.record_rejection,
    complaint_followup.REFER: complaint_handling.record_referral,
    complaint_followup.NOTE: complaint_handling.record_note,
    complaint_followup.REPLY: complaint_handling.send_reply,
    complaint_followup.REOPEN: complaint_handling.reopen,
    complaint_followup.STATUS: complaints.check_status,
    complaint_followup.LIST: complaint_handling.list_complaints,
    supervision.PROPOSE: slots.propose,
    supervision.REQUEST: slots.request,
    supervision.COUNTER: slots.counter,
    supervision.RESCHEDULE: slots.request_reschedule,
    supervision.COUNTER_RESCHEDULE: slots.counter_reschedule,
    supervision.ABSENCE: slots.record_absence,
    supervision.RECORD: supervision_records.record_session,
}

PromptAction = Callable[[Turn, ActionPrompt, str], PromptResult]

# By prefix of ActionPrompt.action.
PROMPT_ACTIONS: dict[str, PromptAction] = {
    consultations.PROMPT_PREFIX: consultations.answer_prompt,
    cases.PROMPT_PREFIX: cases.answer_prompt,
    complaint_handling.PROMPT_PREFIX: complaint_handling.answer_prompt,
    privacy.PROMPT_PREFIX: privacy.answer_prompt,
    slot_states.PROMPT_PREFIX: slots.answer_prompt,
    slot_states.RECORD_PREFIX: supervision_records.answer_prompt,
    slot_states.SCHEDULE_PREFIX: supervision_records.answer_prompt,
}

MENU_ACTIONS: dict[str, MenuAction] = {
    "open_consultations": consultations.list_open_for_supervisor,
    "my_consultations": consultations.list_for_pendamping,
    "my_data": privacy.show_my_data,
    "settings": cases.settings_prompt,
    "schedule": supervision_records.schedule_view,
    "district_figures": supervision_records.district_figures,
    "cases_list": cases.list_for_staff,
    "p2k2_coverage": p2k2.coverage_for_staff,
}


def complete_flow(outcome: Outcome, turn: Turn) -> list[Reply]:
    return FLOW_ACTIONS[outcome.flow](turn, outcome.data)


def answer_prompt(turn: Turn, prompt: ActionPrompt, value: str) -> PromptResult:
    for prefix, action in PROMPT_ACTIONS.items():
        if prompt.action.startswith(prefix):
            return action(turn, prompt, value)
    raise KeyError(f"no handler for prompt action {prompt.action!r}")


def run_menu_action(name: str, turn: Turn) -> list[Reply]:
    return MENU_ACTIONS[name](turn)


def dynamic_options(name: str, turn: Turn, data: Mapping[str, Any]) -> Sequence[Option]:
    if name == complaint.KABUPATEN_SOURCE:
        return [Option(place, place) for place in staff.places(turn.session)]
    if name == complaint.KECAMATAN_SOURCE:
        kabupaten = str(data.get("kabupaten", ""))
        within = "" if kabupaten == complaint.LOCATION_UNKNOWN else kabupaten
        return [Option(place, place) for place in staff.places(turn.session, within)]
    if name == case_update.CASE_SOURCE:
        return cases.my_case_options(turn)
    if name == p2k2_report.SESSION_SOURCE:
        return p2k2.session_options(turn, data)
    if name == p2k2_report.GROUP_SOURCE:
        return p2k2.group_options(turn)
    if name == supervision.MY_PENDAMPING:
        return slots.my_pendamping_options(turn, data)
    if name == supervision.SESSION_PARTICIPANTS:
        return supervision_records.participant_options(turn, data)
    if name == complaint_followup.OWN_TICKETS_SOURCE:
        return complaints.own_ticket_options(turn)
    if name == complaint_followup.FILTER_SOURCE:
        return complaint_handling.filter_options(turn, data)
    raise KeyError(f"no option source {name!r}")
