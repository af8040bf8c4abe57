"""Incidental consultations: a pendamping asks, their supervisor is alerted."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from conversations.flows.consultation import TIMES
from conversations.messages import Reply
from handlers import audit
from handlers.turn import Turn
from storage.models import Consultation

OPEN_STATUSES = ("menunggu",)


def open_consultation(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    pendamping = turn.person
    assert pendamping is not None, "the consultation flow is offered to staff only"
    t = turn.t
    supervisor = pendamping.supervisor
    consultation = Consultation(
        pendamping_id=pendamping.id,
        supervisor_id=supervisor.id if supervisor else None,
        topic=data["topic"],
        urgency=data["urgency"],
        description=data["description"],
        preferred_mode=data["mode"],
        created_at=turn.now,
    )
    turn.session.add(consultation)
    turn.session.flush()
    audit.record(
        turn.session,
        "consultation.opened",
        "consultation",
        consultation.id,
        actor=pendamping,
        urgency=consultation.urgency,
        topic=consultation.topic,
    )
    if supervisor is None:
        return [Reply(t("consult.no_supervisor"))]
    time = data["preferred_time"]
    alert = t(
        "consult.alert",
        urgency=t(f"urgency.{consultation.urgency}").upper(),
        name=pendamping.name,
        kecamatan=pendamping.kecamatan,
        topic=t(f"topic.{consultation.topic}").lower(),
        description=consultation.description,
        mode=t(f"mode.{consultation.preferred_mode}").lower(),
        time=t(f"when.{time}").lower() if time in TIMES else time,
    )
    turn.notify(supervisor, Reply(alert), "consultation_alert")
    return [Reply(t("consult.sent", supervisor=supervisor.name))]


def list_open_for_supervisor(turn: Turn) -> list[Reply]:
    supervisor = turn.person
    assert supervisor is not None
    rows = turn.session.scalars(
        select(Consultation)
        .where(Consultation.supervisor_id == supervisor.id, Consultation.status.in_(OPEN_STATUSES))
        .order_by(Consultation.created_at)
    ).all()
    t = turn.t
    if not rows:
        return [Reply(t("consult.none_open"))]
    lines = [t("consult.open_header", count=len(rows))]
    lines += [
        t(
            "consult.open_line",
            name=row.pendamping.name,
            kecamatan=row.pendamping.kecamatan,
            topic=t(f"topic.{row.topic}"),
            urgency=t(f"urgency.{row.urgency}"),
            date=turn.local_date(row.created_at, supervisor),
        )
        for row in rows
    ]
    return [Reply("\n".join(lines))]
