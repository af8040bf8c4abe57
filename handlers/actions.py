"""The table from finished flows and menu items to the domain actions that carry them out."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import select

from conversations.flows import complaint, consultation
from conversations.messages import Option, Outcome, Reply
from handlers import complaints, consultations
from handlers.turn import Turn
from storage.models import Person, Role

FlowAction = Callable[[Turn, Mapping[str, Any]], list[Reply]]
MenuAction = Callable[[Turn], list[Reply]]

FLOW_ACTIONS: dict[str, FlowAction] = {
    consultation.NAME: consultations.open_consultation,
    complaint.NAME: complaints.file_complaint,
}

MENU_ACTIONS: dict[str, MenuAction] = {
    "open_consultations": consultations.list_open_for_supervisor,
    "check_status": complaints.status_for_reporter,
    "complaints_list": complaints.list_for_staff,
}


def complete_flow(outcome: Outcome, turn: Turn) -> list[Reply]:
    return FLOW_ACTIONS[outcome.flow](turn, outcome.data)


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
