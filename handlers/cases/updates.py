"""Opening and updating a case (manajemen kasus): the bot gives a new case its code, every update
is kept on the case (a closing stage closes it), and the supervisor is alerted with a feedback
choice, at once or in the daily digest they chose."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.flows import case_update as flow
from conversations.flows.validators import YES
from conversations.messages import Option, Reply
from handlers.cases.digest import schedule_digest
from handlers.cases.feedback import FEEDBACK_ACTION
from handlers.cases.views import case_label
from handlers.core import audit
from handlers.core.turn import Turn
from handlers.people import access
from storage.models import Case, CaseUpdate
from storage.vocabulary import CLOSING_STAGES, CaseStatus

CODE_PREFIX = "KS-"
# No 0/O or 1/I, as in ticket codes: read out over the phone and typed on small keyboards.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 6
CODE_ATTEMPTS = 10


def new_case_code() -> str:
    return CODE_PREFIX + "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def free_case_code(session: Session) -> str:
    """A code no case has yet: 32^6 codes make a collision rare, and a taken one is drawn
    again (the unique constraint still guards two openings racing for the same one)."""
    for _ in range(CODE_ATTEMPTS):
        code = new_case_code()
        if session.scalar(select(Case.id).where(Case.code == code)) is None:
            return code
    raise RuntimeError("no free case code found")


def record_update(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    person, session, t, now = turn.staff, turn.session, turn.t, turn.now
    if flow.is_new_case(data["case"]):
        case = Case(
            pendamping_id=person.id,
            code=free_case_code(session),
            label=data["label"],
            case_type=data["case_type"],
            stage=data["stage"],
            last_update_at=now,
            stage_since=now,
            needs_discussion=data.get(flow.DISCUSS) == YES,
            created_at=now,
        )
        session.add(case)
        session.flush()
        audit.record(
            session,
            "case.opened",
            "case",
            case.id,
            actor=person,
            type=case.case_type,
            needs_discussion=case.needs_discussion,
        )
    else:
        case = session.get(Case, int(data["case"]))
        if case is None or case.pendamping_id != person.id or case.status != CaseStatus.ACTIVE:
            return [Reply(t("case.not_yours"))]
    due = data.get("next_step_due")
    update = CaseUpdate(
        case_id=case.id,
        author_id=person.id,
        stage=data["stage"],
        what_happened=data["what_happened"],
        next_step=data["next_step"],
        next_step_due=date.fromisoformat(due) if due else None,
        attachments={"items": list(data.get("attachments") or [])},
        created_at=now,
    )
    session.add(update)
    if case.stage != data["stage"]:
        case.stage, case.stage_since = data["stage"], now
    case.last_update_at = now
    session.flush()
    audit.record(
        session,
        "case.updated",
        "case",
        case.id,
        actor=person,
        stage=case.stage,
        attachments=len(update.attachments["items"]),
    )
    _alert_supervisor(turn, case, update)
    replies = [Reply(t("case.saved", label=case_label(case, t)))]
    if flow.is_new_case(data["case"]):
        replies.append(Reply(t("case.opened_code", code=case.code)))
    if case.stage in CLOSING_STAGES:  # closing is the supervisor's decision (`closing`)
        replies.append(Reply(t("case.close_how")))
    return replies


def _alert_supervisor(turn: Turn, case: Case, update: CaseUpdate) -> None:
    """The update to the pendamping's supervisor with a feedback choice, or kept for the digest.
    A case marked to be discussed (kelayakan kasus) says so until a session record names it."""
    person, t = turn.staff, turn.t
    supervisor = access.supervisor_of(person)
    if supervisor is None:
        return
    if supervisor.case_update_digest:
        schedule_digest(turn.session, supervisor, turn.now)
        return
    text = t(
        "case.to_supervisor",
        name=person.name,
        kecamatan=person.kecamatan,
        label=case_label(case, t),
        what=update.what_happened,
        next_step=update.next_step,
        due=turn.local_date_of(update.next_step_due) if update.next_step_due else "-",
        attachments=len(update.attachments["items"]),
    )
    if case.needs_discussion:
        text += "\n" + t("case_agenda.alert_discuss")
    turn.out.ask_text(
        supervisor,
        text,
        [Option("masukan", t("case.opt_feedback"))],
        FEEDBACK_ACTION,
        update.id,
        about="case.to_supervisor",
        kind="case_update",
    )
