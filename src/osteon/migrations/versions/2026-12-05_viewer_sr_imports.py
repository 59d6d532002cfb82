"""Viewer: measurements imported from DICOM SRs other workstations sent (one row per SR read).

Revision ID: 20261205_viewer_sr_imports
Revises: 20261125_viewer
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "20261205_viewer_sr_imports"
down_revision = "20261125_viewer"
branch_labels = None
depends_on = None


def _ts(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "viewer_sr_imports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("sr_instance_uid", sa.String(64), nullable=False),
        sa.Column("study_instance_uid", sa.String(64), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("observer_name", sa.String(100), nullable=False),
        sa.Column("content_date", sa.Date(), nullable=True),
        sa.Column("annotations", sa.JSON(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("waiting", sa.Integer(), nullable=False),
        sa.Column("study_instances", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(200), nullable=False),
        _ts("created_at"), _ts("updated_at"),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"], name=op.f("fk_viewer_sr_imports_patient_id_patients")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_viewer_sr_imports")),
        sa.UniqueConstraint("sr_instance_uid", name=op.f("uq_viewer_sr_imports_sr_instance_uid")),
    )
    op.create_index(op.f("ix_viewer_sr_imports_study_instance_uid"), "viewer_sr_imports", ["study_instance_uid"])
    op.create_index(op.f("ix_viewer_sr_imports_patient_id"), "viewer_sr_imports", ["patient_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_viewer_sr_imports_patient_id"), table_name="viewer_sr_imports")
    op.drop_index(op.f("ix_viewer_sr_imports_study_instance_uid"), table_name="viewer_sr_imports")
    op.drop_table("viewer_sr_imports")
