"""consultation agreements, notes and action prompts

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 18:59:20.889751
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "action_prompts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=16), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("created_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token"),
    )
    with op.batch_alter_table("action_prompts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_action_prompts_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "consultation_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["people.id"],
        ),
        sa.ForeignKeyConstraint(["consultation_id"], ["consultations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("consultations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("preferred_time", sa.String(length=100), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("proposed_time", sa.String(length=100), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column(
                "proposed_by", sa.String(length=20), nullable=False, server_default="pendamping"
            )
        )
        batch_op.add_column(sa.Column("agreed_time", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("agreed_mode", sa.String(length=20), nullable=True))
        batch_op.add_column(
            sa.Column("agreed_at", storage.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("acknowledged_at", storage.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("decline_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("outcome", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("closed_at", storage.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("escalation_stage", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column(
                "next_escalation_at", storage.models.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.create_index(
            batch_op.f("ix_consultations_next_escalation_at"), ["next_escalation_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("consultations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultations_next_escalation_at"))
        batch_op.drop_column("next_escalation_at")
        batch_op.drop_column("escalation_stage")
        batch_op.drop_column("closed_at")
        batch_op.drop_column("outcome")
        batch_op.drop_column("decline_reason")
        batch_op.drop_column("acknowledged_at")
        batch_op.drop_column("agreed_at")
        batch_op.drop_column("agreed_mode")
        batch_op.drop_column("agreed_time")
        batch_op.drop_column("proposed_by")
        batch_op.drop_column("proposed_time")
        batch_op.drop_column("preferred_time")

    op.drop_table("consultation_notes")
    with op.batch_alter_table("action_prompts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_prompts_person_id"))

    op.drop_table("action_prompts")
