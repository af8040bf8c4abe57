"""How cases show in chat: a case's name and label, the pendamping's own open cases to choose
from, and the open cases of the pendamping a member of staff may see, quiet ones marked."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from conversations.catalog import Catalog, in_sentence
from conversations.messages import Option, Reply
from handlers.core import prompts
from handlers.core.turn import Turn
from handlers.people import access
from storage.models import Case
from storage.vocabulary import STALE_CASE_AFTER, CaseStage, CaseStatus

MY_CASES = 15  # to choose from when updating
LISTED = 15  # lines in the staff's list
# The staff's list offers its cases as choices; the answer shows the case's history
# (handlers/cases/thread.py). Entity: the reader the list was made for.
HISTORY_ACTION = "case.history"


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
        .where(Case.pendamping_id == turn.staff.id, Case.status == CaseStatus.ACTIVE)
        .order_by(Case.last_update_at.desc())
        .limit(MY_CASES)
    ).all()
    return [Option(str(case.id), case_label(case, turn.t)) for case in rows]


def list_for_staff(turn: Turn) -> list[Reply]:
    """Open cases of the pendamping the reader may see, counted by stage, oldest update first;
    each listed case is a choice that opens its history ("Riwayat kasus").

    Counted in the database and only the listed cases read: a korwil may see 100,000 open
    cases, which read whole took seconds."""
    reader, t = turn.staff, turn.t
    mine = (
        Case.pendamping_id.in_(access.pendamping_ids_visible_to(reader)),
        Case.status == CaseStatus.ACTIVE,
    )
    counted = turn.session.execute(
        select(Case.stage, func.count()).where(*mine).group_by(Case.stage)
    )
    by_stage = {stage: count for stage, count in counted}
    total = sum(by_stage.values())
    if not total:
        return [Reply(t("case.list_none"))]
    rows = turn.session.scalars(
        select(Case)
        .where(*mine)
        .options(joinedload(Case.pendamping))
        .order_by(Case.last_update_at, Case.id)
        .limit(LISTED)
    ).all()
    stages = ", ".join(
        f"{in_sentence(t(f'stage.{stage}'))} {by_stage[stage]}"
        for stage in CaseStage
        if by_stage.get(stage)
    )
    lines = [t("case.list_header", count=total, stages=stages)]
    for case in rows:
        stale = turn.now - case.last_update_at >= STALE_CASE_AFTER
        lines.append(
            t(
                "case.list_line_stale" if stale else "case.list_line",
                name=case.pendamping.name,
                label=case_label(case, t),
                updated=turn.local_date(case.last_update_at, reader),
            )
        )
    lines.append(t("case_agenda.list_pick"))
    options = [Option(str(case.id), case_name(case, t)) for case in rows]
    text = "\n".join(lines)
    return [
        prompts.make_prompt(
            turn.session, reader, HISTORY_ACTION, reader.id, text, options, turn.now
        )
    ]
