"""Platform foundation: institutions, people, sessions, audit trail, patients, jobs.

Revision ID: 20261125_0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "20261125_0001"
down_revision = None
branch_labels = None
depends_on = None

# The audit trail is append-only in the database itself (SECURITY 13), not only in the application.
_SQLITE_TRIGGERS = [
    ("CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END"),
    ("CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END"),
]
_PG_TRIGGER = [
    ("CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'audit trail is append-only'; END $$"),
    ("CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()"),
]


def upgrade() -> None:
    op.create_table('audit_events',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('institution_id', sa.Uuid(), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('patient_id', sa.Uuid(), nullable=True),
    sa.Column('resource_type', sa.String(length=64), nullable=False),
    sa.Column('resource_id', sa.String(length=100), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('severity', sa.String(length=16), nullable=False),
    sa.Column('client_ip', sa.String(length=64), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_events')),
    sa.UniqueConstraint('id', name=op.f('uq_audit_events_id'))
    )
    op.create_index(op.f('ix_audit_events_action'), 'audit_events', ['action'], unique=False)
    op.create_index(op.f('ix_audit_events_at'), 'audit_events', ['at'], unique=False)
    op.create_index('ix_audit_events_patient_at', 'audit_events', ['patient_id', 'at'], unique=False)
    op.create_index('ix_audit_events_username_at', 'audit_events', ['username', 'at'], unique=False)
    op.create_table('institutions',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=150), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=False),
    sa.Column('timezone', sa.String(length=50), nullable=False),
    sa.Column('mrn_prefix', sa.String(length=8), nullable=False),
    sa.Column('mrn_counter', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_institutions')),
    sa.UniqueConstraint('code', name=op.f('uq_institutions_code')),
    sa.UniqueConstraint('mrn_prefix', name=op.f('uq_institutions_mrn_prefix'))
    )
    op.create_table('jobs',
    sa.Column('kind', sa.String(length=100), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('run_after', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    op.create_index('ix_jobs_status_run_after', 'jobs', ['status', 'run_after'], unique=False)
    op.create_table('departments',
    sa.Column('institution_id', sa.Uuid(), nullable=False),
    sa.Column('parent_id', sa.Uuid(), nullable=True),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=150), nullable=False),
    sa.Column('subspecialty', sa.String(length=32), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_departments_institution_id_institutions')),
    sa.ForeignKeyConstraint(['parent_id'], ['departments.id'], name=op.f('fk_departments_parent_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_departments')),
    sa.UniqueConstraint('institution_id', 'code', name=op.f('uq_departments_institution_id_code'))
    )
    op.create_index(op.f('ix_departments_institution_id'), 'departments', ['institution_id'], unique=False)
    op.create_table('patients',
    sa.Column('mrn', sa.String(length=32), nullable=False),
    sa.Column('institution_id', sa.Uuid(), nullable=False),
    sa.Column('department_id', sa.Uuid(), nullable=True),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('pinyin', sa.String(length=200), nullable=False),
    sa.Column('pinyin_initials', sa.String(length=50), nullable=False),
    sa.Column('sex', sa.String(length=10), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('id_number_enc', sa.String(length=200), nullable=True),
    sa.Column('id_number_bidx', sa.String(length=40), nullable=True),
    sa.Column('phone_enc', sa.String(length=200), nullable=True),
    sa.Column('phone_bidx', sa.String(length=40), nullable=True),
    sa.Column('phone_tail_bidx', sa.String(length=40), nullable=True),
    sa.Column('address_enc', sa.String(length=1000), nullable=True),
    sa.Column('emergency_contact_enc', sa.String(length=1000), nullable=True),
    sa.Column('id_number_masked', sa.String(length=32), nullable=True),
    sa.Column('phone_masked', sa.String(length=32), nullable=True),
    sa.Column('insurance_type', sa.String(length=20), nullable=False),
    sa.Column('allergies', sa.JSON(), nullable=False),
    sa.Column('merged_into_id', sa.Uuid(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_patients_department_id_departments')),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_patients_institution_id_institutions')),
    sa.ForeignKeyConstraint(['merged_into_id'], ['patients.id'], name=op.f('fk_patients_merged_into_id_patients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patients')),
    sa.UniqueConstraint('institution_id', 'id_number_bidx', name=op.f('uq_patients_institution_id_id_number_bidx')),
    sa.UniqueConstraint('mrn', name=op.f('uq_patients_mrn'))
    )
    op.create_index('ix_patients_institution_department', 'patients', ['institution_id', 'department_id'], unique=False)
    op.create_index('ix_patients_mrn_pattern', 'patients', ['mrn'], unique=False, postgresql_ops={'mrn': 'varchar_pattern_ops'})
    op.create_index('ix_patients_name', 'patients', ['name'], unique=False, postgresql_ops={'name': 'varchar_pattern_ops'})
    op.create_index(op.f('ix_patients_phone_bidx'), 'patients', ['phone_bidx'], unique=False)
    op.create_index(op.f('ix_patients_phone_tail_bidx'), 'patients', ['phone_tail_bidx'], unique=False)
    op.create_index('ix_patients_pinyin', 'patients', ['pinyin'], unique=False, postgresql_ops={'pinyin': 'varchar_pattern_ops'})
    op.create_index('ix_patients_pinyin_initials', 'patients', ['pinyin_initials'], unique=False, postgresql_ops={'pinyin_initials': 'varchar_pattern_ops'})
    op.create_table('wards',
    sa.Column('institution_id', sa.Uuid(), nullable=False),
    sa.Column('department_id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('floor', sa.String(length=20), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_wards_department_id_departments')),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_wards_institution_id_institutions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wards')),
    sa.UniqueConstraint('institution_id', 'code', name=op.f('uq_wards_institution_id_code'))
    )
    op.create_index(op.f('ix_wards_department_id'), 'wards', ['department_id'], unique=False)
    op.create_index(op.f('ix_wards_institution_id'), 'wards', ['institution_id'], unique=False)
    op.create_table('patient_identifiers',
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('system', sa.String(length=64), nullable=False),
    sa.Column('value', sa.String(length=64), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_patient_identifiers_patient_id_patients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patient_identifiers')),
    sa.UniqueConstraint('system', 'value', name=op.f('uq_patient_identifiers_system_value'))
    )
    op.create_index(op.f('ix_patient_identifiers_patient_id'), 'patient_identifiers', ['patient_id'], unique=False)
    op.create_table('users',
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('full_name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('institution_id', sa.Uuid(), nullable=False),
    sa.Column('department_id', sa.Uuid(), nullable=True),
    sa.Column('patient_id', sa.Uuid(), nullable=True),
    sa.Column('title', sa.String(length=50), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('password_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('must_change_password', sa.Boolean(), nullable=False),
    sa.Column('totp_secret_enc', sa.String(length=200), nullable=True),
    sa.Column('totp_last_step', sa.BigInteger(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_users_department_id_departments')),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_users_institution_id_institutions')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_users_patient_id_patients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_index(op.f('ix_users_institution_id'), 'users', ['institution_id'], unique=False)
    op.create_index(op.f('ix_users_patient_id'), 'users', ['patient_id'], unique=False)
    op.create_table('access_grants',
    sa.Column('grantee_id', sa.Uuid(), nullable=False),
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('consultation_id', sa.Uuid(), nullable=True),
    sa.Column('scope', sa.JSON(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('granted_by_id', sa.Uuid(), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_access_grants_granted_by_id_users')),
    sa.ForeignKeyConstraint(['grantee_id'], ['users.id'], name=op.f('fk_access_grants_grantee_id_users')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_access_grants_patient_id_patients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_grants'))
    )
    op.create_index('ix_access_grants_grantee_patient', 'access_grants', ['grantee_id', 'patient_id'], unique=False)
    op.create_index(op.f('ix_access_grants_patient_id'), 'access_grants', ['patient_id'], unique=False)
    op.create_table('auth_sessions',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('client_ip', sa.String(length=64), nullable=False),
    sa.Column('user_agent', sa.String(length=300), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_auth_sessions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_auth_sessions_token_hash'))
    )
    op.create_index(op.f('ix_auth_sessions_user_id'), 'auth_sessions', ['user_id'], unique=False)
    op.create_table('care_relationships',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_care_relationships_patient_id_patients')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_care_relationships_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_relationships'))
    )
    op.create_index(op.f('ix_care_relationships_patient_id'), 'care_relationships', ['patient_id'], unique=False)
    op.create_index('ix_care_relationships_user_patient', 'care_relationships', ['user_id', 'patient_id'], unique=False)
    for statement in (_PG_TRIGGER if op.get_bind().dialect.name == "postgresql" else _SQLITE_TRIGGERS):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
    op.drop_index('ix_care_relationships_user_patient', table_name='care_relationships')
    op.drop_index(op.f('ix_care_relationships_patient_id'), table_name='care_relationships')
    op.drop_table('care_relationships')
    op.drop_index(op.f('ix_auth_sessions_user_id'), table_name='auth_sessions')
    op.drop_table('auth_sessions')
    op.drop_index(op.f('ix_access_grants_patient_id'), table_name='access_grants')
    op.drop_index('ix_access_grants_grantee_patient', table_name='access_grants')
    op.drop_table('access_grants')
    op.drop_index(op.f('ix_users_patient_id'), table_name='users')
    op.drop_index(op.f('ix_users_institution_id'), table_name='users')
    op.drop_table('users')
    op.drop_index(op.f('ix_patient_identifiers_patient_id'), table_name='patient_identifiers')
    op.drop_table('patient_identifiers')
    op.drop_index(op.f('ix_wards_institution_id'), table_name='wards')
    op.drop_index(op.f('ix_wards_department_id'), table_name='wards')
    op.drop_table('wards')
    op.drop_index('ix_patients_pinyin_initials', table_name='patients', postgresql_ops={'pinyin_initials': 'varchar_pattern_ops'})
    op.drop_index('ix_patients_pinyin', table_name='patients', postgresql_ops={'pinyin': 'varchar_pattern_ops'})
    op.drop_index(op.f('ix_patients_phone_tail_bidx'), table_name='patients')
    op.drop_index(op.f('ix_patients_phone_bidx'), table_name='patients')
    op.drop_index('ix_patients_name', table_name='patients', postgresql_ops={'name': 'varchar_pattern_ops'})
    op.drop_index('ix_patients_mrn_pattern', table_name='patients', postgresql_ops={'mrn': 'varchar_pattern_ops'})
    op.drop_index('ix_patients_institution_department', table_name='patients')
    op.drop_table('patients')
    op.drop_index(op.f('ix_departments_institution_id'), table_name='departments')
    op.drop_table('departments')
    op.drop_index('ix_jobs_status_run_after', table_name='jobs')
    op.drop_table('jobs')
    op.drop_table('institutions')
    op.drop_index('ix_audit_events_username_at', table_name='audit_events')
    op.drop_index('ix_audit_events_patient_at', table_name='audit_events')
    op.drop_index(op.f('ix_audit_events_at'), table_name='audit_events')
    op.drop_index(op.f('ix_audit_events_action'), table_name='audit_events')
    op.drop_table('audit_events')
