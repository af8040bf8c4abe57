"""Which views exist, in which order the menu shows them, and which roles may open each.

This is the one place a view's audience is declared; the dashboard's routes, its menu, the
exports and the monthly report all ask `views_for`/`may_open`. What a view then shows is narrowed
further by the access policy (see `scope.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from conversations.catalog import load_catalog
from handlers.reports import (
    cases,
    complaints,
    consultations,
    kabupaten,
    p2k2,
    pendamping,
    stories,
    supervision,
    workload,
)
from handlers.reports.query import NumberOption, ViewQuery
from handlers.reports.shapes import View
from storage.models import Person
from storage.vocabulary import Role

STAFF = frozenset(Role) - {Role.PENDAMPING}
EVERYONE = frozenset(Role)
COORDINATORS = frozenset({Role.KORKAB, Role.KORWIL, Role.ADMIN})
PROVINCE = frozenset({Role.KORWIL, Role.ADMIN})


@dataclass(frozen=True)
class ViewSpec:
    slug: str  # the page's address: /dasbor/<slug>; its title is `view_title.<slug>`
    roles: frozenset[str]
    build: Callable[[Session, ViewQuery], View]
    options: tuple[NumberOption, ...] = ()
    in_monthly_report: bool = True

    @property
    def title(self) -> str:
        return load_catalog("id")(f"view_title.{self.slug}")


VIEWS: tuple[ViewSpec, ...] = (
    ViewSpec("pendamping", STAFF, pendamping.build),
    ViewSpec("konsultasi", EVERYONE, consultations.build),
    ViewSpec("ringkasan-pengaduan", STAFF, complaints.build),
    ViewSpec("kasus", EVERYONE, cases.build, cases.OPTIONS),
    ViewSpec("p2k2", EVERYONE, p2k2.build),
    ViewSpec("supervisi", EVERYONE, supervision.build),
    ViewSpec("beban-kerja", COORDINATORS, workload.build),
    ViewSpec("perbandingan-kabupaten", PROVINCE, kabupaten.build),
    ViewSpec("cerita-terpilih", STAFF, stories.build, in_monthly_report=False),
)
BY_SLUG = {spec.slug: spec for spec in VIEWS}


def may_open(reader: Person, spec: ViewSpec) -> bool:
    return reader.active and reader.role in spec.roles


def views_for(reader: Person) -> list[ViewSpec]:
    return [spec for spec in VIEWS if may_open(reader, spec)]
