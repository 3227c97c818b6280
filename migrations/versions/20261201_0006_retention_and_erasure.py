"""retention and erasure

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 18:37:57

The practice's retention period (years after discharge, default 7) and whether the nightly job
purges what is past it (off by default); ``erased_at`` on clients and couples, set when a record
was erased (a mistaken entry) or purged past retention and its row kept as "Erased client #N".
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('couple', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('practice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retention_years', sa.Integer(), server_default='7', nullable=False))
        batch_op.add_column(sa.Column('retention_auto_purge', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('practice', schema=None) as batch_op:
        batch_op.drop_column('retention_auto_purge')
        batch_op.drop_column('retention_years')

    with op.batch_alter_table('couple', schema=None) as batch_op:
        batch_op.drop_column('erased_at')

    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
