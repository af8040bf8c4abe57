"""outbox: index unsent rows by channel and address, for the per-address send order

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UNSENT_ROWS = "status IN ('pending', 'sending')"


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_unsent_by_address",
            ["channel", "address", "id"],
            unique=False,
            postgresql_where=sa.text(UNSENT_ROWS),
            sqlite_where=sa.text(UNSENT_ROWS),
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_unsent_by_address")
