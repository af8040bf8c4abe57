"""Referrals of a KPM to a complementary service (rujukan): the pendamping names the service, to
whom and when; later they give news of it (diterima, selesai, ditolak). Free text is masked."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from conversations.catalog import Catalog
from conversations.engine import Choice, Flow, Step
from conversations.flows.validators import a_date, free_text
from storage.vocabulary import ReferralService, ReferralStatus

REFER = "case_referral"
NEWS = "case_referral_news"
OPEN_REFERRALS = "open_referrals"  # the open referrals of the case in the flow's data
TO_WHOM_MIN, TO_WHOM_MAX = 3, 200
NOTE_MIN, NOTE_MAX = 3, 500
REFERRED_WITHIN_DAYS = 90  # a referral made longer ago than this is not news any more
NEWS_STATUSES = (ReferralStatus.ACCEPTED, ReferralStatus.COMPLETED, ReferralStatus.REFUSED)


def _refer_summary(data: Mapping[str, Any], t: Catalog) -> str:
    return t(
        "case_lifecycle.referral_summary",
        service=t(f"case_lifecycle.service.{data['service']}"),
        to_whom=data["to_whom"],
        date=date.fromisoformat(data["referred_on"]).strftime("%d-%m-%Y"),
        note=data.get("note") or "-",
    )


def _news_summary(data: Mapping[str, Any], t: Catalog) -> str:
    return t(
        "case_lifecycle.news_summary",
        status=t(f"case_lifecycle.status.{data['status']}"),
        note=data.get("note") or "-",
    )


FLOW = Flow(
    name=REFER,
    summary=_refer_summary,
    steps=(
        Step(
            "service",
            "case_lifecycle.ask_service",
            tuple(Choice(s, f"case_lifecycle.service.{s}") for s in ReferralService),
        ),
        Step(
            "to_whom",
            "case_lifecycle.ask_to_whom",
            parse=free_text(TO_WHOM_MIN, TO_WHOM_MAX, "case_lifecycle.to_whom_short"),
        ),
        Step(
            "referred_on",
            "case_lifecycle.ask_referred_on",
            (Choice("hari ini", "when.hari_ini"),),
            parse=a_date(not_before_days=REFERRED_WITHIN_DAYS, not_after_days=0),
            parse_choices=True,
        ),
        Step(
            "note",
            "case_lifecycle.ask_referral_note",
            parse=free_text(NOTE_MIN, NOTE_MAX, "case_lifecycle.note_short"),
            skippable=True,
        ),
    ),
)

NEWS_FLOW = Flow(
    name=NEWS,
    summary=_news_summary,
    steps=(
        Step(
            "referral",
            "case_lifecycle.ask_which_referral",
            dynamic_choices=OPEN_REFERRALS,
            auto_single=True,
        ),
        Step(
            "status",
            "case_lifecycle.ask_status",
            tuple(Choice(s, f"case_lifecycle.status.{s}") for s in NEWS_STATUSES),
        ),
        Step(
            "note",
            "case_lifecycle.ask_news_note",
            parse=free_text(NOTE_MIN, NOTE_MAX, "case_lifecycle.note_short"),
            skippable=True,
        ),
    ),
)

FLOWS = (FLOW, NEWS_FLOW)
