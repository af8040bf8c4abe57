"""cases.stage_since: when a case entered its current stage, kept by each update, so the
dashboard finds cases stuck in a stage with one indexed comparison

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 11:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# The first update in the current stage with no update in another stage after it, else the
# case's opening: what the dashboard computed on every read before this column.
BACKFILL = """
UPDATE cases SET stage_since = COALESCE(
    (SELECT MIN(u.created_at) FROM case_updates u
     WHERE u.case_id = cases.id AND u.stage = cases.stage
       AND NOT EXISTS (SELECT 1 FROM case_updates o
                       WHERE o.case_id = cases.id AND o.stage <> cases.stage
                         AND o.created_at > u.created_at)),
    cases.created_at)
"""


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch_op:
        batch_op.add_column(sa.Column("stage_since", sa.DateTime(timezone=True), nullable=True))
    op.execute(BACKFILL)
    op.create_index("ix_cases_status_stage_since", "cases", ["status", "stage_since"])


def downgrade() -> None:
    op.drop_index("ix_cases_status_stage_since", table_name="cases")
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_column("stage_since")
