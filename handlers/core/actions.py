"""The table from finished flows, answered prompts, menu items and option lists to the domain
actions that carry them out. Each entry declares the roles it serves; the role is checked here,
once, for every action, before it runs (the actions then take `turn.staff` as given)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

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
from conversations.messages import Option, Outcome, Reply
from handlers.cases import closing, digest, feedback, mine, referrals, thread, updates
from handlers.cases.views import HISTORY_ACTION as CASE_HISTORY_ACTION
from handlers.cases.views import list_for_staff, my_case_options
from handlers.complaints import (
    conference,
    conference_records,
    directing,
    handling,
    intake,
    privacy,
    reporter,
    status,
    views,
)
from handlers.consultation import requests
from handlers.consultation.views import PICK_ACTION as CONSULTATION_PICK
from handlers.consultation.views import answer_pick as answer_consultation_pick
from handlers.consultation.views import list_for_pendamping, list_open_for_supervisor
from handlers.core import audit
from handlers.core.identity import PUBLIC, role_of
from handlers.core.prompts import PromptResult
from handlers.core.turn import Turn
from handlers.p2k2 import digest as p2k2_digest
from handlers.p2k2 import feedback as p2k2_responses
from handlers.p2k2 import menu as p2k2_menu
from handlers.p2k2 import monitoring as p2k2_notes
from handlers.p2k2 import plans as p2k2_plans
from handlers.p2k2 import reports
from handlers.p2k2 import visits as field_visits
from handlers.p2k2.views import coverage_for_staff
from handlers.people import staff
from handlers.stories import listing as story_lists
from handlers.stories import review as story_reviews
from handlers.stories import telling as stories
from handlers.supervision import agreements, records, sessions, states
from handlers.supervision.agenda import show_agenda
from handlers.supervision.views import (
    agreement_options,
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
    case_referral.REFER: Allowed(referrals.record_referral, PENDAMPING),
    case_referral.NEWS: Allowed(referrals.record_news, PENDAMPING),
    case_closing.PROPOSE: Allowed(closing.record_proposal, PENDAMPING),
    case_closing.DECLINE: Allowed(closing.record_decline, SUPERVISOR),
    p2k2_report.NAME: Allowed(reports.record_report, PENDAMPING),
    p2k2_feedback.NAME: Allowed(p2k2_responses.record_response, SUPERVISOR),
    p2k2_plan.NAME: Allowed(p2k2_plans.save_plan, PENDAMPING),
    field_visit.NAME: Allowed(field_visits.schedule_visit, SUPERVISOR),
    field_visit.COUNTER: Allowed(field_visits.propose_other_time, PENDAMPING),
    field_visit.RECORD: Allowed(field_visits.record_observation, SUPERVISOR),
    p2k2_monitoring.NAME: Allowed(p2k2_notes.record_note, SUPERVISOR),
    success_story.NAME: Allowed(stories.record_story, PENDAMPING),
    story_review.NAME: Allowed(story_reviews.record_review, SUPERVISOR),
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
    complaint_conference.RULE: Allowed(conference_records.record_rule, ABOVE_PENDAMPING),
    complaint_conference.CALL: Allowed(conference_records.record_call, ABOVE_PENDAMPING),
    complaint_conference.RESULT: Allowed(conference_records.record_result, ABOVE_PENDAMPING),
    complaint_conference.DECLINE: Allowed(conference_records.record_decline, COORDINATORS),
    supervision.PROPOSE: Allowed(agreements.propose, SUPERVISOR),
    supervision.REQUEST: Allowed(agreements.request, PENDAMPING),
    supervision.COUNTER: Allowed(agreements.counter, STAFF),
    supervision.MANAGE: Allowed(agreements.offer_choices, PENDAMPING | SUPERVISOR),
    supervision.RESCHEDULE: Allowed(sessions.request_reschedule, STAFF),
    supervision.COUNTER_RESCHEDULE: Allowed(sessions.counter_reschedule, SUPERVISOR),
    supervision.ABSENCE: Allowed(sessions.record_absence, STAFF),
    supervision.RECORD: Allowed(records.record_session, SUPERVISOR),
}

# By prefix of ActionPrompt.action; the first that matches.
PROMPT_ACTIONS: dict[str, Allowed[PromptAction]] = {
    requests.PROMPT_PREFIX: Allowed(requests.answer_prompt, STAFF),
    CONSULTATION_PICK: Allowed(answer_consultation_pick, PENDAMPING | SUPERVISOR),
    feedback.FEEDBACK_ACTION: Allowed(feedback.answer_prompt, STAFF),
    feedback.DIGEST_ACTION: Allowed(feedback.answer_prompt, STAFF),
    thread.THREAD_ACTION: Allowed(thread.answer_prompt, STAFF),
    CASE_HISTORY_ACTION: Allowed(thread.answer_case_choice, ABOVE_PENDAMPING),
    mine.LIST_ACTION: Allowed(mine.answer_list, PENDAMPING),
    mine.CASE_ACTION: Allowed(mine.answer_case, PENDAMPING),
    referrals.REMINDER_ACTION: Allowed(referrals.answer_reminder, PENDAMPING),
    closing.DECIDE_ACTION: Allowed(closing.answer_prompt, STAFF),
    p2k2_responses.RESPONSE_ACTION: Allowed(p2k2_responses.answer_prompt, STAFF),
    p2k2_digest.DIGEST_RESPONSE_ACTION: Allowed(p2k2_responses.answer_digest, STAFF),
    p2k2_plans.MENU_ACTION: Allowed(p2k2_plans.answer_plan_menu, PENDAMPING),
    p2k2_menu.MENU_ACTION: Allowed(p2k2_menu.answer_menu, SUPERVISOR),
    field_visits.ANSWER_ACTION: Allowed(field_visits.answer_pendamping, STAFF),
    field_visits.MANAGE_ACTION: Allowed(field_visits.answer_manage, STAFF),
    field_visits.RECORD_ACTION: Allowed(field_visits.answer_record, STAFF),
    stories.REVIEW_ACTION: Allowed(story_reviews.answer_prompt, STAFF),
    story_reviews.PICK_ACTION: Allowed(story_reviews.answer_pick, SUPERVISOR),
    digest.SETTINGS_ACTION: Allowed(digest.answer_setting, STAFF),
    handling.STAFF_ACTION: Allowed(handling.answer_prompt, STAFF),
    views.PICK_ACTION: Allowed(views.answer_pick, STAFF),
    handling.REPORTER_ACTION: Allowed(reporter.answer_prompt, ANYONE),
    conference.CONFERENCE_PREFIX: Allowed(conference.answer_prompt, STAFF),
    privacy.PROMPT_PREFIX: Allowed(privacy.answer_prompt, ANYONE),
    **{action: Allowed(sessions.answer_prompt, STAFF) for action in states.SESSION_ACTIONS},
    states.PROMPT_PREFIX: Allowed(agreements.answer_prompt, STAFF),  # after the session ones
    states.RECORD_PREFIX: Allowed(records.answer_prompt, STAFF),
    states.SCHEDULE_PREFIX: Allowed(agreements.answer_schedule, STAFF),
}

MENU_ACTIONS: dict[str, Allowed[MenuAction]] = {
    "open_consultations": Allowed(list_open_for_supervisor, SUPERVISOR),
    "my_consultations": Allowed(list_for_pendamping, PENDAMPING),
    "my_cases": Allowed(mine.my_cases, PENDAMPING),
    "my_data": Allowed(privacy.show_my_data, ANYONE),
    "stories_waiting": Allowed(story_reviews.list_for_supervisor, SUPERVISOR),
    "stories_selected": Allowed(story_lists.list_selected, frozenset({Role.KORKAB, Role.KORWIL})),
    "settings": Allowed(digest.settings_prompt, SUPERVISOR),
    "schedule": Allowed(schedule_view, PENDAMPING | SUPERVISOR),
    "district_figures": Allowed(district_figures, COORDINATORS),
    "cases_list": Allowed(list_for_staff, ABOVE_PENDAMPING),
    "agenda": Allowed(show_agenda, SUPERVISOR),
    "p2k2_coverage": Allowed(coverage_for_staff, ABOVE_PENDAMPING),
    "p2k2_supervision": Allowed(p2k2_menu.supervisor_menu, SUPERVISOR),
    "p2k2_plans": Allowed(p2k2_plans.plan_menu, PENDAMPING),
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
    case_referral.OPEN_REFERRALS: Allowed(referrals.referral_options, PENDAMPING),
    p2k2_report.SESSION_SOURCE: Allowed(reports.session_options, PENDAMPING),
    p2k2_report.GROUP_SOURCE: Allowed(lambda turn, _data: reports.group_options(turn), PENDAMPING),
    p2k2_plan.PLAN_GROUP_SOURCE: Allowed(p2k2_plans.group_options, PENDAMPING),
    field_visit.PENDAMPING_SOURCE: Allowed(field_visits.pendamping_options, SUPERVISOR),
    field_visit.VISIT_GROUP_SOURCE: Allowed(field_visits.group_options, SUPERVISOR),
    supervision.MY_PENDAMPING: Allowed(my_pendamping_options, SUPERVISOR),
    supervision.MY_AGREEMENTS: Allowed(agreement_options, PENDAMPING | SUPERVISOR),
    supervision.SESSION_PARTICIPANTS: Allowed(records.participant_options, SUPERVISOR),
    supervision.SESSION_ITEMS_GATE: Allowed(records.item_gate_options, SUPERVISOR),
    supervision.SESSION_ITEMS: Allowed(records.item_options, SUPERVISOR),
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
