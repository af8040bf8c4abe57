"""The daily case digest: a supervisor may choose (in their settings) to get case updates once a
day at 16:00 their time instead of one by one. An update kept back schedules that day's digest;
the supervision tick sends it, built here, with a feedback choice per update. The same prompt
offers the like choice for P2K2 reports (`Person.p2k2_report_digest`)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from conversations.messages import Option, Reply
from handlers.cases.feedback import DIGEST_ACTION
from handlers.cases.views import case_label, case_ref
from handlers.core import audit, due_messages, prompts
from handlers.core.context import AppContext
from handlers.core.prompts import PromptResult
from handlers.core.turn import Turn
from handlers.people import access
from storage.models import ActionPrompt, Case, CaseUpdate, Person, ScheduledMessage
from storage.vocabulary import ScheduledKind

SETTINGS_ACTION = "case.settings"
CASE_DIGEST_KIND = ScheduledKind.CASE_DIGEST  # of its ScheduledMessage
DIGEST_AT = time(16, 0)
DIGEST_CHOICES = 8
EACH, DIGEST = "satu", "ringkasan"  # the two settings
# The same choice for P2K2 reports (sent by handlers.p2k2.digest), offered on the same prompt.
P2K2_EACH, P2K2_DIGEST = "p2k2_satu", "p2k2_ringkasan"


def schedule_digest(session: Session, supervisor: Person, now: datetime) -> None:
    """The next 16:00 (the supervisor's time) digest, once per day, for updates kept back."""
    due_messages.plan_daily_digest(session, supervisor, CASE_DIGEST_KIND, DIGEST_AT, now)


def case_digest(
    ctx: AppContext, session: Session, row: ScheduledMessage, now: datetime
) -> Reply | None:
    """The case updates of the day before the row is due, with a feedback choice for each (up
    to 8)."""
    t, supervisor, due = ctx.catalog, row.person, row.due_at
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
        .options(selectinload(CaseUpdate.case).selectinload(Case.pendamping))
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


def _setting_key(person: Person) -> str:
    return "case.setting_digest" if person.case_update_digest else "case.setting_each"


def settings_prompt(turn: Turn) -> list[Reply]:
    """A supervisor chooses how case updates reach them."""
    person, t = turn.staff, turn.t
    options = [
        Option(EACH, t("case.setting_each")),
        Option(DIGEST, t("case.setting_digest")),
        Option(P2K2_EACH, t("p2k2_sup.setting.each")),
        Option(P2K2_DIGEST, t("p2k2_sup.setting.digest")),
    ]
    text = t("case.setting_prompt", current=t(_setting_key(person)))
    text = f"{text}\n{t('p2k2_sup.setting.current', current=t(_p2k2_setting_key(person)))}"
    return [prompts.make_prompt(turn.session, person, SETTINGS_ACTION, 0, text, options, turn.now)]


def _p2k2_setting_key(person: Person) -> str:
    return (
        "p2k2_sup.setting.now_digest" if person.p2k2_report_digest else "p2k2_sup.setting.now_each"
    )


def _answer_p2k2_setting(turn: Turn, value: str) -> PromptResult:
    person = turn.staff
    person.p2k2_report_digest = value == P2K2_DIGEST
    audit.record(
        turn.session,
        "settings.p2k2_reports",
        "person",
        person.id,
        actor=person,
        digest=person.p2k2_report_digest,
    )
    current = turn.t(_p2k2_setting_key(person))
    return PromptResult([Reply(turn.t("p2k2_sup.setting.saved", current=current))])


def answer_setting(turn: Turn, prompt: ActionPrompt, value: str) -> PromptResult:
    if value in (P2K2_EACH, P2K2_DIGEST):
        return _answer_p2k2_setting(turn, value)
    person = turn.staff
    person.case_update_digest = value == DIGEST
    audit.record(
        turn.session,
        "settings.case_updates",
        "person",
        person.id,
        actor=person,
        digest=person.case_update_digest,
    )
    current = turn.t(_setting_key(person))
    return PromptResult([Reply(turn.t("case.setting_saved", current=current))])
