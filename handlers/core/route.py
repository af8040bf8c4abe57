"""Route one inbound message: record it once, find who sent it, step their dialog, act, reply.

All of it happens in one transaction: the inbound log row, the dialog state, the domain records,
the audit entries and every outbox row. A failure rolls all of it back; the sender then gets a
polite error message and can simply try again.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from dataclasses import replace
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from conversations.choices import match_option
from conversations.commands import CANCEL, DASHBOARD, HELP, MENU, START, global_command
from conversations.engine import IDLE, FlowState, Transition, split_choice
from conversations.flows.validators import TODAY_KEY
from conversations.messages import Channel, Inbound, Option, Reply
from handlers.core import actions, linking, outbox, prompts, saved_state
from handlers.core.context import AppContext
from handlers.core.identity import role_of
from handlers.core.menus import menu_item, menu_options
from handlers.core.turn import Turn
from handlers.people.login import link_reply
from storage.db import transaction
from storage.models import InboundMessage, OutboxMessage, Person

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
INBOUND = InboundMessage.__table__
# INSERT ... ON CONFLICT DO NOTHING RETURNING id: no row back means the message was seen.
_RECORD = {
    name: dialect.insert(INBOUND)
    .on_conflict_do_nothing(index_elements=["channel", "provider_message_id"])
    .returning(INBOUND.c.id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
_writer_locks: dict[str, threading.Lock] = {}
_writer_locks_guard = threading.Lock()


def _sqlite_writer(sessions: sessionmaker[Session]) -> threading.Lock | None:
    """One lock per SQLite database for this process's inbound transactions.

    SQLite has one writer at a time, and a writer that finds the file locked polls it with
    sleeps that grow to 100 ms (its busy handler): with 16 messages at once most of the time
    went to those sleeps. Waiting on a lock here hands the database over as soon as the
    previous message commits. PostgreSQL locks rows, not the database: no lock there."""
    bind = sessions.kw.get("bind")
    if not isinstance(bind, Engine) or bind.dialect.name != "sqlite":
        return None
    key = bind.url.render_as_string(hide_password=False)
    with _writer_locks_guard:
        return _writer_locks.setdefault(key, threading.Lock())


def handle_inbound(ctx: AppContext, inbound: Inbound) -> bool:
    """Process one message; False when it was a repeated delivery and nothing was done."""
    writer = _sqlite_writer(ctx.sessions) or nullcontext()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            with writer, transaction(ctx.sessions) as session:
                handled = _handle(ctx, session, inbound)
            if handled:
                ctx.on_outbox()
            return handled
        except (StaleDataError, IntegrityError):
            # Another worker changed this person's dialog first: start over on fresh state.
            log.info("concurrent update on %s, retry %d", inbound.channel, attempt)
        except Exception:
            log.exception("failed to handle a %s message", inbound.channel)
            break
    _send_error(ctx, inbound)
    return True


def _send_error(ctx: AppContext, inbound: Inbound) -> None:
    with transaction(ctx.sessions) as session:
        key = f"{inbound.channel}:{inbound.provider_message_id}:error"
        exists = select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)
        if session.scalar(exists) is None:
            reply = Reply(ctx.catalog("conv.error"))
            outbox.enqueue(session, inbound.channel, inbound.address, reply, key, ctx.clock())
    ctx.on_outbox()


def _record_inbound(session: Session, inbound: Inbound, person: Person | None) -> bool:
    """Log the message; False if it is already logged (a provider's repeated delivery).

    One statement, INSERT ... ON CONFLICT DO NOTHING on the unique (channel, provider message
    id): no row back means the message was seen. No savepoint: on SQLite, releasing the
    outermost savepoint commits, which kept the log row even when the rest of the transaction
    failed, so a retry then skipped the message. When two workers insert the same message at
    once, PostgreSQL makes the second wait for the first: it then inserts nothing (first
    committed) or the row (first rolled back)."""
    values = {
        "channel": inbound.channel,
        "provider_message_id": inbound.provider_message_id,
        "address": inbound.address,
        "person_id": person.id if person else None,
        "kind": _kind_of(inbound),
        "attachments": {"items": [a.to_dict() for a in inbound.attachments]},
        "received_at": inbound.received_at,
    }
    statement = _RECORD.get(session.get_bind().dialect.name)
    if statement is None:  # another database: look first, then insert
        seen = select(INBOUND.c.id).where(
            INBOUND.c.channel == inbound.channel,
            INBOUND.c.provider_message_id == inbound.provider_message_id,
        )
        if session.execute(seen).first() is not None:
            return False
        session.execute(INBOUND.insert(), values)
        return True
    return session.execute(statement, values).first() is not None


def _kind_of(inbound: Inbound) -> str:
    if inbound.choice is not None:
        return "choice"
    if inbound.contact_phone is not None:
        return "contact"
    if inbound.attachments:
        return "media"
    return "text"


def _handle(ctx: AppContext, session: Session, inbound: Inbound) -> bool:
    person, saved = saved_state.load(session, inbound)
    if not _record_inbound(session, inbound, person):
        return False
    now = ctx.clock()
    # Only values that change are set: setting an attribute, even to its value, makes the
    # session flush it before the turn's first query (autoflush), a walk of the unit of work.
    if person is not None:
        if person.last_channel != inbound.channel:
            person.last_channel = inbound.channel
        if inbound.channel == Channel.TELEGRAM and person.telegram_unreachable:
            # Writing to the bot means the chat works again (e.g. after unblocking it).
            person.telegram_unreachable = False
    new_row = saved_state.add_new(session, inbound, person) if saved is None else None
    state = saved.state if saved is not None else IDLE
    turn = Turn(ctx, session, inbound, person, now)

    new_state, replies = Dialog(turn).respond(state)

    # The state and whatever the turn added go before the replies, as before.
    saved_state.store(session, saved, new_row, person, new_state, now)
    key = f"{inbound.channel}:{inbound.provider_message_id}"
    outbox.enqueue_replies(
        session, inbound.channel, inbound.address, replies, key, now, turn.person
    )
    return True


class Dialog:
    """Decides the replies to one message, given where the sender is in their dialog."""

    def __init__(self, turn: Turn) -> None:
        self.turn = turn
        self.t = turn.ctx.catalog
        self.engine = turn.ctx.engine
        self._options: dict[tuple[str, str], tuple[Option, ...]] = {}

    @property
    def role(self) -> str:
        return role_of(self.turn.person)

    def respond(self, state: FlowState) -> tuple[FlowState, list[Reply]]:
        inbound, now = self.turn.inbound, self.turn.now
        notices: list[Reply] = []
        if state.expired(now):
            notices.append(Reply(self.t("conv.expired")))
            state = IDLE
        elif state.active and not self.engine.knows(state):
            notices.append(Reply(self.t("conv.flow_changed")))
            state = IDLE
        if inbound.contact_phone is not None:
            transition = linking.link_contact(self.turn)
            return self._finish(transition, notices)

        command = global_command(inbound.text) if inbound.choice is None else None
        if command == START and inbound.channel == Channel.TELEGRAM and self.turn.person is None:
            return IDLE, [*notices, linking.ask_contact(self.t)]
        if command in (MENU, START):
            if state.active:
                notices.append(Reply(self.t("conv.left_flow")))
            return self._menu(notices)
        if command == CANCEL:
            key = "conv.cancelled" if state.active else "conv.nothing_to_cancel"
            return self._menu([*notices, Reply(self.t(key))], greet=False)
        if command == DASHBOARD:
            return self._dashboard(state, notices)
        if command == HELP:
            if state.active:
                return self._finish(self.engine.help(state, now, self.option_source), notices)
            return self._menu([*notices, Reply(self.t(f"menu.help_{self.role}"))], greet=False)

        if inbound.choice is not None or not state.active:
            answer = prompts.find_answer(
                self.turn.session, self.turn.person, inbound, state.updated_at
            )
            if answer is not None:
                return self._answer_prompt(answer, state, notices)
        if state.active:
            if not actions.may_continue_flow(str(state.flow), self.turn):
                return self._menu([*notices, Reply(self.t("conv.not_allowed"))], greet=False)
            transition = self.engine.advance(state, inbound, now, self.option_source)
            return self._finish(transition, notices)
        return self._from_menu(state, notices)

    def _answer_prompt(
        self, answer: prompts.PromptAnswer, state: FlowState, notices: list[Reply]
    ) -> tuple[FlowState, list[Reply]]:
        now = self.turn.now
        answer.prompt.answered_at = now
        result = actions.answer_prompt(self.turn, answer.prompt, answer.value)
        replies = [*notices, *result.replies]
        if result.start_flow is not None:
            if state.active:
                replies.append(Reply(self.t("conv.left_flow")))
            start = self._start(result.start_flow, result.flow_data)
            return self._finish(start, replies)
        if state.active:
            state, prompt = self.engine.prompt(replace(state, updated_at=now), self.option_source)
            return state, [*replies, prompt]
        return state, replies

    def _dashboard(self, state: FlowState, notices: list[Reply]) -> tuple[FlowState, list[Reply]]:
        """The sign-in link for staff; the public gets a polite no and their menu. A dialog
        in progress goes on: its question is asked again below the link."""
        turn = self.turn
        if turn.person is None:
            if state.active:
                notices.append(Reply(self.t("conv.left_flow")))
            return self._menu([*notices, Reply(self.t("login.staff_only"))], greet=False)
        base = turn.ctx.dashboard_base
        replies = [*notices, link_reply(turn.session, turn.person, turn.now, base, self.t)]
        if state.active:
            state, prompt = self.engine.prompt(
                replace(state, updated_at=turn.now), self.option_source
            )
            return state, [*replies, prompt]
        return state, replies

    # -- menu ------------------------------------------------------------------------------
    def _menu(
        self, notices: list[Reply], greet: bool = True, lead: str | None = None
    ) -> tuple[FlowState, list[Reply]]:
        token = self.engine.fresh_token()
        options = menu_options(self.role, self.t)
        person = self.turn.person
        text = lead or (
            self.t(f"menu.greeting_{self.role}", name=person.first_name if person else "")
            if greet
            else self.t("menu.choose")
        )
        return replace(IDLE, token=token), [*notices, Reply(text, options, token)]

    def _from_menu(self, state: FlowState, notices: list[Reply]) -> tuple[FlowState, list[Reply]]:
        inbound = self.turn.inbound
        options = menu_options(self.role, self.t)
        chosen: Option | None = None
        if inbound.choice is not None:
            token, value = split_choice(inbound.choice)
            if token != state.token:
                return self._menu([*notices, Reply(self.t("conv.menu_expired"))], greet=False)
            chosen = next((o for o in options if o.value == value), None)
        elif state.token is not None:
            chosen = match_option(inbound.text, options)
        item = menu_item(self.role, chosen.value) if chosen else None
        if item is None:
            return self._menu(notices)
        if item.flow is not None:
            start = self._start(item.flow)
            return self._finish(start, notices)
        if item.action is not None:
            replies = actions.run_menu_action(item.action, self.turn)
            if any(prompts.is_prompt(reply) for reply in replies):
                # The list has its own choices: a typed "1" answers the newest of them, so the
                # menu is not repeated under it (the person can always type "menu").
                hint = Reply(self.t("conv.done_menu_hint"))
                return replace(IDLE, updated_at=self.turn.now), [*notices, *replies, hint]
            return self._menu([*notices, *replies], greet=False)
        return self._menu([*notices], lead=self.t("conv.not_available"))

    # -- flows -----------------------------------------------------------------------------
    def _finish(
        self, transition: Transition, notices: list[Reply]
    ) -> tuple[FlowState, list[Reply]]:
        replies = [*notices, *transition.replies]
        if transition.outcome is not None:
            replies.extend(actions.complete_flow(transition.outcome, self.turn))
            replies.append(Reply(self.t("conv.done_menu_hint")))
            return transition.state, replies
        if transition.show_menu:
            return self._menu(replies, greet=False)
        return transition.state, replies

    def _start(self, flow: str, data: Mapping[str, Any] | None = None) -> Transition:
        """Start a flow; it knows the person's local date for date answers."""
        context = {**(data or {}), TODAY_KEY: self.turn.local_today().isoformat()}
        return self.engine.start(flow, self.turn.now, self.option_source, data=context)

    def option_source(self, name: str, data: Mapping[str, Any]) -> Sequence[Option]:
        """A step's options from data, read once per message: the engine asks for the same
        list more than once in a turn (to skip a step with one option, then to show it)."""
        key = (name, json.dumps(data, sort_keys=True, default=str))
        found = self._options.get(key)
        if found is None:
            found = self._options[key] = tuple(actions.dynamic_options(name, self.turn, data))
        return found
