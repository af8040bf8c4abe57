"""Flows of a complaint's case conference (konferensi kasus, seed 001 slide 8): the supervisor
records the programme rule broken, calls (or moves) a conference with the korkab and records
its result; the korkab says why they cannot come.

Each starts from a button with the ids in its data; the handlers action asks the access policy
again before it keeps anything. Every free text is masked like any other."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta
from typing import Any

from babel.dates import format_date

from conversations.catalog import Catalog
from conversations.engine import Choice, Flow, Invalid, Step
from conversations.flows.validators import NO, YES, free_text, text_flow
from conversations.moments import parse_moment
from storage.vocabulary import ContactMode, MediationOutcome

RULE = "complaint_rule"
CALL = "complaint_conference_call"
RESULT = "complaint_conference_result"
DECLINE = "complaint_conference_decline"
# Handlers put the caller's own "now" here (ISO, in their zone): typed times are read in it.
CALLER_NOW = "_caller_now"
# The ways a conference is held (a chat is not a conference).
MODES = (ContactMode.IN_PERSON, ContactMode.PHONE, ContactMode.VIDEO)
# A time that reads as a moment from a week ago but not from now is in the past.
PAST_LOOKBACK = timedelta(days=8)
CONFERENCE_AHEAD = timedelta(days=90)
TEXT_SHORT = "complaint_conference.text_short"


def a_moment(text: str, data: Mapping[str, Any]) -> str:
    """A moment still to come ("Kamis jam 10", "besok pagi", "12/12 jam 13.00") in the caller's
    zone, as ISO text; a past one is refused politely, apart from words that name no time."""
    now = datetime.fromisoformat(str(data[CALLER_NOW]))
    moment = parse_moment(text, now)
    if moment is None:
        earlier = datetime.combine(now.date() - PAST_LOOKBACK, time(), now.tzinfo)
        if parse_moment(text, earlier) is not None:
            raise Invalid("complaint_conference.when_past")
        raise Invalid("complaint_conference.when_unknown")
    if moment - now > CONFERENCE_AHEAD:
        raise Invalid("conv.date_too_late")
    return moment.isoformat()


def moment_label(iso: str, t: Catalog) -> str:
    """ "Kamis, 3 Desember, 10:00" for a moment kept as ISO text (in the caller's zone)."""
    moment = datetime.fromisoformat(iso)
    day = format_date(moment.date(), "EEEE, d MMMM", locale=t.language)
    return t("complaint_conference.moment", date=day, time=f"{moment:%H:%M}")


def _call_summary(data: Mapping[str, Any], t: Catalog) -> str:
    return t(
        "complaint_conference.call_summary",
        korkab=data["korkab"],
        when=moment_label(str(data["when"]), t),
        mode=t(f"mode.{data['mode']}"),
        place=data.get("place") or "-",
    )


def _after_held(data: Mapping[str, Any]) -> str | None:
    return "evidence" if data["held"] == YES else "note"


def _result_summary(data: Mapping[str, Any], t: Catalog) -> str:
    note = data.get("note") or "-"
    if data["held"] != YES:
        return t("complaint_conference.result_not_held_summary", note=note)
    outcome = data.get("mediation")
    return t(
        "complaint_conference.result_summary",
        evidence=data.get("evidence") or "-",
        recommendation=data["recommendation"],
        mediation=t(f"complaint_conference.outcome_{outcome}") if outcome else "-",
        note=note,
    )


FLOWS = (
    text_flow(
        RULE,
        "rule",
        "complaint_conference.ask_rule",
        "complaint_conference.rule_summary",
        TEXT_SHORT,
        5,
        1000,
    ),
    Flow(
        CALL,
        steps=(
            Step("when", "complaint_conference.ask_when", parse=a_moment),
            Step(
                "mode",
                "complaint_conference.ask_mode",
                tuple(Choice(m, f"mode.{m}") for m in MODES),
            ),
            Step(
                "place",
                "complaint_conference.ask_place",
                parse=free_text(3, 200, TEXT_SHORT),
                skippable=True,
            ),
        ),
        summary=_call_summary,
    ),
    Flow(
        RESULT,
        steps=(
            Step(
                "held",
                "complaint_conference.ask_held",
                (
                    Choice(YES, "complaint_conference.held_yes"),
                    Choice(NO, "complaint_conference.held_no"),
                ),
                next=_after_held,
            ),
            Step(
                "evidence",
                "complaint_conference.ask_evidence",
                parse=free_text(3, 1000, TEXT_SHORT),
                skippable=True,
            ),
            Step(
                "recommendation",
                "complaint_conference.ask_recommendation",
                parse=free_text(5, 1500, TEXT_SHORT),
            ),
            Step(
                "mediation",
                "complaint_conference.ask_mediation",
                tuple(Choice(o, f"complaint_conference.outcome_{o}") for o in MediationOutcome),
                skippable=True,
            ),
            Step(
                "note",
                "complaint_conference.ask_note",
                parse=free_text(3, 1000, TEXT_SHORT),
                skippable=True,
            ),
        ),
        summary=_result_summary,
    ),
    text_flow(
        DECLINE,
        "reason",
        "complaint_conference.ask_decline",
        "complaint_conference.decline_summary",
        TEXT_SHORT,
        5,
        500,
    ),
)
