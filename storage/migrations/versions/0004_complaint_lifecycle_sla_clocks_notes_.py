"""complaint lifecycle, SLA clocks, notes, status checks, public prompts

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 19:07:08.435512
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "status_check_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=100), nullable=False),
        sa.Column("ticket_code", sa.String(length=20), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("status_check_attempts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_status_check_attempts_address_at", ["address", "at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_status_check_attempts_ticket_code"), ["ticket_code"], unique=False
        )

    op.create_table(
        "complaint_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["people.id"],
        ),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaints.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("complaint_notes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complaint_notes_complaint_id"), ["complaint_id"], unique=False
        )

    with op.batch_alter_table("action_prompts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("address", sa.String(length=100), nullable=True))
        batch_op.alter_column("person_id", existing_type=sa.INTEGER(), nullable=True)

    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("attachments", sa.JSON(), nullable=False, server_default="{}")
        )
        batch_op.add_column(
            sa.Column("anonymous", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("urgent", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("field_verification", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("ack_due_at", storage.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("plan_due_at", storage.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("resolve_due_at", storage.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("acknowledged_at", storage.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("planned_at", storage.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("resolved_at", storage.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("plan", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("resolution", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("sla_level", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("next_sla_check_at", storage.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("rating", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("reopened_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_index(
            batch_op.f("ix_complaints_next_sla_check_at"), ["next_sla_check_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaints_next_sla_check_at"))
        batch_op.drop_column("reopened_count")
        batch_op.drop_column("rating")
        batch_op.drop_column("next_sla_check_at")
        batch_op.drop_column("sla_level")
        batch_op.drop_column("resolution")
        batch_op.drop_column("plan")
        batch_op.drop_column("resolved_at")
        batch_op.drop_column("planned_at")
        batch_op.drop_column("acknowledged_at")
        batch_op.drop_column("resolve_due_at")
        batch_op.drop_column("plan_due_at")
        batch_op.drop_column("ack_due_at")
        batch_op.drop_column("field_verification")
        batch_op.drop_column("urgent")
        batch_op.drop_column("anonymous")
        batch_op.drop_column("attachments")

    with op.batch_alter_table("action_prompts", schema=None) as batch_op:
        batch_op.alter_column("person_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("address")
        batch_op.drop_column("channel")

    with op.batch_alter_table("complaint_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_notes_complaint_id"))

    op.drop_table("complaint_notes")
    with op.batch_alter_table("status_check_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_status_check_attempts_ticket_code"))
        batch_op.drop_index("ix_status_check_attempts_address_at")

    op.drop_table("status_check_attempts")
