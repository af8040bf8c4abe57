"""The monthly report as PDF (fpdf2): a cover page, then each view on its own pages (its title,
its headline figures, each chart as the same SVG the dashboard shows, then its tables), with a
running head and "Halaman X dari Y" on every page.

Text is set in fpdf2's core Helvetica, so nothing is downloaded or embedded: every string goes
through `latin1` first, which spells typographic characters the core fonts lack ("–", "…",
curly quotes, narrow spaces) in latin-1 and drops what has no latin-1 form. Long tables break
across pages with their header row repeated.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from fpdf import FPDF, FontFace

from bot.render import charts
from bot.render.cells import NUMERIC, shown
from conversations.catalog import load_catalog
from handlers.reports.shapes import Chart, Column, Figure, Table, View

if TYPE_CHECKING:
    from bot.render.monthly import Report

FONT = "helvetica"
MARGIN = 15.0
BOTTOM = 16.0
HEADING_GREY = (225, 225, 225)
INK_GREY = 90
CHART_GAP = 4.0
HEAD_ROOM = 22.0  # the running head and a view's title
# Room a table's title, note and first rows need, else it starts on the next page.
TABLE_START_ROOM = 30.0
TYPOGRAPHY = str.maketrans(
    {
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u2212": "-",  # minus sign
        "\u2026": "...",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2022": "\xb7",  # bullet -> middle dot
        "\u2192": "->",
        "\u2264": "<=",
        "\u2265": ">=",
        "\u202f": " ",  # narrow no-break space (Babel uses it in some locales)
        "\u2009": " ",
        "\u200b": "",
    }
)
SVG_VIEWBOX = re.compile(r'viewBox="0 0 ([\d.]+) ([\d.]+)"')
# fpdf2 does not draw <title>/<desc> (and warns about them); the PDF prints the title itself.
SVG_UNDRAWN = re.compile(r"<(title|desc)\b[^>]*>.*?</\1>", re.DOTALL)
t = load_catalog("id")


def latin1(text: str) -> str:
    """`text` in characters the PDF core fonts can draw."""
    text = text.translate(TYPOGRAPHY)
    try:
        text.encode("latin-1")
        return text
    except UnicodeEncodeError:
        pass
    kept = []
    for char in text:
        try:
            kept.append(char.encode("latin-1").decode("latin-1"))
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore")
            kept.append(base.decode("latin-1") or "?")
    return "".join(kept)


class ReportPdf(FPDF):
    """A4 portrait, the running head on every page but the cover, page numbers at the foot."""

    def __init__(self, running_head: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.running_head = latin1(running_head)
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=BOTTOM)
        self.set_lang("id")

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font(FONT, size=8)
        self.set_text_color(INK_GREY)
        self.cell(0, 5, self.running_head, align="L")
        self.ln(8)
        self.set_text_color(0)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.set_text_color(INK_GREY)
        label = t("monthly.page", page=self.page_no(), pages=self.str_alias_nb_pages)
        self.cell(0, 5, latin1(label), align="C")
        self.set_text_color(0)

    # -- building blocks ------------------------------------------------------------------
    def heading(self, text: str, size: float) -> None:
        self.set_font(FONT, "B", size)
        self.multi_cell(0, size * 0.5, latin1(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(1.5)

    def paragraph(self, text: str, size: float = 9, style: str = "") -> None:
        self.set_font(FONT, style, size)
        self.multi_cell(0, size * 0.45, latin1(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def room_left(self) -> float:
        return self.page_break_trigger - self.get_y()

    def keep_room(self, needed: float) -> None:
        if self.room_left() < needed:
            self.add_page()


def _cover(pdf: ReportPdf, report: Report) -> None:
    pdf.add_page()
    pdf.ln(40)
    pdf.heading(report.title, 24)
    pdf.heading(report.month_label, 16)
    pdf.ln(4)
    pdf.paragraph(report.scope, 13, "B")
    pdf.ln(6)
    rows = [*report.filters, (t("monthly.generated"), report.generated)]
    _pairs(pdf, rows, 10)
    pdf.ln(6)
    pdf.heading(t("monthly.contents"), 12)
    _pairs(pdf, [(title, _contents_note(view)) for title, view in report.views], 10)


def _contents_note(view: View) -> str:
    if not (view.figures or view.charts or view.tables):
        return t("monthly.no_data")
    return t("monthly.view_parts", tables=len(view.tables), charts=len(view.charts))


def _pairs(pdf: ReportPdf, rows: Sequence[tuple[str, str]], size: float) -> None:
    """Label and value side by side, as a borderless table."""
    if not rows:
        return
    pdf.set_font(FONT, size=size)
    with pdf.table(
        col_widths=(2, 3),
        first_row_as_headings=False,
        borders_layout="NONE",
        text_align="LEFT",
        line_height=size * 0.5,
        padding=(0.6, 1),
    ) as table:
        for label, value in rows:
            row = table.row()
            row.cell(latin1(label))
            row.cell(latin1(value), style=FontFace(emphasis="BOLD"))


def _figures(pdf: ReportPdf, figures: Sequence[Figure], zone: ZoneInfo) -> None:
    _pairs(pdf, [(f.label, shown(f.value, f.kind, zone)) for f in figures], 10)
    pdf.ln(3)


def chart_svg(chart: Chart, table_title: str, zone: ZoneInfo) -> bytes:
    """The dashboard's SVG of `chart`, plain fills, with text the core fonts can draw."""
    drawn = charts.svg(chart, table_title, patterns=False, zone=zone)
    return latin1(SVG_UNDRAWN.sub("", drawn)).encode("latin-1")


def _chart(pdf: ReportPdf, chart: Chart, table_title: str, zone: ZoneInfo) -> None:
    svg = chart_svg(chart, table_title, zone)
    found = SVG_VIEWBOX.search(svg.decode("latin-1"))
    aspect = float(found.group(2)) / float(found.group(1)) if found else 0.5
    title_room = 12.0
    # A chart never needs more than a page below the running head and the view's title.
    full_page = pdf.page_break_trigger - pdf.t_margin - HEAD_ROOM - title_room
    width = pdf.epw
    height = width * aspect
    if height > full_page:  # a tall chart shrinks to one page
        height = full_page
        width = height / aspect
    pdf.keep_room(height + title_room)
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(0, 5, latin1(chart.title), new_x="LMARGIN", new_y="NEXT")
    if table_title:
        pdf.set_font(FONT, "I", 8)
        note = t("monthly.chart_table", table=table_title)
        pdf.multi_cell(0, 4, latin1(note), new_x="LMARGIN", new_y="NEXT")
    top = pdf.get_y() + 1
    pdf.image(
        io.BytesIO(svg), x=pdf.l_margin, y=top, w=width, h=height, alt_text=latin1(chart.title)
    )
    pdf.set_y(top + height + CHART_GAP)


def _widths(columns: Sequence[Column], rows: Sequence[Sequence[str]]) -> tuple[float, ...]:
    """Relative column widths from the longest text in each (header words count less)."""
    widths = []
    for index, column in enumerate(columns):
        longest_word = max((len(word) for word in column.label.split()), default=1)
        longest = max((len(row[index]) for row in rows[:500]), default=1)
        widths.append(float(max(4, longest_word, min(longest, 40))))
    return tuple(widths)


def _table(pdf: ReportPdf, table: Table, zone: ZoneInfo) -> None:
    pdf.keep_room(TABLE_START_ROOM)
    pdf.heading(table.title, 11)
    if table.note:
        pdf.paragraph(table.note, 8, "I")
    total = table.total if table.total is not None else len(table.rows)
    pdf.paragraph(t("monthly.rows", rows=total), 8)
    if not table.rows:
        pdf.paragraph(t("monthly.no_rows"), 9)
        pdf.ln(3)
        return
    cells = [
        [latin1(shown(v, c.kind, zone)) for v, c in zip(row, table.columns, strict=True)]
        for row in table.rows
    ]
    aligns = ["RIGHT" if c.kind in NUMERIC else "LEFT" for c in table.columns]
    size = 8 if len(table.columns) <= 6 else 7
    pdf.set_font(FONT, size=size)
    with pdf.table(
        col_widths=_widths(table.columns, cells),
        headings_style=FontFace(emphasis="BOLD", fill_color=HEADING_GREY),
        borders_layout="HORIZONTAL_LINES",
        line_height=size * 0.5,
        padding=(0.8, 1),
        repeat_headings=1,
    ) as drawn:
        header = drawn.row()
        for column, align in zip(table.columns, aligns, strict=True):
            header.cell(latin1(column.label), align=align)
        for values in cells:
            row = drawn.row()
            for value, align in zip(values, aligns, strict=True):
                row.cell(value, align=align)
    pdf.ln(5)


def _view(pdf: ReportPdf, title: str, view: View, zone: ZoneInfo, first: bool) -> None:
    """A view with content starts a page; an empty one is two lines where there is room."""
    if not (view.figures or view.charts or view.tables):
        if first:
            pdf.add_page()
        else:
            pdf.keep_room(TABLE_START_ROOM)
        pdf.heading(title, 16)
        pdf.paragraph(t("monthly.no_data"), 10)
        pdf.ln(6)
        return
    pdf.add_page()
    pdf.heading(title, 16)
    if view.figures:
        _figures(pdf, view.figures, zone)
    titles = {table.key: table.title for table in view.tables}
    for chart in view.charts:
        _chart(pdf, chart, titles.get(chart.table, ""), zone)
    for table in view.tables:
        _table(pdf, table, zone)


def render(report: Report) -> bytes:
    """The whole report as one PDF document."""
    pdf = ReportPdf(f"{report.title} \xb7 {report.month_label} \xb7 {report.scope}")
    pdf.set_title(latin1(f"{report.title} {report.month_label}"))
    pdf.set_subject(latin1(report.scope))
    pdf.set_creator("pkh-bot")
    _cover(pdf, report)
    for index, (title, view) in enumerate(report.views):
        _view(pdf, title, view, report.zone, first=index == 0)
    return bytes(pdf.output())
