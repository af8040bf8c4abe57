"""The table from finished flows and menu items to the domain actions that carry them out."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import select

from conversations.flows import complaint, consultation, consultation_followup
from conversations.messages import Option, Outcome, Reply
from handlers import complaints, consultations
from handlers.turn import Turn
from storage.models import ActionPrompt, Person, Role

FlowAction = Callable[[Turn, Mapping[str, Any]], list[Reply]]
MenuAction = Callable[[Turn], list[Reply]]

FLOW_ACTIONS: dict[str, FlowAction] = {
    consultation.NAME: consultations.open_consultation,
    complaint.NAME: complaints.file_complaint,
    consultation_followup.PROPOSE: consultations.propose_time,
    consultation_followup.DECLINE: consultations.decline,
    consultation_followup.NOTE: consultations.add_note,
    consultation_followup.CLOSE: consultations.close,
}

PromptAction = Callable[[Turn, ActionPrompt, str], consultations.PromptResult]

# By prefix of ActionPrompt.action.
PROMPT_ACTIONS: dict[str, PromptAction] = {
    consultations.PROMPT_PREFIX: consultations.answer_prompt,
}

MENU_ACTIONS: dict[str, MenuAction] = {
    "open_consultations": consultations.list_open_for_supervisor,
    "my_consultations": consultations.list_for_pendamping,
    "check_status": complaints.status_for_reporter,
    "complaints_list": complaints.list_for_staff,
}


def complete_flow(outcome: Outcome, turn: Turn) -> list[Reply]:
    return FLOW_ACTIONS[outcome.flow](turn, outcome.data)


def answer_prompt(turn: Turn, prompt: ActionPrompt, value: str) -> consultations.PromptResult:
    for prefix, action in PROMPT_ACTIONS.items():
        if prompt.action.startswith(prefix):
            return action(turn, prompt, value)
    raise KeyError(f"no handler for prompt action {prompt.action!r}")


def run_menu_action(name: str, turn: Turn) -> list[Reply]:
    return MENU_ACTIONS[name](turn)


def dynamic_options(name: str, turn: Turn, _data: Mapping[str, Any]) -> Sequence[Option]:
    if name == complaint.KECAMATAN_SOURCE:
        places = turn.session.scalars(
            select(Person.kecamatan)
            .where(Person.role == Role.PENDAMPING, Person.active.is_(True), Person.kecamatan != "")
            .distinct()
            .order_by(Person.kecamatan)
        ).all()
        return [Option(place, place) for place in places]
    raise KeyError(f"no option source {name!r}")
