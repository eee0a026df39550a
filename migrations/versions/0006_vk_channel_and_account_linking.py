"""vk channel and account linking

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23

The VK channel's long-poll position and client abilities; one-time codes that link accounts.
Revises 0005.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('vk_clients',
    sa.Column('peer_id', sa.String(length=32), nullable=False),
    sa.Column('keyboard', sa.Boolean(), nullable=False),
    sa.Column('inline', sa.Boolean(), nullable=False),
    sa.Column('callback', sa.Boolean(), nullable=False),
    sa.Column('open_link', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('peer_id', name=op.f('pk_vk_clients'))
    )
    op.create_table('vk_poll_state',
    sa.Column('group_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('ts', sa.String(length=32), nullable=True),
    sa.Column('random_key', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('group_id', name=op.f('pk_vk_poll_state'))
    )
    op.create_table('link_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_link_attempts_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_attempts'))
    )
    with op.batch_alter_table('link_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_link_attempts_account_at', ['account_id', 'at'], unique=False)

    op.create_table('link_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_link_codes_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_codes')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_link_codes_code_hash'))
    )
    with op.batch_alter_table('link_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_link_codes_account_id'), ['account_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('link_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_link_codes_account_id'))

    op.drop_table('link_codes')
    with op.batch_alter_table('link_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_link_attempts_account_at')

    op.drop_table('link_attempts')
    op.drop_table('vk_poll_state')
    op.drop_table('vk_clients')
