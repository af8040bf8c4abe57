"""Action prompts: choices sent to someone outside their own dialog, answered whenever they can.

An alert to a supervisor ("Terima / Usulkan waktu lain / Tidak bisa") is an outbox row whose
options carry a prompt token. A button press brings the token back; a typed answer ("1") is
matched against the newest prompt the person has not answered and has not written since.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, select, update
from sqlalchemy.orm import Session

from conversations.choices import match_option
from conversations.engine import split_choice
from conversations.messages import Inbound, Option, Reply
from handlers.core import bulk
from storage.models import ActionPrompt, Person

# Dialog tokens are hex; a prompt's token starts with a letter that hex never has.
TOKEN_PREFIX = "p"


@dataclass(frozen=True)
class PromptResult:
    """What answering a prompt does: replies now, and maybe a follow-up flow to start."""

    replies: list[Reply]
    start_flow: str | None = None
    flow_data: dict[str, Any] | None = None


@dataclass(frozen=True)
class PromptAnswer:
    prompt: ActionPrompt
    value: str


def make_prompt(
    session: Session,
    person: Person | None,
    action: str,
    entity_id: int,
    text: str,
    options: Sequence[Option],
    now: datetime,
    channel: str | None = None,
    address: str | None = None,
) -> Reply:
    """A reply with choices whose answer comes back to `action` for `entity_id`.

    Staff are addressed as a person; the public by the channel and address they wrote from."""
    token = TOKEN_PREFIX + secrets.token_hex(4)
    values = {
        "token": token,
        "person_id": person.id if person else None,
        "channel": None if person else channel,
        "address": None if person else address,
        "action": action,
        "entity_id": entity_id,
        "options": {"items": [{"value": o.value, "label": o.label} for o in options]},
        "created_at": now,
        "answered_at": None,
    }
    if not bulk.keep(session, ActionPrompt.__table__, values):
        session.add(ActionPrompt(**values))
    return Reply(text, tuple(options), token)


@dataclass(frozen=True)
class Listed:
    """A record in a list that the reader may act on: its own prompt (action, choices), how a
    pick names it, and what its prompt says when it comes right after the list."""

    action: str
    entity_id: int
    label: str
    text: str
    options: Sequence[Option]


def after_list(
    session: Session,
    person: Person,
    items: Sequence[Listed],
    pick_action: str,
    pick_text: str,
    now: datetime,
) -> list[Reply]:
    """The one prompt that follows a list of records. On WhatsApp a typed number answers the
    newest prompt only, so a list gives one: with one record to act on, that one's choices;
    with several, a pick naming them (its answer is a record's id, and its handler brings that
    record's choices); with none, nothing."""
    if len(items) == 1:
        only = items[0]
        return [
            make_prompt(session, person, only.action, only.entity_id, only.text, only.options, now)
        ]
    if not items:
        return []
    options = [Option(str(item.entity_id), item.label) for item in items]
    return [make_prompt(session, person, pick_action, 0, pick_text, options, now)]


def _recipient(public: bool) -> ColumnElement[bool]:
    """Prompts to a member of staff (`person_id`), or to whoever writes from (channel, address)."""
    if not public:
        return ActionPrompt.person_id == bindparam("person_id")
    return and_(
        ActionPrompt.person_id.is_(None),
        ActionPrompt.channel == bindparam("channel"),
        ActionPrompt.address == bindparam("address"),
    )


@cache
def _by_token(public: bool) -> Select[tuple[ActionPrompt]]:
    """Built once per kind of recipient, so each message reuses the statement and its cache key."""
    return select(ActionPrompt).where(ActionPrompt.token == bindparam("token"), _recipient(public))


@cache
def _newest_open(public: bool, since: bool) -> Select[tuple[ActionPrompt]]:
    query = select(ActionPrompt).where(_recipient(public), ActionPrompt.answered_at.is_(None))
    if since:
        # Prompts sent with the reply to their last message count: they are the newest thing seen.
        query = query.where(ActionPrompt.created_at >= bindparam("since"))
    return query.order_by(ActionPrompt.id.desc()).limit(1)


def _whose(person: Person | None, inbound: Inbound) -> dict[str, Any]:
    if person is not None:
        return {"person_id": person.id}
    return {"channel": inbound.channel, "address": inbound.address}


def is_prompt(reply: Reply) -> bool:
    return reply.token is not None and reply.token.startswith(TOKEN_PREFIX)


def _options(prompt: ActionPrompt) -> list[Option]:
    return [Option(o["value"], o["label"]) for o in prompt.options.get("items", [])]


def find_answer(
    session: Session,
    person: Person | None,
    inbound: Inbound,
    last_spoke_at: datetime | None,
) -> PromptAnswer | None:
    public = person is None
    params = _whose(person, inbound)
    if inbound.choice is not None:
        token, value = split_choice(inbound.choice)
        if token is None or not token.startswith(TOKEN_PREFIX):
            return None
        prompt = session.scalars(_by_token(public), {**params, "token": token}).one_or_none()
        if prompt is None or value not in {o.value for o in _options(prompt)}:
            return None
        return PromptAnswer(prompt, value)
    if not inbound.text.strip():
        return None
    if last_spoke_at is not None:
        params["since"] = last_spoke_at
    query = _newest_open(public, last_spoke_at is not None)
    prompt = session.scalars(query, params).one_or_none()
    if prompt is None:
        return None
    chosen = match_option(inbound.text, _options(prompt))
    return PromptAnswer(prompt, chosen.value) if chosen else None


def close_prompts(session: Session, action_prefix: str, entity_id: int, now: datetime) -> None:
    """Mark every open prompt about this record answered (e.g. after a late reply)."""
    session.execute(
        update(ActionPrompt)
        .where(
            ActionPrompt.action.startswith(action_prefix),
            ActionPrompt.entity_id == entity_id,
            ActionPrompt.answered_at.is_(None),
        )
        .values(answered_at=now)
    )
