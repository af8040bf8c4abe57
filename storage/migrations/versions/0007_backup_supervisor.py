"""backup supervisor

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 19:50:14.901963
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("backup_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_people_backup_id", "people", ["backup_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_constraint("fk_people_backup_id", type_="foreignkey")
        batch_op.drop_column("backup_id")
