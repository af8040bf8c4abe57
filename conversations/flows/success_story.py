"""A pendamping tells a story of change in a KPM family (most significant change, seed 001
slide 9): the family's consent first, then before, what changed and why it matters, photos.

Every text is masked like any free text, and a name after a word for a child ("anaknya Budi")
becomes "[nama]": a child's name is never kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from conversations.catalog import Catalog
from conversations.engine import ABORT, Choice, Flow, Step
from conversations.flows.case_update import CASE_SOURCE
from conversations.flows.validators import NO, YES, free_text
from conversations.privacy import mask_child_names

NAME = "success_story"
NO_CASE = "tanpa_kasus"
BEFORE_MIN, BEFORE_MAX = 20, 1000
CHANGE_MIN, CHANGE_MAX = 20, 1500
WHY_MIN, WHY_MAX = 10, 1000


def story_text(
    min_chars: int, max_chars: int, too_short: str = "success_story.text_short"
) -> Callable[[str, Mapping[str, Any]], str]:
    """A masked free text of a sensible length, with children's names masked too."""
    masked = free_text(min_chars, max_chars, too_short)

    def parse(text: str, data: Mapping[str, Any]) -> str:
        return mask_child_names(masked(text, data))

    return parse


def _after_consent(data: Mapping[str, Any]) -> str:
    return "case" if data.get("consent") == YES else ABORT


def has_case(data: Mapping[str, Any]) -> bool:
    return str(data.get("case") or "").isdigit()


def summary(data: Mapping[str, Any], t: Catalog) -> str:
    return t(
        "success_story.summary",
        case=t("success_story.case_chosen") if has_case(data) else t("success_story.no_case"),
        before=data["before"],
        change=data["change"],
        why=data["why"],
        photos=len(data.get("photos") or []),
    )


FLOW = Flow(
    name=NAME,
    summary=summary,
    abort_message="success_story.consent_refused",
    steps=(
        Step(
            "consent",
            "success_story.ask_consent",
            (Choice(YES, "success_story.consent_yes"), Choice(NO, "success_story.consent_no")),
            next=_after_consent,
        ),
        Step(
            "case",
            "success_story.ask_case",
            (Choice(NO_CASE, "success_story.no_case"),),
            dynamic_choices=CASE_SOURCE,
        ),
        Step("before", "success_story.ask_before", parse=story_text(BEFORE_MIN, BEFORE_MAX)),
        Step("change", "success_story.ask_change", parse=story_text(CHANGE_MIN, CHANGE_MAX)),
        Step("why", "success_story.ask_why", parse=story_text(WHY_MIN, WHY_MAX)),
        Step("photos", "success_story.ask_photos", collects_attachments=True),
    ),
)
