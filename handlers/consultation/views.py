"""The lists of consultations: a supervisor's open ones, a pendamping's own (open or closed in
the last 30 days). The one still waiting for the reader, or the one picked, comes with the
choices it needs."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, select

from conversations.catalog import Catalog
from conversations.messages import Option, Reply
from handlers.consultation.requests import (
    OPEN_ACTION,
    PENDAMPING_ACTION,
    SUPERVISOR_ACTION,
    facts,
    may_answer,
    open_options,
    pendamping_options,
    status_text,
    supervisor_options,
)
from handlers.core import prompts
from handlers.core.prompts import PromptResult
from handlers.core.turn import Turn
from storage.models import ActionPrompt, Consultation, Person
from storage.vocabulary import OPEN_CONSULTATIONS

RECENT = timedelta(days=30)
LIMIT = 10
PICK_ACTION = "list.consultation"  # a consultation picked from a list (`prompts.after_list`)


def _list(turn: Turn, rows: list[Consultation], empty_key: str) -> list[Reply]:
    """The consultations in one message, then one prompt (`prompts.after_list`)."""
    t, person = turn.t, turn.staff
    if not rows:
        return [Reply(t(empty_key))]
    lines = [t("consult.list_header", count=len(rows)), *(_item_text(turn, c) for c in rows)]
    items = []
    for c in rows:
        choices = _choices(c, t, person)
        if choices is None:
            continue
        date = turn.local_date(c.created_at, person)
        label = t("consult.list_label", **facts(c, t, person), date=date)
        text = t("consult.list_choices", name=c.pendamping.name)
        items.append(prompts.Listed(choices[0], c.id, label, text, choices[1]))
    pick = t("consult.list_pick")
    following = prompts.after_list(turn.session, person, items, PICK_ACTION, pick, turn.now)
    return [Reply("\n\n".join(lines)), *following]


def answer_pick(turn: Turn, prompt: ActionPrompt, value: str) -> PromptResult:
    """A consultation picked from a list: its facts again, with the choices it needs now."""
    t, person = turn.t, turn.staff
    c = turn.session.get(Consultation, int(value))
    choices = _choices(c, t, person) if c is not None else None
    if c is None or choices is None:
        return PromptResult([Reply(t("consult.prompt_stale", status=status_text(c, t)))])
    action, options = choices
    text = _item_text(turn, c)
    return PromptResult(
        [prompts.make_prompt(turn.session, person, action, c.id, text, options, turn.now)]
    )


def _item_text(turn: Turn, c: Consultation) -> str:
    t, person = turn.t, turn.staff
    return t(
        "consult.list_item",
        **facts(c, t, person),
        status=status_text(c, t),
        date=turn.local_date(c.created_at, person),
    )


def _choices(c: Consultation, t: Catalog, person: Person) -> tuple[str, list[Option]] | None:
    """The prompt a consultation needs from `person` now, if any."""
    if may_answer(person, SUPERVISOR_ACTION, c):
        return SUPERVISOR_ACTION, supervisor_options(t)
    if may_answer(person, PENDAMPING_ACTION, c):
        return PENDAMPING_ACTION, pendamping_options(t)
    if may_answer(person, OPEN_ACTION, c):
        return OPEN_ACTION, open_options(person, c, t)
    return None


def list_open_for_supervisor(turn: Turn) -> list[Reply]:
    rows = turn.session.scalars(
        select(Consultation)
        .where(
            Consultation.supervisor_id == turn.staff.id,
            Consultation.status.in_(OPEN_CONSULTATIONS),
        )
        .order_by(Consultation.urgency.desc(), Consultation.created_at, Consultation.id)
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
        .order_by(Consultation.created_at.desc(), Consultation.id.desc())
        .limit(LIMIT)
    ).all()
    return _list(turn, list(rows), "consult.none_mine")
