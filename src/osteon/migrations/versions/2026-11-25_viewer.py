"""Viewer: per-study annotation sets and per-user window/level presets.

Revision ID: 20261125_viewer
Revises: 20261125_0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "20261125_viewer"
down_revision = "20261125_0001"
branch_labels = ("viewer",)
depends_on = None


def _ts(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "viewer_study_annotations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("study_instance_uid", sa.String(64), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("annotations", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("updated_by_name", sa.String(100), nullable=False),
        _ts("created_at"), _ts("updated_at"),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"],
                                name=op.f("fk_viewer_study_annotations_patient_id_patients")),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"],
                                name=op.f("fk_viewer_study_annotations_updated_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_viewer_study_annotations")),
        sa.UniqueConstraint("study_instance_uid", name=op.f("uq_viewer_study_annotations_study_instance_uid")),
    )
    op.create_index(op.f("ix_viewer_study_annotations_patient_id"), "viewer_study_annotations", ["patient_id"])
    op.create_table(
        "viewer_presets",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("presets", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _ts("created_at"), _ts("updated_at"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_viewer_presets_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_viewer_presets")),
        sa.UniqueConstraint("user_id", name=op.f("uq_viewer_presets_user_id")),
    )


def downgrade() -> None:
    op.drop_table("viewer_presets")
    op.drop_index(op.f("ix_viewer_study_annotations_patient_id"), table_name="viewer_study_annotations")
    op.drop_table("viewer_study_annotations")
