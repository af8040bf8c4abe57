"""SQL constructs SQLAlchemy does not offer as such."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, ColumnElement, Select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class in_subquery(FunctionElement[bool]):
    """`column IN (subquery)`, written so that PostgreSQL can use an index on the column even
    when the test is one branch of an OR.

    PostgreSQL runs `x = 1 OR y IN (SELECT …)` as a hashed subplan over a sequential scan: on
    1,000,000 complaints a supervisor's "handled by me or given to one of my pendamping" read
    every row (426 ms). `y = ANY(ARRAY(SELECT …))` evaluates the subquery once and leaves an
    indexable condition, so both branches become bitmap index scans (24 ms). SQLite serves
    `IN (subquery)` inside an OR from an index already."""

    type = Boolean()
    name = "in_subquery"
    inherit_cache = True

    def __init__(self, column: ColumnElement[Any], query: Select[Any]) -> None:
        super().__init__(column, query.scalar_subquery())


@compiles(in_subquery)
def _in(element: in_subquery, compiler: SQLCompiler, **kw: Any) -> str:
    column, query = element.clauses
    return f"{compiler.process(column, **kw)} IN {compiler.process(query, **kw)}"


@compiles(in_subquery, "postgresql")
def _any_array(element: in_subquery, compiler: SQLCompiler, **kw: Any) -> str:
    column, query = element.clauses
    return f"{compiler.process(column, **kw)} = ANY(ARRAY{compiler.process(query, **kw)})"
