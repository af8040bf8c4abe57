"""The dashboard's views (Pendamping, Konsultasi, Kasus KPM, ...): one page, one CSV per table and
one XLSX per view, for every entry of `handlers.reports.registry`. The registry says which roles
may open a view; the view's queries are narrowed to the viewer's scope by the access policy.

Filters live in the query string (`from`, `to`, `kabupaten`, `kecamatan`, `page` and the view's
own number options), so a filtered page can be bookmarked and its exports carry the same filters.
A kabupaten or kecamatan outside the viewer's scope is refused, never silently emptied.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from markupsafe import Markup
from sqlalchemy.orm import Session

from bot.dashboard.deps import DashboardError, StaffViewer, reader_of, templates
from bot.render import charts, xlsx
from bot.render.cells import NUMERIC, plain, shown
from handlers.reports import registry, scope
from handlers.reports.query import ViewQuery
from handlers.reports.registry import ViewSpec
from handlers.reports.shapes import Kind, View
from storage.models import Person

router = APIRouter()
NOT_YOURS = "Halaman ini tidak tersedia untuk peran Anda."
OUTSIDE = "Wilayah yang diminta berada di luar cakupan Anda."
NO_TABLE = "Tabel yang diminta tidak ada di halaman ini."
BAD_DATES = "Tanggal awal harus sebelum tanggal akhir."
CSV_BATCH = 200


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _number(value: str | None, default: int, low: int, high: int) -> int:
    try:
        return min(max(int(value or default), low), high)
    except ValueError:
        return default


def parse_query(
    request: Request, session: Session, reader: Person, spec: ViewSpec, now: datetime
) -> tuple[ViewQuery, dict[str, list[str]]]:
    """The view's question from the query string, refused when it leaves the reader's scope."""
    if not registry.may_open(reader, spec):
        raise DashboardError(403, NOT_YOURS)
    params = request.query_params
    places = scope.places(session, reader)
    kabupaten = params.get("kabupaten", "")[:100]
    kecamatan = params.get("kecamatan", "")[:100]
    if kabupaten and kabupaten not in places:
        raise DashboardError(404, OUTSIDE)
    known = places.get(kabupaten, []) if kabupaten else [k for ks in places.values() for k in ks]
    if kecamatan and kecamatan not in known:
        raise DashboardError(404, OUTSIDE)
    first, last = _day(params.get("from")), _day(params.get("to"))
    if first and last and first > last:
        raise DashboardError(400, BAD_DATES)
    options = {o.key: _number(params.get(o.key), o.default, o.low, o.high) for o in spec.options}
    query = ViewQuery(
        reader,
        now,
        date_from=first,
        date_to=last,
        kabupaten=kabupaten,
        kecamatan=kecamatan,
        page=_number(params.get("page"), 1, 1, 1_000_000),
        options=options,
    )
    return query, places


def filters_of(q: ViewQuery, spec: ViewSpec, **change: Any) -> str:
    """The query string that asks `q` again (with `change` applied)."""
    values: dict[str, Any] = {
        "from": q.date_from.isoformat() if q.date_from else "",
        "to": q.date_to.isoformat() if q.date_to else "",
        "kabupaten": q.kabupaten,
        "kecamatan": q.kecamatan,
        "page": q.page if q.page > 1 else "",
    }
    values.update({o.key: q.options.get(o.key, o.default) for o in spec.options})
    values.update(change)
    return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def _page_context(view: View, q: ViewQuery, spec: ViewSpec) -> dict[str, Any]:
    zone = q.zone
    titles = {table.key: table.title for table in view.tables}
    return {
        "figures": [(f.label, shown(f.value, f.kind, zone)) for f in view.figures],
        "charts": [
            {
                "title": c.title,
                "svg": Markup(charts.svg(c, titles.get(c.table, ""), zone=zone)),
                "table": c.table,
            }
            for c in view.charts
        ],
        "tables": [
            {
                "key": t.key,
                "title": t.title,
                "note": t.note,
                "columns": t.columns,
                "numeric": [c.kind in NUMERIC for c in t.columns],
                "rows": [
                    [shown(v, c.kind, zone) for v, c in zip(row, t.columns, strict=True)]
                    for row in t.rows
                ],
                "total": t.total if t.total is not None else len(t.rows),
                "page": t.page,
                "pages": t.pages,
                "previous": filters_of(q, spec, page=t.page - 1) if t.page > 1 else None,
                "next": filters_of(q, spec, page=t.page + 1) if t.page < t.pages else None,
                "csv": filters_of(q, spec, page="", tabel=t.key),
            }
            for t in view.tables
        ],
    }


def _show(request: Request, viewer: Any, spec: ViewSpec) -> HTMLResponse:
    rt = request.app.state.runtime
    with rt.sessions() as session:
        reader = reader_of(session, viewer)
        q, places = parse_query(request, session, reader, spec, rt.ctx.clock())
        view = spec.build(session, q)
        context = {
            "viewer": viewer,
            "spec": spec,
            "q": q,
            "places": places,
            "period": f"{shown(q.first_day, Kind.DATE)} – {shown(q.last_day, Kind.DATE)}",
            "xlsx_query": filters_of(q, spec, page=""),
            **_page_context(view, q, spec),
        }
    return templates.TemplateResponse(request, "dashboard/view.html", context)


def _whole(request: Request, viewer: Any, spec: ViewSpec) -> tuple[View, ViewQuery]:
    """The view with every row of its paged tables, for an export."""
    rt = request.app.state.runtime
    with rt.sessions() as session:
        reader = reader_of(session, viewer)
        q, _ = parse_query(request, session, reader, spec, rt.ctx.clock())
        q = replace(q, everything=True)
        return spec.build(session, q), q


def _file_name(spec: ViewSpec, q: ViewQuery, suffix: str) -> str:
    return f"{spec.slug}-{q.first_day:%Y%m%d}-{q.last_day:%Y%m%d}{suffix}"


def _csv(request: Request, viewer: Any, spec: ViewSpec) -> StreamingResponse:
    view, q = _whole(request, viewer, spec)
    wanted = request.query_params.get("tabel", view.tables[0].key if view.tables else "")
    table = next((t for t in view.tables if t.key == wanted), None)
    if table is None:
        raise DashboardError(404, NO_TABLE)
    zone = q.zone

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")
        writer.writerow([c.label for c in table.columns])
        for count, row in enumerate(table.rows, 1):
            writer.writerow(
                [plain(v, c.kind, zone) for v, c in zip(row, table.columns, strict=True)]
            )
            if count % CSV_BATCH == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    response = StreamingResponse(lines(), media_type="text/csv; charset=utf-8")
    name = _file_name(spec, q, f"-{table.key}.csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _xlsx(request: Request, viewer: Any, spec: ViewSpec) -> Response:
    view, q = _whole(request, viewer, spec)
    handle = xlsx.temporary()
    book = xlsx.open_workbook(handle)
    xlsx.write_view(book, view, q.zone, set())
    book.close()
    response = StreamingResponse(xlsx.stream_file(handle), media_type=xlsx.MEDIA_TYPE)
    name = _file_name(spec, q, ".xlsx")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _install(spec: ViewSpec) -> None:
    def page(request: Request, viewer: StaffViewer) -> HTMLResponse:
        return _show(request, viewer, spec)

    def as_csv(request: Request, viewer: StaffViewer) -> Response:
        return _csv(request, viewer, spec)

    def as_xlsx(request: Request, viewer: StaffViewer) -> Response:
        return _xlsx(request, viewer, spec)

    path = f"/dasbor/{spec.slug}"
    router.add_api_route(path, page, methods=["GET"], response_class=HTMLResponse)
    router.add_api_route(path + ".csv", as_csv, methods=["GET"])
    router.add_api_route(path + ".xlsx", as_xlsx, methods=["GET"])


for _spec in registry.VIEWS:
    _install(_spec)
