"""Scheduling: clinic sessions, slots, appointments, visit counters.

Revision ID: 20261125_scheduling
Revises: 20261125_0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "20261125_scheduling"
down_revision = "20261125_0001"
branch_labels = ("scheduling",)
depends_on = None

_ACTIVE = "status IN ('booked', 'checked_in', 'called')"


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "clinic_sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("institution_id", sa.Uuid(), nullable=False),
        sa.Column("department_id", sa.Uuid(), nullable=False),
        sa.Column("doctor_id", sa.Uuid(), nullable=False),
        sa.Column("session_date", sa.Date(), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        _ts("starts_at"), _ts("ends_at"),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("fee_category", sa.String(32), nullable=False),
        sa.Column("fee_amount", sa.Numeric(10, 2), nullable=False),
        sa.Column("room", sa.String(50), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("queue_calls", sa.Integer(), nullable=False),
        sa.Column("next_queue_no", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _ts("created_at"), _ts("updated_at"),
        sa.ForeignKeyConstraint(["institution_id"], ["institutions.id"], name=op.f("fk_clinic_sessions_institution_id_institutions")),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"], name=op.f("fk_clinic_sessions_department_id_departments")),
        sa.ForeignKeyConstraint(["doctor_id"], ["users.id"], name=op.f("fk_clinic_sessions_doctor_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clinic_sessions")),
        sa.UniqueConstraint("doctor_id", "session_date", "period", name=op.f("uq_clinic_sessions_doctor_id_session_date_period")),
    )
    op.create_index(op.f("ix_clinic_sessions_institution_id"), "clinic_sessions", ["institution_id"])
    op.create_index(op.f("ix_clinic_sessions_doctor_id"), "clinic_sessions", ["doctor_id"])
    op.create_index("ix_clinic_sessions_department_date", "clinic_sessions", ["department_id", "session_date"])

    op.create_table(
        "clinic_slots",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        _ts("starts_at"), _ts("ends_at"),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.CheckConstraint("booked >= 0 AND booked <= capacity", name=op.f("ck_clinic_slots_booked_within_capacity")),
        sa.ForeignKeyConstraint(["session_id"], ["clinic_sessions.id"], name=op.f("fk_clinic_slots_session_id_clinic_sessions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clinic_slots")),
    )
    op.create_index(op.f("ix_clinic_slots_session_id"), "clinic_slots", ["session_id"])

    op.create_table(
        "appointments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("institution_id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("slot_id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("department_id", sa.Uuid(), nullable=False),
        sa.Column("doctor_id", sa.Uuid(), nullable=False),
        sa.Column("session_date", sa.Date(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("visit_no", sa.String(32), nullable=True),
        sa.Column("queue_no", sa.Integer(), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("priority_reason", sa.String(32), nullable=False),
        sa.Column("fee_category", sa.String(32), nullable=False),
        sa.Column("fee_amount", sa.Numeric(10, 2), nullable=False),
        sa.Column("booked_by_id", sa.Uuid(), nullable=True),
        _ts("checked_in_at", True), _ts("called_at", True),
        sa.Column("call_count", sa.Integer(), nullable=False),
        sa.Column("skip_count", sa.Integer(), nullable=False),
        sa.Column("skipped_at_call", sa.Integer(), nullable=True),
        _ts("completed_at", True), _ts("cancelled_at", True),
        sa.Column("cancel_reason", sa.String(200), nullable=False),
        sa.Column("refunded", sa.Boolean(), nullable=False),
        _ts("no_show_at", True),
        sa.Column("near_notified", sa.Boolean(), nullable=False),
        _ts("created_at"), _ts("updated_at"),
        sa.ForeignKeyConstraint(["institution_id"], ["institutions.id"], name=op.f("fk_appointments_institution_id_institutions")),
        sa.ForeignKeyConstraint(["session_id"], ["clinic_sessions.id"], name=op.f("fk_appointments_session_id_clinic_sessions")),
        sa.ForeignKeyConstraint(["slot_id"], ["clinic_slots.id"], name=op.f("fk_appointments_slot_id_clinic_slots")),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"], name=op.f("fk_appointments_patient_id_patients")),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"], name=op.f("fk_appointments_department_id_departments")),
        sa.ForeignKeyConstraint(["doctor_id"], ["users.id"], name=op.f("fk_appointments_doctor_id_users")),
        sa.ForeignKeyConstraint(["booked_by_id"], ["users.id"], name=op.f("fk_appointments_booked_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointments")),
        sa.UniqueConstraint("visit_no", name=op.f("uq_appointments_visit_no")),
    )
    op.create_index(op.f("ix_appointments_session_id"), "appointments", ["session_id"])
    op.create_index("ix_appointments_patient_date", "appointments", ["patient_id", "session_date"])
    op.create_index("uq_appointments_session_patient_active", "appointments", ["session_id", "patient_id"], unique=True,
                    sqlite_where=sa.text(_ACTIVE), postgresql_where=sa.text(_ACTIVE))

    op.create_table(
        "visit_counters",
        sa.Column("institution_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["institution_id"], ["institutions.id"], name=op.f("fk_visit_counters_institution_id_institutions")),
        sa.PrimaryKeyConstraint("institution_id", "day", name=op.f("pk_visit_counters")),
    )


def downgrade() -> None:
    op.drop_table("visit_counters")
    op.drop_index("uq_appointments_session_patient_active", table_name="appointments")
    op.drop_index("ix_appointments_patient_date", table_name="appointments")
    op.drop_index(op.f("ix_appointments_session_id"), table_name="appointments")
    op.drop_table("appointments")
    op.drop_index(op.f("ix_clinic_slots_session_id"), table_name="clinic_slots")
    op.drop_table("clinic_slots")
    op.drop_index("ix_clinic_sessions_department_date", table_name="clinic_sessions")
    op.drop_index(op.f("ix_clinic_sessions_doctor_id"), table_name="clinic_sessions")
    op.drop_index(op.f("ix_clinic_sessions_institution_id"), table_name="clinic_sessions")
    op.drop_table("clinic_sessions")
