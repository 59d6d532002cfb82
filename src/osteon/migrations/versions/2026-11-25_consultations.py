"""Remote consultation (会诊): requests, consent, shared items, participants, status history, reports, chat.

Revision ID: 20261125_consultations
Revises: 20261125_0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "20261125_consultations"
down_revision = "20261125_0001"
branch_labels = ("consultations",)
depends_on = None

TS = sa.DateTime(timezone=True)


def _id() -> sa.Column:
    return sa.Column("id", sa.Uuid(), nullable=False)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade() -> None:
    t = "consultations"
    op.create_table(
        t, _id(),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("requester_id", sa.Uuid(), nullable=False),
        sa.Column("requesting_institution_id", sa.Uuid(), nullable=False),
        sa.Column("target_institution_id", sa.Uuid(), nullable=False),
        sa.Column("target_department_id", sa.Uuid(), nullable=True),
        sa.Column("subspecialty", sa.String(32), nullable=False),
        sa.Column("preferred_expert_id", sa.Uuid(), nullable=True),
        sa.Column("expert_id", sa.Uuid(), nullable=True),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("urgency", sa.String(16), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("scheduled_at", TS, nullable=True),
        sa.Column("proposed_times", sa.JSON(), nullable=False),
        sa.Column("proposal_note", sa.Text(), nullable=False),
        sa.Column("decline_reason", sa.Text(), nullable=False),
        sa.Column("cancel_reason", sa.Text(), nullable=False),
        sa.Column("sla_due_at", TS, nullable=False),
        sa.Column("responded_at", TS, nullable=True),
        sa.Column("started_at", TS, nullable=True),
        sa.Column("reported_at", TS, nullable=True),
        sa.Column("closed_at", TS, nullable=True),
        sa.Column("cancelled_at", TS, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        _fk(t, "patient_id", "patients"), _fk(t, "requester_id", "users"),
        _fk(t, "requesting_institution_id", "institutions"), _fk(t, "target_institution_id", "institutions"),
        _fk(t, "target_department_id", "departments"), _fk(t, "preferred_expert_id", "users"), _fk(t, "expert_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultations")),
    )
    op.create_index(op.f("ix_consultations_patient_id"), t, ["patient_id"])
    op.create_index(op.f("ix_consultations_requester_id"), t, ["requester_id"])
    op.create_index(op.f("ix_consultations_expert_id"), t, ["expert_id"])
    op.create_index("ix_consultations_target_status", t, ["target_institution_id", "status"])
    op.create_index("ix_consultations_requesting_status", t, ["requesting_institution_id", "status"])

    t = "consultation_consents"
    op.create_table(
        t, _id(),
        sa.Column("consultation_id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("given_by", sa.String(16), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recording", sa.Boolean(), nullable=False),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        _fk(t, "consultation_id", "consultations"), _fk(t, "patient_id", "patients"), _fk(t, "recorded_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("consultation_id", name=op.f(f"uq_{t}_consultation_id")),
    )

    t = "consultation_shared_items"
    op.create_table(
        t, _id(),
        sa.Column("consultation_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("ref", sa.String(100), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        _fk(t, "consultation_id", "consultations"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("consultation_id", "kind", "ref", name=op.f(f"uq_{t}_consultation_id_kind_ref")),
    )
    op.create_index(op.f(f"ix_{t}_consultation_id"), t, ["consultation_id"])

    t = "consultation_participants"
    op.create_table(
        t, _id(),
        sa.Column("consultation_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("invited_by_id", sa.Uuid(), nullable=True),
        sa.Column("added_at", TS, nullable=False),
        sa.Column("removed_at", TS, nullable=True),
        _fk(t, "consultation_id", "consultations"), _fk(t, "user_id", "users"), _fk(t, "invited_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("consultation_id", "user_id", name=op.f(f"uq_{t}_consultation_id_user_id")),
    )
    op.create_index(op.f(f"ix_{t}_consultation_id"), t, ["consultation_id"])
    op.create_index(op.f(f"ix_{t}_user_id"), t, ["user_id"])

    t = "consultation_events"
    op.create_table(
        t, _id(),
        sa.Column("consultation_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_name", sa.String(100), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_status", sa.String(20), nullable=True),
        sa.Column("to_status", sa.String(20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        _fk(t, "consultation_id", "consultations"), _fk(t, "actor_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("consultation_id", "seq", name=op.f(f"uq_{t}_consultation_id_seq")),
    )

    t = "consultation_reports"
    op.create_table(
        t, _id(),
        sa.Column("consultation_id", sa.Uuid(), nullable=False),
        sa.Column("amends_id", sa.Uuid(), nullable=True),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("assessment", sa.Text(), nullable=False),
        sa.Column("diagnosis_text", sa.Text(), nullable=False),
        sa.Column("icd10_codes", sa.JSON(), nullable=False),
        sa.Column("recommendation", sa.Text(), nullable=False),
        sa.Column("transfer_advised", sa.Boolean(), nullable=False),
        sa.Column("surgery_advised", sa.Boolean(), nullable=False),
        sa.Column("preop_plan", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("signed_at", TS, nullable=True),
        sa.Column("signed_by_id", sa.Uuid(), nullable=True),
        sa.Column("signed_by_name", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        _fk(t, "consultation_id", "consultations"), _fk(t, "amends_id", "consultation_reports"),
        _fk(t, "author_id", "users"), _fk(t, "signed_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
    )
    op.create_index(op.f(f"ix_{t}_consultation_id"), t, ["consultation_id"])

    t = "consultation_attachments"
    op.create_table(
        t, _id(),
        sa.Column("consultation_id", sa.Uuid(), nullable=False),
        sa.Column("uploaded_by_id", sa.Uuid(), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        _fk(t, "consultation_id", "consultations"), _fk(t, "uploaded_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
    )
    op.create_index(op.f(f"ix_{t}_consultation_id"), t, ["consultation_id"])

    t = "consultation_messages"
    op.create_table(
        t, _id(),
        sa.Column("consultation_id", sa.Uuid(), nullable=False),
        sa.Column("sender_id", sa.Uuid(), nullable=False),
        sa.Column("sender_name", sa.String(100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("attachment_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        _fk(t, "consultation_id", "consultations"), _fk(t, "sender_id", "users"),
        _fk(t, "attachment_id", "consultation_attachments"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
    )
    op.create_index("ix_consultation_messages_consultation_at", t, ["consultation_id", "created_at"])


def downgrade() -> None:
    for t in ("consultation_messages", "consultation_attachments", "consultation_reports", "consultation_events",
              "consultation_participants", "consultation_shared_items", "consultation_consents", "consultations"):
        op.drop_table(t)
