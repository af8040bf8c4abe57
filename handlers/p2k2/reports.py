"""P2K2 (FDS) reports: pendamping report each group meeting held; supervisors see coverage."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import select

from conversations.flows.p2k2_report import ALL_SESSIONS, MODULES
from conversations.messages import Option, Reply
from handlers.core import audit
from handlers.core.turn import Turn
from handlers.people import access
from storage.models import P2K2Report, Person


def session_options(turn: Turn, data: Mapping[str, Any]) -> Sequence[Option]:
    sessions = MODULES.get(str(data.get("module")), ())
    return [Option(str(n), turn.t("p2k2.session_label", n=n)) for n in sessions]


def group_options(turn: Turn) -> Sequence[Option]:
    names = turn.session.scalars(
        select(P2K2Report.group_name)
        .where(P2K2Report.pendamping_id == turn.staff.id)
        .distinct()
        .order_by(P2K2Report.group_name)
    ).all()
    return [Option(name, name) for name in names]


def _sessions_held(turn: Turn, pendamping_id: int, group: str) -> list[int]:
    return sorted(
        set(
            turn.session.scalars(
                select(P2K2Report.session_no).where(
                    P2K2Report.pendamping_id == pendamping_id, P2K2Report.group_name == group
                )
            )
        )
    )


def record_report(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    person, session, t = turn.staff, turn.session, turn.t
    session_no = int(data["session"])
    already = session_no in _sessions_held(turn, person.id, data["group"])
    report = P2K2Report(
        pendamping_id=person.id,
        group_name=data["group"],
        module=data["module"],
        session_no=session_no,
        held_on=date.fromisoformat(data["held_on"]),
        enrolled=int(data["enrolled"]),
        present=int(data["present"]),
        notes=data.get("notes"),
        created_at=turn.now,
    )
    session.add(report)
    session.flush()
    audit.record(
        session,
        "p2k2.reported",
        "p2k2_report",
        report.id,
        actor=person,
        session_no=session_no,
        group=report.group_name,
    )
    held = _sessions_held(turn, person.id, report.group_name)
    replies = [
        Reply(
            t(
                "p2k2.saved",
                group=report.group_name,
                sessions=_list(held),
                count=len(held),
                total=len(ALL_SESSIONS),
            )
        )
    ]
    if already:
        replies.insert(0, Reply(t("p2k2.repeated", session=session_no)))
    return replies


def _list(sessions: Sequence[int]) -> str:
    return ", ".join(str(n) for n in sessions)


def coverage_for_staff(turn: Turn) -> list[Reply]:
    """Per pendamping the reader may see: each group and the sessions it has had."""
    reader, t = turn.staff, turn.t
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
    lines = [t("p2k2.coverage_header", total=len(ALL_SESSIONS))]
    for person in people:
        groups = held.get(person.id)
        if not groups:
            lines.append(t("p2k2.coverage_nothing", name=person.name, kecamatan=person.kecamatan))
            continue
        parts = [
            t(
                "p2k2.coverage_group",
                group=group,
                sessions=_list(sorted(s)),
                count=len(s),
                total=len(ALL_SESSIONS),
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
    return [Reply("\n".join(lines))]
