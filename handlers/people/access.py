"""The access policy: for every domain object, who handles it, who is told, who may see it, who
may act on it, and who it escalates to. Chat lists, alerts, escalations, digests, status checks
and the ticks ask this module; nothing else decides by role.

A reader's scope:
- a pendamping: their own work (and a complaint their supervisor gave them);
- a supervisor: the pendamping linked to them;
- a korkab: their kabupaten, and the supervisors linked to them with those supervisors' pendamping;
- a korwil: the people whose roster row names their province (a row without one is in no
  korwil's scope);
- an admin with a kabupaten: that kabupaten; a desk admin (no kabupaten): everything.

The chain of escalation is the handler's own: pendamping -> supervisor -> korkab -> the korwil of
the province -> the desk admins, skipping a missing level, never "everyone with a role". A
complaint about a pendamping's conduct is never routed or shown to a pendamping; the pendamping a
complaint names never sees it at all.

Every rule exists twice, once for one object in Python and once as an SQL predicate for lists;
the tests check that both give the same answer for every reader and row.

Why this module is long: it is the one place every surface asks, by design; split up, the rules
for one object would drift apart from those for the next.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from sqlalchemy import ColumnElement, Select, and_, event, false, or_, select, true, union_all
from sqlalchemy.orm import Session, SessionTransaction, aliased, object_session

from storage.models import (
    Agreement,
    AgreementParticipant,
    Case,
    Complaint,
    Consultation,
    Person,
    Role,
    SuccessStory,
)
from storage.sql import in_subquery
from storage.vocabulary import (
    CONFIDENTIAL_TOPICS,
    ConsultationStatus,
    ParticipantStatus,
    StoryStatus,
)


def active(people: Iterable[Person | None]) -> list[Person]:
    """Active people, each once, in the order first seen."""
    seen: dict[int, Person] = {}
    for person in people:
        if person is not None and person.active:
            seen.setdefault(person.id, person)
    return list(seen.values())


def is_desk_admin(person: Person) -> bool:
    return person.role == Role.ADMIN and not person.kabupaten


# -- the reporting line -------------------------------------------------------------------
def supervisor_of(pendamping: Person) -> Person | None:
    """The pendamping's supervisor, only if that person is (still) an active supervisor."""
    boss = pendamping.supervisor
    if boss is None or not boss.active or boss.role != Role.SUPERVISOR:
        return None
    return boss


def backup_of(supervisor: Person) -> Person | None:
    backup = supervisor.backup
    if backup is None or not backup.active or backup.role != Role.SUPERVISOR:
        return None
    return backup


def korkab_of(supervisor: Person) -> Person | None:
    boss = supervisor.supervisor
    if boss is None or not boss.active or boss.role != Role.KORKAB:
        return None
    return boss


def _active(session: Session, role: Role, where: ColumnElement[bool]) -> list[Person]:
    """The active people of one role who also meet `where`, oldest on the roster first."""
    query = select(Person).where(Person.role == role, Person.active.is_(True), where)
    return list(session.scalars(query.order_by(Person.id)))


def korwil_of(session: Session, person: Person) -> list[Person]:
    """The active korwil of the person's province (none when the row names no province)."""
    if not person.provinsi:
        return []
    return _active(session, Role.KORWIL, Person.provinsi == person.provinsi)


def desk_admins(session: Session) -> list[Person]:
    """The complaint desk: active admins without a kabupaten."""
    return _active(session, Role.ADMIN, Person.kabupaten == "")


def korkab_for(session: Session, supervisor: Person) -> list[Person]:
    """The korkab a supervisor is linked to; failing that, the korkab of their kabupaten (also
    for a pendamping without an active supervisor)."""
    linked = korkab_of(supervisor)
    if linked is not None:
        return [linked]
    if not supervisor.kabupaten:
        return []
    return _active(session, Role.KORKAB, Person.kabupaten == supervisor.kabupaten)


def chain_above(session: Session, person: Person) -> list[list[Person]]:
    """The levels above `person`, nearest first, each a non-empty list: supervisor, korkab,
    korwil, desk. A missing level is skipped, never filled with everyone of a role."""
    levels: list[list[Person]] = []
    line = person
    if line.role == Role.PENDAMPING:
        boss = supervisor_of(line)
        if boss is not None:
            levels.append([boss])
            line = boss
    if line.role in (Role.SUPERVISOR, Role.PENDAMPING):  # a pendamping here has no supervisor
        korkab = korkab_for(session, line)
        if korkab:
            levels.append(korkab)
            line = korkab[0]
    if person.role in (Role.PENDAMPING, Role.SUPERVISOR, Role.KORKAB):
        korwil = korwil_of(session, line) or korwil_of(session, person)
        if korwil:
            levels.append(korwil)
    if person.role != Role.ADMIN:
        desk = desk_admins(session)
        if desk:
            levels.append(desk)
    return levels


def escalation_level(session: Session, person: Person, level: int) -> list[Person]:
    """Who hears at `level` (1 = the level right above `person`); past the top, the top."""
    levels = chain_above(session, person)
    if not levels:
        return []
    return levels[min(level, len(levels)) - 1]


# -- people and their work (cases, P2K2 reports, consultations, slots) --------------------
def _kabupaten_of_province(provinsi: str) -> Select[tuple[str]]:
    return (
        select(Person.kabupaten)
        .where(Person.provinsi == provinsi, Person.kabupaten != "")
        .distinct()
    )


def person_in_scope(reader: Person) -> ColumnElement[bool]:
    """An SQL predicate on `Person`: the staff whose work `reader` may read (themselves too)."""
    return or_(Person.id == reader.id, _others_in_scope(reader))


def _others_in_scope(reader: Person) -> ColumnElement[bool]:
    if reader.role == Role.ADMIN:
        return true() if not reader.kabupaten else Person.kabupaten == reader.kabupaten
    if reader.role == Role.KORWIL:
        return Person.provinsi == reader.provinsi if reader.provinsi else false()
    if reader.role == Role.KORKAB:
        boss = aliased(Person)
        under = select(boss.id).where(boss.supervisor_id == reader.id, boss.role == Role.SUPERVISOR)
        linked = or_(
            Person.id.in_(under),
            and_(Person.role == Role.PENDAMPING, Person.supervisor_id.in_(under)),
        )
        if reader.kabupaten:
            return or_(Person.kabupaten == reader.kabupaten, linked)
        return linked
    if reader.role == Role.SUPERVISOR:
        return Person.supervisor_id == reader.id
    return false()


def may_read_work_of(reader: Person, person: Person) -> bool:
    """The Python twin of `person_in_scope`, for one person."""
    if reader.id == person.id:
        return True
    if reader.role == Role.ADMIN:
        return not reader.kabupaten or person.kabupaten == reader.kabupaten
    if reader.role == Role.KORWIL:
        return bool(reader.provinsi) and person.provinsi == reader.provinsi
    if reader.role == Role.KORKAB:
        if reader.kabupaten and person.kabupaten == reader.kabupaten:
            return True
        if person.role == Role.SUPERVISOR:
            boss: Person | None = person
        elif person.role == Role.PENDAMPING:
            boss = person.supervisor
        else:
            return False
        return boss is not None and boss.role == Role.SUPERVISOR and boss.supervisor_id == reader.id
    if reader.role == Role.SUPERVISOR:
        return person.supervisor_id == reader.id
    return False


def pendamping_ids_visible_to(reader: Person) -> Select[tuple[int]]:
    """The ids of the pendamping whose work `reader` may read (a subquery)."""
    return select(Person.id).where(Person.role == Role.PENDAMPING, person_in_scope(reader))


def supervisors_in_scope(reader: Person) -> Select[tuple[Person]]:
    """The active supervisors whose work `reader` oversees (none for a pendamping)."""
    if reader.role == Role.PENDAMPING:
        return select(Person).where(false())
    return select(Person).where(
        Person.role == Role.SUPERVISOR, Person.active.is_(True), person_in_scope(reader)
    )


def may_give_feedback(reader: Person, pendamping: Person) -> bool:
    """Feedback on a pendamping's case or report: those above them, never themselves."""
    return reader.id != pendamping.id and may_read_work_of(reader, pendamping)


def may_write_on_case(reader: Person, case: Case) -> bool:
    """A message in a case's thread: its pendamping, or someone who may give them feedback."""
    return reader.id == case.pendamping_id or may_give_feedback(reader, case.pendamping)


# -- consultations ------------------------------------------------------------------------
def consultation_alerted(c: Consultation) -> Person | None:
    """Who is asked to answer a consultation: the supervisor it was sent to, if still one."""
    supervisor = c.supervisor
    if supervisor is None or not supervisor.active or supervisor.role != Role.SUPERVISOR:
        return None
    return supervisor


def consultation_escalation(session: Session, c: Consultation) -> list[Person]:
    """Who hears of a consultation its supervisor left unanswered: the next level above the
    supervisor (korkab, else the korwil, else the desk) and the supervisor's backup."""
    supervisor = c.supervisor
    if supervisor is None:
        return escalation_level(session, c.pendamping, 1)
    return active([*escalation_level(session, supervisor, 1), backup_of(supervisor)])


def consultation_party(reader: Person, c: Consultation) -> Role | None:
    """The side of the consultation `reader` talks for: `Role.PENDAMPING` for the pendamping who
    asked, `Role.SUPERVISOR` for the supervisor handling it, None for anyone else."""
    if reader.id == c.pendamping_id:
        return Role.PENDAMPING
    if reader.id == c.supervisor_id:
        return Role.SUPERVISOR
    return None


def may_stand_in_on_consultation(reader: Person, c: Consultation) -> bool:
    """The handling supervisor's backup, while the consultation still waits for its first
    answer; answering takes it over."""
    backup = backup_of(c.supervisor) if c.supervisor is not None else None
    return c.status == ConsultationStatus.WAITING and backup is not None and backup.id == reader.id


def may_see_consultation(reader: Person, c: Consultation) -> bool:
    return reader.id in (c.pendamping_id, c.supervisor_id) or may_read_work_of(reader, c.pendamping)


def may_read_consultation_text(reader: Person, c: Consultation) -> bool:
    """A request for personal support is read only by its pendamping and the supervisor
    handling it; anyone else it reaches (an escalation, a list) learns only that it waits."""
    if c.topic in CONFIDENTIAL_TOPICS:
        return reader.id in (c.pendamping_id, c.supervisor_id)
    return may_see_consultation(reader, c)


# -- complaints ---------------------------------------------------------------------------
def complaint_handler_for(session: Session, kabupaten: str, kecamatan: str) -> Person | None:
    """Who handles a complaint from this place: the supervisor of the kecamatan's pendamping
    (the one most of them report to), else the korkab of the kabupaten, else a supervisor of
    the kabupaten; None when the place is not known (the complaint desk places it)."""
    if not kabupaten:
        return None
    if kecamatan:
        area = session.scalars(
            select(Person).where(
                Person.role == Role.PENDAMPING,
                Person.active.is_(True),
                Person.kabupaten == kabupaten,
                Person.kecamatan == kecamatan,
            )
        ).all()
        bosses = Counter(boss.id for boss in (supervisor_of(p) for p in area) if boss)
        if bosses:
            top = max(bosses.values())
            chosen = min(boss_id for boss_id, n in bosses.items() if n == top)
            return session.get(Person, chosen)
    for role in (Role.KORKAB, Role.SUPERVISOR):
        found = session.scalars(
            select(Person)
            .where(Person.role == role, Person.active.is_(True), Person.kabupaten == kabupaten)
            .order_by(Person.id)
            .limit(1)
        ).first()
        if found is not None:
            return found
    return None


def _not_named(c: Complaint, people: Iterable[Person]) -> list[Person]:
    return [p for p in active(people) if p.id != c.named_pendamping_id]


def complaint_first_alerts(session: Session, c: Complaint) -> list[Person]:
    """Who is told of a new (or newly placed) complaint: its handler; for an urgent one or one
    about conduct also the level above the handler. With no handler: the desk."""
    handler = c.handler
    if handler is None:
        return _not_named(c, desk_admins(session))
    people = [handler]
    if c.urgent or c.about_conduct:
        people += escalation_level(session, handler, 1)
    return [p for p in _not_named(c, people) if not _barred(p, c)]


def complaint_escalation(session: Session, c: Complaint, level: int) -> list[Person]:
    """Level 0: the handler (and the pendamping it was given to); level n: the n-th level of
    the handler's own chain (the desk when there is no handler or no chain)."""
    handler = c.handler
    if handler is None:
        people: Sequence[Person] = desk_admins(session)
    elif level == 0:
        people = [handler, *([c.assignee] if c.assignee else [])]
    else:
        people = escalation_level(session, handler, level) or desk_admins(session)
    return [p for p in _not_named(c, people) if not _barred(p, c)]


def _barred(person: Person, c: Complaint) -> bool:
    """A pendamping never handles a complaint about conduct, nor one that names her."""
    if person.id == c.named_pendamping_id:
        return True
    return person.role == Role.PENDAMPING and c.about_conduct


def _province_kabupaten(reader: Person, c: Complaint) -> bool:
    """Whether the complaint's kabupaten is in the korwil's province (someone on the roster of
    that province works there). Asked once per kabupaten and transaction: a korwil's list of
    complaints asks it of each one, twice."""
    if not reader.provinsi or not c.kabupaten:
        return False
    session = object_session(c)
    if session is None:
        return False
    known = session.info.setdefault(_PROVINCE_KABUPATEN, {})
    key = (reader.provinsi, c.kabupaten)
    if key not in known:
        found = session.scalar(
            select(Person.id)
            .where(Person.provinsi == reader.provinsi, Person.kabupaten == c.kabupaten)
            .limit(1)
        )
        known[key] = found is not None
    return bool(known[key])


_PROVINCE_KABUPATEN = "access.province_kabupaten"


@event.listens_for(Session, "after_transaction_end")
def _forget_province_kabupaten(session: Session, transaction: SessionTransaction) -> None:
    """What `_province_kabupaten` learnt holds for one transaction (the outermost: each flush
    is one inside it): the roster changes in a roster import's own."""
    if transaction.parent is None:
        session.info.pop(_PROVINCE_KABUPATEN, None)


def may_see_complaint(reader: Person, c: Complaint) -> bool:
    if _barred(reader, c):
        return False
    if reader.role == Role.PENDAMPING:
        return c.assignee_id == reader.id
    if reader.role == Role.ADMIN:
        return not reader.kabupaten or c.kabupaten == reader.kabupaten
    if reader.id == c.handler_id:
        return True
    handler = c.handler
    if reader.role == Role.SUPERVISOR:
        assignee = c.assignee
        return assignee is not None and assignee.supervisor_id == reader.id
    if reader.role == Role.KORKAB:
        return (bool(reader.kabupaten) and c.kabupaten == reader.kabupaten) or (
            handler is not None and handler.supervisor_id == reader.id
        )
    if reader.role == Role.KORWIL:
        return _province_kabupaten(reader, c)
    return False


def complaints_visible_to(reader: Person) -> ColumnElement[bool]:
    """The SQL twin of `may_see_complaint`, as a predicate on `Complaint`."""
    not_named = or_(
        Complaint.named_pendamping_id.is_(None), Complaint.named_pendamping_id != reader.id
    )
    return and_(not_named, _complaints_in_scope(reader))


def _complaints_in_scope(reader: Person) -> ColumnElement[bool]:
    if reader.role == Role.PENDAMPING:
        return and_(Complaint.assignee_id == reader.id, Complaint.about_conduct.is_(False))
    if reader.role == Role.ADMIN:
        return true() if not reader.kabupaten else Complaint.kabupaten == reader.kabupaten
    mine = Complaint.handler_id == reader.id
    if reader.role == Role.SUPERVISOR:
        theirs = select(Person.id).where(Person.supervisor_id == reader.id)
        return or_(mine, in_subquery(Complaint.assignee_id, theirs))
    if reader.role == Role.KORKAB:
        under = select(Person.id).where(Person.supervisor_id == reader.id)
        scope = or_(mine, in_subquery(Complaint.handler_id, under))
        if reader.kabupaten:
            scope = or_(scope, Complaint.kabupaten == reader.kabupaten)
        return scope
    if reader.role == Role.KORWIL:
        if not reader.provinsi:
            return mine
        return or_(mine, in_subquery(Complaint.kabupaten, _kabupaten_of_province(reader.provinsi)))
    return false()


def may_act_on_complaint(reader: Person, c: Complaint) -> bool:
    """Whoever may see a complaint may work on it (take it, plan, answer the reporter)."""
    return may_see_complaint(reader, c)


def may_direct_complaint(reader: Person, c: Complaint) -> bool:
    """Give it to a pendamping, reclassify it: its handler and those above, never a pendamping."""
    return reader.role != Role.PENDAMPING and may_see_complaint(reader, c)


def may_place_complaint(reader: Person, c: Complaint) -> bool:
    """Place a complaint of unknown place: the desk, while no one handles it."""
    return c.handler_id is None and is_desk_admin(reader) and reader.active


def _assignable(c: Complaint) -> Select[tuple[Person]] | None:
    """Who a complaint may be given to, as a query; None when no one."""
    if c.about_conduct or c.handler is None:
        return None
    query = select(Person).where(Person.role == Role.PENDAMPING, Person.active.is_(True))
    if c.kecamatan:
        query = query.where(Person.kabupaten == c.kabupaten, Person.kecamatan == c.kecamatan)
    elif c.handler.role == Role.SUPERVISOR:
        query = query.where(Person.supervisor_id == c.handler.id)
    else:
        return None
    if c.named_pendamping_id is not None:
        query = query.where(Person.id != c.named_pendamping_id)
    return query


def assignable_pendamping(session: Session, c: Complaint) -> list[Person]:
    """The pendamping a complaint may be given to: those of its kecamatan (or, with no
    kecamatan, the handling supervisor's own), never the one it names, none for conduct."""
    query = _assignable(c)
    return [] if query is None else list(session.scalars(query.order_by(Person.name)))


def may_be_assigned(session: Session, c: Complaint) -> bool:
    """Whether anyone is in `assignable_pendamping`, without loading them."""
    query = _assignable(c)
    return query is not None and bool(session.scalar(select(query.exists())))


# -- reports and administration -----------------------------------------------------------
# A report is read with some reader's eyes: a supervisor's report with the supervisor's, a
# kabupaten's with those of an admin of that kabupaten (this transient reader, never stored).
REPORT_READER_ID = -1


def kabupaten_reader(kabupaten: str, timezone: str) -> Person:
    """The reader whose scope is exactly one kabupaten: an admin of it, not in the database."""
    return Person(
        id=REPORT_READER_ID,
        role=Role.ADMIN,
        name=kabupaten,
        phone="",
        kabupaten=kabupaten,
        timezone=timezone,
        active=True,
    )


def may_report_on_kabupaten(session: Session, reader: Person, kabupaten: str) -> bool:
    """Whether `reader` may read the report of a whole kabupaten: a desk admin any, an admin or
    korkab their own, a korwil those of their province."""
    if not kabupaten or not reader.active:
        return False
    if reader.role in (Role.ADMIN, Role.KORKAB) and reader.kabupaten:
        return reader.kabupaten == kabupaten
    if is_desk_admin(reader):
        return True
    if reader.role == Role.KORWIL and reader.provinsi:
        found = session.scalar(
            _kabupaten_of_province(reader.provinsi).where(Person.kabupaten == kabupaten).limit(1)
        )
        return found is not None
    return False


def may_manage_roster(reader: Person) -> bool:
    """Loading the roster changes everyone's access: the desk admins only."""
    return reader.active and is_desk_admin(reader)


def may_handle_data_requests(reader: Person) -> bool:
    """Finding, exporting and erasing a person's data (UU PDP) spans every kabupaten: the desk
    admins only."""
    return reader.active and is_desk_admin(reader)


# -- case management: referrals and closing (issue 13) -------------------------------------
def handles_case_of(reader: Person, pendamping: Person) -> bool:
    """The pendamping's own cases: only they refer, give news and propose closing, while active."""
    return reader.active and reader.id == pendamping.id


def is_current_supervisor_of(reader: Person, pendamping: Person) -> bool:
    """Agreeing to close a pendamping's case, or responding to their P2K2 report: their
    supervisor now, while both are active (a former supervisor's old button no longer counts)."""
    current = supervisor_of(pendamping)
    return (
        pendamping.active
        and current is not None
        and current.id == reader.id
        and may_give_feedback(reader, pendamping)
    )


# -- success stories (issue 13: most significant change) ----------------------------------
def may_review_story(reader: Person, story: SuccessStory) -> bool:
    """The pendamping's current supervisor, while both are active; a former supervisor's old
    button no longer counts."""
    current = supervisor_of(story.pendamping)
    return story.pendamping.active and current is not None and current.id == reader.id


def may_read_story(reader: Person, story: SuccessStory) -> bool:
    """The pendamping who told it; their current supervisor; once selected, the korkab and korwil
    whose scope holds the pendamping. Nobody else (not another pendamping, not an admin)."""
    if not reader.active:
        return False
    if reader.id == story.pendamping_id:
        return True
    if reader.role == Role.SUPERVISOR:
        return may_review_story(reader, story)
    if reader.role in (Role.KORKAB, Role.KORWIL):
        return story.status == StoryStatus.SELECTED and may_read_work_of(reader, story.pendamping)
    return False


def stories_visible_to(reader: Person) -> ColumnElement[bool]:
    """The SQL twin of `may_read_story`, a predicate on `SuccessStory`."""
    if not reader.active:
        return false()
    own = SuccessStory.pendamping_id == reader.id
    if reader.role == Role.SUPERVISOR:
        mine = select(Person.id).where(
            Person.supervisor_id == reader.id,
            Person.active.is_(True),
            Person.role == Role.PENDAMPING,
        )
        return or_(own, SuccessStory.pendamping_id.in_(mine))
    if reader.role in (Role.KORKAB, Role.KORWIL):
        selected = and_(
            SuccessStory.status == StoryStatus.SELECTED,
            SuccessStory.pendamping_id.in_(pendamping_ids_visible_to(reader)),
        )
        return or_(own, selected)
    return own


# -- complaints: case conference (konferensi kasus) ---------------------------------------
def may_call_conference(reader: Person, c: Complaint) -> bool:
    """Record the rule a complaint shows broken, and call, move, cancel or record its case
    conference: whoever may act on it at supervisor level or above, never a pendamping."""
    return reader.active and reader.role != Role.PENDAMPING and may_act_on_complaint(reader, c)


def conference_korkab(session: Session, c: Complaint) -> Person | None:
    """The korkab a complaint's case conference is held with: the handling supervisor's own
    korkab (linked, else of their kabupaten), else the korkab of the complaint's kabupaten."""
    handler = c.handler
    if handler is not None and handler.role == Role.SUPERVISOR:
        linked = korkab_for(session, handler)
        if linked:
            return linked[0]
    if not c.kabupaten:
        return None
    found = _active(session, Role.KORKAB, Person.kabupaten == c.kabupaten)
    return found[0] if found else None


def may_answer_conference(reader: Person, c: Complaint, korkab_id: int | None) -> bool:
    """Confirm or decline a case conference: the korkab invited, while still a korkab who may
    see the complaint."""
    return (
        reader.active
        and reader.role == Role.KORKAB
        and reader.id == korkab_id
        and may_see_complaint(reader, c)
    )


# -- supervision agreements --------------------------------------------------------------
# A participant still in an agreement: agreed, or waiting for an answer to their counter.
STILL_IN = (ParticipantStatus.AGREED, ParticipantStatus.COUNTERED)


def may_manage_agreement(reader: Person, agreement: Agreement) -> bool:
    """Change, pause, resume or end an agreed slot: its supervisor, or a participant still in
    it (not one who declined or has not answered the invitation yet)."""
    return reader.id == agreement.supervisor_id or any(
        p.person_id == reader.id and p.status in STILL_IN for p in agreement.participants
    )


def agreements_managed_by(reader: Person) -> ColumnElement[bool]:
    """The SQL twin of `may_manage_agreement`. One set of ids from two index scans: written
    as `supervisor_id = … OR id IN (…)`, PostgreSQL walked all 40,000 national agreements."""
    joined = select(AgreementParticipant.agreement_id).where(
        AgreementParticipant.person_id == reader.id, AgreementParticipant.status.in_(STILL_IN)
    )
    led = select(Agreement.id).where(Agreement.supervisor_id == reader.id)
    return Agreement.id.in_(union_all(led, joined))


# -- P2K2 supervision: joint field visits and monitoring notes (issue 13) -----------------
def may_supervise_p2k2(reader: Person, pendamping: Person) -> bool:
    """Schedule a joint field visit with, record one, or write a P2K2 monitoring note on a
    pendamping: their current, active supervisor only, while the pendamping is active."""
    boss = supervisor_of(pendamping)
    return (
        pendamping.active
        and pendamping.role == Role.PENDAMPING
        and boss is not None
        and boss.id == reader.id
    )


def p2k2_supervisees(reader: Person) -> Select[tuple[Person]]:
    """The SQL twin of `may_supervise_p2k2`: the pendamping `reader` may visit or note on."""
    if reader.role != Role.SUPERVISOR or not reader.active:
        return select(Person).where(false())
    return select(Person).where(
        Person.role == Role.PENDAMPING,
        Person.active.is_(True),
        Person.supervisor_id == reader.id,
    )


def may_answer_field_visit(reader: Person, supervisor: Person, pendamping: Person) -> bool:
    """Answer a field visit ("Siap" / another time): its pendamping, while still under the
    supervisor who scheduled it."""
    return reader.id == pendamping.id and may_supervise_p2k2(supervisor, pendamping)
