"""outbox: index unsent rows by channel and id, and by channel and due time, so a claim reads its
oldest due rows straight off one index and the rows not yet due (in flight, awaiting a retry) off
the other, instead of every unsent row of the channel

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 15:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

UNSENT_ROWS = "status IN ('pending', 'sending')"


def _unsent(name: str, columns: list[str]) -> None:
    op.create_index(
        name,
        "outbox",
        columns,
        postgresql_where=sa.text(UNSENT_ROWS),
        sqlite_where=sa.text(UNSENT_ROWS),
    )


def upgrade() -> None:
    _unsent("ix_outbox_claim", ["channel", "id"])
    _unsent("ix_outbox_waiting", ["channel", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_waiting", table_name="outbox")
    op.drop_index("ix_outbox_claim", table_name="outbox")
