"""Joint field visits (pengamatan bersama ke lapangan): the supervisor schedules joining a
pendamping's P2K2 session; the pendamping may propose another time; afterwards the supervisor
records the observation."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from conversations.catalog import Catalog
from conversations.engine import Flow, Invalid, Step
from conversations.flows.validators import free_text, text_flow
from conversations.moments import parse_moment

NAME = "field_visit"
COUNTER = "field_visit_counter"
RECORD = "field_visit_record"
PENDAMPING_SOURCE = "p2k2_supervised_pendamping"
VISIT_GROUP_SOURCE = "field_visit_groups"
# Handlers put the supervisor's "now" (in their zone) and their pendamping's names here.
NOW_KEY = "_now"
NAMES_KEY = "_names"
VISIT_AHEAD = timedelta(days=120)


def a_moment(text: str, data: Mapping[str, Any]) -> str:
    """A moment still to come, read in the supervisor's zone ("Kamis jam 9"); ISO text."""
    now = datetime.fromisoformat(data[NOW_KEY])
    moment = parse_moment(text, now)
    if moment is None:
        raise Invalid("p2k2_sup.visit.when_unknown")
    if moment - now > VISIT_AHEAD:
        raise Invalid("conv.date_too_late")
    return moment.isoformat()


def pendamping_name(data: Mapping[str, Any]) -> str:
    return str(dict(data.get(NAMES_KEY) or {}).get(str(data.get("pendamping")), "-"))


def summary(data: Mapping[str, Any], t: Catalog) -> str:
    return t(
        "p2k2_sup.visit.summary",
        name=pendamping_name(data),
        group=data["group"],
        when=datetime.fromisoformat(data["when"]).strftime("%d-%m-%Y %H.%M"),
        place=data.get("place") or "-",
    )


FLOW = Flow(
    name=NAME,
    summary=summary,
    steps=(
        Step("pendamping", "p2k2_sup.visit.ask_pendamping", dynamic_choices=PENDAMPING_SOURCE),
        Step(
            "group",
            "p2k2_sup.visit.ask_group",
            dynamic_choices=VISIT_GROUP_SOURCE,
            parse=free_text(2, 60, "p2k2.group_short"),
            prompt_params=lambda data, _t: {"name": pendamping_name(data)},
        ),
        Step("when", "p2k2_sup.visit.ask_when", parse=a_moment),
        Step(
            "place",
            "p2k2_sup.visit.ask_place",
            parse=free_text(3, 200, "p2k2_sup.visit.place_short"),
            skippable=True,
        ),
    ),
)

COUNTER_FLOW = text_flow(
    COUNTER,
    "proposal",
    "p2k2_sup.visit.ask_counter",
    "p2k2_sup.visit.counter_summary",
    "p2k2_sup.visit.counter_short",
    3,
    300,
)

RECORD_FLOW = text_flow(
    RECORD,
    "observation",
    "p2k2_sup.visit.ask_observation",
    "p2k2_sup.visit.observation_summary",
    "p2k2_sup.visit.observation_short",
    5,
    2000,
)

FLOWS = (FLOW, COUNTER_FLOW, RECORD_FLOW)
