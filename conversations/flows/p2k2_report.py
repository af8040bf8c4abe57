"""A pendamping reports a P2K2 (FDS) group meeting that was held."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from conversations.catalog import Catalog
from conversations.engine import Choice, Flow, Step
from conversations.flows.validators import a_count, a_date, free_text
from storage.vocabulary import P2K2Module

NAME = "p2k2_report"
SESSION_SOURCE = "p2k2_sessions"
GROUP_SOURCE = "p2k2_groups"


def summary(data: Mapping[str, Any], t: Catalog) -> str:
    return t(
        "p2k2.summary",
        module=t(f"module.{data['module']}"),
        session=data["session"],
        group=data["group"],
        date=date.fromisoformat(data["held_on"]).strftime("%d-%m-%Y"),
        present=data["present"],
        enrolled=data["enrolled"],
        notes=data.get("notes") or "-",
    )


FLOW = Flow(
    name=NAME,
    summary=summary,
    steps=(
        Step("module", "p2k2.ask_module", tuple(Choice(m, f"module.{m}") for m in P2K2Module)),
        Step("session", "p2k2.ask_session", dynamic_choices=SESSION_SOURCE),
        Step(
            "group",
            "p2k2.ask_group",
            dynamic_choices=GROUP_SOURCE,
            parse=free_text(2, 60, "p2k2.group_short"),
        ),
        Step(
            "held_on",
            "p2k2.ask_date",
            (Choice("hari ini", "when.hari_ini"),),
            parse=a_date(not_before_days=60, not_after_days=0),
            parse_choices=True,
        ),
        Step("enrolled", "p2k2.ask_enrolled", parse=a_count(1, 60)),
        Step("present", "p2k2.ask_present", parse=a_count(0, 60, at_most_field="enrolled")),
        Step(
            "notes",
            "p2k2.ask_notes",
            parse=free_text(3, 1000, "p2k2.notes_short"),
            skippable=True,
        ),
    ),
)
