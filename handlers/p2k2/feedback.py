"""Supervision of P2K2 reports: a report reaches the pendamping's supervisor at once (or in
their daily digest, `digest`) with a choice to respond, and the response (masked free text) is
relayed to the pendamping.

No table holds the response: its text lives only in the outbox message to the pendamping, and
the audit entry keeps ids and the length, so the record says that a response was given, not
what it said. Only the pendamping's current supervisor may respond: a button from before the
pendamping moved to another supervisor, or pressed by anyone else, changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conversations.flows import p2k2_feedback as flow
from conversations.messages import Option, Reply
from conversations.privacy import mask_sensitive
from handlers.core import audit
from handlers.core.prompts import PromptResult
from handlers.core.turn import Turn
from handlers.people import access
from storage.models import ActionPrompt, P2K2Report, Person

RESPONSE_ACTION = "p2k2.response"  # entity: the report
RESPOND = "tanggapan"


def alert_supervisor(turn: Turn, report: P2K2Report) -> Person | None:
    """Send the report to the pendamping's supervisor with a choice to respond; the
    supervisor told, or None when the pendamping has none (then nothing is sent)."""
    person, t = report.pendamping, turn.t
    supervisor = access.supervisor_of(person)
    if supervisor is None:
        return None
    turn.out.ask(
        supervisor,
        "p2k2_feedback.to_supervisor",
        [Option(RESPOND, t("p2k2_feedback.opt_respond"))],
        RESPONSE_ACTION,
        report.id,
        kind="p2k2_report",
        name=person.name,
        kecamatan=person.kecamatan,
        group=report.group_name,
        module=t(f"module.{report.module}"),
        session=report.session_no,
        date=turn.local_date_of(report.held_on),
        present=report.present,
        enrolled=report.enrolled,
        notes=mask_sensitive(report.notes) if report.notes else "-",
    )
    return supervisor


def _refused(turn: Turn) -> list[Reply]:
    return [Reply(turn.t("p2k2_feedback.not_yours"))]


def answer_prompt(turn: Turn, prompt: ActionPrompt, value: str) -> PromptResult:
    """Start the response dialog about the report, if the reader may still respond."""
    report = turn.session.get(P2K2Report, prompt.entity_id)
    if value != RESPOND:
        return PromptResult(_refused(turn))
    return _start_response(turn, report)


def answer_digest(turn: Turn, prompt: ActionPrompt, value: str) -> PromptResult:
    """A report picked from the daily digest: the same response dialog, asked again of the
    policy now (the digest may be days old)."""
    report = turn.session.get(P2K2Report, int(value)) if value.isdigit() else None
    return _start_response(turn, report)


def _start_response(turn: Turn, report: P2K2Report | None) -> PromptResult:
    if report is None or not access.is_current_supervisor_of(turn.staff, report.pendamping):
        return PromptResult(_refused(turn))
    data = {
        "report_id": report.id,
        "name": report.pendamping.name,
        "group": report.group_name,
        "session": report.session_no,
    }
    return PromptResult([], flow.NAME, data)


def record_response(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    """Relay the response to the pendamping and audit it by ids and length only."""
    person, t = turn.staff, turn.t
    report = turn.session.get(P2K2Report, int(data["report_id"]))
    if report is None or not access.is_current_supervisor_of(person, report.pendamping):
        return _refused(turn)
    text = str(data["response"])
    pendamping = report.pendamping
    turn.out.tell(
        pendamping,
        "p2k2_feedback.to_pendamping",
        kind="p2k2_response",
        name=person.name,
        group=report.group_name,
        session=report.session_no,
        date=turn.local_date_of(report.held_on),
        response=text,
    )
    audit.record(
        turn.session,
        "p2k2.responded",
        "p2k2_report",
        report.id,
        actor=person,
        pendamping_id=pendamping.id,
        chars=len(text),
    )
    return [Reply(t("p2k2_feedback.sent", other=pendamping.name))]
