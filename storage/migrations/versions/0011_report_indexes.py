"""indexes for the dashboard's views: the times they filter on, complaint status, place and
assignee

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 11:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

INDEXES = (
    ("complaints", "status"),
    ("complaints", "created_at"),
    ("complaints", "assignee_id"),
    ("complaints", "handler_id"),
    ("complaints", "kabupaten"),
    ("case_updates", "created_at"),
    ("p2k2_reports", "created_at"),
    ("consultations", "created_at"),
    ("consultations", "pendamping_id"),
)


def upgrade() -> None:
    for table, column in INDEXES:
        op.create_index(f"ix_{table}_{column}", table, [column], unique=False)


def downgrade() -> None:
    for table, column in reversed(INDEXES):
        op.drop_index(f"ix_{table}_{column}", table_name=table)
