"""A pendamping's story of change is kept, with the family's consent, and sent to their
supervisor with a choice to review it. The texts were masked by the flow (numbers and
children's names); they are masked again here, as the last line before storage."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conversations.flows import success_story as flow
from conversations.flows.validators import YES
from conversations.messages import Option, Reply
from conversations.privacy import mask_child_names, mask_sensitive
from handlers.cases.views import case_name
from handlers.core import audit
from handlers.core.turn import Turn
from handlers.people import access
from storage.models import Case, Person, SuccessStory
from storage.vocabulary import CaseStatus, StoryStatus

REVIEW_ACTION = "story.review"  # entity: the story
REVIEW = "tinjau"
TEXTS = ("before", "change", "why_it_matters")


def clean(text: str) -> str:
    return mask_child_names(mask_sensitive(text))


def record_story(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    person, session, t = turn.staff, turn.session, turn.t
    if data.get("consent") != YES:  # the flow ends before this; never keep a story without it
        return [Reply(t("success_story.consent_refused"))]
    case_id = int(data["case"]) if flow.has_case(data) else None
    if case_id is not None:
        case = session.get(Case, case_id)
        if case is None or case.pendamping_id != person.id or case.status != CaseStatus.ACTIVE:
            return [Reply(t("success_story.not_your_case"))]
    story = SuccessStory(
        pendamping_id=person.id,
        case_id=case_id,
        before=clean(str(data["before"])),
        change=clean(str(data["change"])),
        why_it_matters=clean(str(data["why"])),
        attachments={"items": list(data.get("photos") or [])},
        consent_at=turn.now,
        status=StoryStatus.SUBMITTED,
        created_at=turn.now,
    )
    session.add(story)
    session.flush()
    audit.record(
        session,
        "story.submitted",
        "success_story",
        story.id,
        actor=person,
        case_id=case_id,
        chars=sum(len(getattr(story, field)) for field in TEXTS),
        photos=len(story.attachments["items"]),
    )
    replies = [Reply(t("success_story.saved"))]
    supervisor = alert_supervisor(turn, story)
    if supervisor is not None:
        replies.append(Reply(t("success_story.shared", name=supervisor.name)))
    return replies


def story_facts(turn: Turn, story: SuccessStory) -> dict[str, object]:
    """What a reader of the story sees of it, as catalog parameters."""
    t, case = turn.t, story_case(turn, story)
    return {
        "name": story.pendamping.name,
        "kecamatan": story.pendamping.kecamatan,
        "case": t("success_story.case_line", case=case_name(case, t)) if case else "",
        "before": story.before,
        "change": story.change,
        "why": story.why_it_matters,
        "photos": len(story.attachments.get("items") or []),
    }


def story_case(turn: Turn, story: SuccessStory) -> Case | None:
    return turn.session.get(Case, story.case_id) if story.case_id is not None else None


def review_option(turn: Turn) -> Option:
    return Option(REVIEW, turn.t("success_story.opt_review"))


def alert_supervisor(turn: Turn, story: SuccessStory) -> Person | None:
    """The story to the pendamping's supervisor with a choice to review it; the supervisor
    told, or None when the pendamping has none (the story waits in no one's list then)."""
    supervisor = access.supervisor_of(story.pendamping)
    if supervisor is None:
        return None
    turn.out.ask(
        supervisor,
        "success_story.to_supervisor",
        [review_option(turn)],
        REVIEW_ACTION,
        story.id,
        kind="success_story",
        **story_facts(turn, story),
    )
    return supervisor
