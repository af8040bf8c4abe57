"""Data-subject requests (UU PDP No. 27/2022) handled by a desk admin: find everything held about
one phone number, export it, erase or anonymise it.

What is held about a number: a staff person's roster row (with their login links and web
sessions), the complaints filed from it, the messages received from it and queued to it, its
dialog states, the choices offered to it and its status checks. A staff person's messages on
Telegram are known by their person id, not by the number, so they are found that way too.

Erasing keeps what the programme's figures need (a complaint's ticket, category, place, dates,
status, SLA fields, rating and counts; the number of messages) and removes what identifies or
tells the person's story: the number becomes one placeholder ("dihapus-" and 8 random hex
digits, the same for every row of one request, so the rows still group and lookups by the old
number find nothing); name, story, media and the reporter's own notes are cleared; message
texts are blanked; dialog states and open choices are deleted. The placeholder is random, never a
hash of the number: a hash of an 11-digit number is undone by trying every number.

The roster row itself stays: the roster decides who is staff (the page says to remove them
from the roster first). Audit entries stay too, but lose the number; the entries written here
name the number only masked to its last four digits.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, String, cast, delete, false, or_, select, update
from sqlalchemy.orm import Session

from handlers.complaints.handling import ERASED_ADDRESS
from handlers.core import audit
from storage.models import (
    ActionPrompt,
    AuditEntry,
    Complaint,
    ConversationState,
    InboundMessage,
    LoginLink,
    OutboxMessage,
    OutboxStatus,
    Person,
    StatusCheckAttempt,
    WebSession,
)

ERASED_STORY = "(dihapus atas permintaan pemilik data)"
ERASED_ERROR = "erased at the data subject's request"
ENTITY = "data_subject"
# What each kind of record is called in counts, exports and audit details.
KINDS = (
    "complaints",
    "inbound",
    "outbox",
    "states",
    "prompts",
    "status_checks",
    "login_links",
    "web_sessions",
    "audit_entries",
)


def masked(phone: str) -> str:
    """The number as audit entries and file names may show it: its last four digits only."""
    return f"****{phone[-4:]}"


def new_placeholder() -> str:
    return f"{ERASED_ADDRESS}-{secrets.token_hex(4)}"


@dataclass
class Holdings:
    """Everything held about one number (E.164), as rows of this session."""

    phone: str
    person: Person | None = None
    complaints: list[Complaint] = field(default_factory=list)
    inbound: list[InboundMessage] = field(default_factory=list)
    outbox: list[OutboxMessage] = field(default_factory=list)
    states: list[ConversationState] = field(default_factory=list)
    prompts: list[ActionPrompt] = field(default_factory=list)
    status_checks: list[StatusCheckAttempt] = field(default_factory=list)
    login_links: list[LoginLink] = field(default_factory=list)
    web_sessions: list[WebSession] = field(default_factory=list)
    audit_entries: list[AuditEntry] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {kind: len(getattr(self, kind)) for kind in KINDS}

    @property
    def empty(self) -> bool:
        return self.person is None and not any(self.counts().values())


def _by_address(column: Any, phone: str, person_column: Any, person: Person | None) -> Any:
    """Rows at this number, and a staff person's own rows on any channel."""
    mine = person_column == person.id if person is not None else false()
    return or_(column == phone, mine)


def find(session: Session, phone: str) -> Holdings:
    """Every row held about `phone` (already E.164), oldest first."""
    person = session.scalars(select(Person).where(Person.phone == phone)).one_or_none()
    found = Holdings(phone, person)
    reporter = _by_address(Complaint.reporter_address, phone, Complaint.reporter_person_id, person)
    found.complaints = list(
        session.scalars(select(Complaint).where(reporter).order_by(Complaint.id))
    )
    for kind, model in (
        ("inbound", InboundMessage),
        ("outbox", OutboxMessage),
        ("states", ConversationState),
    ):
        where = _by_address(model.address, phone, model.person_id, person)
        setattr(found, kind, list(session.scalars(select(model).where(where).order_by(model.id))))
    # A staff person's own prompts are their work (an alert to acknowledge): only the public's.
    found.prompts = list(
        session.scalars(
            select(ActionPrompt).where(ActionPrompt.address == phone).order_by(ActionPrompt.id)
        )
    )
    found.status_checks = list(
        session.scalars(
            select(StatusCheckAttempt)
            .where(StatusCheckAttempt.address == phone)
            .order_by(StatusCheckAttempt.id)
        )
    )
    if person is not None:
        found.login_links = list(
            session.scalars(select(LoginLink).where(LoginLink.person_id == person.id))
        )
        found.web_sessions = list(
            session.scalars(select(WebSession).where(WebSession.person_id == person.id))
        )
    found.audit_entries = list(
        session.scalars(select(AuditEntry).where(_audit_naming(phone)).order_by(AuditEntry.id))
    )
    return found


def _audit_naming(phone: str) -> ColumnElement[bool]:
    """Audit entries that hold the number: as the actor's address, or as the record (a roster
    entry names a person by phone)."""
    return or_(AuditEntry.actor_address == phone, AuditEntry.entity_id == phone)


def record_request(session: Session, actor: Person, action: str, holdings: Holdings) -> None:
    """An audit entry for a find or an export: who, and how much was found, never the number."""
    audit.record(
        session, f"data_request.{action}", ENTITY, masked(holdings.phone), actor=actor,
        staff=holdings.person is not None, **holdings.counts(),
    )  # fmt: skip


# -- export -------------------------------------------------------------------------------
def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _row(obj: Any, columns: tuple[str, ...]) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in columns}


PERSON_FIELDS = (
    "role", "name", "phone", "kabupaten", "kecamatan", "provinsi", "timezone", "active",
    "telegram_user_id", "telegram_chat_id", "last_channel", "created_at", "updated_at",
)  # fmt: skip
COMPLAINT_FIELDS = (
    "ticket_code", "created_at", "status", "category", "kabupaten", "kecamatan",
    "reporter_channel", "reporter_address", "reporter_name", "anonymous", "description",
    "attachments", "urgent", "consent_at", "acknowledged_at", "planned_at", "resolved_at",
    "plan", "resolution", "rating", "reopened_count",
)  # fmt: skip
INBOUND_FIELDS = ("channel", "address", "kind", "attachments", "received_at")
OUTBOX_FIELDS = ("channel", "address", "kind", "payload", "status", "created_at", "sent_at")
STATE_FIELDS = ("channel", "address", "flow", "step", "data", "updated_at", "expires_at")
PROMPT_FIELDS = ("channel", "address", "action", "options", "created_at", "answered_at")
CHECK_FIELDS = ("ticket_code", "succeeded", "at")
LINK_FIELDS = ("created_at", "expires_at", "used_at")
SESSION_FIELDS = ("created_at", "last_seen_at", "revoked_at")
AUDIT_FIELDS = ("at", "action", "entity_type", "entity_id")


def export(holdings: Holdings, now: datetime) -> dict[str, Any]:
    """Everything found, as plain JSON-ready data: the person's own data, their story
    included. Secrets that are ours, not theirs (hashed codes and session ids), are left out."""
    complaints = []
    for c in holdings.complaints:
        row = _row(c, COMPLAINT_FIELDS)
        row["history"] = [
            {"at": _plain(n.created_at), "kind": n.kind, "text": n.text}
            for n in c.notes
            if n.author_id is None  # the reporter's own words (staff notes are staff's work)
        ]
        complaints.append(row)
    return {
        "phone": holdings.phone,
        "exported_at": _plain(now),
        "staff": _row(holdings.person, PERSON_FIELDS) if holdings.person else None,
        "complaints": complaints,
        "inbound_messages": [_row(r, INBOUND_FIELDS) for r in holdings.inbound],
        "outbox_messages": [_row(r, OUTBOX_FIELDS) for r in holdings.outbox],
        "conversation_states": [_row(r, STATE_FIELDS) for r in holdings.states],
        "prompts": [_row(r, PROMPT_FIELDS) for r in holdings.prompts],
        "status_checks": [_row(r, CHECK_FIELDS) for r in holdings.status_checks],
        "login_links": [_row(r, LINK_FIELDS) for r in holdings.login_links],
        "web_sessions": [_row(r, SESSION_FIELDS) for r in holdings.web_sessions],
        "audit_entries": [_row(r, AUDIT_FIELDS) for r in holdings.audit_entries],
    }


# -- erase --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Erasure:
    placeholder: str
    counts: dict[str, int]
    staff: bool  # the roster row was kept


def erase(
    session: Session,
    actor: Person | None,
    phone: str,
    *,
    live_state: ConversationState | None = None,
) -> Erasure:
    """Anonymise everything held about `phone` (see the module docstring), in the caller's
    transaction, and audit it with the actor (None: the person asked it themselves in chat)
    and the counts. `live_state` is the dialog state of the very message that asked: it is
    emptied rather than deleted, since that message's handling writes it once more."""
    held = find(session, phone)
    placeholder = new_placeholder()
    _scrub_staff_messages(session, held.complaints)
    for c in held.complaints:
        _erase_complaint(c, placeholder)
    for message in held.inbound:
        message.address, message.person_id, message.attachments = placeholder, None, {}
    for row in held.outbox:
        row.address, row.person_id = placeholder, None
        row.payload = {"text": ERASED_STORY, "options": []}
        row.idempotency_key = row.idempotency_key.replace(phone, placeholder)
        if row.last_error:  # a provider's error may quote the number
            row.last_error = row.last_error.replace(phone, placeholder)
        if row.status in (OutboxStatus.PENDING, OutboxStatus.SENDING):
            row.status, row.last_error = OutboxStatus.FAILED, ERASED_ERROR
    if live_state is not None:
        live_state.data = {}
    states = [row for row in held.states if row is not live_state]
    for model, rows in ((ConversationState, states), (ActionPrompt, held.prompts)):
        ids = [row.id for row in rows]
        if ids:
            session.execute(delete(model).where(model.id.in_(ids)))
    for check in held.status_checks:
        check.address = placeholder
    _scrub_audit(session, held, placeholder)
    counts = held.counts()
    session.flush()
    audit.record(
        session, "data_request.erased", ENTITY, masked(phone), actor=actor,
        placeholder=placeholder, staff=held.person is not None, **counts,
    )  # fmt: skip
    return Erasure(placeholder, counts, held.person is not None)


def _erase_complaint(c: Complaint, placeholder: str) -> None:
    c.reporter_address, c.reporter_name, c.reporter_person_id = placeholder, None, None
    c.description, c.attachments = ERASED_STORY, {}
    for note in c.notes:
        if note.author_id is None:  # the reporter's own words, e.g. why they reopened it
            note.text = ERASED_STORY


# How many ticket codes one outbox scan looks for.
TICKETS_PER_SCAN = 50


def _scrub_staff_messages(session: Session, complaints: list[Complaint]) -> None:
    """Messages to staff about a complaint quote its story and the reporter's name: its ticket
    code (unique, random) finds them; the quotes go, the rest of the message stays. Called
    before the complaints are cleared, while they still hold what to look for."""
    text = cast(OutboxMessage.payload, String)
    secrets_of = {c.ticket_code: (c.description, c.reporter_name) for c in complaints}
    tickets = list(secrets_of)
    for start in range(0, len(tickets), TICKETS_PER_SCAN):
        batch = tickets[start : start + TICKETS_PER_SCAN]
        rows = session.scalars(
            select(OutboxMessage).where(
                or_(*(text.contains(ticket, autoescape=True) for ticket in batch))
            )
        ).all()
        for row in rows:
            body = str(row.payload.get("text", ""))
            cleaned = body
            for ticket in batch:
                if ticket in body:
                    for secret in secrets_of[ticket]:
                        if secret and secret.strip():
                            cleaned = cleaned.replace(secret, ERASED_STORY)
            if cleaned != body:
                row.payload = {**row.payload, "text": cleaned}


def _scrub_audit(session: Session, held: Holdings, placeholder: str) -> None:
    """Audit entries stay, without the number. A staff person's roster entries keep naming
    them while their roster row does."""
    session.execute(
        update(AuditEntry)
        .where(AuditEntry.actor_address == held.phone)
        .values(actor_address=placeholder)
    )
    if held.person is None:
        session.execute(
            update(AuditEntry)
            .where(AuditEntry.entity_id == held.phone)
            .values(entity_id=placeholder)
        )
