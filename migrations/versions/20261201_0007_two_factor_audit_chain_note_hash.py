"""two-factor sign-in, audit chain, signed-note hash

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 19:03:12

Issue 15's columns: a counselor's TOTP secret, when two-factor sign-in was enabled and the last
time step used; one-time recovery codes (hashes only); the practice's "everyone uses two-factor
sign-in"; each audit event's place in its practice's chain and its keyed hash (unique per
practice, so two writers can't take one place); a signed note's content hash.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('recovery_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('counselor_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['counselor_id'], ['counselor.id'], name=op.f('fk_recovery_code_counselor_id_counselor')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_code'))
    )
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_code_counselor_id'), ['counselor_id'], unique=False)

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chain_seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('chain_hash', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_audit_event_chain', ['practice_id', 'chain_seq'])

    with op.batch_alter_table('counselor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_enabled_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.BigInteger(), nullable=True))

    with op.batch_alter_table('practice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('require_two_factor', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('therapy_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note_hash', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('therapy_session', schema=None) as batch_op:
        batch_op.drop_column('note_hash')

    with op.batch_alter_table('practice', schema=None) as batch_op:
        batch_op.drop_column('require_two_factor')

    with op.batch_alter_table('counselor', schema=None) as batch_op:
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_enabled_at')
        batch_op.drop_column('totp_secret')

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_constraint('uq_audit_event_chain', type_='unique')
        batch_op.drop_column('chain_hash')
        batch_op.drop_column('chain_seq')

    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_code_counselor_id'))

    op.drop_table('recovery_code')
