"""Who may answer for a consultation, write in a case's thread and respond to a P2K2 report: rules
of the access policy, checked on people who are not saved (the rules read only the rows given)."""

from __future__ import annotations

from itertools import count

import pytest

from handlers.consultation.requests import (
    OPEN_ACTION,
    PENDAMPING_ACTION,
    SUPERVISOR_ACTION,
    may_answer,
)
from handlers.people import access
from storage.models import Case, Consultation, P2K2Report, Person
from storage.vocabulary import ConsultationStatus, Role

_ids = count(1)


def person(role: Role, boss: Person | None = None, *, active: bool = True) -> Person:
    someone = Person(id=next(_ids), role=role, name=f"{role} {next(_ids)}", active=active)
    someone.kabupaten, someone.provinsi = "Trenggalek", "Jatim"
    if boss is not None:
        someone.supervisor, someone.supervisor_id = boss, boss.id
    return someone


@pytest.fixture
def line() -> dict[str, Person]:
    """A korkab, two supervisors under them (the second is the first's backup), a pendamping of
    each, and a korkab of another kabupaten."""
    korkab = person(Role.KORKAB)
    supervisor = person(Role.SUPERVISOR, korkab)
    backup = person(Role.SUPERVISOR, korkab)
    supervisor.backup, supervisor.backup_id = backup, backup.id
    elsewhere = person(Role.KORKAB)
    elsewhere.kabupaten = "Wonogiri"
    return {
        "korkab": korkab,
        "supervisor": supervisor,
        "backup": backup,
        "pendamping": person(Role.PENDAMPING, supervisor),
        "other_pendamping": person(Role.PENDAMPING, backup),
        "elsewhere": elsewhere,
    }


def consultation(line: dict[str, Person], status: ConsultationStatus) -> Consultation:
    c = Consultation(id=next(_ids), status=status)
    c.pendamping, c.pendamping_id = line["pendamping"], line["pendamping"].id
    c.supervisor, c.supervisor_id = line["supervisor"], line["supervisor"].id
    return c


def test_the_two_parties_of_a_consultation_and_no_one_else(line: dict[str, Person]) -> None:
    c = consultation(line, ConsultationStatus.AGREED)
    sides = {key: access.consultation_party(who, c) for key, who in line.items()}
    assert sides == {
        "korkab": None,
        "supervisor": Role.SUPERVISOR,
        "backup": None,
        "pendamping": Role.PENDAMPING,
        "other_pendamping": None,
        "elsewhere": None,
    }


@pytest.mark.parametrize("status", list(ConsultationStatus))
def test_the_backup_stands_in_only_while_the_consultation_waits(
    line: dict[str, Person], status: ConsultationStatus
) -> None:
    c = consultation(line, status)
    standing_in = {key for key, who in line.items() if access.may_stand_in_on_consultation(who, c)}
    assert standing_in == ({"backup"} if status == ConsultationStatus.WAITING else set())


def test_an_inactive_backup_or_one_no_longer_a_supervisor_does_not_stand_in(
    line: dict[str, Person],
) -> None:
    c = consultation(line, ConsultationStatus.WAITING)
    backup = line["backup"]
    backup.active = False
    assert not access.may_stand_in_on_consultation(backup, c)
    backup.active, backup.role = True, Role.KORKAB
    assert not access.may_stand_in_on_consultation(backup, c)


# Who may answer which prompt, per status: S = SUPERVISOR_ACTION, P = PENDAMPING_ACTION,
# O = OPEN_ACTION.
ANSWERS = {
    ConsultationStatus.WAITING: {"supervisor": "SO", "backup": "S", "pendamping": "O"},
    ConsultationStatus.PROPOSED: {"supervisor": "O", "pendamping": "PO"},
    ConsultationStatus.AGREED: {"supervisor": "O", "pendamping": "O"},
    ConsultationStatus.DECLINED: {},
    ConsultationStatus.CLOSED: {},
}
ACTIONS = {"S": SUPERVISOR_ACTION, "P": PENDAMPING_ACTION, "O": OPEN_ACTION}


@pytest.mark.parametrize("status", list(ConsultationStatus))
def test_who_may_answer_each_prompt_of_a_consultation(
    line: dict[str, Person], status: ConsultationStatus
) -> None:
    c = consultation(line, status)
    answers = {
        key: "".join(letter for letter, action in ACTIONS.items() if may_answer(who, action, c))
        for key, who in line.items()
    }
    assert {key: letters for key, letters in answers.items() if letters} == ANSWERS[status]


def test_a_case_thread_takes_its_pendamping_and_those_above_them(line: dict[str, Person]) -> None:
    case = Case(id=next(_ids))
    case.pendamping, case.pendamping_id = line["pendamping"], line["pendamping"].id
    writers = {key for key, who in line.items() if access.may_write_on_case(who, case)}
    # The korkab reads the kabupaten; the backup supervises other pendamping, not this one.
    assert writers == {"pendamping", "supervisor", "korkab"}


def test_only_the_current_supervisor_responds_to_a_p2k2_report(line: dict[str, Person]) -> None:
    report = P2K2Report(id=next(_ids))
    pendamping = line["pendamping"]
    report.pendamping, report.pendamping_id = pendamping, pendamping.id
    responders = {
        key for key, who in line.items() if access.is_current_supervisor_of(who, report.pendamping)
    }
    assert responders == {"supervisor"}

    pendamping.supervisor, pendamping.supervisor_id = line["backup"], line["backup"].id
    responders = {
        key for key, who in line.items() if access.is_current_supervisor_of(who, report.pendamping)
    }
    assert responders == {"backup"}

    pendamping.active = False
    assert not any(access.is_current_supervisor_of(who, report.pendamping) for who in line.values())
