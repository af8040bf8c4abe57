"""Referrals (rujukan) of a case's KPM to a complementary service: the pendamping records one
(service, to whom, when, an optional note) and later gives news of it; the pendamping's
supervisor is told of both. The tick reminds the pendamping once when an open referral has had
no news for 14 days (`reminded_at`, cleared by the next news), with a button to give it.

To whom and the notes are masked free text; the audit keeps ids, the service and the status."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from babel.dates import format_date
from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.catalog import Catalog
from conversations.flows import case_referral as flow
from conversations.messages import Option, Reply
from handlers.cases.clock import BATCH
from handlers.cases.views import case_label
from handlers.core import audit
from handlers.core.context import AppContext
from handlers.core.messaging import Messenger
from handlers.core.prompts import PromptResult
from handlers.core.turn import Turn
from handlers.people import access
from storage.models import ActionPrompt, Case, CaseReferral, Person
from storage.vocabulary import OPEN_REFERRAL_STATUSES, QUIET_REFERRAL_AFTER, CaseStatus

REMINDER_ACTION = "case.referral"  # entity: the quiet referral; value: give news
GIVE_NEWS = "kabar"


def referral_label(referral: CaseReferral, t: Catalog, day: str) -> str:
    return t(
        "case_lifecycle.referral_label",
        service=t(f"case_lifecycle.service.{referral.service}"),
        to_whom=referral.to_whom,
        date=day,
    )


def _refused(turn: Turn) -> list[Reply]:
    return [Reply(turn.t("case_lifecycle.not_yours"))]


def _own_case(turn: Turn, case_id: int) -> Case | None:
    case = turn.session.get(Case, case_id)
    if case is None or not access.handles_case_of(turn.staff, case.pendamping):
        return None
    return case


def record_referral(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    """Keep the referral (status dirujuk) and tell the supervisor."""
    case = _own_case(turn, int(data["case_id"]))
    if case is None or case.status != CaseStatus.ACTIVE:
        return _refused(turn)
    referral = CaseReferral(
        case_id=case.id,
        service=data["service"],
        to_whom=data["to_whom"],
        referred_on=date.fromisoformat(data["referred_on"]),
        status_changed_at=turn.now,
        note=data.get("note"),
        created_by_id=turn.staff.id,
        created_at=turn.now,
    )
    turn.session.add(referral)
    case.last_update_at = turn.now  # a referral is news of the case: it is not quiet
    turn.session.flush()
    audit.record(
        turn.session,
        "case.referred",
        "case_referral",
        referral.id,
        actor=turn.staff,
        case_id=case.id,
        service=referral.service,
    )
    told = _tell_supervisor(turn, case, referral, "case_lifecycle.referral_to_supervisor")
    return [Reply(_done(turn, "case_lifecycle.referral_saved", told, case))]


def _done(turn: Turn, key: str, told: Person | None, case: Case) -> str:
    text = turn.t(key, label=case_label(case, turn.t))
    if told is None:
        return f"{text} {turn.t('case_lifecycle.no_supervisor')}"
    return f"{text} {turn.t('case_lifecycle.supervisor_told', name=told.name)}"


def _tell_supervisor(turn: Turn, case: Case, referral: CaseReferral, key: str) -> Person | None:
    pendamping = case.pendamping
    supervisor = access.supervisor_of(pendamping)
    if supervisor is None or not access.may_give_feedback(supervisor, pendamping):
        return None
    t = turn.t
    turn.out.tell(
        supervisor,
        key,
        about=f"{key}:{referral.id}",
        kind="case_referral",
        name=pendamping.name,
        label=case_label(case, t),
        referral=referral_label(referral, t, turn.local_date_of(referral.referred_on)),
        status=t(f"case_lifecycle.status.{referral.status}"),
        note=referral.note or "-",
    )
    return supervisor


def referral_options(turn: Turn, data: Mapping[str, Any]) -> Sequence[Option]:
    """The open referrals of the case in the flow (only the one named, when started from a
    reminder), for the pendamping of the case."""
    case = _own_case(turn, int(data["case_id"]))
    if case is None:
        return []
    query = select(CaseReferral).where(
        CaseReferral.case_id == case.id, CaseReferral.status.in_(OPEN_REFERRAL_STATUSES)
    )
    if data.get("referral_id"):
        query = query.where(CaseReferral.id == int(data["referral_id"]))
    return [
        Option(str(r.id), referral_label(r, turn.t, turn.local_date_of(r.referred_on)))
        for r in turn.session.scalars(query.order_by(CaseReferral.id))
    ]


def _open_referral(turn: Turn, referral_id: int) -> tuple[CaseReferral, Case] | None:
    referral = turn.session.get(CaseReferral, referral_id)
    if referral is None or referral.status not in OPEN_REFERRAL_STATUSES:
        return None
    case = _own_case(turn, referral.case_id)
    return None if case is None else (referral, case)


def record_news(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    """The referral's new status; the quiet clock starts again; the supervisor is told."""
    found = _open_referral(turn, int(data["referral"]))
    if found is None:
        return _refused(turn)
    referral, case = found
    referral.status = data["status"]
    referral.status_changed_at = turn.now
    referral.reminded_at = None
    if data.get("note"):
        referral.note = data["note"]
    if case.status == CaseStatus.ACTIVE:
        case.last_update_at = turn.now
    audit.record(
        turn.session,
        "case.referral_news",
        "case_referral",
        referral.id,
        actor=turn.staff,
        case_id=case.id,
        status=referral.status,
    )
    told = _tell_supervisor(turn, case, referral, "case_lifecycle.news_to_supervisor")
    return [Reply(_done(turn, "case_lifecycle.news_saved", told, case))]


def answer_reminder(turn: Turn, prompt: ActionPrompt, value: str) -> PromptResult:
    """ "Beri kabar" under a reminder: the news flow about that referral, if it is still open."""
    found = _open_referral(turn, prompt.entity_id)
    if found is None or value != GIVE_NEWS:
        return PromptResult([Reply(turn.t("case_lifecycle.referral_gone"))])
    referral, case = found
    data = {"case_id": case.id, "referral_id": referral.id, "label": case_label(case, turn.t)}
    return PromptResult([], flow.NEWS, data)


def remind_quiet_referrals(ctx: AppContext, session: Session, now: datetime) -> int:
    """Remind the pendamping, once, of an open referral with no news for 14 days."""
    t = ctx.catalog
    rows = session.scalars(
        select(CaseReferral)
        .where(
            CaseReferral.status.in_(OPEN_REFERRAL_STATUSES),
            CaseReferral.status_changed_at <= now - QUIET_REFERRAL_AFTER,
            CaseReferral.reminded_at.is_(None),
        )
        .order_by(CaseReferral.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    ).all()
    for referral in rows:
        referral.reminded_at = now
        pendamping = referral.case.pendamping
        if not pendamping.active:
            continue
        out = Messenger(
            session, ctx, now, f"referral:{referral.id}:quiet:{referral.status_changed_at}"
        )
        out.ask(
            pendamping,
            "case_lifecycle.referral_quiet",
            [Option(GIVE_NEWS, t("case_lifecycle.opt_give_news"))],
            REMINDER_ACTION,
            referral.id,
            kind="case_referral",
            label=case_label(referral.case, t),
            referral=referral_label(referral, t, _day(ctx, referral.referred_on)),
            days=(now - referral.status_changed_at).days,
        )
    return len(rows)


def _day(ctx: AppContext, day: date) -> str:
    return format_date(day, "EEEE, d MMMM", locale=ctx.language)
