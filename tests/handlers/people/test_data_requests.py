"""Data-subject requests: finding one number's data (and not a similar number's), exporting it,
erasing it so that figures and tickets stay but nothing identifies the person, and the audit
trail of who did it, which never holds the number."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handlers.core.context import AppContext
from handlers.people import data_requests, login
from handlers.people.phones import to_e164
from storage.db import transaction
from storage.models import (
    AuditEntry,
    Complaint,
    ConversationState,
    InboundMessage,
    OutboxMessage,
    Person,
    StatusCheckAttempt,
)
from tests.handlers.complaints.test_complaints import file
from tests.support import ChatFactory, texts

KPM = "0813-9000-0001"
SIMILAR = "0813-9000-0010"  # one digit more, same start: never found for KPM
KPM_E164 = to_e164(KPM)
NUMBER_FORMS = (KPM_E164, KPM_E164[1:], "0" + KPM_E164[3:], KPM_E164[3:])
YUNI = "+6281210000007"  # the demo desk admin
DEWI = "+6281210000002"
STORY = "Bantuan bulan ini belum masuk sejak Oktober"
OTHER_STORY = "Kartu saya tertelan mesin ATM di kota"


def admin(session: Session) -> Person:
    return session.scalars(select(Person).where(Person.phone == YUNI)).one()


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def filed(chat: ChatFactory) -> dict[str, list[str]]:
    """Two complaints from KPM (the second anonymous, with a status check), one from SIMILAR."""
    kpm, similar = chat(KPM), chat(SIMILAR)
    first, _ = file(kpm)
    second, _ = file(kpm, story=OTHER_STORY, anonymous=True, name="Pak Joko")
    kpm.send("menu")
    kpm.press("Cek status pengaduan")
    kpm.press(first)
    other, _ = file(similar, story="Saldo kosong tiga bulan di desa kami", name="Bu Ani")
    return {"kpm": [first, second], "similar": [other]}


def test_find_returns_exactly_that_numbers_rows(ctx: AppContext, filed: dict) -> None:
    with ctx.sessions() as session:
        held = data_requests.find(session, to_e164("62 813 9000 0001"))
        assert held.phone == KPM_E164 and held.person is None
        assert [c.ticket_code for c in held.complaints] == filed["kpm"]
        assert {row.address for row in held.inbound} == {KPM_E164}
        assert {row.address for row in held.outbox} == {KPM_E164}
        assert [state.address for state in held.states] == [KPM_E164]
        assert held.counts()["complaints"] == 2
        # Every row at the number is found: none is left out.
        inbound = session.scalar(select(func.count()).where(InboundMessage.address == KPM_E164))
        assert len(held.inbound) == inbound and inbound > 10
        assert len(held.outbox) == session.scalar(
            select(func.count()).where(OutboxMessage.address == KPM_E164)
        )
        assert held.audit_entries and all(e.actor_address == KPM_E164 for e in held.audit_entries)
        similar = data_requests.find(session, to_e164(SIMILAR))
        assert [c.ticket_code for c in similar.complaints] == filed["similar"]
        nobody = data_requests.find(session, to_e164("0813-9000-0002"))
        assert nobody.empty


def test_a_staff_number_finds_the_roster_row_links_and_sessions(
    ctx: AppContext, demo_roster: None
) -> None:
    now = ctx.clock()
    with transaction(ctx.sessions) as session:
        dewi = session.scalars(select(Person).where(Person.phone == DEWI)).one()
        token = login.issue_link(session, dewi, now)
        assert token is not None and login.open_session(session, token, now) is not None
    with ctx.sessions() as session:
        held = data_requests.find(session, DEWI)
        assert held.person is not None and held.person.name == "Dewi Lestari"
        assert (len(held.login_links), len(held.web_sessions)) == (1, 1)
        exported = data_requests.export(held, now)
        assert exported["staff"]["name"] == "Dewi Lestari"
        assert "session_hash" not in json.dumps(exported) and "token_hash" not in json.dumps(
            exported
        )


def test_export_holds_the_persons_own_story(ctx: AppContext, filed: dict) -> None:
    with ctx.sessions() as session:
        held = data_requests.find(session, KPM_E164)
        exported = data_requests.export(held, ctx.clock())
    text = json.dumps(exported, ensure_ascii=False)
    assert [c["ticket_code"] for c in exported["complaints"]] == filed["kpm"]
    assert {c["description"] for c in exported["complaints"]} == {STORY, OTHER_STORY}
    assert exported["complaints"][0]["reporter_name"] == "Ibu Siti"
    assert len(exported["status_checks"]) == 0  # own-number checks are not attempts
    assert "Saldo kosong tiga bulan" not in text and "Bu Ani" not in text
    assert "check_code_hash" not in text


def test_erase_anonymises_and_keeps_tickets_and_counts(
    ctx: AppContext, filed: dict, caplog: pytest.LogCaptureFixture
) -> None:
    with ctx.sessions() as session:
        before = {
            c.ticket_code: (c.category, c.kabupaten, c.kecamatan, c.status, c.created_at)
            for c in session.scalars(select(Complaint))
        }
        totals = {m: count(session, m) for m in (Complaint, InboundMessage, OutboxMessage)}
        to_staff = session.scalars(
            select(OutboxMessage).where(OutboxMessage.person_id.is_not(None))
        ).all()
        assert any(STORY in json.dumps(r.payload, ensure_ascii=False) for r in to_staff)
    caplog.set_level(logging.DEBUG)
    with transaction(ctx.sessions) as session:
        erased = data_requests.erase(session, admin(session), KPM_E164)
    assert erased.counts["complaints"] == 2 and not erased.staff
    assert erased.placeholder.startswith("dihapus-") and len(erased.placeholder) == 16
    with ctx.sessions() as session:
        after = {
            c.ticket_code: (c.category, c.kabupaten, c.kecamatan, c.status, c.created_at)
            for c in session.scalars(select(Complaint))
        }
        assert after == before
        assert {m: count(session, m) for m in totals} == totals
        for ticket in filed["kpm"]:
            c = session.scalars(select(Complaint).where(Complaint.ticket_code == ticket)).one()
            assert c.reporter_address == erased.placeholder
            assert c.reporter_name is None and c.attachments == {}
            assert c.description == data_requests.ERASED_STORY
            assert c.ack_due_at is not None and c.resolve_due_at is not None
        kept = session.scalars(
            select(Complaint).where(Complaint.ticket_code == filed["similar"][0])
        ).one()
        assert kept.reporter_address == to_e164(SIMILAR) and kept.reporter_name == "Bu Ani"
        assert data_requests.find(session, KPM_E164).empty
        assert not session.scalars(
            select(ConversationState).where(ConversationState.address == KPM_E164)
        ).all()
        assert session.scalar(
            select(func.count()).where(InboundMessage.address == erased.placeholder)
        )
        # Nothing anywhere in the outbox still tells the story or the name, not even the
        # alerts that quoted them to staff; SIMILAR's own messages are untouched.
        payloads = [json.dumps(r.payload, ensure_ascii=False) for r in session.scalars(
            select(OutboxMessage))]  # fmt: skip
        for secret in (STORY, OTHER_STORY, "Ibu Siti", "Pak Joko", *NUMBER_FORMS):
            assert not any(secret in p for p in payloads), secret
        assert any("Bu Ani" in p for p in payloads)
        for row in session.scalars(select(OutboxMessage)):
            assert not any(form in row.idempotency_key for form in NUMBER_FORMS)
    for form in NUMBER_FORMS:
        assert form not in caplog.text


def test_a_status_check_by_the_old_number_no_longer_finds_it(
    ctx: AppContext, chat: ChatFactory, filed: dict
) -> None:
    with transaction(ctx.sessions) as session:
        data_requests.erase(session, admin(session), KPM_E164)
    kpm = chat(KPM)
    kpm.send("menu")
    asked = kpm.press("Cek status pengaduan")
    labels = {o.label for reply in asked for o in reply.options}
    assert not labels & set(filed["kpm"])
    kpm.send(filed["kpm"][0])
    answer = texts(kpm.send("0000"))
    assert "tidak cocok" in answer and "menunggu petugas" not in answer
    with ctx.sessions() as session:
        attempt = session.scalars(
            select(StatusCheckAttempt).order_by(StatusCheckAttempt.id.desc())
        ).first()
        assert attempt is not None and attempt.succeeded is False


def test_every_step_is_audited_with_the_actor_never_the_number(
    ctx: AppContext, filed: dict, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with transaction(ctx.sessions) as session:
        actor = admin(session)
        for action in ("found", "exported"):
            data_requests.record_request(
                session, actor, action, data_requests.find(session, KPM_E164)
            )
        data_requests.erase(session, actor, KPM_E164)
        actor_id = actor.id
    with ctx.sessions() as session:
        entries = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action.startswith("data_request."))
            .order_by(AuditEntry.id)
        ).all()
        assert [e.action for e in entries] == [
            "data_request.found",
            "data_request.exported",
            "data_request.erased",
        ]
        for entry in entries:
            assert entry.actor_person_id == actor_id
            assert entry.entity_id == "****0001"
            assert entry.details["complaints"] == 2 and entry.details["inbound"] > 10
        # No audit entry at all holds the number any more (the filing ones lost it too).
        for entry in session.scalars(select(AuditEntry)):
            text = json.dumps(
                [entry.actor_address, entry.entity_id, entry.details], ensure_ascii=False
            )
            assert not any(form in text for form in NUMBER_FORMS), entry.action
        filed_entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "complaint.filed")
        ).all()
        assert len(filed_entries) == 3  # the trail stays
    for form in NUMBER_FORMS:
        assert form not in caplog.text


def test_erasing_a_staff_number_keeps_the_roster_row(ctx: AppContext, chat: ChatFactory) -> None:
    sari = chat("0812-1000-0003")
    sari.send("menu")
    with transaction(ctx.sessions) as session:
        erased = data_requests.erase(session, admin(session), "+6281210000003")
    assert erased.staff and erased.counts["inbound"] >= 1
    with ctx.sessions() as session:
        sari_row = session.scalars(select(Person).where(Person.phone == "+6281210000003")).one()
        assert sari_row.active and sari_row.name == "Sari Rahayu"
        held = data_requests.find(session, "+6281210000003")
        assert held.person is not None and held.inbound == [] and held.states == []
        # The roster's own entries keep naming the person while the roster does.
        assert any(e.action == "roster.added" for e in held.audit_entries)
