"""Views and lists as XLSX (XlsxWriter), one sheet per table, the columns as on the page.

Numbers stay numbers, dates stay dates and percentages are formatted as such, so a coordinator
can go on calculating. Workbooks are written in XlsxWriter's constant-memory mode to a temporary
file: rows go to disk as they come, so a list of any length costs the same memory.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from bot.render.cells import safe_text
from handlers.reports.shapes import Cell, Column, Kind, View

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_NAME_MAX = 31
CHUNK = 64 * 1024


def open_workbook(target: str | IO[bytes]) -> Workbook:
    return xlsxwriter.Workbook(
        target, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )


def sheet_name(title: str, taken: set[str]) -> str:
    """An Excel-safe, unique sheet name (at most 31 characters, no []:*?/\\)."""
    base = re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:SHEET_NAME_MAX] or "Data"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: SHEET_NAME_MAX - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


class SheetWriter:
    """Writes rows of `columns` to one sheet, a header first, values typed by column kind."""

    def __init__(self, book: Workbook, name: str, columns: Sequence[Column], zone: ZoneInfo):
        self.sheet: Worksheet = book.add_worksheet(name)
        self.columns = columns
        self.zone = zone
        self.row = 0
        self.formats = {
            Kind.PERCENT: book.add_format({"num_format": "0.0%"}),
            Kind.NUMBER: book.add_format({"num_format": "#,##0.0"}),
            Kind.COUNT: book.add_format({"num_format": "#,##0"}),
            Kind.DATE: book.add_format({"num_format": "yyyy-mm-dd"}),
            Kind.DATETIME: book.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        }
        header = book.add_format({"bold": True, "bottom": 1})
        for col, column in enumerate(columns):
            self.sheet.write_string(0, col, column.label, header)
            self.sheet.set_column(col, col, max(10, min(40, len(column.label) + 4)))
        self.sheet.freeze_panes(1, 0)

    def write(self, cells: Iterable[Cell]) -> None:
        self.row += 1
        for col, (value, column) in enumerate(zip(cells, self.columns, strict=True)):
            self._cell(col, value, column.kind)

    def _cell(self, col: int, value: Cell, kind: Kind) -> None:
        row, sheet = self.row, self.sheet
        if value is None:
            sheet.write_blank(row, col, None)
        elif isinstance(value, bool):
            sheet.write_string(row, col, "ya" if value else "")
        elif isinstance(value, int | float):
            sheet.write_number(row, col, value, self.formats.get(kind))
        elif isinstance(value, datetime):
            local = value.astimezone(self.zone).replace(tzinfo=None)
            sheet.write_datetime(row, col, local, self.formats[Kind.DATETIME])
        elif isinstance(value, date):
            sheet.write_datetime(
                row, col, datetime(value.year, value.month, value.day), self.formats[Kind.DATE]
            )
        else:
            sheet.write_string(row, col, safe_text(str(value)))


def write_view(book: Workbook, view: View, zone: ZoneInfo, taken: set[str]) -> None:
    """Every table of `view` as its own sheet (figures first, on a sheet of their own)."""
    if view.figures:
        columns = (Column("label", view.title), Column("value", "Nilai", Kind.NUMBER))
        figures = SheetWriter(book, sheet_name(view.title, taken), columns, zone)
        for figure in view.figures:
            figures.row += 1
            figures.sheet.write_string(figures.row, 0, figure.label)
            figures._cell(1, figure.value, figure.kind)
    for table in view.tables:
        writer = SheetWriter(book, sheet_name(table.title, taken), table.columns, zone)
        for row in table.rows:
            writer.write(row)


def stream_file(handle: IO[bytes]) -> Iterator[bytes]:
    """Read a finished workbook back in chunks, closing (and so deleting) it at the end."""
    try:
        handle.seek(0)
        while chunk := handle.read(CHUNK):
            yield chunk
    finally:
        handle.close()


def temporary() -> Any:
    """A file that disappears once closed, for a workbook on its way to a response."""
    return tempfile.TemporaryFile(prefix="pkh-xlsx-")
