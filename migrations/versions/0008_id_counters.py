"""id counters

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-02

The highest person id ever given: on SQLite a deleted newest person's id (and analytics pseudonym) would
otherwise pass to the next newcomer. Revises 0006.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('id_counters',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_id_counters'))
    )


def downgrade() -> None:
    op.drop_table('id_counters')
