"""The "Cerita terpilih" dashboard view: the selected stories in the reader's scope, with the
period's counts; a korkab of another kabupaten and a pendamping see none."""

from __future__ import annotations

from sqlalchemy import select

from handlers.core.context import AppContext
from handlers.people.phones import to_e164
from handlers.reports import registry, stories
from handlers.reports.query import ViewQuery
from storage.models import Person, Role
from tests.handlers.stories.test_stories import (
    AGUS,
    BAMBANG,
    DEWI,
    HENDRA,
    JOKO,
    SARI,
    WHY,
    YUNI,
    add_person,
    review,
    tell,
)
from tests.support import ChatFactory


def _view(ctx: AppContext, phone: str) -> tuple[dict[str, object], list[tuple[object, ...]]]:
    with ctx.sessions() as session:
        reader = session.scalars(select(Person).where(Person.phone == to_e164(phone))).one()
        view = stories.build(session, ViewQuery(reader, ctx.clock()))
    figures = {f.label: f.value for f in view.figures}
    return figures, view.table("cerita").rows


def test_the_view_lists_selected_stories_within_scope(chat: ChatFactory, ctx: AppContext) -> None:
    sari, agus, dewi = chat(SARI), chat(AGUS), chat(DEWI)
    tell(sari)
    tell(agus)
    review(dewi)  # the newest alert: Agus's story, selected
    add_person(ctx, Role.KORKAB, "Joko Susilo", JOKO, "Ponorogo")
    expected_counts = {
        "Cerita dikirim dalam periode": 2,
        "Cerita ditinjau dalam periode": 1,
        "Dipilih dalam periode": 1,
    }
    for phone in (DEWI, BAMBANG, HENDRA):
        figures, rows = _view(ctx, phone)
        assert figures == expected_counts
        [row] = rows
        assert row[1:3] == ("Agus Santoso", "Pogalan")
        assert "anaknya [nama]" in str(row[3]) and row[5] == WHY
        assert str(row[6]).endswith("An. [nama].")
    figures, rows = _view(ctx, JOKO)
    assert rows == [] and set(figures.values()) == {0}
    figures, rows = _view(ctx, YUNI)  # an admin counts, but reads no story
    assert rows == [] and figures == expected_counts
    figures, rows = _view(ctx, SARI)  # a pendamping sees only their own (none selected)
    assert rows == [] and figures["Cerita dikirim dalam periode"] == 1
    with ctx.sessions() as session:
        people = {p.role: p for p in session.scalars(select(Person))}
        assert registry.may_open(people[Role.KORKAB], registry.BY_SLUG["cerita-terpilih"])
        assert not registry.may_open(people[Role.PENDAMPING], registry.BY_SLUG["cerita-terpilih"])
    assert registry.BY_SLUG["cerita-terpilih"].title == "Cerita terpilih"
