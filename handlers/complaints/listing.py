"""The staff dashboard's complaint list, detail and export: one filter, one query, always narrowed
by the access policy (a complaint outside the reader's scope does not exist for them).

Rows carry only what the table and the export show. The reporter's number is never selected;
their name only when they did not ask to stay anonymous. Descriptions were masked at intake.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, case, func, literal, select
from sqlalchemy.orm import Session, selectinload

from handlers.people import access
from storage.models import Complaint, Person
from storage.vocabulary import OPEN_COMPLAINTS

PAGE_SIZE = 25
EXPORT_BATCH = 500
SEARCH_MAX = 20
# The list counts at most this many: beyond it the page says "more than", and counting a whole
# province's complaints (hundreds of thousands) would cost more than the page itself.
COUNT_CAP = 10_000


@dataclass(frozen=True)
class ComplaintFilter:
    """What the reader asked for; dates are days in the reader's own zone, both ends included."""

    date_from: date | None = None
    date_to: date | None = None
    status: str = ""
    category: str = ""
    kecamatan: str = ""
    ticket: str = ""
    page: int = 1
    page_size: int = PAGE_SIZE
    count_cap: int = COUNT_CAP


class Listed(NamedTuple):
    """One line of the table and of the export."""

    ticket_code: str
    created_at: datetime
    kabupaten: str
    kecamatan: str
    category: str
    status: str
    due_at: datetime | None
    urgent: bool


@dataclass(frozen=True)
class Page:
    rows: list[Listed]
    total: int
    page: int
    pages: int
    capped: bool = False  # there are more than `total` rows


def _due() -> ColumnElement[datetime | None]:
    """The running milestone's due time, as `deadlines.current_due` computes it, in SQL."""
    running = case(
        (Complaint.acknowledged_at.is_(None), Complaint.ack_due_at),
        (Complaint.planned_at.is_(None), Complaint.plan_due_at),
        else_=Complaint.resolve_due_at,
    )
    return case((Complaint.status.in_(OPEN_COMPLAINTS), running), else_=literal(None)).label(
        "due_at"
    )


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone).astimezone(UTC)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _where(reader: Person, flt: ComplaintFilter) -> list[ColumnElement[bool]]:
    where = [access.complaints_visible_to(reader)]
    zone = ZoneInfo(reader.timezone)
    if flt.date_from is not None:
        where.append(Complaint.created_at >= _start_of(flt.date_from, zone))
    if flt.date_to is not None:
        where.append(Complaint.created_at < _start_of(flt.date_to + timedelta(days=1), zone))
    if flt.status:
        where.append(Complaint.status == flt.status)
    if flt.category:
        where.append(Complaint.category == flt.category)
    if flt.kecamatan:
        where.append(Complaint.kecamatan == flt.kecamatan)
    search = flt.ticket.strip().upper()[:SEARCH_MAX]
    if search:
        pattern = f"%{_escape_like(search)}%"
        where.append(Complaint.ticket_code.like(pattern, escape="\\"))
    return where


def _rows(reader: Person, flt: ComplaintFilter) -> Select[tuple[object, ...]]:
    return (
        select(
            Complaint.ticket_code,
            Complaint.created_at,
            Complaint.kabupaten,
            Complaint.kecamatan,
            Complaint.category,
            Complaint.status,
            _due(),
            Complaint.urgent,
        )
        .where(*_where(reader, flt))
        .order_by(Complaint.created_at.desc(), Complaint.id.desc())
    )


def list_page(session: Session, reader: Person, flt: ComplaintFilter) -> Page:
    """One page of what `reader` may see, newest first, with the total and the page count."""
    matching = select(Complaint.id).where(*_where(reader, flt)).limit(flt.count_cap + 1)
    total = session.scalar(select(func.count()).select_from(matching.subquery())) or 0
    capped = total > flt.count_cap
    total = min(total, flt.count_cap)
    pages = max(1, math.ceil(total / flt.page_size))
    page = min(max(1, flt.page), pages)
    query = _rows(reader, flt).limit(flt.page_size).offset((page - 1) * flt.page_size)
    rows = [Listed(*row) for row in session.execute(query)]
    return Page(rows=rows, total=total, page=page, pages=pages, capped=capped)


def rows_for_export(session: Session, reader: Person, flt: ComplaintFilter) -> Iterator[Listed]:
    """Every row the filter matches (all pages), fetched in batches: constant memory."""
    result = session.execute(_rows(reader, flt).execution_options(yield_per=EXPORT_BATCH))
    for batch in result.partitions():
        for row in batch:
            yield Listed(*row)


def kecamatan_choices(session: Session, reader: Person) -> list[str]:
    """The kecamatan of the complaints `reader` may see, for the filter's list."""
    query = (
        select(Complaint.kecamatan)
        .where(Complaint.kecamatan != "", access.complaints_visible_to(reader))
        .distinct()
        .order_by(Complaint.kecamatan)
    )
    return list(session.scalars(query))


def detail(session: Session, reader: Person, ticket_code: str) -> Complaint | None:
    """The complaint with its notes, or None when it does not exist or is not the reader's."""
    query = (
        select(Complaint)
        .where(Complaint.ticket_code == ticket_code.strip().upper()[:SEARCH_MAX])
        .where(access.complaints_visible_to(reader))
        .options(selectinload(Complaint.notes), selectinload(Complaint.handler))
    )
    return session.scalars(query).first()


def reporter_shown(c: Complaint) -> str | None:
    """What staff may see of the reporter: the name, unless they asked to stay anonymous."""
    if c.anonymous:
        return None
    return c.reporter_name or None
