"""A supervisor reviews a success story: alone or in a group session, then selects it as the
most significant change (with a reason, masked) or marks it reviewed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conversations.catalog import Catalog
from conversations.engine import Choice, Flow, Step
from conversations.flows.success_story import story_text

NAME = "story_review"
ALONE, GROUP = "sendiri", "kelompok"  # SuccessStory.review_setting
SELECT, NOT_SELECTED = "pilih", "tidak_dipilih"
REASON_MIN, REASON_MAX = 10, 1000


def _after_decision(data: Mapping[str, Any]) -> str | None:
    return "reason" if data.get("decision") == SELECT else None


def summary(data: Mapping[str, Any], t: Catalog) -> str:
    if data["decision"] == SELECT:
        return t(
            "success_story.review_summary_selected",
            setting=t(f"success_story.setting_{data['setting']}"),
            reason=data["reason"],
        )
    return t(
        "success_story.review_summary_reviewed",
        setting=t(f"success_story.setting_{data['setting']}"),
    )


FLOW = Flow(
    name=NAME,
    summary=summary,
    steps=(
        Step(
            "setting",
            "success_story.ask_setting",
            (
                Choice(ALONE, "success_story.setting_sendiri"),
                Choice(GROUP, "success_story.setting_kelompok"),
            ),
        ),
        Step(
            "decision",
            "success_story.ask_decision",
            (
                Choice(SELECT, "success_story.opt_select"),
                Choice(NOT_SELECTED, "success_story.opt_reviewed"),
            ),
            next=_after_decision,
        ),
        Step(
            "reason",
            "success_story.ask_reason",
            parse=story_text(REASON_MIN, REASON_MAX, "success_story.reason_short"),
        ),
    ),
)
