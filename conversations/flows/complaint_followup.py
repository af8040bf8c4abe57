"""Flows around a filed complaint: the staff's steps (plan, resolve, reject, refer, note, reply,
give it to a pendamping, reclassify, and the desk's placing of a complaint of unknown place),
the reporter's (reopen, rate), and a status check by ticket code and kode cek."""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from conversations.catalog import Catalog
from conversations.engine import Choice, Flow, Invalid, Step
from conversations.flows.complaint import (
    KABUPATEN_SOURCE,
    KECAMATAN_SOURCE,
    LOCATION_UNKNOWN,
    NO,
    YES,
)
from conversations.flows.validators import free_text, text_flow
from storage.vocabulary import ComplaintCategory

PLAN = "complaint_plan"
RESOLVE = "complaint_resolve"
REJECT = "complaint_reject"
REFER = "complaint_refer"
NOTE = "complaint_note"
REPLY = "complaint_reply"
REOPEN = "complaint_reopen"
STATUS = "complaint_status"
LIST = "complaint_list"
ASSIGN = "complaint_assign"
RECLASSIFY = "complaint_reclassify"
PLACE = "complaint_place"
ASSIGNABLE_SOURCE = "complaint_assignable"
OWN_TICKETS_SOURCE = "own_tickets"
# The value of a ticket offered from the reporter's own number: it needs no kode cek.
OWN_TICKET = "own:"
FILTER_SOURCE = "complaint_filter_values"


class ListFilter(StrEnum):
    """How staff narrow their list of complaints; the last three ask for a value."""

    OPEN = "berjalan"
    LATE = "terlambat"
    URGENT = "mendesak"
    BY_STATUS = "status"
    BY_CATEGORY = "kategori"
    BY_KECAMATAN = "kecamatan"


FILTERS_WITH_VALUE = (ListFilter.BY_STATUS, ListFilter.BY_CATEGORY, ListFilter.BY_KECAMATAN)
# A filter's label is complaint.filter_<value>; the open one's key keeps its first value (aktif,
# a word the statuses of cases and agreements use).
_FILTER_LABELS = {ListFilter.OPEN: "complaint.filter_aktif"}

_TICKET = re.compile(r"^ADU-?([A-Z0-9]{6,10})$")
CHECK_CODE_DIGITS = 4  # the kode cek given with a ticket


def ticket_code(text: str, _data: Mapping[str, Any]) -> str:
    compact = re.sub(r"\s", "", text).upper()
    match = _TICKET.match(compact)
    if match is None:
        raise Invalid("complaint.ticket_invalid")
    return f"ADU-{match.group(1)}"


def check_code(text: str, _data: Mapping[str, Any]) -> str:
    digits = text.strip()
    if not (digits.isdigit() and len(digits) == CHECK_CODE_DIGITS):
        raise Invalid("complaint.check_code_invalid")
    return digits


def _plan_summary(data: Mapping[str, Any], t: Catalog) -> str:
    key = "complaint.field_yes" if data["field_visit"] == YES else "complaint.field_no"
    return t("complaint.plan_summary", text=data["plan"], field=t(key))


def _after_filter(data: Mapping[str, Any]) -> str | None:
    return "value" if data["by"] in FILTERS_WITH_VALUE else None


def _after_ticket(data: Mapping[str, Any]) -> str | None:
    """A ticket of the reporter's own number needs no kode cek."""
    return None if str(data["ticket"]).startswith(OWN_TICKET) else "check_code"


def _place_summary(data: Mapping[str, Any], t: Catalog) -> str:
    kecamatan = data["kecamatan"]
    if kecamatan == LOCATION_UNKNOWN:
        kecamatan = t("complaint.place_not_known")
    return t("complaint.place_summary", kabupaten=data["kabupaten"], kecamatan=kecamatan)


FLOWS = (
    Flow(
        ASSIGN,
        steps=(
            Step(
                "pendamping",
                "complaint.ask_assignee",
                dynamic_choices=ASSIGNABLE_SOURCE,
                help="complaint.help_assignee",
            ),
        ),
        summary=lambda data, t: t("complaint.assign_summary"),
    ),
    Flow(
        RECLASSIFY,
        steps=(
            Step(
                "category",
                "complaint.ask_reclassify",
                tuple(Choice(c, f"category.{c}") for c in ComplaintCategory),
            ),
        ),
        summary=lambda data, t: t(
            "complaint.reclassify_summary", category=t(f"category.{data['category']}")
        ),
    ),
    Flow(
        PLACE,
        steps=(
            Step("kabupaten", "complaint.ask_place_kabupaten", dynamic_choices=KABUPATEN_SOURCE),
            Step(
                "kecamatan",
                "complaint.ask_place_kecamatan",
                (Choice(LOCATION_UNKNOWN, "complaint.place_not_known"),),
                dynamic_choices=KECAMATAN_SOURCE,
            ),
        ),
        summary=_place_summary,
    ),
    Flow(
        PLAN,
        steps=(
            Step("plan", "complaint.ask_plan", parse=free_text(10, 1000, "complaint.text_short")),
            Step(
                "field_visit",
                "complaint.ask_field_visit",
                (Choice(NO, "complaint.field_no"), Choice(YES, "complaint.field_yes")),
            ),
        ),
        summary=_plan_summary,
    ),
    *(
        text_flow(
            name,
            field,
            f"complaint.ask_{ask}",
            f"complaint.{ask}_summary",
            "complaint.text_short",
            low,
            high,
        )
        for name, field, ask, low, high in (
            (RESOLVE, "resolution", "resolution", 10, 1000),
            (REJECT, "reason", "reject", 10, 500),
            (REFER, "referral", "refer", 5, 500),
            (NOTE, "note", "note", 3, 1000),
            (REPLY, "message", "reply", 3, 1000),
            (REOPEN, "reason", "reopen", 5, 1000),
        )
    ),
    Flow(
        LIST,
        confirm=False,
        steps=(
            Step(
                "by",
                "complaint.ask_filter",
                tuple(
                    Choice(f, _FILTER_LABELS.get(f, f"complaint.filter_{f}")) for f in ListFilter
                ),
                next=_after_filter,
            ),
            Step("value", "complaint.ask_filter_value", dynamic_choices=FILTER_SOURCE),
        ),
        summary=lambda data, t: "",
    ),
    Flow(
        STATUS,
        confirm=False,
        steps=(
            Step(
                "ticket",
                "complaint.ask_ticket",
                dynamic_choices=OWN_TICKETS_SOURCE,
                parse=ticket_code,
                next=_after_ticket,
            ),
            Step("check_code", "complaint.ask_check_code", parse=check_code),
        ),
        summary=lambda data, t: "",
    ),
)
