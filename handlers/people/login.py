"""Staff dashboard sign-in: one-time links sent in chat, and the browser sessions they open.

Only SHA-256 hashes of the link token and of the session cookie are stored, so a copy of the
database opens nothing. A link is valid for `LINK_TTL`, once; a session ends after
`SESSION_IDLE` without use, on logout, or as soon as the person is no longer active.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conversations.catalog import Catalog
from conversations.messages import Reply
from handlers.core import audit
from storage.models import LoginLink, Person, WebSession

LINK_TTL = timedelta(minutes=10)
SESSION_IDLE = timedelta(hours=12)
COOKIE = "pkh_sesi"
LINKS_PER_HOUR = 5
TOKEN_BYTES = 32
_RATE_WINDOW = timedelta(hours=1)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def issue_link(session: Session, person: Person, now: datetime) -> str | None:
    """A fresh one-time token for this person; None when they asked too often this hour."""
    recent = session.scalar(
        select(func.count(LoginLink.id)).where(
            LoginLink.person_id == person.id, LoginLink.created_at > now - _RATE_WINDOW
        )
    )
    if (recent or 0) >= LINKS_PER_HOUR:
        audit.record(session, "login.link_refused", "person", person.id, actor=person)
        return None
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = LoginLink(
        person_id=person.id, token_hash=digest(token), created_at=now, expires_at=now + LINK_TTL
    )
    session.add(link)
    session.flush()
    audit.record(session, "login.link_issued", "login_link", link.id, actor=person)
    return token


def link_reply(session: Session, person: Person, now: datetime, base_url: str, t: Catalog) -> Reply:
    """The chat answer to `dasbor`: the person's sign-in link, or why there is none.

    The token is a secret part (the outbox keeps no copy once it is sent) and the channel is
    asked not to fetch a preview of the link."""
    token = issue_link(session, person, now)
    if token is None:
        return Reply(t("login.too_many"))
    url = f"{base_url.rstrip('/')}/masuk/{token}"
    return Reply(
        t("login.link", name=person.name, url=url), secret_parts=(token,), no_link_preview=True
    )


def _valid_link(session: Session, token: str, now: datetime) -> LoginLink | None:
    if not token or len(token) > 200:
        return None
    link = session.scalars(
        select(LoginLink).where(LoginLink.token_hash == digest(token))
    ).one_or_none()
    if link is None or link.used_at is not None or link.expires_at <= now:
        return None
    return link


def _active_person(session: Session, person_id: int) -> Person | None:
    person = session.get(Person, person_id)
    return person if person is not None and person.active else None


def peek_link(session: Session, token: str, now: datetime) -> Person | None:
    """Whose valid link this is, without using it up (a link preview may fetch the page)."""
    link = _valid_link(session, token, now)
    return _active_person(session, link.person_id) if link is not None else None


def open_session(session: Session, token: str, now: datetime) -> tuple[WebSession, str] | None:
    """Use up a valid link of an active person and start a session: (session, cookie value)."""
    link = _valid_link(session, token, now)
    if link is None:
        return None
    person = _active_person(session, link.person_id)
    if person is None:
        return None
    # Guarded update: of two requests racing with one link, only one opens a session.
    claimed = (
        session.query(LoginLink)
        .filter(LoginLink.id == link.id, LoginLink.used_at.is_(None))
        .update({LoginLink.used_at: now}, synchronize_session="fetch")
    )
    if claimed != 1:
        return None
    cookie = secrets.token_urlsafe(TOKEN_BYTES)
    web_session = WebSession(
        session_hash=digest(cookie),
        person_id=person.id,
        csrf_token=secrets.token_urlsafe(TOKEN_BYTES),
        created_at=now,
        last_seen_at=now,
    )
    session.add(web_session)
    session.flush()
    audit.record(session, "login.session_opened", "web_session", web_session.id, actor=person)
    return web_session, cookie


def current_session(session: Session, cookie_value: str | None, now: datetime) -> WebSession | None:
    """The live session this cookie names, marked as just used; None if there is none."""
    if not cookie_value or len(cookie_value) > 200:
        return None
    web_session = session.scalars(
        select(WebSession).where(WebSession.session_hash == digest(cookie_value))
    ).one_or_none()
    if web_session is None or web_session.revoked_at is not None:
        return None
    if now - web_session.last_seen_at > SESSION_IDLE:
        return None
    if not web_session.person.active:
        web_session.revoked_at = now
        audit.record(
            session, "login.session_closed", "web_session", web_session.id, reason="inactive"
        )
        return None
    web_session.last_seen_at = now
    return web_session


def close_session(session: Session, web_session: WebSession, now: datetime) -> None:
    """Logout: the session cannot be used again."""
    if web_session.revoked_at is None:
        web_session.revoked_at = now
        audit.record(
            session,
            "login.session_closed",
            "web_session",
            web_session.id,
            actor=web_session.person,
            reason="logout",
        )
