"""Supervision practice (issue 13): kelayakan and terminasi on cases, referrals, the tool or
service a supervisor's advice names, the P2K2 plan, joint field visits and monitoring notes,
success stories, complaint case conferences, and the cases and P2K2 reports a session record
names

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 12:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)
FALSE = {"nullable": False, "server_default": sa.false()}


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), primary_key=True)


def _person(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey("people.id"), nullable=nullable)


def _created() -> sa.Column:
    return sa.Column("created_at", WHEN, nullable=False)


def upgrade() -> None:
    # Plain ADD COLUMN on every database: a batch copy of a table other tables point at
    # cannot drop the original once rows refer to it (SQLite checks foreign keys).
    added = {
        "people": [sa.Column("p2k2_report_digest", sa.Boolean(), **FALSE)],
        "complaints": [sa.Column("rule_broken", sa.Text(), nullable=True)],
        "cases": [
            sa.Column("needs_discussion", sa.Boolean(), **FALSE),
            sa.Column("closure_outcome", sa.String(30), nullable=True),
            sa.Column("closure_note", sa.Text(), nullable=True),
            sa.Column("closure_proposed_at", WHEN, nullable=True),
            sa.Column("closed_at", WHEN, nullable=True),
            sa.Column("followup_on", sa.Date(), nullable=True),
        ],
        "case_feedback": [
            sa.Column("tool", sa.String(30), nullable=True),
            sa.Column("service", sa.String(40), nullable=True),
        ],
    }
    for table, columns in added.items():
        for column in columns:
            op.add_column(table, column)
    if op.get_bind().dialect.name == "sqlite":  # Alembic cannot add a constraint there
        op.execute("ALTER TABLE cases ADD COLUMN closed_by_id INTEGER REFERENCES people (id)")
    else:
        op.add_column(
            "cases",
            sa.Column(
                "closed_by_id",
                sa.Integer(),
                sa.ForeignKey("people.id", name="fk_cases_closed_by_id_people"),
                nullable=True,
            ),
        )

    op.create_table(
        "case_referrals",
        _id(),
        sa.Column(
            "case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("service", sa.String(40), nullable=False),
        sa.Column("to_whom", sa.String(200), nullable=False),
        sa.Column("referred_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("status_changed_at", WHEN, nullable=False),
        sa.Column("reminded_at", WHEN, nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        _person("created_by_id"),
        _created(),
    )
    op.create_index("ix_case_referrals_case_id", "case_referrals", ["case_id"])
    op.create_index(
        "ix_case_referrals_status_changed", "case_referrals", ["status", "status_changed_at"]
    )

    op.create_table(
        "p2k2_plans",
        _id(),
        _person("pendamping_id"),
        sa.Column("group_name", sa.String(60), nullable=False),
        sa.Column("module", sa.String(30), nullable=False),
        sa.Column("session_no", sa.Integer(), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=False),
        _created(),
        sa.UniqueConstraint("pendamping_id", "group_name", "session_no"),
    )
    op.create_index("ix_p2k2_plans_pendamping_id", "p2k2_plans", ["pendamping_id"])

    op.create_table(
        "p2k2_field_visits",
        _id(),
        _person("supervisor_id"),
        _person("pendamping_id"),
        sa.Column("group_name", sa.String(60), nullable=False),
        sa.Column("starts_at", WHEN, nullable=False),
        sa.Column("place", sa.String(300), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("observation", sa.Text(), nullable=True),
        sa.Column("recorded_at", WHEN, nullable=True),
        _created(),
    )
    for column in ("supervisor_id", "pendamping_id", "starts_at"):
        op.create_index(f"ix_p2k2_field_visits_{column}", "p2k2_field_visits", [column])

    op.create_table(
        "p2k2_monitoring_notes",
        _id(),
        _person("supervisor_id"),
        _person("pendamping_id"),
        *(
            sa.Column(name, sa.Text(), nullable=True)
            for name in (
                "plan_discussed",
                "session_steps",
                "form_reviewed",
                "difficulties",
                "material_added",
            )
        ),
        _created(),
    )
    op.create_index(
        "ix_p2k2_monitoring_notes_pendamping_id", "p2k2_monitoring_notes", ["pendamping_id"]
    )

    op.create_table(
        "success_stories",
        _id(),
        _person("pendamping_id"),
        sa.Column(
            "case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("before", sa.Text(), nullable=False),
        sa.Column("change", sa.Text(), nullable=False),
        sa.Column("why_it_matters", sa.Text(), nullable=False),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("consent_at", WHEN, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        _person("reviewed_by_id", nullable=True),
        sa.Column("reviewed_at", WHEN, nullable=True),
        sa.Column("review_setting", sa.String(20), nullable=True),
        sa.Column("selected_reason", sa.Text(), nullable=True),
        _created(),
    )
    op.create_index("ix_success_stories_pendamping_id", "success_stories", ["pendamping_id"])
    op.create_index("ix_success_stories_created_at", "success_stories", ["created_at"])

    op.create_table(
        "complaint_conferences",
        _id(),
        sa.Column(
            "complaint_id",
            sa.Integer(),
            sa.ForeignKey("complaints.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _person("called_by_id"),
        _person("korkab_id", nullable=True),
        sa.Column("starts_at", WHEN, nullable=False),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("place", sa.String(300), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("recommendation", sa.Text(), nullable=True),
        sa.Column("mediation_outcome", sa.String(30), nullable=True),
        sa.Column("mediation_note", sa.Text(), nullable=True),
        sa.Column("recorded_at", WHEN, nullable=True),
        _created(),
    )
    op.create_index(
        "ix_complaint_conferences_complaint_id", "complaint_conferences", ["complaint_id"]
    )
    op.create_index("ix_complaint_conferences_starts_at", "complaint_conferences", ["starts_at"])

    op.create_table(
        "supervision_session_items",
        _id(),
        sa.Column(
            "session_id",
            sa.Integer(),
            sa.ForeignKey("supervision_sessions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=True
        ),
        sa.Column(
            "p2k2_report_id",
            sa.Integer(),
            sa.ForeignKey("p2k2_reports.id", ondelete="CASCADE"),
            nullable=True,
        ),
    )
    op.create_index(
        "ix_supervision_session_items_session_id", "supervision_session_items", ["session_id"]
    )
    op.create_index(
        "ix_supervision_session_items_case_id", "supervision_session_items", ["case_id"]
    )


def downgrade() -> None:
    for table in (
        "supervision_session_items",
        "complaint_conferences",
        "success_stories",
        "p2k2_monitoring_notes",
        "p2k2_field_visits",
        "p2k2_plans",
        "case_referrals",
    ):
        op.drop_table(table)
    with op.batch_alter_table("case_feedback") as batch_op:
        batch_op.drop_column("service")
        batch_op.drop_column("tool")
    with op.batch_alter_table("cases") as batch_op:
        for column in (
            "followup_on",
            "closed_by_id",
            "closed_at",
            "closure_proposed_at",
            "closure_note",
            "closure_outcome",
            "needs_discussion",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("complaints") as batch_op:
        batch_op.drop_column("rule_broken")
    with op.batch_alter_table("people") as batch_op:
        batch_op.drop_column("p2k2_report_digest")
