"""supervision agreements, sessions, responses, scheduled messages

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 19:15:57.890527
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "supervision_agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supervisor_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("cadence_days", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("local_time", sa.String(length=5), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["people.id"],
        ),
        sa.ForeignKeyConstraint(
            ["supervisor_id"],
            ["people.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("supervision_agreements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_supervision_agreements_supervisor_id"), ["supervisor_id"], unique=False
        )

    op.create_table(
        "agreement_participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("counter", sa.String(length=200), nullable=True),
        sa.Column("responded_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["supervision_agreements.id"], ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agreement_id", "person_id"),
    )
    with op.batch_alter_table("agreement_participants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agreement_participants_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "supervision_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("occurrence", sa.Integer(), nullable=False),
        sa.Column("planned_for", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("starts_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("holiday_name", sa.String(length=200), nullable=True),
        sa.Column("held", sa.Boolean(), nullable=True),
        sa.Column("attendee_ids", sa.JSON(), nullable=False),
        sa.Column("functions", sa.JSON(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("followup", sa.Text(), nullable=True),
        sa.Column("followup_on", sa.Date(), nullable=True),
        sa.Column("recorded_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["supervision_agreements.id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agreement_id", "occurrence"),
    )
    with op.batch_alter_table("supervision_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_supervision_sessions_starts_at"), ["starts_at"], unique=False
        )

    op.create_table(
        "scheduled_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("due_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("sent_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["session_id"], ["supervision_sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("scheduled_messages", schema=None) as batch_op:
        batch_op.create_index("ix_scheduled_messages_due", ["status", "due_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_scheduled_messages_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "session_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("response", sa.String(length=20), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("attended", sa.Boolean(), nullable=True),
        sa.Column("responded_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
        ),
        sa.ForeignKeyConstraint(["session_id"], ["supervision_sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id", "person_id"),
    )


def downgrade() -> None:
    op.drop_table("session_responses")
    with op.batch_alter_table("scheduled_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scheduled_messages_session_id"))
        batch_op.drop_index("ix_scheduled_messages_due")

    op.drop_table("scheduled_messages")
    with op.batch_alter_table("supervision_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supervision_sessions_starts_at"))

    op.drop_table("supervision_sessions")
    with op.batch_alter_table("agreement_participants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agreement_participants_person_id"))

    op.drop_table("agreement_participants")
    with op.batch_alter_table("supervision_agreements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supervision_agreements_supervisor_id"))

    op.drop_table("supervision_agreements")
