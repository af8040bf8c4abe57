"""P2K2 coverage for staff: per pendamping the reader may see, each group and the sessions of the
cycle it has had, and the progress against their plans (a planned day gone by without a report
is "belum dilaporkan")."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import ColumnElement, Subquery, func, select

from conversations.messages import Reply
from handlers.core.turn import Turn
from handlers.p2k2.plans import PlanState, plan_line, plan_states
from handlers.p2k2.reports import sessions_text
from handlers.people import access
from storage.models import P2K2Report, Person
from storage.vocabulary import ALL_P2K2_SESSIONS

PLAN_INDENT = "  "  # plan lines sit under their pendamping's line
COVERAGE_LISTED = 20  # pendamping listed by name; a wider scope is counted


def coverage_for_staff(turn: Turn) -> list[Reply]:
    """Per pendamping the reader may see: each group and the sessions it has had.

    A scope of more than COVERAGE_LISTED pendamping (a korkab's kabupaten, a korwil's
    province) shows how many have reported, then the COVERAGE_LISTED with the fewest sessions:
    the whole of a province, a line each, was megabytes of chat (the dashboard has it all)."""
    reader, t = turn.staff, turn.t
    total = len(ALL_P2K2_SESSIONS)
    in_scope = (
        Person.id.in_(access.pendamping_ids_visible_to(reader)),
        Person.active.is_(True),
    )
    held = _sessions_held(in_scope)
    count, reported = turn.session.execute(
        select(func.count(Person.id), func.count(held.c.pendamping_id))
        .outerjoin(held, held.c.pendamping_id == Person.id)
        .where(*in_scope)
    ).one()
    if not count:
        return [Reply(t("p2k2.coverage_none"))]
    query = select(Person).where(*in_scope).order_by(Person.kecamatan, Person.name)
    lines = [t("p2k2.coverage_header", total=total)]
    if count > COVERAGE_LISTED:
        lines.append(t("p2k2.coverage_summary", count=count, silent=count - reported))
        query = (
            select(Person)
            .where(*in_scope)
            .outerjoin(held, held.c.pendamping_id == Person.id)
            .order_by(func.coalesce(held.c.held, 0), Person.kecamatan, Person.name, Person.id)
            .limit(COVERAGE_LISTED)
        )
    people = turn.session.scalars(query).all()
    ids = [p.id for p in people]
    reports = turn.session.execute(
        select(P2K2Report.pendamping_id, P2K2Report.group_name, P2K2Report.session_no).where(
            P2K2Report.pendamping_id.in_(ids)
        )
    ).all()
    held_by: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for pendamping_id, group, session_no in reports:
        held_by[pendamping_id][group].add(session_no)
    plans = plan_states(turn.session, ids)
    for person in people:
        lines += _person_lines(turn, person, held_by.get(person.id), plans.get(person.id, []))
    if count > len(people):
        lines.append(t("p2k2.coverage_more", more=count - len(people)))
    return [Reply("\n".join(lines))]


def _sessions_held(in_scope: tuple[ColumnElement[bool], ...]) -> Subquery:
    """Per pendamping in scope who has reported: how many sessions (group and number)."""
    sessions = (
        select(P2K2Report.pendamping_id, P2K2Report.group_name, P2K2Report.session_no)
        .join(Person, Person.id == P2K2Report.pendamping_id)
        .where(*in_scope)
        .distinct()
        .subquery()
    )
    return (
        select(sessions.c.pendamping_id, func.count().label("held"))
        .group_by(sessions.c.pendamping_id)
        .subquery()
    )


def _person_lines(
    turn: Turn, person: Person, groups: dict[str, set[int]] | None, plans: list[PlanState]
) -> list[str]:
    t, total = turn.t, len(ALL_P2K2_SESSIONS)
    if not groups:
        line = t("p2k2.coverage_nothing", name=person.name, kecamatan=person.kecamatan)
        return [line, *_plan_lines(turn, plans)]
    parts = [
        t(
            "p2k2.coverage_group",
            group=group,
            sessions=sessions_text(sorted(s)),
            count=len(s),
            total=total,
        )
        for group, s in sorted(groups.items())
    ]
    line = t(
        "p2k2.coverage_line", name=person.name, kecamatan=person.kecamatan, groups="; ".join(parts)
    )
    return [line, *_plan_lines(turn, plans)]


def _plan_lines(turn: Turn, states: list[PlanState]) -> list[str]:
    """Progress against the plans: how many were reported, then each not yet done."""
    if not states:
        return []
    today = turn.local_today()
    done = sum(s.done for s in states)
    lines = [turn.t("p2k2_sup.plan.progress", done=done, count=len(states))]
    lines += [plan_line(turn, s, today) for s in states if not s.done]
    return [f"{PLAN_INDENT}{line}" for line in lines]
