"""Viewer: this installation's UID issuer, so two Osteons exporting SRs for the same study make different UIDs.

Revision ID: 20261208_viewer_uid_issuer
Revises: 20261205_viewer_sr_imports
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "20261208_viewer_uid_issuer"
down_revision = "20261205_viewer_sr_imports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # the row itself is made at the first SR export (viewer/repository.uid_issuer): a freshly migrated database stays
    # empty, so a backup can be restored into it with the installation's own issuer
    op.create_table(
        "viewer_uid_issuer",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("issuer", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_viewer_uid_issuer")),
        sa.UniqueConstraint("issuer", name=op.f("uq_viewer_uid_issuer_issuer")),
    )


def downgrade() -> None:
    op.drop_table("viewer_uid_issuer")
