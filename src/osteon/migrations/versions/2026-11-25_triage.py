"""Triage: persisted pre-visit interviews (预问诊).

Revision ID: 20261125_triage
Revises: 20261125_0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "20261125_triage"
down_revision = "20261125_0001"
branch_labels = ("triage",)
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    """A UTC timestamp column."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    """Create triage_interviews."""
    op.create_table(
        "triage_interviews",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("transcript", sa.JSON(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("appointment_id", sa.Uuid(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.Column("department", sa.String(32), nullable=False),
        sa.Column("urgency", sa.String(16), nullable=False),
        sa.Column("red_flags", sa.JSON(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        _ts("finished_at", nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _ts("created_at"), _ts("updated_at"),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"], name=op.f("fk_triage_interviews_patient_id_patients")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_triage_interviews_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_interviews")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_triage_interviews_token_hash")),
    )
    op.create_index("ix_triage_interviews_patient_created", "triage_interviews", ["patient_id", "created_at"])
    op.create_index(op.f("ix_triage_interviews_appointment_id"), "triage_interviews", ["appointment_id"])


def downgrade() -> None:
    """Drop triage_interviews."""
    op.drop_index(op.f("ix_triage_interviews_appointment_id"), table_name="triage_interviews")
    op.drop_index("ix_triage_interviews_patient_created", table_name="triage_interviews")
    op.drop_table("triage_interviews")
