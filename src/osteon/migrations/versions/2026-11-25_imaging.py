"""Imaging: DICOM index (studies, series, instances), devices, PACS nodes, imaging requests,
reconciliation worklist, duplicate conflicts, transfers.

Revision ID: 20261125_imaging
Revises: 20261125_0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "20261125_imaging"
down_revision = "20261125_0001"
branch_labels = ("imaging",)
depends_on = None


def upgrade() -> None:
    op.create_table('imaging_conflicts',
    sa.Column('sop_instance_uid', sa.String(length=64), nullable=False),
    sa.Column('kept_hash', sa.String(length=64), nullable=False),
    sa.Column('rejected_hash', sa.String(length=64), nullable=False),
    sa.Column('rejected_size', sa.BigInteger(), nullable=False),
    sa.Column('source', sa.String(length=80), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_imaging_conflicts'))
    )
    op.create_index(op.f('ix_imaging_conflicts_sop_instance_uid'), 'imaging_conflicts', ['sop_instance_uid'], unique=False)
    op.create_table('imaging_devices',
    sa.Column('institution_id', sa.Uuid(), nullable=False),
    sa.Column('ae_title', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('port', sa.Integer(), nullable=False),
    sa.Column('modality', sa.String(length=16), nullable=False),
    sa.Column('may_echo', sa.Boolean(), nullable=False),
    sa.Column('may_store', sa.Boolean(), nullable=False),
    sa.Column('may_query', sa.Boolean(), nullable=False),
    sa.Column('may_retrieve', sa.Boolean(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_imaging_devices_institution_id_institutions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_imaging_devices')),
    sa.UniqueConstraint('ae_title', name=op.f('uq_imaging_devices_ae_title'))
    )
    op.create_index(op.f('ix_imaging_devices_institution_id'), 'imaging_devices', ['institution_id'], unique=False)
    op.create_table('imaging_pacs_nodes',
    sa.Column('institution_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('ae_title', sa.String(length=16), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('port', sa.Integer(), nullable=False),
    sa.Column('dicomweb_url', sa.String(length=500), nullable=False),
    sa.Column('retrieve_method', sa.String(length=16), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_imaging_pacs_nodes_institution_id_institutions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_imaging_pacs_nodes'))
    )
    op.create_index(op.f('ix_imaging_pacs_nodes_institution_id'), 'imaging_pacs_nodes', ['institution_id'], unique=False)
    op.create_table('imaging_requests',
    sa.Column('institution_id', sa.Uuid(), nullable=False),
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('accession_number', sa.String(length=16), nullable=False),
    sa.Column('requested_procedure_id', sa.String(length=16), nullable=False),
    sa.Column('requested_procedure', sa.String(length=64), nullable=False),
    sa.Column('modality', sa.String(length=16), nullable=False),
    sa.Column('body_part', sa.String(length=64), nullable=False),
    sa.Column('laterality', sa.String(length=1), nullable=False),
    sa.Column('scheduled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('scheduled_station_ae', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('requested_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_imaging_requests_institution_id_institutions')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_imaging_requests_patient_id_patients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_imaging_requests')),
    sa.UniqueConstraint('accession_number', name=op.f('uq_imaging_requests_accession_number'))
    )
    op.create_index(op.f('ix_imaging_requests_institution_id'), 'imaging_requests', ['institution_id'], unique=False)
    op.create_index(op.f('ix_imaging_requests_patient_id'), 'imaging_requests', ['patient_id'], unique=False)
    op.create_index(op.f('ix_imaging_requests_scheduled_at'), 'imaging_requests', ['scheduled_at'], unique=False)
    op.create_table('imaging_transfers',
    sa.Column('institution_id', sa.Uuid(), nullable=False),
    sa.Column('node_id', sa.Uuid(), nullable=False),
    sa.Column('direction', sa.String(length=16), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('study_instance_uid', sa.String(length=64), nullable=False),
    sa.Column('patient_id', sa.Uuid(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('completed', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('requested_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_imaging_transfers_institution_id_institutions')),
    sa.ForeignKeyConstraint(['node_id'], ['imaging_pacs_nodes.id'], name=op.f('fk_imaging_transfers_node_id_imaging_pacs_nodes')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_imaging_transfers_patient_id_patients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_imaging_transfers'))
    )
    op.create_index(op.f('ix_imaging_transfers_institution_id'), 'imaging_transfers', ['institution_id'], unique=False)
    op.create_index(op.f('ix_imaging_transfers_node_id'), 'imaging_transfers', ['node_id'], unique=False)
    op.create_index(op.f('ix_imaging_transfers_patient_id'), 'imaging_transfers', ['patient_id'], unique=False)
    op.create_table('imaging_studies',
    sa.Column('study_instance_uid', sa.String(length=64), nullable=False),
    sa.Column('patient_id', sa.Uuid(), nullable=True),
    sa.Column('request_id', sa.Uuid(), nullable=True),
    sa.Column('institution_id', sa.Uuid(), nullable=True),
    sa.Column('dicom_patient_id', sa.String(length=64), nullable=False),
    sa.Column('patient_name', sa.String(length=400), nullable=False),
    sa.Column('patient_birth_date', sa.String(length=8), nullable=False),
    sa.Column('patient_sex', sa.String(length=16), nullable=False),
    sa.Column('study_date', sa.String(length=8), nullable=False),
    sa.Column('study_time', sa.String(length=16), nullable=False),
    sa.Column('accession_number', sa.String(length=16), nullable=False),
    sa.Column('study_id', sa.String(length=16), nullable=False),
    sa.Column('study_description', sa.String(length=200), nullable=False),
    sa.Column('referring_physician', sa.String(length=200), nullable=False),
    sa.Column('modalities', sa.String(length=100), nullable=False),
    sa.Column('num_series', sa.Integer(), nullable=False),
    sa.Column('num_instances', sa.Integer(), nullable=False),
    sa.Column('match_status', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=80), nullable=False),
    sa.Column('last_received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_imaging_studies_institution_id_institutions')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_imaging_studies_patient_id_patients')),
    sa.ForeignKeyConstraint(['request_id'], ['imaging_requests.id'], name=op.f('fk_imaging_studies_request_id_imaging_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_imaging_studies')),
    sa.UniqueConstraint('study_instance_uid', name=op.f('uq_imaging_studies_study_instance_uid'))
    )
    op.create_index(op.f('ix_imaging_studies_accession_number'), 'imaging_studies', ['accession_number'], unique=False)
    op.create_index(op.f('ix_imaging_studies_dicom_patient_id'), 'imaging_studies', ['dicom_patient_id'], unique=False)
    op.create_index('ix_imaging_studies_inst_date', 'imaging_studies', ['institution_id', 'study_date'], unique=False)
    op.create_index('ix_imaging_studies_patient_date', 'imaging_studies', ['patient_id', 'study_date'], unique=False)
    op.create_index(op.f('ix_imaging_studies_patient_name'), 'imaging_studies', ['patient_name'], unique=False)
    op.create_index(op.f('ix_imaging_studies_request_id'), 'imaging_studies', ['request_id'], unique=False)
    op.create_index(op.f('ix_imaging_studies_study_date'), 'imaging_studies', ['study_date'], unique=False)
    op.create_table('imaging_reconciliation',
    sa.Column('study_id', sa.Uuid(), nullable=False),
    sa.Column('institution_id', sa.Uuid(), nullable=True),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('resolved_by_id', sa.Uuid(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_imaging_reconciliation_institution_id_institutions')),
    sa.ForeignKeyConstraint(['study_id'], ['imaging_studies.id'], name=op.f('fk_imaging_reconciliation_study_id_imaging_studies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_imaging_reconciliation')),
    sa.UniqueConstraint('study_id', name=op.f('uq_imaging_reconciliation_study_id'))
    )
    op.create_index(op.f('ix_imaging_reconciliation_institution_id'), 'imaging_reconciliation', ['institution_id'], unique=False)
    op.create_index(op.f('ix_imaging_reconciliation_status'), 'imaging_reconciliation', ['status'], unique=False)
    op.create_table('imaging_series',
    sa.Column('study_id', sa.Uuid(), nullable=False),
    sa.Column('series_instance_uid', sa.String(length=64), nullable=False),
    sa.Column('modality', sa.String(length=16), nullable=False),
    sa.Column('series_number', sa.Integer(), nullable=True),
    sa.Column('series_description', sa.String(length=200), nullable=False),
    sa.Column('body_part', sa.String(length=64), nullable=False),
    sa.Column('laterality', sa.String(length=16), nullable=False),
    sa.Column('num_instances', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['study_id'], ['imaging_studies.id'], name=op.f('fk_imaging_series_study_id_imaging_studies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_imaging_series')),
    sa.UniqueConstraint('series_instance_uid', name=op.f('uq_imaging_series_series_instance_uid'))
    )
    op.create_index(op.f('ix_imaging_series_modality'), 'imaging_series', ['modality'], unique=False)
    op.create_index(op.f('ix_imaging_series_study_id'), 'imaging_series', ['study_id'], unique=False)
    op.create_table('imaging_instances',
    sa.Column('study_id', sa.Uuid(), nullable=False),
    sa.Column('series_id', sa.Uuid(), nullable=False),
    sa.Column('sop_instance_uid', sa.String(length=64), nullable=False),
    sa.Column('sop_class_uid', sa.String(length=64), nullable=False),
    sa.Column('transfer_syntax_uid', sa.String(length=64), nullable=False),
    sa.Column('instance_number', sa.Integer(), nullable=True),
    sa.Column('rows', sa.Integer(), nullable=True),
    sa.Column('columns', sa.Integer(), nullable=True),
    sa.Column('number_of_frames', sa.Integer(), nullable=False),
    sa.Column('file_hash', sa.String(length=64), nullable=False),
    sa.Column('file_size', sa.BigInteger(), nullable=False),
    sa.Column('meta_json', sa.Text(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['series_id'], ['imaging_series.id'], name=op.f('fk_imaging_instances_series_id_imaging_series'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['study_id'], ['imaging_studies.id'], name=op.f('fk_imaging_instances_study_id_imaging_studies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_imaging_instances')),
    sa.UniqueConstraint('sop_instance_uid', name=op.f('uq_imaging_instances_sop_instance_uid'))
    )
    op.create_index(op.f('ix_imaging_instances_file_hash'), 'imaging_instances', ['file_hash'], unique=False)
    op.create_index(op.f('ix_imaging_instances_series_id'), 'imaging_instances', ['series_id'], unique=False)
    op.create_index(op.f('ix_imaging_instances_sop_class_uid'), 'imaging_instances', ['sop_class_uid'], unique=False)
    op.create_index(op.f('ix_imaging_instances_study_id'), 'imaging_instances', ['study_id'], unique=False)
    


def downgrade() -> None:
    op.drop_index(op.f('ix_imaging_instances_study_id'), table_name='imaging_instances')
    op.drop_index(op.f('ix_imaging_instances_sop_class_uid'), table_name='imaging_instances')
    op.drop_index(op.f('ix_imaging_instances_series_id'), table_name='imaging_instances')
    op.drop_index(op.f('ix_imaging_instances_file_hash'), table_name='imaging_instances')
    op.drop_table('imaging_instances')
    op.drop_index(op.f('ix_imaging_series_study_id'), table_name='imaging_series')
    op.drop_index(op.f('ix_imaging_series_modality'), table_name='imaging_series')
    op.drop_table('imaging_series')
    op.drop_index(op.f('ix_imaging_reconciliation_status'), table_name='imaging_reconciliation')
    op.drop_index(op.f('ix_imaging_reconciliation_institution_id'), table_name='imaging_reconciliation')
    op.drop_table('imaging_reconciliation')
    op.drop_index(op.f('ix_imaging_studies_study_date'), table_name='imaging_studies')
    op.drop_index(op.f('ix_imaging_studies_request_id'), table_name='imaging_studies')
    op.drop_index(op.f('ix_imaging_studies_patient_name'), table_name='imaging_studies')
    op.drop_index('ix_imaging_studies_patient_date', table_name='imaging_studies')
    op.drop_index('ix_imaging_studies_inst_date', table_name='imaging_studies')
    op.drop_index(op.f('ix_imaging_studies_dicom_patient_id'), table_name='imaging_studies')
    op.drop_index(op.f('ix_imaging_studies_accession_number'), table_name='imaging_studies')
    op.drop_table('imaging_studies')
    op.drop_index(op.f('ix_imaging_transfers_patient_id'), table_name='imaging_transfers')
    op.drop_index(op.f('ix_imaging_transfers_node_id'), table_name='imaging_transfers')
    op.drop_index(op.f('ix_imaging_transfers_institution_id'), table_name='imaging_transfers')
    op.drop_table('imaging_transfers')
    op.drop_index(op.f('ix_imaging_requests_scheduled_at'), table_name='imaging_requests')
    op.drop_index(op.f('ix_imaging_requests_patient_id'), table_name='imaging_requests')
    op.drop_index(op.f('ix_imaging_requests_institution_id'), table_name='imaging_requests')
    op.drop_table('imaging_requests')
    op.drop_index(op.f('ix_imaging_pacs_nodes_institution_id'), table_name='imaging_pacs_nodes')
    op.drop_table('imaging_pacs_nodes')
    op.drop_index(op.f('ix_imaging_devices_institution_id'), table_name='imaging_devices')
    op.drop_table('imaging_devices')
    op.drop_index(op.f('ix_imaging_conflicts_sop_instance_uid'), table_name='imaging_conflicts')
    op.drop_table('imaging_conflicts')
    
