"""P2K2 coverage for staff: per pendamping the reader may see, each group and the sessions of the
cycle it has had, and the progress against their plans (a planned day gone by without a report
is "belum dilaporkan")."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from conversations.messages import Reply
from handlers.core.turn import Turn
from handlers.p2k2.plans import PlanState, plan_line, plan_states
from handlers.p2k2.reports import sessions_text
from handlers.people import access
from storage.models import P2K2Report, Person
from storage.vocabulary import ALL_P2K2_SESSIONS

PLAN_INDENT = "  "  # plan lines sit under their pendamping's line


def coverage_for_staff(turn: Turn) -> list[Reply]:
    """Per pendamping the reader may see: each group and the sessions it has had."""
    reader, t = turn.staff, turn.t
    total = len(ALL_P2K2_SESSIONS)
    visible = access.pendamping_ids_visible_to(reader)
    people = turn.session.scalars(
        select(Person)
        .where(Person.id.in_(visible), Person.active.is_(True))
        .order_by(Person.kecamatan, Person.name)
    ).all()
    if not people:
        return [Reply(t("p2k2.coverage_none"))]
    reports = turn.session.execute(
        select(P2K2Report.pendamping_id, P2K2Report.group_name, P2K2Report.session_no).where(
            P2K2Report.pendamping_id.in_([p.id for p in people])
        )
    ).all()
    held: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for pendamping_id, group, session_no in reports:
        held[pendamping_id][group].add(session_no)
    plans = plan_states(turn.session, [p.id for p in people])
    lines = [t("p2k2.coverage_header", total=total)]
    for person in people:
        groups = held.get(person.id)
        if not groups:
            lines.append(t("p2k2.coverage_nothing", name=person.name, kecamatan=person.kecamatan))
            lines += _plan_lines(turn, plans.get(person.id, []))
            continue
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
        lines.append(
            t(
                "p2k2.coverage_line",
                name=person.name,
                kecamatan=person.kecamatan,
                groups="; ".join(parts),
            )
        )
        lines += _plan_lines(turn, plans.get(person.id, []))
    return [Reply("\n".join(lines))]


def _plan_lines(turn: Turn, states: list[PlanState]) -> list[str]:
    """Progress against the plans: how many were reported, then each not yet done."""
    if not states:
        return []
    today = turn.local_today()
    done = sum(s.done for s in states)
    lines = [turn.t("p2k2_sup.plan.progress", done=done, count=len(states))]
    lines += [plan_line(turn, s, today) for s in states if not s.done]
    return [f"{PLAN_INDENT}{line}" for line in lines]
