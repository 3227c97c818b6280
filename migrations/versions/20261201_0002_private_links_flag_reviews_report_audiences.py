"""private links, flag reviews, report audiences

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 11:58:52.466245
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('link_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('administration_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('browser', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('new_browser', sa.Boolean(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['administration_id'], ['administration.id'], name=op.f('fk_link_event_administration_id_administration')),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], name=op.f('fk_link_event_practice_id_practice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_event'))
    )
    with op.batch_alter_table('link_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_link_event_administration_id'), ['administration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_link_event_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_link_event_practice_id'), ['practice_id'], unique=False)

    op.create_table('flag_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('flag_id', sa.Integer(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['counselor.id'], name=op.f('fk_flag_review_by_id_counselor')),
    sa.ForeignKeyConstraint(['flag_id'], ['administration_flag.id'], name=op.f('fk_flag_review_flag_id_administration_flag')),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], name=op.f('fk_flag_review_practice_id_practice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flag_review'))
    )
    with op.batch_alter_table('flag_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flag_review_flag_id'), ['flag_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_flag_review_practice_id'), ['practice_id'], unique=False)

    with op.batch_alter_table('administration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('passcode_hash', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column('passcode_failures', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('locked_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('reset_code_hash', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column('share_scores', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('administration_flag', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resolution_note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True))

    with op.batch_alter_table('practice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('support_text', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True))

    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audience', sqlmodel.sql.sqltypes.AutoString(length=20), server_default='clinical', nullable=False))
        batch_op.add_column(sa.Column('partner_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('dates_shifted', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_report_partner_id_client'), 'client', ['partner_id'], ['id'])




def downgrade() -> None:

    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_report_partner_id_client'), type_='foreignkey')
        batch_op.drop_column('dates_shifted')
        batch_op.drop_column('partner_id')
        batch_op.drop_column('audience')

    with op.batch_alter_table('practice', schema=None) as batch_op:
        batch_op.drop_column('support_text')

    with op.batch_alter_table('administration_flag', schema=None) as batch_op:
        batch_op.drop_column('resolution_note')

    with op.batch_alter_table('administration', schema=None) as batch_op:
        batch_op.drop_column('share_scores')
        batch_op.drop_column('reset_code_hash')
        batch_op.drop_column('locked_at')
        batch_op.drop_column('passcode_failures')
        batch_op.drop_column('passcode_hash')

    with op.batch_alter_table('flag_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flag_review_practice_id'))
        batch_op.drop_index(batch_op.f('ix_flag_review_flag_id'))

    op.drop_table('flag_review')
    with op.batch_alter_table('link_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_link_event_practice_id'))
        batch_op.drop_index(batch_op.f('ix_link_event_at'))
        batch_op.drop_index(batch_op.f('ix_link_event_administration_id'))

    op.drop_table('link_event')

