"""(being written)"""

from __future__ import annotations

from sqlalchemy.orm import Session

from handlers.reports.query import NumberOption, ViewQuery
from handlers.reports.shapes import View

KEY = "cases"
OPTIONS: tuple[NumberOption, ...] = ()


def build(session: Session, q: ViewQuery) -> View:
    return View(KEY, KEY)
