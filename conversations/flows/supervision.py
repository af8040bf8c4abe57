"""Flows for agreed supervision slots: agreeing a recurring slot, answering a reminder, asking
for another time, and recording a session afterwards (seed 000: "Supervisor dan pendamping
menyepakati waktu pelaksanaan supervisi")."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from conversations.catalog import Catalog
from conversations.engine import Choice, Flow, Step
from conversations.flows.validators import NO, YES, a_clock, a_date, free_text, text_flow
from storage.vocabulary import ConsultationTopic, ContactMode, SlotKind, SupervisionFunction

PROPOSE = "agreement_propose"
REQUEST = "agreement_request"
COUNTER = "agreement_counter"
RESCHEDULE = "session_reschedule"
COUNTER_RESCHEDULE = "session_counter"
ABSENCE = "session_absence"
RECORD = "session_record"
MANAGE = "agreement_manage"

MY_PENDAMPING = "my_pendamping"
MY_AGREEMENTS = "my_agreements"
SESSION_PARTICIPANTS = "session_participants"
# The record's cases and P2K2 reports discussed: first whether any (asked only when the
# attendees have some to name), then which.
SESSION_ITEMS_GATE = "session_items_gate"
SESSION_ITEMS = "session_items"
CASE_ITEM, REPORT_ITEM = "k", "p"  # the value of an item: the prefix, then the record's id

CADENCES = ("7", "14")
WEEKDAYS = ("0", "1", "2", "3", "4", "5")
DURATIONS = ("30", "60", "90", "120")
# The ways to meet, as a slot offers them: in person first.
MODES = (ContactMode.IN_PERSON, ContactMode.PHONE, ContactMode.CHAT, ContactMode.VIDEO)
# Where a slot needs a place: an address, or a video link.
PLACED = (ContactMode.IN_PERSON, ContactMode.VIDEO)


def _choices(group: str, values: Iterable[str]) -> tuple[Choice, ...]:
    return tuple(Choice(v, f"{group}.{v}") for v in values)


def _after_kind(data: Mapping[str, Any]) -> str:
    return "participant" if data["kind"] == SlotKind.INDIVIDUAL else "participants"


def _after_mode(data: Mapping[str, Any]) -> str:
    return "place" if data["mode"] in PLACED else "start_date"


def _place_prompt(data: Mapping[str, Any], t: Catalog) -> Mapping[str, Any]:
    return {"what": t(f"slot.place_for_{data['mode']}")}


def first_session(data: Mapping[str, Any]) -> date:
    """The first date on or after the chosen start that falls on the chosen weekday."""
    start = date.fromisoformat(data["start_date"])
    return start + timedelta(days=(int(data["weekday"]) - start.weekday()) % 7)


def slot_summary(data: Mapping[str, Any], t: Catalog) -> str:
    chosen = data.get("participants") or [data.get("participant")]
    return t(
        "slot.summary",
        kind=t(f"slot_kind.{data['kind']}"),
        count=len([c for c in chosen if c]),
        cadence=t(f"cadence.{data['cadence']}"),
        weekday=t(f"weekday.{data['weekday']}"),
        time=data["time"],
        duration=data["duration"],
        mode=t(f"mode.{data['mode']}"),
        place=data.get("place") or "-",
        start=first_session(data).strftime("%d-%m-%Y"),
    )


def _request_summary(data: Mapping[str, Any], t: Catalog) -> str:
    return t(
        "slot.request_summary",
        cadence=t(f"cadence.{data['cadence']}"),
        weekday=t(f"weekday.{data['weekday']}"),
        time=data["time"],
        mode=t(f"mode.{data['mode']}"),
    )


def _weekday_time_summary(data: Mapping[str, Any], t: Catalog) -> str:
    return t("slot.counter_summary", weekday=t(f"weekday.{data['weekday']}"), time=data["time"])


def _date_time_summary(data: Mapping[str, Any], t: Catalog) -> str:
    day = date.fromisoformat(data["new_date"]).strftime("%d-%m-%Y")
    return t("slot.reschedule_summary", date=day, time=data["time"])


def _after_held(data: Mapping[str, Any]) -> str:
    return "attendees" if data["held"] == YES else "notes"


def _after_notes(data: Mapping[str, Any]) -> str | None:
    """A session that did not take place has no follow-ups to agree."""
    return "followup" if data["held"] == YES else None


def _after_followup(data: Mapping[str, Any]) -> str | None:
    return "followup_on" if data.get("followup") else None


def _after_discussed(data: Mapping[str, Any]) -> str:
    return "items" if data.get("discussed") == YES else "notes"


def record_summary(data: Mapping[str, Any], t: Catalog) -> str:
    if data["held"] != YES:
        return t("record.summary_not_held", notes=data["notes"])
    text = t(
        "record.summary",
        attendees=len(data.get("attendees") or []),
        functions=", ".join(t(f"function.{f}") for f in data.get("functions") or []),
        topics=", ".join(t(f"topic.{x}") for x in data.get("topics") or []),
        notes=data["notes"],
        followup=data.get("followup") or "-",
    )
    items = [str(v) for v in data.get("items") or []]
    if not items:
        return text
    cases = sum(1 for v in items if v.startswith(CASE_ITEM))
    return text + "\n" + t("case_agenda.summary_items", cases=cases, reports=len(items) - cases)


WEEKDAY_STEP = Step("weekday", "slot.ask_weekday", _choices("weekday", WEEKDAYS))
TIME_STEP = Step("time", "slot.ask_time", parse=a_clock)
NEW_DATE_STEP = Step(
    "new_date", "slot.ask_new_date", parse=a_date(not_before_days=0, not_after_days=60)
)

FLOWS = (
    Flow(
        PROPOSE,
        summary=slot_summary,
        steps=(
            Step("kind", "slot.ask_kind", _choices("slot_kind", SlotKind), next=_after_kind),
            Step(
                "participant",
                "slot.ask_participant",
                dynamic_choices=MY_PENDAMPING,
                next=lambda _data: "cadence",
            ),
            Step(
                "participants",
                "slot.ask_participants",
                dynamic_choices=MY_PENDAMPING,
                multiple=True,
            ),
            Step("cadence", "slot.ask_cadence", _choices("cadence", CADENCES)),
            WEEKDAY_STEP,
            TIME_STEP,
            Step("duration", "slot.ask_duration", _choices("duration", DURATIONS)),
            Step("mode", "slot.ask_mode", _choices("mode", MODES), next=_after_mode),
            Step(
                "place",
                "slot.ask_place",
                parse=free_text(3, 300, "slot.place_short"),
                prompt_params=_place_prompt,
            ),
            Step(
                "start_date", "slot.ask_start", parse=a_date(not_before_days=0, not_after_days=120)
            ),
        ),
    ),
    Flow(
        REQUEST,
        summary=_request_summary,
        steps=(
            Step("cadence", "slot.ask_cadence", _choices("cadence", CADENCES)),
            WEEKDAY_STEP,
            TIME_STEP,
            Step("mode", "slot.ask_mode", _choices("mode", MODES)),
        ),
    ),
    Flow(COUNTER, summary=_weekday_time_summary, steps=(WEEKDAY_STEP, TIME_STEP)),
    # Which of one's agreements to change, pause, resume or end: a supervisor may have one per
    # pendamping (80 at national scale), so they are picked here, where a long list can be
    # searched by name, and the chosen one's choices come as a prompt (`slot.manage`).
    Flow(
        MANAGE,
        summary=lambda _data, _t: "",
        steps=(Step("agreement", "slot.ask_agreement", dynamic_choices=MY_AGREEMENTS),),
        confirm=False,
    ),
    Flow(RESCHEDULE, summary=_date_time_summary, steps=(NEW_DATE_STEP, TIME_STEP)),
    Flow(COUNTER_RESCHEDULE, summary=_date_time_summary, steps=(NEW_DATE_STEP, TIME_STEP)),
    text_flow(
        ABSENCE, "reason", "slot.ask_absence", "slot.absence_summary", "slot.reason_short", 5, 500
    ),
    Flow(
        RECORD,
        summary=record_summary,
        steps=(
            Step(
                "held",
                "record.ask_held",
                (Choice(YES, "record.held_yes"), Choice(NO, "record.held_no")),
                next=_after_held,
            ),
            Step(
                "attendees",
                "record.ask_attendees",
                dynamic_choices=SESSION_PARTICIPANTS,
                multiple=True,
            ),
            Step(
                "functions",
                "record.ask_functions",
                _choices("function", SupervisionFunction),
                multiple=True,
                help="record.help_functions",
            ),
            Step(
                "topics", "record.ask_topics", _choices("topic", ConsultationTopic), multiple=True
            ),
            Step(
                "discussed",
                "case_agenda.ask_discussed",
                dynamic_choices=SESSION_ITEMS_GATE,
                auto_single=True,
                next=_after_discussed,
            ),
            Step(
                "items",
                "case_agenda.ask_items",
                dynamic_choices=SESSION_ITEMS,
                multiple=True,
            ),
            Step(
                "notes",
                "record.ask_notes",
                parse=free_text(5, 2000, "record.notes_short"),
                next=_after_notes,
            ),
            Step(
                "followup",
                "record.ask_followup",
                parse=free_text(5, 1000, "record.notes_short"),
                skippable=True,
                next=_after_followup,
            ),
            Step(
                "followup_on",
                "record.ask_followup_on",
                parse=a_date(not_before_days=0, not_after_days=180),
                skippable=True,
            ),
        ),
    ),
)
