"""Pendamping asks their supervisor for an incidental consultation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from conversations.catalog import Catalog
from conversations.engine import Choice, Flow, Step
from conversations.flows.validators import free_text
from storage.vocabulary import ConsultationTopic, ContactMode, Urgency

NAME = "consultation"
# The quick answers for when; anything else typed is kept as the pendamping wrote it.
TIMES = ("secepatnya", "hari_ini", "besok")


def _choices(group: str, values: Iterable[str]) -> tuple[Choice, ...]:
    return tuple(Choice(v, f"{group}.{v}") for v in values)


def summary(data: Mapping[str, Any], t: Catalog) -> str:
    time = data["preferred_time"]
    return t(
        "consult.summary",
        topic=t(f"topic.{data['topic']}"),
        urgency=t(f"urgency.{data['urgency']}"),
        description=data["description"],
        mode=t(f"mode.{data['mode']}"),
        time=t(f"when.{time}") if time in TIMES else time,
    )


FLOW = Flow(
    name=NAME,
    intro="consult.intro",
    summary=summary,
    steps=(
        Step("topic", "consult.ask_topic", _choices("topic", ConsultationTopic)),
        Step(
            "urgency",
            "consult.ask_urgency",
            _choices("urgency", Urgency),
            help="consult.help_urgency",
        ),
        Step(
            "description",
            "consult.ask_description",
            parse=free_text(10, 1000, "consult.description_short"),
        ),
        Step("mode", "consult.ask_mode", _choices("mode", ContactMode)),
        Step(
            "preferred_time",
            "consult.ask_time",
            _choices("when", TIMES),
            parse=free_text(3, 100, "consult.time_short"),
        ),
    ),
)
