"""The selected stories (most significant change) a reader may see: a supervisor their own
pendamping's, a korkab and korwil those within their scope, as the access policy says."""

from __future__ import annotations

from sqlalchemy import select

from conversations.messages import Reply
from handlers.core.turn import Turn
from handlers.people import access
from storage.models import SuccessStory
from storage.vocabulary import StoryStatus

SELECTED_LISTED = 10


def list_selected(turn: Turn) -> list[Reply]:
    """The newest selected stories the reader may see, one message each after a header."""
    reader, t = turn.staff, turn.t
    rows = turn.session.scalars(
        select(SuccessStory)
        .where(access.stories_visible_to(reader), SuccessStory.status == StoryStatus.SELECTED)
        .order_by(SuccessStory.reviewed_at.desc(), SuccessStory.id.desc())
        .limit(SELECTED_LISTED)
    ).all()
    if not rows:
        return [Reply(t("success_story.selected_none"))]
    replies = [Reply(t("success_story.selected_header", count=len(rows)))]
    for story in rows:
        pendamping = story.pendamping
        replies.append(
            Reply(
                t(
                    "success_story.selected_item",
                    name=pendamping.name,
                    kecamatan=pendamping.kecamatan,
                    date=turn.local_date(story.created_at, reader),
                    before=story.before,
                    change=story.change,
                    why=story.why_it_matters,
                    reason=story.selected_reason or "-",
                )
            )
        )
    return replies
