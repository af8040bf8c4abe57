"""Reading downloaded documents back as text, to check what they hold: PDFs drawn with fpdf2's
core fonts, and XLSX workbooks (every sheet, every cell)."""

from __future__ import annotations

import io
import re
import zlib

import openpyxl


def pdf_text(data: bytes) -> str:
    """Every string the PDF draws (core fonts: `(text) Tj` in deflated content streams)."""
    assert data.startswith(b"%PDF-")
    found = []
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.DOTALL):
        try:
            content = zlib.decompress(stream.group(1))
        except zlib.error:
            continue
        for text in re.finditer(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", content):
            found.append(re.sub(rb"\\([()\\])", rb"\1", text.group(1)).decode("latin-1"))
    return "\n".join(found)


def xlsx_text(data: bytes) -> str:
    """Every sheet name and cell of a workbook, one row per line."""
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    lines = []
    for sheet in book.worksheets:
        lines.append(sheet.title)
        for row in sheet.iter_rows(values_only=True):
            lines.append("\t".join("" if v is None else str(v) for v in row))
    return "\n".join(lines)


def document_text(content_type: str, data: bytes) -> str:
    """The text of a response body, whatever kind of document it is."""
    if content_type.startswith("application/pdf"):
        return pdf_text(data)
    if "spreadsheetml" in content_type:
        return xlsx_text(data)
    return data.decode("utf-8")
