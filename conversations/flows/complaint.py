"""A complaint (pengaduan) from KPM, the public, or staff. Consent comes before anything is kept.

The category may be picked from the list or told in the reporter's own words; a guess from the
words ("atm ketelan") is read back for the reporter to confirm."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conversations.catalog import Catalog
from conversations.complaint_text import guess_category
from conversations.engine import ABORT, Choice, Flow, Invalid, Step
from conversations.flows.validators import NO, YES, free_text
from storage.vocabulary import ComplaintCategory

NAME = "complaint"
LOCATION_UNKNOWN = "tidak_tahu"
KABUPATEN_SOURCE = "kabupaten"
KECAMATAN_SOURCE = "kecamatan"  # the kecamatan of the chosen kabupaten
GUESS = "guess:"


def resolved_category(data: Mapping[str, Any]) -> str:
    """The category as chosen, or as guessed from the words and confirmed."""
    return str(data["category"]).removeprefix(GUESS)


def _guess(text: str, _data: Mapping[str, Any]) -> str:
    category = guess_category(text)
    if category is None:
        raise Invalid("complaint.category_unknown")
    return GUESS + category


def _after_consent(data: Mapping[str, Any]) -> str | None:
    return "category" if data.get("consent") == YES else ABORT


def _after_category(data: Mapping[str, Any]) -> str:
    return "category_check" if str(data["category"]).startswith(GUESS) else "kabupaten"


def _after_check(data: Mapping[str, Any]) -> str:
    return "kabupaten" if data.get("category_check") == YES else "category"


def _after_kabupaten(data: Mapping[str, Any]) -> str:
    return "description" if data["kabupaten"] == LOCATION_UNKNOWN else "kecamatan"


def _guess_label(data: Mapping[str, Any], t: Catalog) -> Mapping[str, Any]:
    return {"guess": t(f"category.{resolved_category(data)}")}


def _unknown_place(_text: str, _data: Mapping[str, Any]) -> str:
    raise Invalid("complaint.place_unknown")


def place_label(data: Mapping[str, Any], t: Catalog) -> str:
    """ "Pogalan, Trenggalek", or "Tidak tahu" for what the reporter did not know."""
    known = [
        str(data[key])
        for key in ("kecamatan", "kabupaten")
        if data.get(key) not in (None, LOCATION_UNKNOWN)
    ]
    return ", ".join(known) or t("complaint.place_not_known")


def summary(data: Mapping[str, Any], t: Catalog) -> str:
    return t(
        "complaint.summary",
        category=t(f"category.{resolved_category(data)}"),
        kecamatan=place_label(data, t),
        description=data["description"],
        attachments=len(data.get("attachments") or []),
        name=data.get("reporter_name") or t("complaint.no_name"),
        anonymous=t(
            "complaint.anonymous_yes" if data.get("anonymous") == YES else "complaint.anonymous_no"
        ),
    )


FLOW = Flow(
    name=NAME,
    summary=summary,
    abort_message="complaint.consent_refused",
    steps=(
        Step(
            "consent",
            "complaint.ask_consent",
            (Choice(YES, "complaint.consent_yes"), Choice(NO, "complaint.consent_no")),
            next=_after_consent,
        ),
        Step(
            "category",
            "complaint.ask_category",
            tuple(Choice(c, f"category.{c}") for c in ComplaintCategory),
            parse=_guess,
            next=_after_category,
        ),
        Step(
            "category_check",
            "complaint.ask_category_check",
            (Choice(YES, "complaint.guess_yes"), Choice(NO, "complaint.guess_no")),
            next=_after_check,
            prompt_params=_guess_label,
        ),
        Step(
            "kabupaten",
            "complaint.ask_kabupaten",
            (Choice(LOCATION_UNKNOWN, "complaint.place_not_known"),),
            dynamic_choices=KABUPATEN_SOURCE,
            parse=_unknown_place,
            next=_after_kabupaten,
            auto_single=True,
        ),
        Step(
            "kecamatan",
            "complaint.ask_kecamatan",
            (Choice(LOCATION_UNKNOWN, "complaint.place_not_known"),),
            dynamic_choices=KECAMATAN_SOURCE,
            parse=_unknown_place,
        ),
        Step(
            "description",
            "complaint.ask_description",
            parse=free_text(10, 2000, "complaint.description_short"),
            help="complaint.help_description",
        ),
        Step("attachments", "complaint.ask_attachments", collects_attachments=True),
        Step(
            "reporter_name",
            "complaint.ask_name",
            parse=free_text(2, 100, "complaint.name_short"),
            skippable=True,
        ),
        Step(
            "anonymous",
            "complaint.ask_anonymous",
            (
                Choice(NO, "complaint.anonymous_choice_no"),
                Choice(YES, "complaint.anonymous_choice_yes"),
            ),
            help="complaint.help_anonymous",
        ),
    ),
)
