"""A case's feedback thread: the supervisor's feedback on an update, the pendamping's answer,
the supervisor's reply, and so on. Each message is a CaseFeedback row under the update (its
author says who wrote it) and reaches everyone else in the thread with two choices, "Balas" and
"Riwayat kasus". A button may be pressed days later, so who may write and who hears is asked of
the access policy again at every press and every send: the pendamping of the case, and those
the policy lets give them feedback."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conversations.catalog import Catalog, in_sentence
from conversations.flows import case_thread as flow
from conversations.messages import Option, Reply
from handlers.cases.views import case_label
from handlers.core import audit, prompts
from handlers.core.prompts import PromptResult
from handlers.core.turn import Turn
from handlers.people import access
from storage.models import (
    ActionPrompt,
    Case,
    CaseFeedback,
    CaseUpdate,
    Person,
    SessionItem,
    SupervisionSession,
)

THREAD_ACTION = "case.thread"  # entity: the CaseFeedback row the message carried
ANSWER, HISTORY = "balas", "riwayat"  # the two choices under every thread message
HISTORY_UPDATES = 5  # the newest updates shown in a case's history, each with its thread
CLIPPED = 300  # characters of an update's text in the history (the update itself was sent whole)
CLIP_MARK = "…"


def thread_of(session: Session, message: CaseFeedback) -> list[CaseFeedback]:
    """Every message under the same update of the same case, oldest first."""
    same_update = (
        CaseFeedback.update_id.is_(None)
        if message.update_id is None
        else CaseFeedback.update_id == message.update_id
    )
    query = select(CaseFeedback).where(CaseFeedback.case_id == message.case_id, same_update)
    return list(session.scalars(query.order_by(CaseFeedback.id)))


def recipients(case: Case, thread: list[CaseFeedback], author: Person) -> list[Person]:
    """Everyone in the thread but the author: the pendamping, and the staff who wrote in it and
    still may. When the pendamping writes and none of those may any longer (the pendamping moved
    to another supervisor), their supervisor now hears instead."""
    pendamping = case.pendamping
    staff = access.active(
        m.author
        for m in thread
        if m.author_id != pendamping.id and access.may_give_feedback(m.author, pendamping)
    )
    if author.id == pendamping.id and not staff:
        staff = access.active([access.supervisor_of(pendamping)])
    return [p for p in access.active([pendamping, *staff]) if p.id != author.id]


def choices(t: Catalog) -> list[Option]:
    return [
        Option(ANSWER, t("case_thread.opt_reply")),
        Option(HISTORY, t("case_thread.opt_history")),
    ]


@dataclass(frozen=True)
class Advice:
    """What a supervisor's feedback may name besides its text (thread replies name neither)."""

    tool: str | None = None
    service: str | None = None


def advice_lines(message: CaseFeedback, t: Catalog) -> list[str]:
    """ "Alat asesmen yang disarankan: Genogram", and the same for a service."""
    lines = []
    if message.tool:
        lines.append(t("case_agenda.advice_tool", tool=t(f"case_agenda.tool.{message.tool}")))
    if message.service:
        service = t(f"case_agenda.service.{message.service}")
        lines.append(t("case_agenda.advice_service", service=service))
    return lines


def post(
    turn: Turn,
    case: Case,
    update_id: int | None,
    text: str,
    *,
    first: bool,
    advice: Advice | None = None,
) -> list[Person]:
    """Keep a message in the thread and send it on; who was told. The first feedback on an
    update reaches the pendamping in the words they know ("Masukan dari ..."), with the tool or
    service it advises."""
    author, session, t = turn.staff, turn.session, turn.t
    advice = advice or Advice()
    message = CaseFeedback(
        case_id=case.id,
        update_id=update_id,
        author_id=author.id,
        text=text,
        tool=advice.tool,
        service=advice.service,
        created_at=turn.now,
    )
    session.add(message)
    session.flush()
    told = recipients(case, thread_of(session, message), author)
    label = case_label(case, t)
    for person in told:
        if first and person.id == case.pendamping_id:
            key, params = "case.feedback_to_pendamping", {"feedback": text}
        else:
            key, params = "case_thread.message", {"role": t(f"role.{author.role}"), "text": text}
        body = "\n".join(
            [t(key, name=author.name, label=label, **params), *advice_lines(message, t)]
        )
        turn.out.ask_text(
            person, body, choices(t), THREAD_ACTION, message.id, about=key, kind="case_feedback"
        )
    return told


def _stale(turn: Turn) -> list[Reply]:
    return [Reply(turn.t("case_thread.stale"))]


def _open(turn: Turn, message_id: int) -> tuple[CaseFeedback, Case] | None:
    """The message and its case, if both still exist and the sender may write in the thread."""
    message = turn.session.get(CaseFeedback, message_id)
    if message is None:
        return None
    case = turn.session.get(Case, message.case_id)
    if case is None or not access.may_write_on_case(turn.staff, case):
        return None
    return message, case


def answer_prompt(turn: Turn, prompt: ActionPrompt, value: str) -> PromptResult:
    """Start the answer (Balas) or show the case's history with its threads (Riwayat kasus)."""
    opened = _open(turn, prompt.entity_id)
    if opened is None:
        return PromptResult(_stale(turn))
    message, case = opened
    if value == HISTORY:
        return PromptResult(history(turn, case, message))
    if not case.pendamping.active:
        return PromptResult(
            [Reply(turn.t("case_thread.pendamping_gone", name=case.pendamping.name))]
        )
    lead = turn.t("case_thread.replying", name=message.author.name, label=case_label(case, turn.t))
    return PromptResult([Reply(lead)], flow.REPLY, {"feedback_id": message.id})


def answer_case_choice(turn: Turn, prompt: ActionPrompt, value: str) -> PromptResult:
    """A case chosen from the staff's case list: its history, if the reader may still read the
    pendamping's work (asked now: the list may be days old, the pendamping moved)."""
    case = turn.session.get(Case, int(value)) if value.isdigit() else None
    if case is None or not access.may_read_work_of(turn.staff, case.pendamping):
        return PromptResult([Reply(turn.t("case.not_yours"))])
    return PromptResult(history(turn, case))


def record_reply(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    """Keep the answer under the same update and tell the other side (asked again: the policy
    may have changed while the answer was being written)."""
    opened = _open(turn, int(data["feedback_id"]))
    if opened is None:
        return _stale(turn)
    message, case = opened
    if not case.pendamping.active:
        return [Reply(turn.t("case_thread.pendamping_gone", name=case.pendamping.name))]
    told = post(turn, case, message.update_id, data["text"], first=False)
    audit.record(turn.session, "case.feedback_reply", "case", case.id, actor=turn.staff)
    if not told:
        return [Reply(turn.t("case_thread.sent_nobody"))]
    others = f" {turn.t('conv.and')} ".join(person.name for person in told)
    return [Reply(turn.t("case_thread.sent", others=others))]


def _clip(text: str) -> str:
    return text if len(text) <= CLIPPED else text[: CLIPPED - 1].rstrip() + CLIP_MARK


def history(turn: Turn, case: Case, current: CaseFeedback | None = None) -> list[Reply]:
    """The case's newest updates, oldest first, each followed by its thread in order with who
    said what; "Balas" under it answers the thread the reader came from (if they came from one:
    a case list may show the history too, for a reader `access.may_write_on_case` allows)."""
    session, t, reader = turn.session, turn.t, turn.staff
    total = session.scalar(
        select(func.count()).select_from(CaseUpdate).where(CaseUpdate.case_id == case.id)
    )
    shown = list(
        session.scalars(
            select(CaseUpdate)
            .where(CaseUpdate.case_id == case.id)
            .order_by(CaseUpdate.id.desc())
            .limit(HISTORY_UPDATES)
        )
    )[::-1]
    threads: dict[int | None, list[CaseFeedback]] = defaultdict(list)
    for message in session.scalars(
        select(CaseFeedback).where(CaseFeedback.case_id == case.id).order_by(CaseFeedback.id)
    ):
        threads[message.update_id].append(message)
    discussed = _discussed_on(session, case)
    lines = [t("case_thread.history_header", label=case_label(case, t), name=case.pendamping.name)]
    if (total or 0) > len(shown):
        lines.append(t("case_thread.history_earlier", count=(total or 0) - len(shown)))
    for update in shown:
        lines += _sessions_before(turn, discussed, update.created_at)
        lines.append(
            t(
                "case_thread.history_update",
                date=turn.local_date(update.created_at, reader),
                stage=in_sentence(t(f"stage.{update.stage}")),
                what=_clip(update.what_happened),
                next_step=_clip(update.next_step),
            )
        )
        lines += [_line(turn, m) for m in threads.get(update.id, [])]
    lines += _sessions_before(turn, discussed, None)
    if threads.get(None):
        lines.append(t("case_thread.history_other"))
        lines += [_line(turn, m) for m in threads[None]]
    text = "\n".join(lines)
    if current is None or not case.pendamping.active:
        return [Reply(text)]
    options = [Option(ANSWER, t("case_thread.opt_reply"))]
    return [
        prompts.make_prompt(session, reader, THREAD_ACTION, current.id, text, options, turn.now)
    ]


def _line(turn: Turn, message: CaseFeedback) -> str:
    author = message.author
    line = turn.t(
        "case_thread.history_message",
        date=turn.local_date(message.created_at, turn.staff),
        name=author.name,
        role=turn.t(f"role.{author.role}"),
        text=message.text,
    )
    return "\n".join([line, *(f"  {advice}" for advice in advice_lines(message, turn.t))])


def _discussed_on(session: Session, case: Case) -> list[datetime]:
    """When the supervision sessions whose records name this case took place, oldest first
    (a list the history takes from as it goes, to put each among the updates by its time)."""
    rows = session.scalars(
        select(SupervisionSession.starts_at)
        .join(SessionItem, SessionItem.session_id == SupervisionSession.id)
        .where(SessionItem.case_id == case.id)
        .order_by(SupervisionSession.starts_at)
    )
    return list(dict.fromkeys(rows))


def _sessions_before(turn: Turn, discussed: list[datetime], moment: datetime | None) -> list[str]:
    """ "Dibahas dalam supervisi <tanggal>" for the sessions before `moment` (all when None),
    taken off `discussed`."""
    lines = []
    while discussed and (moment is None or _aware(discussed[0]) <= _aware(moment)):
        day = turn.local_date(discussed.pop(0), turn.staff)
        lines.append(turn.t("case_agenda.history_discussed", date=day))
    return lines


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
