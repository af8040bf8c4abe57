"""Closing a case (terminasi): the pendamping proposes the outcome, a short reason and an
optional follow-up day (bimbingan dan pembinaan lanjut); the supervisor agrees, or says "not
yet" with an optional short reason. Free text is masked."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from conversations.catalog import Catalog
from conversations.engine import Choice, Flow, Invalid, Step
from conversations.flows.validators import TODAY_KEY, a_date, free_text
from storage.vocabulary import ClosureOutcome

PROPOSE = "case_closing"
DECLINE = "case_closing_decline"
NOTE_MIN, NOTE_MAX = 5, 500
REASON_MIN, REASON_MAX = 3, 500
FOLLOWUP_WITHIN_DAYS = 365


_within_a_year = a_date(not_before_days=0, not_after_days=FOLLOWUP_WITHIN_DAYS)


def a_later_day(text: str, data: Mapping[str, Any]) -> str:
    """A day after today: the follow-up is a later visit, not today's."""
    day = _within_a_year(text, data)
    if day <= str(data[TODAY_KEY]):
        raise Invalid("case_lifecycle.followup_not_later")
    return day


def _propose_summary(data: Mapping[str, Any], t: Catalog) -> str:
    followup = data.get("followup_on")
    return t(
        "case_lifecycle.closing_summary",
        outcome=t(f"case_lifecycle.outcome.{data['outcome']}"),
        note=data["note"],
        followup=date.fromisoformat(followup).strftime("%d-%m-%Y") if followup else "-",
    )


FLOW = Flow(
    name=PROPOSE,
    summary=_propose_summary,
    steps=(
        Step(
            "outcome",
            "case_lifecycle.ask_outcome",
            tuple(Choice(o, f"case_lifecycle.outcome.{o}") for o in ClosureOutcome),
        ),
        Step(
            "note",
            "case_lifecycle.ask_closing_note",
            parse=free_text(NOTE_MIN, NOTE_MAX, "case_lifecycle.note_short"),
        ),
        Step(
            "followup_on",
            "case_lifecycle.ask_followup",
            parse=a_later_day,
            skippable=True,
        ),
    ),
)

DECLINE_FLOW = Flow(
    name=DECLINE,
    summary=lambda data, t: t("case_lifecycle.decline_summary", text=data.get("reason") or "-"),
    steps=(
        Step(
            "reason",
            "case_lifecycle.ask_decline_reason",
            parse=free_text(REASON_MIN, REASON_MAX, "case_lifecycle.note_short"),
            skippable=True,
        ),
    ),
)

FLOWS = (FLOW, DECLINE_FLOW)
