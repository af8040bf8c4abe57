"""A supervisor's P2K2 monitoring note on one pendamping (seed 001 slide 6). The seed names
"3 form supervisor" without their content, so the note is five plain, skippable texts (at least
one filled), never invented forms."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conversations.catalog import Catalog
from conversations.engine import ABORT, Flow, Step
from conversations.flows.field_visit import PENDAMPING_SOURCE, pendamping_name
from conversations.flows.validators import free_text

NAME = "p2k2_monitoring"
NOTE_FIELDS = ("plan_discussed", "session_steps", "form_reviewed", "difficulties", "material_added")


def filled(data: Mapping[str, Any]) -> list[str]:
    """The note's fields that were written (not skipped), in order."""
    return [f for f in NOTE_FIELDS if data.get(f)]


def note_lines(data: Mapping[str, Any], t: Catalog) -> str:
    return "\n".join(t(f"p2k2_sup.note.label_{f}", text=data[f]) for f in filled(data))


def summary(data: Mapping[str, Any], t: Catalog) -> str:
    return t("p2k2_sup.note.summary", name=pendamping_name(data), lines=note_lines(data, t))


def _text_step(field: str, next_step: Any = None) -> Step:
    return Step(
        field,
        f"p2k2_sup.note.ask_{field}",
        parse=free_text(3, 1500, "p2k2_sup.note.too_short"),
        skippable=True,
        next=next_step,
    )


FLOW = Flow(
    name=NAME,
    summary=summary,
    abort_message="p2k2_sup.note.empty",
    steps=(
        Step("pendamping", "p2k2_sup.note.ask_pendamping", dynamic_choices=PENDAMPING_SOURCE),
        *(_text_step(f) for f in NOTE_FIELDS[:-1]),
        _text_step(NOTE_FIELDS[-1], lambda data: None if filled(data) else ABORT),
    ),
)
