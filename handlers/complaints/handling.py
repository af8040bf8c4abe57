"""The staff's side of a filed complaint: the choices they have on it, the alert that offers
them, and the lifecycle they move it through (baru -> diterima -> diproses -> selesai, or ditolak
/ dirujuk), with notes, and the reporter told each change in plain words. Who may do what is
`handlers.people.access`'s answer."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session, object_session

from conversations.catalog import Catalog, in_sentence
from conversations.flows import complaint_conference as conference_flows
from conversations.flows import complaint_followup as flows
from conversations.flows.complaint import YES
from conversations.messages import Option, Reply
from handlers.calendar import add_working_days_at
from handlers.complaints import conference
from handlers.complaints.deadlines import FIELD_RESOLVE_DAYS, restart_clock, zone
from handlers.core import audit, prompts
from handlers.core.messaging import Messenger
from handlers.core.prompts import PromptResult
from handlers.core.turn import Turn
from handlers.people import access
from storage.models import ActionPrompt, Complaint, ComplaintNote, Person
from storage.vocabulary import OPEN_COMPLAINTS, ComplaintStatus, Role

STAFF_ACTION = "complaint.staff"
REPORTER_ACTION = "complaint.reporter"
# The reporter's choice besides a rating (5..1) once their complaint is resolved.
REOPEN_CHOICE = "buka"
# A reporter address that begins so was erased at the reporter's request: nobody to tell.
ERASED_ADDRESS = "dihapus"


class StaffChoice(StrEnum):
    """What a member of staff may do on a complaint; each is labelled complaint.opt_<value>."""

    PLACE = "tempatkan"
    ACCEPT = "terima"
    PLAN = "proses"
    RESOLVE = ComplaintStatus.RESOLVED  # its value has always been the status's own word
    REJECT = "tolak"
    REFER = "rujuk"
    NOTE = "catat"
    REPLY = "balas"
    ASSIGN = "serahkan"
    RECLASSIFY = "kategori"
    RULE = "ketentuan"  # the programme rule broken (supervisor level and above)
    CONFERENCE = "konferensi"  # a case conference with the korkab


# By the complaint's status: what the pendamping it was given to may do, and what its handler
# (or a coordinator above) may do.
PENDAMPING_CHOICES = {
    ComplaintStatus.NEW: (StaffChoice.ACCEPT, StaffChoice.NOTE),
    ComplaintStatus.ACCEPTED: (
        StaffChoice.PLAN, StaffChoice.RESOLVE, StaffChoice.NOTE, StaffChoice.REPLY,
    ),
    ComplaintStatus.IN_PROGRESS: (StaffChoice.RESOLVE, StaffChoice.NOTE, StaffChoice.REPLY),
}  # fmt: skip
HANDLER_CHOICES = {
    ComplaintStatus.NEW: (
        StaffChoice.ACCEPT, StaffChoice.REJECT, StaffChoice.REFER, StaffChoice.NOTE,
    ),
    ComplaintStatus.ACCEPTED: (
        StaffChoice.PLAN, StaffChoice.RESOLVE, StaffChoice.REJECT, StaffChoice.REFER,
        StaffChoice.NOTE, StaffChoice.REPLY,
    ),
    ComplaintStatus.IN_PROGRESS: (
        StaffChoice.RESOLVE, StaffChoice.REFER, StaffChoice.NOTE, StaffChoice.REPLY,
    ),
}  # fmt: skip
# The dialog each choice starts (taking it needs none).
CHOICE_FLOWS = {
    StaffChoice.PLAN: flows.PLAN, StaffChoice.RESOLVE: flows.RESOLVE,
    StaffChoice.REJECT: flows.REJECT, StaffChoice.REFER: flows.REFER,
    StaffChoice.NOTE: flows.NOTE, StaffChoice.REPLY: flows.REPLY,
    StaffChoice.ASSIGN: flows.ASSIGN, StaffChoice.RECLASSIFY: flows.RECLASSIFY,
    StaffChoice.PLACE: flows.PLACE, StaffChoice.RULE: conference_flows.RULE,
}  # fmt: skip
# A taken complaint can be studied against the rules and brought to a case conference.
CONFERENCE_STATUSES = (ComplaintStatus.ACCEPTED, ComplaintStatus.IN_PROGRESS)
# Labels kept with the conference's own texts; every other choice is complaint.opt_<value>.
CHOICE_LABELS = {
    StaffChoice.RULE: "complaint_conference.opt_rule",
    StaffChoice.CONFERENCE: "complaint_conference.opt_call",
}


# -- what staff see and may do ------------------------------------------------------------
def _reporter_label(c: Complaint, t: Catalog) -> str:
    if c.anonymous:
        return t("complaint.reporter_hidden")
    return c.reporter_name or t("complaint.no_name")


def facts(c: Complaint, t: Catalog, when: str) -> dict[str, str]:
    """The parameters every staff message about a complaint may use."""
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
    if not access.may_act_on_complaint(person, c) or c.status not in OPEN_COMPLAINTS:
        return []
    if person.role == Role.PENDAMPING:  # the pendamping it was given to
        values: tuple[StaffChoice, ...] = PENDAMPING_CHOICES[c.status]
    else:
        values = HANDLER_CHOICES[c.status]
        if access.may_place_complaint(person, c):
            values = (StaffChoice.PLACE, *values)
        if access.may_direct_complaint(person, c):
            session = object_session(c)
            if session is not None and access.may_be_assigned(session, c):
                values = (*values, StaffChoice.ASSIGN)
            values = (*values, StaffChoice.RECLASSIFY)
        if c.status in CONFERENCE_STATUSES and access.may_call_conference(person, c):
            values = (*values, StaffChoice.RULE, StaffChoice.CONFERENCE)
    return [Option(v, t(CHOICE_LABELS.get(v, f"complaint.opt_{v}"))) for v in values]


def alert_staff(
    turn: Turn, c: Complaint, person: Person, lead: str | None = None, **extra: str
) -> None:
    """An alert about a complaint (new, placed, given to them) with the choices they have."""
    t = turn.t
    lead = lead or ("complaint.alert_urgent" if c.urgent else "complaint.alert")
    text = t(lead, **facts(c, t, turn.local_date(c.ack_due_at, person)), **extra)
    if c.handler_id is None:
        text = f"{text}\n{t('complaint.alert_desk')}"
    turn.out.ask_text(
        person,
        text,
        staff_options(c, t, person),
        STAFF_ACTION,
        c.id,
        about=f"complaint:{c.id}:alert:{c.handler_id}",
        kind="complaint_alert",
    )


def tell_reporter(out: Messenger, c: Complaint, key: str, about: str, **params: object) -> None:
    """Tell the reporter, where they wrote from, unless they had their data erased."""
    if c.reporter_address.startswith(ERASED_ADDRESS):
        return
    out.tell_address(
        c.reporter_channel,
        c.reporter_address,
        key,
        about=f"complaint:{c.id}:{about}",
        kind="ticket_update",
        ticket=c.ticket_code,
        **params,
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


def take(turn: Turn, c: Complaint, person: Person) -> None:
    """The complaint is taken (by its handler, or given to a pendamping): the reporter is told."""
    c.status = ComplaintStatus.ACCEPTED
    c.acknowledged_at = c.acknowledged_at or turn.now
    restart_clock(c)
    note(turn.session, c, person, "status", ComplaintStatus.ACCEPTED, turn.now)
    tell_reporter(
        turn.out,
        c,
        "complaint.to_reporter_accepted",
        "accepted",
        due=turn.local_date(c.resolve_due_at),
    )


# -- staff answers ------------------------------------------------------------------------
def answer_prompt(turn: Turn, prompt: ActionPrompt, value: str) -> PromptResult:
    t = turn.t
    c = turn.session.get(Complaint, prompt.entity_id)
    if c is None:
        return PromptResult([Reply(t("complaint.stale"))])
    person = turn.staff
    if not access.may_act_on_complaint(person, c):
        return PromptResult([Reply(t("complaint.not_yours"))])
    if value not in {o.value for o in staff_options(c, t, person)}:
        return PromptResult([Reply(t("complaint.stale_status", status=t(f"status.{c.status}")))])
    if value == StaffChoice.ACCEPT:
        return PromptResult(_accept(turn, c, person))
    if value == StaffChoice.CONFERENCE:
        return conference.choose(turn, c)
    return PromptResult([], CHOICE_FLOWS[StaffChoice(value)], {"complaint_id": c.id})


def _accept(turn: Turn, c: Complaint, person: Person) -> list[Reply]:
    if person.role != Role.PENDAMPING:
        # The one who takes it handles it (the desk, or a coordinator taking it over); the
        # pendamping it was given to works on it for its handler, who keeps it in view.
        c.handler_id, c.handler = person.id, person
    take(turn, c, person)
    audit.record(turn.session, "complaint.accepted", "complaint", c.id, actor=person)
    text = turn.t("complaint.taken", ticket=c.ticket_code)
    options = staff_options(c, turn.t, person)
    return [prompts.make_prompt(turn.session, person, STAFF_ACTION, c.id, text, options, turn.now)]


def _checked(turn: Turn, data: Mapping[str, Any], choice: StaffChoice) -> Complaint | None:
    c = turn.session.get(Complaint, data["complaint_id"])
    if c is None or not access.may_act_on_complaint(turn.staff, c):
        return None
    return c if choice in {o.value for o in staff_options(c, turn.t, turn.staff)} else None


def _stale(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    c = turn.session.get(Complaint, data["complaint_id"])
    status = turn.t(f"status.{c.status}") if c else "-"
    return [Reply(turn.t("complaint.stale_status", status=status))]


def _updated(turn: Turn, c: Complaint) -> list[Reply]:
    status = turn.t(f"status.{c.status}")
    return [Reply(turn.t("complaint.updated", ticket=c.ticket_code, status=status))]


def record_plan(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    c = _checked(turn, data, StaffChoice.PLAN)
    if c is None:
        return _stale(turn, data)
    session, now, person = turn.session, turn.now, turn.staff
    c.status, c.plan, c.planned_at = ComplaintStatus.IN_PROGRESS, data["plan"], now
    c.acknowledged_at = c.acknowledged_at or now
    if data["field_visit"] == YES:
        c.field_verification = True
        c.resolve_due_at = add_working_days_at(
            c.created_at, FIELD_RESOLVE_DAYS, zone(c, turn.ctx.default_tz)
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
        turn.out,
        c,
        "complaint.to_reporter_in_progress",
        "plan",
        plan=c.plan,
        due=turn.local_date(c.resolve_due_at),
    )
    return _updated(turn, c)


def record_resolution(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    c = _checked(turn, data, StaffChoice.RESOLVE)
    if c is None:
        return _stale(turn, data)
    session, t, now, person = turn.session, turn.t, turn.now, turn.staff
    c.status, c.resolution, c.resolved_at = ComplaintStatus.RESOLVED, data["resolution"], now
    c.acknowledged_at = c.acknowledged_at or now
    c.next_sla_check_at = None
    note(session, c, person, "resolution", c.resolution, now)
    audit.record(session, "complaint.resolved", "complaint", c.id, actor=person)
    options = [Option(str(n), t(f"complaint.rate_{n}")) for n in range(5, 0, -1)]
    options.append(Option(REOPEN_CHOICE, t("complaint.opt_reopen")))
    turn.out.ask_address(
        c.reporter_channel,
        c.reporter_address,
        "complaint.to_reporter_resolved",
        options,
        REPORTER_ACTION,
        c.id,
        about=f"complaint:{c.id}:resolved",
        kind="ticket_update",
        ticket=c.ticket_code,
        resolution=c.resolution,
    )
    return _updated(turn, c)


def _close_as(
    turn: Turn,
    data: Mapping[str, Any],
    choice: StaffChoice,
    status: ComplaintStatus,
    field: str,
    reporter_key: str,
) -> list[Reply]:
    c = _checked(turn, data, choice)
    if c is None:
        return _stale(turn, data)
    session, now, person = turn.session, turn.now, turn.staff
    c.status = status
    c.resolution = data[field]
    c.resolved_at = now
    c.next_sla_check_at = None
    note(session, c, person, status, c.resolution, now)
    audit.record(session, f"complaint.{status}", "complaint", c.id, actor=person)
    tell_reporter(turn.out, c, reporter_key, status, text=c.resolution)
    return _updated(turn, c)


def record_rejection(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    return _close_as(
        turn,
        data,
        StaffChoice.REJECT,
        ComplaintStatus.REJECTED,
        "reason",
        "complaint.to_reporter_rejected",
    )


def record_referral(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    return _close_as(
        turn,
        data,
        StaffChoice.REFER,
        ComplaintStatus.REFERRED,
        "referral",
        "complaint.to_reporter_referred",
    )


def record_note(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    c = _checked(turn, data, StaffChoice.NOTE)
    if c is None:
        return _stale(turn, data)
    note(turn.session, c, turn.person, "note", data["note"], turn.now)
    audit.record(turn.session, "complaint.note", "complaint", c.id, actor=turn.person)
    return [Reply(turn.t("complaint.note_saved", ticket=c.ticket_code))]


def send_reply(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    c = _checked(turn, data, StaffChoice.REPLY)
    if c is None:
        return _stale(turn, data)
    note(turn.session, c, turn.person, "reply", data["message"], turn.now)
    audit.record(turn.session, "complaint.replied", "complaint", c.id, actor=turn.person)
    tell_reporter(turn.out, c, "complaint.to_reporter_message", "reply", message=data["message"])
    return [Reply(turn.t("complaint.reply_sent", ticket=c.ticket_code))]
