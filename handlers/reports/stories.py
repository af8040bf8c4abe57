"""The "Cerita terpilih" view: the success stories a supervisor selected as the most significant
change, within the reader's scope (the access policy's `stories_visible_to`) and the page's place
filters. The period's counts (told, reviewed, selected) cover every story of the pendamping in
scope: numbers only, no text, as for any work the reader may count."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from conversations.catalog import load_catalog
from handlers.people import access
from handlers.reports import scope
from handlers.reports.query import ViewQuery, paged
from handlers.reports.shapes import Column, Figure, Kind, Table, View
from storage.models import Person, SuccessStory
from storage.vocabulary import StoryStatus

KEY = "cerita-terpilih"
t = load_catalog("id")


def _counted(q: ViewQuery) -> ColumnElement[bool]:
    return SuccessStory.pendamping_id.in_(scope.pendamping(q))


def _readable(q: ViewQuery) -> ColumnElement[bool]:
    return and_(access.stories_visible_to(q.reader), _counted(q))


def _count(session: Session, *where: ColumnElement[bool]) -> int:
    return session.scalar(select(func.count()).select_from(SuccessStory).where(*where)) or 0


def build(session: Session, q: ViewQuery) -> View:
    seen = _counted(q)
    told = and_(SuccessStory.created_at >= q.start, SuccessStory.created_at < q.end)
    reviewed = and_(SuccessStory.reviewed_at >= q.start, SuccessStory.reviewed_at < q.end)
    selected = SuccessStory.status == StoryStatus.SELECTED
    rows = paged(
        session,
        select(
            SuccessStory.reviewed_at,
            Person.name,
            Person.kecamatan,
            SuccessStory.before,
            SuccessStory.change,
            SuccessStory.why_it_matters,
            SuccessStory.selected_reason,
        )
        .join(Person, Person.id == SuccessStory.pendamping_id)
        .where(_readable(q), selected)
        .order_by(SuccessStory.reviewed_at.desc(), SuccessStory.id.desc()),
        q,
    )
    return View(
        KEY,
        t("success_story.view_title"),
        figures=[
            Figure(t("success_story.view_told"), _count(session, seen, told)),
            Figure(
                t("success_story.view_reviewed"),
                _count(session, seen, reviewed, SuccessStory.status != StoryStatus.SUBMITTED),
            ),
            Figure(t("success_story.view_selected"), _count(session, seen, reviewed, selected)),
        ],
        tables=[
            Table(
                "cerita",
                t("success_story.view_table"),
                (
                    Column("selected_at", t("success_story.view_selected_at"), Kind.DATETIME),
                    Column("pendamping", t("success_story.view_pendamping")),
                    Column("kecamatan", t("success_story.view_kecamatan")),
                    Column("before", t("success_story.view_before")),
                    Column("change", t("success_story.view_change")),
                    Column("why", t("success_story.view_why")),
                    Column("reason", t("success_story.view_reason")),
                ),
                [tuple(row) for row in rows.rows],
                page=rows.page,
                pages=rows.pages,
                total=rows.total,
                note=t("success_story.view_note"),
            )
        ],
    )
