"""The supervisor reviews a story: alone or in a group session, then selects it as the most
significant change (with a reason) or marks it reviewed; the pendamping is told the result.

Only the pendamping's current supervisor may review, asked again at every press: a button from
before the pendamping moved, or pressed by anyone else, changes nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from conversations.flows import story_review as flow
from conversations.messages import Reply
from handlers.core import audit, prompts
from handlers.core.prompts import PromptResult
from handlers.core.turn import Turn
from handlers.people import access
from handlers.stories.listing import list_selected
from handlers.stories.telling import REVIEW, REVIEW_ACTION, clean, review_option, story_facts
from storage.models import ActionPrompt, SuccessStory
from storage.vocabulary import StoryStatus

WAITING_LISTED = 10
PICK_ACTION = "list.story"  # a waiting story picked from the list: its review starts


def _refused(turn: Turn, key: str = "success_story.not_yours") -> list[Reply]:
    return [Reply(turn.t(key))]


def answer_prompt(turn: Turn, prompt: ActionPrompt, value: str) -> PromptResult:
    """Start the review of the story, if the reader may still review it."""
    return _start_review(turn, turn.session.get(SuccessStory, prompt.entity_id), value)


def answer_pick(turn: Turn, prompt: ActionPrompt, value: str) -> PromptResult:
    """A story picked from the list (`PICK_ACTION`): its review starts."""
    return _start_review(turn, turn.session.get(SuccessStory, int(value)), REVIEW)


def _start_review(turn: Turn, story: SuccessStory | None, value: str) -> PromptResult:
    if story is None or value != REVIEW or not access.may_review_story(turn.staff, story):
        return PromptResult(_refused(turn))
    if story.status != StoryStatus.SUBMITTED:
        return PromptResult(_refused(turn, "success_story.already_reviewed"))
    return PromptResult([], flow.NAME, {"story_id": story.id, "name": story.pendamping.name})


def record_review(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    """Keep the review on the story, tell the pendamping, audit by ids only."""
    person, t = turn.staff, turn.t
    story = turn.session.get(SuccessStory, int(data["story_id"]))
    if story is None or not access.may_review_story(person, story):
        return _refused(turn)
    if story.status != StoryStatus.SUBMITTED:
        return _refused(turn, "success_story.already_reviewed")
    selected = data["decision"] == flow.SELECT
    story.status = StoryStatus.SELECTED if selected else StoryStatus.REVIEWED
    story.reviewed_by_id, story.reviewed_at = person.id, turn.now
    story.review_setting = str(data["setting"])
    story.selected_reason = clean(str(data["reason"])) if selected else None
    prompts.close_prompts(turn.session, REVIEW_ACTION, story.id, turn.now)
    pendamping = story.pendamping
    told = turn.local_date(story.created_at, pendamping)
    if selected:
        turn.out.tell(
            pendamping,
            "success_story.selected_to_pendamping",
            kind="story_review",
            date=told,
            supervisor=person.name,
            reason=story.selected_reason,
        )
    else:
        turn.out.tell(
            pendamping,
            "success_story.reviewed_to_pendamping",
            kind="story_review",
            date=told,
            supervisor=person.name,
        )
    audit.record(
        turn.session,
        "story.reviewed",
        "success_story",
        story.id,
        actor=person,
        status=story.status,
        setting=story.review_setting,
        chars=len(story.selected_reason or ""),
    )
    key = "success_story.selected_saved" if selected else "success_story.reviewed_saved"
    return [Reply(t(key, name=pendamping.name))]


def list_for_supervisor(turn: Turn) -> list[Reply]:
    """The stories of the supervisor's own pendamping that wait for review, one prompt to
    review one (`prompts.after_list`), then the ones already selected."""
    reader, t = turn.staff, turn.t
    rows = turn.session.scalars(
        select(SuccessStory)
        .where(
            access.stories_visible_to(reader),
            SuccessStory.pendamping_id != reader.id,
            SuccessStory.status == StoryStatus.SUBMITTED,
        )
        .order_by(SuccessStory.created_at, SuccessStory.id)
        .limit(WAITING_LISTED)
    ).all()
    if not rows:
        replies = [Reply(t("success_story.waiting_none"))]
    else:
        replies = [Reply(t("success_story.waiting_header", count=len(rows)))]
    items = []
    for story in rows:
        replies.append(Reply(t("success_story.to_supervisor", **story_facts(turn, story))))
        name, date = story.pendamping.name, turn.local_date(story.created_at, reader)
        label = t("success_story.pick_label", name=name, date=date)
        text = t("success_story.review_one", name=name)
        items.append(prompts.Listed(REVIEW_ACTION, story.id, label, text, [review_option(turn)]))
    pick = t("success_story.pick")
    following = prompts.after_list(turn.session, reader, items, PICK_ACTION, pick, turn.now)
    return [*replies, *following, *list_selected(turn)]
