"""keep report PDFs

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 17:39:09

The PDF bytes of every report made from now on, one row per report (its own table, so
listing reports never reads the files). Reports made before have no row.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('report_file',
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_report_file_report_id_report')),
    sa.PrimaryKeyConstraint('report_id', name=op.f('pk_report_file'))
    )


def downgrade() -> None:
    op.drop_table('report_file')
