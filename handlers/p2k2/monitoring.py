"""The supervisor's P2K2 monitoring notes on one pendamping (seed 001 slide 6): plan discussed,
steps of the session, the pendamping's form reviewed, difficulties, material added. Each is a
masked free text; the pendamping is told the note with its content. The audit keeps ids and
which parts were written, never the text."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conversations.flows.p2k2_monitoring import filled, note_lines
from conversations.messages import Reply
from handlers.core import audit
from handlers.core.turn import Turn
from handlers.people import access
from storage.models import P2K2MonitoringNote, Person


def record_note(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    """Keep the note (at least one part written) and tell the pendamping what it says."""
    supervisor, t = turn.staff, turn.t
    value = str(data.get("pendamping", ""))
    pendamping = turn.session.get(Person, int(value)) if value.isdigit() else None
    if pendamping is None or not access.may_supervise_p2k2(supervisor, pendamping):
        return [Reply(t("p2k2_sup.visit.not_yours"))]
    parts = filled(data)
    if not parts:
        return [Reply(t("p2k2_sup.note.empty"))]
    note = P2K2MonitoringNote(
        supervisor_id=supervisor.id,
        pendamping_id=pendamping.id,
        created_at=turn.now,
        **{field: data[field] for field in parts},
    )
    turn.session.add(note)
    turn.session.flush()
    audit.record(
        turn.session,
        "p2k2.monitoring_noted",
        "p2k2_monitoring_note",
        note.id,
        actor=supervisor,
        pendamping_id=pendamping.id,
        parts=parts,
    )
    turn.out.tell(
        pendamping,
        "p2k2_sup.note.to_pendamping",
        kind="p2k2_monitoring",
        name=supervisor.name,
        lines=note_lines(data, t),
    )
    return [Reply(t("p2k2_sup.note.saved", name=pendamping.name))]
