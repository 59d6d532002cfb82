"""Clinical workflow: encounters and records, orders/results/charges, surgery and OR, inpatient beds.

Revision ID: 20261125_clinical
Revises: 20261125_0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "20261125_clinical"
down_revision = "20261125_0001"
branch_labels = ("clinical",)
depends_on = None


def upgrade() -> None:
    """Create the clinical tables."""
    op.create_table('clinical_counters',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_clinical_counters'))
    )
    op.create_table('or_rooms',
    sa.Column('institution_id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_or_rooms_institution_id_institutions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_or_rooms')),
    sa.UniqueConstraint('institution_id', 'code', name=op.f('uq_or_rooms_institution_id_code'))
    )
    op.create_table('ward_rooms',
    sa.Column('ward_id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['ward_id'], ['wards.id'], name=op.f('fk_ward_rooms_ward_id_wards')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ward_rooms')),
    sa.UniqueConstraint('ward_id', 'code', name=op.f('uq_ward_rooms_ward_id_code'))
    )
    op.create_table('beds',
    sa.Column('institution_id', sa.Uuid(), nullable=False),
    sa.Column('ward_id', sa.Uuid(), nullable=False),
    sa.Column('room_id', sa.Uuid(), nullable=True),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('admission_id', sa.Uuid(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_beds_institution_id_institutions')),
    sa.ForeignKeyConstraint(['room_id'], ['ward_rooms.id'], name=op.f('fk_beds_room_id_ward_rooms')),
    sa.ForeignKeyConstraint(['ward_id'], ['wards.id'], name=op.f('fk_beds_ward_id_wards')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_beds')),
    sa.UniqueConstraint('ward_id', 'code', name=op.f('uq_beds_ward_id_code'))
    )
    op.create_index('ix_beds_institution_state', 'beds', ['institution_id', 'state'], unique=False)
    op.create_table('encounters',
    sa.Column('visit_no', sa.String(length=24), nullable=False),
    sa.Column('institution_id', sa.Uuid(), nullable=False),
    sa.Column('department_id', sa.Uuid(), nullable=False),
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('encounter_class', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('subspecialty', sa.String(length=32), nullable=True),
    sa.Column('attending_id', sa.Uuid(), nullable=True),
    sa.Column('appointment_id', sa.Uuid(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('triage_summary', sa.JSON(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attending_id'], ['users.id'], name=op.f('fk_encounters_attending_id_users')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_encounters_department_id_departments')),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_encounters_institution_id_institutions')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_encounters_patient_id_patients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_encounters')),
    sa.UniqueConstraint('visit_no', name=op.f('uq_encounters_visit_no'))
    )
    op.create_index(op.f('ix_encounters_attending_id'), 'encounters', ['attending_id'], unique=False)
    op.create_index(op.f('ix_encounters_department_id'), 'encounters', ['department_id'], unique=False)
    op.create_index(op.f('ix_encounters_institution_id'), 'encounters', ['institution_id'], unique=False)
    op.create_index('ix_encounters_patient_started', 'encounters', ['patient_id', 'started_at'], unique=False)
    op.create_table('admissions',
    sa.Column('admission_no', sa.String(length=24), nullable=False),
    sa.Column('institution_id', sa.Uuid(), nullable=False),
    sa.Column('department_id', sa.Uuid(), nullable=False),
    sa.Column('ward_id', sa.Uuid(), nullable=False),
    sa.Column('bed_id', sa.Uuid(), nullable=True),
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('source_encounter_id', sa.Uuid(), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('admitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('discharged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attending_id', sa.Uuid(), nullable=True),
    sa.Column('admission_diagnosis_code', sa.String(length=16), nullable=False),
    sa.Column('admission_diagnosis', sa.String(length=200), nullable=False),
    sa.Column('los_days', sa.Integer(), nullable=True),
    sa.Column('discharge_disposition', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attending_id'], ['users.id'], name=op.f('fk_admissions_attending_id_users')),
    sa.ForeignKeyConstraint(['bed_id'], ['beds.id'], name=op.f('fk_admissions_bed_id_beds')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_admissions_department_id_departments')),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_admissions_institution_id_institutions')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_admissions_patient_id_patients')),
    sa.ForeignKeyConstraint(['source_encounter_id'], ['encounters.id'], name=op.f('fk_admissions_source_encounter_id_encounters')),
    sa.ForeignKeyConstraint(['ward_id'], ['wards.id'], name=op.f('fk_admissions_ward_id_wards')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admissions')),
    sa.UniqueConstraint('admission_no', name=op.f('uq_admissions_admission_no'))
    )
    op.create_index('ix_admissions_discharged', 'admissions', ['institution_id', 'discharged_at'], unique=False)
    op.create_index(op.f('ix_admissions_patient_id'), 'admissions', ['patient_id'], unique=False)
    op.create_index('ix_admissions_ward_status', 'admissions', ['ward_id', 'status'], unique=False)
    op.create_table('encounter_diagnoses',
    sa.Column('encounter_id', sa.Uuid(), nullable=False),
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('icd10_code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('laterality', sa.String(length=8), nullable=False),
    sa.Column('fracture_system', sa.String(length=32), nullable=True),
    sa.Column('fracture_code', sa.String(length=32), nullable=True),
    sa.Column('recorded_by_id', sa.Uuid(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['encounter_id'], ['encounters.id'], name=op.f('fk_encounter_diagnoses_encounter_id_encounters')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_encounter_diagnoses_patient_id_patients')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_encounter_diagnoses_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_encounter_diagnoses'))
    )
    op.create_index(op.f('ix_encounter_diagnoses_encounter_id'), 'encounter_diagnoses', ['encounter_id'], unique=False)
    op.create_index(op.f('ix_encounter_diagnoses_icd10_code'), 'encounter_diagnoses', ['icd10_code'], unique=False)
    op.create_index(op.f('ix_encounter_diagnoses_patient_id'), 'encounter_diagnoses', ['patient_id'], unique=False)
    op.create_table('encounter_records',
    sa.Column('encounter_id', sa.Uuid(), nullable=False),
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('template', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('chief_complaint', sa.String(length=40), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('signed_by_id', sa.Uuid(), nullable=True),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['encounter_id'], ['encounters.id'], name=op.f('fk_encounter_records_encounter_id_encounters')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_encounter_records_patient_id_patients')),
    sa.ForeignKeyConstraint(['signed_by_id'], ['users.id'], name=op.f('fk_encounter_records_signed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_encounter_records')),
    sa.UniqueConstraint('encounter_id', name=op.f('uq_encounter_records_encounter_id'))
    )
    op.create_index(op.f('ix_encounter_records_patient_id'), 'encounter_records', ['patient_id'], unique=False)
    op.create_table('encounter_scores',
    sa.Column('encounter_id', sa.Uuid(), nullable=False),
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('definition_version', sa.String(length=32), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('total', sa.Double(), nullable=True),
    sa.Column('recorded_by_id', sa.Uuid(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['encounter_id'], ['encounters.id'], name=op.f('fk_encounter_scores_encounter_id_encounters')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_encounter_scores_patient_id_patients')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_encounter_scores_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_encounter_scores'))
    )
    op.create_index(op.f('ix_encounter_scores_encounter_id'), 'encounter_scores', ['encounter_id'], unique=False)
    op.create_index('ix_encounter_scores_patient_code', 'encounter_scores', ['patient_id', 'code'], unique=False)
    op.create_table('orders',
    sa.Column('institution_id', sa.Uuid(), nullable=False),
    sa.Column('department_id', sa.Uuid(), nullable=False),
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('encounter_id', sa.Uuid(), nullable=True),
    sa.Column('admission_id', sa.Uuid(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('item_code', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('accession_number', sa.String(length=16), nullable=True),
    sa.Column('ordered_by_id', sa.Uuid(), nullable=False),
    sa.Column('ordered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_orders_department_id_departments')),
    sa.ForeignKeyConstraint(['encounter_id'], ['encounters.id'], name=op.f('fk_orders_encounter_id_encounters')),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_orders_institution_id_institutions')),
    sa.ForeignKeyConstraint(['ordered_by_id'], ['users.id'], name=op.f('fk_orders_ordered_by_id_users')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_orders_patient_id_patients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orders')),
    sa.UniqueConstraint('accession_number', name=op.f('uq_orders_accession_number'))
    )
    op.create_index(op.f('ix_orders_admission_id'), 'orders', ['admission_id'], unique=False)
    op.create_index(op.f('ix_orders_department_id'), 'orders', ['department_id'], unique=False)
    op.create_index(op.f('ix_orders_encounter_id'), 'orders', ['encounter_id'], unique=False)
    op.create_index(op.f('ix_orders_ordered_by_id'), 'orders', ['ordered_by_id'], unique=False)
    op.create_index('ix_orders_patient_ordered', 'orders', ['patient_id', 'ordered_at'], unique=False)
    op.create_index('ix_orders_status_kind', 'orders', ['institution_id', 'status', 'kind'], unique=False)
    op.create_table('surgeries',
    sa.Column('institution_id', sa.Uuid(), nullable=False),
    sa.Column('department_id', sa.Uuid(), nullable=False),
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('encounter_id', sa.Uuid(), nullable=True),
    sa.Column('admission_id', sa.Uuid(), nullable=True),
    sa.Column('requested_by_id', sa.Uuid(), nullable=False),
    sa.Column('planned_procedure', sa.String(length=200), nullable=False),
    sa.Column('planned_code', sa.String(length=16), nullable=False),
    sa.Column('laterality', sa.String(length=8), nullable=False),
    sa.Column('grade', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('consent_signed', sa.Boolean(), nullable=False),
    sa.Column('asa_class', sa.String(length=4), nullable=True),
    sa.Column('anaesthesia_assessed', sa.Boolean(), nullable=False),
    sa.Column('site_marked', sa.Boolean(), nullable=False),
    sa.Column('implants_required', sa.Boolean(), nullable=False),
    sa.Column('implants_prepared', sa.Boolean(), nullable=False),
    sa.Column('blood_required', sa.Boolean(), nullable=False),
    sa.Column('blood_prepared', sa.Boolean(), nullable=False),
    sa.Column('vte_assessed', sa.Boolean(), nullable=False),
    sa.Column('caprini_score', sa.Integer(), nullable=True),
    sa.Column('surgeon_id', sa.Uuid(), nullable=True),
    sa.Column('anaesthetist_id', sa.Uuid(), nullable=True),
    sa.Column('actual_start_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('actual_end_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('blood_loss_ml', sa.Integer(), nullable=True),
    sa.Column('operative_note', sa.Text(), nullable=False),
    sa.Column('unplanned_return', sa.Boolean(), nullable=False),
    sa.Column('index_surgery_id', sa.Uuid(), nullable=True),
    sa.Column('return_interval_minutes', sa.Integer(), nullable=True),
    sa.Column('return_within_48h', sa.Boolean(), nullable=True),
    sa.Column('return_within_31d', sa.Boolean(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['anaesthetist_id'], ['users.id'], name=op.f('fk_surgeries_anaesthetist_id_users')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_surgeries_department_id_departments')),
    sa.ForeignKeyConstraint(['encounter_id'], ['encounters.id'], name=op.f('fk_surgeries_encounter_id_encounters')),
    sa.ForeignKeyConstraint(['index_surgery_id'], ['surgeries.id'], name=op.f('fk_surgeries_index_surgery_id_surgeries')),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_surgeries_institution_id_institutions')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_surgeries_patient_id_patients')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_surgeries_requested_by_id_users')),
    sa.ForeignKeyConstraint(['surgeon_id'], ['users.id'], name=op.f('fk_surgeries_surgeon_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_surgeries'))
    )
    op.create_index(op.f('ix_surgeries_admission_id'), 'surgeries', ['admission_id'], unique=False)
    op.create_index(op.f('ix_surgeries_department_id'), 'surgeries', ['department_id'], unique=False)
    op.create_index('ix_surgeries_institution_status', 'surgeries', ['institution_id', 'status'], unique=False)
    op.create_index(op.f('ix_surgeries_patient_id'), 'surgeries', ['patient_id'], unique=False)
    op.create_index(op.f('ix_surgeries_surgeon_id'), 'surgeries', ['surgeon_id'], unique=False)
    op.create_table('bed_assignments',
    sa.Column('admission_id', sa.Uuid(), nullable=False),
    sa.Column('bed_id', sa.Uuid(), nullable=False),
    sa.Column('ward_id', sa.Uuid(), nullable=False),
    sa.Column('start_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('by_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['admission_id'], ['admissions.id'], name=op.f('fk_bed_assignments_admission_id_admissions')),
    sa.ForeignKeyConstraint(['bed_id'], ['beds.id'], name=op.f('fk_bed_assignments_bed_id_beds')),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_bed_assignments_by_id_users')),
    sa.ForeignKeyConstraint(['ward_id'], ['wards.id'], name=op.f('fk_bed_assignments_ward_id_wards')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bed_assignments'))
    )
    op.create_index(op.f('ix_bed_assignments_admission_id'), 'bed_assignments', ['admission_id'], unique=False)
    op.create_index(op.f('ix_bed_assignments_bed_id'), 'bed_assignments', ['bed_id'], unique=False)
    op.create_table('bed_days',
    sa.Column('admission_id', sa.Uuid(), nullable=False),
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('institution_id', sa.Uuid(), nullable=False),
    sa.Column('department_id', sa.Uuid(), nullable=False),
    sa.Column('ward_id', sa.Uuid(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['admission_id'], ['admissions.id'], name=op.f('fk_bed_days_admission_id_admissions')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_bed_days_department_id_departments')),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_bed_days_institution_id_institutions')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_bed_days_patient_id_patients')),
    sa.ForeignKeyConstraint(['ward_id'], ['wards.id'], name=op.f('fk_bed_days_ward_id_wards')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bed_days')),
    sa.UniqueConstraint('admission_id', 'day', name=op.f('uq_bed_days_admission_id_day'))
    )
    op.create_index('ix_bed_days_dept_day', 'bed_days', ['department_id', 'day'], unique=False)
    op.create_table('charge_items',
    sa.Column('institution_id', sa.Uuid(), nullable=False),
    sa.Column('department_id', sa.Uuid(), nullable=False),
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('encounter_id', sa.Uuid(), nullable=True),
    sa.Column('admission_id', sa.Uuid(), nullable=True),
    sa.Column('order_id', sa.Uuid(), nullable=True),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('item_code', sa.String(length=32), nullable=False),
    sa.Column('item_name', sa.String(length=200), nullable=False),
    sa.Column('unit', sa.String(length=16), nullable=False),
    sa.Column('unit_price_fen', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('service_date', sa.Date(), nullable=False),
    sa.Column('charged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('payment_ref', sa.String(length=64), nullable=False),
    sa.Column('refunded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_charge_items_department_id_departments')),
    sa.ForeignKeyConstraint(['encounter_id'], ['encounters.id'], name=op.f('fk_charge_items_encounter_id_encounters')),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_charge_items_institution_id_institutions')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_charge_items_order_id_orders')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_charge_items_patient_id_patients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_charge_items'))
    )
    op.create_index(op.f('ix_charge_items_admission_id'), 'charge_items', ['admission_id'], unique=False)
    op.create_index('ix_charge_items_dept_date', 'charge_items', ['department_id', 'service_date'], unique=False)
    op.create_index(op.f('ix_charge_items_encounter_id'), 'charge_items', ['encounter_id'], unique=False)
    op.create_index('ix_charge_items_institution_date', 'charge_items', ['institution_id', 'service_date'], unique=False)
    op.create_index(op.f('ix_charge_items_order_id'), 'charge_items', ['order_id'], unique=False)
    op.create_index(op.f('ix_charge_items_patient_id'), 'charge_items', ['patient_id'], unique=False)
    op.create_table('discharge_summaries',
    sa.Column('admission_id', sa.Uuid(), nullable=False),
    sa.Column('admission_diagnosis', sa.String(length=500), nullable=False),
    sa.Column('discharge_diagnosis', sa.String(length=500), nullable=False),
    sa.Column('discharge_diagnosis_code', sa.String(length=16), nullable=False),
    sa.Column('hospital_course', sa.Text(), nullable=False),
    sa.Column('procedures', sa.Text(), nullable=False),
    sa.Column('condition_at_discharge', sa.String(length=500), nullable=False),
    sa.Column('instructions', sa.Text(), nullable=False),
    sa.Column('follow_up', sa.String(length=500), nullable=False),
    sa.Column('author_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['admission_id'], ['admissions.id'], name=op.f('fk_discharge_summaries_admission_id_admissions')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_discharge_summaries_author_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discharge_summaries')),
    sa.UniqueConstraint('admission_id', name=op.f('uq_discharge_summaries_admission_id'))
    )
    op.create_table('encounter_record_versions',
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('author_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_encounter_record_versions_author_id_users')),
    sa.ForeignKeyConstraint(['record_id'], ['encounter_records.id'], name=op.f('fk_encounter_record_versions_record_id_encounter_records')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_encounter_record_versions')),
    sa.UniqueConstraint('record_id', 'revision', name=op.f('uq_encounter_record_versions_record_id_revision'))
    )
    op.create_table('implants',
    sa.Column('surgery_id', sa.Uuid(), nullable=False),
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('institution_id', sa.Uuid(), nullable=False),
    sa.Column('manufacturer', sa.String(length=100), nullable=False),
    sa.Column('product', sa.String(length=200), nullable=False),
    sa.Column('lot', sa.String(length=64), nullable=False),
    sa.Column('udi', sa.String(length=120), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('implanted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_implants_institution_id_institutions')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_implants_patient_id_patients')),
    sa.ForeignKeyConstraint(['surgery_id'], ['surgeries.id'], name=op.f('fk_implants_surgery_id_surgeries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_implants'))
    )
    op.create_index(op.f('ix_implants_lot'), 'implants', ['lot'], unique=False)
    op.create_index(op.f('ix_implants_patient_id'), 'implants', ['patient_id'], unique=False)
    op.create_index(op.f('ix_implants_surgery_id'), 'implants', ['surgery_id'], unique=False)
    op.create_index(op.f('ix_implants_udi'), 'implants', ['udi'], unique=False)
    op.create_table('nursing_observations',
    sa.Column('admission_id', sa.Uuid(), nullable=False),
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('observed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('temperature_c', sa.Double(), nullable=True),
    sa.Column('pulse', sa.Integer(), nullable=True),
    sa.Column('systolic', sa.Integer(), nullable=True),
    sa.Column('diastolic', sa.Integer(), nullable=True),
    sa.Column('spo2', sa.Integer(), nullable=True),
    sa.Column('resp_rate', sa.Integer(), nullable=True),
    sa.Column('pain_nrs', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['admission_id'], ['admissions.id'], name=op.f('fk_nursing_observations_admission_id_admissions')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_nursing_observations_patient_id_patients')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_nursing_observations_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nursing_observations'))
    )
    op.create_index('ix_nursing_observations_admission_at', 'nursing_observations', ['admission_id', 'observed_at'], unique=False)
    op.create_table('or_bookings',
    sa.Column('surgery_id', sa.Uuid(), nullable=False),
    sa.Column('room_id', sa.Uuid(), nullable=False),
    sa.Column('surgeon_id', sa.Uuid(), nullable=False),
    sa.Column('anaesthetist_id', sa.Uuid(), nullable=True),
    sa.Column('start_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('booked_by_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['anaesthetist_id'], ['users.id'], name=op.f('fk_or_bookings_anaesthetist_id_users')),
    sa.ForeignKeyConstraint(['booked_by_id'], ['users.id'], name=op.f('fk_or_bookings_booked_by_id_users')),
    sa.ForeignKeyConstraint(['room_id'], ['or_rooms.id'], name=op.f('fk_or_bookings_room_id_or_rooms')),
    sa.ForeignKeyConstraint(['surgeon_id'], ['users.id'], name=op.f('fk_or_bookings_surgeon_id_users')),
    sa.ForeignKeyConstraint(['surgery_id'], ['surgeries.id'], name=op.f('fk_or_bookings_surgery_id_surgeries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_or_bookings')),
    sa.UniqueConstraint('surgery_id', name=op.f('uq_or_bookings_surgery_id'))
    )
    op.create_index('ix_or_bookings_room_start', 'or_bookings', ['room_id', 'start_at'], unique=False)
    op.create_table('order_events',
    sa.Column('order_id', sa.Uuid(), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=False),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.Uuid(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_order_events_actor_id_users')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_events_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_events'))
    )
    op.create_index(op.f('ix_order_events_order_id'), 'order_events', ['order_id'], unique=False)
    op.create_table('order_results',
    sa.Column('order_id', sa.Uuid(), nullable=False),
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('findings', sa.Text(), nullable=False),
    sa.Column('conclusion', sa.Text(), nullable=False),
    sa.Column('reported_by_id', sa.Uuid(), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reviewed_by_id', sa.Uuid(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_results_order_id_orders')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_order_results_patient_id_patients')),
    sa.ForeignKeyConstraint(['reported_by_id'], ['users.id'], name=op.f('fk_order_results_reported_by_id_users')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_order_results_reviewed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_results')),
    sa.UniqueConstraint('order_id', name=op.f('uq_order_results_order_id'))
    )
    op.create_index(op.f('ix_order_results_patient_id'), 'order_results', ['patient_id'], unique=False)
    op.create_table('progress_notes',
    sa.Column('admission_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Uuid(), nullable=False),
    sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['admission_id'], ['admissions.id'], name=op.f('fk_progress_notes_admission_id_admissions')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_progress_notes_author_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_progress_notes'))
    )
    op.create_index(op.f('ix_progress_notes_admission_id'), 'progress_notes', ['admission_id'], unique=False)
    op.create_table('surgery_complications',
    sa.Column('surgery_id', sa.Uuid(), nullable=False),
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Uuid(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_surgery_complications_patient_id_patients')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_surgery_complications_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['surgery_id'], ['surgeries.id'], name=op.f('fk_surgery_complications_surgery_id_surgeries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_surgery_complications'))
    )
    op.create_index(op.f('ix_surgery_complications_surgery_id'), 'surgery_complications', ['surgery_id'], unique=False)
    op.create_table('surgery_procedures',
    sa.Column('surgery_id', sa.Uuid(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('grade', sa.Integer(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['surgery_id'], ['surgeries.id'], name=op.f('fk_surgery_procedures_surgery_id_surgeries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_surgery_procedures'))
    )
    op.create_index(op.f('ix_surgery_procedures_code'), 'surgery_procedures', ['code'], unique=False)
    op.create_index(op.f('ix_surgery_procedures_surgery_id'), 'surgery_procedures', ['surgery_id'], unique=False)
    op.create_table('lab_values',
    sa.Column('result_id', sa.Uuid(), nullable=False),
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('analyte', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('loinc', sa.String(length=16), nullable=False),
    sa.Column('value', sa.Double(), nullable=False),
    sa.Column('unit', sa.String(length=32), nullable=False),
    sa.Column('ref_low', sa.Double(), nullable=True),
    sa.Column('ref_high', sa.Double(), nullable=True),
    sa.Column('flag', sa.String(length=2), nullable=False),
    sa.Column('critical', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_lab_values_patient_id_patients')),
    sa.ForeignKeyConstraint(['result_id'], ['order_results.id'], name=op.f('fk_lab_values_result_id_order_results')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lab_values'))
    )
    op.create_index(op.f('ix_lab_values_patient_id'), 'lab_values', ['patient_id'], unique=False)
    op.create_index(op.f('ix_lab_values_result_id'), 'lab_values', ['result_id'], unique=False)
    op.create_table('or_time_blocks',
    sa.Column('booking_id', sa.Uuid(), nullable=False),
    sa.Column('resource', sa.String(length=48), nullable=False),
    sa.Column('block_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['or_bookings.id'], name=op.f('fk_or_time_blocks_booking_id_or_bookings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_or_time_blocks')),
    sa.UniqueConstraint('resource', 'block_start', name=op.f('uq_or_time_blocks_resource_block_start'))
    )
    op.create_index(op.f('ix_or_time_blocks_booking_id'), 'or_time_blocks', ['booking_id'], unique=False)
    op.create_table('critical_alerts',
    sa.Column('order_id', sa.Uuid(), nullable=False),
    sa.Column('lab_value_id', sa.Uuid(), nullable=False),
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('doctor_id', sa.Uuid(), nullable=False),
    sa.Column('message', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_by_id', sa.Uuid(), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ack_note', sa.String(length=500), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['users.id'], name=op.f('fk_critical_alerts_acknowledged_by_id_users')),
    sa.ForeignKeyConstraint(['doctor_id'], ['users.id'], name=op.f('fk_critical_alerts_doctor_id_users')),
    sa.ForeignKeyConstraint(['lab_value_id'], ['lab_values.id'], name=op.f('fk_critical_alerts_lab_value_id_lab_values')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_critical_alerts_order_id_orders')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_critical_alerts_patient_id_patients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_critical_alerts'))
    )
    op.create_index(op.f('ix_critical_alerts_doctor_id'), 'critical_alerts', ['doctor_id'], unique=False)
    op.create_index(op.f('ix_critical_alerts_order_id'), 'critical_alerts', ['order_id'], unique=False)
    # ### end Alembic commands ###


def downgrade() -> None:
    """Drop the clinical tables."""

    op.drop_index(op.f('ix_critical_alerts_order_id'), table_name='critical_alerts')
    op.drop_index(op.f('ix_critical_alerts_doctor_id'), table_name='critical_alerts')
    op.drop_table('critical_alerts')
    op.drop_index(op.f('ix_or_time_blocks_booking_id'), table_name='or_time_blocks')
    op.drop_table('or_time_blocks')
    op.drop_index(op.f('ix_lab_values_result_id'), table_name='lab_values')
    op.drop_index(op.f('ix_lab_values_patient_id'), table_name='lab_values')
    op.drop_table('lab_values')
    op.drop_index(op.f('ix_surgery_procedures_surgery_id'), table_name='surgery_procedures')
    op.drop_index(op.f('ix_surgery_procedures_code'), table_name='surgery_procedures')
    op.drop_table('surgery_procedures')
    op.drop_index(op.f('ix_surgery_complications_surgery_id'), table_name='surgery_complications')
    op.drop_table('surgery_complications')
    op.drop_index(op.f('ix_progress_notes_admission_id'), table_name='progress_notes')
    op.drop_table('progress_notes')
    op.drop_index(op.f('ix_order_results_patient_id'), table_name='order_results')
    op.drop_table('order_results')
    op.drop_index(op.f('ix_order_events_order_id'), table_name='order_events')
    op.drop_table('order_events')
    op.drop_index('ix_or_bookings_room_start', table_name='or_bookings')
    op.drop_table('or_bookings')
    op.drop_index('ix_nursing_observations_admission_at', table_name='nursing_observations')
    op.drop_table('nursing_observations')
    op.drop_index(op.f('ix_implants_udi'), table_name='implants')
    op.drop_index(op.f('ix_implants_surgery_id'), table_name='implants')
    op.drop_index(op.f('ix_implants_patient_id'), table_name='implants')
    op.drop_index(op.f('ix_implants_lot'), table_name='implants')
    op.drop_table('implants')
    op.drop_table('encounter_record_versions')
    op.drop_table('discharge_summaries')
    op.drop_index(op.f('ix_charge_items_patient_id'), table_name='charge_items')
    op.drop_index(op.f('ix_charge_items_order_id'), table_name='charge_items')
    op.drop_index('ix_charge_items_institution_date', table_name='charge_items')
    op.drop_index(op.f('ix_charge_items_encounter_id'), table_name='charge_items')
    op.drop_index('ix_charge_items_dept_date', table_name='charge_items')
    op.drop_index(op.f('ix_charge_items_admission_id'), table_name='charge_items')
    op.drop_table('charge_items')
    op.drop_index('ix_bed_days_dept_day', table_name='bed_days')
    op.drop_table('bed_days')
    op.drop_index(op.f('ix_bed_assignments_bed_id'), table_name='bed_assignments')
    op.drop_index(op.f('ix_bed_assignments_admission_id'), table_name='bed_assignments')
    op.drop_table('bed_assignments')
    op.drop_index(op.f('ix_surgeries_surgeon_id'), table_name='surgeries')
    op.drop_index(op.f('ix_surgeries_patient_id'), table_name='surgeries')
    op.drop_index('ix_surgeries_institution_status', table_name='surgeries')
    op.drop_index(op.f('ix_surgeries_department_id'), table_name='surgeries')
    op.drop_index(op.f('ix_surgeries_admission_id'), table_name='surgeries')
    op.drop_table('surgeries')
    op.drop_index('ix_orders_status_kind', table_name='orders')
    op.drop_index('ix_orders_patient_ordered', table_name='orders')
    op.drop_index(op.f('ix_orders_ordered_by_id'), table_name='orders')
    op.drop_index(op.f('ix_orders_encounter_id'), table_name='orders')
    op.drop_index(op.f('ix_orders_department_id'), table_name='orders')
    op.drop_index(op.f('ix_orders_admission_id'), table_name='orders')
    op.drop_table('orders')
    op.drop_index('ix_encounter_scores_patient_code', table_name='encounter_scores')
    op.drop_index(op.f('ix_encounter_scores_encounter_id'), table_name='encounter_scores')
    op.drop_table('encounter_scores')
    op.drop_index(op.f('ix_encounter_records_patient_id'), table_name='encounter_records')
    op.drop_table('encounter_records')
    op.drop_index(op.f('ix_encounter_diagnoses_patient_id'), table_name='encounter_diagnoses')
    op.drop_index(op.f('ix_encounter_diagnoses_icd10_code'), table_name='encounter_diagnoses')
    op.drop_index(op.f('ix_encounter_diagnoses_encounter_id'), table_name='encounter_diagnoses')
    op.drop_table('encounter_diagnoses')
    op.drop_index('ix_admissions_ward_status', table_name='admissions')
    op.drop_index(op.f('ix_admissions_patient_id'), table_name='admissions')
    op.drop_index('ix_admissions_discharged', table_name='admissions')
    op.drop_table('admissions')
    op.drop_index('ix_encounters_patient_started', table_name='encounters')
    op.drop_index(op.f('ix_encounters_institution_id'), table_name='encounters')
    op.drop_index(op.f('ix_encounters_department_id'), table_name='encounters')
    op.drop_index(op.f('ix_encounters_attending_id'), table_name='encounters')
    op.drop_table('encounters')
    op.drop_index('ix_beds_institution_state', table_name='beds')
    op.drop_table('beds')
    op.drop_table('ward_rooms')
    op.drop_table('or_rooms')
    op.drop_table('clinical_counters')
    # ### end Alembic commands ###
