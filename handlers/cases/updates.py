"""Case management (manajemen kasus): pendamping open and update KPM cases, supervisors give
feedback that is relayed back and kept on the case, and a case left 14 days is flagged."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from conversations.catalog import Catalog, in_sentence
from conversations.flows import case_update as flow
from conversations.messages import Option, Reply
from handlers.core import audit, outbox, prompts
from handlers.core.context import AppContext
from handlers.core.prompts import PromptResult
from handlers.core.turn import Turn
from handlers.people import access
from storage.models import (
    ActionPrompt,
    Case,
    CaseFeedback,
    CaseUpdate,
    Person,
    ScheduledMessage,
)

ACTIVE = "aktif"
CLOSED = "ditutup"
CLOSING_STAGES = ("terminasi",)
STALE_AFTER = timedelta(days=14)
FEEDBACK_ACTION = "case.feedback"
DIGEST_ACTION = "case.digest"  # value: the update to give feedback on
SETTINGS_ACTION = "case.settings"
DIGEST_KIND = "case_digest"
DIGEST_AT = time(16, 0)
DIGEST_CHOICES = 8
PROMPT_PREFIX = "case."
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


def case_ref(case: Case, t: Catalog) -> str:
    """How a case is named in chat: its code, else (before codes) the masked KPM reference."""
    return case.code or t("case.legacy_ref", ref=case.kpm_ref_masked)


def case_name(case: Case, t: Catalog) -> str:
    """The code and the pendamping's label; a case from before labels shows its masked ref."""
    who = case.label or t("case.legacy_ref", ref=case.kpm_ref_masked)
    return t("case.name", ref=case.code, label=who) if case.code else who


def case_label(case: Case, t: Catalog) -> str:
    return t(
        "case.label",
        case=case_name(case, t),
        case_type=t(f"case_type.{case.case_type}"),
        stage=in_sentence(t(f"stage.{case.stage}")),
    )


def my_case_options(turn: Turn) -> Sequence[Option]:
    rows = turn.session.scalars(
        select(Case)
        .where(Case.pendamping_id == turn.staff.id, Case.status == ACTIVE)
        .order_by(Case.last_update_at.desc())
        .limit(15)
    ).all()
    return [Option(str(case.id), case_label(case, turn.t)) for case in rows]


def record_update(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    person, session, t, now = turn.staff, turn.session, turn.t, turn.now
    if data["case"] == flow.NEW_CASE:
        case = Case(
            pendamping_id=person.id,
            code=free_case_code(session),
            label=data["label"],
            case_type=data["case_type"],
            stage=data["stage"],
            last_update_at=now,
            created_at=now,
        )
        session.add(case)
        session.flush()
        audit.record(session, "case.opened", "case", case.id, actor=person, type=case.case_type)
    else:
        case = session.get(Case, int(data["case"]))
        if case is None or case.pendamping_id != person.id or case.status != ACTIVE:
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
    case.stage = data["stage"]
    case.last_update_at = now
    if case.stage in CLOSING_STAGES:
        case.status = CLOSED
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

    supervisor = access.supervisor_of(person)
    if supervisor is not None:
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
        if supervisor.case_update_digest:
            schedule_digest(session, supervisor, now)
        else:
            options = [Option("masukan", t("case.opt_feedback"))]
            prompts.offer(
                session,
                supervisor,
                FEEDBACK_ACTION,
                update.id,
                text,
                options,
                turn.key(f"case:{case.id}:update:{update.id}"),
                now,
                turn.ctx.channels,
                kind="case_update",
            )
    replies = [Reply(t("case.saved", label=case_label(case, t)))]
    if data["case"] == flow.NEW_CASE:
        replies.append(Reply(t("case.opened_code", code=case.code)))
    return replies


def schedule_digest(session: Session, supervisor: Person, now: datetime) -> None:
    """The next 16:00 (the supervisor's time) digest, once per day, for updates kept back."""
    zone = ZoneInfo(supervisor.timezone)
    local = now.astimezone(zone)
    day = local.date() if local.time() < DIGEST_AT else local.date() + timedelta(days=1)
    key = f"case_digest:{supervisor.id}:{day.isoformat()}"
    if session.scalar(select(ScheduledMessage.id).where(ScheduledMessage.key == key)) is None:
        due = datetime.combine(day, DIGEST_AT, zone).astimezone(UTC)
        session.add(
            ScheduledMessage(key=key, person_id=supervisor.id, kind=DIGEST_KIND, due_at=due)
        )


def digest(
    ctx: AppContext, session: Session, supervisor: Person, due: datetime, now: datetime
) -> Reply | None:
    """The case updates of the day before `due`, with a feedback choice for each (up to 8)."""
    t = ctx.catalog
    visible = access.pendamping_ids_visible_to(supervisor)
    updates = session.scalars(
        select(CaseUpdate)
        .join(Case)
        .where(
            Case.pendamping_id.in_(visible),
            CaseUpdate.created_at >= due - timedelta(days=1),
            CaseUpdate.created_at < due,
        )
        .order_by(CaseUpdate.id)
    ).all()
    if not updates:
        return None
    lines = [t("case.digest_header", count=len(updates))]
    lines += [
        t(
            "case.digest_line",
            name=u.case.pendamping.name,
            label=case_label(u.case, t),
            what=u.what_happened,
            next_step=u.next_step,
        )
        for u in updates
    ]
    options = [
        Option(str(u.id), t("case.opt_feedback_on", ref=case_ref(u.case, t)))
        for u in updates[:DIGEST_CHOICES]
    ]
    return prompts.make_prompt(
        session, supervisor, DIGEST_ACTION, 0, "\n".join(lines), options, now
    )


def settings_prompt(turn: Turn) -> list[Reply]:
    """A supervisor chooses how case updates reach them."""
    person, t = turn.staff, turn.t
    current = t("case.setting_digest" if person.case_update_digest else "case.setting_each")
    options = [
        Option("satu", t("case.setting_each")),
        Option("ringkasan", t("case.setting_digest")),
    ]
    return [
        prompts.make_prompt(
            turn.session,
            person,
            SETTINGS_ACTION,
            0,
            t("case.setting_prompt", current=current),
            options,
            turn.now,
        )
    ]


def answer_prompt(turn: Turn, prompt: ActionPrompt, value: str) -> PromptResult:
    person = turn.staff
    if prompt.action == SETTINGS_ACTION:
        person.case_update_digest = value == "ringkasan"
        audit.record(
            turn.session,
            "settings.case_updates",
            "person",
            person.id,
            actor=person,
            digest=person.case_update_digest,
        )
        key = "case.setting_digest" if person.case_update_digest else "case.setting_each"
        return PromptResult([Reply(turn.t("case.setting_saved", current=turn.t(key)))])
    update_id = int(value) if prompt.action == DIGEST_ACTION else prompt.entity_id
    update = turn.session.get(CaseUpdate, update_id)
    if (
        update is None
        or person is None
        or not access.may_read_work_of(person, update.case.pendamping)
        or person.id == update.case.pendamping_id
    ):
        return PromptResult([Reply(turn.t("case.not_yours"))])
    return PromptResult([], flow.FEEDBACK, {"update_id": update.id})


def record_feedback(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    person, session, t = turn.staff, turn.session, turn.t
    update = session.get(CaseUpdate, data["update_id"])
    if update is None or not access.may_read_work_of(person, update.case.pendamping):
        return [Reply(t("case.not_yours"))]
    case = update.case
    feedback = CaseFeedback(
        case_id=case.id,
        update_id=update.id,
        author_id=person.id,
        text=data["feedback"],
        created_at=turn.now,
    )
    session.add(feedback)
    session.flush()
    audit.record(session, "case.feedback", "case", case.id, actor=person)
    relay = t(
        "case.feedback_to_pendamping",
        name=person.name,
        label=case_label(case, t),
        feedback=feedback.text,
    )
    outbox.notify(
        session,
        case.pendamping,
        Reply(relay),
        turn.key(f"case:{case.id}:feedback"),
        turn.now,
        turn.ctx.channels,
        kind="case_feedback",
    )
    return [Reply(t("case.feedback_sent", other=case.pendamping.name))]


def list_for_staff(turn: Turn) -> list[Reply]:
    """Open cases of the pendamping the reader may see, counted by stage, oldest update first."""
    reader, t = turn.staff, turn.t
    visible = access.pendamping_ids_visible_to(reader)
    rows = turn.session.scalars(
        select(Case)
        .where(Case.pendamping_id.in_(visible), Case.status == ACTIVE)
        .order_by(Case.last_update_at)
    ).all()
    if not rows:
        return [Reply(t("case.list_none"))]
    by_stage = Counter(case.stage for case in rows)
    stages = ", ".join(
        f"{in_sentence(t(f'stage.{stage}'))} {by_stage[stage]}"
        for stage in flow.STAGES
        if by_stage[stage]
    )
    lines = [t("case.list_header", count=len(rows), stages=stages)]
    for case in rows[:15]:
        stale = turn.now - case.last_update_at >= STALE_AFTER
        lines.append(
            t(
                "case.list_line_stale" if stale else "case.list_line",
                name=case.pendamping.name,
                label=case_label(case, t),
                updated=turn.local_date(case.last_update_at, reader),
            )
        )
    return [Reply("\n".join(lines))]


def flag_stale_cases(ctx: AppContext, session: Session, now: datetime) -> int:
    """Tell the pendamping and their supervisor about a case with no update for 14 days, once."""
    t = ctx.catalog
    rows = session.scalars(
        select(Case)
        .where(
            Case.status == ACTIVE,
            Case.last_update_at <= now - STALE_AFTER,
            or_(Case.stale_flagged_at.is_(None), Case.stale_flagged_at < Case.last_update_at),
        )
        .order_by(Case.id)
        .limit(500)
        .with_for_update(skip_locked=True)
    ).all()
    for case in rows:
        key = f"case:{case.id}:stale:{case.last_update_at.isoformat()}"
        days = (now - case.last_update_at).days
        recipients: list[tuple[Person, str]] = [(case.pendamping, "case.stale_pendamping")]
        supervisor = access.supervisor_of(case.pendamping)
        if supervisor is not None:
            recipients.append((supervisor, "case.stale_supervisor"))
        for person, text_key in recipients:
            text = t(text_key, name=case.pendamping.name, label=case_label(case, t), days=days)
            outbox.notify(
                session,
                person,
                Reply(text),
                f"{key}:{person.id}",
                now,
                ctx.channels,
                kind="case_stale",
            )
        case.stale_flagged_at = now
    return len(rows)
