"""The prompt actions of supervision (what each answer comes back to), and who takes part in an
agreed slot. The statuses themselves are in `storage.vocabulary`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.orm import selectinload

from conversations.messages import Reply
from handlers.core.prompts import PromptResult
from handlers.core.turn import Turn
from storage.models import ActionPrompt, Agreement, AgreementParticipant, Person
from storage.vocabulary import ParticipantStatus

INVITE_ACTION = "slot.invite"  # participant: agree / counter / decline
COUNTER_ACTION = "slot.counter"  # supervisor: accept a participant's counter-proposal
REQUEST_ACTION = "slot.request"  # supervisor: accept a pendamping's request
MANAGE_ACTION = "slot.manage"  # either side: pause / resume / end
REMINDER_ACTION = "slot.reminder"  # participant: hadir / jadwal ulang / tidak bisa
RESCHEDULE_ACTION = "slot.reschedule"  # supervisor: accept / counter / keep
MOVED_ACTION = "slot.moved"  # participant: accept the supervisor's counter
HOLIDAY_ACTION = "slot.holiday"  # supervisor: move / skip / keep
RECORD_ACTION = "record.session"  # supervisor: record now
ATTEND_ACTION = "record.attend"  # participant: confirm attendance
SCHEDULE_ACTION = "schedule.new"  # from the schedule view: new agreement / request
# The answers about one session (handlers.supervision.sessions); every other "slot." action is
# about an agreement (handlers.supervision.agreements).
SESSION_ACTIONS = (REMINDER_ACTION, RESCHEDULE_ACTION, MOVED_ACTION, HOLIDAY_ACTION)
PROMPT_PREFIX = "slot."
RECORD_PREFIX = "record."
SCHEDULE_PREFIX = "schedule."
MESSAGE_KIND = "agreement"  # the outbox kind of what agreeing and moving slots sends


# An agreement's participants and who they are, read with it (`.options(*WITH_PEOPLE)`): a
# supervisor's schedule and agenda go through one agreement per pendamping (80 in the national
# data: 248 statements when each was read on first use).
WITH_PEOPLE = (selectinload(Agreement.participants).selectinload(AgreementParticipant.person),)


def agreed_people(agreement: Agreement) -> list[Person]:
    """The participants who agreed: for a group, the slot goes ahead with them."""
    return [p.person for p in agreement.participants if p.status == ParticipantStatus.AGREED]


Answer = Callable[[Turn, Any, str], PromptResult]


def route_answer(
    turn: Turn, prompt: ActionPrompt, value: str, table: Mapping[str, tuple[type, Answer]]
) -> PromptResult:
    """Hand an answer to the function for its action, with the record it is about; a record
    that is gone is answered as stale."""
    model, answer = table[prompt.action]
    record = turn.session.get(model, prompt.entity_id)
    if record is None:
        return PromptResult([Reply(turn.t("slot.stale"))])
    return answer(turn, record, value)
