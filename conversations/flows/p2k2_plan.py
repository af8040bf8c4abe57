"""A pendamping plans the next P2K2 session of a group: which group, module and session, and the
day (from today up to 120 days ahead). Planning the same session again moves its day."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from conversations.catalog import Catalog
from conversations.engine import Choice, Flow, Step
from conversations.flows.p2k2_report import SESSION_SOURCE
from conversations.flows.validators import a_date, free_text
from storage.vocabulary import P2K2Module

NAME = "p2k2_plan"
PLAN_GROUP_SOURCE = "p2k2_plan_groups"
PLAN_AHEAD_DAYS = 120


def summary(data: Mapping[str, Any], t: Catalog) -> str:
    return t(
        "p2k2_sup.plan.summary",
        group=data["group"],
        module=t(f"module.{data['module']}"),
        session=data["session"],
        date=date.fromisoformat(data["planned_on"]).strftime("%d-%m-%Y"),
    )


FLOW = Flow(
    name=NAME,
    summary=summary,
    steps=(
        Step(
            "group",
            "p2k2_sup.plan.ask_group",
            dynamic_choices=PLAN_GROUP_SOURCE,
            parse=free_text(2, 60, "p2k2.group_short"),
        ),
        Step("module", "p2k2.ask_module", tuple(Choice(m, f"module.{m}") for m in P2K2Module)),
        Step("session", "p2k2.ask_session", dynamic_choices=SESSION_SOURCE),
        Step(
            "planned_on",
            "p2k2_sup.plan.ask_date",
            parse=a_date(not_before_days=0, not_after_days=PLAN_AHEAD_DAYS),
        ),
    ),
)
