"""What a view is asked: who reads, which days, which place, which page.

Days are the reader's own calendar days (their zone), both ends included; `start`/`end` turn them
into the UTC bounds every query compares stored times with (`start <= t < end`). With no dates
given, a view covers the last `DEFAULT_DAYS` days up to today.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from handlers.complaints.listing import PAGE_SIZE  # one page size for every dashboard table
from storage.models import Person

DEFAULT_DAYS = 30
T = TypeVar("T")


@dataclass(frozen=True)
class NumberOption:
    """A whole number the reader may set in a view's filter form (query parameter `key`)."""

    key: str
    label: str
    default: int
    low: int
    high: int


@dataclass(frozen=True)
class ViewQuery:
    reader: Person
    now: datetime
    date_from: date | None = None
    date_to: date | None = None
    kabupaten: str = ""
    kecamatan: str = ""
    page: int = 1
    # Whole numbers a view declares (`NumberOption`), e.g. "stuck longer than N days".
    options: Mapping[str, int] = field(default_factory=dict)
    # An export wants every row of a paged table, not one page.
    everything: bool = False
    page_size: int = PAGE_SIZE

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.reader.timezone)

    @property
    def first_day(self) -> date:
        return self.date_from or (self.last_day - timedelta(days=DEFAULT_DAYS - 1))

    @property
    def last_day(self) -> date:
        return self.date_to or self.now.astimezone(self.zone).date()

    @property
    def start(self) -> datetime:
        """The first instant of `first_day`, in UTC."""
        return _midnight(self.first_day, self.zone)

    @property
    def end(self) -> datetime:
        """The first instant after `last_day`, in UTC."""
        return _midnight(self.last_day + timedelta(days=1), self.zone)

    def option(self, key: str, default: int) -> int:
        return self.options.get(key, default)

    def previous_month(self) -> ViewQuery:
        """The same question about the calendar month before `first_day`'s month."""
        first = self.first_day.replace(day=1)
        last = first - timedelta(days=1)
        return replace(self, date_from=last.replace(day=1), date_to=last, page=1)


def month_query(reader: Person, now: datetime, year: int, month: int, **more: Any) -> ViewQuery:
    """A query covering one calendar month (in the reader's zone)."""
    first = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return ViewQuery(reader, now, date_from=first, date_to=following - timedelta(days=1), **more)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone).astimezone(UTC)


@dataclass(frozen=True)
class Paged:
    rows: list[Sequence[Any]]
    page: int
    pages: int
    total: int


def page_rows(rows: Sequence[T], q: ViewQuery) -> tuple[list[T], int, int]:
    """One page of rows already in order, as `paged` pages a query: (rows, page, pages)."""
    if q.everything:
        return list(rows), 1, 1
    pages = max(1, math.ceil(len(rows) / q.page_size))
    page = min(max(1, q.page), pages)
    return list(rows[(page - 1) * q.page_size : page * q.page_size]), page, pages


def paged(session: Session, query: Select[Any], q: ViewQuery) -> Paged:
    """One page of `query` (already ordered), or every row when `q.everything`."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    if q.everything:
        return Paged(list(session.execute(query)), 1, 1, total)
    pages = max(1, math.ceil(total / q.page_size))
    page = min(max(1, q.page), pages)
    rows = list(session.execute(query.limit(q.page_size).offset((page - 1) * q.page_size)))
    return Paged(rows, page, pages, total)
