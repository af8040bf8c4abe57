"""The tick at national scale: a planning watermark on agreements and partial indexes on due
times, so a tick's cost follows the work due, not everything stored

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 13:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

WAITING_MESSAGES = "status = 'menunggu'"
ACTIVE_AGREEMENTS = "status = 'aktif'"
STALE_CANDIDATES = (
    "status = 'aktif' AND (stale_flagged_at IS NULL OR stale_flagged_at < last_update_at)"
)
WAITING_CONSULTATIONS = "status = 'menunggu'"
OPEN_COMPLAINT_ROWS = "status IN ('baru', 'diterima', 'diproses')"


def _partial(name: str, table: str, columns: list[str], where: str) -> None:
    op.create_index(
        name,
        table,
        columns,
        postgresql_where=sa.text(where),
        sqlite_where=sa.text(where),
    )


def upgrade() -> None:
    # Plain ADD COLUMN (see 0014): NULL means "plan at the next tick", so rows already stored
    # are planned once more by the first tick, exactly as before.
    op.add_column(
        "supervision_agreements",
        sa.Column("plan_due_at", sa.DateTime(timezone=True), nullable=True),
    )
    _partial(
        "ix_supervision_agreements_plan_due",
        "supervision_agreements",
        ["plan_due_at"],
        ACTIVE_AGREEMENTS,
    )
    _partial(
        "ix_scheduled_messages_waiting", "scheduled_messages", ["due_at", "id"], WAITING_MESSAGES
    )
    op.create_index("ix_scheduled_messages_kind_due", "scheduled_messages", ["kind", "due_at"])
    _partial("ix_cases_stale_due", "cases", ["last_update_at"], STALE_CANDIDATES)
    _partial(
        "ix_consultations_escalation_due",
        "consultations",
        ["next_escalation_at"],
        WAITING_CONSULTATIONS,
    )
    _partial("ix_complaints_sla_due", "complaints", ["next_sla_check_at"], OPEN_COMPLAINT_ROWS)
    op.create_index("ix_people_role_place", "people", ["role", "kabupaten", "kecamatan"])
    op.create_index("ix_people_supervisor", "people", ["supervisor_id"])


def downgrade() -> None:
    op.drop_index("ix_people_supervisor", table_name="people")
    op.drop_index("ix_people_role_place", table_name="people")
    op.drop_index("ix_complaints_sla_due", table_name="complaints")
    op.drop_index("ix_consultations_escalation_due", table_name="consultations")
    op.drop_index("ix_cases_stale_due", table_name="cases")
    op.drop_index("ix_scheduled_messages_kind_due", table_name="scheduled_messages")
    op.drop_index("ix_scheduled_messages_waiting", table_name="scheduled_messages")
    op.drop_index("ix_supervision_agreements_plan_due", table_name="supervision_agreements")
    op.drop_column("supervision_agreements", "plan_due_at")
