"""A pendamping opens a case about a KPM or updates one (manajemen kasus)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from conversations.catalog import Catalog
from conversations.engine import Choice, Flow, Step
from conversations.flows.validators import a_case_label, a_date, free_text, text_flow
from storage.vocabulary import CaseStage, CaseType

NAME = "case_update"
FEEDBACK = "case_feedback"
NEW_CASE = "kasus_baru"
CASE_SOURCE = "my_cases"


def is_new_case(chosen: object) -> bool:
    """An existing case is chosen by its id; anything else starts a new one (also the value
    "Kasus baru" had before a release renamed it, in a dialog that spans the release)."""
    return not str(chosen).isdigit()


def _after_case(data: Mapping[str, Any]) -> str:
    return "label" if is_new_case(data.get("case")) else "stage"


def summary(data: Mapping[str, Any], t: Catalog) -> str:
    due = data.get("next_step_due")
    return t(
        "case.summary",
        case=(
            t("case.new_named", label=data["label"])
            if is_new_case(data.get("case"))
            else t("case.existing")
        ),
        case_type=t(f"case_type.{data['case_type']}") if data.get("case_type") else "-",
        stage=t(f"stage.{data['stage']}"),
        what=data["what_happened"],
        next_step=data["next_step"],
        due=date.fromisoformat(due).strftime("%d-%m-%Y") if due else "-",
        attachments=len(data.get("attachments") or []),
    )


FLOW = Flow(
    name=NAME,
    summary=summary,
    steps=(
        Step(
            "case",
            "case.ask_case",
            (Choice(NEW_CASE, "case.new"),),
            dynamic_choices=CASE_SOURCE,
            next=_after_case,
        ),
        Step("label", "case.ask_label", parse=a_case_label, help="case.help_label"),
        Step("case_type", "case.ask_type", tuple(Choice(c, f"case_type.{c}") for c in CaseType)),
        Step("stage", "case.ask_stage", tuple(Choice(s, f"stage.{s}") for s in CaseStage)),
        Step(
            "what_happened",
            "case.ask_what",
            parse=free_text(10, 1500, "case.what_short"),
        ),
        Step("next_step", "case.ask_next", parse=free_text(5, 500, "case.next_short")),
        Step(
            "next_step_due",
            "case.ask_due",
            parse=a_date(not_before_days=0, not_after_days=365),
            skippable=True,
        ),
        Step("attachments", "case.ask_attachments", collects_attachments=True),
    ),
)

FEEDBACK_FLOW = text_flow(
    FEEDBACK,
    "feedback",
    "case.ask_feedback",
    "case.feedback_summary",
    "case.feedback_short",
    5,
    1500,
)
