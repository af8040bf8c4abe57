"""A complaint (pengaduan) from KPM, the public, or staff. Consent comes before anything is kept."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conversations.catalog import Catalog
from conversations.engine import ABORT, Choice, Flow, Invalid, Step
from conversations.flows.validators import free_text

NAME = "complaint"
CATEGORIES = (
    "bantuan_tidak_diterima",
    "kks_bermasalah",
    "lupa_pin",
    "data_tidak_sesuai",
    "tidak_terdaftar",
    "perilaku_pendamping",
    "p2k2",
    "layanan_lain",
)
LOCATION_UNKNOWN = "tidak_tahu"
KECAMATAN_SOURCE = "kecamatan"


def _after_consent(data: Mapping[str, Any]) -> str | None:
    return "category" if data.get("consent") == "setuju" else ABORT


def _unknown_place(_text: str, _data: Mapping[str, Any]) -> str:
    raise Invalid("complaint.place_unknown")


def summary(data: Mapping[str, Any], t: Catalog) -> str:
    place = data["kecamatan"]
    return t(
        "complaint.summary",
        category=t(f"category.{data['category']}"),
        kecamatan=t("complaint.place_not_known") if place == LOCATION_UNKNOWN else place,
        description=data["description"],
        name=data.get("reporter_name") or t("complaint.no_name"),
    )


FLOW = Flow(
    name=NAME,
    summary=summary,
    abort_message="complaint.consent_refused",
    steps=(
        Step(
            "consent",
            "complaint.ask_consent",
            (Choice("setuju", "complaint.consent_yes"), Choice("tidak", "complaint.consent_no")),
            next=_after_consent,
        ),
        Step(
            "category",
            "complaint.ask_category",
            tuple(Choice(c, f"category.{c}") for c in CATEGORIES),
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
        Step(
            "reporter_name",
            "complaint.ask_name",
            parse=free_text(2, 100, "complaint.name_short"),
            skippable=True,
        ),
    ),
)
