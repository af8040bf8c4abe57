"""Dashboard sign-in on the domain side: `dasbor` in chat, the one-time link, the session."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from conversations.catalog import load_catalog
from conversations.messages import Channel, Reply
from handlers.core.context import AppContext
from handlers.people import login
from handlers.people.phones import to_e164
from storage.db import transaction
from storage.models import AuditEntry, ConversationState, LoginLink, Person
from tests.support import Chat, ChatFactory, Clock

t = load_catalog("id")
SARI = "0812-1000-0003"
PUBLIC_PHONE = "0813-9000-0001"
STAFF = {
    "korkab": "0812-1000-0001",
    "supervisor": "0812-1000-0002",
    "pendamping": SARI,
    "korwil": "0812-1000-0006",
    "admin": "0812-1000-0007",
}
BASE = "https://pkh.example.id"


def token_of(replies: list[Reply]) -> str:
    for reply in replies:
        found = re.search(re.escape(BASE) + r"/masuk/([A-Za-z0-9_-]+)", reply.text)
        if found:
            return found.group(1)
    raise AssertionError(f"no link in {[r.text for r in replies]}")


def person(ctx: AppContext, phone: str) -> Person:
    with ctx.sessions() as session:
        return session.scalars(select(Person).where(Person.phone == to_e164(phone))).one()


@pytest.fixture(autouse=True)
def _base(ctx: AppContext) -> None:
    ctx.dashboard_base = BASE


@pytest.mark.parametrize("role", sorted(STAFF))
def test_every_rostered_role_gets_a_private_link(
    ctx: AppContext, chat: ChatFactory, role: str
) -> None:
    replies = chat(STAFF[role]).send("dasbor")
    assert len(replies) == 1
    reply = replies[0]
    token = token_of(replies)
    assert len(token) >= 43  # 32 random bytes
    assert "10 menit" in reply.text and "jangan diteruskan" in reply.text
    assert reply.no_link_preview
    assert reply.secret_parts == (token,)  # the outbox keeps no copy once it is sent
    with ctx.sessions() as session:
        link = session.scalars(select(LoginLink)).one()
        assert link.token_hash == login.digest(token) != token
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "login.link_issued")
        ).one()
        assert token not in str(entry.details)


@pytest.mark.parametrize("word", ["/dasbor", "Dasbor", "dashboard"])
def test_the_command_has_its_forms(chat: ChatFactory, word: str) -> None:
    token_of(chat(SARI).send(word))


def test_whatsapp_too(ctx: AppContext, demo_roster: None) -> None:
    replies = Chat(ctx, SARI, channel=Channel.WHATSAPP).send("dasbor")
    token_of(replies)


def test_the_public_gets_a_polite_no_and_the_menu(ctx: AppContext, chat: ChatFactory) -> None:
    replies = chat(PUBLIC_PHONE).send("dasbor")
    assert replies[0].text == t("login.staff_only")
    assert replies[-1].options  # the public menu
    assert "/masuk/" not in "".join(r.text for r in replies)
    with ctx.sessions() as session:
        assert session.scalar(select(func.count(LoginLink.id))) == 0


def test_a_dialog_in_progress_goes_on_below_the_link(ctx: AppContext, chat: ChatFactory) -> None:
    sari = chat(SARI)
    sari.send("menu")
    asked = sari.send("1")[-1]  # the consultation flow's first question
    replies = sari.send("dasbor")
    token_of(replies[:1])
    assert replies[-1].text == asked.text  # asked again below the link
    with ctx.sessions() as session:
        state = session.scalars(
            select(ConversationState).where(ConversationState.address == sari.address)
        ).one()
    assert state.flow is not None


def test_at_most_five_links_an_hour(ctx: AppContext, chat: ChatFactory, clock: Clock) -> None:
    sari = chat(SARI)
    for _ in range(login.LINKS_PER_HOUR):
        token_of(sari.send("dasbor"))
        clock.advance(minutes=1)
    replies = sari.send("dasbor")
    assert [r.text for r in replies] == [t("login.too_many")]
    clock.advance(hours=1)
    token_of(sari.send("dasbor"))


def test_a_link_opens_one_session_once(ctx: AppContext, demo_roster: None, clock: Clock) -> None:
    with transaction(ctx.sessions) as session:
        token = login.issue_link(session, person(ctx, SARI), clock())
    assert token is not None
    with transaction(ctx.sessions) as session:
        assert login.peek_link(session, token, clock()) is not None  # looking uses nothing up
    with transaction(ctx.sessions) as session:
        opened = login.open_session(session, token, clock())
        assert opened is not None
        web_session, cookie = opened
        assert web_session.session_hash == login.digest(cookie)
        assert len(web_session.csrf_token) >= 43
    with transaction(ctx.sessions) as session:
        assert login.open_session(session, token, clock()) is None
        assert login.peek_link(session, token, clock()) is None
        assert login.open_session(session, "wrong" + token, clock()) is None
        found = login.current_session(session, cookie, clock())
        assert found is not None and found.person.phone == to_e164(SARI)
        assert login.current_session(session, "forged", clock()) is None


def test_an_expired_link_opens_nothing(ctx: AppContext, demo_roster: None, clock: Clock) -> None:
    with transaction(ctx.sessions) as session:
        token = login.issue_link(session, person(ctx, SARI), clock())
    assert token is not None
    clock.advance(minutes=10)
    with transaction(ctx.sessions) as session:
        assert login.open_session(session, token, clock()) is None


def test_sessions_end_idle_on_logout_and_when_the_person_leaves(
    ctx: AppContext, demo_roster: None, clock: Clock
) -> None:
    def new_cookie() -> str:
        with transaction(ctx.sessions) as session:
            token = login.issue_link(session, person(ctx, SARI), clock())
            assert token is not None
            opened = login.open_session(session, token, clock())
            assert opened is not None
            return opened[1]

    idle = new_cookie()
    clock.advance(hours=11)
    with transaction(ctx.sessions) as session:
        assert login.current_session(session, idle, clock()) is not None  # use keeps it alive
    clock.advance(hours=12, seconds=1)
    with transaction(ctx.sessions) as session:
        assert login.current_session(session, idle, clock()) is None

    closed = new_cookie()
    with transaction(ctx.sessions) as session:
        web_session = login.current_session(session, closed, clock())
        assert web_session is not None
        login.close_session(session, web_session, clock())
    with transaction(ctx.sessions) as session:
        assert login.current_session(session, closed, clock()) is None

    left = new_cookie()
    with transaction(ctx.sessions) as session:
        session.get(Person, person(ctx, SARI).id).active = False  # type: ignore[union-attr]
    with transaction(ctx.sessions) as session:
        assert login.current_session(session, left, clock()) is None
        actions = session.scalars(select(AuditEntry.action)).all()
    assert actions.count("login.session_opened") == 3
    assert actions.count("login.session_closed") == 2  # logout, and the person left
