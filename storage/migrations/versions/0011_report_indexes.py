"""indexes for the dashboard's views: the times they filter on, complaint status, place and
assignee, and per person and time for counts in a period and the latest activity

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
)
# (name, table, columns): per person and time, for "how many in the period" and "the latest".
COMPOSITE = (
    ("ix_complaints_kabupaten_created", "complaints", ["kabupaten", "created_at"]),
    ("ix_complaints_handler_created", "complaints", ["handler_id", "created_at"]),
    ("ix_consultations_pendamping_created", "consultations", ["pendamping_id", "created_at"]),
    ("ix_cases_pendamping_last_update", "cases", ["pendamping_id", "last_update_at"]),
    ("ix_case_updates_case_created", "case_updates", ["case_id", "created_at"]),
    ("ix_p2k2_reports_pendamping_created", "p2k2_reports", ["pendamping_id", "created_at"]),
)


def upgrade() -> None:
    for table, column in INDEXES:
        op.create_index(f"ix_{table}_{column}", table, [column], unique=False)
    for name, table, columns in COMPOSITE:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _columns in reversed(COMPOSITE):
        op.drop_index(name, table_name=table)
    for table, column in reversed(INDEXES):
        op.drop_index(f"ix_{table}_{column}", table_name=table)
