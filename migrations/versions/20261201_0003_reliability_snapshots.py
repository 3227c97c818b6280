"""reliability snapshots

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 12:45:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('reliability_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('instrument_version', sa.Integer(), nullable=False),
    sa.Column('subscale', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('alpha', sa.Float(), nullable=True),
    sa.Column('alpha_low', sa.Float(), nullable=True),
    sa.Column('alpha_high', sa.Float(), nullable=True),
    sa.Column('n_clients', sa.Integer(), nullable=False),
    sa.Column('n_administrations', sa.Integer(), nullable=False),
    sa.Column('clients_seen', sa.Integer(), nullable=False),
    sa.Column('n_items', sa.Integer(), nullable=False),
    sa.Column('sd', sa.Float(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('taken_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], name=op.f('fk_reliability_snapshot_practice_id_practice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reliability_snapshot'))
    )
    with op.batch_alter_table('reliability_snapshot', schema=None) as batch_op:
        batch_op.create_index('ix_reliability_snapshot_lookup',
                              ['practice_id', 'instrument_id', 'instrument_version', 'taken_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('reliability_snapshot', schema=None) as batch_op:
        batch_op.drop_index('ix_reliability_snapshot_lookup')

    op.drop_table('reliability_snapshot')
