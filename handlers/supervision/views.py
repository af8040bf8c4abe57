"""What supervision looks like from the menu: a supervisor's week and agreements (each with its
pause / change / end choices), a pendamping's next slot and agreements, the way to a new
agreement or request, and a coordinator's held-versus-planned figures per supervisor."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from conversations.catalog import Catalog, in_sentence
from conversations.messages import Option, Reply
from handlers.calendar import at_local, local_clock
from handlers.core import prompts
from handlers.core.turn import Turn
from handlers.people import access
from handlers.supervision.states import (
    MANAGE_ACTION,
    SCHEDULE_ACTION,
    WITH_PEOPLE,
    agreed_people,
)
from storage.models import (
    Agreement,
    AgreementParticipant,
    Person,
    Role,
    SupervisionSession,
)
from storage.vocabulary import AgreementStatus, ParticipantStatus, SessionStatus, SlotKind

# The choices of `SCHEDULE_ACTION`: a supervisor starts an agreement, a pendamping asks for one,
# either picks one of several agreements to manage; with one agreement its own choices are
# offered there directly, as "<choice>:<agreement id>".
NEW_AGREEMENT, NEW_REQUEST, PICK = "buat", "minta", "kelola"
# The choices of `MANAGE_ACTION` on an agreement listed.
CHANGE, PAUSE, RESUME, END = "ubah", "jeda", "lanjut", "akhiri"
# The agreements a view lists, and those it offers to manage (pause or change, resume, end).
MANAGEABLE = (AgreementStatus.ACTIVE, AgreementStatus.PAUSED)
SHOWN = (*MANAGEABLE, AgreementStatus.PROPOSED)
FIGURES_LISTED = 20  # supervisors named in the figures; a wider scope shows its totals too
AGREEMENTS_LISTED = 30  # agreements described in the schedule view; the rest are counted


def describe(agreement: Agreement, t: Catalog, viewer: Person) -> str:
    """ "setiap Selasa, 10:00 WIB (dua minggu sekali), 60 menit, tatap muka di ...", in the
    viewer's own zone."""
    first = at_local(agreement.start_date, agreement.local_time, agreement.timezone)
    return t(
        "slot.describe",
        weekday=t(f"weekday.{agreement.weekday}"),
        time=local_clock(first, viewer.timezone),
        cadence=in_sentence(t(f"cadence.{agreement.cadence_days}")),
        duration=agreement.duration_minutes,
        mode=in_sentence(t(f"mode.{agreement.mode}")),
        place=f" ({agreement.place})" if agreement.place else "",
    )


def manage_options(agreement: Agreement, t: Catalog) -> list[Option]:
    """What either side may do with an agreement (answered in `agreements.answer_manage`)."""
    if agreement.status == AgreementStatus.PAUSED:
        return [Option(RESUME, t("slot.opt_resume")), Option(END, t("slot.opt_end"))]
    return [
        Option(CHANGE, t("slot.opt_change")),
        Option(PAUSE, t("slot.opt_pause")),
        Option(END, t("slot.opt_end")),
    ]


def participant_query(supervisor: Person, kind: str) -> Select[tuple[Person]]:
    """Who may take part: the supervisor's own pendamping; for a team also the other staff of
    the same kabupaten (supervisors, the korkab)."""
    own = (Person.supervisor_id == supervisor.id) & (Person.role == Role.PENDAMPING)
    if kind == SlotKind.TEAM:
        colleagues = (
            (Person.kabupaten == supervisor.kabupaten)
            & Person.role.in_((Role.SUPERVISOR, Role.KORKAB))
            & (Person.id != supervisor.id)
        )
        own = own | colleagues
    return select(Person).where(own, Person.active.is_(True))


def my_pendamping_options(turn: Turn, data: Mapping[str, Any]) -> Sequence[Option]:
    """Whom a supervisor may invite to the kind of slot chosen so far."""
    query = participant_query(turn.staff, str(data.get("kind", "")))
    rows = turn.session.scalars(query.order_by(Person.role, Person.kecamatan, Person.name))
    return [Option(str(p.id), f"{p.name} ({p.kecamatan})") for p in rows]


def _week_bounds(turn: Turn, person: Person) -> tuple[datetime, datetime]:
    zone = ZoneInfo(person.timezone)
    today = turn.now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    start = datetime.combine(monday, time(0), zone).astimezone(UTC)
    return start, start + timedelta(days=7)


def _session_line(turn: Turn, row: SupervisionSession, viewer: Person) -> str:
    t = turn.t
    people = ", ".join(p.name for p in agreed_people(row.agreement)) or "-"
    return t(
        "slot.session_line",
        date=turn.local_date(row.starts_at, viewer),
        time=local_clock(row.starts_at, viewer.timezone),
        kind=in_sentence(t(f"slot_kind.{row.agreement.kind}")),
        names=people,
        status=t(f"session_status.{row.status}"),
        holiday=t("slot.on_holiday", name=row.holiday_name) if row.holiday_name else "",
    )


def agreement_line(turn: Turn, agreement: Agreement, viewer: Person) -> str:
    t = turn.t
    return t(
        "slot.agreement_line",
        kind=t(f"slot_kind.{agreement.kind}"),
        slot=describe(agreement, t, viewer),
        names=_other_side(turn, agreement, viewer),
        status=t(f"agreement_status.{agreement.status}"),
    )


def manage_prompt(turn: Turn, agreement: Agreement, viewer: Person) -> Reply:
    text = agreement_line(turn, agreement, viewer)
    return prompts.make_prompt(
        turn.session,
        viewer,
        MANAGE_ACTION,
        agreement.id,
        text,
        manage_options(agreement, turn.t),
        turn.now,
    )


def _agreements_part(
    turn: Turn, viewer: Person, agreements: Sequence[Agreement], new: Option, new_key: str
) -> list[Reply]:
    """The agreements listed, then one prompt for the whole view, so a typed number always
    answers it: with one agreement to manage, its own choices and the new one; with several,
    the way to pick one and the new one; with none, the new one only."""
    t = turn.t
    listed = [_agreements_message(turn, agreements, viewer)] if agreements else []
    manageable = [a for a in agreements if a.status in MANAGEABLE]
    text = t("slot.schedule_choices")
    if len(manageable) == 1:
        only = manageable[0]
        own = [Option(f"{o.value}:{only.id}", o.label) for o in manage_options(only, t)]
        options = [*own, new]
    elif manageable:
        options = [Option(PICK, t("slot.opt_pick_agreement")), new]
    else:
        options, text = [new], t(new_key)
    prompt = prompts.make_prompt(turn.session, viewer, SCHEDULE_ACTION, 0, text, options, turn.now)
    return [*listed, prompt]


def _agreements_message(turn: Turn, agreements: Sequence[Agreement], viewer: Person) -> Reply:
    """The agreements, one line each: at most `AGREEMENTS_LISTED`, the rest counted."""
    t = turn.t
    lines = [t("slot.agreements_header")]
    lines += [
        t("slot.agreement_item", line=agreement_line(turn, a, viewer))
        for a in agreements[:AGREEMENTS_LISTED]
    ]
    if len(agreements) > AGREEMENTS_LISTED:
        lines.append(t("slot.agreements_more", count=len(agreements) - AGREEMENTS_LISTED))
    return Reply("\n".join(lines))


def _other_side(turn: Turn, agreement: Agreement, viewer: Person) -> str:
    """For its supervisor, who takes part and how each answered; for a participant, the
    supervisor."""
    if viewer.id != agreement.supervisor_id:
        return agreement.supervisor.name
    return ", ".join(
        f"{p.person.name} ({turn.t(f'participant_status.{p.status}')})"
        for p in agreement.participants
    )


def agreement_options(turn: Turn, data: Mapping[str, Any]) -> Sequence[Option]:
    """The agreements the person may manage, named by who is in them and when they meet."""
    viewer, t = turn.staff, turn.t
    rows = turn.session.scalars(
        select(Agreement)
        .where(access.agreements_managed_by(viewer), Agreement.status.in_(MANAGEABLE))
        .options(*WITH_PEOPLE)
        .order_by(Agreement.id)
    )
    return [
        Option(
            str(a.id),
            t(
                "slot.agreement_option",
                names=_option_names(a, viewer),
                weekday=t(f"weekday.{a.weekday}"),
                time=local_clock(at_local(a.start_date, a.local_time, a.timezone), viewer.timezone),
            ),
        )
        for a in rows
    ]


def _option_names(agreement: Agreement, viewer: Person) -> str:
    if viewer.id != agreement.supervisor_id:
        return agreement.supervisor.name
    return ", ".join(p.name for p in agreed_people(agreement)) or "-"


def schedule_view(turn: Turn) -> list[Reply]:
    person = turn.staff
    if person.role == Role.SUPERVISOR:
        return _supervisor_view(turn, person)
    return _pendamping_view(turn, person)


def _supervisor_view(turn: Turn, supervisor: Person) -> list[Reply]:
    t, session = turn.t, turn.session
    start, end = _week_bounds(turn, supervisor)
    rows = session.scalars(
        select(SupervisionSession)
        .join(Agreement)
        .where(
            Agreement.supervisor_id == supervisor.id,
            SupervisionSession.starts_at >= start,
            SupervisionSession.starts_at < end,
            SupervisionSession.status != SessionStatus.CANCELLED,
        )
        .options(selectinload(SupervisionSession.agreement).options(*WITH_PEOPLE))
        .order_by(SupervisionSession.starts_at)
    ).all()
    lines = [t("slot.week_header")]
    lines += [_session_line(turn, row, supervisor) for row in rows] or [t("slot.week_empty")]
    replies = [Reply("\n".join(lines))]
    agreements = session.scalars(
        select(Agreement)
        .where(Agreement.supervisor_id == supervisor.id, Agreement.status.in_(SHOWN))
        .options(*WITH_PEOPLE)
        .order_by(Agreement.id)
    ).all()
    new = Option(NEW_AGREEMENT, t("slot.opt_new_agreement"))
    return replies + _agreements_part(turn, supervisor, agreements, new, "slot.new_prompt")


def _pendamping_view(turn: Turn, person: Person) -> list[Reply]:
    t, session = turn.t, turn.session
    mine = select(AgreementParticipant.agreement_id).where(
        AgreementParticipant.person_id == person.id,
        AgreementParticipant.status == ParticipantStatus.AGREED,
    )
    upcoming = session.scalars(
        select(SupervisionSession)
        .where(
            SupervisionSession.agreement_id.in_(mine),
            SupervisionSession.status == SessionStatus.SCHEDULED,
            SupervisionSession.starts_at > turn.now,
        )
        .order_by(SupervisionSession.starts_at)
        .limit(1)
    ).first()
    replies = [
        Reply(
            t("slot.next", line=_session_line(turn, upcoming, person))
            if upcoming
            else t("slot.next_none")
        )
    ]
    agreements = session.scalars(
        select(Agreement)
        .where(access.agreements_managed_by(person), Agreement.status.in_(MANAGEABLE))
        .order_by(Agreement.id)
    ).all()
    new = Option(NEW_REQUEST, t("slot.opt_request"))
    return replies + _agreements_part(turn, person, agreements, new, "slot.request_prompt")


def district_figures(turn: Turn) -> list[Reply]:
    """For a coordinator: sessions held against sessions planned, per supervisor in their
    scope (a korwil's and a desk admin's name the kabupaten too), last 30 days. Counted in
    one query; a scope of more than FIGURES_LISTED supervisors (a province has hundreds) shows
    its totals and the FIGURES_LISTED that held the smallest share of their sessions."""
    person, t, session = turn.staff, turn.t, turn.session
    since = turn.now - timedelta(days=30)
    supervisors = session.scalars(
        access.supervisors_in_scope(person).order_by(Person.kabupaten, Person.name)
    ).all()
    wide = person.role == Role.KORWIL or access.is_desk_admin(person)
    if not supervisors:
        return [Reply(t("slot.figures_none"))]
    counts: dict[int, dict[str, int]] = {s.id: {} for s in supervisors}
    for supervisor_id, status, count in session.execute(
        select(Agreement.supervisor_id, SupervisionSession.status, func.count())
        .join(Agreement)
        .where(
            Agreement.supervisor_id.in_([s.id for s in supervisors]),
            SupervisionSession.starts_at >= since,
            SupervisionSession.starts_at <= turn.now,
            SupervisionSession.status.not_in((SessionStatus.CANCELLED, SessionStatus.SKIPPED)),
        )
        .group_by(Agreement.supervisor_id, SupervisionSession.status)
    ):
        counts[supervisor_id][status] = count
    lines = [t("slot.figures_header", days=30)]
    listed = list(supervisors)
    if len(supervisors) > FIGURES_LISTED:
        held = sum(c.get(SessionStatus.HELD, 0) for c in counts.values())
        planned = sum(sum(c.values()) for c in counts.values())
        lines.append(
            t("slot.figures_total", supervisors=len(supervisors), held=held, planned=planned)
        )
        listed.sort(key=lambda s: _held_share(counts[s.id]))
        listed = listed[:FIGURES_LISTED]
    for supervisor in listed:
        done = counts[supervisor.id]
        lines.append(
            t(
                "slot.figures_line",
                name=f"{supervisor.name} ({supervisor.kabupaten})" if wide else supervisor.name,
                held=done.get(SessionStatus.HELD, 0),
                planned=sum(done.values()),
                unrecorded=done.get(SessionStatus.SCHEDULED, 0),
            )
        )
    if len(supervisors) > len(listed):
        lines.append(t("slot.figures_more", more=len(supervisors) - len(listed)))
    return [Reply("\n".join(lines))]


def _held_share(counts: Mapping[str, int]) -> float:
    """Sessions held of those planned; a supervisor with none planned comes first."""
    planned = sum(counts.values())
    return counts.get(SessionStatus.HELD, 0) / planned if planned else -1.0
