"""Feedback on case updates: the supervisor (or a coordinator above) answers an update's prompt
or picks one from the daily digest, writes feedback, and it is kept on the case and relayed to
the pendamping with a "Balas" choice: it opens the update's thread (handlers/cases/thread.py).
The advice may name an assessment tool or a service to refer to (seed 004), shown under it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conversations.flows import case_update as flow
from conversations.messages import Reply
from handlers.cases import thread
from handlers.core import audit
from handlers.core.prompts import PromptResult
from handlers.core.turn import Turn
from handlers.people import access
from storage.models import ActionPrompt, CaseUpdate

FEEDBACK_ACTION = "case.feedback"  # entity: the update
DIGEST_ACTION = "case.digest"  # value: the update to give feedback on


def answer_prompt(turn: Turn, prompt: ActionPrompt, value: str) -> PromptResult:
    """Start the feedback dialog about the update chosen, if the reader may give it."""
    person = turn.staff
    update_id = int(value) if prompt.action == DIGEST_ACTION else prompt.entity_id
    update = turn.session.get(CaseUpdate, update_id)
    if (
        update is None
        or person is None
        or not access.may_give_feedback(person, update.case.pendamping)
    ):
        return PromptResult([Reply(turn.t("case.not_yours"))])
    return PromptResult([], flow.FEEDBACK, {"update_id": update.id})


def record_feedback(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    person, session, t = turn.staff, turn.session, turn.t
    update = session.get(CaseUpdate, data["update_id"])
    if update is None or not access.may_give_feedback(person, update.case.pendamping):
        return [Reply(t("case.not_yours"))]
    case = update.case
    advice = thread.Advice(tool=data.get("tool"), service=data.get("service"))
    thread.post(turn, case, update.id, data["feedback"], first=True, advice=advice)
    audit.record(
        session,
        "case.feedback",
        "case",
        case.id,
        actor=person,
        tool=advice.tool,
        service=advice.service,
    )
    return [Reply(t("case.feedback_sent", other=case.pendamping.name))]
