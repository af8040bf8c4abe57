"""What a view returns: plain data that any renderer (HTML, CSV, XLSX, PDF) can draw.

Cells hold raw values (int, float, str, date, datetime or None); the renderer formats them by the
column's `kind`, in Indonesian. A percentage is a fraction (0.25 is 25 %). Every chart names the
table that holds its figures, so a reader without the picture (or without colour) loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

Cell = int | float | str | date | datetime | None


class Kind(StrEnum):
    """How a column's values are formatted."""

    TEXT = "text"
    COUNT = "count"
    NUMBER = "number"  # one decimal, e.g. a ratio or a median in hours
    PERCENT = "percent"
    DATE = "date"
    DATETIME = "datetime"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: Kind = Kind.TEXT


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    columns: tuple[Column, ...]
    rows: list[tuple[Cell, ...]]
    # A paged table shows one page of `total` rows; exports ask the view again with `everything`.
    page: int = 1
    pages: int = 1
    total: int | None = None
    note: str = ""

    @property
    def paged(self) -> bool:
        return self.pages > 1


@dataclass(frozen=True)
class Bar:
    """One group of bars: a label and one value per series of its chart."""

    label: str
    values: tuple[float, ...]


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    series: tuple[str, ...]
    bars: list[Bar]
    table: str  # the key of the table behind this chart
    kind: Kind = Kind.COUNT  # how the values are printed next to the bars


@dataclass(frozen=True)
class Figure:
    """One headline number, e.g. "Median waktu tanggap: 2,5 jam"."""

    label: str
    value: Cell
    kind: Kind = Kind.COUNT


@dataclass(frozen=True)
class View:
    key: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)
