"""trust boundaries: korwil's province, complaint assignee and conduct flags, case codes

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 07:40:00
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# Frozen here: the migration must not change when the application's alphabet does.
_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("provinsi", sa.String(length=100), nullable=False, server_default="")
        )
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assignee_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("about_conduct", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("named_pendamping_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_complaints_assignee_id", "people", ["assignee_id"], ["id"])
        batch_op.create_foreign_key(
            "fk_complaints_named_pendamping_id", "people", ["named_pendamping_id"], ["id"]
        )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code", sa.String(length=16), nullable=True))
        batch_op.add_column(
            sa.Column("label", sa.String(length=60), nullable=False, server_default="")
        )
        batch_op.create_unique_constraint("uq_cases_code", ["code"])

    connection = op.get_bind()
    connection.execute(
        sa.text("UPDATE complaints SET about_conduct = (category = 'perilaku_pendamping')")
    )
    # A complaint a pendamping took used to make her its handler: she becomes its assignee and
    # her supervisor the handler, so it stays in the supervisor's and korkab's lists and clocks.
    connection.execute(
        sa.text(
            "UPDATE complaints SET assignee_id = handler_id, handler_id = ("
            " SELECT supervisor_id FROM people WHERE people.id = complaints.handler_id)"
            " WHERE handler_id IN (SELECT id FROM people WHERE role = 'pendamping')"
        )
    )
    for (case_id,) in connection.execute(sa.text("SELECT id FROM cases ORDER BY id")).all():
        code = "KS-" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(6))
        connection.execute(
            sa.text("UPDATE cases SET code = :code WHERE id = :id"), {"code": code, "id": case_id}
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint("uq_cases_code", type_="unique")
        batch_op.drop_column("label")
        batch_op.drop_column("code")
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_constraint("fk_complaints_named_pendamping_id", type_="foreignkey")
        batch_op.drop_constraint("fk_complaints_assignee_id", type_="foreignkey")
        batch_op.drop_column("named_pendamping_id")
        batch_op.drop_column("about_conduct")
        batch_op.drop_column("assignee_id")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("provinsi")
