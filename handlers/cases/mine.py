"""The pendamping's own cases ("Kasus saya"): the open ones, and the closed ones still in their
follow-up stage (pembinaan lanjut), to choose from; a chosen case offers its history, a
referral, news of an open referral and a proposal to close it.

The list and the choices are action prompts: pressed days later, the case is looked up and the
policy asked again, so a case closed or moved meanwhile offers only what still applies."""

from __future__ import annotations

from sqlalchemy import and_, or_, select

from conversations.flows import case_closing, case_referral
from conversations.messages import Option, Reply
from handlers.cases import thread
from handlers.cases.referrals import referral_label
from handlers.cases.views import MY_CASES, case_label
from handlers.core import prompts
from handlers.core.prompts import PromptResult
from handlers.core.turn import Turn
from handlers.people import access
from storage.models import ActionPrompt, Case, CaseReferral
from storage.vocabulary import OPEN_REFERRAL_STATUSES, CaseStatus

LIST_ACTION = "case.mine"  # entity: the pendamping; value: the case chosen
CASE_ACTION = "case.options"  # entity: the case; value: what to do with it
HISTORY, REFER, NEWS, CLOSE = "riwayat", "rujuk", "kabar", "tutup"


def open_referrals(turn: Turn, case: Case) -> list[CaseReferral]:
    return list(
        turn.session.scalars(
            select(CaseReferral)
            .where(
                CaseReferral.case_id == case.id,
                CaseReferral.status.in_(OPEN_REFERRAL_STATUSES),
            )
            .order_by(CaseReferral.id)
        )
    )


def _label(turn: Turn, case: Case) -> str:
    label = case_label(case, turn.t)
    if case.status == CaseStatus.CLOSED and case.followup_on is not None:
        day = turn.local_date_of(case.followup_on)
        return turn.t("case_lifecycle.closed_label", label=label, date=day)
    return label


def my_cases(turn: Turn) -> list[Reply]:
    """The menu item "Kasus saya": open cases, newest update first, then those in follow-up."""
    person, t = turn.staff, turn.t
    in_followup = and_(Case.status == CaseStatus.CLOSED, Case.followup_on >= turn.local_today())
    rows = turn.session.scalars(
        select(Case)
        .where(
            Case.pendamping_id == person.id,
            or_(Case.status == CaseStatus.ACTIVE, in_followup),
        )
        .order_by(Case.status, Case.last_update_at.desc())
        .limit(MY_CASES)
    ).all()
    if not rows:
        return [Reply(t("case_lifecycle.mine_none"))]
    options = [Option(str(case.id), _label(turn, case)) for case in rows]
    text = t("case_lifecycle.mine_header", count=len(rows))
    return [
        prompts.make_prompt(turn.session, person, LIST_ACTION, person.id, text, options, turn.now)
    ]


def _own_case(turn: Turn, case_id: int) -> Case | None:
    case = turn.session.get(Case, case_id)
    if case is None or not access.handles_case_of(turn.staff, case.pendamping):
        return None
    return case


def _stale(turn: Turn) -> PromptResult:
    return PromptResult([Reply(turn.t("case_lifecycle.not_yours"))])


def _referral_history(turn: Turn, case: Case) -> list[Reply]:
    """The case's referrals, oldest first, each with its status and when it last changed."""
    t = turn.t
    rows = turn.session.scalars(
        select(CaseReferral).where(CaseReferral.case_id == case.id).order_by(CaseReferral.id)
    ).all()
    if not rows:
        return []
    lines = [t("case_lifecycle.history_referrals")]
    for r in rows:
        lines.append(
            t(
                "case_lifecycle.history_referral",
                referral=referral_label(r, t, turn.local_date_of(r.referred_on)),
                status=t(f"case_lifecycle.status.{r.status}"),
                date=turn.local_date(r.status_changed_at, turn.staff),
            )
        )
    return [Reply("\n".join(lines))]


def case_choices(turn: Turn, case: Case) -> Reply:
    """What the pendamping may do with the case now."""
    t = turn.t
    options = [Option(HISTORY, t("case_thread.opt_history"))]
    lines = [t("case_lifecycle.case_header", label=_label(turn, case))]
    if case.status == CaseStatus.ACTIVE:
        options.append(Option(REFER, t("case_lifecycle.opt_refer")))
    if open_referrals(turn, case):
        options.append(Option(NEWS, t("case_lifecycle.opt_news")))
    if case.status == CaseStatus.ACTIVE and case.closure_proposed_at is None:
        options.append(Option(CLOSE, t("case_lifecycle.opt_close")))
    elif case.status == CaseStatus.ACTIVE:
        lines.append(t("case_lifecycle.closure_waiting"))
    text = "\n".join(lines)
    return prompts.make_prompt(
        turn.session, turn.staff, CASE_ACTION, case.id, text, options, turn.now
    )


def answer_list(turn: Turn, prompt: ActionPrompt, value: str) -> PromptResult:
    """A case chosen from the list: what to do with it."""
    case = _own_case(turn, int(value)) if value.isdigit() else None
    if case is None:
        return _stale(turn)
    return PromptResult([case_choices(turn, case)])


def answer_case(turn: Turn, prompt: ActionPrompt, value: str) -> PromptResult:
    """Riwayat kasus, Rujuk ke layanan, Kabar rujukan or Usulkan penutupan, asked again now."""
    case = _own_case(turn, prompt.entity_id)
    if case is None:
        return _stale(turn)
    data = {"case_id": case.id, "label": case_label(case, turn.t)}
    active = case.status == CaseStatus.ACTIVE
    if value == HISTORY:
        return PromptResult([*thread.history(turn, case), *_referral_history(turn, case)])
    if value == REFER and active:
        return PromptResult([], case_referral.REFER, data)
    if value == NEWS and open_referrals(turn, case):
        return PromptResult([], case_referral.NEWS, data)
    if value == CLOSE and active and case.closure_proposed_at is None:
        return PromptResult([], case_closing.PROPOSE, data)
    return PromptResult([Reply(turn.t("case_lifecycle.no_longer"))])
