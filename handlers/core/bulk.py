"""Rows a tick writes by the thousand (outbox rows, action prompts), written together.

Inside `together`, `keep` takes a row's plain values instead of an ORM object; on the way out
every kept row is written by one executemany INSERT per table, in the order kept. No ORM object
and no flush per row: queueing 5,000 reminders costs a few statements, not 5,000 objects."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

_KEPT = "bulk.kept"  # Session.info key: the rows kept so far, by table


@contextmanager
def together(session: Session) -> Iterator[None]:
    """Write the rows `keep` takes inside on the way out. Nothing inside may read them back.
    On an exception nothing is written (the caller's transaction is rolled back anyway)."""
    if _KEPT in session.info:  # already inside one: that one writes
        yield
        return
    kept: dict[Table, list[dict[str, Any]]] = {}
    session.info[_KEPT] = kept
    try:
        yield
    finally:
        del session.info[_KEPT]
    if kept:
        session.flush()  # rows added as ORM objects before keep the lower ids
        for table, rows in kept.items():
            session.execute(insert(table), rows)


def keep(session: Session, table: Table, values: dict[str, Any]) -> bool:
    """Take `values` for `table` if inside `together` (True); else the caller adds an object."""
    kept = session.info.get(_KEPT)
    if kept is None:
        return False
    kept.setdefault(table, []).append(values)
    return True
