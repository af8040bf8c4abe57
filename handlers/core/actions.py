"""The table from finished flows, answered prompts, menu items and option lists to the domain
actions that carry them out. Each entry declares the roles it serves; the role is checked here,
once, for every action, before it runs (the actions then take `turn.staff` as given)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

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
from conversations.messages import Option, Outcome, Reply
from handlers.cases import digest, feedback, thread, updates
from handlers.cases.views import list_for_staff, my_case_options
from handlers.complaints import directing, handling, intake, privacy, reporter, status, views
from handlers.consultation import requests
from handlers.consultation.views import list_for_pendamping, list_open_for_supervisor
from handlers.core import audit
from handlers.core.identity import PUBLIC, role_of
from handlers.core.prompts import PromptResult
from handlers.core.turn import Turn
from handlers.p2k2 import feedback as p2k2_responses
from handlers.p2k2 import reports
from handlers.p2k2.views import coverage_for_staff
from handlers.people import staff
from handlers.supervision import agreements, records, sessions, states
from handlers.supervision.views import (
    answer_schedule,
    district_figures,
    my_pendamping_options,
    schedule_view,
)
from storage.models import ActionPrompt, Role

FlowAction = Callable[[Turn, Mapping[str, Any]], list[Reply]]
MenuAction = Callable[[Turn], list[Reply]]
PromptAction = Callable[[Turn, ActionPrompt, str], PromptResult]
OptionSource = Callable[[Turn, Mapping[str, Any]], Sequence[Option]]
F = TypeVar("F")

STAFF = frozenset(Role)
ANYONE = STAFF | {PUBLIC}
ABOVE_PENDAMPING = frozenset({Role.SUPERVISOR, Role.KORKAB, Role.KORWIL, Role.ADMIN})
COORDINATORS = frozenset({Role.KORKAB, Role.KORWIL, Role.ADMIN})
PENDAMPING = frozenset({Role.PENDAMPING})
SUPERVISOR = frozenset({Role.SUPERVISOR})
ADMIN = frozenset({Role.ADMIN})


@dataclass(frozen=True)
class Allowed(Generic[F]):
    """An action and the roles it serves."""

    run: F
    roles: frozenset[str]


FLOW_ACTIONS: dict[str, Allowed[FlowAction]] = {
    consultation.NAME: Allowed(requests.open_consultation, PENDAMPING),
    complaint.NAME: Allowed(intake.file_complaint, ANYONE),
    consultation_followup.PROPOSE: Allowed(requests.propose_time, STAFF),
    consultation_followup.DECLINE: Allowed(requests.decline, SUPERVISOR),
    consultation_followup.NOTE: Allowed(requests.add_note, STAFF),
    consultation_followup.CLOSE: Allowed(requests.close, SUPERVISOR),
    case_update.NAME: Allowed(updates.record_update, PENDAMPING),
    case_update.FEEDBACK: Allowed(feedback.record_feedback, ABOVE_PENDAMPING),
    case_thread.REPLY: Allowed(thread.record_reply, STAFF),
    p2k2_report.NAME: Allowed(reports.record_report, PENDAMPING),
    p2k2_feedback.NAME: Allowed(p2k2_responses.record_response, SUPERVISOR),
    complaint_followup.PLAN: Allowed(handling.record_plan, STAFF),
    complaint_followup.RESOLVE: Allowed(handling.record_resolution, STAFF),
    complaint_followup.REJECT: Allowed(handling.record_rejection, ABOVE_PENDAMPING),
    complaint_followup.REFER: Allowed(handling.record_referral, ABOVE_PENDAMPING),
    complaint_followup.NOTE: Allowed(handling.record_note, STAFF),
    complaint_followup.REPLY: Allowed(handling.send_reply, STAFF),
    complaint_followup.ASSIGN: Allowed(directing.assign, ABOVE_PENDAMPING),
    complaint_followup.RECLASSIFY: Allowed(directing.reclassify, ABOVE_PENDAMPING),
    complaint_followup.PLACE: Allowed(directing.place, ADMIN),
    complaint_followup.REOPEN: Allowed(reporter.reopen, ANYONE),
    complaint_followup.STATUS: Allowed(status.check_status, ANYONE),
    complaint_followup.LIST: Allowed(views.list_complaints, ABOVE_PENDAMPING),
    supervision.PROPOSE: Allowed(agreements.propose, SUPERVISOR),
    supervision.REQUEST: Allowed(agreements.request, PENDAMPING),
    supervision.COUNTER: Allowed(agreements.counter, STAFF),
    supervision.RESCHEDULE: Allowed(sessions.request_reschedule, STAFF),
    supervision.COUNTER_RESCHEDULE: Allowed(sessions.counter_reschedule, SUPERVISOR),
    supervision.ABSENCE: Allowed(sessions.record_absence, STAFF),
    supervision.RECORD: Allowed(records.record_session, SUPERVISOR),
}

# By prefix of ActionPrompt.action; the first that matches.
PROMPT_ACTIONS: dict[str, Allowed[PromptAction]] = {
    requests.PROMPT_PREFIX: Allowed(requests.answer_prompt, STAFF),
    feedback.FEEDBACK_ACTION: Allowed(feedback.answer_prompt, STAFF),
    feedback.DIGEST_ACTION: Allowed(feedback.answer_prompt, STAFF),
    thread.THREAD_ACTION: Allowed(thread.answer_prompt, STAFF),
    p2k2_responses.RESPONSE_ACTION: Allowed(p2k2_responses.answer_prompt, STAFF),
    digest.SETTINGS_ACTION: Allowed(digest.answer_setting, STAFF),
    handling.STAFF_ACTION: Allowed(handling.answer_prompt, STAFF),
    handling.REPORTER_ACTION: Allowed(reporter.answer_prompt, ANYONE),
    privacy.PROMPT_PREFIX: Allowed(privacy.answer_prompt, ANYONE),
    **{action: Allowed(sessions.answer_prompt, STAFF) for action in states.SESSION_ACTIONS},
    states.PROMPT_PREFIX: Allowed(agreements.answer_prompt, STAFF),  # after the session ones
    states.RECORD_PREFIX: Allowed(records.answer_prompt, STAFF),
    states.SCHEDULE_PREFIX: Allowed(answer_schedule, STAFF),
}

MENU_ACTIONS: dict[str, Allowed[MenuAction]] = {
    "open_consultations": Allowed(list_open_for_supervisor, SUPERVISOR),
    "my_consultations": Allowed(list_for_pendamping, PENDAMPING),
    "my_data": Allowed(privacy.show_my_data, ANYONE),
    "settings": Allowed(digest.settings_prompt, SUPERVISOR),
    "schedule": Allowed(schedule_view, PENDAMPING | SUPERVISOR),
    "district_figures": Allowed(district_figures, COORDINATORS),
    "cases_list": Allowed(list_for_staff, ABOVE_PENDAMPING),
    "p2k2_coverage": Allowed(coverage_for_staff, ABOVE_PENDAMPING),
}


def _places(turn: Turn, data: Mapping[str, Any]) -> Sequence[Option]:
    return [Option(place, place) for place in staff.places(turn.session)]


def _kecamatan(turn: Turn, data: Mapping[str, Any]) -> Sequence[Option]:
    kabupaten = str(data.get("kabupaten", ""))
    within = "" if kabupaten == complaint.LOCATION_UNKNOWN else kabupaten
    return [Option(place, place) for place in staff.places(turn.session, within)]


OPTION_SOURCES: dict[str, Allowed[OptionSource]] = {
    complaint.KABUPATEN_SOURCE: Allowed(_places, ANYONE),
    complaint.KECAMATAN_SOURCE: Allowed(_kecamatan, ANYONE),
    case_update.CASE_SOURCE: Allowed(lambda turn, _data: my_case_options(turn), PENDAMPING),
    p2k2_report.SESSION_SOURCE: Allowed(reports.session_options, PENDAMPING),
    p2k2_report.GROUP_SOURCE: Allowed(lambda turn, _data: reports.group_options(turn), PENDAMPING),
    supervision.MY_PENDAMPING: Allowed(my_pendamping_options, SUPERVISOR),
    supervision.SESSION_PARTICIPANTS: Allowed(records.participant_options, SUPERVISOR),
    complaint_followup.OWN_TICKETS_SOURCE: Allowed(
        lambda turn, _data: status.own_ticket_options(turn), ANYONE
    ),
    complaint_followup.FILTER_SOURCE: Allowed(views.filter_options, STAFF),
    complaint_followup.ASSIGNABLE_SOURCE: Allowed(directing.assignable_options, ABOVE_PENDAMPING),
}


def _allowed(turn: Turn, entry: Allowed[Any], what: str) -> bool:
    role = role_of(turn.person)
    if role in entry.roles:
        return True
    audit.record(
        turn.session,
        "access.denied",
        "action",
        what,
        actor=turn.person,
        actor_address=None if turn.person else turn.inbound.address,
        role=role,
    )
    return False


def _denied(turn: Turn) -> list[Reply]:
    return [Reply(turn.t("conv.not_allowed"))]


def may_continue_flow(flow: str, turn: Turn) -> bool:
    """Whether the sender's role may go on with a flow that is running (a role can change on
    the roster between two messages)."""
    entry = FLOW_ACTIONS.get(flow)
    return entry is not None and _allowed(turn, entry, flow)


def complete_flow(outcome: Outcome, turn: Turn) -> list[Reply]:
    entry = FLOW_ACTIONS[outcome.flow]
    if not _allowed(turn, entry, outcome.flow):
        return _denied(turn)
    return entry.run(turn, outcome.data)


def answer_prompt(turn: Turn, prompt: ActionPrompt, value: str) -> PromptResult:
    for prefix, entry in PROMPT_ACTIONS.items():
        if prompt.action.startswith(prefix):
            if not _allowed(turn, entry, prompt.action):
                return PromptResult(_denied(turn))
            return entry.run(turn, prompt, value)
    raise KeyError(f"no handler for prompt action {prompt.action!r}")


def run_menu_action(name: str, turn: Turn) -> list[Reply]:
    entry = MENU_ACTIONS[name]
    if not _allowed(turn, entry, name):
        return _denied(turn)
    return entry.run(turn)


def dynamic_options(name: str, turn: Turn, data: Mapping[str, Any]) -> Sequence[Option]:
    entry = OPTION_SOURCES.get(name)
    if entry is None:
        raise KeyError(f"no option source {name!r}")
    if role_of(turn.person) not in entry.roles:
        return []
    return entry.run(turn, data)
