"""Handling a filed complaint: its handler takes it and moves it through its lifecycle (baru ->
diterima -> diproses -> selesai, or ditolak / dirujuk), may give it to one pendamping or
reclassify it; the complaint desk places one of unknown place. The reporter is told each change
in plain words, rates the answer and may reopen it within 7 days. SLA clocks on working days
remind the handler and escalate along the handler's own chain. Who may do what is
`handlers.people.access`'s answer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from conversations.catalog import Catalog, in_sentence
from conversations.complaint_text import named_person, reads_as_conduct
from conversations.flows import complaint_followup as flows
from conversations.flows.complaint import CATEGORIES
from conversations.messages import Option, Reply
from handlers.calendar import add_working_days_at
from handlers.core import audit, outbox, prompts
from handlers.core.context import AppContext
from handlers.core.prompts import PromptResult
from handlers.core.turn import Turn
from handlers.people import access
from storage.models import ActionPrompt, Complaint, ComplaintNote, Person, Role

NEW, ACCEPTED, IN_PROGRESS = "baru", "diterima", "diproses"
RESOLVED, REJECTED, REFERRED = "selesai", "ditolak", "dirujuk"
OPEN_STATUSES = (NEW, ACCEPTED, IN_PROGRESS)
ALL_STATUSES = (*OPEN_STATUSES, RESOLVED, REJECTED, REFERRED)
ACK_DAYS, PLAN_DAYS, RESOLVE_DAYS, FIELD_RESOLVE_DAYS = 1, 3, 5, 14
REOPEN_WITHIN = timedelta(days=7)
CONDUCT_CATEGORY = "perilaku_pendamping"
STAFF_ACTION = "complaint.staff"
REPORTER_ACTION = "complaint.reporter"
PROMPT_PREFIX = "complaint."
LIST_LIMIT = 8


# -- what a complaint is about -----------------------------------------------------------
def named_pendamping(session: Session, text: str, kabupaten: str) -> int | None:
    """The rostered pendamping of the kabupaten that the text names, if any. With no kabupaten
    nothing is matched (the desk places it, and the text is read again then)."""
    if not kabupaten:
        return None
    people = session.execute(
        select(Person.id, Person.name).where(
            Person.role == Role.PENDAMPING,
            Person.active.is_(True),
            Person.kabupaten == kabupaten,
        )
    ).all()
    return named_person(text, [(person_id, name) for person_id, name in people])


def read_conduct(session: Session, c: Complaint) -> None:
    """Mark the complaint as about conduct when its category says so, its text reads so, or it
    names a rostered pendamping (who then never receives, takes or sees it)."""
    c.named_pendamping_id = c.named_pendamping_id or named_pendamping(
        session, c.description, c.kabupaten
    )
    c.about_conduct = (
        c.category == CONDUCT_CATEGORY
        or reads_as_conduct(c.description)
        or c.named_pendamping_id is not None
    )


def _reporter_label(c: Complaint, t: Catalog) -> str:
    if c.anonymous:
        return t("complaint.reporter_hidden")
    return c.reporter_name or t("complaint.no_name")


def _facts(c: Complaint, t: Catalog, when: str) -> dict[str, str]:
    return {
        "ticket": c.ticket_code,
        "kecamatan": c.kecamatan or t("complaint.place_not_known"),
        "category": in_sentence(t(f"category.{c.category}")),
        "description": c.description,
        "reporter": _reporter_label(c, t),
        "status": t(f"status.{c.status}"),
        "due": when,
        "attachments": str(len(c.attachments.get("items", []))),
    }


def staff_options(c: Complaint, t: Catalog, person: Person) -> list[Option]:
    """The choices `person` has on this complaint now (none if they may not act on it)."""
    if not access.may_act_on_complaint(person, c) or c.status not in OPEN_STATUSES:
        return []
    if person.role == Role.PENDAMPING:  # the pendamping it was given to
        values: tuple[str, ...] = {
            NEW: ("terima", "catat"),
            ACCEPTED: ("proses", "selesai", "catat", "balas"),
            IN_PROGRESS: ("selesai", "catat", "balas"),
        }[c.status]
    else:
        values = {
            NEW: ("terima", "tolak", "rujuk", "catat"),
            ACCEPTED: ("proses", "selesai", "tolak", "rujuk", "catat", "balas"),
            IN_PROGRESS: ("selesai", "rujuk", "catat", "balas"),
        }[c.status]
        if access.may_place_complaint(person, c):
            values = ("tempatkan", *values)
        if access.may_direct_complaint(person, c):
            session = object_session(c)
            if session is not None and access.assignable_pendamping(session, c):
                values = (*values, "serahkan")
            values = (*values, "kategori")
    return [Option(v, t(f"complaint.opt_{v}")) for v in values]


def _current_due(c: Complaint) -> datetime | None:
    if c.status not in OPEN_STATUSES:
        return None
    if c.acknowledged_at is None:
        return c.ack_due_at
    if c.planned_at is None:
        return c.plan_due_at
    return c.resolve_due_at


def _zone(c: Complaint, default_tz: str) -> str:
    return c.handler.timezone if c.handler else default_tz


def alert_staff(
    turn: Turn, c: Complaint, person: Person, lead: str | None = None, **extra: str
) -> None:
    """An alert about a complaint (new, placed, given to them) with the choices they have."""
    t = turn.t
    lead = lead or ("complaint.alert_urgent" if c.urgent else "complaint.alert")
    text = t(lead, **_facts(c, t, turn.local_date(c.ack_due_at, person)), **extra)
    if c.handler_id is None:
        text = f"{text}\n{t('complaint.alert_desk')}"
    key = turn.key(f"complaint:{c.id}:alert:{c.handler_id}:{person.id}")
    prompts.offer(
        turn.session,
        person,
        STAFF_ACTION,
        c.id,
        text,
        staff_options(c, t, person),
        key,
        turn.now,
        turn.ctx.channels,
        kind="complaint_alert",
    )


def tell_reporter(session: Session, c: Complaint, reply: Reply, key: str, now: datetime) -> None:
    if c.reporter_address.startswith("dihapus"):
        return
    outbox.enqueue(
        session, c.reporter_channel, c.reporter_address, reply, key, now, kind="ticket_update"
    )


def note(
    session: Session, c: Complaint, author: Person | None, kind: str, text: str, now: datetime
) -> None:
    session.add(
        ComplaintNote(
            complaint_id=c.id,
            author_id=author.id if author else None,
            kind=kind,
            text=text,
            created_at=now,
        )
    )


def restart_clock(c: Complaint) -> None:
    """A milestone was met: the next one's clock starts from level 0."""
    c.sla_level = 0
    c.next_sla_check_at = _current_due(c)


# -- staff answers ------------------------------------------------------------------------
def answer_prompt(turn: Turn, prompt: ActionPrompt, value: str) -> PromptResult:
    session, t = turn.session, turn.t
    c = session.get(Complaint, prompt.entity_id)
    if c is None:
        return PromptResult([Reply(t("complaint.stale"))])
    if prompt.action == REPORTER_ACTION:
        return _reporter_answer(turn, c, value)
    person = turn.staff
    if not access.may_act_on_complaint(person, c):
        return PromptResult([Reply(t("complaint.not_yours"))])
    if value not in {o.value for o in staff_options(c, t, person)}:
        return PromptResult([Reply(t("complaint.stale_status", status=t(f"status.{c.status}")))])
    data = {"complaint_id": c.id}
    if value == "terima":
        return PromptResult(_accept(turn, c, person))
    flow = {
        "proses": flows.PLAN, "selesai": flows.RESOLVE, "tolak": flows.REJECT,
        "rujuk": flows.REFER, "catat": flows.NOTE, "balas": flows.REPLY,
        "serahkan": flows.ASSIGN, "kategori": flows.RECLASSIFY, "tempatkan": flows.PLACE,
    }[value]  # fmt: skip
    return PromptResult([], flow, data)


def _accept(turn: Turn, c: Complaint, person: Person) -> list[Reply]:
    session, t, now = turn.session, turn.t, turn.now
    c.status = ACCEPTED
    if person.role != Role.PENDAMPING:
        # The one who takes it handles it (the desk, or a coordinator taking it over); the
        # pendamping it was given to works on it for its handler, who keeps it in view.
        c.handler_id, c.handler = person.id, person
    c.acknowledged_at = c.acknowledged_at or now
    restart_clock(c)
    note(session, c, person, "status", ACCEPTED, now)
    audit.record(session, "complaint.accepted", "complaint", c.id, actor=person)
    tell_reporter(
        session,
        c,
        Reply(
            t(
                "complaint.to_reporter_accepted",
                ticket=c.ticket_code,
                due=turn.local_date(c.resolve_due_at),
            )
        ),
        turn.key(f"complaint:{c.id}:accepted"),
        now,
    )
    text = t("complaint.taken", ticket=c.ticket_code)
    options = staff_options(c, t, person)
    return [prompts.make_prompt(session, person, STAFF_ACTION, c.id, text, options, now)]


def _checked(turn: Turn, data: Mapping[str, Any], action: str) -> Complaint | None:
    c = turn.session.get(Complaint, data["complaint_id"])
    if c is None or not access.may_act_on_complaint(turn.staff, c):
        return None
    return c if action in {o.value for o in staff_options(c, turn.t, turn.staff)} else None


def _stale(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    c = turn.session.get(Complaint, data["complaint_id"])
    status = turn.t(f"status.{c.status}") if c else "-"
    return [Reply(turn.t("complaint.stale_status", status=status))]


def record_plan(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    c = _checked(turn, data, "proses")
    if c is None:
        return _stale(turn, data)
    session, t, now, person = turn.session, turn.t, turn.now, turn.staff
    c.status, c.plan, c.planned_at = IN_PROGRESS, data["plan"], now
    c.acknowledged_at = c.acknowledged_at or now
    if data["field_visit"] == "ya":
        c.field_verification = True
        c.resolve_due_at = add_working_days_at(
            c.created_at, FIELD_RESOLVE_DAYS, _zone(c, turn.ctx.default_tz)
        )
    restart_clock(c)
    note(session, c, person, "plan", c.plan, now)
    audit.record(
        session,
        "complaint.planned",
        "complaint",
        c.id,
        actor=person,
        field_verification=c.field_verification,
    )
    tell_reporter(
        session,
        c,
        Reply(
            t(
                "complaint.to_reporter_in_progress",
                ticket=c.ticket_code,
                plan=c.plan,
                due=turn.local_date(c.resolve_due_at),
            )
        ),
        turn.key(f"complaint:{c.id}:plan"),
        now,
    )
    return [Reply(t("complaint.updated", ticket=c.ticket_code, status=t(f"status.{c.status}")))]


def record_resolution(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    c = _checked(turn, data, "selesai")
    if c is None:
        return _stale(turn, data)
    session, t, now, person = turn.session, turn.t, turn.now, turn.staff
    c.status, c.resolution, c.resolved_at = RESOLVED, data["resolution"], now
    c.acknowledged_at = c.acknowledged_at or now
    c.next_sla_check_at = None
    note(session, c, person, "resolution", c.resolution, now)
    audit.record(session, "complaint.resolved", "complaint", c.id, actor=person)
    options = [Option(str(n), t(f"complaint.rate_{n}")) for n in range(5, 0, -1)]
    options.append(Option("buka", t("complaint.opt_reopen")))
    text = t("complaint.to_reporter_resolved", ticket=c.ticket_code, resolution=c.resolution)
    prompts.offer_at(
        session,
        c.reporter_channel,
        c.reporter_address,
        REPORTER_ACTION,
        c.id,
        text,
        options,
        turn.key(f"complaint:{c.id}:resolved"),
        now,
        kind="ticket_update",
    )
    return [Reply(t("complaint.updated", ticket=c.ticket_code, status=t(f"status.{c.status}")))]


def _close_as(
    turn: Turn, data: Mapping[str, Any], action: str, status: str, field: str, reporter_key: str
) -> list[Reply]:
    c = _checked(turn, data, action)
    if c is None:
        return _stale(turn, data)
    session, t, now, person = turn.session, turn.t, turn.now, turn.staff
    c.status = status
    c.resolution = data[field]
    c.resolved_at = now
    c.next_sla_check_at = None
    note(session, c, person, status, c.resolution, now)
    audit.record(session, f"complaint.{status}", "complaint", c.id, actor=person)
    tell_reporter(
        session,
        c,
        Reply(t(reporter_key, ticket=c.ticket_code, text=c.resolution)),
        turn.key(f"complaint:{c.id}:{status}"),
        now,
    )
    return [Reply(t("complaint.updated", ticket=c.ticket_code, status=t(f"status.{status}")))]


def record_rejection(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    return _close_as(turn, data, "tolak", REJECTED, "reason", "complaint.to_reporter_rejected")


def record_referral(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    return _close_as(turn, data, "rujuk", REFERRED, "referral", "complaint.to_reporter_referred")


def record_note(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    c = _checked(turn, data, "catat")
    if c is None:
        return _stale(turn, data)
    note(turn.session, c, turn.person, "note", data["note"], turn.now)
    audit.record(turn.session, "complaint.note", "complaint", c.id, actor=turn.person)
    return [Reply(turn.t("complaint.note_saved", ticket=c.ticket_code))]


def send_reply(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    c = _checked(turn, data, "balas")
    if c is None:
        return _stale(turn, data)
    t = turn.t
    note(turn.session, c, turn.person, "reply", data["message"], turn.now)
    audit.record(turn.session, "complaint.replied", "complaint", c.id, actor=turn.person)
    tell_reporter(
        turn.session,
        c,
        Reply(t("complaint.to_reporter_message", ticket=c.ticket_code, message=data["message"])),
        turn.key(f"complaint:{c.id}:reply"),
        turn.now,
    )
    return [Reply(t("complaint.reply_sent", ticket=c.ticket_code))]


# -- the reporter's answers ---------------------------------------------------------------
def _reporter_answer(turn: Turn, c: Complaint, value: str) -> PromptResult:
    t, now = turn.t, turn.now
    if value == "buka":
        if c.status != RESOLVED or c.resolved_at is None or now - c.resolved_at > REOPEN_WITHIN:
            return PromptResult([Reply(t("complaint.reopen_too_late"))])
        return PromptResult([], flows.REOPEN, {"complaint_id": c.id})
    if c.rating is not None:
        return PromptResult([Reply(t("complaint.already_rated"))])
    c.rating = int(value)
    audit.record(turn.session, "complaint.rated", "complaint", c.id, rating=c.rating)
    return PromptResult([Reply(t("complaint.thanks_rating"))])


def reopen(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    session, t, now = turn.session, turn.t, turn.now
    c = session.get(Complaint, data["complaint_id"])
    if (
        c is None
        or c.status != RESOLVED
        or c.resolved_at is None
        or (now - c.resolved_at > REOPEN_WITHIN)
    ):
        return [Reply(t("complaint.reopen_too_late"))]
    c.status, c.resolved_at, c.rating = IN_PROGRESS, None, None
    c.reopened_count += 1
    c.resolve_due_at = add_working_days_at(now, RESOLVE_DAYS, _zone(c, turn.ctx.default_tz))
    restart_clock(c)
    note(session, c, None, "reopen", data["reason"], now)
    audit.record(session, "complaint.reopened", "complaint", c.id, actor_address=c.reporter_address)
    for person in access.complaint_escalation(session, c, 0):
        text = t(
            "complaint.reopened_to_staff",
            ticket=c.ticket_code,
            reason=data["reason"],
            due=turn.local_date(c.resolve_due_at, person),
        )
        prompts.offer(
            session,
            person,
            STAFF_ACTION,
            c.id,
            text,
            staff_options(c, t, person),
            turn.key(f"complaint:{c.id}:reopen:{person.id}"),
            now,
            turn.ctx.channels,
            kind="complaint_alert",
        )
    return [
        Reply(t("complaint.reopened", ticket=c.ticket_code, due=turn.local_date(c.resolve_due_at)))
    ]


def status_reply(turn: Turn, c: Complaint) -> Reply:
    t = turn.t
    lines = [
        t(
            "complaint.status_of",
            ticket=c.ticket_code,
            status=t(f"status.{c.status}"),
            created=turn.local_date(c.created_at),
        )
    ]
    due = _current_due(c)
    if due is not None:
        lines.append(t("complaint.status_expected", due=turn.local_date(c.resolve_due_at)))
    if c.status in (RESOLVED, REJECTED, REFERRED) and c.resolution:
        lines.append(t("complaint.status_answer", text=c.resolution))
    return Reply("\n".join(lines))


# -- lists for staff ----------------------------------------------------------------------
def filter_options(turn: Turn, data: Mapping[str, Any]) -> Sequence[Option]:
    t = turn.t
    if data.get("by") == "status":
        return [Option(s, t(f"status.{s}")) for s in ALL_STATUSES]
    if data.get("by") == "kategori":
        return [Option(c, t(f"category.{c}")) for c in CATEGORIES]
    if data.get("by") == "kecamatan":
        places = turn.session.scalars(
            select(Complaint.kecamatan)
            .where(Complaint.kecamatan != "", access.complaints_visible_to(turn.staff))
            .distinct()
            .order_by(Complaint.kecamatan)
        ).all()
        return [Option(p, p) for p in places]
    return []


def list_complaints(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    person, t, now = turn.staff, turn.t, turn.now
    query = select(Complaint).where(access.complaints_visible_to(person))
    by, value = data["by"], data.get("value")
    if by == "aktif":
        query = query.where(Complaint.status.in_(OPEN_STATUSES))
    elif by == "terlambat":
        query = query.where(Complaint.status.in_(OPEN_STATUSES), Complaint.sla_level > 0)
    elif by == "mendesak":
        query = query.where(Complaint.urgent.is_(True), Complaint.status.in_(OPEN_STATUSES))
    elif by == "status":
        query = query.where(Complaint.status == value)
    elif by == "kategori":
        query = query.where(Complaint.category == value)
    elif by == "kecamatan":
        query = query.where(Complaint.kecamatan == value)
    rows = turn.session.scalars(
        query.order_by(Complaint.urgent.desc(), Complaint.created_at).limit(LIST_LIMIT + 1)
    ).all()
    if not rows:
        return [Reply(t("complaint.list_none"))]
    replies = [Reply(t("complaint.list_header", count=min(len(rows), LIST_LIMIT)))]
    for c in rows[:LIST_LIMIT]:
        due = _current_due(c)
        late = due is not None and due <= now
        facts = _facts(c, t, turn.local_date(due, person) if due else "-")
        text = t("complaint.list_item_late" if late else "complaint.list_item", **facts)
        options = staff_options(c, t, person)
        if options:
            replies.append(
                prompts.make_prompt(turn.session, person, STAFF_ACTION, c.id, text, options, now)
            )
        else:
            replies.append(Reply(text))
    if len(rows) > LIST_LIMIT:
        replies.append(Reply(t("complaint.list_more")))
    return replies


# -- SLA clocks ---------------------------------------------------------------------------
def run_sla_clocks(ctx: AppContext, session: Session, now: datetime) -> int:
    """Level 0 at the due time: remind the handler (and the pendamping it was given to); +1
    working day: the next level of the handler's chain; +2: the level above that."""
    t = ctx.catalog
    rows = session.scalars(
        select(Complaint)
        .where(Complaint.status.in_(OPEN_STATUSES), Complaint.next_sla_check_at <= now)
        .order_by(Complaint.id)
        .limit(200)
        .with_for_update(skip_locked=True)
    ).all()
    for c in rows:
        due = _current_due(c)
        if due is None:
            c.next_sla_check_at = None
            continue
        milestone = (
            "ack" if c.acknowledged_at is None else "plan" if c.planned_at is None else ("resolve")
        )
        key = f"complaint:{c.id}:sla:{milestone}:{c.reopened_count}:{c.sla_level}"
        facts = _facts(c, t, "")
        text = t(f"complaint.sla_{milestone}", **facts)
        recipients = access.complaint_escalation(session, c, c.sla_level)
        for person in recipients:
            prompts.offer(
                session,
                person,
                STAFF_ACTION,
                c.id,
                t(f"complaint.sla_level_{min(c.sla_level, 2)}", body=text),
                staff_options(c, t, person),
                f"{key}:{person.id}",
                now,
                ctx.channels,
                kind="reminder",
            )
        audit.record(
            session,
            "complaint.escalated",
            "complaint",
            c.id,
            milestone=milestone,
            level=c.sla_level,
            to=[p.id for p in recipients],
        )
        c.sla_level += 1
        c.next_sla_check_at = (
            add_working_days_at(due, c.sla_level, _zone(c, ctx.default_tz))
            if c.sla_level < 3
            else None
        )
    return len(rows)
