"""The prompt actions of supervision (what each answer comes back to), and who takes part in an
agreed slot. The statuses themselves are in `storage.vocabulary`."""

from __future__ import annotations

from storage.models import Agreement, Person
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


def agreed_people(agreement: Agreement) -> list[Person]:
    """The participants who agreed: for a group, the slot goes ahead with them."""
    return [p.person for p in agreement.participants if p.status == ParticipantStatus.AGREED]
