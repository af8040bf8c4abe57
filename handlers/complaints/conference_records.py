"""What a complaint's case conference dialogs keep: the programme rule broken, a conference
called or moved, its result, and the korkab's reason for not coming.

The supervisor and the korkab are told the time, the way and the place; the reporter only what
concerns them: that the complaint is being discussed in a case conference (no time, no names,
no rule), and afterwards the mediation outcome in plain words. The audit keeps ids and lengths.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from conversations.flows.validators import YES
from conversations.messages import Reply
from handlers.complaints import conference
from handlers.complaints.conference_clock import plan
from handlers.complaints.handling import tell_reporter
from handlers.core import audit, prompts
from handlers.core.turn import Turn
from handlers.people import access
from storage.models import Complaint, ComplaintConference
from storage.vocabulary import OPEN_COMPLAINTS, ConferenceStatus, MediationOutcome


def _complaint(turn: Turn, data: Mapping[str, Any]) -> Complaint | None:
    """The complaint, if it is still open and the sender may still call its conference."""
    c = turn.session.get(Complaint, int(data["complaint_id"]))
    if c is None or c.status not in OPEN_COMPLAINTS:
        return None
    return c if access.may_call_conference(turn.staff, c) else None


def record_rule(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    c = _complaint(turn, data)
    if c is None:
        return conference.not_yours(turn)
    c.rule_broken = str(data["rule"])
    audit.record(
        turn.session, "complaint.rule_broken", "complaint", c.id, actor=turn.staff,
        chars=len(c.rule_broken),
    )  # fmt: skip
    return [Reply(turn.t("complaint_conference.rule_saved", ticket=c.ticket_code))]


def record_call(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    """A conference called, or (with a conference id) moved: both sides told and reminded."""
    t, person = turn.t, turn.staff
    c = _complaint(turn, data)
    if c is None:
        return conference.not_yours(turn)
    korkab = access.conference_korkab(turn.session, c)
    if korkab is None or korkab.id == person.id:
        return [Reply(t("complaint_conference.no_korkab"))]
    starts_at = datetime.fromisoformat(str(data["when"])).astimezone(UTC)
    if starts_at <= turn.now:
        return [Reply(t("complaint_conference.when_past_now"))]
    conf = conference.scheduled_for(turn.session, c)
    if "conference_id" in data and (conf is None or conf.id != data["conference_id"]):
        return conference.stale(turn)
    moved = conf is not None
    if conf is None:
        conf = ComplaintConference(complaint_id=c.id, complaint=c, called_by_id=person.id)
        turn.session.add(conf)
    else:
        conference.drop_planned(turn.session, conf)
    conf.called_by, conf.korkab = person, korkab
    conf.starts_at, conf.mode, conf.place = starts_at, str(data["mode"]), data.get("place")
    turn.session.flush()
    plan(turn.session, conf, turn.now)
    what = "moved" if moved else "called"
    audit.record(turn.session, f"conference.{what}", "conference", conf.id, actor=person)
    lead = "complaint_conference.moved_korkab" if moved else "complaint_conference.invite"
    turn.out.ask(
        korkab,
        lead,
        conference.invite_options(t, conf),
        conference.INVITE_ACTION,
        conf.id,
        about=f"conference:{conf.id}:{conference.stamp(conf)}:invite",
        kind="conference",
        description=c.description,
        rule=c.rule_broken or "-",
        **conference.params(turn.ctx, conf, korkab),
    )
    if not moved:
        tell_reporter(turn.out, c, "complaint_conference.to_reporter_discussed", "conference")
    text = t(f"complaint_conference.{what}", **conference.params(turn.ctx, conf, person))
    options = conference.manage_options(t, conf)
    action = conference.MANAGE_ACTION
    return [prompts.make_prompt(turn.session, person, action, conf.id, text, options, turn.now)]


def record_decline(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    """The korkab cannot come: the supervisor hears why, with the choice to move it."""
    conf = conference.current(turn, int(data["conference_id"]), str(data["stamp"]))
    if conf is None:
        return conference.stale(turn)
    korkab = turn.staff
    if not access.may_answer_conference(korkab, conf.complaint, conf.korkab_id):
        return conference.not_yours(turn)
    reason = str(data["reason"])
    supervisor = conf.called_by
    turn.out.ask(
        supervisor,
        "complaint_conference.korkab_declines",
        conference.manage_options(turn.t, conf),
        conference.MANAGE_ACTION,
        conf.id,
        about=f"conference:{conf.id}:{conference.stamp(conf)}:decline",
        kind="conference",
        reason=reason,
        **conference.params(turn.ctx, conf, supervisor),
    )
    audit.record(
        turn.session, "conference.declined", "conference", conf.id, actor=korkab,
        chars=len(reason),
    )  # fmt: skip
    return [Reply(turn.t("complaint_conference.decline_sent", supervisor=supervisor.name))]


def record_result(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    """Held or not; what was sought, the recommendation, the mediation outcome and a note."""
    t, person = turn.t, turn.staff
    conf = conference.current(turn, int(data["conference_id"]), str(data["stamp"]))
    if conf is None:
        return conference.stale(turn)
    c = conf.complaint
    if not access.may_call_conference(person, c):
        return conference.not_yours(turn)
    held = data["held"] == YES
    conf.recorded_at = turn.now
    conf.mediation_note = data.get("note")
    conference.drop_planned(turn.session, conf)
    audit.record(
        turn.session, "conference.recorded", "conference", conf.id, actor=person,
        complaint_id=c.id, held=held,
    )  # fmt: skip
    if not held:
        conf.status = ConferenceStatus.CANCELLED
        return [Reply(t("complaint_conference.recorded_not_held", ticket=c.ticket_code))]
    conf.status = ConferenceStatus.HELD
    conf.evidence = data.get("evidence")
    conf.recommendation = str(data["recommendation"])
    conf.mediation_outcome = data.get("mediation")
    outcome = conf.mediation_outcome
    outcome_label = t(f"complaint_conference.outcome_{outcome}") if outcome else "-"
    if conf.korkab is not None and conf.korkab.active:
        turn.out.tell(
            conf.korkab,
            "complaint_conference.result_korkab",
            about=f"conference:{conf.id}:result",
            kind="conference",
            recommendation=conf.recommendation,
            mediation=outcome_label,
            **conference.params(turn.ctx, conf, conf.korkab),
        )
    key = "discussed_done" if outcome is None else f"mediation_{MediationOutcome(outcome)}"
    tell_reporter(turn.out, c, f"complaint_conference.to_reporter_{key}", "conference_result")
    korkab = conf.korkab.name if conf.korkab else "-"
    return [Reply(t("complaint_conference.recorded", ticket=c.ticket_code, korkab=korkab))]
