"""(being written)"""

from __future__ import annotations

from sqlalchemy.orm import Session

from handlers.reports.query import ViewQuery
from handlers.reports.shapes import View

KEY = "kabupaten"


def build(session: Session, q: ViewQuery) -> View:
    return View(KEY, KEY)
