"""A pendamping opens a case about a KPM or updates one (manajemen kasus)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from conversations.catalog import Catalog
from conversations.engine import Choice, Flow, Step
from conversations.flows.validators import NO, YES, a_case_label, a_date, free_text
from storage.vocabulary import AssessmentTool, CaseStage, CaseType, ReferralService

NAME = "case_update"
FEEDBACK = "case_feedback"
NEW_CASE = "kasus_baru"
CASE_SOURCE = "my_cases"
DISCUSS = "needs_discussion"


def is_new_case(chosen: object) -> bool:
    """An existing case is chosen by its id; anything else starts a new one (also the value
    "Kasus baru" had before a release renamed it, in a dialog that spans the release)."""
    return not str(chosen).isdigit()


def _after_case(data: Mapping[str, Any]) -> str:
    return "label" if is_new_case(data.get("case")) else "stage"


def summary(data: Mapping[str, Any], t: Catalog) -> str:
    due = data.get("next_step_due")
    text = t(
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
    if not is_new_case(data.get("case")):
        return text
    answer = t("case_agenda.discuss_yes" if data.get(DISCUSS) == YES else "case_agenda.discuss_no")
    return text + "\n" + t("case_agenda.summary_discuss", answer=answer)


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
        # Kelayakan kasus: whether taking the case on is to be discussed at the next session.
        Step(
            DISCUSS,
            "case_agenda.ask_discuss",
            (Choice(YES, "case_agenda.discuss_yes"), Choice(NO, "case_agenda.discuss_no")),
        ),
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


def feedback_summary(data: Mapping[str, Any], t: Catalog) -> str:
    tool, service = data.get("tool"), data.get("service")
    return "\n".join(
        [
            t("case.feedback_summary", text=data["feedback"]),
            t("case_agenda.tool_line", tool=t(f"case_agenda.tool.{tool}") if tool else "-"),
            t(
                "case_agenda.service_line",
                service=t(f"case_agenda.service.{service}") if service else "-",
            ),
        ]
    )


# The supervisor's advice; it may name an assessment tool or a service (seed 004).
FEEDBACK_FLOW = Flow(
    name=FEEDBACK,
    summary=feedback_summary,
    steps=(
        Step("feedback", "case.ask_feedback", parse=free_text(5, 1500, "case.feedback_short")),
        Step(
            "tool",
            "case_agenda.ask_tool",
            tuple(Choice(x, f"case_agenda.tool.{x}") for x in AssessmentTool),
            skippable=True,
        ),
        Step(
            "service",
            "case_agenda.ask_service",
            tuple(Choice(x, f"case_agenda.service.{x}") for x in ReferralService),
            skippable=True,
        ),
    ),
)
