"""handlers.core.route: one inbound message, one transaction. Dedupe, cancel, menu and help in every
state, expiry, restarts and concurrent updates."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from conversations.catalog import load_catalog
from conversations.engine import CONFIRM_STEP
from conversations.messages import Channel, Inbound, Reply
from handlers.core import saved_state
from handlers.core.context import AppContext
from handlers.core.route import handle_inbound
from scheduler.duties import expire_idle_conversations
from storage.db import create_db_engine, make_session_factory, transaction
from storage.models import Consultation, ConversationState, InboundMessage, OutboxMessage
from tests.support import Chat, ChatFactory, Clock, make_context, texts

t = load_catalog("id")
SARI = "0812-1000-0003"
CONSULTATION = ("1", "Manajemen kasus", "Mendesak", "Anak KPM putus sekolah", "video", "Besok")


def state_of(ctx: AppContext, chat: Chat) -> ConversationState:
    with ctx.sessions() as session:
        row = session.scalars(
            select(ConversationState).where(
                ConversationState.channel == chat.channel,
                ConversationState.address == chat.address,
            )
        ).one()
        session.expunge(row)
        return row


def count(ctx: AppContext, model: Any) -> int:
    with ctx.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def inbound(chat: Chat, message_id: str, text: str, at: datetime) -> Inbound:
    return Inbound(Channel.WEB, chat.address, message_id, at, text=text)


# -- inbound dedupe ---------------------------------------------------------------------------
def test_a_repeated_delivery_is_handled_once(ctx: AppContext, chat: ChatFactory) -> None:
    sari = chat(SARI)
    message = inbound(sari, "provider-42", "menu", ctx.clock())
    assert handle_inbound(ctx, message) is True
    first = sari.inbox()
    assert "Halo Sari" in texts(first)
    assert handle_inbound(ctx, message) is False
    assert sari.inbox() == []
    assert count(ctx, InboundMessage) == 1


def test_the_same_id_on_another_channel_is_another_message(
    ctx: AppContext, chat: ChatFactory
) -> None:
    sari = chat(SARI)
    assert handle_inbound(ctx, inbound(sari, "m-1", "menu", ctx.clock()))
    other = Inbound(Channel.SMS, sari.address, "m-1", ctx.clock(), text="menu")
    assert handle_inbound(ctx, other)
    assert count(ctx, InboundMessage) == 2


class FailsOnce(Clock):
    """A clock whose first reading fails, standing in for any error while handling."""

    failed = False

    def __call__(self) -> datetime:
        if not self.failed:
            self.failed = True
            raise RuntimeError("boom")
        return self.now


def test_a_failure_keeps_nothing_so_a_redelivery_is_handled(
    sessions: sessionmaker[Session], demo_roster: None, clock: Clock
) -> None:
    ctx = make_context(sessions, FailsOnce(clock.now))
    sari = Chat(ctx, SARI)
    message = inbound(sari, "provider-7", "menu", clock.now)
    assert handle_inbound(ctx, message) is True
    assert [r.text for r in sari.inbox()] == [t("conv.error")]
    assert count(ctx, InboundMessage) == 0  # rolled back with everything else
    assert handle_inbound(ctx, message) is True
    assert "Halo Sari" in texts(sari.inbox())
    assert count(ctx, InboundMessage) == 1


# -- cancel, menu, help -----------------------------------------------------------------------
@pytest.mark.parametrize("word", ["batal", "/batal", "BATAL", "cancel"])
def test_cancel_mid_flow_keeps_nothing(ctx: AppContext, chat: ChatFactory, word: str) -> None:
    sari = chat(SARI)
    sari.send("menu")
    for answer in CONSULTATION[:5]:
        sari.send(answer)
    assert state_of(ctx, sari).step == "preferred_time"
    replies = sari.send(word)
    assert [r.text for r in replies] == [t("conv.cancelled"), t("menu.choose")]
    assert replies[-1].options[0].label == "Minta konsultasi"
    state = state_of(ctx, sari)
    assert (state.flow, state.step, state.data, state.expires_at) == (None, None, {}, None)
    assert count(ctx, Consultation) == 0


def test_cancel_when_nothing_is_running(chat: ChatFactory) -> None:
    replies = chat(SARI).send("/batal")
    assert [r.text for r in replies] == [t("conv.nothing_to_cancel"), t("menu.choose")]


@pytest.mark.parametrize("depth", range(len(CONSULTATION) + 1))
def test_help_and_menu_work_in_every_state(ctx: AppContext, chat: ChatFactory, depth: int) -> None:
    sari = chat(SARI)
    sari.send("menu")
    replies: list[Reply] = []
    for answer in CONSULTATION[:depth]:
        replies = sari.send(answer)
    before = state_of(ctx, sari)
    question = replies[-1] if replies else None

    helped = sari.send("bantuan")
    after = state_of(ctx, sari)
    if depth == 0:  # on the menu: the role's help, then the menu again
        assert [r.text for r in helped] == [t("menu.help_pendamping"), t("menu.choose")]
        assert after.flow is None
    else:
        assert question is not None
        assert helped[-1].text == question.text and helped[-1].options == question.options
        assert len(helped) == 2 and helped[0].text.strip()
        assert (after.flow, after.step, after.data) == (before.flow, before.step, before.data)
    if depth == len(CONSULTATION):
        assert before.step == CONFIRM_STEP and helped[0].text == t("conv.help_confirm")

    back = sari.send("/menu")
    if depth:
        assert back[0].text == t("conv.left_flow")
    assert back[-1].text == "Halo Sari. Mau melakukan apa hari ini?"
    state = state_of(ctx, sari)
    assert (state.flow, state.data) == (None, {})
    assert count(ctx, Consultation) == 0


def test_help_and_menu_for_the_public_in_the_complaint_flow(
    ctx: AppContext, chat: ChatFactory
) -> None:
    kpm = chat("0813-9000-0001")
    assert "layanan pengaduan PKH" in kpm.send("menu")[-1].text
    kpm.send("1")
    kpm.send("Setuju")
    helped = kpm.send("tolong")
    assert [r.text for r in helped] == [t("conv.help_step"), t("complaint.ask_category")]
    assert kpm.send("menu")[0].text == t("conv.left_flow")


def test_an_old_menu_button_gets_the_current_menu(chat: ChatFactory) -> None:
    sari = chat(SARI)
    old = sari.send("menu")[-1]
    sari.send("menu")
    replies = sari.send(choice=old.callback_data(old.options[0]))
    assert [r.text for r in replies] == [t("conv.menu_expired"), t("menu.choose")]
    assert replies[-1].options and replies[-1].token != old.token


def test_a_forged_button_in_a_flow_is_refused(ctx: AppContext, chat: ChatFactory) -> None:
    sari = chat(SARI)
    sari.send("menu")
    sari.send("1")
    replies = sari.send(choice="000000:p2k2")
    assert replies[0].text == t("conv.stale_choice")
    assert state_of(ctx, sari).step == "topic"


# -- expiry -----------------------------------------------------------------------------------
def test_an_idle_flow_expires_on_the_next_message(
    ctx: AppContext, chat: ChatFactory, clock: Clock
) -> None:
    sari = chat(SARI)
    sari.send("menu")
    sari.send("1")
    clock.advance(minutes=30)
    assert sari.send("2")[-1].text == t("consult.ask_urgency")  # 30 minutes is not too long
    clock.advance(minutes=30, seconds=1)
    replies = sari.send("1")
    assert replies[0].text == t("conv.expired")
    assert replies[-1].text == "Halo Sari. Mau melakukan apa hari ini?"
    state = state_of(ctx, sari)
    assert (state.flow, state.data) == (None, {})
    assert count(ctx, Consultation) == 0


def test_the_expiry_duty_ends_idle_flows_once(
    ctx: AppContext, chat: ChatFactory, clock: Clock
) -> None:
    sari, agus = chat(SARI), chat("0812-1000-0004")
    for person in (sari, agus):
        person.send("menu")
        person.send("1")
    start = clock.now
    clock.advance(minutes=20)
    agus.send("2")  # Agus is still busy
    assert expire_idle_conversations(ctx, start + timedelta(minutes=29)) == 0
    assert expire_idle_conversations(ctx, start + timedelta(minutes=31)) == 1
    assert [r.text for r in sari.inbox()] == [t("conv.expired")]
    assert agus.inbox() == []
    state = state_of(ctx, sari)
    assert (state.flow, state.step, state.data, state.prompt_token) == (None, None, {}, None)
    assert expire_idle_conversations(ctx, start + timedelta(minutes=40)) == 0
    assert sari.inbox() == []
    clock.advance(minutes=20)
    replies = sari.send("1")  # told once already: now just the menu
    assert [r.text for r in replies] == ["Halo Sari. Mau melakukan apa hari ini?"]
    assert state_of(ctx, agus).step == "urgency"


def test_a_flow_saved_at_a_step_this_version_no_longer_has_ends_politely(
    ctx: AppContext, chat: ChatFactory
) -> None:
    """A release changed the case flow (its old NIK step is gone) while someone was in it."""
    sari = chat(SARI)
    sari.send("menu")
    sari.send("2")  # Update kasus
    with transaction(ctx.sessions) as session:
        session.execute(
            update(ConversationState)
            .where(ConversationState.address == sari.address)
            .values(step="kpm_ref")
        )
    replies = sari.send("3503124107850002")
    assert replies[0].text == t("conv.flow_changed")
    assert replies[-1].text == "Halo Sari. Mau melakukan apa hari ini?"
    assert state_of(ctx, sari).flow is None


# -- restarts and concurrency ------------------------------------------------------------------
def test_a_new_process_on_the_same_database_continues_the_flow(
    database_url: str, ctx: AppContext, chat: ChatFactory, clock: Clock
) -> None:
    sari = chat(SARI)
    sari.send("menu")
    sari.send("1")
    sari.send("Manajemen kasus")
    engine = create_db_engine(database_url)
    try:
        fresh = make_context(make_session_factory(engine), clock)
        assert fresh.engine is not ctx.engine
        again = Chat(fresh, SARI, last_seen=sari.last_seen)
        assert again.send("Mendesak")[-1].text == t("consult.ask_description")
        state = state_of(fresh, again)
        assert state.step == "description"
        assert (state.data["topic"], state.data["urgency"]) == ("manajemen_kasus", "mendesak")
    finally:
        engine.dispose()


def test_two_sessions_updating_one_state_collide(
    ctx: AppContext, chat: ChatFactory, sessions: sessionmaker[Session]
) -> None:
    sari = chat(SARI)
    sari.send("menu")
    query = select(ConversationState).where(ConversationState.address == sari.address)
    first, second = sessions(), sessions()
    try:
        mine, theirs = first.scalars(query).one(), second.scalars(query).one()
        mine.step, theirs.step = "mine", "theirs"
        first.commit()
        with pytest.raises(StaleDataError):
            second.commit()
    finally:
        first.close()
        second.close()
    assert state_of(ctx, sari).step == "mine"


@pytest.fixture
def racing_writer(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Once a dialog has been read, another writer changes it before the turn writes it."""
    bumped: list[int] = []
    load = saved_state.load

    def load_then_bump(session: Session, message: Inbound) -> Any:
        person, saved = load(session, message)
        if saved is not None and not bumped:
            bumped.append(saved.id)
            session.connection().execute(
                update(ConversationState)
                .where(ConversationState.id == saved.id)
                .values(version=ConversationState.version + 1)
            )
        return person, saved

    monkeypatch.setattr(saved_state, "load", load_then_bump)
    return bumped


def test_a_concurrent_update_is_retried_and_ends_consistent(
    ctx: AppContext, chat: ChatFactory, racing_writer: list[int]
) -> None:
    sari = chat(SARI)
    sari.send("menu")
    racing_writer.clear()
    replies = sari.send("1")
    assert racing_writer, "the other writer did not run"
    assert [r.text for r in replies] == [t("consult.intro"), t("consult.ask_topic")]
    state = state_of(ctx, sari)
    assert (state.flow, state.step) == ("consultation", "topic")
    assert count(ctx, InboundMessage) == 2


def test_two_messages_at_once_are_both_applied_in_turn(
    ctx: AppContext, chat: ChatFactory, db_engine: Engine
) -> None:
    sari = chat(SARI)
    sari.send("menu")
    sari.send("1")
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def send(message_id: str, text: str) -> None:
        try:
            start.wait(timeout=10)
            handle_inbound(ctx, inbound(sari, message_id, text, ctx.clock()))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    workers = [threading.Thread(target=send, args=(f"race-{n}", "1")) for n in (1, 2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert errors == []
    state = state_of(ctx, sari)
    assert (state.step, state.data["topic"], state.data["urgency"]) == (
        "description",
        "p2k2",
        "mendesak",
    )
    replies = texts(sari.inbox())
    assert t("consult.ask_urgency") in replies and t("consult.ask_description") in replies
    assert t("conv.error") not in replies


def test_times_are_stored_in_utc(ctx: AppContext, chat: ChatFactory) -> None:
    sari = chat(SARI)
    sari.send("menu")
    assert state_of(ctx, sari).updated_at == datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    with transaction(ctx.sessions) as session:
        row = session.scalars(select(OutboxMessage)).one()
        assert row.next_attempt_at.utcoffset() == timedelta(0)
