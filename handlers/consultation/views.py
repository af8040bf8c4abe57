"""The lists of consultations: a supervisor's open ones, a pendamping's own (open or closed in
the last 30 days). Each item still waiting for the reader carries the choices it needs."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, select

from conversations.messages import Reply
from handlers.consultation.requests import (
    OPEN_ACTION,
    PENDAMPING_ACTION,
    SUPERVISOR_ACTION,
    facts,
    open_options,
    pendamping_options,
    status_text,
    supervisor_options,
)
from handlers.core import prompts
from handlers.core.turn import Turn
from storage.models import Consultation
from storage.vocabulary import OPEN_CONSULTATIONS, ConsultationStatus

RECENT = timedelta(days=30)
LIMIT = 10


def _list(turn: Turn, rows: list[Consultation], empty_key: str) -> list[Reply]:
    t, person = turn.t, turn.staff
    if not rows:
        return [Reply(t(empty_key))]
    replies = [Reply(t("consult.list_header", count=len(rows)))]
    for c in rows:
        text = t(
            "consult.list_item",
            **facts(c, t, person),
            status=status_text(c, t),
            date=turn.local_date(c.created_at, person),
        )
        if c.status == ConsultationStatus.WAITING and person.id == c.supervisor_id:
            action, options = SUPERVISOR_ACTION, supervisor_options(t)
        elif c.status == ConsultationStatus.PROPOSED and person.id == c.pendamping_id:
            action, options = PENDAMPING_ACTION, pendamping_options(t)
        elif c.status in OPEN_CONSULTATIONS:
            action, options = OPEN_ACTION, open_options(person, c, t)
        else:
            replies.append(Reply(text))
            continue
        replies.append(
            prompts.make_prompt(turn.session, person, action, c.id, text, options, turn.now)
        )
    return replies


def list_open_for_supervisor(turn: Turn) -> list[Reply]:
    rows = turn.session.scalars(
        select(Consultation)
        .where(
            Consultation.supervisor_id == turn.staff.id,
            Consultation.status.in_(OPEN_CONSULTATIONS),
        )
        .order_by(Consultation.urgency.desc(), Consultation.created_at)
        .limit(LIMIT)
    ).all()
    return _list(turn, list(rows), "consult.none_open")


def list_for_pendamping(turn: Turn) -> list[Reply]:
    recent = turn.now - RECENT
    rows = turn.session.scalars(
        select(Consultation)
        .where(
            Consultation.pendamping_id == turn.staff.id,
            or_(Consultation.status.in_(OPEN_CONSULTATIONS), Consultation.closed_at >= recent),
        )
        .order_by(Consultation.created_at.desc())
        .limit(LIMIT)
    ).all()
    return _list(turn, list(rows), "consult.none_mine")
