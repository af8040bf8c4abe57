"""P2K2 (FDS) reports: a pendamping reports each group meeting held (module, session, group,
attendance) and is told which of the cycle's sessions that group has had (and whether it was the
session planned, `plans`); the report goes on to their supervisor at once (`feedback`) or in
their daily digest (`digest`). The dialog's choices of sessions (by module) and of the
pendamping's own groups come from here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import select

from conversations.messages import Option, Reply
from handlers.core import audit
from handlers.core.turn import Turn
from handlers.p2k2 import plans
from handlers.p2k2.digest import schedule_digest
from handlers.p2k2.feedback import alert_supervisor
from handlers.people import access
from storage.models import P2K2Report
from storage.vocabulary import ALL_P2K2_SESSIONS, P2K2_SESSIONS


def session_options(turn: Turn, data: Mapping[str, Any]) -> Sequence[Option]:
    sessions = P2K2_SESSIONS.get(str(data.get("module")), ())
    return [Option(str(n), turn.t("p2k2.session_label", n=n)) for n in sessions]


def group_options(turn: Turn) -> Sequence[Option]:
    names = turn.session.scalars(
        select(P2K2Report.group_name)
        .where(P2K2Report.pendamping_id == turn.staff.id)
        .distinct()
        .order_by(P2K2Report.group_name)
    ).all()
    return [Option(name, name) for name in names]


def sessions_text(sessions: Sequence[int]) -> str:
    """Session numbers as they are listed in chat: "1, 2, 5"."""
    return ", ".join(str(n) for n in sessions)


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


def _pass_on(turn: Turn, report: P2K2Report) -> str:
    """Send the report to the supervisor now, or keep it for their daily digest; what the
    pendamping is told about it ("" when there is no supervisor)."""
    supervisor = access.supervisor_of(report.pendamping)
    if supervisor is not None and supervisor.p2k2_report_digest:
        schedule_digest(turn.session, supervisor, turn.now)
        return turn.t("p2k2_sup.digest.shared", name=supervisor.name)
    supervisor = alert_supervisor(turn, report)
    if supervisor is None:
        return ""
    return turn.t("p2k2_feedback.shared", name=supervisor.name)


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
    saved = t(
        "p2k2.saved",
        group=report.group_name,
        sessions=sessions_text(held),
        count=len(held),
        total=len(ALL_P2K2_SESSIONS),
    )
    saved = f"{saved} {_pass_on(turn, report)}".strip()
    planned = plans.matching_plan(turn, report)
    if planned is not None:
        saved = f"{saved} {t('p2k2_sup.plan.report_matches', date=turn.local_date_of(planned))}"
    replies = [Reply(saved)]
    if already:
        replies.insert(0, Reply(t("p2k2.repeated", session=session_no)))
    return replies
