"""P2K2 plans: a pendamping plans the next session of a group (module, session, day). A plan is
one per pendamping, group and session: planning it again moves its day. A report of that session
marks the plan done; a planned day gone by without one shows as "belum dilaporkan"."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from conversations.flows import p2k2_plan as flow
from conversations.messages import Option, Reply
from handlers.core import audit, prompts
from handlers.core.prompts import PromptResult
from handlers.core.turn import Turn
from storage.models import ActionPrompt, P2K2Plan, P2K2Report

MENU_ACTION = "p2k2.plan_menu"
NEW_PLAN = "rencana"


def known_groups(session: Session, pendamping_id: int) -> list[str]:
    """The groups a pendamping has reported or planned, by name."""
    names = session.scalars(
        union(
            select(P2K2Report.group_name).where(P2K2Report.pendamping_id == pendamping_id),
            select(P2K2Plan.group_name).where(P2K2Plan.pendamping_id == pendamping_id),
        )
    ).all()
    return sorted(set(names))


def group_options(turn: Turn, _data: Mapping[str, Any]) -> Sequence[Option]:
    return [Option(name, name) for name in known_groups(turn.session, turn.staff.id)]


@dataclass(frozen=True)
class PlanState:
    plan: P2K2Plan
    done: bool


def plan_states(session: Session, pendamping_ids: Sequence[int]) -> dict[int, list[PlanState]]:
    """Per pendamping, their plans by day, each marked done when that session was reported."""
    plans = session.scalars(
        select(P2K2Plan)
        .where(P2K2Plan.pendamping_id.in_(pendamping_ids))
        .order_by(P2K2Plan.planned_on, P2K2Plan.group_name, P2K2Plan.session_no)
    ).all()
    rows = session.execute(
        select(P2K2Report.pendamping_id, P2K2Report.group_name, P2K2Report.session_no).where(
            P2K2Report.pendamping_id.in_(pendamping_ids)
        )
    )
    reported = {(pendamping_id, group, n) for pendamping_id, group, n in rows}
    states: dict[int, list[PlanState]] = {}
    for plan in plans:
        done = (plan.pendamping_id, plan.group_name, plan.session_no) in reported
        states.setdefault(plan.pendamping_id, []).append(PlanState(plan, done))
    return states


def matching_plan(turn: Turn, report: P2K2Report) -> date | None:
    """The day a reported session had been planned for, if it was."""
    return turn.session.scalar(
        select(P2K2Plan.planned_on).where(
            P2K2Plan.pendamping_id == report.pendamping_id,
            P2K2Plan.group_name == report.group_name,
            P2K2Plan.session_no == report.session_no,
        )
    )


def plan_menu(turn: Turn) -> list[Reply]:
    """The pendamping's plans and their progress, with a choice to plan a session."""
    person, t = turn.staff, turn.t
    states = plan_states(turn.session, [person.id]).get(person.id, [])
    today = turn.local_today()
    lines = [t("p2k2_sup.plan.mine_header")] if states else [t("p2k2_sup.plan.mine_none")]
    lines += [plan_line(turn, s, today) for s in states]
    options = [Option(NEW_PLAN, t("p2k2_sup.plan.opt_new"))]
    return [
        prompts.make_prompt(
            turn.session, person, MENU_ACTION, person.id, "\n".join(lines), options, turn.now
        )
    ]


def plan_line(turn: Turn, state: PlanState, today: date) -> str:
    """One plan as listed: done, "belum dilaporkan" once its day has passed, or planned."""
    plan = state.plan
    if state.done:
        key = "p2k2_sup.plan.line_done"
    elif plan.planned_on < today:
        key = "p2k2_sup.plan.line_missing"
    else:
        key = "p2k2_sup.plan.line_ahead"
    return turn.t(
        key,
        group=plan.group_name,
        session=plan.session_no,
        date=turn.local_date_of(plan.planned_on),
    )


def answer_plan_menu(turn: Turn, prompt: ActionPrompt, value: str) -> PromptResult:
    if value != NEW_PLAN or prompt.entity_id != turn.staff.id:
        return PromptResult([Reply(turn.t("conv.not_allowed"))])
    return PromptResult([], flow.NAME, {})


def save_plan(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    """Keep the plan, or move the day of the same session planned before."""
    person, t = turn.staff, turn.t
    group, session_no = str(data["group"]), int(data["session"])
    day = date.fromisoformat(data["planned_on"])
    plan = turn.session.scalars(
        select(P2K2Plan).where(
            P2K2Plan.pendamping_id == person.id,
            P2K2Plan.group_name == group,
            P2K2Plan.session_no == session_no,
        )
    ).one_or_none()
    before = plan.planned_on if plan is not None else None
    if plan is None:
        plan = P2K2Plan(
            pendamping_id=person.id,
            group_name=group,
            session_no=session_no,
            module=data["module"],
            planned_on=day,
            created_at=turn.now,
        )
        turn.session.add(plan)
    else:
        plan.module, plan.planned_on = data["module"], day
    turn.session.flush()
    audit.record(
        turn.session,
        "p2k2.planned",
        "p2k2_plan",
        plan.id,
        actor=person,
        session_no=session_no,
        moved=before is not None,
    )
    params = {"group": group, "session": session_no, "date": turn.local_date_of(day)}
    if before is not None and before != day:
        return [Reply(t("p2k2_sup.plan.moved", before=turn.local_date_of(before), **params))]
    return [Reply(t("p2k2_sup.plan.saved", **params))]
