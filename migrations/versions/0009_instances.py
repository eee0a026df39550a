"""several instances on one database

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-02

Leases (VK long poll leader, senders' shares of a rate limit), the last claimed period of each
scheduled job, and values generated once for all instances (the analytics salt).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('leases',
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('holder', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_leases'))
    )
    with op.batch_alter_table('leases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_leases_expires_at'), ['expires_at'], unique=False)

    op.create_table('job_runs',
    sa.Column('job', sa.String(length=64), nullable=False),
    sa.Column('slot', sa.BigInteger(), nullable=False),
    sa.Column('holder', sa.String(length=64), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('job', name=op.f('pk_job_runs'))
    )
    op.create_table('shared_values',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_shared_values'))
    )


def downgrade() -> None:
    op.drop_table('shared_values')
    op.drop_table('job_runs')
    with op.batch_alter_table('leases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_leases_expires_at'))

    op.drop_table('leases')
